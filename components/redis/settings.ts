/**
 * Redis Cluster settings as a stack writes them under `kato-infra:redis`, their defaults (right for
 * `dev`), and their validation. Pure: no Pulumi, no I/O.
 */
import type { FieldDoc } from "../shared/fields";
import { asSettingsObject, checkKnownKeys, check as is, type Problem, problem } from "../shared/problems";
import { formatBytes, parseRedisBytes } from "../shared/quantity";
import {
  RESOURCE_KEYS,
  type ResolvedResources,
  type ResolvedStorage,
  resolveResources,
  resolveStorage,
  STORAGE_KEYS,
} from "../shared/resources";
import type { ResourceArgs, StorageArgs } from "../shared/target";
import { isObject } from "../shared/values";
import { checkRedisConf } from "./redisConf";
import {
  ALL_EVICTION_POLICIES,
  evictionPolicies,
  MIN_CLUSTER_SERIES,
  parseRedisVersion,
  type RedisVersion,
  unknownSeriesReason,
  versionAtLeast,
} from "./versions";

export type AppendFsync = "always" | "everysec" | "no";

/**
 * `cluster`: a Redis Cluster (clients must follow MOVED redirections). `replication`: one primary with
 * replicas, a Sentinel quorum, and one stable endpoint that always reaches the current primary, for
 * single-node clients such as KATO 3.0's (see replicationPlan.ts).
 */
export type RedisMode = "cluster" | "replication";
export const REDIS_MODES: readonly RedisMode[] = ["cluster", "replication"];

/** One `save <seconds> <changes>` rule: snapshot when at least `changes` keys changed within `seconds`. */
export type SaveRule = [seconds: number, changes: number];

export interface RedisSettings {
  /** `cluster` (sharded, cluster-aware clients) or `replication` (primary + replicas + Sentinel + one endpoint). */
  mode?: RedisMode;
  /** replication: replicas of the primary (a Sentinel promotes one when the primary fails). */
  replicas?: number;
  /** replication: Sentinel processes (odd, so a majority of them can authorize a failover). */
  sentinels?: number;
  /** replication: Sentinels that must agree the primary is down before a failover starts. Default: a majority. */
  sentinelQuorum?: number;
  /** replication: Sentinel `down-after-milliseconds`, how long the primary may not answer before it is judged down. */
  downAfterMs?: number;
  /** replication: Sentinel `failover-timeout` in milliseconds. */
  failoverTimeoutMs?: number;
  /** replication: `min-replicas-to-write` of the primary (0 turns the split-brain guard off). */
  minReplicasToWrite?: number;
  /** replication: `min-replicas-max-lag` in seconds. */
  minReplicasMaxLagSeconds?: number;
  /** replication, Kubernetes: HAProxy pods behind the stable endpoint's Service. */
  endpointReplicas?: number;
  /** Masters (shards); the 16384 slots are split evenly over them. At least 3 so a majority survives one loss. */
  masters?: number;
  /** Replicas of each master. */
  replicasPerMaster?: number;
  /** Total nodes; optional, and when given it must equal masters x (1 + replicasPerMaster). */
  nodes?: number;
  /** Redis server version; the image is `redis:<version>`, pinned to a patch release. */
  version?: string;
  /** `maxmemory` of each node, in Redis units (`2gb`, `512mb`). */
  maxmemory?: string;
  /** `maxmemory-policy`: what Redis evicts when `maxmemory` is reached. */
  maxmemoryPolicy?: string;
  /** `appendonly`: log every write to the append-only file. */
  appendonly?: boolean;
  /** `appendfsync`: how often the append-only file is fsynced. */
  appendfsync?: AppendFsync;
  /** `save` rules for RDB snapshots; `[]` turns snapshots off. */
  save?: SaveRule[];
  /** `cluster-node-timeout` in milliseconds: how long a node may be unreachable before failover starts. */
  clusterNodeTimeoutMs?: number;
  /** Persistent volume of each node. */
  storage?: StorageArgs;
  /** CPU and memory of each node. */
  resources?: ResourceArgs;
  /** Docker only: node i publishes its client port on `hostPortBase + i` (bound to the target's publishAddress). */
  hostPortBase?: number;
  /** More redis.conf directives, checked against the version (a directive the version does not know is refused). */
  extraConfig?: Record<string, string | number | boolean>;
  /** How long the cluster formation may wait for the nodes to agree before it fails, in seconds. */
  formationTimeoutSeconds?: number;
}

