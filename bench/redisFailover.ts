/**
 * Failover through REDIS_URL in replication mode, on real local servers (3 redis-servers, 3
 * redis-sentinels, HAProxy, each from the rendered config; test/support/redisReplication.ts), formed
 * by the executor. A steady writer (redis-py doing KATO's SETEX, test/redis/kato/sessions.py) runs
 * through the endpoint; the primary is SIGKILLed; timed from the kill to the first successful write
 * through the endpoint (a fresh connection each try, as a retried KATO request). `sessionsLost`: the
 * writer's acknowledged sessions missing afterwards (replication is asynchronous).
 *
 * Twice in the same run: with kato-infra's settings (downAfterMs 5000, failoverTimeoutMs 10000) and
 * with the Sentinel defaults a user would deploy by hand (Debian's sentinel.conf:
 * down-after-milliseconds 30000, failover-timeout 180000), same servers, same endpoint.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Redis from "ioredis";
import { formReplication } from "../components/redis/replicationExecutor";
import { runKato } from "../test/redis/kato/katoClient";
import {
  pythonWithRedis,
  replicationTestSettings,
  startReplicationSet,
} from "../test/support/redisReplication";

export interface FailoverFigures {
  redisFailoverSeconds: number;
  sessionsLost: number;
  sessionsAcked: number;
  sentinelDefaultFailoverSeconds: number;
  sentinelDefaultSessionsLost: number;
}

const BOUND_MS = 120_000;

async function writeOnce(port: number, password: string): Promise<boolean> {
  const c = new Redis({
    host: "127.0.0.1",
    port,
    password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 1000,
    retryStrategy: () => null,
  });
  c.on("error", () => {});
  try {
    await c.connect();
    await c.set("kato:bench:probe", String(Date.now()));
    return true;
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

async function measure(
  python: string,
  overrides: Record<string, unknown>,
): Promise<{ seconds: number; lost: number; acked: number }> {
  const set = await startReplicationSet({ settings: replicationTestSettings(overrides) });
  try {
    await formReplication(set.spec(), set.nodeMembers(), set.sentinelMembers(), {
      password: set.password,
      timeoutMs: 60_000,
    });
    const deadline = Date.now() + 10_000;
    while (!(await writeOnce(set.endpoint.port, set.password))) {
      if (Date.now() > deadline) throw new Error("the endpoint never served the primary");
      await new Promise((r) => setTimeout(r, 100));
    }
    const stop = join(set.root, "stop");
    const writer = runKato(python, ["writer", set.url, "bench", stop], BOUND_MS + 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    const killedAt = Date.now();
    await set.stopNode(0, "SIGKILL");
    let seconds = Number.NaN;
    while (Date.now() - killedAt < BOUND_MS) {
      if (await writeOnce(set.endpoint.port, set.password)) {
        seconds = (Date.now() - killedAt) / 1000;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1000));
    writeFileSync(stop, "");
    const w = await writer;
    const present = new Set((await runKato(python, ["list", set.url, "bench"])).ids);
    const lost = (w.acked as string[]).filter((id) => !present.has(id)).length;
    return { seconds: Math.round(seconds * 10) / 10, lost, acked: w.acked.length };
  } finally {
    await set.destroy();
  }
}

export async function measureRedisFailover(): Promise<FailoverFigures> {
  const python = pythonWithRedis();
  if (!python) throw new Error("python3 with redis-py (python3-redis) is needed for the failover bench");
  const ours = await measure(python, { downAfterMs: 5000, failoverTimeoutMs: 10_000 });
  const byHand = await measure(python, { downAfterMs: 30_000, failoverTimeoutMs: 180_000 });
  return {
    redisFailoverSeconds: ours.seconds,
    sessionsLost: ours.lost,
    sessionsAcked: ours.acked,
    sentinelDefaultFailoverSeconds: byHand.seconds,
    sentinelDefaultSessionsLost: byHand.lost,
  };
}
