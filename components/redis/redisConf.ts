/**
 * redis.conf of a cluster node, rendered from resolved settings for one server version. Every
 * directive is checked against what that version accepts (versions.ts): a directive the version does
 * not know becomes a Problem here, never a node that refuses to start.
 *
 * The password is not part of redis.conf: the rendered file ends with `include <auth file>`, and the
 * auth file (`renderAuthConf`) is written from a secret by the wiring (a Kubernetes Secret, a Docker
 * upload whose content is a secret Output). Pure: no Pulumi, no I/O.
 */
import { type Problem, problem } from "../shared/problems";
import type { ResolvedRedisSettings } from "./settings";
import { directiveRefusal, type RedisVersion, versionAtLeast } from "./versions";

export const CLIENT_PORT = 6379;
/** Redis's default cluster bus port is the client port + 10000. */
export const BUS_PORT_OFFSET = 10000;
export const DATA_DIR = "/data";
export const DEFAULT_AUTH_FILE = "/etc/redis/auth.conf";

export interface Directive {
  name: string;
  args: string[];
}

/** What differs between nodes (and between targets) in the rendered file. */
export interface RedisMemberConf {
  /** Client port. Default 6379. */
  port?: number;
  /** Addresses to listen on. Default `0.0.0.0` (all interfaces of the container or pod). */
  bind?: string[];
  /** Data directory (the volume). Default `/data`. */
  dir?: string;
  /** The node's stable name, announced to clients and peers (container name, pod DNS name). */
  announceHostname?: string;
  /** A short name shown in the node's logs (7.2+; skipped on older versions). */
  humanNodename?: string;
  /** The IP peers use for the cluster bus; unset lets Redis learn it. */
  announceIp?: string;
  /** Cluster bus port when not port + 10000 (7.0+). */
  clusterPort?: number;
  /** File with requirepass/masterauth to include last; `null` renders no include. Default `/etc/redis/auth.conf`. */
  authFile?: string | null;
  /** Log file; default "" (standard output, where container runtimes collect it). */
  logfile?: string;
  /**
   * replication mode: the name (or IP) and port this node announces as a replica, so its primary and
   * the Sentinels list it by a stable name (a pod's DNS name) instead of an IP that changes.
   */
  replicaAnnounceIp?: string;
  replicaAnnouncePort?: number;
}

/** Directives kato-infra renders from its own settings (or per node); `extraConfig` cannot set them. */
export const MANAGED_DIRECTIVES: Readonly<Record<string, string>> = {
  port: "the wiring (port 6379)",
  bind: "the wiring",
  "protected-mode": "the wiring",
  daemonize: "the wiring",
  logfile: "the wiring",
  dir: "the wiring (the data volume)",
  include: "the wiring (the auth file)",
  requirepass: "the generated password",
  masterauth: "the generated password",
  masteruser: "the generated password",
  "cluster-enabled": "the wiring",
  "cluster-config-file": "the wiring (nodes.conf on the data volume)",
  "cluster-node-timeout": "clusterNodeTimeoutMs",
  "cluster-announce-hostname": "the wiring (each node's stable name)",
  "cluster-announce-human-nodename": "the wiring",
  "cluster-announce-ip": "the wiring",
  "cluster-announce-port": "the wiring",
  "cluster-announce-bus-port": "the wiring",
  "cluster-port": "the wiring",
  "cluster-preferred-endpoint-type": "the wiring (hostname)",
  appendonly: "appendonly",
  appendfsync: "appendfsync",
  save: "save",
  maxmemory: "maxmemory",
  "maxmemory-policy": "maxmemoryPolicy",
  "repl-diskless-sync-max-replicas": "replicasPerMaster",
  "min-replicas-to-write": "minReplicasToWrite",
  "min-replicas-max-lag": "minReplicasMaxLagSeconds",
  "replica-announce-ip": "the wiring (each node's stable name)",
  "replica-announce-port": "the wiring",
  replicaof: "the replication formation (Sentinel moves it on failover)",
  slaveof: "the replication formation (Sentinel moves it on failover)",
};

