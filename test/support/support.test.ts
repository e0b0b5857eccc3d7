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
  await settle(echo.word, pw.result);
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
    await expect(fresh.call("update", "x", {}, {})).rejects.toThrow(/no method update/);
  });

  it("resolves outputs under mocks", async () => {
    expect(await resolved(pulumi.output("x"))).toBe("x");
  });
});
