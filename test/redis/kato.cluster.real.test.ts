/**
 * Why replication mode exists: KATO 3.0.0's client (redis-py's single-node `redis.asyncio.from_url`)
 * against the cluster mode's REDIS_URL (one node of a formed Redis Cluster, as the program exports
 * it in cluster mode). Six real redis-servers, formed by the executor; redis-py does KATO's session
 * operations and about two thirds of the keys hash to slots another master serves: MOVED.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formCluster } from "../../components/redis/formationExecutor";
import { expectedRuntimeConfig } from "../../components/redis/redisConf";
import { planTopology } from "../../components/redis/topology";
import { installedRedisVersion, type RedisTestCluster, startRedisNodes } from "../support/redisNodes";
import { pythonWithRedis } from "../support/redisReplication";
import { runKato } from "./kato/katoClient";

const python = pythonWithRedis();
const ready = installedRedisVersion() !== undefined && python !== undefined;
if (!ready)
  console.warn("redis-server or python3-redis is missing: skipping the cluster-mode KATO client test");

let cluster: RedisTestCluster;

describe.skipIf(!ready)("KATO 3.0's single-node client against the cluster mode", () => {
  beforeAll(async () => {
    cluster = await startRedisNodes({ count: 6 });
    const t = planTopology(
      3,
      1,
      cluster.nodes.map((n) => n.advertised),
    );
    await formCluster(
      {
        members: cluster.nodes.map((n) => n.advertised),
        shards: t.shards.map((s) => ({ master: s.master, replicas: s.replicas, slots: s.slots })),
        expectedConfig: expectedRuntimeConfig(cluster.settings),
      },
      cluster.members(),
      { password: cluster.password, timeoutMs: 60_000 },
    );
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  it("fails most session writes with MOVED through one node's URL", async () => {
    const url = `redis://:${encodeURIComponent(cluster.password)}@127.0.0.1:${cluster.nodes[0]!.port}/0`;
    const r = await runKato(python!, ["roundtrip", url, "cluster", "30"]);
    const moved = r.errors.filter((e: string) => /MOVED \d+ /.test(e));
    // Node 0 serves slots 0-5461, a third of the key space: the other sessions answer MOVED.
    expect(moved.length).toBeGreaterThan(10);
    expect(r.created).toBeLessThan(30);
    expect(r.created + moved.length).toBe(30);
  });
});
