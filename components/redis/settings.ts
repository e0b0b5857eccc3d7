/**
 * Redis Cluster settings as a stack writes them under `kato-infra:redis`, their defaults (right for
 * `dev`), and their validation. Pure: no Pulumi, no I/O.
 */
import type { FieldDoc } from "../shared/fields";
import { asSettingsObject, check as is, type Problem, problem } from "../shared/problems";
import { formatBytes, parseRedisBytes } from "../shared/quantity";
import { resolveResources, resolveStorage, resourcesSetting, storageSetting } from "../shared/resources";
import { declareSettings, type SettingsInput, type SettingsResolved, setting } from "../shared/settingsDecl";
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
export const REDIS_MODES = ["cluster", "replication"] as const satisfies readonly RedisMode[];

/** One `save <seconds> <changes>` rule: snapshot when at least `changes` keys changed within `seconds`. */
export type SaveRule = [seconds: number, changes: number];

/** Share of the container memory limit `maxmemory` may take; the rest is headroom for the fork of a
 * background save (copy-on-write), client and replication buffers, and allocator fragmentation. */
export const MAXMEMORY_SHARE_OF_LIMIT = 0.75;

/** The volume must hold an RDB snapshot, the AOF and a rewrite in progress: about twice the data. */
export const STORAGE_PER_MAXMEMORY = 2;

const DEFAULT_VERSION = "7.4.5";

function checkSentinels(field: string, sentinels: unknown): Problem[] {
  const out = is.integer(field, sentinels, 3, 7);
  if (out.length === 0 && (sentinels as number) % 2 === 0) {
    out.push(
      problem(
        field,
        sentinels,
        "must be odd: a failover needs a majority of the Sentinels, and an even number tolerates no more losses than one fewer.",
        `set ${field} to ${(sentinels as number) - 1} or ${(sentinels as number) + 1}.`,
      ),
    );
  }
  return out;
}

/** The version as written: a pinned 7.0+ release Redis publishes. Its parsed form, when it is one. */
function checkedVersion(
  field: string,
  versionText: unknown,
): { version?: RedisVersion; problems: Problem[] } {
  if (typeof versionText !== "string" || !parseRedisVersion(versionText)) {
    return {
      problems: [
        problem(
          field,
          versionText,
          "is not a Redis version.",
          `set ${field} to a release such as "${DEFAULT_VERSION}".`,
        ),
      ],
    };
  }
  const parsed = parseRedisVersion(versionText)!;
  const unknown = unknownSeriesReason(parsed);
  if (unknown) {
    return {
      problems: [
        problem(
          field,
          versionText,
          unknown,
          `set ${field} to a 7.x or 8.x release such as "${DEFAULT_VERSION}".`,
        ),
      ],
    };
  }
  if (!versionAtLeast(parsed, MIN_CLUSTER_SERIES)) {
    // The renderer reports the missing directives too; this says what it means for the user.
    return {
      problems: [
        problem(
          field,
          versionText,
          `Redis ${parsed.major}.${parsed.minor} cannot announce stable hostnames to its cluster (cluster-announce-hostname arrived in ${MIN_CLUSTER_SERIES}), so nodes would be lost whenever a container or pod gets a new IP.`,
          `set ${field} to ${MIN_CLUSTER_SERIES} or later, e.g. "${DEFAULT_VERSION}".`,
        ),
      ],
    };
  }
  if (parsed.patch === undefined) {
    return {
      problems: [
        problem(
          field,
          versionText,
          `is a moving tag: redis:${versionText} changes whenever a patch release comes out.`,
          `pin a patch release, e.g. "${parsed.major}.${parsed.minor}.0" or later patch of that series.`,
        ),
      ],
    };
  }
  return { version: parsed, problems: [] };
}