export interface ResolvedRedisSettings {
  mode: RedisMode;
  /** replication: replicas of the primary (cluster: 0, unused). */
  replicas: number;
  /** replication: Sentinels (cluster: 0). */
  sentinels: number;
  sentinelQuorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  minReplicasToWrite: number;
  minReplicasMaxLagSeconds: number;
  endpointReplicas: number;
  /** cluster: shards; replication: 1 (the primary). */
  masters: number;
  /** cluster: replicas of each master; replication: `replicas`. */
  replicasPerMaster: number;
  /** redis-server nodes: masters x (1 + replicasPerMaster), in both modes. */
  nodes: number;
  version: string;
  /** Parsed `version`. */
  redisVersion: RedisVersion;
  /** `redis:<version>`. */
  image: string;
  maxmemory: string;
  /** `maxmemory` in bytes, as CONFIG GET reports it. */
  maxmemoryBytes: number;
  maxmemoryPolicy: string;
  appendonly: boolean;
  appendfsync: AppendFsync;
  save: SaveRule[];
  clusterNodeTimeoutMs: number;
  storage: ResolvedStorage;
  resources: ResolvedResources;
  hostPortBase: number;
  extraConfig: Record<string, string>;
  formationTimeoutSeconds: number;
}

/** Share of the container memory limit `maxmemory` may take; the rest is headroom for the fork of a
 * background save (copy-on-write), client and replication buffers, and allocator fragmentation. */
export const MAXMEMORY_SHARE_OF_LIMIT = 0.75;

/** The volume must hold an RDB snapshot, the AOF and a rewrite in progress: about twice the data. */
export const STORAGE_PER_MAXMEMORY = 2;

export const REDIS_DEFAULTS = {
  mode: "cluster" as RedisMode,
  replicas: 2,
  sentinels: 3,
  downAfterMs: 5000,
  failoverTimeoutMs: 10_000,
  minReplicasToWrite: 1,
  minReplicasMaxLagSeconds: 10,
  endpointReplicas: 2,
  masters: 3,
  replicasPerMaster: 1,
  version: "7.4.5",
  maxmemory: "2gb",
  maxmemoryPolicy: "allkeys-lru",
  appendonly: true,
  appendfsync: "everysec" as AppendFsync,
  save: [[60, 1000]] as SaveRule[],
  clusterNodeTimeoutMs: 5000,
  storage: { size: "8Gi", retainOnDelete: true },
  resources: { cpu: "500m", memory: "3Gi" },
  hostPortBase: 7000,
  extraConfig: {} as Record<string, string | number | boolean>,
  formationTimeoutSeconds: 180,
} as const;

/** Fields that only mean something in replication mode, and the cluster-only ones. */
export const REPLICATION_KEYS = [
  "replicas",
  "sentinels",
  "sentinelQuorum",
  "downAfterMs",
  "failoverTimeoutMs",
  "minReplicasToWrite",
  "minReplicasMaxLagSeconds",
  "endpointReplicas",
] as const satisfies readonly (keyof RedisSettings)[];
export const CLUSTER_KEYS = [
  "masters",
  "replicasPerMaster",
  "clusterNodeTimeoutMs",
] as const satisfies readonly (keyof RedisSettings)[];

const KEYS = [
  "mode",
  ...REPLICATION_KEYS,
  "masters",
  "replicasPerMaster",
  "nodes",
  "version",
  "maxmemory",
  "maxmemoryPolicy",
  "appendonly",
  "appendfsync",
  "save",
  "clusterNodeTimeoutMs",
  "storage",
  "resources",
  "hostPortBase",
  "extraConfig",
  "formationTimeoutSeconds",
] as const satisfies readonly (keyof RedisSettings)[];

