/**
 * KatoDataPlane and the program function under Pulumi mocks, for the variations a stack can ask
 * for: singleNode, allowDataLoss, a remote Docker host, a kube context, 1000 tenants, the library use.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { GUIDE_DROPPED, isStateful, KatoDataPlane } from "../../components/dataplane";
import { formatProblem } from "../../components/shared/problems";
import { loadStackConfig, type StackConfig } from "../../program/config/load";
import { planeName, program } from "../../program/program";
import { recordOptions } from "../program/harness";
import { installMocks, type MockHarness, plaintextSecretLeaks, waitForRegistrations } from "../support/mocks";
import { flatInputs } from "../support/tenantInputs";

function configOf(stack: string, config: Record<string, unknown> = {}): StackConfig {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(config))
    all[`kato-infra:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  const { config: resolved, problems } = loadStackConfig({ stack, config: all });
  expect(problems.map(formatProblem)).toEqual([]);
  return resolved!;
}

async function deploy(stack: string, config: Record<string, unknown> = {}) {
  const harness = installMocks({ stack });
  const options = recordOptions();
  const outputs = program(configOf(stack, config));
  await waitForRegistrations();
  return { harness, options, outputs };
}

const containers = (h: MockHarness, engine: string) =>
  h.ofType("docker:index/container:Container").filter((c) => c.name.includes(`-${engine}-`));

describe("singleNode on dev", () => {
  let h: MockHarness;
  beforeAll(async () => {
    ({ harness: h } = await deploy("dev", { singleNode: true }));
  });

  it("runs one MongoDB member, one Qdrant peer and three Redis masters", () => {
    expect(containers(h, "mongodb")).toHaveLength(1);
    expect(containers(h, "qdrant")).toHaveLength(1);
    expect(containers(h, "redis")).toHaveLength(3);
  });
});

describe("the full dev topology", () => {
  let h: MockHarness;
  beforeAll(async () => {
    ({ harness: h } = await deploy("dev"));
  });

  it("runs 3 MongoDB members, 3 Qdrant peers and 6 Redis nodes, named after the stack", () => {
    expect(containers(h, "mongodb")).toHaveLength(3);
    expect(containers(h, "qdrant")).toHaveLength(3);
    expect(containers(h, "redis")).toHaveLength(6);
    expect(containers(h, "mongodb").map((c) => c.inputs.name)).toEqual([
      "kato-dev-mongodb-0",
      "kato-dev-mongodb-1",
      "kato-dev-mongodb-2",
    ]);
  });
});

describe("allowDataLoss", () => {
  let run: Awaited<ReturnType<typeof deploy>>;
  beforeAll(async () => {
    run = await deploy("dev", { allowDataLoss: true, nodeIds: ["a"] });
  });

  it("lets schema changes rebuild indexes and recreate collections", () => {
    const schema = run.harness.ofType("pulumi-nodejs:dynamic/kato:MongoDatabaseSchema")[0]!;
    expect(flatInputs(schema).allowIndexRebuild).toBe(true);
    const collection = run.harness.ofType("pulumi-nodejs:dynamic/kato:QdrantCollection")[0]!;
    expect(flatInputs(collection).allowRecreate).toBe(true);
  });

  it("deletes volumes with their containers", () => {
    const volumes = run.options.filter((o) => o.type === "docker:index/volume:Volume");
    expect(volumes.length).toBeGreaterThan(0);
    expect(volumes.every((v) => !v.retainOnDelete)).toBe(true);
  });
});

describe("nothing destroys data by default", () => {
  let h: MockHarness;
  beforeAll(async () => {
    ({ harness: h } = await deploy("dev", { nodeIds: ["a"] }));
  });

  it("refuses index rebuilds", () => {
    const schema = h.ofType("pulumi-nodejs:dynamic/kato:MongoDatabaseSchema")[0]!;
    expect(flatInputs(schema).allowIndexRebuild).toBe(false);
    const collection = h.ofType("pulumi-nodejs:dynamic/kato:QdrantCollection")[0]!;
    expect(flatInputs(collection).allowRecreate).toBe(false);
  });
});

describe("a namespace the stack creates", () => {
  // Kubernetes deletes every PVC of a deleted namespace, whatever their retainOnDelete says.
  it.each([
    ["staging", false, true],
    ["staging", true, false],
    ["pr-example", true, false],
  ])("on %s with allowDataLoss %s is retained on delete: %s", async (stack, allowDataLoss, retained) => {
    const { options } = await deploy(stack, { allowDataLoss, nodeIds: ["a"] });
    const namespaces = options.filter((o) => o.type === "kubernetes:core/v1:Namespace");
    expect(namespaces).toHaveLength(1);
    expect(namespaces[0]!.retainOnDelete).toBe(retained);
    // protect stays the stack's choice (prod): a retained namespace can still go with `pulumi destroy`.
    expect(namespaces[0]!.protect).toBe(false);
  });
});

describe("a remote Docker host", () => {
  let h: MockHarness;
  beforeAll(async () => {
    ({ harness: h } = await deploy("dev", {
      // An address of that host reachable from here: loopback or 0.0.0.0 is refused (docs/configuration.md).
      docker: { host: "ssh://deploy@db-host", publishAddress: "10.0.0.5" },
    }));
  });

  it("deploys through a Docker provider for that host, publishing on the asked address", () => {
    const providers = h.ofType("pulumi:providers:docker");
    expect(providers.map((p) => p.inputs.host)).toEqual(["ssh://deploy@db-host"]);
    const network = h.one("docker:index/network:Network");
    expect(network.provider).toContain("pulumi:providers:docker");
    for (const c of h.ofType("docker:index/container:Container")) {
      expect(c.provider, c.name).toContain("pulumi:providers:docker::docker");
      for (const p of c.inputs.ports ?? []) expect(p.ip).toBe("10.0.0.5");
    }
  });
});

describe("a kubeconfig context", () => {
  let h: MockHarness;
  beforeAll(async () => {
    ({ harness: h } = await deploy("staging", { kubernetes: { context: "kind-kato" } }));
  });

  it("deploys every Kubernetes object through a provider for that context", () => {
    expect(h.ofType("pulumi:providers:kubernetes").map((p) => p.inputs.context)).toEqual(["kind-kato"]);
    for (const r of h.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
      expect(r.provider, `${r.type} ${r.name}`).toContain("pulumi:providers:kubernetes::kubernetes");
    }
  });
});

describe("1000 tenants", () => {
  let h: MockHarness;
  beforeAll(async () => {
    const nodeIds = Array.from({ length: 1000 }, (_, i) => `tenant-${i}`);
    ({ harness: h } = await deploy("prod", { nodeIds, schemaPreset: "kato-v3" }));
  }, 120_000);

  it("declares one MongoDB schema resource per tenant and nothing per index", () => {
    expect(h.ofType("pulumi-nodejs:dynamic/kato:MongoDatabaseSchema")).toHaveLength(1000);
    const perTenant = h.resources.filter((r) => /tenant_\d+_kato/.test(r.name));
    // One database schema and one collection per tenant, at most.
    expect(perTenant.length).toBeLessThanOrEqual(2000);
  });

  it("keeps every credential secret", () => {
    expect(plaintextSecretLeaks(h)).toEqual([]);
  });
});

describe("KatoDataPlane as a library", () => {
  let h: MockHarness;
  const warn = vi.spyOn(pulumi.log, "warn");
  let plane: KatoDataPlane;
  beforeAll(async () => {
    h = installMocks({ stack: "lib" });
    warn.mockClear();
    plane = new KatoDataPlane("kato", {
      target: { kind: "kubernetes", namespace: "data", createNamespace: true },
      schema: { preset: "guide", nodeIds: ["a", "b", "c"], serviceName: "kato", vectorSize: 768 },
    });
    await waitForRegistrations();
  });

  it("plans the schema itself and warns about nothing the guide preset leaves out", () => {
    expect(plane.tenants.map((t) => t.database)).toEqual(["node_a_kato", "node_b_kato", "node_c_kato"]);
    const messages = warn.mock.calls.map((c) => c[0]);
    expect(messages.filter((m) => m === GUIDE_DROPPED.idUniqueIndex || m === GUIDE_DROPPED.hnswEf)).toEqual(
      [],
    );
  });

  it("creates its namespace and puts the engines in it", () => {
    expect(h.one("kubernetes:core/v1:Namespace").inputs.metadata.name).toBe("data");
    expect(h.one("kubernetes:apps/v1:StatefulSet", "kato-mongodb").inputs.metadata.namespace).toBe("data");
  });

  it("refuses a schema with problems, listing them all", () => {
    expect(
      () =>
        new KatoDataPlane("bad", {
          target: { kind: "docker", networkName: "x" },
          schema: { preset: "guide", nodeIds: ["a.b", "c d"], serviceName: "kato", vectorSize: 768 },
        }),
    ).toThrow(/KatoDataPlane bad has 2 problems/);
  });
});

describe("names", () => {
  it("names the plane after the stack on Docker (containers share one daemon) and kato on Kubernetes", () => {
    expect(planeName(configOf("dev"))).toBe("kato-dev");
    expect(planeName(configOf("My_Laptop.Stack", { profile: "dev" }))).toBe("kato-my-laptop-stack");
    expect(planeName(configOf("prod"))).toBe("kato");
  });

  it("counts only data-holding resources as stateful", () => {
    const r = {} as pulumi.Resource;
    expect(isStateful(r, "kubernetes:apps/v1:StatefulSet")).toBe(true);
    expect(isStateful(r, "docker:index/volume:Volume")).toBe(true);
    expect(isStateful(r, "kubernetes:core/v1:Service")).toBe(false);
    expect(isStateful(r, "kubernetes:core/v1:ConfigMap")).toBe(false);
  });
});

describe("registration without the SDK's per-promise stack traces (shared/promiseTraces.ts)", () => {
  // pulumi v3.248.0 sdk/nodejs/runtime/debuggable.ts: every promise the SDK makes for a resource
  // keeps `new Error().stack` as `_debugStackTrace` and stays in the store's `leakCandidates` until it
  // settles. Read right after the program has constructed its resources, before any settles.
  const { getStore } = require("@pulumi/pulumi/runtime/state") as {
    getStore(): { leakCandidates: Set<Promise<unknown> & { _debugCtx?: string; _debugStackTrace?: string }> };
  };
  const frames = (stack: string | undefined) => (stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
  class Control extends pulumi.CustomResource {
    constructor() {
      super("test:index:Control", "control", {});
    }
  }

  async function register(debugLeaks: boolean) {
    const saved = process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    if (debugLeaks) process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    else delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    try {
      installMocks({ stack: "dev" });
      const config = configOf("dev", { nodeIds: ["t-1", "t-2"] });
      const before = new Set(getStore().leakCandidates);
      program(config);
      // A resource of the test's own, registered outside the plane: the SDK's default behaviour.
      new Control();
      const created = [...getStore().leakCandidates].filter((p) => !before.has(p));
      await waitForRegistrations();
      const urnPromise = (label: RegExp) => created.filter((p) => label.test(p._debugCtx ?? ""));
      return {
        tenants: urnPromise(/^resolveURN\(resource:(mongodb-schema|qdrant-collection)-/),
        engines: urnPromise(/^resolveURN\(resource:kato-dev-mongodb-/),
        control: urnPromise(/^resolveURN\(resource:control\[/),
      };
    } finally {
      if (saved === undefined) delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
      else process.env.PULUMI_DEBUG_PROMISE_LEAKS = saved;
    }
  }

  it("registers every resource of the plane, tenants and engines, without a trace, and leaves others alone", async () => {
    const { tenants, engines, control } = await register(false);
    expect(tenants).toHaveLength(4);
    expect(engines.length).toBeGreaterThan(0);
    for (const p of [...tenants, ...engines]) expect(frames(p._debugStackTrace)).toEqual([]);
    expect(control).toHaveLength(1);
    expect(frames(control[0]!._debugStackTrace).length).toBeGreaterThan(0);
  });

  it("keeps the traces when PULUMI_DEBUG_PROMISE_LEAKS asks for them", async () => {
    const { tenants } = await register(true);
    expect(tenants).toHaveLength(4);
    for (const p of tenants) expect(frames(p._debugStackTrace).length).toBeGreaterThan(0);
  });
});
