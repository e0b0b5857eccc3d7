/**
 * What each Redis server series accepts in redis.conf. A Redis server refuses to start on a
 * directive it does not know ("Bad directive or wrong number of arguments"), so the renderer checks
 * every directive it writes against this table and reports a Problem instead of shipping a config
 * that crash-loops.
 *
 * Sources: the redis.conf and release notes of each series (redis/redis). The 7.0 boundary is also
 * proved against a real redis-server 7.0 by test/redis/versions.real.test.ts.
 *
 * Pure: no Pulumi, no I/O.
 */

export interface RedisVersion {
  major: number;
  minor: number;
  /** Patch number when given (`7.4.5`); images are pinned by full version. */
  patch?: number;
  /** Image tag suffix such as `-alpine` or `-bookworm`, when given. */
  suffix?: string;
  /** The text as written. */
  text: string;
}

/** Release series kato-infra knows the directives of. Later 8.x minors are treated as 8.x with everything known so far. */
export const KNOWN_SERIES = ["6.2", "7.0", "7.2", "7.4", "8.0", "8.2", "8.4", "8.6"] as const;

/** The oldest series that can form a cluster announcing stable hostnames (`cluster-announce-hostname`). */
export const MIN_CLUSTER_SERIES = "7.0";

export function parseRedisVersion(text: string): RedisVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(-[a-z0-9][a-z0-9.-]*)?$/.exec(text.trim());
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    ...(m[3] !== undefined ? { patch: Number(m[3]) } : {}),
    ...(m[4] !== undefined ? { suffix: m[4] } : {}),
    text: text.trim(),
  };
}

/** `7.2` -> { major: 7, minor: 2 }; throws on a malformed literal (used with constants only). */
function series(text: string): { major: number; minor: number } {
  const [major, minor] = text.split(".").map(Number);
  return { major: major!, minor: minor! };
}

/** True when `version` is the series `atLeast` or later. */
export function versionAtLeast(version: Pick<RedisVersion, "major" | "minor">, atLeast: string): boolean {
  const s = series(atLeast);
  return version.major > s.major || (version.major === s.major && version.minor >= s.minor);
}

/** Why a version cannot be used at all, or undefined when it is a series kato-infra knows. */
export function unknownSeriesReason(version: RedisVersion): string | undefined {
  if (version.major === 8) return undefined;
  if ((KNOWN_SERIES as readonly string[]).includes(`${version.major}.${version.minor}`)) return undefined;
  if (version.major < 6 || (version.major === 6 && version.minor < 2)) {
    return `Redis ${version.major}.${version.minor} is older than the oldest series kato-infra knows (6.2).`;
  }
  if (version.major > 8) {
    return `Redis ${version.major}.x is newer than the series kato-infra knows (up to 8.x); its redis.conf may differ.`;
  }
  return `Redis ${version.major}.${version.minor} is not a released series (known: ${KNOWN_SERIES.join(", ")}).`;
}

export interface DirectiveSpec {
  /** First series that accepts the directive. */
  since: string;
  /** First series that no longer accepts it, if it was removed. */
  until?: string;
}

const BASE = "6.2";

/**
 * Directives kato-infra renders or lets a stack set through `extraConfig`. A directive missing here is
 * refused (with the list of known ones) rather than passed through unchecked.
 */
