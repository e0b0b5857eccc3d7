/**
 * Qdrant settings: the plain-data object a stack writes under `kato-infra:qdrant`, its defaults
 * (right for `dev`), its documentation and its validation. Pure: no Pulumi, no I/O.
 */
import type { FieldDoc } from "../shared/fields";
import { check, checkKnownKeys, type Problem, problem } from "../shared/problems";
import { parseCpuMillis, parseK8sBytes } from "../shared/quantity";

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
  storage: { size: string; storageClass?: string; retainOnDelete: boolean };
  snapshots: { path: string; size: string; storageClass?: string };
  resources: { cpu: string; memory: string; cpuLimit?: string };
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
const STORAGE_KEYS = ["size", "storageClass", "retainOnDelete"] as const;
const SNAPSHOT_KEYS = ["path", "size", "storageClass"] as const;
const RESOURCE_KEYS = ["cpu", "memory", "cpuLimit"] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

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

function quantity(field: string, value: unknown, kind: "bytes" | "cpu", example: string): Problem[] {
  const parse = kind === "bytes" ? parseK8sBytes : parseCpuMillis;
  if (typeof value !== "string" || parse(value) === undefined || parse(value) === 0) {
    return [
      problem(
        field,
        value,
        `must be a Kubernetes ${kind === "bytes" ? "size" : "CPU"} quantity.`,
        `set ${field} to a quantity such as "${example}".`,
      ),
    ];
  }
  return [];
}

function optionalString(field: string, value: unknown): Problem[] {
  if (value === undefined || (typeof value === "string" && value.length > 0)) return [];
  return [problem(field, value, "must be a non-empty string.", `set ${field} to a name, or remove it.`)];
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
  const problems: Problem[] = [];
  if (raw !== undefined && raw !== null && !isObject(raw)) {
    return {
      problems: [
        problem(field, raw, "must be an object.", `write ${field} as a YAML mapping of its fields.`),
      ],
    };
  }
  const user = (raw ?? {}) as Record<string, unknown>;
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
  if (isObject(storage)) {
    problems.push(...quantity(`${f("storage")}.size`, storage.size, "bytes", "10Gi"));
    problems.push(...optionalString(`${f("storage")}.storageClass`, storage.storageClass));
    problems.push(...check.boolean(`${f("storage")}.retainOnDelete`, storage.retainOnDelete));
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
    problems.push(...quantity(`${f("snapshots")}.size`, snapshots.size, "bytes", "5Gi"));
    problems.push(...optionalString(`${f("snapshots")}.storageClass`, snapshots.storageClass));
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
  if (isObject(resources)) {
    problems.push(...quantity(`${f("resources")}.cpu`, resources.cpu, "cpu", "500m"));
    problems.push(...quantity(`${f("resources")}.memory`, resources.memory, "bytes", "1Gi"));
    if (resources.cpuLimit !== undefined) {
      problems.push(...quantity(`${f("resources")}.cpuLimit`, resources.cpuLimit, "cpu", "2"));
      const request = typeof resources.cpu === "string" ? parseCpuMillis(resources.cpu) : undefined;
      const limit = typeof resources.cpuLimit === "string" ? parseCpuMillis(resources.cpuLimit) : undefined;
      if (request !== undefined && limit !== undefined && limit < request) {
        problems.push(
          problem(
            `${f("resources")}.cpuLimit`,
            resources.cpuLimit,
            `is below the CPU request ${JSON.stringify(resources.cpu)}; Kubernetes rejects such a pod.`,
            `raise ${f("resources")}.cpuLimit to at least ${JSON.stringify(resources.cpu)} or remove it.`,
          ),
        );
      }
    }
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
  const st = s.storage as Record<string, unknown>;
  const sn = s.snapshots as Record<string, unknown>;
  const rs = s.resources as Record<string, unknown>;
  return {
    problems,
    settings: {
      peers: s.peers as number,
      image: s.image as string,
      storage: {
        size: st.size as string,
        retainOnDelete: st.retainOnDelete as boolean,
        ...(st.storageClass !== undefined ? { storageClass: st.storageClass as string } : {}),
      },
      snapshots: {
        path: sn.path as string,
        size: sn.size as string,
        ...(sn.storageClass !== undefined ? { storageClass: sn.storageClass as string } : {}),
      },
      resources: {
        cpu: rs.cpu as string,
        memory: rs.memory as string,
        ...(rs.cpuLimit !== undefined ? { cpuLimit: rs.cpuLimit as string } : {}),
      },
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
