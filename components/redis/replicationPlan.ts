/**
 * Redis in replication mode, as pure functions: the rendered sentinel.conf and the stable endpoint's
 * haproxy.cfg, and formation (what every node and Sentinel reports in, the steps still missing out).
 *
 * The layout: one primary with `replicas` replicas, `sentinels` Sentinels monitoring it, and HAProxy
 * in front. HAProxy sends every client connection to the one node that, asked with the password,
 * answers `role:master` with at least one replica connected. So the endpoint follows a failover by
 * itself, and a former primary that comes back still believing it is primary (no replica follows it)
 * gets no client until Sentinel has turned it into a replica. Sentinel decides who is primary; the
 * formation only sets up what Sentinel then keeps: replicas following the right primary, every
 * Sentinel monitoring it with the right quorum, timeouts and password.
 *
 * Sources of the contracts restated here (Redis 7.0, redis/redis src/sentinel.c and
 * src/replication.c): `SENTINEL MASTER <name>` / `SENTINEL REPLICAS <name>` / `SENTINEL SENTINELS
 * <name>` reply flat field/value lists (`ip`, `port`, `flags`, `quorum`, `down-after-milliseconds`,
 * `failover-timeout`, `parallel-syncs`, `num-other-sentinels`, `master-link-status`...); with
 * `announce-hostnames yes` the `ip` field is the hostname the instance was given or announces.
 * `INFO replication` lists `role`, `master_host`, `master_port`, `master_link_status`,
 * `connected_slaves`, in that order after `# Replication`.
 *
 * Pure: no Pulumi, no I/O.
 */
import { type Problem, problem } from "../shared/problems";
import { CLIENT_PORT, confToken } from "./redisConf";
import type { ResolvedRedisSettings } from "./settings";
import { versionAtLeast } from "./versions";

export const SENTINEL_PORT = 26379;
/** The stable endpoint (HAProxy) listens on Redis's own port, so REDIS_URL looks like any Redis. */
export const ENDPOINT_PORT = CLIENT_PORT;
/** The name Sentinels know the primary by. */
export const DEFAULT_MASTER_NAME = "kato";
/** Environment variable HAProxy reads the password from (its config holds no secret). */
export const ENDPOINT_PASSWORD_ENV = "REDIS_PASSWORD";

// ------------------------------------------------------------------ sentinel.conf

export interface SentinelMemberConf {
  port?: number;
  bind?: string[];
  /** Sentinel's working directory (it rewrites its config file there: the file must be writable). */
  dir?: string;
  /** The stable name this Sentinel announces to the others (`sentinel announce-ip`). */
  announceHostname?: string;
  logfile?: string;
}

/**
 * The sentinel.conf a Sentinel starts from, without secrets and without `sentinel monitor`: the
 * formation tells it what to monitor (SENTINEL MONITOR / SET), and Sentinel persists that in this
 * file itself, so a restart keeps what it learnt (the current primary, its epoch). Only directives
 * Sentinel 6.2+ accepts (Debian's 7.0 refuses unknown ones).
 */
export function renderSentinelConf(settings: ResolvedRedisSettings, member: SentinelMemberConf = {}): string {
  const lines = [
    `# sentinel.conf rendered by kato-infra for Redis ${settings.version}. Sentinel rewrites this file`,
    "# with what it learns; the formation sets what it monitors.",
    `port ${member.port ?? SENTINEL_PORT}`,
    `bind ${(member.bind ?? ["0.0.0.0"]).join(" ")}`,
    "protected-mode yes",
    "daemonize no",
    `logfile ${confToken(member.logfile ?? "")}`,
    `dir ${confToken(member.dir ?? "/data")}`,
    // Stable names, not pod IPs: Sentinels resolve the names they are given, and announce names.
    "sentinel resolve-hostnames yes",
    "sentinel announce-hostnames yes",
    ...(member.announceHostname !== undefined
      ? [`sentinel announce-ip ${confToken(member.announceHostname)}`]
      : []),
    // Nothing may rewrite notification or reconfig scripts at run time.
    "sentinel deny-scripts-reconfig yes",
  ];
  return `${lines.join("\n")}\n`;
}

