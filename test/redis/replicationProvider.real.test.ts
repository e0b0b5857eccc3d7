/**
 * The replication formation provider as the Pulumi engine runs it: the `__provider` text recorded
 * under mocks, loaded in a fresh Node process, driving three real redis-servers and three real
 * redis-sentinels (HAProxy runs too, unused here) through check, create, diff, update, read, delete.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedRuntimeConfig } from "../../components/redis/redisConf";
import { RedisReplicationFormation } from "../../components/redis/replication";
import { DEFAULT_MASTER_NAME, sentinelMasterConfig } from "../../components/redis/replicationPlan";
import { installMocks, plaintextSecretLeaks, settle } from "../support/mocks";
import {
  type FreshProvider,
  loadProviderInFreshProcess,
  recordedDynamicResource,
} from "../support/providerProcess";
import {
  haveReplicationTools,
  type RedisReplicationSet,
  startReplicationSet,
} from "../support/redisReplication";

const ready = haveReplicationTools();
if (!ready)
  console.warn("redis-server, redis-sentinel or haproxy is missing: skipping the replication provider tests");

const harness = installMocks();
let set: RedisReplicationSet;
let provider: FreshProvider;
let inputs: Record<string, any>;

const direct = (names: { port: number }[]) => ({
  members: names.map((n) => ({
    advertised: `127.0.0.1:${n.port}`,
    reach: { kind: "direct" as const, host: "127.0.0.1", port: n.port },
  })),
});

describe.skipIf(!ready)("RedisReplicationFormation provider, loaded from its serialized text", () => {
  beforeAll(async () => {
    set = await startReplicationSet({ password: `replication-provider-pw-${Date.now()}` });
    const formation = new RedisReplicationFormation("cache-replication", {
      access: direct(set.nodes),
      sentinelAccess: direct(set.sentinels),
      masterName: DEFAULT_MASTER_NAME,
      quorum: set.settings.sentinelQuorum,
      sentinelConfig: sentinelMasterConfig(set.settings),
      expectedConfig: expectedRuntimeConfig(set.settings),
      password: pulumi.secret(set.password),
      timeoutSeconds: 30,
    });
    await settle(formation.urn);
    const recorded = recordedDynamicResource(harness, "cache-replication");
    inputs = recorded.inputs;
    provider = await loadProviderInFreshProcess(recorded.providerText);
  });

  afterAll(async () => {
    await provider?.close();
    await set?.destroy();
  });

  it("records the password only as a secret, and the provider text captures neither it nor @pulumi", () => {
    harness.generatedSecrets.push(set.password);
    expect(plaintextSecretLeaks(harness)).toEqual([]);
    const text = recordedDynamicResource(harness, "cache-replication").providerText;
    expect(text).not.toMatch(/require\("@pulumi/);
    expect(text).not.toContain(set.password);
    expect(provider.methods.sort()).toEqual(["check", "create", "delete", "diff", "read", "update"]);
  });

  it("check refuses an even number of Sentinels and a quorum below a majority", async () => {
    const bad = { ...inputs, sentinelAccess: { members: inputs.sentinelAccess.members.slice(1) }, quorum: 1 };
    const reasons = (await provider.call("check", {}, bad)).failures.map((f: any) => f.reason).join(" ");
    expect(reasons).toMatch(/odd number of Sentinels/);
    expect(reasons).toMatch(/quorum 1 must be from 2/);
    expect((await provider.call("check", {}, inputs)).failures).toEqual([]);
  });

  let outs: any;
  it("create forms it: primary, replicas, every Sentinel monitoring", async () => {
    const created = await provider.call("create", inputs);
    outs = created.outs;
    expect(outs.primary).toBe(`127.0.0.1:${set.nodes[0]!.port}`);
    expect(outs.replicas).toHaveLength(2);
    expect(outs.sentinelsMonitoring).toBe(3);
    expect(outs.status).toBe("formed");
  });

  it("diff on the formed set: no change", async () => {
    expect((await provider.call("diff", "id", outs, inputs)).changes).toBe(false);
  });

  it("a Sentinel's down-after drifted: read says needs repair, diff says change, update repairs", async () => {
    const Redis = require("ioredis");
    const c = new Redis({ port: set.sentinels[1]!.port, password: set.password });
    await c.call("SENTINEL", "SET", DEFAULT_MASTER_NAME, "down-after-milliseconds", "30000");
    c.disconnect();
    const read = await provider.call("read", "id", outs);
    expect(read.props.status).toMatch(/^needs repair: SENTINEL SET kato down-after-milliseconds 2000/);
    expect((await provider.call("diff", "id", read.props, inputs)).changes).toBe(true);
    const updated = await provider.call("update", "id", read.props, inputs);
    expect(updated.outs.drift).toEqual([
      `Sentinel 127.0.0.1:${set.sentinels[1]!.port}: down-after-milliseconds is 30000, expected 2000`,
    ]);
    expect((await provider.call("diff", "id", updated.outs, inputs)).changes).toBe(false);
  });

  it("delete leaves the set as it is", async () => {
    await provider.call("delete", "id", outs);
    expect((await provider.call("read", "id", outs)).props.status).toBe("formed");
  });
});
