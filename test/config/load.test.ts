import { describe, expect, it } from "vitest";
import { formatProblem } from "../../components/shared/problems";
import {
  type ConfigInput,
  loadStackConfig,
  mergeSettings,
  profileOfStack,
  secretsProviderProblems,
} from "../../program/config/load";

/** Config as Pulumi hands it to the program: namespaced keys, objects and lists as JSON text. */
function input(
  stack: string,
  config: Record<string, unknown> = {},
  extra: Partial<ConfigInput> = {},
): ConfigInput {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    all[k.includes(":") ? k : `kato-infra:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return { config: all, stack, ...extra };
}

function load(stack: string, config: Record<string, unknown> = {}, extra: Partial<ConfigInput> = {}) {
  return loadStackConfig(input(stack, config, extra));
}

function ok(stack: string, config: Record<string, unknown> = {}) {
  const result = load(stack, config);
  expect(result.problems.map(formatProblem)).toEqual([]);
  return result.config!;
}

/** The one problem of a config, as the user reads it. */
function only(stack: string, config: Record<string, unknown>): string {
  const { problems, config: resolved } = load(stack, config);
  expect(resolved).toBeUndefined();
  expect(problems.map(formatProblem)).toHaveLength(1);
  return formatProblem(problems[0]!);
}

describe("profiles chosen by stack name", () => {
  it("dev runs on Docker with the full topology: 3 members, 3 peers, 6 Redis nodes", () => {
    const c = ok("dev");
    expect(c.profile).toBe("dev");
    expect(c.target).toBe("docker");
    expect([c.mongodb.members, c.qdrant.peers, c.redis.nodes]).toEqual([3, 3, 6]);
    expect(c.docker).toEqual({
      publishAddress: "127.0.0.1",
      networkName: "kato-dev",
      externalNetwork: false,
    });
  });

  it("dev keeps every volume and protects nothing by default", () => {
    const c = ok("dev");
    expect([
      c.mongodb.storage.retainOnDelete,
      c.qdrant.storage.retainOnDelete,
      c.redis.storage.retainOnDelete,
    ]).toEqual([true, true, true]);
    expect(c.allowDataLoss).toBe(false);
    expect(c.protect).toBe(false);
  });

  it("staging runs on Kubernetes in its own namespace, created by the stack", () => {
    const c = ok("staging");
    expect(c.target).toBe("kubernetes");
    expect(c.kubernetes).toMatchObject({
      namespace: "kato-staging",
      createNamespace: true,
      antiAffinity: "soft",
    });
  });

  it("prod is highly available: required anti-affinity, protected, volumes retained, bigger members", () => {
    const c = ok("prod");
    expect(c.kubernetes.antiAffinity).toBe("required");
    expect(c.kubernetes.createNamespace).toBe(false);
    expect(c.protect).toBe(true);
    expect(c.mongodb.storage.retainOnDelete).toBe(true);
    expect(c.mongodb.resources.memory).toBe("8Gi");
    expect(c.redis.maxmemory).toBe("2gb");
  });

  it("pr-<N> gets the pr profile, namespace kato-pr-<N>, small sizes and volumes deleted with it", () => {
    const c = ok("pr-42");
    expect(c.profile).toBe("pr");
    expect(c.target).toBe("kubernetes");
    expect(c.kubernetes).toMatchObject({ namespace: "kato-pr-42", createNamespace: true });
    expect(c.allowDataLoss).toBe(true);
    expect(c.redis.storage.retainOnDelete).toBe(false);
    expect(c.mongodb.resources.memory).toBe("1Gi");
  });

  it("any stack may pick a profile explicitly", () => {
    expect(ok("laptop", { profile: "dev" }).profile).toBe("dev");
    expect(profileOfStack("pr-7")).toBe("pr");
    expect(profileOfStack("laptop")).toBeUndefined();
  });

  it("a stack whose name is no profile must say which profile it uses", () => {
    expect(only("laptop", {})).toMatch(
      /kato-infra:profile = \(unset\): is needed.*pulumi config set kato-infra:profile dev/,
    );
  });
});

describe("overrides", () => {
  it("an engine's nested object is merged with the profile's, not replacing it", () => {
    const c = ok("prod", { mongodb: { storage: { size: "200Gi" } } });
    expect(c.mongodb.storage).toEqual({ size: "200Gi", retainOnDelete: true });
    expect(c.mongodb.resources.memory).toBe("8Gi");
  });

  it("allowDataLoss turns retainOnDelete off for every engine", () => {
    const c = ok("dev", { allowDataLoss: true });
    expect([
      c.mongodb.storage.retainOnDelete,
      c.qdrant.storage.retainOnDelete,
      c.redis.storage.retainOnDelete,
    ]).toEqual([false, false, false]);
  });

  it("an explicit retainOnDelete of one engine wins over allowDataLoss", () => {
    const c = ok("dev", { allowDataLoss: true, mongodb: { storage: { retainOnDelete: true } } });
    expect(c.mongodb.storage.retainOnDelete).toBe(true);
    expect(c.redis.storage.retainOnDelete).toBe(false);
  });

  it("singleNode gives one MongoDB member, one Qdrant peer and a 3-node Redis Cluster", () => {
    const c = ok("dev", { singleNode: true });
    expect([c.mongodb.members, c.qdrant.peers, c.redis.nodes, c.redis.replicasPerMaster]).toEqual([
      1, 1, 3, 0,
    ]);
  });

  it("explicit engine settings win over singleNode", () => {
    expect(ok("dev", { singleNode: true, qdrant: { peers: 3 } }).qdrant.peers).toBe(3);
  });

  it("the Kubernetes storage class goes to every engine unless an engine names its own", () => {
    const c = ok("staging", {
      kubernetes: { storageClass: "fast" },
      qdrant: { storage: { storageClass: "slow" } },
    });
    expect(c.mongodb.storage.storageClass).toBe("fast");
    expect(c.qdrant.storage.storageClass).toBe("slow");
  });

  it("the guide preset profiles slow operations at 100 ms; kato-v3 leaves profiling off", () => {
    expect(ok("dev").mongodb.profiling).toEqual({ mode: "slowOp", slowOpThresholdMs: 100 });
    expect(ok("dev", { schemaPreset: "kato-v3" }).mongodb.profiling.mode).toBe("off");
  });

  it("keys of other namespaces are left to their providers", () => {
    ok("dev", { "kubernetes:context": "kind-kato", "docker:host": "unix:///var/run/docker.sock" });
  });

  it("plans the tenants' schema with the stack's preset, service name and vector size", () => {
    const c = ok("dev", {
      schemaPreset: "kato-v3",
      nodeIds: ["a-1", "b"],
      serviceName: "kato",
      vectorSize: 1536,
    });
    expect(c.schema.tenants.map((t) => t.database)).toEqual(["a_1_kato", "b_kato"]);
    expect(c.schema.qdrant.vectors.size).toBe(1536);
  });

  it("custom collections take index keys as an ordered mapping", () => {
    const c = ok("dev", {
      collections: [{ name: "audit", indexes: [{ keys: { tenant: 1, at: -1 }, name: "by_time" }] }],
    });
    expect(c.schema.collections.audit!.indexes).toEqual([
      {
        keys: [
          ["tenant", 1],
          ["at", -1],
        ],
        name: "by_time",
      },
    ]);
  });
});

describe("refused config, each with its message", () => {
  it("an even number of replica-set members", () => {
    expect(only("dev", { mongodb: { members: 4 } })).toMatch(
      /^kato-infra:mongodb\.members = 4: must be odd.*Fix: set kato-infra:mongodb\.members to 3 or 5\./,
    );
  });

  it("a Redis node count that does not fit masters x (1 + replicas)", () => {
    expect(only("dev", { redis: { masters: 3, replicasPerMaster: 1, nodes: 7 } })).toMatch(
      /^kato-infra:redis\.nodes = 7: does not fit 3 masters with 1 replica\(s\) each, which makes 6 nodes\./,
    );
  });

  it("maxmemory larger than the container's memory limit", () => {
    expect(
      only("dev", { redis: { maxmemory: "2gb", resources: { memory: "1Gi" }, storage: { size: "8Gi" } } }),
    ).toMatch(
      /^kato-infra:redis\.maxmemory = "2gb": \(2 GiB\) leaves too little headroom under the memory limit 1Gi/,
    );
  });

  it("a storage size that does not parse", () => {
    expect(only("dev", { mongodb: { storage: { size: "ten gigs" } } })).toMatch(
      /^kato-infra:mongodb\.storage\.size = "ten gigs": is not a Kubernetes quantity\. Fix: write .* like 10Gi/,
    );
  });

  it("an unknown key, with the nearest known one", () => {
    expect(only("dev", { nodeId: ["a"] })).toMatch(
      /^kato-infra:nodeId = "\[\\"a\\"\]": is not a known config key\. Fix: did you mean kato-infra:nodeIds\?/,
    );
  });

  it("an unknown field inside an engine's object", () => {
    expect(only("dev", { mongodb: { member: 3 } })).toMatch(
      /kato-infra:mongodb\.member = 3: is not a known field\. Fix: did you mean kato-infra:mongodb\.members\?/,
    );
  });

  it("an unknown field of the target not in use is still a typo", () => {
    expect(only("dev", { kubernetes: { namespce: "x" } })).toMatch(
      /kubernetes\.namespce.*did you mean kato-infra:kubernetes\.namespace\?/,
    );
  });

  it.each([
    [{ vectorSize: "large" }, /^kato-infra:vectorSize = "large": must be a whole number\./],
    [{ allowDataLoss: "yes" }, /^kato-infra:allowDataLoss = "yes": must be true or false\./],
    [{ nodeIds: "alpha" }, /^kato-infra:nodeIds = "alpha": must be a YAML list\./],
    [{ nodeIds: ["a", 3] }, /^kato-infra:nodeIds\[1\] = 3: must be a string\./],
    [{ mongodb: "3" }, /^kato-infra:mongodb = "3": must be a mapping of fields\./],
    [{ target: "nomad" }, /^kato-infra:target = "nomad": must be one of "docker", "kubernetes"\./],
    [{ schemaPreset: "v3" }, /^kato-infra:schemaPreset = "v3": must be one of "guide", "kato-v3"\./],
    [{ vectorSize: 0 }, /^kato-infra:vectorSize = 0: must be a whole number from 1 to 65536\./],
    [
      { docker: { publishAddress: "localhost" } },
      /^kato-infra:docker\.publishAddress = "localhost": must be an IP address/,
    ],
    [{ profile: "qa" }, /^kato-infra:profile = "qa": must be one of "dev", "staging", "prod", "pr"\./],
  ])("a value of the wrong type or range: %j", (config, message) => {
    expect(only("dev", config)).toMatch(message);
  });

  it("a Kubernetes namespace that is not a DNS label", () => {
    expect(only("staging", { kubernetes: { namespace: "Kato_Staging" } })).toMatch(
      /kubernetes\.namespace = "Kato_Staging": is not a Kubernetes namespace name/,
    );
  });

  it("a tenant whose name the guide preset cannot use", () => {
    expect(only("dev", { nodeIds: ["team.alpha"] })).toMatch(
      /^kato-infra:nodeIds\[0\] \(database node_team\.alpha_kato\) = "node_team\.alpha_kato": \[database-name\]/,
    );
  });

  it("a custom index MongoDB would refuse", () => {
    const { problems } = load("dev", {
      collections: [{ name: "patterns", indexes: [{ keys: { body: "text" } }] }],
    });
    expect(problems.map(formatProblem)).toContainEqual(
      expect.stringMatching(/^kato-infra:collections \(collections: patterns\.indexes\).*\[one-text-index\]/),
    );
  });

  it("reports every problem at once", () => {
    const { problems, config } = load("dev", {
      nodeId: ["a"],
      vectorSize: "x",
      mongodb: { members: 2, storage: { size: "big" } },
      redis: { nodes: 5 },
    });
    expect(config).toBeUndefined();
    expect(problems.map((p) => p.field)).toEqual([
      "kato-infra:nodeId",
      "kato-infra:vectorSize",
      "kato-infra:mongodb.members",
      "kato-infra:mongodb.storage.size",
      "kato-infra:redis.nodes",
    ]);
  });

  it("never shows the value of a secret config key", () => {
    const { problems } = load("dev", { nodeId: "hunter2" }, { secretKeys: ["kato-infra:nodeId"] });
    expect(formatProblem(problems[0]!)).toContain('"<secret>"');
    expect(formatProblem(problems[0]!)).not.toContain("hunter2");
  });
});

describe("secrets provider", () => {
  const withSecret = "config:\n  kato-infra:token:\n    secure: AAABAKx0eXBl\n";
  it("is reported missing when encrypted values have no provider on a self-managed backend", () => {
    const problems = secretsProviderProblems("dev", withSecret, { PULUMI_BACKEND_URL: "file://~/.pulumi" });
    expect(problems).toHaveLength(1);
    expect(formatProblem(problems[0]!)).toMatch(
      /^Pulumi\.dev\.yaml = "<secrets provider unset>": holds encrypted config values but names no secrets provider.*change-secrets-provider/,
    );
  });

  it("is fine with a passphrase salt, with Pulumi Cloud, or without encrypted values", () => {
    expect(
      secretsProviderProblems("dev", `encryptionsalt: v1:abc\n${withSecret}`, {
        PULUMI_BACKEND_URL: "file://x",
      }),
    ).toEqual([]);
    expect(secretsProviderProblems("dev", withSecret, {})).toEqual([]);
    expect(
      secretsProviderProblems("dev", "config:\n  kato-infra:profile: dev\n", {
        PULUMI_BACKEND_URL: "s3://b",
      }),
    ).toEqual([]);
    expect(secretsProviderProblems("dev", undefined, { PULUMI_BACKEND_URL: "s3://b" })).toEqual([]);
  });

  it("is checked with the rest of the config", () => {
    const { problems } = load(
      "dev",
      {},
      { stackFile: withSecret, env: { PULUMI_BACKEND_URL: "s3://bucket" } },
    );
    expect(problems.map((p) => p.field)).toEqual(["Pulumi.dev.yaml"]);
  });
});

describe("mergeSettings", () => {
  it("merges nested objects one level deep and lets later layers win", () => {
    expect(mergeSettings({ a: 1, s: { x: 1, y: 1 } }, undefined, { s: { y: 2 }, b: 3 })).toEqual({
      a: 1,
      s: { x: 1, y: 2 },
      b: 3,
    });
  });
});