/** The secret part appended to a Sentinel's file at its first start: its own password and the one it uses with its peers. */
export function renderSentinelAuth(password: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (password.length === 0 || /[\u0000-\u001f\u007f]/.test(password)) {
    throw new Error("the Redis password must be non-empty and on one line");
  }
  return `requirepass ${confToken(password)}\nsentinel sentinel-pass ${confToken(password)}\n`;
}

/** The per-master Sentinel settings kato-infra owns (`SENTINEL SET <name> <field> <value>`), as SENTINEL MASTER reports them. */
export function sentinelMasterConfig(settings: ResolvedRedisSettings): Record<string, string> {
  return {
    "down-after-milliseconds": String(settings.downAfterMs),
    "failover-timeout": String(settings.failoverTimeoutMs),
    // One replica resyncs with the new primary at a time; the others keep serving their (old) data.
    "parallel-syncs": "1",
  };
}

/** Why replication mode cannot run on this version, or undefined. */
export function replicationVersionProblems(settings: ResolvedRedisSettings, field = "redis"): Problem[] {
  if (versionAtLeast(settings.redisVersion, "6.2")) return [];
  return [
    problem(
      `${field}.version`,
      settings.version,
      "Sentinel announces hostnames only from 6.2 on.",
      `set ${field}.version to 6.2 or later.`,
    ),
  ];
}

// ------------------------------------------------------------------ haproxy.cfg

export interface EndpointServer {
  /** Short server name in HAProxy's logs and stats. */
  id: string;
  host: string;
  port: number;
}

export interface EndpointConf {
  servers: EndpointServer[];
  /** Where HAProxy listens. Default `*:6379`. */
  bind?: string;
  /** Health check period. Default 1000 ms; a server is down after 2 failed checks, up after 1. */
  checkIntervalMs?: number;
  /** Resolve server names through the resolvers of /etc/resolv.conf at run time (pod and container names). */
  resolveNames?: boolean;
  /** Client and server idle timeout (KATO keeps pooled connections open). Default 1 h. */
  idleTimeout?: string;
}

/**
 * haproxy.cfg of the stable endpoint (HAProxy 2.x). The health check logs in with the password from
 * the `REDIS_PASSWORD` environment variable and accepts only `role:master` with at least one replica
 * connected. `on-marked-down shutdown-sessions` closes the connections of a server that stops being
 * that primary, so pooled client connections reconnect to the new one instead of writing to a replica.
 * `balance first`: should two nodes ever pass the check at once, new connections still go to one.
 */
export function renderEndpointConf(conf: EndpointConf): string {
  const inter = conf.checkIntervalMs ?? 1000;
  const idle = conf.idleTimeout ?? "1h";
  const lines = [
    "# haproxy.cfg rendered by kato-infra: the Redis endpoint that always reaches the current primary.",
    "global",
    "  maxconn 4096",
    "defaults",
    "  mode tcp",
    "  timeout connect 2s",
    `  timeout client ${idle}`,
    `  timeout server ${idle}`,
    "  timeout check 2s",
  ];
  if (conf.resolveNames) {
    lines.push("resolvers dns", "  parse-resolv-conf", "  hold valid 5s", "  hold obsolete 5s");
  }
  lines.push(
    "frontend redis",
    `  bind ${conf.bind ?? `*:${ENDPOINT_PORT}`}`,
    "  default_backend primary",
    "backend primary",
    "  balance first",
    "  option tcp-check",
    "  tcp-check connect",
    `  tcp-check send "AUTH \${${ENDPOINT_PASSWORD_ENV}}\\r\\n"`,
    "  tcp-check expect string +OK",
    '  tcp-check send "INFO replication\\r\\n"',
    '  tcp-check expect rstring "role:master\\r\\nconnected_slaves:[1-9]"',
    '  tcp-check send "QUIT\\r\\n"',
    "  tcp-check expect string +OK",
    `  default-server inter ${inter}ms fastinter ${Math.max(100, Math.floor(inter / 2))}ms fall 2 rise 1 on-marked-down shutdown-sessions${conf.resolveNames ? " resolvers dns init-addr last,libc,none" : ""}`,
  );
  for (const s of conf.servers) lines.push(`  server ${s.id} ${s.host}:${s.port} check`);
  return `${lines.join("\n")}\n`;
}

