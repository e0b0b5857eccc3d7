/**
 * Formation started while a node is still coming up (a container or pod slower than the others):
 * it waits for that node within its time bound, then forms the fresh cluster as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formCluster, inspectCluster } from "../../components/redis/formationExecutor";
import type { FormationSpec } from "../../components/redis/formationPlan";
import { expectedRuntimeConfig } from "../../components/redis/redisConf";
import { planTopology } from "../../components/redis/topology";
import { installedRedisVersion, type RedisTestCluster, startRedisNodes } from "../support/redisNodes";

const haveRedis = installedRedisVersion() !== undefined;
if (!haveRedis) console.warn("redis-server is not installed: skipping the slow-node formation test");

let cluster: RedisTestCluster;
let spec: FormationSpec;

describe.skipIf(!haveRedis)("Redis Cluster formation with a node that starts late", () => {
  beforeAll(async () => {
    cluster = await startRedisNodes({ count: 6 });
    await cluster.stop(2);
    const t = planTopology(
      3,
      1,
      cluster.nodes.map((n) => n.advertised),
    );
    spec = {
      members: cluster.nodes.map((n) => n.advertised),
      shards: t.shards.map((s) => ({ master: s.master, replicas: s.replicas, slots: s.slots })),
      expectedConfig: expectedRuntimeConfig(cluster.settings),
    };
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  it("changes nothing until every node answers, then forms the cluster and restores the node timeout", async () => {
    const waits: string[] = [];
    const forming = formCluster(spec, cluster.members(), {
      password: cluster.password,
      timeoutMs: 30_000,
      log: (line) => waits.push(line),
    });
    await new Promise((r) => setTimeout(r, 1000));
    // nothing was sent while redis-test-2 was down
    const early = await inspectCluster(spec, cluster.members(), {
      password: cluster.password,
      timeoutMs: 2000,
    });
    for (const o of early.observed) {
      if (o.reachable) expect(o.view).toHaveLength(1);
    }
    await cluster.start(2);
    const result = await forming;
    expect(result.applied.some((s) => s.startsWith('CONFIG SET cluster-node-timeout "500"'))).toBe(true);
    expect(result.drift).toEqual([]);
    const after = await inspectCluster(spec, cluster.members(), {
      password: cluster.password,
      timeoutMs: 5000,
    });
    expect(after.converged).toBe(true);
    expect(after.summary.shards.map((s) => s.slots)).toEqual(["0-5461", "5462-10922", "10923-16383"]);
  });
});
