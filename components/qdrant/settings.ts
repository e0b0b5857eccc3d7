/**
 * Qdrant settings: the plain-data object a stack writes under `kato-infra:qdrant`, its defaults
 * (right for `dev`), its documentation and its validation. Pure: no Pulumi, no I/O.
 */
import type { FieldDoc } from "../shared/fields";
import { asSettingsObject, check, checkKnownKeys, type Problem, problem } from "../shared/problems";
import {
  checkStorageClass,
  checkVolumeSize,
  RESOURCE_KEYS,
  type ResolvedResources,
  type ResolvedStorage,
  resolveResources,
  resolveStorage,
  STORAGE_KEYS,
} from "../shared/resources";
import { isObject } from "../shared/values";

export const QDRANT_LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"] as const;
export type QdrantLogLevel = (typeof QDRANT_LOG_LEVELS)[number];

/** Image used when a stack does not choose one: a pinned release, never `latest`. */
export const QDRANT_DEFAULT_IMAGE = "qdrant/qdrant:v1.19.0";

/** Ports inside every container/pod (fixed: peers and probes rely on them). */
export const QDRANT_HTTP_PORT = 6333;
export const QDRANT_GRPC_PORT = 6334;
export const QDRANT_P2P_PORT = 6335;

/** Where the official image keeps its data (WORKDIR is /qdrant). */
export const QDRANT_STORAGE_PATH = "/qdrant/storage";

export interface QdrantStorageSettings {
  /** Volume size per peer, Kubernetes quantity. */
  size?: string;
  /** Kubernetes StorageClass; default: the cluster's default. Ignored on Docker. */
  storageClass?: string;
  /** Keep volumes when the cluster is deleted or scaled down. */
  retainOnDelete?: boolean;
}

export interface QdrantSnapshotSettings {
  /** Directory of snapshots inside the container. */
  path?: string;
  /** Snapshot volume size per peer (Kubernetes quantity). */
  size?: string;
  /** Kubernetes StorageClass of the snapshot volume; default: the cluster's default. */
  storageClass?: string;
}

export interface QdrantResourceSettings {
  cpu?: string;
  memory?: string;
  cpuLimit?: string;
}

/** What a stack writes under `kato-infra:qdrant`. Every field is optional. */
export interface QdrantSettings {
  peers?: number;
  image?: string;
  storage?: QdrantStorageSettings;
  snapshots?: QdrantSnapshotSettings;
  resources?: QdrantResourceSettings;
  hostPortBase?: number;
  grpc?: boolean;
  grpcHostPortBase?: number;
  apiKey?: boolean;
  logLevel?: QdrantLogLevel;
  telemetryDisabled?: boolean;
  consensusTickPeriodMs?: number;
}

export interface ResolvedQdrantSettings {
  peers: number;
  image: string;
  storage: ResolvedStorage;
  snapshots: { path: string; size: string; storageClass?: string };
  resources: ResolvedResources;
  hostPortBase: number;
  grpc: boolean;
  grpcHostPortBase: number;
  apiKey: boolean;
  logLevel: QdrantLogLevel;
  telemetryDisabled: boolean;
  consensusTickPeriodMs: number;
}

export const QDRANT_DEFAULTS: ResolvedQdrantSettings = {
  peers: 3,
  image: QDRANT_DEFAULT_IMAGE,
  storage: { size: "10Gi", retainOnDelete: true },
  snapshots: { path: "/qdrant/snapshots", size: "5Gi" },
  resources: { cpu: "500m", memory: "1Gi" },
  hostPortBase: 6333,
  grpc: false,
  grpcHostPortBase: 7334,
  apiKey: true,
  logLevel: "INFO",
  telemetryDisabled: true,
  consensusTickPeriodMs: 100,
};

/** Qdrant's Raft consensus works with any size, but more than this is not a data tier for KATO. */
export const QDRANT_MAX_PEERS = 15;

