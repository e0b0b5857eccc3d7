/**
 * The formation provider as the Pulumi engine runs it: the `__provider` text recorded under mocks,
 * loaded in a fresh Node process (not this test's module graph), driving six real redis-servers
 * through check, create, diff, update, read and delete.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisClusterFormation } from "../../components/redis/formation";
import { expectedRuntimeConfig } from "../../components/redis/redisConf";
import { planTopology } from "../../components/redis/topology";
import { installMocks, plaintextSecretLeaks, settle } from "../support/mocks";
import {
  type FreshProvider,
  loadProviderInFreshProcess,
  recordedDynamicResource,
} from "../support/providerProcess";
import { installedRedisVersion, type RedisTestCluster, startRedisNodes } from "../support/redisNodes";

const haveRedis = installedRedisVersion() !== undefined;
if (!haveRedis) console.warn("redis-server is not installed: skipping the provider-in-a-fresh-process tests");

const harness = installMocks();
let cluster: RedisTestCluster;
let provider: FreshProvider;
let inputs: Record<string, any>;
const PASSWORD_MARK = "provider-test-password-";

describe.skipIf(!haveRedis)("RedisClusterFormation provider, loaded from its serialized text", () => {
  beforeAll(async () => {
    cluster = await startRedisNodes({ count: 6, password: `${PASSWORD_MARK}${Date.now()}` });
    const t = planTopology(
      3,
      1,
      cluster.nodes.map((n) => n.advertised),
    );
    const formation = new RedisClusterFormation("cache-formation", {
      access: cluster.access(),
      shards: t.shards.map((s) => ({ master: s.master, replicas: s.replicas, slots: s.slots })),
      expectedConfig: expectedRuntimeConfig(cluster.settings),
      password: pulumi.secret(cluster.password),
      timeoutSeconds: 30,
    });
    await settle(formation.urn);
    const recorded = recordedDynamicResource(harness, "cache-formation");
    inputs = recorded.inputs;
    provider = await loadProviderInFreshProcess(recorded.providerText);
  });

  afterAll(async () => {
    await provider?.close();
    await cluster?.destroy();
  });

  it("records the password only as a secret input", () => {
    harness.generatedSecrets.push(cluster.password);
    expect(plaintextSecretLeaks(harness)).toEqual([]);
    const raw = harness.one("pulumi-nodejs:dynamic/kato:RedisClusterFormation", "cache-formation").inputs;
    expect(JSON.stringify(raw.password)).not.toBe(JSON.stringify(cluster.password));
    expect(inputs.password).toBe(cluster.password);
  });

  it("serializes a provider that does not capture @pulumi or a client", () => {
    expect(provider.methods.sort()).toEqual(["check", "create", "delete", "diff", "read", "update"]);
    const text = recordedDynamicResource(harness, "cache-formation").providerText;
    expect(text).not.toMatch(/require\("@pulumi/);
    expect(text).not.toContain(cluster.password);
  });

  it("check refuses inputs that do not describe a cluster", async () => {
    const bad = { ...inputs, shards: inputs.shards.slice(1) };
    const result = await provider.call("check", {}, bad);
    expect(result.failures.map((f: any) => f.reason).join(" ")).toMatch(/exactly one shard|cover 0\.\.16383/);
    expect((await provider.call("check", {}, inputs)).failures).toEqual([]);
  });

  let outs: any;
  it("create forms the cluster and outputs node ids and shards", async () => {
    const created = await provider.call("create", inputs);
    outs = created.outs;
    expect(created.id).toBe(`redis-cluster-${outs.nodeIds["redis-test-0:6379"]}`);
    expect(Object.keys(outs.nodeIds)).toHaveLength(6);
    expect(outs.observedShards.map((s: any) => s.slots)).toEqual(["0-5461", "5462-10922", "10923-16383"]);
    expect(outs.status).toBe("formed");
  });

  it("diff reports no change for the same inputs on a formed cluster", async () => {
    const diff = await provider.call("diff", "id", outs, inputs);
    expect(diff.changes).toBe(false);
  });

  it("diff reads no server: live drift shows once read has recorded it, and update repairs it", async () => {
    const Redis = require("ioredis");
    const c = new Redis({ port: cluster.nodes[2]!.port, password: cluster.password });
    await c.config("SET", "appendfsync", "no");
    c.disconnect();
    // Pure: the outputs of the last create say formed, the inputs are the same.
    expect((await provider.call("diff", "id", outs, inputs)).changes).toBe(false);
    const refreshed = await provider.call("read", "id", outs);
    expect(refreshed.props.status).toMatch(/^needs repair: /);
    expect((await provider.call("diff", "id", refreshed.props, inputs)).changes).toBe(true);
    const updated = await provider.call("update", "id", refreshed.props, inputs);
    expect(updated.outs.drift).toEqual(['redis-test-2:6379: appendfsync is "no", expected "everysec"']);
    expect((await provider.call("diff", "id", updated.outs, inputs)).changes).toBe(false);
  });

  it("diff reports a change when the inputs change (and never a replacement)", async () => {
    const news = {
      ...inputs,
      expectedConfig: { ...inputs.expectedConfig, "maxmemory-policy": "allkeys-lfu" },
    };
    const diff = await provider.call("diff", "id", outs, news);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const updated = await provider.call("update", "id", outs, news);
    expect(updated.outs.drift).toHaveLength(6);
    await provider.call("update", "id", updated.outs, inputs);
  });

  it("read reports what the nodes say, and a refresh of a healthy cluster says formed", async () => {
    const read = await provider.call("read", "id", outs);
    expect(read.props.status).toBe("formed");
    expect(read.props.nodeIds).toEqual(outs.nodeIds);
    expect(read.props.drift).toEqual([]);
  });

  it("read reports a repair to do when a node lost its master link, and diff turns it into a change", async () => {
    const Redis = require("ioredis");
    const c = new Redis({ port: cluster.nodes[1]!.port, password: cluster.password });
    await c.config("SET", "maxmemory", "1000000");
    c.disconnect();
    const read = await provider.call("read", "id", outs);
    expect(read.props.status).toMatch(/^needs repair: CONFIG SET maxmemory/);
    expect((await provider.call("diff", "id", read.props, inputs)).changes).toBe(true);
    const repaired = await provider.call("update", "id", read.props, inputs);
    expect(repaired.outs.status).toBe("formed");
  });

  it("create fails with a bounded, clear error while a node is down; a re-run converges", async () => {
    await cluster.stop(3);
    const short = { ...inputs, timeoutSeconds: 2 };
    await expect(provider.call("update", "id", outs, short)).rejects.toThrow(
      /did not answer within 2 s:\n\s+- redis-test-3:6379/,
    );
    await cluster.start(3);
    const again = await provider.call("update", "id", outs, inputs);
    expect(again.outs.status).toBe("formed");
  });

  it("delete leaves the cluster as it is", async () => {
    await provider.call("delete", "id", outs);
    const read = await provider.call("read", "id", outs);
    expect(read.props.status).toBe("formed");
  });
});
