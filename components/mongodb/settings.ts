/**
 * MongoDB settings as a stack writes them under `kato-infra:mongodb`, their defaults (right for `dev`)
 * and their validation. Pure: no Pulumi, no I/O.
 */
import type { FieldDoc } from "../shared/fields";
import { check, checkKnownKeys, type Problem, problem } from "../shared/problems";
import { formatBytes, parseK8sBytes } from "../shared/quantity";
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

/** Slow-operation profiling (mongod.conf `operationProfiling`). */
export interface MongoProfilingSettings {
  /** `off` (default: slow operations are still written to the server log), `slowOp` or `all`. */
  mode?: "off" | "slowOp" | "all";
  /** Operations slower than this are logged (and profiled when mode is `slowOp`). Default 100. */
  slowOpThresholdMs?: number;
}

/** What a stack writes under `kato-infra:mongodb`. Every field is optional. */
export interface MongoSettings {
  /** Voting members of the replica set: 1, 3, 5 or 7. Default 3. */
  members?: number;
  /** Replica set name (`replication.replSetName`). Default `rs0`. Never change it on a running set. */
  replicaSetName?: string;
  /** MongoDB server version, a full `major.minor.patch` (pinned). Default {@link DEFAULT_MONGO_VERSION}. */
  version?: string;
  /** Image override (a mirror of the official image); default `mongo:<version>`. Must carry a tag or digest. */
  image?: string;
  /**
   * WiredTiger cache per member: a number of GB (MongoDB's GB are GiB, minimum 0.25) or a Kubernetes
   * quantity (`512Mi`, `1Gi`). Default 0.25.
   */
  wiredTigerCacheSizeGb?: number | string;
  storage?: StorageArgs;
  resources?: ResourceArgs;
  /** Administrator created by the image on first start (role `root`). Default `root`. */
  rootUsername?: string;
  /** Application user KATO connects with. Default `kato`. */
  appUsername?: string;
  /** Docker only: member i publishes its port on `hostPortBase + i`. Default 27017. */
  hostPortBase?: number;
  profiling?: MongoProfilingSettings;
  /** How long the bootstrap waits for every member to answer and for a primary. Default 300. */
  bootstrapTimeoutSeconds?: number;
}

export interface ResolvedMongoSettings {
  members: number;
  replicaSetName: string;
  version: string;
  image: string;
  wiredTigerCacheSizeGb: number;
  storage: ResolvedStorage;
  resources: ResolvedResources;
  rootUsername: string;
  appUsername: string;
  hostPortBase: number;
  profiling: { mode: "off" | "slowOp" | "all"; slowOpThresholdMs: number };
  bootstrapTimeoutSeconds: number;
}

/** A current 8.0 patch release of the official image. */
export const DEFAULT_MONGO_VERSION = "8.0.15";

/** The port every member listens on inside its container or pod. */
export const MONGO_PORT = 27017;

/** mongosh is in the image from 6.0 on; health checks and probes use it. */
const MIN_MAJOR = 6;
const MAX_MEMBERS = 7; // MongoDB allows at most 7 voting members.
const MIN_CACHE_GB = 0.25;
const MIN_MEMORY_BYTES = 512 * 2 ** 20;
const GIB = 2 ** 30;

export const MONGO_DEFAULTS: ResolvedMongoSettings = {
  members: 3,
  replicaSetName: "rs0",
  version: DEFAULT_MONGO_VERSION,
  image: `mongo:${DEFAULT_MONGO_VERSION}`,
  wiredTigerCacheSizeGb: 0.25,
  storage: { size: "5Gi", retainOnDelete: true },
  resources: { cpu: "250m", memory: "1Gi" },
  rootUsername: "root",
  appUsername: "kato",
  hostPortBase: 27017,
  profiling: { mode: "off", slowOpThresholdMs: 100 },
  bootstrapTimeoutSeconds: 300,
};

const KEYS = [
  "members",
  "replicaSetName",
  "version",
  "image",
  "wiredTigerCacheSizeGb",
  "storage",
  "resources",
  "rootUsername",
  "appUsername",
  "hostPortBase",
  "profiling",
  "bootstrapTimeoutSeconds",
] as const;

