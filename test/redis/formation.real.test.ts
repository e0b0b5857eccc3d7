/**
 * Formation against six real redis-server processes (the installed version, 7.0 on this machine),
 * started from the config kato-infra renders. One fresh cluster for this file; the tests run in order
 * and each leaves the cluster formed for the next.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formCluster, inspectCluster } from "../../components/redis/formationExecutor";
import type { FormationSpec } from "../../components/redis/formationPlan";
import { expectedRuntimeConfig } from "../../components/redis/redisConf";
import { planTopology } from "../../components/redis/topology";
import { installMocks } from "../support/mocks";
import {
  freeRedisPort,
  installedRedisVersion,
  type RedisTestCluster,
  startRedisNodes,
} from "../support/redisNodes";
import { type FormationTarget, formationContract } from "./contracts/formationContract";

const haveRedis = installedRedisVersion() !== undefined;
if (!haveRedis)
  console.warn(
    "redis-server is not installed: skipping the real-server formation tests (apt-get install redis-server)",
  );

const harness = installMocks();
let cluster: RedisTestCluster;
let spec: FormationSpec;
const target = (): FormationTarget => ({
  spec,
  members: cluster.members(),
  access: cluster.access(),
  password: cluster.password,
  masters: 3,
  replicasPerMaster: 1,
});

function specFor(c: RedisTestCluster): FormationSpec {
  const t = planTopology(
    3,
    1,
    c.nodes.map((n) => n.advertised),
  );
  return {
    members: c.nodes.map((n) => n.advertised),
    shards: t.shards.map((s) => ({ master: s.master, replicas: s.replicas, slots: s.slots })),
    expectedConfig: expectedRuntimeConfig(c.settings),
  };
}

const run = (timeoutMs = 30_000) =>
  formCluster(spec, cluster.members(), { password: cluster.password, timeoutMs });

describe.skipIf(!haveRedis)("Redis Cluster formation on real servers", () => {
  beforeAll(async () => {
    cluster = await startRedisNodes({ count: 6 });
    spec = specFor(cluster);
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  describe("the formation contract (shared with the live suite)", () => {
    formationContract(target, harness);
  });

  it("planned the shards as the topology says: nodes 0-2 masters of even ranges, 3-5 their replicas", async () => {
    const result = await run();
    expect(result.summary.shards).toEqual([
      { master: "redis-test-0:6379", replicas: ["redis-test-3:6379"], slots: "0-5461" },
      { master: "redis-test-1:6379", replicas: ["redis-test-4:6379"], slots: "5462-10922" },
      { master: "redis-test-2:6379", replicas: ["redis-test-5:6379"], slots: "10923-16383" },
    ]);
  });

  it("has every node announce its stable name, known to its peers by that name, with its own node timeout back", async () => {
    const check = await inspectCluster(spec, cluster.members(), {
      password: cluster.password,
      timeoutMs: 5000,
    });
    expect(check.converged).toBe(true);
    for (const o of check.observed) {
      if (!o.reachable) throw new Error(o.error);
      // the short node timeout used while forming was put back
      expect(o.config["cluster-node-timeout"]).toBe(String(cluster.settings.clusterNodeTimeoutMs));
      expect(o.clusterInfo.cluster_known_nodes).toBe("6");
      const node = cluster.nodes.find((n) => n.advertised === o.name)!;
      expect(o.self.hostname).toBe(node.hostname);
      for (const e of o.view) {
        const peer = cluster.nodes.find((n) => n.port === e.port)!;
        expect(e.hostname).toBe(peer.hostname);
      }
    }
  });

  it("fails at once with the nodes' own answer when the password is wrong (no waiting for a timeout)", async () => {
    const started = Date.now();
    const error = await formCluster(spec, cluster.members(), {
      password: "not-the-password",
      timeoutMs: 60_000,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(
      /cannot read 6 node\(s\):\n\s+- redis-test-0:6379 answered 127\.0\.0\.1:\d+: WRONGPASS/,
    );
    expect(error?.message).toContain("Check the password");
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("serves keys through a cluster client that follows the announced hostnames", async () => {
    const { Cluster } = require("ioredis");
    const natMap = Object.fromEntries(
      cluster.nodes.map((n) => [`${n.hostname}:${n.port}`, { host: "127.0.0.1", port: n.port }]),
    );
    const client = new Cluster([{ host: "127.0.0.1", port: cluster.nodes[0]!.port }], {
      redisOptions: { password: cluster.password },
      natMap,
      slotsRefreshTimeout: 2000,
    });
    try {
      for (let i = 0; i < 30; i++) await client.set(`kato:session:${i}`, `v${i}`);
      for (let i = 0; i < 30; i++) expect(await client.get(`kato:session:${i}`)).toBe(`v${i}`);
      const slots: [number, number, [string, number, string, any?]][] = await client.cluster("SLOTS");
      expect(slots.map((s) => s[2]![0]).sort()).toEqual(["redis-test-0", "redis-test-1", "redis-test-2"]);
    } finally {
      client.disconnect();
    }
  });

  it("does nothing on a formed cluster: one round of reads, no step", async () => {
    const result = await run();
    expect(result.applied).toEqual([]);
    expect(result.rounds).toBe(1);
    const t0 = performance.now();
    await run();
    console.info(`no-op formation run: ${(performance.now() - t0).toFixed(1)} ms`);
  });

  it("reports settings changed at run time as drift and puts them back", async () => {
    const Redis = require("ioredis");
    const c = new Redis({ port: cluster.nodes[4]!.port, password: cluster.password });
    try {
      await c.config("SET", "maxmemory-policy", "noeviction");
      const seen = await inspectCluster(spec, cluster.members(), {
        password: cluster.password,
        timeoutMs: 5000,
      });
      expect(seen.plan.drift).toEqual([
        'redis-test-4:6379: maxmemory-policy is "noeviction", expected "allkeys-lru"',
      ]);
      const result = await run();
      expect(result.drift).toEqual(seen.plan.drift);
      expect(result.applied).toEqual([
        'CONFIG SET maxmemory-policy "allkeys-lru" on redis-test-4:6379 (was "noeviction")',
      ]);
      expect(await c.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "allkeys-lru"]);
    } finally {
      c.disconnect();
    }
  });

  it("fails within its time bound, naming the node, while a node is down; converges once it is back", async () => {
    await cluster.stop(5);
    const started = Date.now();
    const error = await run(2500).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/1 of 6 node\(s\) did not answer within 3 s/);
    expect(error?.message).toContain(`redis-test-5:6379 (127.0.0.1:${cluster.nodes[5]!.port}:`);
    expect(error?.message).toContain("run `pulumi up` again");
    expect(Date.now() - started).toBeLessThan(15_000);
    await cluster.start(5);
    const result = await run();
    expect(result.summary.shards.map((s) => s.replicas.length)).toEqual([1, 1, 1]);
    const check = await inspectCluster(spec, cluster.members(), {
      password: cluster.password,
      timeoutMs: 5000,
    });
    expect(check.converged).toBe(true);
  });

  it("brings back a node restarted on a new port: the others learn its new address", async () => {
    const used = new Set(cluster.nodes.map((n) => n.port));
    const newPort = await freeRedisPort(used);
    await cluster.stop(4);
    await cluster.start(4, { port: newPort });
    const result = await run();
    console.info(`after the port change: ${result.applied.join("; ") || "gossip alone updated the address"}`);
    const check = await inspectCluster(spec, cluster.members(), {
      password: cluster.password,
      timeoutMs: 5000,
    });
    expect(check.converged).toBe(true);
    for (const o of check.observed) {
      if (!o.reachable) throw new Error(o.error);
      const entry = o.view.find((e) => e.hostname === "redis-test-4")!;
      expect(entry.port).toBe(newPort);
    }
  });

  it("re-MEETs the nodes when all of them came back on new ports (no gossip path left between them)", async () => {
    const used = new Set(cluster.nodes.map((n) => n.port));
    const ports: number[] = [];
    for (let i = 0; i < 6; i++) {
      const p = await freeRedisPort(used);
      used.add(p);
      ports.push(p);
    }
    await Promise.all(cluster.nodes.map((_, i) => cluster.stop(i)));
    await Promise.all(cluster.nodes.map((_, i) => cluster.start(i, { port: ports[i] })));
    const result = await run();
    const meets = result.applied.filter((s) => s.startsWith("CLUSTER MEET"));
    expect(meets.length).toBeGreaterThanOrEqual(5);
    expect(meets.every((m) => m.includes("address changed"))).toBe(true);
    expect(
      result.applied.some((s) => s.startsWith("CLUSTER ADDSLOTSRANGE") || s.startsWith("CLUSTER REPLICATE")),
    ).toBe(false);
    const check = await inspectCluster(spec, cluster.members(), {
      password: cluster.password,
      timeoutMs: 5000,
    });
    expect(check.converged).toBe(true);
    expect(check.summary.shards.map((s) => s.slots)).toEqual(["0-5461", "5462-10922", "10923-16383"]);
  });
});