/** A redis.conf argument, quoted when it has to be (sdssplitargs rules: double quotes, backslash escapes). */
export function confToken(value: string): string {
  if (value !== "" && /^[A-Za-z0-9._:/@*+,=%$()-]+$/.test(value)) return value;
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function unsafeValue(value: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  return /[\u0000-\u001f\u007f]/.test(value);
}

function saveDirectives(save: ResolvedRedisSettings["save"]): Directive[] {
  // One line per rule: 6.2 takes exactly one pair per `save` line; 7.0+ accepts that too.
  if (save.length === 0) return [{ name: "save", args: [""] }];
  return save.map(([seconds, changes]) => ({ name: "save", args: [String(seconds), String(changes)] }));
}

function clusterDirectives(settings: ResolvedRedisSettings, dir: string): Directive[] {
  return [
    { name: "cluster-enabled", args: ["yes"] },
    // nodes.conf holds the node's identity; it must live on the volume or a restart makes a new node.
    { name: "cluster-config-file", args: [`${dir.replace(/\/$/, "")}/nodes.conf`] },
    { name: "cluster-node-timeout", args: [String(settings.clusterNodeTimeoutMs)] },
    // Clients get redirected (MOVED) to stable names, not to IPs that change when a pod restarts.
    { name: "cluster-preferred-endpoint-type", args: ["hostname"] },
  ];
}

/**
 * replication mode: no `replicaof` here. Every node starts as a primary of its own data and the
 * formation (then Sentinel) tells it whom to follow; a replicaof in the file would make a restarted
 * replica follow whatever node was planned first, even a stale former primary. The split-brain guard:
 * a primary refuses writes unless `min-replicas-to-write` replicas are connected and at most
 * `min-replicas-max-lag` seconds behind, so a primary cut off from its replicas stops taking writes
 * after that lag (replication stays asynchronous: see docs/redis.md).
 */
function replicationDirectives(settings: ResolvedRedisSettings): Directive[] {
  return [
    { name: "min-replicas-to-write", args: [String(settings.minReplicasToWrite)] },
    { name: "min-replicas-max-lag", args: [String(settings.minReplicasMaxLagSeconds)] },
  ];
}

/** The directives every node of a cluster shares. */
function sharedDirectives(settings: ResolvedRedisSettings, member: RedisMemberConf): Directive[] {
  const dir = member.dir ?? DATA_DIR;
  const out: Directive[] = [
    { name: "port", args: [String(member.port ?? CLIENT_PORT)] },
    { name: "bind", args: member.bind ?? ["0.0.0.0"] },
    // With requirepass set protected mode changes nothing; kept on so a missing auth file fails closed.
    { name: "protected-mode", args: ["yes"] },
    { name: "daemonize", args: ["no"] },
    { name: "logfile", args: [member.logfile ?? ""] },
    { name: "dir", args: [dir] },
    ...(settings.mode === "replication" ? replicationDirectives(settings) : clusterDirectives(settings, dir)),
    { name: "appendonly", args: [settings.appendonly ? "yes" : "no"] },
    { name: "appendfsync", args: [settings.appendfsync] },
    ...saveDirectives(settings.save),
    { name: "maxmemory", args: [settings.maxmemory] },
    { name: "maxmemory-policy", args: [settings.maxmemoryPolicy] },
  ];
  if (settings.replicasPerMaster > 0) {
    // A master starts the diskless transfer as soon as all its replicas are connected instead of
    // always waiting repl-diskless-sync-delay (5 s) for more of them to show up.
    out.push({ name: "repl-diskless-sync-max-replicas", args: [String(settings.replicasPerMaster)] });
  }
  return out;
}

/** The directives that differ per node (or that Kubernetes passes as arguments with the pod's own name and IP). */
export function memberDirectives(version: RedisVersion, member: RedisMemberConf): Directive[] {
  const out: Directive[] = [];
  if (member.announceHostname !== undefined) {
    out.push({ name: "cluster-announce-hostname", args: [member.announceHostname] });
  }
  if (member.humanNodename !== undefined && versionAtLeast(version, "7.2")) {
    out.push({ name: "cluster-announce-human-nodename", args: [member.humanNodename] });
  }
  if (member.announceIp !== undefined) out.push({ name: "cluster-announce-ip", args: [member.announceIp] });
  if (member.clusterPort !== undefined)
    out.push({ name: "cluster-port", args: [String(member.clusterPort)] });
  if (member.replicaAnnounceIp !== undefined)
    out.push({ name: "replica-announce-ip", args: [member.replicaAnnounceIp] });
  if (member.replicaAnnouncePort !== undefined)
    out.push({ name: "replica-announce-port", args: [String(member.replicaAnnouncePort)] });
  return out;
}

export interface RenderedRedisConf {
  directives: Directive[];
  /** The redis.conf text (empty when there are problems). */
  text: string;
  problems: Problem[];
}

/** Checks each directive against the version; `where` names the settings field a problem belongs to. */
function checkDirectives(
  directives: Directive[],
  version: RedisVersion,
  where: (d: Directive) => { field: string; fix: string },
): Problem[] {
  const problems: Problem[] = [];
  for (const d of directives) {
    const refusal = directiveRefusal(d.name, version);
    if (refusal) {
      const { field, fix } = where(d);
      problems.push(problem(field, d.args.join(" "), refusal, fix));
    }
    for (const arg of d.args) {
      if (unsafeValue(arg)) {
        const { field } = where(d);
        problems.push(
          problem(
            field,
            arg,
            `the value of "${d.name}" contains a control character (such as a newline).`,
            "write the value on one line.",
          ),
        );
      }
    }
  }
  return problems;
}

/** Renders the node's redis.conf. `field` prefixes problem fields (the stack's config key). */
export function renderRedisConf(
  settings: ResolvedRedisSettings,
  member: RedisMemberConf = {},
  field = "redis",
): RenderedRedisConf {
  const version = settings.redisVersion;
  const managed = [...sharedDirectives(settings, member), ...memberDirectives(version, member)];
  const extras: Directive[] = Object.keys(settings.extraConfig)
    .sort()
    .map((name) => ({ name, args: [settings.extraConfig[name]!] }));
  const authFile = member.authFile === undefined ? DEFAULT_AUTH_FILE : member.authFile;
  const tail: Directive[] = authFile === null ? [] : [{ name: "include", args: [authFile] }];

  const versionFix = {
    field: `${field}.version`,
    fix: `set ${field}.version to a release that accepts it (7.0 or later for a cluster), e.g. "7.4.5".`,
  };
  const problems = [
    ...checkDirectives([...managed, ...tail], version, () => versionFix),
    ...checkDirectives(extras, version, (d) => ({
      field: `${field}.extraConfig.${d.name}`,
      fix: extraConfigFix(d.name, version),
    })),
  ];
  for (const d of extras) {
    const owner = MANAGED_DIRECTIVES[d.name];
    if (owner) {
      problems.push(
        problem(
          `${field}.extraConfig.${d.name}`,
          d.args.join(" "),
          `is set by kato-infra from ${owner}; a second value would silently override it.`,
          owner.startsWith("the ")
            ? `remove ${field}.extraConfig.${d.name}.`
            : `remove it and set ${field}.${owner} instead.`,
        ),
      );
    }
  }
  const directives = [...managed, ...extras, ...tail];
  if (problems.length > 0) return { directives, text: "", problems };
  const header = [
    `# redis.conf rendered by kato-infra for Redis ${settings.version} (${settings.mode === "replication" ? "replication node" : "cluster node"}).`,
    "# Do not edit: the next `pulumi up` overwrites it. Change the stack's redis settings instead.",
  ];
  const lines = directives.map((d) => [d.name, ...d.args.map(confToken)].join(" "));
  return { directives, text: `${[...header, ...lines].join("\n")}\n`, problems };
}

function extraConfigFix(name: string, version: RedisVersion): string {
  return `remove ${name} from extraConfig, or use a Redis version that accepts it (this one is ${version.major}.${version.minor}).`;
}

/**
 * Command-line arguments for directives (`--name value`): Kubernetes passes the per-pod directives this
 * way, with `$(POD_NAME)`-style references the kubelet expands.
 */
export function directiveArgs(directives: Directive[]): string[] {
  return directives.flatMap((d) => [`--${d.name}`, ...d.args]);
}

/** The auth file: the same generated password for clients (requirepass) and for replicas to their master (masterauth). */
export function renderAuthConf(password: string): string {
  if (password.length === 0 || unsafeValue(password)) {
    throw new Error("the Redis password must be non-empty and on one line");
  }
  return `requirepass ${confToken(password)}\nmasterauth ${confToken(password)}\n`;
}

/** Every problem rendering would report for these settings, for a node with every per-node directive set. */
export function checkRedisConf(settings: ResolvedRedisSettings, field = "redis"): Problem[] {
  const member: RedisMemberConf =
    settings.mode === "replication"
      ? { replicaAnnounceIp: "node-0", replicaAnnouncePort: CLIENT_PORT }
      : { announceHostname: "node-0", humanNodename: "node-0", announceIp: "10.0.0.1" };
  return renderRedisConf(settings, member, field).problems;
}

/**
 * The values `CONFIG GET` reports on a node running this config, for the settings kato-infra owns
 * that an operator might change at run time with CONFIG SET (the executor reports and repairs drift).
 */
export function expectedRuntimeConfig(settings: ResolvedRedisSettings): Record<string, string> {
  const shared = {
    maxmemory: String(settings.maxmemoryBytes),
    "maxmemory-policy": settings.maxmemoryPolicy,
    appendonly: settings.appendonly ? "yes" : "no",
    appendfsync: settings.appendfsync,
    save: settings.save.map(([s, c]) => `${s} ${c}`).join(" "),
  };
  if (settings.mode === "replication") {
    return {
      ...shared,
      "min-replicas-to-write": String(settings.minReplicasToWrite),
      "min-replicas-max-lag": String(settings.minReplicasMaxLagSeconds),
    };
  }
  return { ...shared, "cluster-node-timeout": String(settings.clusterNodeTimeoutMs) };
}
