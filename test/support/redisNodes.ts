/**
 * Real redis-server processes for tests: N nodes started from the config kato-infra renders, on free
 * loopback ports, each with its own directory under one temp dir. Stopping is bounded: SIGTERM, wait,
 * then SIGKILL (a replica whose master is gone may not exit on the first SIGTERM), wait again.
 * Everything left running is killed when the test process exits.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import type { FormationMember } from "../../components/redis/formationExecutor";
import { renderAuthConf, renderRedisConf } from "../../components/redis/redisConf";
import {
  type RedisSettings,
  type ResolvedRedisSettings,
  resolveRedisSettings,
} from "../../components/redis/settings";
import type { EngineAccess } from "../../components/shared/access";

/** `7.0.15` for the installed redis-server, or undefined when there is none. */
export function installedRedisVersion(): string | undefined {
  try {
    const out = execFileSync("redis-server", ["--version"], { encoding: "utf8", timeout: 5000 });
    return /v=(\d+\.\d+\.\d+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/** Settings for small test nodes on the installed version, over `overrides`. */
export function testSettings(overrides: RedisSettings = {}): ResolvedRedisSettings {
  const version = installedRedisVersion();
  if (!version) throw new Error("redis-server is not installed");
  const { settings, problems } = resolveRedisSettings({
    version,
    maxmemory: "64mb",
    resources: { memory: "256Mi", cpu: "100m" },
    storage: { size: "1Gi" },
    clusterNodeTimeoutMs: 2000,
    ...overrides,
  });
  if (!settings) throw new Error(problems.map((p) => `${p.field}: ${p.message}`).join("\n"));
  return settings;
}

export interface RedisTestNode {
  index: number;
  /** Advertised name (what the spec and the access map call it). */
  advertised: string;
  /** Announced hostname. */
  hostname: string;
  port: number;
  dir: string;
  process?: ChildProcess;
}

export interface RedisTestCluster {
  nodes: RedisTestNode[];
  password: string;
  settings: ResolvedRedisSettings;
  root: string;
  /** How the executor reaches each node (direct loopback connections). */
  members(): FormationMember[];
  access(): EngineAccess;
  /** The redis.conf a node was last started with. */
  configText(index: number): string;
  stop(index: number): Promise<void>;
  /** Starts a stopped node again on the same directory (nodes.conf kept), on `port` or its old one. */
  start(index: number, options?: { port?: number }): Promise<void>;
  /** Stops every node and removes the temp dir. */
  destroy(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHook = false;
function killAllOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on("exit", () => {
    for (const p of running) {
      try {
        p.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A port p with p and p + 10000 (the cluster bus) both free on 127.0.0.1. Test files run in parallel
 * workers: each worker draws from its own slice of 12000-21999 (buses 22000-31999), below the
 * kernel's ephemeral range (32768+) so no outgoing connection or listen(0) server can take them.
 */
export async function freeRedisPort(avoid: ReadonlySet<number> = new Set()): Promise<number> {
  const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? "0") % 8;
  const base = 12000 + worker * 1250;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = base + Math.floor(Math.random() * 1250);
    if (avoid.has(port)) continue;
    if ((await portFree(port)) && (await portFree(port + 10000))) return port;
  }
  throw new Error("no free port pair found on 127.0.0.1");
}

/** Resolves once something accepts connections on the port and answers a PING (any reply, NOAUTH included). */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port });
      const done = (v: boolean) => {
        socket.destroy();
        resolve(v);
      };
      socket.setTimeout(500, () => done(false));
      socket.once("error", () => done(false));
      socket.once("connect", () => socket.write("PING\r\n"));
      socket.once("data", (d) => done(/^[+-]/.test(String(d))));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answered on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

function waitExit(p: ChildProcess, ms: number): Promise<boolean> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    p.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Stops a test server within a bounded wait: SIGTERM (or `signal`), then SIGKILL if it has not
 * exited in 3 s (a replica whose master is gone may ignore the first SIGTERM).
 */
export async function stopChild(
  p: ChildProcess | undefined,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (!p) return;
  p.kill(signal);
  if (!(await waitExit(p, 3000))) {
    p.kill("SIGKILL");
    await waitExit(p, 3000);
  }
}

/** Starts a test server that is killed when the test process exits, whatever happens. */
export function spawnTracked(command: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  killAllOnExit();
  const child = spawn(command, args, { stdio: "ignore", ...(env ? { env } : {}) });
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

export async function startRedisNodes(options: {
  count: number;
  settings?: ResolvedRedisSettings;
  password?: string;
}): Promise<RedisTestCluster> {
  killAllOnExit();
  const settings = options.settings ?? testSettings();
  const password = options.password ?? `pw${Math.random().toString(36).slice(2, 12)}Test`;
  const root = mkdtempSync(join(tmpdir(), "kato-redis-"));
  const nodes: RedisTestNode[] = [];
  const used = new Set<number>();
  for (let i = 0; i < options.count; i++) {
    const port = await freeRedisPort(used);
    used.add(port);
    const dir = join(root, `node-${i}`);
    mkdirSync(dir);
    nodes.push({ index: i, advertised: `redis-test-${i}:6379`, hostname: `redis-test-${i}`, port, dir });
  }
  const authFile = join(root, "auth.conf");
  writeFileSync(authFile, renderAuthConf(password), { mode: 0o600 });

  const launch = async (node: RedisTestNode) => {
    const { text, problems } = renderRedisConf(settings, {
      port: node.port,
      bind: ["127.0.0.1"],
      dir: node.dir,
      announceHostname: node.hostname,
      humanNodename: node.hostname,
      authFile,
      logfile: join(node.dir, "redis.log"),
    });
    if (problems.length > 0) throw new Error(problems.map((p) => p.message).join("\n"));
    const conf = join(node.dir, "redis.conf");
    writeFileSync(conf, text);
    const child = spawnTracked("redis-server", [conf]);
    node.process = child;
    try {
      await waitForPort(node.port, 10_000);
      // Something else may answer on the port while our server failed to bind it.
      await new Promise((r) => setTimeout(r, 20));
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`redis-server exited (${child.exitCode})`);
    } catch (error) {
      const log = existsSync(join(node.dir, "redis.log"))
        ? readFileSync(join(node.dir, "redis.log"), "utf8")
        : "";
      child.kill("SIGKILL");
      throw new Error(`${(error as Error).message}; redis.log:\n${log.slice(-2000)}`);
    }
  };

  const stop = async (node: RedisTestNode) => {
    const p = node.process;
    node.process = undefined;
    await stopChild(p);
  };

  const cluster: RedisTestCluster = {
    nodes,
    password,
    settings,
    root,
    members: () =>
      nodes.map((n) => ({ advertised: n.advertised, host: "127.0.0.1", port: n.port, direct: true })),
    access: () => ({
      members: nodes.map((n) => ({
        advertised: n.advertised,
        reach: { kind: "direct" as const, host: "127.0.0.1", port: n.port },
      })),
    }),
    configText: (i) => readFileSync(join(nodes[i]!.dir, "redis.conf"), "utf8"),
    stop: (i) => stop(nodes[i]!),
    start: async (i, opts = {}) => {
      const node = nodes[i]!;
      if (node.process) throw new Error(`node ${i} is running`);
      if (opts.port !== undefined) node.port = opts.port;
      await launch(node);
    },
    destroy: async () => {
      await Promise.all(nodes.map(stop));
      rmSync(root, { recursive: true, force: true });
    },
  };
  // A port found free can still be taken before redis-server binds it: a fresh node moves on to
  // another port (at most 3 tries); a restart on a given port does not.
  const launchFresh = async (node: RedisTestNode) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch(node);
      } catch (error) {
        if (attempt >= 3 || !/Address already in use|exited/.test((error as Error).message)) throw error;
        node.port = await freeRedisPort(used);
        used.add(node.port);
      }
    }
  };
  try {
    await Promise.all(nodes.map(launchFresh));
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

/** One standalone redis-server (the backup and restore tests), with a client connected to it. */
export interface RunningRedis {
  port: number;
  dir: string;
  client: Redis;
  stop(): Promise<void>;
}

/**
 * Starts one redis-server on 127.0.0.1 in `dir` with `args` (redis.conf directives as command-line
 * flags) and waits until it has loaded its data set. Stopping: SHUTDOWN NOSAVE, then the bounded
 * SIGTERM/SIGKILL of `stopChild`. Killed when the test process exits, whatever happens.
 */
export async function startRedisServer(
  dir: string,
  args: string[],
  password?: string,
): Promise<RunningRedis> {
  killAllOnExit();
  const port = await freeRedisPort();
  const child = spawn(
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
  running.add(child);
  child.once("exit", () => running.delete(child));
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
      ready = /loading:0/.test(await client.info("persistence"));
      if (!ready) client.disconnect();
    } catch {
      client.disconnect();
    }
    if (!ready) await new Promise((r) => setTimeout(r, 100));
  }
  if (!ready) {
    await stopChild(child, "SIGKILL");
    throw new Error(`redis-server did not start: ${stderr}`);
  }
  return {
    port,
    dir,
    client,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        await client.call("SHUTDOWN", "NOSAVE");
      } catch {
        // the connection closes as the server exits
      }
      client.disconnect();
      if (!(await waitExit(child, 5000))) await stopChild(child, "SIGKILL");
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
