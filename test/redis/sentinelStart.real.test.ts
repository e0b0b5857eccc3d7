/**
 * The Sentinel start script the wiring runs (sh, Docker and Kubernetes alike), run by a real sh with
 * the real redis-sentinel: the first start builds the config from the rendered file, the announce
 * name and the password; Sentinel accepts it, asks for the password, and rewrites the file with what
 * it is told; a restart keeps that file (what it learnt survives).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderSentinelAuth, renderSentinelConf } from "../../components/redis/replicationPlan";
import { sentinelStartScript } from "../../components/redis/replicationWiring";
import { freeRedisPort, waitForPort } from "../support/redisNodes";
import { haveReplicationTools, replicationTestSettings } from "../support/redisReplication";

const ready = haveReplicationTools();
if (!ready) console.warn("redis-sentinel is missing: skipping the Sentinel start-script test");

const root = mkdtempSync(join(tmpdir(), "kato-sentinel-start-"));
let child: ChildProcess | undefined;

async function stop(): Promise<void> {
  const p = child;
  child = undefined;
  if (!p || p.exitCode !== null) return;
  const exited = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  const timer = setTimeout(() => p.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

afterAll(async () => {
  await stop();
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!ready)("the Sentinel start script, with a real sh and redis-sentinel", () => {
  it("builds the config once, Sentinel runs on it with the password, and a restart keeps what it learnt", async () => {
    const port = await freeRedisPort();
    const settings = replicationTestSettings();
    const conf = join(root, "sentinel.conf.rendered");
    const auth = join(root, "sentinel-auth.conf");
    writeFileSync(
      conf,
      renderSentinelConf(settings, { port, bind: ["127.0.0.1"], dir: root, logfile: join(root, "log") }),
    );
    writeFileSync(auth, renderSentinelAuth("start-script-pw"));
    const start = async () => {
      child = spawn("sh", ["-c", sentinelStartScript(conf, auth, root)], {
        env: { ...process.env, SENTINEL_ANNOUNCE_IP: "kato-redis-sentinel-0.h.ns.svc.cluster.local" },
        stdio: "ignore",
      });
      await waitForPort(port, 10_000);
    };
    const Redis = require("ioredis");
    const call = async (...args: string[]) => {
      const c = new Redis({
        port,
        lazyConnect: true,
        enableReadyCheck: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      c.on("error", () => {});
      try {
        await c.connect();
        return await c.call(...args);
      } finally {
        c.disconnect();
      }
    };
    await start();
    const file = readFileSync(join(root, "sentinel.conf"), "utf8");
    expect(file).toMatch(/^sentinel announce-ip "?kato-redis-sentinel-0.h.ns.svc.cluster.local"?$/m);
    await expect(call("SENTINEL", "MASTERS")).rejects.toThrow(/NOAUTH/);
    expect(await call("AUTH", "start-script-pw")).toBe("OK");
    // What the formation would tell it; Sentinel writes it into its own file.
    const c = new Redis({ port, password: "start-script-pw", lazyConnect: true, maxRetriesPerRequest: 0 });
    c.on("error", () => {});
    await c.connect();
    await c.call("SENTINEL", "MONITOR", "kato", "127.0.0.1", "1", "2");
    c.disconnect();
    expect(readFileSync(join(root, "sentinel.conf"), "utf8")).toMatch(
      /^sentinel monitor kato 127.0.0.1 1 2$/m,
    );
    await stop();
    await start();
    const c2 = new Redis({ port, password: "start-script-pw", lazyConnect: true, maxRetriesPerRequest: 0 });
    c2.on("error", () => {});
    await c2.connect();
    const masters: string[][] = await c2.call("SENTINEL", "MASTERS");
    c2.disconnect();
    expect(masters.map((m) => m[1])).toEqual(["kato"]);
  });
});