export const REDIS_FIELDS: readonly FieldDoc[] = [
  {
    name: "mode",
    type: '"cluster" | "replication"',
    default: REDIS_DEFAULTS.mode,
    description:
      "cluster: a Redis Cluster (clients must follow MOVED redirections). replication: one primary, replicas, a Sentinel quorum and one stable endpoint that always reaches the current primary, for single-node clients such as KATO 3.0's.",
  },
  {
    name: "replicas",
    type: "integer",
    default: REDIS_DEFAULTS.replicas,
    description: "replication: replicas of the primary; Sentinel promotes one when the primary fails.",
  },
  {
    name: "sentinels",
    type: "integer",
    default: REDIS_DEFAULTS.sentinels,
    description: "replication: Sentinel processes, odd (3, 5, 7) so a majority can authorize a failover.",
  },
  {
    name: "sentinelQuorum",
    type: "integer",
    default: undefined,
    description:
      "replication: Sentinels that must agree the primary is down before a failover starts; a majority of sentinels when unset.",
  },
  {
    name: "downAfterMs",
    type: "integer (ms)",
    default: REDIS_DEFAULTS.downAfterMs,
    description:
      "replication: Sentinel down-after-milliseconds, how long the primary may not answer before it is judged down. Lower fails over sooner; higher tolerates longer pauses.",
  },
  {
    name: "failoverTimeoutMs",
    type: "integer (ms)",
    default: REDIS_DEFAULTS.failoverTimeoutMs,
    description:
      "replication: Sentinel failover-timeout. A failover whose election split the Sentinels' votes is retried after twice this, so it bounds the worst-case failover time.",
  },
  {
    name: "minReplicasToWrite",
    type: "integer",
    default: REDIS_DEFAULTS.minReplicasToWrite,
    description:
      "replication: the primary refuses writes unless this many replicas are connected and at most minReplicasMaxLagSeconds behind; bounds the writes a primary cut off from the others can accept. 0 turns the guard off.",
  },
  {
    name: "minReplicasMaxLagSeconds",
    type: "integer (s)",
    default: REDIS_DEFAULTS.minReplicasMaxLagSeconds,
    description:
      "replication: min-replicas-max-lag, the lag a replica may have and still count for minReplicasToWrite.",
  },
  {
    name: "endpointReplicas",
    type: "integer",
    default: REDIS_DEFAULTS.endpointReplicas,
    description:
      "replication, Kubernetes: HAProxy pods behind the stable endpoint's Service (Docker runs one).",
  },
  {
    name: "masters",
    type: "integer",
    default: REDIS_DEFAULTS.masters,
    description:
      "Number of masters (shards). The 16384 hash slots are split evenly over them; at least 3 so a majority of masters survives losing one.",
  },
  {
    name: "replicasPerMaster",
    type: "integer",
    default: REDIS_DEFAULTS.replicasPerMaster,
    description: "Replicas of each master; a replica takes over when its master fails. 0 means no failover.",
  },
  {
    name: "nodes",
    type: "integer",
    default: undefined,
    description:
      "Optional total number of nodes, as a check: when set it must equal masters x (1 + replicasPerMaster).",
  },
  {
    name: "version",
    type: "string",
    default: REDIS_DEFAULTS.version,
    description:
      "Redis server version, pinned to a patch release (image redis:<version>). 7.0 or later: the cluster announces stable hostnames.",
  },
  {
    name: "maxmemory",
    type: "string (Redis units: 2gb, 512mb)",
    default: REDIS_DEFAULTS.maxmemory,
    description: `Memory limit of each node's data. At most ${MAXMEMORY_SHARE_OF_LIMIT * 100}% of resources.memory, leaving headroom for background saves and buffers.`,
  },
  {
    name: "maxmemoryPolicy",
    type: "string",
    default: REDIS_DEFAULTS.maxmemoryPolicy,
    description: `What Redis evicts when maxmemory is reached: ${ALL_EVICTION_POLICIES.join(", ")} (the lrm pair needs 8.6+).`,
  },
  {
    name: "appendonly",
    type: "boolean",
    default: REDIS_DEFAULTS.appendonly,
    description:
      "Log every write to the append-only file, so a restart loses at most about a second of writes.",
  },
  {
    name: "appendfsync",
    type: '"always" | "everysec" | "no"',
    default: REDIS_DEFAULTS.appendfsync,
    description: "How often the append-only file is flushed to disk.",
  },
  {
    name: "save",
    type: "[seconds, changes][]",
    default: REDIS_DEFAULTS.save,
    description:
      "RDB snapshot rules: snapshot when at least `changes` keys changed within `seconds`. [] turns snapshots off.",
  },
  {
    name: "clusterNodeTimeoutMs",
    type: "integer (ms)",
    default: REDIS_DEFAULTS.clusterNodeTimeoutMs,
    description:
      "How long a node may be unreachable before the others fail it over. Lower fails over sooner; higher tolerates longer pauses.",
  },
  {
    name: "storage.size",
    type: "quantity",
    default: REDIS_DEFAULTS.storage.size,
    description: `Volume of each node; at least ${STORAGE_PER_MAXMEMORY} x maxmemory when persistence is on (snapshot, AOF and a rewrite).`,
  },
  {
    name: "storage.storageClass",
    type: "string",
    default: undefined,
    description:
      "Kubernetes StorageClass of the volumes; the cluster's default when unset. Ignored on Docker.",
  },
  {
    name: "storage.retainOnDelete",
    type: "boolean",
    default: REDIS_DEFAULTS.storage.retainOnDelete,
    description: "Keep the volumes when the cluster is deleted or scaled down.",
  },
  {
    name: "resources.cpu",
    type: "quantity",
    default: REDIS_DEFAULTS.resources.cpu,
    description: "CPU request of each node.",
  },
  {
    name: "resources.memory",
    type: "quantity",
    default: REDIS_DEFAULTS.resources.memory,
    description: "Memory request and limit of each node.",
  },
  {
    name: "resources.cpuLimit",
    type: "quantity",
    default: undefined,
    description: "CPU limit of each node; none by default.",
  },
  {
    name: "hostPortBase",
    type: "integer",
    default: REDIS_DEFAULTS.hostPortBase,
    description:
      "Docker only: node i publishes its client port on hostPortBase + i, bound to the publish address.",
  },
  {
    name: "extraConfig",
    type: "map of directive to value",
    default: {},
    description:
      "More redis.conf directives. Each is checked against the version; directives kato-infra manages (persistence, memory, cluster, auth) are set by their own fields.",
  },
  {
    name: "formationTimeoutSeconds",
    type: "integer (s)",
    default: REDIS_DEFAULTS.formationTimeoutSeconds,
    description:
      "How long forming or repairing the cluster may wait for every node to agree before it fails.",
  },
];