export const MONGO_FIELDS: readonly FieldDoc[] = [
  {
    name: "members",
    type: "integer (1, 3, 5 or 7)",
    default: 3,
    description:
      "Voting members of the replica set. An odd number so a majority always exists; 3 survives one loss.",
  },
  {
    name: "replicaSetName",
    type: "string",
    default: "rs0",
    description:
      "Replica set name clients put in `replicaSet=`. Fixed for the life of the data: never change it on a running set.",
  },
  {
    name: "version",
    type: "string",
    default: DEFAULT_MONGO_VERSION,
    description:
      "MongoDB server version, pinned to a patch release (`8.0.15`); the image is `mongo:<version>`.",
  },
  {
    name: "image",
    type: "string",
    default: `mongo:${DEFAULT_MONGO_VERSION}`,
    description:
      "Image override, e.g. a mirror of the official image. Needs a tag other than `latest` or a digest.",
  },
  {
    name: "wiredTigerCacheSizeGb",
    type: "number | quantity",
    default: 0.25,
    description:
      "WiredTiger cache of each member in GB (as MongoDB counts them: GiB) or as a quantity (`512Mi`). At least 0.25 and at most half of (memory - 1 GiB), MongoDB's own default formula.",
  },
  {
    name: "storage",
    type: "{ size, storageClass, retainOnDelete }",
    default: { size: "5Gi", retainOnDelete: true },
    description:
      "Data volume of each member. Volumes are kept when the stack is destroyed or scaled down unless retainOnDelete is false.",
  },
  {
    name: "resources",
    type: "{ cpu, memory, cpuLimit }",
    default: { cpu: "250m", memory: "1Gi" },
    description: "CPU request and memory request/limit of each member (memory is never overcommitted).",
  },
  {
    name: "rootUsername",
    type: "string",
    default: "root",
    description:
      "Administrator the official image creates on first start; its password is generated and kept as a secret.",
  },
  {
    name: "appUsername",
    type: "string",
    default: "kato",
    description: "User KATO connects with: readWriteAnyDatabase plus dropDatabase on any database.",
  },
  {
    name: "hostPortBase",
    type: "integer",
    default: 27017,
    description:
      "Docker only: member i publishes its port on hostPortBase + i (bound to 127.0.0.1 by default).",
  },
  {
    name: "profiling",
    type: '{ mode: "off" | "slowOp" | "all", slowOpThresholdMs }',
    default: { mode: "off", slowOpThresholdMs: 100 },
    description:
      "Slow operation profiling for every database. With mode off, operations slower than slowOpThresholdMs are still written to the server log.",
  },
  {
    name: "bootstrapTimeoutSeconds",
    type: "integer",
    default: 300,
    description:
      "How long `pulumi up` waits for every member to answer and for a primary before failing with the member's name.",
  },
];

const REPLICA_SET_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;
const VERSION = /^([0-9]+)\.([0-9]+)\.([0-9]+)$/;

/** GB of a `wiredTigerCacheSizeGb` value, or undefined when it neither is a number nor parses. */
export function cacheSizeGb(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string") {
    const bytes = parseK8sBytes(value);
    return bytes === undefined ? undefined : bytes / GIB;
  }
  return undefined;
}

/** MongoDB's default cache is 50% of (RAM - 1 GB) or 0.25 GB; a bigger cache starves the rest of mongod. */
export function maxCacheSizeGb(memoryBytes: number): number {
  return Math.max(MIN_CACHE_GB, 0.5 * (memoryBytes / GIB - 1));
}

/**
 * Merges `base` (a profile's defaults) and `raw` (the user's object) over the engine defaults and
 * reports every problem at once.
 */