export const QDRANT_FIELDS: readonly FieldDoc[] = [
  {
    name: "peers",
    type: "integer",
    default: QDRANT_DEFAULTS.peers,
    description:
      "Number of Qdrant peers in the cluster (1 to 15). Peer 0 starts the cluster; the others join it through its P2P address.",
  },
  {
    name: "image",
    type: "string",
    default: QDRANT_DEFAULTS.image,
    description: "Qdrant image, pinned by tag or digest (`latest` and untagged images are refused).",
  },
  {
    name: "storage",
    type: "{ size, storageClass, retainOnDelete }",
    default: QDRANT_DEFAULTS.storage,
    description:
      "Data volume of each peer: size (Kubernetes quantity), StorageClass (Kubernetes only) and whether volumes are kept when the cluster is deleted (default true).",
  },
  {
    name: "snapshots",
    type: "{ path, size, storageClass }",
    default: QDRANT_DEFAULTS.snapshots,
    description: "Snapshot directory inside the container and the size/StorageClass of its volume.",
  },
  {
    name: "resources",
    type: "{ cpu, memory, cpuLimit }",
    default: QDRANT_DEFAULTS.resources,
    description:
      "CPU and memory requests of each peer; the memory limit equals the request; no CPU limit unless set.",
  },
  {
    name: "hostPortBase",
    type: "integer",
    default: QDRANT_DEFAULTS.hostPortBase,
    description:
      "Docker only: peer i publishes its REST port on the host at hostPortBase + i (on 127.0.0.1 by default). The P2P port is never published.",
  },
  {
    name: "grpc",
    type: "boolean",
    default: QDRANT_DEFAULTS.grpc,
    description: "Serve the gRPC API on port 6334 (KATO uses REST only).",
  },
  {
    name: "grpcHostPortBase",
    type: "integer",
    default: QDRANT_DEFAULTS.grpcHostPortBase,
    description: "Docker only, with grpc: peer i publishes gRPC on the host at grpcHostPortBase + i.",
  },
  {
    name: "apiKey",
    type: "boolean",
    default: QDRANT_DEFAULTS.apiKey,
    description:
      "Require an API key: a read-write and a read-only key are generated and kept as secrets. KATO 3.0.0 cannot send one; set false for it.",
  },
  {
    name: "logLevel",
    type: QDRANT_LOG_LEVELS.map((l) => JSON.stringify(l)).join(" | "),
    default: QDRANT_DEFAULTS.logLevel,
    description: "Qdrant's log level.",
  },
  {
    name: "telemetryDisabled",
    type: "boolean",
    default: QDRANT_DEFAULTS.telemetryDisabled,
    description: "Stop Qdrant from sending anonymous usage statistics to its developers.",
  },
  {
    name: "consensusTickPeriodMs",
    type: "integer",
    default: QDRANT_DEFAULTS.consensusTickPeriodMs,
    description: "How often peers ping each other (ms); Qdrant advises keeping 100.",
  },
];

const TOP_KEYS = QDRANT_FIELDS.map((f) => f.name);
const SNAPSHOT_KEYS = ["path", "size", "storageClass"] as const;

/** `base` then `raw` over the defaults, one level deep for the nested objects. */
function merge(raw: Record<string, unknown>, base: Partial<QdrantSettings>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...QDRANT_DEFAULTS, ...base, ...raw };
  for (const key of ["storage", "snapshots", "resources"] as const) {
    const layers = [QDRANT_DEFAULTS[key], base[key], raw[key]];
    if (layers.every((l) => l === undefined || isObject(l))) {
      out[key] = Object.assign({}, ...layers.filter((l) => l !== undefined));
    }
  }
  return out;
}

/** An image reference pinned by a tag other than `latest`, or by digest. */
export function imageIsPinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return false;
  const tag = lastSegment.slice(colon + 1);
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag) && tag !== "latest";
}

