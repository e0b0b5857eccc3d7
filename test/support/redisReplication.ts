/**
 * A real replication set for tests, on loopback: N redis-servers, M redis-sentinels and one HAProxy,
 * each started from the configuration kato-infra renders (renderRedisConf in replication mode,
 * renderSentinelConf + renderSentinelAuth, renderEndpointConf), each in its own directory under one
 * temp dir. Advertised names are the real `127.0.0.1:<port>` addresses (Sentinel resolves and
 * connects to what it is given; a made-up hostname would not resolve here).
 *
 * Stopping is bounded (SIGTERM, wait, SIGKILL, wait); everything still running is killed when the
 * test process exits. Nothing touches the system's redis, sentinel or haproxy services.
 */
import { type ChildProcess, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectedRuntimeConfig, renderAuthConf, renderRedisConf } from "../../components/redis/redisConf";
import type { ReplicationMember } from "../../components/redis/replicationExecutor";
import {
  DEFAULT_MASTER_NAME,
  ENDPOINT_PASSWORD_ENV,
  type ReplicationSpec,
  renderEndpointConf,
  renderSentinelAuth,
  renderSentinelConf,
  sentinelMasterConfig,
} from "../../components/redis/replicationPlan";
import type { ResolvedRedisSettings } from "../../components/redis/settings";
import {
  freeRedisPort,
  installedRedisVersion,
  spawnTracked,
  stopChild,
  testSettings,
  waitForPort,
} from "./redisNodes";

/** True when redis-server, redis-sentinel and haproxy are all installed. */
export function haveReplicationTools(): boolean {
  if (installedRedisVersion() === undefined) return false;
  for (const [cmd, args] of [
    ["redis-sentinel", ["--version"]],
    ["haproxy", ["-v"]],
  ] as const) {
    try {
      execFileSync(cmd, [...args], { stdio: "ignore", timeout: 5000 });
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * A python3 that imports redis-py (Debian's python3-redis, KATO's own client library). A pyenv or
 * virtualenv python3 on PATH may not see Debian's dist-packages, so /usr/bin/python3 is tried too.
 */
export function pythonWithRedis(): string | undefined {
  for (const py of ["python3", "/usr/bin/python3"]) {
    try {
      execFileSync(py, ["-c", "import redis.asyncio"], { stdio: "ignore", timeout: 10_000 });
      return py;
    } catch {
      // next
    }
  }
  return undefined;
}

export function replicationTestSettings(overrides: Record<string, unknown> = {}): ResolvedRedisSettings {
  return testSettings({
    mode: "replication",
    replicas: 2,
    sentinels: 3,
    downAfterMs: 2000,
    clusterNodeTimeoutMs: undefined,
    ...overrides,
  } as any);
}

export interface TestProcess {
  name: string;
  port: number;
  dir: string;
  process?: ChildProcess;
}

export interface RedisReplicationSet {
  settings: ResolvedRedisSettings;
  password: string;
  root: string;
  nodes: TestProcess[];
  sentinels: TestProcess[];
  endpoint: TestProcess;
  /** redis://:<password>@127.0.0.1:<endpoint port>/0, the REDIS_URL KATO gets. */
  url: string;
  spec(): ReplicationSpec;
  nodeMembers(): ReplicationMember[];
  sentinelMembers(): ReplicationMember[];
  stopNode(i: number, signal?: NodeJS.Signals): Promise<void>;
  startNode(i: number, options?: { port?: number }): Promise<void>;
  stopSentinel(i: number): Promise<void>;
  startSentinel(i: number): Promise<void>;
  destroy(): Promise<void>;
}

async function stopProcess(t: TestProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  const p = t.process;
  t.process = undefined;
  await stopChild(p, signal);
}

/** Resolves once something accepts TCP connections on the port (HAProxy answers nothing until a primary passes its check). */
async function waitListening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port });
      socket.setTimeout(500, () => {
        socket.destroy();
        resolve(false);
      });
      socket.once("error", () => resolve(false));
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

async function waitStarted(t: TestProcess, log: string, tcpOnly = false): Promise<void> {
  const child = t.process!;
  try {
    if (tcpOnly) await waitListening(t.port, 10_000);
    else await waitForPort(t.port, 10_000);
    await new Promise((r) => setTimeout(r, 20));
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${t.name} exited (${child.exitCode})`);
  } catch (error) {
    const text = existsSync(log) ? readFileSync(log, "utf8") : "";
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}; log:\n${text.slice(-2000)}`);
  }
}