// ------------------------------------------------------------------ formation

export interface ReplicationSpec {
  /** The name Sentinels monitor the primary by. */
  masterName: string;
  /** Every redis-server by its advertised `host:port`, in ordinal order; the first is the planned primary. */
  nodes: string[];
  /** Every Sentinel by its advertised `host:port`. */
  sentinels: string[];
  quorum: number;
  /** SENTINEL SET values every Sentinel must report for the master (sentinelMasterConfig). */
  sentinelConfig: Record<string, string>;
  /** CONFIG GET values every node must report. */
  expectedConfig: Record<string, string>;
}

export type NodeObservation =
  | { name: string; reachable: false; error: string; refused?: boolean }
  | {
      name: string;
      reachable: true;
      /** INFO replication fields. */
      replication: Record<string, string>;
      config: Record<string, string>;
    };

export type SentinelObservation =
  | { name: string; reachable: false; error: string; refused?: boolean }
  | {
      name: string;
      reachable: true;
      /** SENTINEL MASTER <name> fields, or undefined when this Sentinel does not monitor it. */
      master?: Record<string, string>;
      /** SENTINEL REPLICAS <name>. */
      replicas: Record<string, string>[];
      /** SENTINEL SENTINELS <name> (the other Sentinels). */
      sentinels: Record<string, string>[];
    };

export type ReplicationStep =
  | { kind: "replicaof"; node: string; primary: string; host: string; port: number; was: string }
  | { kind: "config-set"; node: string; parameter: string; value: string; was: string }
  | { kind: "sentinel-remove"; sentinel: string; masterName: string; reason: string }
  | {
      kind: "sentinel-monitor";
      sentinel: string;
      masterName: string;
      host: string;
      port: number;
      quorum: number;
    }
  | { kind: "sentinel-set"; sentinel: string; masterName: string; field: string; value: string; was: string }
  | { kind: "sentinel-reset"; sentinel: string; masterName: string; reason: string };

/** Order in which the executor applies the steps of one plan (each group in parallel). */
export const REPLICATION_STEP_ORDER: readonly ReplicationStep["kind"][] = [
  "replicaof",
  "config-set",
  "sentinel-remove",
  "sentinel-monitor",
  "sentinel-set",
  "sentinel-reset",
];

export interface ReplicationPlan {
  /** The node that is (or is to be) primary, by advertised name; undefined when it cannot be told. */
  primary?: string;
  /** How the primary was decided. */
  primaryFrom?: "sentinels" | "replicas" | "plan";
  steps: ReplicationStep[];
  blockers: string[];
  waiting: string[];
  drift: string[];
}

export function describeReplicationStep(step: ReplicationStep): string {
  switch (step.kind) {
    case "replicaof":
      return `REPLICAOF ${step.host} ${step.port} on ${step.node} (was ${step.was})`;
    case "config-set":
      return `CONFIG SET ${step.parameter} "${step.value}" on ${step.node} (was "${step.was}")`;
    case "sentinel-remove":
      return `SENTINEL REMOVE ${step.masterName} on ${step.sentinel} (${step.reason})`;
    case "sentinel-monitor":
      return `SENTINEL MONITOR ${step.masterName} ${step.host} ${step.port} ${step.quorum} on ${step.sentinel}`;
    case "sentinel-set":
      return step.field === "auth-pass"
        ? `SENTINEL SET ${step.masterName} auth-pass <password> on ${step.sentinel} (${step.was})`
        : `SENTINEL SET ${step.masterName} ${step.field} ${step.value} on ${step.sentinel} (was ${step.was})`;
    case "sentinel-reset":
      return `SENTINEL RESET ${step.masterName} on ${step.sentinel} (${step.reason})`;
  }
}

/** `host:port` of a SENTINEL reply entry. */
const addrOf = (fields: Record<string, string>) => `${fields.ip}:${fields.port}`;

/** `host:port` split at the last colon. */
export function splitAdvertised(name: string): { host: string; port: number } {
  const at = name.lastIndexOf(":");
  return { host: name.slice(0, at), port: Number(name.slice(at + 1)) };
}

