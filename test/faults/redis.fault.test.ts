/**
 * Fault suite, Redis: a node SIGKILLed while the formation is under way. The run must end within its
 * bound with an error that names the node, and a re-run once the node is back (same directory, so
 * its nodes.conf is kept, as a container restarted on its volume) must converge to a full, agreed
 * cluster with the planned shards and keys written before the kill still readable.
 */
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formCluster } from "../../components/redis/formationExecutor";
import type { FormationSpec } from "../../components/redis/formationPlan";
import { expectedRuntimeConfig } from "../../components/redis/redisConf";
import { planTopology } from "../../components/redis/topology";
import { installedRedisVersion, type RedisTestCluster, startRedisNodes } from "../support/redisNodes";

const haveRedis = installedRedisVersion() !== undefined;
let cluster: RedisTestCluster;
let spec: FormationSpec;

describe.skipIf(!haveRedis)("Redis formation with a node killed mid-formation", () => {
  beforeAll(async () => {
    cluster = await startRedisNodes({ count: 6 });
    const topology = planTopology(
      3,
      1,
      cluster.nodes.map((n) => n.advertised),
    );
    spec = {
      members: cluster.nodes.map((n) => n.advertised),
      shards: topology.shards.map((s) => ({ master: s.master, replicas: s.replicas, slots: s.slots })),
      expectedConfig: expectedRuntimeConfig(cluster.settings),
    };
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  it("ends within its bound naming the killed node, then converges on a re-run once the node is back", async () => {
    const victim = 4; // a planned replica: the masters keep serving every slot while it is gone
    let killed = false;
    const started = Date.now();
    const first = formCluster(spec, cluster.members(), {
      password: cluster.password,
      timeoutMs: 6000,
      log: (line) => {
        if (!killed && /ADDSLOTS|MEET/i.test(line)) {
          killed = true;
          cluster.nodes[victim]!.process?.kill("SIGKILL");
          cluster.nodes[victim]!.process = undefined;
        }
      },
    });
    await expect(first).rejects.toThrow(new RegExp(cluster.nodes[victim]!.advertised.replace(".", "\\.")));
    expect(killed).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);

    await cluster.start(victim);
    const second = await formCluster(spec, cluster.members(), {
      password: cluster.password,
      timeoutMs: 30_000,
    });
    expect(second.summary.shards.map((s) => [s.master, s.replicas])).toEqual(
      spec.shards.map((s) => [s.master, s.replicas]),
    );
    const third = await formCluster(spec, cluster.members(), {
      password: cluster.password,
      timeoutMs: 10_000,
    });
    expect(third.applied).toEqual([]);
  });

  it("loses no key when a replica is killed and comes back", async () => {
    const client = new Redis.Cluster(
      cluster.nodes.slice(0, 3).map((n) => ({ host: "127.0.0.1", port: n.port })),
      {
        redisOptions: { password: cluster.password },
        // Nodes announce their stable hostnames; from here each is reached on its loopback port.
        natMap: Object.fromEntries(
          cluster.nodes.map((n) => [`${n.hostname}:${n.port}`, { host: "127.0.0.1", port: n.port }]),
        ),
        slotsRefreshTimeout: 2000,
      },
    );
    try {
      for (let i = 0; i < 200; i++) await client.set(`kato:session:${i}`, `v${i}`);
      cluster.nodes[3]!.process?.kill("SIGKILL");
      cluster.nodes[3]!.process = undefined;
      await cluster.start(3);
      await formCluster(spec, cluster.members(), { password: cluster.password, timeoutMs: 30_000 });
      const values = await Promise.all(
        Array.from({ length: 200 }, (_, i) => client.get(`kato:session:${i}`)),
      );
      expect(values).toEqual(Array.from({ length: 200 }, (_, i) => `v${i}`));
    } finally {
      client.disconnect();
    }
  });
});