export const DIRECTIVES: Readonly<Record<string, DirectiveSpec>> = {
  // Network and process
  include: { since: BASE },
  port: { since: BASE },
  bind: { since: BASE },
  "protected-mode": { since: BASE },
  "tcp-backlog": { since: BASE },
  timeout: { since: BASE },
  "tcp-keepalive": { since: BASE },
  daemonize: { since: BASE },
  loglevel: { since: BASE },
  logfile: { since: BASE },
  databases: { since: BASE },
  "always-show-logo": { since: BASE },
  "set-proc-title": { since: BASE },
  "crash-log-enabled": { since: BASE },
  "oom-score-adj": { since: BASE },
  "disable-thp": { since: BASE },
  "jemalloc-bg-thread": { since: BASE },
  "io-threads": { since: BASE },
  hz: { since: BASE },
  "dynamic-hz": { since: BASE },
  maxclients: { since: BASE },
  "bind-source-addr": { since: "7.0" },
  "shutdown-timeout": { since: "7.0" },
  "shutdown-on-sigterm": { since: "7.0" },
  "shutdown-on-sigint": { since: "7.0" },
  "enable-protected-configs": { since: "7.0" },
  "enable-debug-command": { since: "7.0" },
  "enable-module-command": { since: "7.0" },
  "locale-collate": { since: "7.2" },
  "max-new-connections-per-cycle": { since: "7.2" },
  "max-new-tls-connections-per-cycle": { since: "7.2" },
  // Security
  requirepass: { since: BASE },
  masterauth: { since: BASE },
  masteruser: { since: BASE },
  aclfile: { since: BASE },
  // Persistence
  dir: { since: BASE },
  dbfilename: { since: BASE },
  save: { since: BASE },
  "stop-writes-on-bgsave-error": { since: BASE },
  rdbcompression: { since: BASE },
  rdbchecksum: { since: BASE },
  "rdb-del-sync-files": { since: BASE },
  appendonly: { since: BASE },
  appendfilename: { since: BASE },
  appendfsync: { since: BASE },
  "no-appendfsync-on-rewrite": { since: BASE },
  "auto-aof-rewrite-percentage": { since: BASE },
  "auto-aof-rewrite-min-size": { since: BASE },
  "aof-load-truncated": { since: BASE },
  "aof-use-rdb-preamble": { since: BASE },
  appenddirname: { since: "7.0" },
  "aof-timestamp-enabled": { since: "7.0" },
  // Memory and eviction
  maxmemory: { since: BASE },
  "maxmemory-policy": { since: BASE },
  "maxmemory-samples": { since: BASE },
  "maxmemory-eviction-tenacity": { since: BASE },
  "lazyfree-lazy-eviction": { since: BASE },
  "lazyfree-lazy-expire": { since: BASE },
  "lazyfree-lazy-server-del": { since: BASE },
  "lazyfree-lazy-user-del": { since: BASE },
  "lazyfree-lazy-user-flush": { since: BASE },
  "replica-lazy-flush": { since: BASE },
  activedefrag: { since: BASE },
  "active-expire-effort": { since: BASE },
  // Replication
  "replica-serve-stale-data": { since: BASE },
  "replica-read-only": { since: BASE },
  "replica-priority": { since: BASE },
  "replica-announced": { since: BASE },
  "repl-diskless-sync": { since: BASE },
  "repl-diskless-sync-delay": { since: BASE },
  "repl-diskless-load": { since: BASE },
  "repl-timeout": { since: BASE },
  "repl-backlog-size": { since: BASE },
  "repl-backlog-ttl": { since: BASE },
  "min-replicas-to-write": { since: BASE },
  "min-replicas-max-lag": { since: BASE },
  "replica-announce-ip": { since: BASE },
  "replica-announce-port": { since: BASE },
  replicaof: { since: BASE },
  "repl-diskless-sync-max-replicas": { since: "7.0" },
  // Cluster
  "cluster-enabled": { since: BASE },
  "cluster-config-file": { since: BASE },
  "cluster-node-timeout": { since: BASE },
  "cluster-replica-validity-factor": { since: BASE },
  "cluster-migration-barrier": { since: BASE },
  "cluster-allow-replica-migration": { since: BASE },
  "cluster-require-full-coverage": { since: BASE },
  "cluster-replica-no-failover": { since: BASE },
  "cluster-allow-reads-when-down": { since: BASE },
  "cluster-announce-ip": { since: BASE },
  "cluster-announce-port": { since: BASE },
  "cluster-announce-bus-port": { since: BASE },
  "cluster-announce-hostname": { since: "7.0" },
  "cluster-preferred-endpoint-type": { since: "7.0" },
  "cluster-port": { since: "7.0" },
  "cluster-allow-pubsubshard-when-down": { since: "7.0" },
  "cluster-link-sendbuf-limit": { since: "7.0" },
  "cluster-announce-human-nodename": { since: "7.2" },
  "cluster-slot-stats-enabled": { since: "8.2" },
  // Observability
  "slowlog-log-slower-than": { since: BASE },
  "slowlog-max-len": { since: BASE },
  "latency-monitor-threshold": { since: BASE },
  "notify-keyspace-events": { since: BASE },
  "busy-reply-threshold": { since: "7.0" },
  "latency-tracking": { since: "7.0" },
};

/** Undefined when `version` accepts `name`; otherwise why not, in one sentence. */
export function directiveRefusal(
  name: string,
  version: Pick<RedisVersion, "major" | "minor">,
): string | undefined {
  const spec = DIRECTIVES[name];
  const v = `${version.major}.${version.minor}`;
  if (!spec) return `"${name}" is not a redis.conf directive kato-infra knows.`;
  if (!versionAtLeast(version, spec.since)) {
    return `Redis ${v} does not know the directive "${name}" (it arrived in ${spec.since}) and would refuse to start.`;
  }
  if (spec.until && versionAtLeast(version, spec.until)) {
    return `Redis ${v} no longer accepts the directive "${name}" (removed in ${spec.until}) and would refuse to start.`;
  }
  return undefined;
}

/** Every directive `version` accepts, sorted. */
export function directivesOf(version: Pick<RedisVersion, "major" | "minor">): string[] {
  return Object.keys(DIRECTIVES)
    .filter((name) => directiveRefusal(name, version) === undefined)
    .sort();
}

const BASE_POLICIES = [
  "volatile-lru",
  "volatile-lfu",
  "volatile-random",
  "volatile-ttl",
  "allkeys-lru",
  "allkeys-lfu",
  "allkeys-random",
  "noeviction",
] as const;

/** The `maxmemory-policy` values `version` accepts (8.6 added the least-recently-modified pair). */
export function evictionPolicies(version: Pick<RedisVersion, "major" | "minor">): string[] {
  return versionAtLeast(version, "8.6")
    ? [...BASE_POLICIES, "volatile-lrm", "allkeys-lrm"]
    : [...BASE_POLICIES];
}

/** Every policy any known series accepts (for messages about a policy that needs a newer version). */
export const ALL_EVICTION_POLICIES: readonly string[] = evictionPolicies({ major: 8, minor: 6 });