const flagsOf = (fields: Record<string, string> | undefined): string[] =>
  (fields?.flags ?? "").split(",").filter((f) => f !== "");

/** Where a node replicates from, as `host:port`, or undefined for a primary. */
function upstreamOf(replication: Record<string, string>): string | undefined {
  if (replication.role !== "slave") return undefined;
  return `${replication.master_host}:${replication.master_port}`;
}

export function planReplication(
  spec: ReplicationSpec,
  nodes: readonly NodeObservation[],
  sentinels: readonly SentinelObservation[],
): ReplicationPlan {
  const plan: ReplicationPlan = { steps: [], blockers: [], waiting: [], drift: [] };
  const byName = new Map(nodes.map((o) => [o.name, o]));
  const sentinelByName = new Map(sentinels.map((o) => [o.name, o]));
  for (const name of spec.nodes) {
    const o = byName.get(name);
    if (!o) plan.blockers.push(`${name} was not observed.`);
    else if (!o.reachable && o.refused)
      plan.blockers.push(`${name} refused the formation's reads: ${o.error}`);
    else if (!o.reachable) plan.blockers.push(`${name} is not reachable: ${o.error}`);
  }
  for (const name of spec.sentinels) {
    const o = sentinelByName.get(name);
    if (!o) plan.blockers.push(`Sentinel ${name} was not observed.`);
    else if (!o.reachable && o.refused)
      plan.blockers.push(`Sentinel ${name} refused the formation's reads: ${o.error}`);
    else if (!o.reachable) plan.blockers.push(`Sentinel ${name} is not reachable: ${o.error}`);
  }
  if (plan.blockers.length > 0) return plan;
  const live = spec.nodes.map((n) => byName.get(n) as Extract<NodeObservation, { reachable: true }>);
  const watchers = spec.sentinels.map(
    (n) => sentinelByName.get(n) as Extract<SentinelObservation, { reachable: true }>,
  );
  const memberSet = new Set(spec.nodes);

  // A failover under way: Sentinel is changing roles; wait for it rather than fight it.
  for (const s of watchers) {
    const flags = flagsOf(s.master);
    if (flags.includes("failover_in_progress")) {
      plan.waiting.push(`Sentinel ${s.name} is failing over ${spec.masterName}.`);
    }
  }

  // Who is primary: what a majority of the Sentinels monitor, else the one node replicas follow,
  // else (nothing formed yet) the planned one.
  const votes = new Map<string, number>();
  for (const s of watchers) if (s.master) votes.set(addrOf(s.master), (votes.get(addrOf(s.master)) ?? 0) + 1);
  const majority = Math.floor(spec.sentinels.length / 2) + 1;
  let primary: string | undefined;
  for (const [addr, n] of votes) {
    if (n >= majority) {
      primary = addr;
      plan.primaryFrom = "sentinels";
    }
  }
  if (primary !== undefined && !memberSet.has(primary)) {
    plan.blockers.push(
      `a majority of the Sentinels monitor ${spec.masterName} at ${primary}, which is none of the nodes (${spec.nodes.join(", ")}). Point them at a node (SENTINEL REMOVE ${spec.masterName} on each) or add it to the stack.`,
    );
    return plan;
  }
  if (primary === undefined) {
    const masters = live.filter((o) => o.replication.role === "master");
    const followed = masters.filter((m) => live.some((o) => upstreamOf(o.replication) === m.name));
    if (votes.size > 0) {
      // Some Sentinels monitor something, but no majority agrees: trust the Sentinels' plurality if
      // that node says it is primary, else the node replicas follow.
      const [top] = [...votes.entries()].sort((a, b) => b[1] - a[1]);
      const topNode = live.find((o) => o.name === top![0]);
      if (topNode && topNode.replication.role === "master") {
        primary = topNode.name;
        plan.primaryFrom = "sentinels";
      }
    }
    if (primary === undefined && followed.length === 1) {
      primary = followed[0]!.name;
      plan.primaryFrom = "replicas";
    } else if (primary === undefined && followed.length > 1) {
      plan.blockers.push(
        `${followed.map((m) => m.name).join(" and ")} each have replicas and no Sentinel majority says which is primary: two primaries took writes. Pick the one to keep, run REPLICAOF <it> on the other (its writes since the split are lost), and run again.`,
      );
      return plan;
    } else if (primary === undefined && masters.length === live.length) {
      primary = spec.nodes[0]!;
      plan.primaryFrom = "plan";
    } else if (primary === undefined) {
      plan.waiting.push("no node is primary and no Sentinel majority names one yet.");
      return plan;
    }
  }
  plan.primary = primary;
  const primaryObs = live.find((o) => o.name === primary)!;
  if (primaryObs.replication.role !== "master") {
    // Sentinel says primary but the node still replicates: Sentinel is about to reconfigure it.
    // Nothing is sent meanwhile: pointing replicas at a node that itself follows one could loop.
    plan.waiting.push(
      `${primary} is the Sentinels' primary but still reports role ${primaryObs.replication.role}.`,
    );
    return plan;
  }

  // Nodes: every other node replicates the primary.
  const { host, port } = splitAdvertised(primary);
  for (const o of live) {
    if (o.name === primary) continue;
    const upstream = upstreamOf(o.replication);
    if (upstream !== primary) {
      plan.steps.push({
        kind: "replicaof",
        node: o.name,
        primary,
        host,
        port,
        was: upstream === undefined ? "primary of its own data" : `replica of ${upstream}`,
      });
    } else if (o.replication.master_link_status !== "up") {
      plan.waiting.push(
        `${o.name} replication link to ${primary} is ${o.replication.master_link_status ?? "unknown"}.`,
      );
    }
  }
  if (primaryObs.replication.role === "master") {
    const connected = Number(primaryObs.replication.connected_slaves ?? "0");
    const expected = live.length - 1;
    if (connected < expected && !plan.steps.some((s) => s.kind === "replicaof")) {
      plan.waiting.push(`${primary} has ${connected} of ${expected} replicas connected.`);
    }
  }
  for (const o of live) {
    for (const [parameter, value] of Object.entries(spec.expectedConfig)) {
      const actual = o.config[parameter];
      if (actual !== undefined && actual !== value) {
        plan.drift.push(`${o.name}: ${parameter} is "${actual}", expected "${value}"`);
        plan.steps.push({ kind: "config-set", node: o.name, parameter, value, was: actual });
      }
    }
  }

  // Sentinels: each monitors the primary with the spec's quorum and settings, and knows the others.
  const sentinelSet = new Set(spec.sentinels);
  let resetPlanned = false;
  for (const s of watchers) {
    if (!s.master) {
      plan.steps.push({
        kind: "sentinel-monitor",
        sentinel: s.name,
        masterName: spec.masterName,
        host,
        port,
        quorum: spec.quorum,
      });
      pushSentinelSettings(plan, spec, s.name, undefined);
      continue;
    }
    if (addrOf(s.master) !== primary) {
      if (plan.primaryFrom === "sentinels" && votes.get(addrOf(s.master))! < majority) {
        // A minority Sentinel that missed the failover: Sentinel itself corrects it from the hello
        // messages of the others, unless it was cut off for good.
        plan.drift.push(`Sentinel ${s.name} monitors ${addrOf(s.master)}, the others ${primary}`);
      }
      plan.steps.push({
        kind: "sentinel-remove",
        sentinel: s.name,
        masterName: spec.masterName,
        reason: `it monitors ${addrOf(s.master)}, the primary is ${primary}`,
      });
      plan.steps.push({
        kind: "sentinel-monitor",
        sentinel: s.name,
        masterName: spec.masterName,
        host,
        port,
        quorum: spec.quorum,
      });
      pushSentinelSettings(plan, spec, s.name, undefined);
      continue;
    }
    if (s.master.quorum !== String(spec.quorum)) {
      plan.drift.push(`Sentinel ${s.name}: quorum is ${s.master.quorum}, expected ${spec.quorum}`);
      plan.steps.push({
        kind: "sentinel-set",
        sentinel: s.name,
        masterName: spec.masterName,
        field: "quorum",
        value: String(spec.quorum),
        was: s.master.quorum ?? "unset",
      });
    }
    pushSentinelSettings(plan, spec, s.name, s.master);
    const flags = flagsOf(s.master);
    if (flags.includes("s_down") || flags.includes("o_down")) {
      if (primaryObs.replication.role === "master") {
        // We reach the primary and it answers; this Sentinel does not: its auth-pass is wrong or unset.
        plan.steps.push({
          kind: "sentinel-set",
          sentinel: s.name,
          masterName: spec.masterName,
          field: "auth-pass",
          value: "",
          was: `it flags the primary ${flags.join(",")}`,
        });
      }
      plan.waiting.push(`Sentinel ${s.name} flags ${primary} as ${flags.join(",")}.`);
    }
    // Replicas and Sentinels it knows that are not ours (a replica that moved, a Sentinel that was
    // replaced): a RESET forgets them and rediscovers the live ones. One Sentinel per round.
    const strangers = [
      ...s.replicas.filter((r) => !memberSet.has(addrOf(r))).map((r) => `replica ${addrOf(r)}`),
      ...s.sentinels.filter((o) => !sentinelSet.has(addrOf(o))).map((o) => `Sentinel ${addrOf(o)}`),
    ];
    if (strangers.length > 0) {
      if (!resetPlanned && plan.waiting.length === 0) {
        resetPlanned = true;
        plan.steps.push({
          kind: "sentinel-reset",
          sentinel: s.name,
          masterName: spec.masterName,
          reason: `it still lists ${strangers.join(", ")}, none of this stack's`,
        });
      } else {
        plan.waiting.push(`Sentinel ${s.name} still lists ${strangers.join(", ")}.`);
      }
      continue;
    }
    const knownReplicas = new Set(s.replicas.filter((r) => !flagsOf(r).includes("s_down")).map(addrOf));
    const missing = spec.nodes.filter((n) => n !== primary && !knownReplicas.has(n));
    if (missing.length > 0)
      plan.waiting.push(`Sentinel ${s.name} does not see replica(s) ${missing.join(", ")} yet.`);
    const knownSentinels = new Set(s.sentinels.filter((o) => !flagsOf(o).includes("s_down")).map(addrOf));
    const others = spec.sentinels.filter((n) => n !== s.name && !knownSentinels.has(n));
    if (others.length > 0)
      plan.waiting.push(`Sentinel ${s.name} does not know Sentinel(s) ${others.join(", ")} yet.`);
  }
  return plan;
}