export function resolveMongoSettings(
  raw: unknown,
  field = "mongodb",
  base: Partial<MongoSettings> = {},
): { settings?: ResolvedMongoSettings; problems: Problem[] } {
  const problems: Problem[] = [];
  problems.push(...checkKnownKeys(field, raw, KEYS));
  problems.push(...checkKnownKeys(`${field} (profile defaults)`, base, KEYS));
  if (raw !== undefined && raw !== null && !isObject(raw)) return { problems };
  const user = (raw ?? {}) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base, ...user };
  const pick = <T>(key: (typeof KEYS)[number], dflt: T): unknown =>
    merged[key] === undefined ? dflt : merged[key];
  const f = (name: string) => `${field}.${name}`;
  const d = MONGO_DEFAULTS;

  const members = pick("members", d.members);
  const memberProblems = check.integer(
    f("members"),
    members,
    1,
    MAX_MEMBERS,
    `set ${f("members")} to 1, 3, 5 or 7.`,
  );
  if (memberProblems.length === 0 && (members as number) % 2 === 0) {
    memberProblems.push(
      problem(
        f("members"),
        members,
        "must be odd: with an even number of voting members a network split can leave no majority, and no primary.",
        `set ${f("members")} to ${(members as number) - 1} or ${(members as number) + 1}.`,
      ),
    );
  }
  problems.push(...memberProblems);

  const replicaSetName = pick("replicaSetName", d.replicaSetName);
  problems.push(
    ...check.pattern(
      f("replicaSetName"),
      replicaSetName,
      REPLICA_SET_NAME,
      "1 to 64 letters, digits, '_' or '-'",
      `set ${f("replicaSetName")} to a name such as rs0 (it goes into every client URI as replicaSet=...).`,
    ),
  );

  const version = pick("version", d.version);
  const versionMatch = typeof version === "string" ? VERSION.exec(version) : null;
  if (!versionMatch) {
    problems.push(
      problem(
        f("version"),
        version,
        "must be a full MongoDB release such as 8.0.15 (a moving tag like 8.0 or latest would change the server under a running set).",
        `set ${f("version")} to a patch release, e.g. ${DEFAULT_MONGO_VERSION}.`,
      ),
    );
  } else if (Number(versionMatch[1]) < MIN_MAJOR) {
    problems.push(
      problem(
        f("version"),
        version,
        `is older than ${MIN_MAJOR}.0: the image has no mongosh, which the health checks use.`,
        `set ${f("version")} to ${DEFAULT_MONGO_VERSION} or another release from ${MIN_MAJOR}.0 on.`,
      ),
    );
  }

  const image =
    merged.image === undefined ? `mongo:${typeof version === "string" ? version : d.version}` : merged.image;
  if (typeof image !== "string" || !isPinnedImage(image)) {
    problems.push(
      problem(
        f("image"),
        image,
        "must name an image with a tag other than latest, or a digest (@sha256:...).",
        `set ${f("image")} to e.g. registry.example.com/mongo:${DEFAULT_MONGO_VERSION}, or remove it to use the official image.`,
      ),
    );
  }

  // storage and resources: the checks every engine shares, then MongoDB's minimums
  const storageRaw = merged.storage === undefined ? {} : merged.storage;
  problems.push(...checkKnownKeys(f("storage"), storageRaw, STORAGE_KEYS));
  const storageIn = isObject(storageRaw) ? storageRaw : {};
  const storage = resolveStorage(f("storage"), {
    size: storageIn.size ?? d.storage.size,
    storageClass: storageIn.storageClass,
    retainOnDelete: storageIn.retainOnDelete ?? d.storage.retainOnDelete,
  });
  problems.push(...storage.problems);
  if (storage.sizeBytes !== undefined && storage.sizeBytes < GIB) {
    problems.push(
      problem(
        f("storage.size"),
        storage.value.size,
        "is below 1Gi: MongoDB preallocates its journal and refuses to work when the disk is nearly full.",
        `set ${f("storage.size")} to at least 1Gi.`,
      ),
    );
  }

  const resourcesRaw = merged.resources === undefined ? {} : merged.resources;
  problems.push(...checkKnownKeys(f("resources"), resourcesRaw, RESOURCE_KEYS));
  const resourcesIn = isObject(resourcesRaw) ? resourcesRaw : {};
  const resources = resolveResources(f("resources"), {
    cpu: resourcesIn.cpu ?? d.resources.cpu,
    memory: resourcesIn.memory ?? d.resources.memory,
    cpuLimit: resourcesIn.cpuLimit,
  });
  problems.push(...resources.problems);
  const { memory } = resources.value;
  const { memoryBytes } = resources;
  if (memoryBytes !== undefined && memoryBytes < MIN_MEMORY_BYTES) {
    problems.push(
      problem(
        f("resources.memory"),
        memory,
        `is below 512Mi: mongod needs its ${MIN_CACHE_GB} GB minimum cache plus room for connections and the journal.`,
        `set ${f("resources.memory")} to at least 512Mi (1Gi recommended).`,
      ),
    );
  }

  // cache
  const cacheRaw = pick("wiredTigerCacheSizeGb", d.wiredTigerCacheSizeGb);
  const cache = cacheSizeGb(cacheRaw);
  if (cache === undefined) {
    problems.push(
      problem(
        f("wiredTigerCacheSizeGb"),
        cacheRaw,
        "is neither a number of GB nor a quantity.",
        `write ${f("wiredTigerCacheSizeGb")} as a number like 0.5, or a quantity like 512Mi.`,
      ),
    );
  } else if (cache < MIN_CACHE_GB) {
    problems.push(
      problem(
        f("wiredTigerCacheSizeGb"),
        cacheRaw,
        `is below MongoDB's minimum of ${MIN_CACHE_GB} GB.`,
        `set ${f("wiredTigerCacheSizeGb")} to at least ${MIN_CACHE_GB}.`,
      ),
    );
  } else if (
    memoryBytes !== undefined &&
    memoryBytes >= MIN_MEMORY_BYTES &&
    cache > maxCacheSizeGb(memoryBytes)
  ) {
    const max = maxCacheSizeGb(memoryBytes);
    const neededMemory = Math.ceil((cache * 2 + 1) * 4) / 4;
    problems.push(
      problem(
        f("wiredTigerCacheSizeGb"),
        cacheRaw,
        `is bigger than the memory limit ${memory} (${formatBytes(memoryBytes)}) allows: at most ${round(max)} GB, half of (memory - 1 GiB), or mongod is killed for running out of memory.`,
        `lower ${f("wiredTigerCacheSizeGb")} to ${round(max)} or less, or raise ${f("resources.memory")} to ${neededMemory}Gi.`,
      ),
    );
  }

  const rootUsername = pick("rootUsername", d.rootUsername);
  const appUsername = pick("appUsername", d.appUsername);
  for (const [name, value] of [
    ["rootUsername", rootUsername],
    ["appUsername", appUsername],
  ] as const) {
    problems.push(
      ...check.pattern(
        f(name),
        value,
        USERNAME,
        "1 to 64 letters, digits, '.', '_' or '-'",
        `set ${f(name)} to a plain name such as ${name === "rootUsername" ? "root" : "kato"}.`,
      ),
    );
  }
  if (typeof rootUsername === "string" && rootUsername === appUsername) {
    problems.push(
      problem(
        f("appUsername"),
        appUsername,
        `is the same as ${f("rootUsername")}: the application must not run as the administrator.`,
        `give ${f("appUsername")} another name, e.g. kato.`,
      ),
    );
  }

  const hostPortBase = pick("hostPortBase", d.hostPortBase);
  const lastPortMax = 65535 - ((typeof members === "number" && Number.isInteger(members) ? members : 1) - 1);
  problems.push(
    ...check.integer(
      f("hostPortBase"),
      hostPortBase,
      1024,
      lastPortMax,
      `set ${f("hostPortBase")} to a free port from 1024 to ${lastPortMax} (member i uses hostPortBase + i).`,
    ),
  );

  const profilingRaw = merged.profiling === undefined ? {} : merged.profiling;
  problems.push(...checkKnownKeys(f("profiling"), profilingRaw, ["mode", "slowOpThresholdMs"]));
  const profilingIn = isObject(profilingRaw) ? profilingRaw : {};
  const mode = profilingIn.mode ?? d.profiling.mode;
  problems.push(...check.oneOf(f("profiling.mode"), mode, ["off", "slowOp", "all"] as const));
  const slowOpThresholdMs = profilingIn.slowOpThresholdMs ?? d.profiling.slowOpThresholdMs;
  problems.push(...check.integer(f("profiling.slowOpThresholdMs"), slowOpThresholdMs, 0, 3_600_000));

  const bootstrapTimeoutSeconds = pick("bootstrapTimeoutSeconds", d.bootstrapTimeoutSeconds);
  problems.push(...check.integer(f("bootstrapTimeoutSeconds"), bootstrapTimeoutSeconds, 10, 3600));

  if (problems.length > 0) return { problems };
  return {
    problems,
    settings: {
      members: members as number,
      replicaSetName: replicaSetName as string,
      version: version as string,
      image: image as string,
      wiredTigerCacheSizeGb: round(cache!),
      storage: storage.value,
      resources: resources.value,
      rootUsername: rootUsername as string,
      appUsername: appUsername as string,
      hostPortBase: hostPortBase as number,
      profiling: { mode: mode as "off" | "slowOp" | "all", slowOpThresholdMs: slowOpThresholdMs as number },
      bootstrapTimeoutSeconds: bootstrapTimeoutSeconds as number,
    },
  };
}

function round(n: number): number {
  return Math.floor(n * 100) / 100;
}

/** A tag that is not `latest`, or a digest. */
export function isPinnedImage(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSlash = image.lastIndexOf("/");
  const lastPart = image.slice(lastSlash + 1);
  const colon = lastPart.lastIndexOf(":");
  if (colon <= 0) return false;
  const tag = lastPart.slice(colon + 1);
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag) && tag !== "latest";
}
