/**
 * The test support must itself be able to fail: a leaked secret is found, an invalid Kubernetes
 * object is rejected, a provider runs from its serialized text in another process.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateKubernetesResources } from "./k8sSchema";
import { installMocks, plaintextSecretLeaks, resolved, settle } from "./mocks";
import { type FreshProvider, loadProviderInFreshProcess, recordedDynamicResource } from "./providerProcess";

const harness = installMocks();

const echoProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: any) {
    const os = require("node:os");
    return {
      id: `echo-${inputs.word}`,
      outs: { word: inputs.word, pid: process.pid, host: typeof os.hostname() },
    };
  },
};

/** Returns what the host's protobuf Struct cannot carry, and a diff with fields the host drops. */
const looseProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: any) {
    if (inputs.give === "bigint") return { id: "loose", outs: { n: BigInt(1) } };
    return {
      id: "loose",
      outs: { word: inputs.word, missing: inputs.give === "undefined" ? undefined : null },
    };
  },
  async diff() {
    return {
      changes: true,
      replaces: [],
      stables: ["word"],
      detailedDiff: { word: { kind: "update" } },
    } as any;
  },
  async read(id: string, props: any) {
    return {
      id,
      props: { ...props, sawProvider: typeof props.__provider, sawKeys: Object.keys(props).sort() },
    };
  },
};

class Loose extends pulumi.dynamic.Resource {
  constructor(name: string, word: string) {
    super(looseProvider, name, { word }, {});
  }
}

class Echo extends pulumi.dynamic.Resource {
  declare readonly word: pulumi.Output<string>;
  constructor(name: string, word: string) {
    super(echoProvider, name, { word }, {});
  }
}

let fresh: FreshProvider | undefined;

beforeAll(async () => {
  const pw = new random.RandomPassword("pw", { length: 20 });
  new k8s.core.v1.ConfigMap("leaky", { metadata: { name: "leaky" }, data: { password: pw.result } });
  new k8s.core.v1.Secret("safe", {
    metadata: { name: "safe" },
    stringData: { password: pulumi.secret(pw.result) },
  });
  new k8s.core.v1.Service("bad-port", {
    metadata: { name: "bad-port" },
    spec: { ports: [{ port: "not-a-number" as unknown as number }] },
  });
  const echo = new Echo("echo", "hello");
  const loose = new Loose("loose", "hi");
  await settle(echo.word, pw.result, loose.urn);
});

afterAll(async () => {
  await fresh?.close();
});

describe("test support", () => {
  it("finds a generated secret written in plaintext and ignores it inside a secret", () => {
    const leaks = plaintextSecretLeaks(harness);
    expect(leaks).toEqual(["kubernetes:core/v1:ConfigMap::leaky.data.password"]);
  });

  it("rejects a Kubernetes object the official schema rejects", () => {
    const results = validateKubernetesResources(harness.resources);
    const bad = results.find((r) => r.name === "bad-port");
    expect(bad?.error).toMatch(/port/);
    expect(results.find((r) => r.name === "safe")?.error).toBeUndefined();
  });

  it("runs a dynamic provider from its serialized text in a fresh process", async () => {
    const { providerText, inputs } = recordedDynamicResource(harness, "echo");
    fresh = await loadProviderInFreshProcess(providerText);
    expect(fresh.methods).toContain("create");
    const result = await fresh.call<{ id: string; outs: any }>("create", inputs);
    expect(result.id).toBe("echo-hello");
    expect(result.outs.pid).not.toBe(process.pid);
    // The host answers an update the provider does not implement with the provider alone as outputs.
    expect(await fresh.call("update", "x", {}, inputs)).toEqual({ outs: { __provider: providerText } });
    await expect(fresh.call("refresh", "x", {})).rejects.toThrow(/no method refresh/);
  });

  it("carries values only as the host's protobuf Struct does, and only the diff fields it forwards", async () => {
    const { providerText, inputs } = recordedDynamicResource(harness, "loose");
    const loose = await loadProviderInFreshProcess(providerText);
    try {
      const created = await loose.call<{ id: string; outs: any }>("create", inputs);
      // The host stores __provider in the outputs too.
      expect(created.outs).toEqual({ word: "hi", missing: null, __provider: providerText });
      await expect(loose.call("create", { ...inputs, give: "undefined" })).rejects.toThrow(
        /Unexpected struct type/,
      );
      await expect(loose.call("create", { ...inputs, give: "bigint" })).rejects.toThrow(
        /Unexpected struct type/,
      );
      expect(await loose.call("diff", "loose", created.outs, inputs)).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
      // read gets the old outputs, __provider included, and its provider is the one they name.
      const read = await loose.call<{ props: any }>("read", "loose", created.outs);
      expect(read.props.sawProvider).toBe("string");
      expect(read.props.sawKeys).toEqual(["__provider", "missing", "word"]);
      await expect(
        loose.call("read", "loose", {
          ...created.outs,
          __provider: "exports.handler = () => { throw new Error('old code ran'); };",
        }),
      ).rejects.toThrow(/old code ran/);
    } finally {
      await loose.close();
    }
  });

  it("resolves outputs under mocks", async () => {
    expect(await resolved(pulumi.output("x"))).toBe("x");
  });
});