function pushSentinelSettings(
  plan: ReplicationPlan,
  spec: ReplicationSpec,
  sentinel: string,
  master: Record<string, string> | undefined,
): void {
  if (!master) {
    // A fresh monitor: its password and every setting.
    plan.steps.push({
      kind: "sentinel-set",
      sentinel,
      masterName: spec.masterName,
      field: "auth-pass",
      value: "",
      was: "new monitor",
    });
  }
  for (const [field, value] of Object.entries(spec.sentinelConfig)) {
    const actual = master?.[field];
    if (actual === value) continue;
    if (master) plan.drift.push(`Sentinel ${sentinel}: ${field} is ${actual ?? "unset"}, expected ${value}`);
    plan.steps.push({
      kind: "sentinel-set",
      sentinel,
      masterName: spec.masterName,
      field,
      value,
      was: actual ?? "default",
    });
  }
}

export interface ReplicationSummary {
  primary?: string;
  replicas: string[];
  /** Sentinels monitoring the primary. */
  sentinelsMonitoring: number;
}

export function summarizeReplication(
  spec: ReplicationSpec,
  plan: ReplicationPlan,
  nodes: readonly NodeObservation[],
  sentinels: readonly SentinelObservation[],
): ReplicationSummary {
  const primary = plan.primary;
  const replicas = nodes
    .filter((o) => o.reachable && primary !== undefined && upstreamOf(o.replication) === primary)
    .map((o) => o.name)
    .sort();
  const sentinelsMonitoring = sentinels.filter(
    (s) => s.reachable && s.master && addrOf(s.master) === primary && spec.sentinels.includes(s.name),
  ).length;
  return { ...(primary !== undefined ? { primary } : {}), replicas, sentinelsMonitoring };
}