function checkMaxmemory(field: string, maxmemory: unknown): Problem[] {
  const bytes = typeof maxmemory === "string" ? parseRedisBytes(maxmemory) : undefined;
  if (bytes === undefined) {
    return [
      problem(
        field,
        maxmemory,
        "is not a Redis memory size.",
        `write it in Redis units, e.g. "2gb", "512mb" (1gb = 1024 mb; 1g = 10^9 bytes).`,
      ),
    ];
  }
  if (bytes < 2 ** 20) {
    return [
      problem(
        field,
        maxmemory,
        "is below 1 MiB (0 would mean no limit, and the container would be killed instead of Redis evicting).",
        `set ${field} to the data size each node may hold, e.g. "2gb".`,
      ),
    ];
  }
  return [];
}

/** Every Redis setting, declared once (components/shared/settingsDecl.ts). */
export const REDIS_SETTINGS = declareSettings({
  mode: setting.oneOf(REDIS_MODES, {
    default: "cluster",
    description:
      "cluster: a Redis Cluster (clients must follow MOVED redirections). replication: one primary, replicas, a Sentinel quorum and one stable endpoint that always reaches the current primary, for single-node clients such as KATO 3.0's. The fields of the other mode are refused when a stack sets them (a profile's are ignored).",
  }),
  replicas: setting.integer({
    default: 2,
    min: 1,
    max: 5,
    only: "replication",
    fix: (f) => `set ${f} to a whole number from 1 to 5 (Sentinel can only fail over to a replica).`,
    description: "Replicas of the primary; Sentinel promotes one when the primary fails.",
  }),
  sentinels: setting.value<number>({
    type: "integer",
    default: 3,
    rules: "3, 5 or 7 (odd)",
    only: "replication",
    description: "Sentinel processes, odd so a majority can authorize a failover.",
    check: checkSentinels,
  }),
  sentinelQuorum: setting.optionalInteger({
    min: 2,
    max: 7,
    rules: "from a majority of sentinels to sentinels",
    defaultText: "a majority of sentinels",
    only: "replication",
    crossField: true,
    description:
      "Sentinels that must agree the primary is down before a failover starts. Below a majority, the two sides of a partition could each judge it down.",
  }),
  downAfterMs: setting.integer({
    default: 5000,
    min: 1000,
    max: 600_000,
    unit: "ms",
    only: "replication",
    description:
      "Sentinel down-after-milliseconds (Sentinel's own default is 30000): how long the primary may not answer before it is judged down. Lower fails over sooner; higher tolerates longer pauses.",
  }),
  failoverTimeoutMs: setting.integer({
    default: 10_000,
    min: 10_000,
    max: 3_600_000,
    unit: "ms",
    only: "replication",
    description:
      "Sentinel failover-timeout (Sentinel's default is 180000). A failover whose election split the Sentinels' votes is retried after twice this, so it bounds the worst-case failover time.",
  }),
  minReplicasToWrite: setting.integer({
    default: 1,
    min: 0,
    max: 5,
    rules: "0 to replicas",
    only: "replication",
    crossField: true,
    description:
      "The primary refuses writes unless this many replicas are connected and at most minReplicasMaxLagSeconds behind (min-replicas-to-write); bounds the writes a primary cut off from the others can accept. 0 turns the guard off.",
  }),
  minReplicasMaxLagSeconds: setting.integer({
    default: 10,
    min: 1,
    max: 3600,
    unit: "s",
    only: "replication",
    description: "min-replicas-max-lag: the lag a replica may have and still count for minReplicasToWrite.",
  }),
  endpointReplicas: setting.integer({
    default: 2,
    min: 1,
    max: 10,
    only: "replication",
    description: "Kubernetes: HAProxy pods behind the stable endpoint's Service (Docker runs one).",
  }),
  masters: setting.integer({
    default: 3,
    min: 3,
    max: 100,
    only: "cluster",
    fix: (f) => `set ${f} to a whole number from 3 to 100 (Redis Cluster needs 3 masters for a majority).`,
    description:
      "Number of masters (shards). The 16384 hash slots are split evenly over them; at least 3 so a majority of masters survives losing one.",
  }),
  replicasPerMaster: setting.integer({
    default: 1,
    min: 0,
    max: 5,
    only: "cluster",
    description: "Replicas of each master; a replica takes over when its master fails. 0 means no failover.",
  }),
  nodes: setting.optionalInteger({
    min: 3,
    max: 600,
    rules: "3 to 600, equal to masters x (1 + replicasPerMaster) (replication: 1 + replicas)",
    description: "Optional total number of nodes, as a check of the topology.",
  }),
  version: setting.value<string>({
    type: "string",
    default: DEFAULT_VERSION,
    rules: `a patch release (\`7.4\` moves) of ${MIN_CLUSTER_SERIES} or later; a tag suffix such as \`-alpine\` is kept`,
    description:
      "Redis server version (image redis:<version>). From 7.0 on the cluster announces stable hostnames.",
    check: (f, v) => checkedVersion(f, v).problems,
  }),
  maxmemory: setting.value<string>({
    type: "string (Redis units: 2gb, 512mb, 1g)",
    default: "2gb",
    rules: `at least 1mb (0, no limit, is refused); at most ${MAXMEMORY_SHARE_OF_LIMIT * 100}% of resources.memory`,
    description:
      "Memory limit of each node's data (`maxmemory`); the rest of the container's memory is headroom for background saves and buffers.",
    check: checkMaxmemory,
  }),
  maxmemoryPolicy: setting.value<string>({
    type: "string",
    default: "allkeys-lru",
    rules: `${ALL_EVICTION_POLICIES.join(", ")} (the lrm pair needs 8.6+)`,
    description: "What Redis evicts when maxmemory is reached (`maxmemory-policy`).",
  }),
  appendonly: setting.boolean({
    default: true,
    description:
      "Log every write to the append-only file, so a restart loses at most about a second of writes.",
  }),
  appendfsync: setting.oneOf(["always", "everysec", "no"], {
    default: "everysec",
    description: "How often the append-only file is flushed to disk.",
  }),
  save: setting.value<SaveRule[]>({
    type: "[seconds, changes][]",
    default: [[60, 1000]],
    rules: "at most 16 pairs of whole numbers, each at least 1; [] for none",
    description:
      'RDB snapshot rules: snapshot when at least `changes` keys changed within `seconds`. [] renders `save ""` (no snapshots).',
    check: checkSave,
  }),
  clusterNodeTimeoutMs: setting.integer({
    default: 5000,
    min: 1000,
    max: 120_000,
    unit: "ms",
    only: "cluster",
    description:
      "`cluster-node-timeout`: how long a node may be unreachable before the others fail it over. Lower fails over sooner; higher tolerates longer pauses.",
  }),
  storage: storageSetting({
    size: "8Gi",
    sizeRules: `a Kubernetes quantity; at least ${STORAGE_PER_MAXMEMORY} x maxmemory when persistence is on (snapshot, AOF and a rewrite)`,
    of: "node",
  }),
  resources: resourcesSetting({
    cpu: "500m",
    memory: "3Gi",
    memoryRules: `a memory quantity; maxmemory is at most ${MAXMEMORY_SHARE_OF_LIMIT * 100}% of it`,
    of: "node",
  }),
  hostPortBase: setting.integer({
    default: 7000,
    min: 1024,
    max: 65535,
    rules: "1024 to 65535 - (published ports - 1)",
    crossField: true,
    description:
      "Docker only: node i publishes its client port on hostPortBase + i, bound to the publish address. replication: the endpoint publishes on hostPortBase + nodes, Sentinel j on hostPortBase + nodes + 1 + j.",
  }),
  extraConfig: setting.value<Record<string, string>, Record<string, string | number | boolean>>({
    type: "map of directive to value",
    default: {},
    rules:
      "directives the version knows, except those kato-infra renders (persistence, memory, cluster, auth); one-line values",
    description: "More redis.conf directives (`tcp-keepalive: 60`; booleans become yes/no).",
  }),
  formationTimeoutSeconds: setting.integer({
    default: 180,
    min: 5,
    max: 3600,
    unit: "s",
    description:
      "How long forming or repairing the cluster may wait for every node to agree before it fails.",
  }),
});