export async function startReplicationSet(
  options: { settings?: ResolvedRedisSettings; password?: string; checkIntervalMs?: number } = {},
): Promise<RedisReplicationSet> {
  const settings = options.settings ?? replicationTestSettings();
  const password = options.password ?? `pw${Math.random().toString(36).slice(2, 12)}Test`;
  const root = mkdtempSync(join(tmpdir(), "kato-redis-repl-"));
  const used = new Set<number>();
  const port = async () => {
    const p = await freeRedisPort(used);
    used.add(p);
    return p;
  };
  const make = async (name: string): Promise<TestProcess> => {
    const dir = join(root, name);
    mkdirSync(dir);
    return { name, port: await port(), dir };
  };
  const nodes: TestProcess[] = [];
  for (let i = 0; i < settings.nodes; i++) nodes.push(await make(`node-${i}`));
  const sentinels: TestProcess[] = [];
  for (let i = 0; i < settings.sentinels; i++) sentinels.push(await make(`sentinel-${i}`));
  const endpoint = await make("endpoint");
  const authFile = join(root, "auth.conf");
  writeFileSync(authFile, renderAuthConf(password), { mode: 0o600 });

  const launchNode = async (t: TestProcess) => {
    const { text, problems } = renderRedisConf(settings, {
      port: t.port,
      bind: ["127.0.0.1"],
      dir: t.dir,
      replicaAnnounceIp: "127.0.0.1",
      replicaAnnouncePort: t.port,
      authFile,
      logfile: join(t.dir, "redis.log"),
    });
    if (problems.length > 0) throw new Error(problems.map((p) => p.message).join("\n"));
    writeFileSync(join(t.dir, "redis.conf"), text);
    t.process = spawnTracked("redis-server", [join(t.dir, "redis.conf")]);
    await waitStarted(t, join(t.dir, "redis.log"));
  };
  const launchSentinel = async (t: TestProcess) => {
    const conf = join(t.dir, "sentinel.conf");
    // As the wiring does: the rendered file plus the password at the first start; afterwards the
    // file Sentinel rewrote is kept (what it learnt survives a restart).
    if (!existsSync(conf)) {
      writeFileSync(
        conf,
        renderSentinelConf(settings, {
          port: t.port,
          bind: ["127.0.0.1"],
          dir: t.dir,
          announceHostname: "127.0.0.1",
          logfile: join(t.dir, "sentinel.log"),
        }) + renderSentinelAuth(password),
        { mode: 0o600 },
      );
    }
    t.process = spawnTracked("redis-sentinel", [conf]);
    await waitStarted(t, join(t.dir, "sentinel.log"));
  };
  const cfg = renderEndpointConf({
    servers: nodes.map((n, i) => ({ id: `node${i}`, host: "127.0.0.1", port: n.port })),
    bind: `127.0.0.1:${endpoint.port}`,
    checkIntervalMs: options.checkIntervalMs,
  });
  writeFileSync(join(endpoint.dir, "haproxy.cfg"), cfg);
  const launchEndpoint = async () => {
    endpoint.process = spawnTracked("haproxy", ["-f", join(endpoint.dir, "haproxy.cfg"), "-db"], {
      ...process.env,
      [ENDPOINT_PASSWORD_ENV]: password,
    });
    await waitStarted(endpoint, "", true);
  };

  const set: RedisReplicationSet = {
    settings,
    password,
    root,
    nodes,
    sentinels,
    endpoint,
    url: `redis://:${encodeURIComponent(password)}@127.0.0.1:${endpoint.port}/0`,
    spec: () => ({
      masterName: DEFAULT_MASTER_NAME,
      nodes: nodes.map((n) => `127.0.0.1:${n.port}`),
      sentinels: sentinels.map((s) => `127.0.0.1:${s.port}`),
      quorum: settings.sentinelQuorum,
      sentinelConfig: sentinelMasterConfig(settings),
      expectedConfig: expectedRuntimeConfig(settings),
    }),
    nodeMembers: () =>
      nodes.map((n) => ({ advertised: `127.0.0.1:${n.port}`, host: "127.0.0.1", port: n.port })),
    sentinelMembers: () =>
      sentinels.map((s) => ({ advertised: `127.0.0.1:${s.port}`, host: "127.0.0.1", port: s.port })),
    stopNode: (i, signal) => stopProcess(nodes[i]!, signal),
    startNode: async (i, opts = {}) => {
      const t = nodes[i]!;
      if (t.process) throw new Error(`${t.name} is running`);
      if (opts.port !== undefined) t.port = opts.port;
      await launchNode(t);
    },
    stopSentinel: (i) => stopProcess(sentinels[i]!),
    startSentinel: async (i) => {
      const t = sentinels[i]!;
      if (t.process) throw new Error(`${t.name} is running`);
      await launchSentinel(t);
    },
    destroy: async () => {
      await Promise.all([...nodes, ...sentinels, endpoint].map((t) => stopProcess(t)));
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map(launchNode));
    await Promise.all(sentinels.map(launchSentinel));
    await launchEndpoint();
  } catch (error) {
    await set.destroy();
    throw error;
  }
  return set;
}

/** A free loopback port (for a node restarted on a new address). */
export function freePort(avoid: ReadonlySet<number> = new Set()): Promise<number> {
  return freeRedisPort(avoid);
}