/** Bytes `maxmemory` may take of a container limit. */
export function maxmemoryCeiling(memoryLimitBytes: number): number {
  return Math.floor(memoryLimitBytes * MAXMEMORY_SHARE_OF_LIMIT);
}

/**
 * Merges `raw` (the stack's object) over `base` (a profile's defaults) over the engine defaults and
 * validates everything, returning every problem at once.
 */
export function resolveRedisSettings(
  raw: unknown,
  field = "redis",
  base: Partial<RedisSettings> = {},
): { settings?: ResolvedRedisSettings; problems: Problem[] } {
  const { value: user, problems } = asSettingsObject(field, raw);
  if (problems.length > 0) return { problems };
  problems.push(...checkKnownKeys(field, user, KEYS));
  problems.push(...checkKnownKeys(`${field}.storage`, user.storage, STORAGE_KEYS));
  problems.push(...checkKnownKeys(`${field}.resources`, user.resources, RESOURCE_KEYS));

  const pick = <K extends keyof RedisSettings>(key: K): unknown =>
    user[key] !== undefined ? user[key] : base[key] !== undefined ? base[key] : (REDIS_DEFAULTS as any)[key];
  const nested = (key: "storage" | "resources", sub: string): unknown => {
    const fromUser = isObject(user[key]) ? (user[key] as Record<string, unknown>)[sub] : undefined;
    const fromBase = isObject(base[key]) ? (base[key] as Record<string, unknown>)[sub] : undefined;
    const fromDefault = (REDIS_DEFAULTS[key] as Record<string, unknown>)[sub];
    return fromUser !== undefined ? fromUser : fromBase !== undefined ? fromBase : fromDefault;
  };
  const f = (name: string) => `${field}.${name}`;

  // Mode: the fields of the other mode are refused when the stack sets them (a profile's are ignored).
  const mode = pick("mode");
  problems.push(...is.oneOf(f("mode"), mode, REDIS_MODES));
  const replication = mode === "replication";
  if (mode === "cluster" || replication) {
    const foreign: readonly string[] = replication ? CLUSTER_KEYS : REPLICATION_KEYS;
    for (const key of foreign) {
      if (user[key] === undefined) continue;
      problems.push(
        problem(
          f(key),
          user[key],
          `applies to ${f("mode")} ${replication ? "cluster" : "replication"} only, and this stack's mode is ${String(mode)}.`,
          replication
            ? `remove ${f(key)}; in replication mode set ${f("replicas")} and ${f("downAfterMs")} instead.`
            : `remove ${f(key)}, or set ${f("mode")} to replication.`,
        ),
      );
    }
  }
  const replicas = pick("replicas");
  const sentinels = pick("sentinels");
  const downAfterMs = pick("downAfterMs");
  const failoverTimeoutMs = pick("failoverTimeoutMs");
  const minReplicasToWrite = pick("minReplicasToWrite");
  const minReplicasMaxLagSeconds = pick("minReplicasMaxLagSeconds");
  const endpointReplicas = pick("endpointReplicas");
  let sentinelQuorum = pick("sentinelQuorum");
  if (replication) {
    problems.push(
      ...is.integer(
        f("replicas"),
        replicas,
        1,
        5,
        `set ${f("replicas")} to a whole number from 1 to 5 (Sentinel can only fail over to a replica).`,
      ),
    );
    const badSentinels = is.integer(f("sentinels"), sentinels, 3, 7);
    problems.push(...badSentinels);
    if (badSentinels.length === 0 && (sentinels as number) % 2 === 0) {
      problems.push(
        problem(
          f("sentinels"),
          sentinels,
          "must be odd: a failover needs a majority of the Sentinels, and an even number tolerates no more losses than one fewer.",
          `set ${f("sentinels")} to ${(sentinels as number) - 1} or ${(sentinels as number) + 1}.`,
        ),
      );
    }
    if (badSentinels.length === 0) {
      const majority = Math.floor((sentinels as number) / 2) + 1;
      if (sentinelQuorum === undefined) sentinelQuorum = majority;
      else
        problems.push(
          ...is.integer(
            f("sentinelQuorum"),
            sentinelQuorum,
            majority,
            sentinels as number,
            `set ${f("sentinelQuorum")} to a whole number from ${majority} (a majority of ${String(sentinels)} Sentinels) to ${String(sentinels)}, or remove it: below a majority, Sentinels on the two sides of a partition could each judge the primary down.`,
          ),
        );
    }
    problems.push(...is.integer(f("downAfterMs"), downAfterMs, 1000, 600_000));
    problems.push(...is.integer(f("failoverTimeoutMs"), failoverTimeoutMs, 10_000, 3_600_000));
    const badReplicas = is.integer(f("replicas"), replicas, 1, 5).length > 0;
    problems.push(
      ...is.integer(
        f("minReplicasToWrite"),
        minReplicasToWrite,
        0,
        badReplicas ? 5 : (replicas as number),
        `set ${f("minReplicasToWrite")} to a whole number from 0 to ${badReplicas ? "replicas" : String(replicas)} (more than there are replicas would refuse every write).`,
      ),
    );
    problems.push(...is.integer(f("minReplicasMaxLagSeconds"), minReplicasMaxLagSeconds, 1, 3600));
    problems.push(...is.integer(f("endpointReplicas"), endpointReplicas, 1, 10));
  }

  // Topology
  const masters = replication ? 1 : pick("masters");
  const replicasPerMaster = replication ? pick("replicas") : pick("replicasPerMaster");
  if (!replication)
    problems.push(
      ...is.integer(
        f("masters"),
        masters,
        3,
        100,
        `set ${f("masters")} to a whole number from 3 to 100 (Redis Cluster needs 3 masters for a majority).`,
      ),
    );
  if (!replication) problems.push(...is.integer(f("replicasPerMaster"), replicasPerMaster, 0, 5));
  const topologyOk = problems.every((p) => p.field !== f("masters") && p.field !== f("replicasPerMaster"));
  const nodes = topologyOk ? (masters as number) * (1 + (replicasPerMaster as number)) : undefined;
  const nodesGiven = pick("nodes");
  if (nodesGiven !== undefined) {
    const bad = is.integer(f("nodes"), nodesGiven, 3, 600);
    problems.push(...bad);
    if (bad.length === 0 && nodes !== undefined && nodesGiven !== nodes && replication) {
      problems.push(
        problem(
          f("nodes"),
          nodesGiven,
          `does not fit one primary with ${String(replicas)} replica(s), which makes ${nodes} nodes.`,
          `set ${f("nodes")} to ${nodes}, or remove it and set ${f("replicas")} to ${(nodesGiven as number) - 1}.`,
        ),
      );
    } else if (bad.length === 0 && nodes !== undefined && nodesGiven !== nodes) {
      problems.push(
        problem(
          f("nodes"),
          nodesGiven,
          `does not fit ${masters} masters with ${replicasPerMaster} replica(s) each, which makes ${nodes} nodes.`,
          `set ${f("nodes")} to ${nodes}, or remove it and choose ${f("masters")} and ${f("replicasPerMaster")} so that masters x (1 + replicasPerMaster) = ${nodesGiven}.`,
        ),
      );
    }
  }

  // Version
  const versionText = pick("version");
  let redisVersion: RedisVersion | undefined;
  if (typeof versionText !== "string" || !parseRedisVersion(versionText)) {
    problems.push(
      problem(
        f("version"),
        versionText,
        "is not a Redis version.",
        `set ${f("version")} to a release such as "${REDIS_DEFAULTS.version}".`,
      ),
    );
  } else {
    const parsed = parseRedisVersion(versionText)!;
    const unknown = unknownSeriesReason(parsed);
    if (unknown) {
      problems.push(
        problem(
          f("version"),
          versionText,
          unknown,
          `set ${f("version")} to a 7.x or 8.x release such as "${REDIS_DEFAULTS.version}".`,
        ),
      );
    } else if (!versionAtLeast(parsed, MIN_CLUSTER_SERIES)) {
      // The renderer reports the missing directives too; this says what it means for the user.
      problems.push(
        problem(
          f("version"),
          versionText,
          `Redis ${parsed.major}.${parsed.minor} cannot announce stable hostnames to its cluster (cluster-announce-hostname arrived in ${MIN_CLUSTER_SERIES}), so nodes would be lost whenever a container or pod gets a new IP.`,
          `set ${f("version")} to ${MIN_CLUSTER_SERIES} or later, e.g. "${REDIS_DEFAULTS.version}".`,
        ),
      );
    } else if (parsed.patch === undefined) {
      problems.push(
        problem(
          f("version"),
          versionText,
          `is a moving tag: redis:${versionText} changes whenever a patch release comes out.`,
          `pin a patch release, e.g. "${parsed.major}.${parsed.minor}.0" or later patch of that series.`,
        ),
      );
    } else {
      redisVersion = parsed;
    }
  }

  // Memory
  const maxmemory = pick("maxmemory");
  const maxmemoryBytes = typeof maxmemory === "string" ? parseRedisBytes(maxmemory) : undefined;
  if (maxmemoryBytes === undefined) {
    problems.push(
      problem(
        f("maxmemory"),
        maxmemory,
        "is not a Redis memory size.",
        `write it in Redis units, e.g. "2gb", "512mb" (1gb = 1024 mb; 1g = 10^9 bytes).`,
      ),
    );
  } else if (maxmemoryBytes < 2 ** 20) {
    problems.push(
      problem(
        f("maxmemory"),
        maxmemory,
        "is below 1 MiB (0 would mean no limit, and the container would be killed instead of Redis evicting).",
        `set ${f("maxmemory")} to the data size each node may hold, e.g. "2gb".`,
      ),
    );
  }
  const policy = pick("maxmemoryPolicy");
  const policies = redisVersion ? evictionPolicies(redisVersion) : [...ALL_EVICTION_POLICIES];
  if (typeof policy !== "string" || !policies.includes(policy)) {
    const needsNewer = typeof policy === "string" && ALL_EVICTION_POLICIES.includes(policy);
    problems.push(
      problem(
        f("maxmemoryPolicy"),
        policy,
        needsNewer
          ? `is not accepted by Redis ${String(versionText)} (it arrived in 8.6).`
          : "is not a Redis maxmemory-policy.",
        `set ${f("maxmemoryPolicy")} to one of ${policies.join(", ")}.`,
      ),
    );
  }

  // Persistence
  const appendonly = pick("appendonly");
  problems.push(...is.boolean(f("appendonly"), appendonly));
  const appendfsync = pick("appendfsync");
  problems.push(...is.oneOf(f("appendfsync"), appendfsync, ["always", "everysec", "no"] as const));
  const save = pick("save");
  problems.push(...checkSave(f("save"), save));
  const clusterNodeTimeoutMs = pick("clusterNodeTimeoutMs");
  problems.push(...is.integer(f("clusterNodeTimeoutMs"), clusterNodeTimeoutMs, 1000, 120_000));

  // Storage: the checks every engine shares, then a StorageClass name and room for persistence
  const storage = resolveStorage(f("storage"), {
    size: nested("storage", "size"),
    storageClass: nested("storage", "storageClass"),
    retainOnDelete: nested("storage", "retainOnDelete"),
  });
  problems.push(...storage.problems);
  const { size, storageClass } = storage.value;
  const { sizeBytes } = storage;
  if (storageClass !== undefined && storage.problems.every((p) => p.field !== f("storage.storageClass"))) {
    problems.push(
      ...is.pattern(
        f("storage.storageClass"),
        storageClass,
        /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
        "a StorageClass name",
        `set ${f("storage.storageClass")} to the name of a StorageClass of the cluster (kubectl get storageclass).`,
      ),
    );
  }
  const persistent = appendonly === true || (Array.isArray(save) && save.length > 0);
  if (sizeBytes !== undefined && maxmemoryBytes !== undefined && persistent) {
    const needed = maxmemoryBytes * STORAGE_PER_MAXMEMORY;
    if (sizeBytes < needed) {
      problems.push(
        problem(
          f("storage.size"),
          size,
          `(${formatBytes(sizeBytes)}) cannot hold ${STORAGE_PER_MAXMEMORY} x maxmemory (${formatBytes(needed)}): a snapshot, the AOF and its rewrite need that much.`,
          `set ${f("storage.size")} to at least ${Math.ceil(needed / 2 ** 30)}Gi, or lower ${f("maxmemory")}.`,
        ),
      );
    }
  }

  // Resources: the checks every engine shares, then maxmemory's headroom under the memory limit
  const resources = resolveResources(f("resources"), {
    cpu: nested("resources", "cpu"),
    memory: nested("resources", "memory"),
    cpuLimit: nested("resources", "cpuLimit"),
  });
  problems.push(...resources.problems);
  const { memoryBytes } = resources;
  if (memoryBytes !== undefined && maxmemoryBytes !== undefined) {
    const ceiling = maxmemoryCeiling(memoryBytes);
    if (maxmemoryBytes > ceiling) {
      const neededLimit = Math.ceil(maxmemoryBytes / MAXMEMORY_SHARE_OF_LIMIT / 2 ** 20);
      problems.push(
        problem(
          f("maxmemory"),
          maxmemory,
          `(${formatBytes(maxmemoryBytes)}) leaves too little headroom under the memory limit ${String(resources.value.memory)} (${formatBytes(memoryBytes)}): at most ${MAXMEMORY_SHARE_OF_LIMIT * 100}% (${formatBytes(ceiling)}), the rest is for background saves, buffers and fragmentation, or the node is killed.`,
          `lower ${f("maxmemory")} to at most ${Math.floor(ceiling / 2 ** 20)}mb, or raise ${f("resources.memory")} to at least ${neededLimit}Mi.`,
        ),
      );
    }
  }

  // Docker ports
  const hostPortBase = pick("hostPortBase");
  // replication mode publishes the endpoint and every Sentinel after the nodes (dockerHostPorts).
  const published = (nodes ?? 1) + (replication && typeof sentinels === "number" ? 1 + sentinels : 0);
  const lastPort = 65535 - Math.max(0, published - 1);
  problems.push(
    ...is.integer(
      f("hostPortBase"),
      hostPortBase,
      1024,
      lastPort,
      `set ${f("hostPortBase")} to a port from 1024 to ${lastPort} so all ${published} published ports fit.`,
    ),
  );

  const formationTimeoutSeconds = pick("formationTimeoutSeconds");
  problems.push(...is.integer(f("formationTimeoutSeconds"), formationTimeoutSeconds, 5, 3600));

  // Extra directives (checked against the version by the renderer below)
  const extraRaw = pick("extraConfig");
  const extraConfig: Record<string, string> = {};
  if (!isObject(extraRaw)) {
    problems.push(
      problem(
        f("extraConfig"),
        extraRaw,
        "must be a mapping of directive to value.",
        `write ${f("extraConfig")} as a YAML mapping, e.g. { "tcp-keepalive": 60 }.`,
      ),
    );
  } else {
    for (const [key, value] of Object.entries(extraRaw)) {
      if (typeof value === "boolean") extraConfig[key] = value ? "yes" : "no";
      else if (typeof value === "number" && Number.isFinite(value)) extraConfig[key] = String(value);
      else if (typeof value === "string") extraConfig[key] = value;
      else
        problems.push(
          problem(
            `${f("extraConfig")}.${key}`,
            value,
            "must be a string, number or boolean.",
            `write the value as it would appear after "${key}" in redis.conf.`,
          ),
        );
    }
  }

  if (problems.length > 0) return { problems };

  const settings: ResolvedRedisSettings = {
    mode: mode as RedisMode,
    // In cluster mode the replication fields keep their defaults, unused.
    replicas: replication ? (replicas as number) : REDIS_DEFAULTS.replicas,
    sentinels: replication ? (sentinels as number) : REDIS_DEFAULTS.sentinels,
    sentinelQuorum: replication ? (sentinelQuorum as number) : Math.floor(REDIS_DEFAULTS.sentinels / 2) + 1,
    downAfterMs: downAfterMs as number,
    failoverTimeoutMs: failoverTimeoutMs as number,
    minReplicasToWrite: replication ? (minReplicasToWrite as number) : REDIS_DEFAULTS.minReplicasToWrite,
    minReplicasMaxLagSeconds: minReplicasMaxLagSeconds as number,
    endpointReplicas: endpointReplicas as number,
    masters: masters as number,
    replicasPerMaster: replicasPerMaster as number,
    nodes: nodes!,
    version: versionText as string,
    redisVersion: redisVersion!,
    image: `redis:${versionText as string}`,
    maxmemory: maxmemory as string,
    maxmemoryBytes: maxmemoryBytes!,
    maxmemoryPolicy: policy as string,
    appendonly: appendonly as boolean,
    appendfsync: appendfsync as AppendFsync,
    save: (save as SaveRule[]).map(([s, c]) => [s, c] as SaveRule),
    clusterNodeTimeoutMs: clusterNodeTimeoutMs as number,
    storage: storage.value,
    resources: resources.value,
    hostPortBase: hostPortBase as number,
    extraConfig,
    formationTimeoutSeconds: formationTimeoutSeconds as number,
  };
  // The renderer is the one place that knows which directives each version accepts.
  const rendered = checkRedisConf(settings, field);
  if (rendered.length > 0) return { problems: rendered };
  return { settings, problems: [] };
}

function checkSave(field: string, value: unknown): Problem[] {
  const fix = `write ${field} as a list of [seconds, changes] pairs, e.g. [[60, 1000]], or [] for no snapshots.`;
  if (!Array.isArray(value))
    return [problem(field, value, "must be a list of [seconds, changes] pairs.", fix)];
  if (value.length > 16) return [problem(field, value, "has more than 16 rules.", fix)];
  const out: Problem[] = [];
  value.forEach((rule, i) => {
    if (
      !Array.isArray(rule) ||
      rule.length !== 2 ||
      !rule.every((n) => typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 2 ** 31 - 1)
    ) {
      out.push(
        problem(
          `${field}[${i}]`,
          rule,
          "must be a pair of whole numbers [seconds, changes], each at least 1.",
          fix,
        ),
      );
    }
  });
  return out;
}
