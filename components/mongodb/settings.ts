/**
 * MongoDB settings as a stack writes them under `kato-infra:mongodb`, their defaults (right for `dev`)
 * and their validation. Pure: no Pulumi, no I/O.
 */

import type { FieldDoc } from "../shared/fields";
import { isPinnedImage } from "../shared/images";
import { check, checkKnownKeys, type Problem, problem } from "../shared/problems";
import { formatBytes, parseK8sBytes } from "../shared/quantity";
import { resolveResources, resolveStorage, resourcesSetting, storageSetting } from "../shared/resources";
import { declareSettings, type SettingsInput, type SettingsResolved, setting } from "../shared/settingsDecl";
import { isObject } from "../shared/values";

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

const REPLICA_SET_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;
const VERSION = /^([0-9]+)\.([0-9]+)\.([0-9]+)$/;

function checkMembers(field: string, members: unknown): Problem[] {
  const out = check.integer(field, members, 1, MAX_MEMBERS, `set ${field} to 1, 3, 5 or 7.`);
  if (out.length === 0 && (members as number) % 2 === 0) {
    out.push(
      problem(
        field,
        members,
        "must be odd: with an even number of voting members a network split can leave no majority, and no primary.",
        `set ${field} to ${(members as number) - 1} or ${(members as number) + 1}.`,
      ),
    );
  }
  return out;
}

function checkVersion(field: string, version: unknown): Problem[] {
  const match = typeof version === "string" ? VERSION.exec(version) : null;
  if (!match) {
    return [
      problem(
        field,
        version,
        "must be a full MongoDB release such as 8.0.15 (a moving tag like 8.0 or latest would change the server under a running set).",
        `set ${field} to a patch release, e.g. ${DEFAULT_MONGO_VERSION}.`,
      ),
    ];
  }
  if (Number(match[1]) < MIN_MAJOR) {
    return [
      problem(
        field,
        version,
        `is older than ${MIN_MAJOR}.0: the image has no mongosh, which the health checks use.`,
        `set ${field} to ${DEFAULT_MONGO_VERSION} or another release from ${MIN_MAJOR}.0 on.`,
      ),
    ];
  }
  return [];
}

function checkCache(field: string, value: unknown): Problem[] {
  const cache = cacheSizeGb(value);
  if (cache === undefined) {
    return [
      problem(
        field,
        value,
        "is neither a number of GB nor a quantity.",
        `write ${field} as a number like 0.5, or a quantity like 512Mi.`,
      ),
    ];
  }
  if (cache < MIN_CACHE_GB) {
    return [
      problem(
        field,
        value,
        `is below MongoDB's minimum of ${MIN_CACHE_GB} GB.`,
        `set ${field} to at least ${MIN_CACHE_GB}.`,
      ),
    ];
  }
  return [];
}

const username = (dflt: string, description: string) =>
  setting.pattern({
    default: dflt,
    pattern: USERNAME,
    what: "1 to 64 letters, digits, '.', '_' or '-'",
    fix: (f) => `set ${f} to a plain name such as ${dflt}.`,
    description,
  });

/** Every MongoDB setting, declared once (components/shared/settingsDecl.ts). */
export const MONGO_SETTINGS = declareSettings({
  members: setting.value<number>({
    type: "integer",
    default: 3,
    rules: "1, 3, 5 or 7 (odd, at most 7 voting members)",
    description:
      "Voting members of the replica set. An odd number so a majority always exists; 3 survives one loss.",
    check: checkMembers,
  }),
  replicaSetName: setting.pattern({
    default: "rs0",
    pattern: REPLICA_SET_NAME,
    what: "1 to 64 letters, digits, '_' or '-'",
    fix: (f) => `set ${f} to a name such as rs0 (it goes into every client URI as replicaSet=...).`,
    description:
      "Replica set name clients put in `replicaSet=` (`replication.replSetName`). Fixed for the life of the data: never change it on a running set (the bootstrap refuses).",
  }),
  version: setting.value<string>({
    type: "string",
    default: DEFAULT_MONGO_VERSION,
    rules: `a full major.minor.patch release, ${MIN_MAJOR}.0 or newer (mongosh is in the image)`,
    description: "MongoDB server version; the image is `mongo:<version>`.",
    check: checkVersion,
  }),
  image: setting.value<string>({
    type: "string",
    defaultText: "mongo:<version>",
    rules: "a tag other than `latest`, or a digest",
    description: "Image override, e.g. a mirror of the official image.",
  }),
  wiredTigerCacheSizeGb: setting.value<number, number | string>({
    type: "number | quantity",
    default: MIN_CACHE_GB,
    rules: `at least ${MIN_CACHE_GB} GB; at most max(0.25, (memory - 1 GiB) / 2), MongoDB's own default formula; \`512Mi\` works too`,
    description: "WiredTiger cache of each member in GB (as MongoDB counts them: GiB) or as a quantity.",
    check: checkCache,
  }),
  storage: storageSetting({ size: "5Gi", sizeRules: "a Kubernetes quantity, at least 1Gi", of: "member" }),
  resources: resourcesSetting({
    cpu: "250m",
    memory: "1Gi",
    memoryRules: "a memory quantity, at least 512Mi",
    of: "member",
  }),
  rootUsername: username(
    "root",
    "Administrator the official image creates on first start; its password is generated and kept as a secret.",
  ),
  appUsername: username(
    "kato",
    "User KATO connects with: readWriteAnyDatabase plus dropDatabase on any database. Not the administrator.",
  ),
  hostPortBase: setting.integer({
    default: 27017,
    min: 1024,
    max: 65535,
    rules: "1024 to 65535 - (members - 1)",
    crossField: true,
    description:
      "Docker only: member i publishes its port on hostPortBase + i (bound to 127.0.0.1 by default).",
  }),
  profiling: setting.group(
    {
      mode: setting.oneOf(["off", "slowOp", "all"], {
        default: "off",
        description:
          "`operationProfiling.mode` of every database. With off, operations slower than slowOpThresholdMs are still written to the server log.",
      }),
      slowOpThresholdMs: setting.integer({
        default: 100,
        min: 0,
        max: 3_600_000,
        unit: "ms",
        description: "Operations slower than this are logged (and profiled when mode is slowOp).",
      }),
    },
    { description: "Slow operation profiling for every database." },
  ),
  bootstrapTimeoutSeconds: setting.integer({
    default: 300,
    min: 10,
    max: 3600,
    unit: "s",
    description:
      "How long `pulumi up` waits for every member to answer and for a primary before failing with the member's name.",
  }),
});

