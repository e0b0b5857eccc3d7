/**
 * Redis Cluster formation, ours vs `redis-cli --cluster create`, on real local redis-server nodes
 * started from the package's rendered config (defaults, small memory) and left running 3 s first, as
 * nodes in containers would be. Both are timed from the first command to the same end state, seen by
 * one independent checker: `cluster_state:ok` on every node, and `master_link_status:up` on every
 * replica. Then a second formation run on the formed cluster (the no-op path) is timed.
 */
import { spawnSync } from "node:child_process";
import Redis from "ioredis";
import { formCluster } from "../components/redis/formationExecutor";
import type { FormationSpec } from "../components/redis/formationPlan";
import { expectedRuntimeConfig } from "../components/redis/redisConf";
import { REDIS_DEFAULTS } from "../components/redis/settings";
import { planTopology } from "../components/redis/topology";
import { type RedisTestCluster, startRedisNodes, testSettings } from "../test/support/redisNodes";

const SETTLE_MS = 3000;
const STATE_TIMEOUT_MS = 60_000;

export interface RedisFigures {
  redisFormSeconds: number;
  redisCliCreateSeconds: number;
  redisNoopMs: number;
  redisFormAppliedSteps: number;
}

async function stateReached(cluster: RedisTestCluster): Promise<boolean> {
  const clients = cluster.nodes.map(
    (n) =>
      new Redis({
        host: "127.0.0.1",
        port: n.port,
        password: cluster.password,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
      }),
  );
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const infos = await Promise.all(
      clients.map(async (c) => ({
        cluster: await c.cluster("INFO"),
        replication: await c.info("replication"),
      })),
    );
    return infos.every(
      (i) =>
        /cluster_state:ok/.test(String(i.cluster)) &&
        (!/role:slave/.test(i.replication) || /master_link_status:up/.test(i.replication)),
    );
  } catch {
    return false;
  } finally {
    for (const c of clients) c.disconnect();
  }
}

async function waitForState(cluster: RedisTestCluster): Promise<void> {
  const deadline = Date.now() + STATE_TIMEOUT_MS;
  while (!(await stateReached(cluster))) {
    if (Date.now() > deadline)
      throw new Error("cluster did not reach cluster_state:ok with every replica linked in 60 s");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function specFor(cluster: RedisTestCluster): FormationSpec {
  const topology = planTopology(
    3,
    1,
    cluster.nodes.map((n) => n.advertised),
  );
  return {
    members: cluster.nodes.map((n) => n.advertised),
    shards: topology.shards.map((s) => ({ master: s.master, replicas: s.replicas, slots: s.slots })),
    expectedConfig: expectedRuntimeConfig(cluster.settings),
  };
}

export async function measureRedisFormation(): Promise<RedisFigures> {
  // The package's defaults (cluster-node-timeout included), with memory small enough for this machine.
  const settings = testSettings({ clusterNodeTimeoutMs: REDIS_DEFAULTS.clusterNodeTimeoutMs });
  const ours = await startRedisNodes({ count: 6, settings });
  const theirs = await startRedisNodes({ count: 6, settings });
  try {
    await new Promise((r) => setTimeout(r, SETTLE_MS));

    const spec = specFor(ours);
    const started = process.hrtime.bigint();
    const result = await formCluster(spec, ours.members(), {
      password: ours.password,
      timeoutMs: STATE_TIMEOUT_MS,
    });
    await waitForState(ours);
    const redisFormSeconds = Number(process.hrtime.bigint() - started) / 1e9;

    const noopStarted = process.hrtime.bigint();
    const noop = await formCluster(spec, ours.members(), {
      password: ours.password,
      timeoutMs: STATE_TIMEOUT_MS,
    });
    const redisNoopMs = Number(process.hrtime.bigint() - noopStarted) / 1e6;
    if (noop.applied.length > 0)
      throw new Error(`the second formation run applied steps: ${noop.applied.join("; ")}`);

    const cliStarted = process.hrtime.bigint();
    const cli = spawnSync(
      "redis-cli",
      [
        "--no-auth-warning",
        "-a",
        theirs.password,
        "--cluster",
        "create",
        ...theirs.nodes.map((n) => `127.0.0.1:${n.port}`),
        "--cluster-replicas",
        "1",
        "--cluster-yes",
      ],
      { encoding: "utf8", timeout: STATE_TIMEOUT_MS },
    );
    if (cli.status !== 0) throw new Error(`redis-cli --cluster create failed: ${cli.stdout}\n${cli.stderr}`);
    await waitForState(theirs);
    const redisCliCreateSeconds = Number(process.hrtime.bigint() - cliStarted) / 1e9;

    return {
      redisFormSeconds: Math.round(redisFormSeconds * 1000) / 1000,
      redisCliCreateSeconds: Math.round(redisCliCreateSeconds * 1000) / 1000,
      redisNoopMs: Math.round(redisNoopMs * 10) / 10,
      redisFormAppliedSteps: result.applied.length,
    };
  } finally {
    await ours.destroy();
    await theirs.destroy();
  }
}