/** Qdrant needs room on its volumes and memory: 0 parses as a quantity but is refused. */
function notZero(field: string, value: unknown, bytes: number | undefined, example: string): Problem[] {
  if (bytes !== 0) return [];
  return [problem(field, value, "must be more than 0.", `set ${field} to a quantity such as "${example}".`)];
}

const PORT_MAX = 65535;

/**
 * Merges `base` (a profile's defaults) and `raw` (the user's object) over the engine defaults and
 * validates the result, returning every problem at once. `field` names the object in messages,
 * e.g. `qdrant` gives `qdrant.peers`.
 */
export function resolveQdrantSettings(
  raw: unknown,
  field: string,
  base: Partial<QdrantSettings> = {},
): { settings?: ResolvedQdrantSettings; problems: Problem[] } {
  const { value: user, problems } = asSettingsObject(field, raw);
  if (problems.length > 0) return { problems };
  problems.push(...checkKnownKeys(field, user, TOP_KEYS));
  for (const [key, allowed] of [
    ["storage", STORAGE_KEYS],
    ["snapshots", SNAPSHOT_KEYS],
    ["resources", RESOURCE_KEYS],
  ] as const) {
    problems.push(...checkKnownKeys(`${field}.${key}`, user[key], allowed));
  }
  const s = merge(user, base);
  const f = (name: string) => `${field}.${name}`;

  problems.push(
    ...check.integer(
      f("peers"),
      s.peers,
      1,
      QDRANT_MAX_PEERS,
      `set ${f("peers")} to a whole number from 1 to ${QDRANT_MAX_PEERS}; 3 keeps the cluster available while one peer is down.`,
    ),
  );
  if (typeof s.image !== "string" || s.image.trim() === "") {
    problems.push(
      problem(
        f("image"),
        s.image,
        "must be an image reference.",
        `set ${f("image")} to e.g. "${QDRANT_DEFAULT_IMAGE}".`,
      ),
    );
  } else if (!imageIsPinned(s.image)) {
    problems.push(
      problem(
        f("image"),
        s.image,
        "is not pinned: without a fixed tag (other than `latest`) or digest a restart can change the server version.",
        `set ${f("image")} to a release tag such as "${QDRANT_DEFAULT_IMAGE}".`,
      ),
    );
  }

  const storage = s.storage;
  let resolvedStorage: ResolvedStorage | undefined;
  if (isObject(storage)) {
    const checked = resolveStorage(f("storage"), storage);
    problems.push(
      ...checked.problems,
      ...notZero(`${f("storage")}.size`, storage.size, checked.sizeBytes, "10Gi"),
    );
    resolvedStorage = checked.value;
  } else {
    problems.push(
      problem(
        f("storage"),
        storage,
        "must be an object.",
        `write ${f("storage")} as { size, storageClass, retainOnDelete }.`,
      ),
    );
  }
  const snapshots = s.snapshots;
  if (isObject(snapshots)) {
    const size = checkVolumeSize(`${f("snapshots")}.size`, snapshots.size);
    problems.push(...size.problems, ...notZero(`${f("snapshots")}.size`, snapshots.size, size.bytes, "5Gi"));
    problems.push(...checkStorageClass(`${f("snapshots")}.storageClass`, snapshots.storageClass));
    if (
      typeof snapshots.path !== "string" ||
      !snapshots.path.startsWith("/") ||
      /[\s'"\\]/.test(snapshots.path)
    ) {
      problems.push(
        problem(
          `${f("snapshots")}.path`,
          snapshots.path,
          "must be an absolute path without spaces or quotes.",
          `set ${f("snapshots")}.path to e.g. "/qdrant/snapshots".`,
        ),
      );
    } else if (
      snapshots.path === QDRANT_STORAGE_PATH ||
      snapshots.path.startsWith(`${QDRANT_STORAGE_PATH}/`)
    ) {
      problems.push(
        problem(
          `${f("snapshots")}.path`,
          snapshots.path,
          `is inside the storage directory ${QDRANT_STORAGE_PATH}, which has its own volume.`,
          `set ${f("snapshots")}.path to a directory outside ${QDRANT_STORAGE_PATH}, e.g. "/qdrant/snapshots".`,
        ),
      );
    }
  } else {
    problems.push(
      problem(
        f("snapshots"),
        snapshots,
        "must be an object.",
        `write ${f("snapshots")} as { path, size, storageClass }.`,
      ),
    );
  }
  const resources = s.resources;
  let resolvedResources: ResolvedResources | undefined;
  if (isObject(resources)) {
    const checked = resolveResources(f("resources"), resources);
    problems.push(
      ...checked.problems,
      ...notZero(`${f("resources")}.memory`, resources.memory, checked.memoryBytes, "1Gi"),
    );
    resolvedResources = checked.value;
  } else {
    problems.push(
      problem(
        f("resources"),
        resources,
        "must be an object.",
        `write ${f("resources")} as { cpu, memory, cpuLimit }.`,
      ),
    );
  }

  const peers = typeof s.peers === "number" && Number.isInteger(s.peers) ? s.peers : 1;
  problems.push(
    ...check.integer(
      f("hostPortBase"),
      s.hostPortBase,
      1024,
      PORT_MAX - peers + 1,
      `set ${f("hostPortBase")} to a port from 1024 to ${PORT_MAX - peers + 1} (peer i uses hostPortBase + i).`,
    ),
  );
  problems.push(...check.boolean(f("grpc"), s.grpc));
  problems.push(
    ...check.integer(
      f("grpcHostPortBase"),
      s.grpcHostPortBase,
      1024,
      PORT_MAX - peers + 1,
      `set ${f("grpcHostPortBase")} to a port from 1024 to ${PORT_MAX - peers + 1} (peer i uses grpcHostPortBase + i).`,
    ),
  );
  if (
    s.grpc === true &&
    typeof s.hostPortBase === "number" &&
    typeof s.grpcHostPortBase === "number" &&
    Math.abs(s.hostPortBase - s.grpcHostPortBase) < peers
  ) {
    problems.push(
      problem(
        f("grpcHostPortBase"),
        s.grpcHostPortBase,
        `overlaps the REST host ports ${s.hostPortBase}..${s.hostPortBase + peers - 1}.`,
        `set ${f("grpcHostPortBase")} at least ${peers} away from ${f("hostPortBase")}, e.g. ${s.hostPortBase + 1000}.`,
      ),
    );
  }
  problems.push(...check.boolean(f("apiKey"), s.apiKey));
  problems.push(...check.oneOf(f("logLevel"), s.logLevel, QDRANT_LOG_LEVELS));
  problems.push(...check.boolean(f("telemetryDisabled"), s.telemetryDisabled));
  problems.push(
    ...check.integer(
      f("consensusTickPeriodMs"),
      s.consensusTickPeriodMs,
      10,
      10_000,
      `set ${f("consensusTickPeriodMs")} to a whole number of milliseconds from 10 to 10000 (Qdrant's default is 100).`,
    ),
  );

  if (problems.length > 0) return { problems };
  const sn = s.snapshots as Record<string, unknown>;
  return {
    problems,
    settings: {
      peers: s.peers as number,
      image: s.image as string,
      storage: resolvedStorage!,
      snapshots: {
        path: sn.path as string,
        size: sn.size as string,
        ...(sn.storageClass !== undefined ? { storageClass: sn.storageClass as string } : {}),
      },
      resources: resolvedResources!,
      hostPortBase: s.hostPortBase as number,
      grpc: s.grpc as boolean,
      grpcHostPortBase: s.grpcHostPortBase as number,
      apiKey: s.apiKey as boolean,
      logLevel: s.logLevel as QdrantLogLevel,
      telemetryDisabled: s.telemetryDisabled as boolean,
      consensusTickPeriodMs: s.consensusTickPeriodMs as number,
    },
  };
}