/** What a stack writes under `kato-infra:mongodb`. Every field is optional. */
export type MongoSettings = SettingsInput<typeof MONGO_SETTINGS.declarations>;
/** Slow-operation profiling (mongod.conf `operationProfiling`). */
export type MongoProfilingSettings = NonNullable<MongoSettings["profiling"]>;
export type ResolvedMongoSettings = SettingsResolved<typeof MONGO_SETTINGS.declarations>;

export const MONGO_DEFAULTS: ResolvedMongoSettings = {
  ...MONGO_SETTINGS.defaults,
  image: `mongo:${DEFAULT_MONGO_VERSION}`,
};

export const MONGO_FIELDS: readonly FieldDoc[] = MONGO_SETTINGS.fields();

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
  const problems = checkKnownKeys(`${field} (profile defaults)`, base, MONGO_SETTINGS.keys);
  if (raw !== undefined && raw !== null && !isObject(raw)) {
    return { problems: [...checkKnownKeys(field, raw, MONGO_SETTINGS.keys), ...problems] };
  }
  const user = (raw ?? {}) as Record<string, unknown>;
  problems.unshift(...MONGO_SETTINGS.unknownKeys(field, user));
  const s = MONGO_SETTINGS.layer(user, base as Record<string, unknown>);
  const f = (name: string) => `${field}.${name}`;
  problems.push(...MONGO_SETTINGS.checkEach(field, s));

  // The image follows the version unless set.
  const image =
    s.image === undefined
      ? `mongo:${typeof s.version === "string" ? s.version : DEFAULT_MONGO_VERSION}`
      : s.image;
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
  const storage = isObject(s.storage) ? resolveStorage(f("storage"), s.storage) : undefined;
  problems.push(...(storage?.problems ?? []));
  if (storage?.sizeBytes !== undefined && storage.sizeBytes < GIB) {
    problems.push(
      problem(
        f("storage.size"),
        storage.value.size,
        "is below 1Gi: MongoDB preallocates its journal and refuses to work when the disk is nearly full.",
        `set ${f("storage.size")} to at least 1Gi.`,
      ),
    );
  }
  const resources = isObject(s.resources) ? resolveResources(f("resources"), s.resources) : undefined;
  problems.push(...(resources?.problems ?? []));
  const memory = resources?.value.memory;
  const memoryBytes = resources?.memoryBytes;
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

  // The cache against the memory limit
  const cache = cacheSizeGb(s.wiredTigerCacheSizeGb);
  if (
    cache !== undefined &&
    cache >= MIN_CACHE_GB &&
    memoryBytes !== undefined &&
    memoryBytes >= MIN_MEMORY_BYTES &&
    cache > maxCacheSizeGb(memoryBytes)
  ) {
    const max = maxCacheSizeGb(memoryBytes);
    const neededMemory = Math.ceil((cache * 2 + 1) * 4) / 4;
    problems.push(
      problem(
        f("wiredTigerCacheSizeGb"),
        s.wiredTigerCacheSizeGb,
        `is bigger than the memory limit ${memory} (${formatBytes(memoryBytes)}) allows: at most ${round(max)} GB, half of (memory - 1 GiB), or mongod is killed for running out of memory.`,
        `lower ${f("wiredTigerCacheSizeGb")} to ${round(max)} or less, or raise ${f("resources.memory")} to ${neededMemory}Gi.`,
      ),
    );
  }

  if (typeof s.rootUsername === "string" && s.rootUsername === s.appUsername) {
    problems.push(
      problem(
        f("appUsername"),
        s.appUsername,
        `is the same as ${f("rootUsername")}: the application must not run as the administrator.`,
        `give ${f("appUsername")} another name, e.g. kato.`,
      ),
    );
  }

  const members = s.members;
  const lastPortMax = 65535 - ((typeof members === "number" && Number.isInteger(members) ? members : 1) - 1);
  problems.push(
    ...check.integer(
      f("hostPortBase"),
      s.hostPortBase,
      1024,
      lastPortMax,
      `set ${f("hostPortBase")} to a free port from 1024 to ${lastPortMax} (member i uses hostPortBase + i).`,
    ),
  );

  if (problems.length > 0) return { problems };
  const profiling = s.profiling as ResolvedMongoSettings["profiling"];
  return {
    problems,
    settings: {
      members: members as number,
      replicaSetName: s.replicaSetName as string,
      version: s.version as string,
      image: image as string,
      wiredTigerCacheSizeGb: round(cache!),
      storage: storage!.value,
      resources: resources!.value,
      rootUsername: s.rootUsername as string,
      appUsername: s.appUsername as string,
      hostPortBase: s.hostPortBase as number,
      profiling: { mode: profiling.mode, slowOpThresholdMs: profiling.slowOpThresholdMs },
      bootstrapTimeoutSeconds: s.bootstrapTimeoutSeconds as number,
    },
  };
}

function round(n: number): number {
  return Math.floor(n * 100) / 100;
}