/** What a stack writes under `kato-infra:redis`. Every field is optional. */
export type RedisSettings = SettingsInput<typeof REDIS_SETTINGS.declarations>;

export type ResolvedRedisSettings = Omit<
  SettingsResolved<typeof REDIS_SETTINGS.declarations>,
  "nodes" | "sentinelQuorum"
> & {
  /** replication: Sentinels that must agree (cluster: a majority of the default, unused). */
  sentinelQuorum: number;
  /** redis-server nodes: masters x (1 + replicasPerMaster), in both modes (replication: masters 1). */
  nodes: number;
  /** Parsed `version`. */
  redisVersion: RedisVersion;
  /** `redis:<version>`. */
  image: string;
  /** `maxmemory` in bytes, as CONFIG GET reports it. */
  maxmemoryBytes: number;
};

export const REDIS_DEFAULTS = REDIS_SETTINGS.defaults;

/** Fields that only mean something in replication mode, and the cluster-only ones. */
export const REPLICATION_KEYS: readonly string[] = REDIS_SETTINGS.keysOnly("replication");
export const CLUSTER_KEYS: readonly string[] = REDIS_SETTINGS.keysOnly("cluster");

export const REDIS_FIELDS: readonly FieldDoc[] = REDIS_SETTINGS.fields();

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
  problems.push(...REDIS_SETTINGS.unknownKeys(field, user));
  const s = REDIS_SETTINGS.layer(user, base as Record<string, unknown>);
  const f = (name: string) => `${field}.${name}`;

  // Mode: the fields of the other mode are refused when the stack sets them (a profile's are ignored).
  const mode = s.mode;
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
  // The one-field checks; the other mode's topology fields are not checked (they are unused).
  problems.push(
    ...REDIS_SETTINGS.checkEach(field, s, replication ? ["masters", "replicasPerMaster"] : REPLICATION_KEYS),
  );

  const { replicas, sentinels, minReplicasToWrite } = s;
  let sentinelQuorum = s.sentinelQuorum;
  if (replication) {
    if (checkSentinels(f("sentinels"), sentinels).length === 0) {
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
  }

  // Topology
  const masters = replication ? 1 : s.masters;
  const replicasPerMaster = replication ? s.replicas : s.replicasPerMaster;
  const topologyOk = problems.every(
    (p) =>
      p.field !== f("masters") &&
      p.field !== f("replicasPerMaster") &&
      (!replication || p.field !== f("replicas")),
  );
  const nodes = topologyOk ? (masters as number) * (1 + (replicasPerMaster as number)) : undefined;
  const nodesGiven = s.nodes;
  if (
    nodesGiven !== undefined &&
    is.integer(f("nodes"), nodesGiven, 3, 600).length === 0 &&
    nodes !== undefined &&
    nodesGiven !== nodes
  ) {
    problems.push(
      replication
        ? problem(
            f("nodes"),
            nodesGiven,
            `does not fit one primary with ${String(replicas)} replica(s), which makes ${nodes} nodes.`,
            `set ${f("nodes")} to ${nodes}, or remove it and set ${f("replicas")} to ${(nodesGiven as number) - 1}.`,
          )
        : problem(
            f("nodes"),
            nodesGiven,
            `does not fit ${masters} masters with ${replicasPerMaster} replica(s) each, which makes ${nodes} nodes.`,
            `set ${f("nodes")} to ${nodes}, or remove it and choose ${f("masters")} and ${f("replicasPerMaster")} so that masters x (1 + replicasPerMaster) = ${nodesGiven}.`,
          ),
    );
  }

  // The eviction policy against the version
  const versionText = s.version;
  const redisVersion = checkedVersion(f("version"), versionText).version;
  const policy = s.maxmemoryPolicy;
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
  const maxmemory = s.maxmemory;
  const parsedMaxmemory = typeof maxmemory === "string" ? parseRedisBytes(maxmemory) : undefined;
  const maxmemoryBytes = checkMaxmemory(f("maxmemory"), maxmemory).length === 0 ? parsedMaxmemory : undefined;

  // Storage: the checks every engine shares, then a StorageClass name and room for persistence
  const storageIn = isObject(s.storage) ? s.storage : undefined;
  const storage = storageIn ? resolveStorage(f("storage"), storageIn) : undefined;
  problems.push(...(storage?.problems ?? []));
  const storageClass = storage?.value.storageClass;
  if (storageClass !== undefined && storage!.problems.every((p) => p.field !== f("storage.storageClass"))) {
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
  const { appendonly, save } = s;
  const persistent = appendonly === true || (Array.isArray(save) && save.length > 0);
  const sizeBytes = storage?.sizeBytes;
  if (sizeBytes !== undefined && maxmemoryBytes !== undefined && persistent) {
    const needed = maxmemoryBytes * STORAGE_PER_MAXMEMORY;
    if (sizeBytes < needed) {
      problems.push(
        problem(
          f("storage.size"),
          storage!.value.size,
          `(${formatBytes(sizeBytes)}) cannot hold ${STORAGE_PER_MAXMEMORY} x maxmemory (${formatBytes(needed)}): a snapshot, the AOF and its rewrite need that much.`,
          `set ${f("storage.size")} to at least ${Math.ceil(needed / 2 ** 30)}Gi, or lower ${f("maxmemory")}.`,
        ),
      );
    }
  }

  // Resources: the checks every engine shares, then maxmemory's headroom under the memory limit
  const resources = isObject(s.resources) ? resolveResources(f("resources"), s.resources) : undefined;
  problems.push(...(resources?.problems ?? []));
  const memoryBytes = resources?.memoryBytes;
  if (memoryBytes !== undefined && maxmemoryBytes !== undefined) {
    const ceiling = maxmemoryCeiling(memoryBytes);
    if (maxmemoryBytes > ceiling) {
      const neededLimit = Math.ceil(maxmemoryBytes / MAXMEMORY_SHARE_OF_LIMIT / 2 ** 20);
      problems.push(
        problem(
          f("maxmemory"),
          maxmemory,
          `(${formatBytes(maxmemoryBytes)}) leaves too little headroom under the memory limit ${String(resources!.value.memory)} (${formatBytes(memoryBytes)}): at most ${MAXMEMORY_SHARE_OF_LIMIT * 100}% (${formatBytes(ceiling)}), the rest is for background saves, buffers and fragmentation, or the node is killed.`,
          `lower ${f("maxmemory")} to at most ${Math.floor(ceiling / 2 ** 20)}mb, or raise ${f("resources.memory")} to at least ${neededLimit}Mi.`,
        ),
      );
    }
  }

  // Docker ports: replication mode publishes the endpoint and every Sentinel after the nodes (dockerHostPorts).
  const published = (nodes ?? 1) + (replication && typeof sentinels === "number" ? 1 + sentinels : 0);
  const lastPort = 65535 - Math.max(0, published - 1);
  problems.push(
    ...is.integer(
      f("hostPortBase"),
      s.hostPortBase,
      1024,
      lastPort,
      `set ${f("hostPortBase")} to a port from 1024 to ${lastPort} so all ${published} published ports fit.`,
    ),
  );

  // Extra directives (checked against the version by the renderer below)
  const extraRaw = s.extraConfig;
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

  const d = REDIS_DEFAULTS;
  const settings: ResolvedRedisSettings = {
    mode: mode as RedisMode,
    // In cluster mode the replication fields keep their defaults, unused.
    replicas: replication ? (replicas as number) : d.replicas,
    sentinels: replication ? (sentinels as number) : d.sentinels,
    sentinelQuorum: replication ? (sentinelQuorum as number) : Math.floor(d.sentinels / 2) + 1,
    downAfterMs: s.downAfterMs as number,
    failoverTimeoutMs: s.failoverTimeoutMs as number,
    minReplicasToWrite: replication ? (minReplicasToWrite as number) : d.minReplicasToWrite,
    minReplicasMaxLagSeconds: s.minReplicasMaxLagSeconds as number,
    endpointReplicas: s.endpointReplicas as number,
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
    appendfsync: s.appendfsync as AppendFsync,
    save: (save as SaveRule[]).map(([sec, c]) => [sec, c] as SaveRule),
    clusterNodeTimeoutMs: s.clusterNodeTimeoutMs as number,
    storage: storage!.value,
    resources: resources!.value,
    hostPortBase: s.hostPortBase as number,
    extraConfig,
    formationTimeoutSeconds: s.formationTimeoutSeconds as number,
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
