/**
 * Real redis-server processes for the backup/restore tests: loopback only, each in its own
 * directory, stopped with SHUTDOWN and a bounded wait, then SIGKILL.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";

export function hasRedisServer(): boolean {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kato-ops-${prefix}-`));
}

export interface RunningRedis {
  port: number;
  dir: string;
  client: Redis;
  stop(): Promise<void>;
}

/** Starts redis-server on 127.0.0.1 with `args` (redis.conf directives as CLI flags). */
export async function startRedis(dir: string, args: string[], password?: string): Promise<RunningRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
      ...(password ? ["--requirepass", password] : []),
      ...args,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const client = new Redis({
    host: "127.0.0.1",
    port,
    ...(password ? { password } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  // Refused connections while the server starts are expected; the loop below retries.
  client.on("error", () => {});
  let ready = false;
  for (let i = 0; i < 100 && !ready && child.exitCode === null; i++) {
    try {
      await client.connect();
      const info = await client.info("persistence");
      ready = /loading:0/.test(info);
      if (!ready) client.disconnect();
    } catch {
      client.disconnect();
    }
    if (!ready) await new Promise((r) => setTimeout(r, 100));
  }
  if (!ready) {
    child.kill("SIGKILL");
    throw new Error(`redis-server did not start: ${stderr}`);
  }
  return {
    port,
    dir,
    client,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      try {
        await client.call("SHUTDOWN", "NOSAVE");
      } catch {
        // the connection closes as the server exits
      }
      client.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface KeySnapshot {
  type: string;
  value: unknown;
  pttl: number;
}

/** Every key with its type, value and remaining TTL (ms), read with SCAN. */
export async function snapshotKeys(client: Redis): Promise<Map<string, KeySnapshot>> {
  const out = new Map<string, KeySnapshot>();
  let cursor = "0";
  let rounds = 0;
  do {
    const [next, keys] = await client.scan(cursor, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const type = await client.type(key);
      let value: unknown;
      if (type === "string") value = (await client.getBuffer(key))?.toString("base64");
      else if (type === "hash") value = await client.hgetall(key);
      else if (type === "list") value = await client.lrange(key, 0, -1);
      else if (type === "set") value = (await client.smembers(key)).sort();
      else if (type === "zset") value = await client.zrange(key, 0, -1, "WITHSCORES");
      else value = `<${type}>`;
      out.set(key, { type, value, pttl: await client.pttl(key) });
    }
    rounds++;
  } while (cursor !== "0" && rounds < 10_000);
  return out;
}
