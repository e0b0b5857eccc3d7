/**
 * Qdrant settings: the plain-data object a stack writes under `kato-infra:qdrant`, its defaults
 * (right for `dev`), its documentation and its validation. Pure: no Pulumi, no I/O.
 */

import type { FieldDoc } from "../shared/fields";
import { isPinnedImage } from "../shared/images";
import { asSettingsObject, check, type Problem, problem } from "../shared/problems";
import {
  checkStorageClass,
  checkVolumeSize,
  type ResolvedResources,
  type ResolvedStorage,
  resolveResources,
  resolveStorage,
  resourcesSetting,
  storageSetting,
} from "../shared/resources";
import { declareSettings, type SettingsInput, type SettingsResolved, setting } from "../shared/settingsDecl";
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

/** Qdrant's Raft consensus works with any size, but more than this is not a data tier for KATO. */
export const QDRANT_MAX_PEERS = 15;

const PORT_MAX = 65535;

/** Qdrant needs room on its volumes and memory: 0 parses as a quantity but is refused. */
function notZero(field: string, value: unknown, bytes: number | undefined, example: string): Problem[] {
  if (bytes !== 0) return [];
  return [problem(field, value, "must be more than 0.", `set ${field} to a quantity such as "${example}".`)];
}

function checkImage(field: string, image: unknown): Problem[] {
  if (typeof image !== "string" || image.trim() === "") {
    return [
      problem(field, image, "must be an image reference.", `set ${field} to e.g. "${QDRANT_DEFAULT_IMAGE}".`),
    ];
  }
  if (!isPinnedImage(image)) {
    return [
      problem(
        field,
        image,
        "is not pinned: without a fixed tag (other than `latest`) or digest a restart can change the server version.",
        `set ${field} to a release tag such as "${QDRANT_DEFAULT_IMAGE}".`,
      ),
    ];
  }
  return [];
}

function checkSnapshotPath(field: string, path: unknown): Problem[] {
  if (typeof path !== "string" || !path.startsWith("/") || /[\s'"\\]/.test(path)) {
    return [
      problem(
        field,
        path,
        "must be an absolute path without spaces or quotes.",
        `set ${field} to e.g. "/qdrant/snapshots".`,
      ),
    ];
  }
  if (path === QDRANT_STORAGE_PATH || path.startsWith(`${QDRANT_STORAGE_PATH}/`)) {
    return [
      problem(
        field,
        path,
        `is inside the storage directory ${QDRANT_STORAGE_PATH}, which has its own volume.`,
        `set ${field} to a directory outside ${QDRANT_STORAGE_PATH}, e.g. "/qdrant/snapshots".`,
      ),
    ];
  }
  return [];
}

function checkSnapshotSize(field: string, size: unknown): Problem[] {
  const checked = checkVolumeSize(field, size);
  return [...checked.problems, ...notZero(field, size, checked.bytes, "5Gi")];
}

/** Every Qdrant setting, declared once (components/shared/settingsDecl.ts). */
export const QDRANT_SETTINGS = declareSettings({
  peers: setting.integer({
    default: 3,
    min: 1,
    max: QDRANT_MAX_PEERS,
    fix: (f) =>
      `set ${f} to a whole number from 1 to ${QDRANT_MAX_PEERS}; 3 keeps the cluster available while one peer is down.`,
    description:
      "Number of Qdrant peers in the cluster. Peer 0 starts the cluster; the others join it through its P2P address.",
  }),
  image: setting.value<string>({
    type: "string",
    default: QDRANT_DEFAULT_IMAGE,
    rules: "pinned by a tag other than `latest`, or by digest",
    description: "Qdrant image.",
    check: checkImage,
  }),
  storage: storageSetting({ size: "10Gi", sizeRules: "a Kubernetes quantity, more than 0", of: "peer" }),
  snapshots: setting.group(
    {
      path: setting.value<string>({
        type: "string",
        default: "/qdrant/snapshots",
        rules: `an absolute path without spaces or quotes, outside ${QDRANT_STORAGE_PATH}`,
        description: "Directory of the snapshots inside the container.",
        check: checkSnapshotPath,
      }),
      size: setting.value<string>({
        type: "quantity",
        default: "5Gi",
        rules: "a Kubernetes quantity, more than 0",
        description: "Snapshot volume of each peer.",
        check: checkSnapshotSize,
      }),
      storageClass: setting.value<string | undefined>({
        type: "string",
        rules: "a StorageClass name",
        description: "Kubernetes StorageClass of the snapshot volumes; the cluster's default when unset.",
        check: checkStorageClass,
      }),
    },
    { description: "Snapshot directory and its own volume." },
  ),
  resources: resourcesSetting({
    cpu: "500m",
    memory: "1Gi",
    memoryRules: "a memory quantity, more than 0",
    of: "peer",
  }),
  hostPortBase: setting.integer({
    default: 6333,
    min: 1024,
    max: PORT_MAX,
    rules: "1024 to 65535 - (peers - 1)",
    crossField: true,
    description:
      "Docker only: peer i publishes its REST port on the host at hostPortBase + i (on 127.0.0.1 by default). The P2P port is never published.",
  }),
  grpc: setting.boolean({
    default: false,
    description: "Serve the gRPC API on port 6334 (KATO uses REST only; off renders `grpc_port: null`).",
  }),
  grpcHostPortBase: setting.integer({
    default: 7334,
    min: 1024,
    max: PORT_MAX,
    rules: "1024 to 65535 - (peers - 1), not overlapping the REST host ports",
    crossField: true,
    description: "Docker only, with grpc: peer i publishes gRPC on the host at grpcHostPortBase + i.",
  }),
  apiKey: setting.boolean({
    default: true,
    description:
      "Require an API key: a read-write and a read-only key (48 characters) are generated and kept as Pulumi secrets. KATO 3.0.0 cannot send one: set false for it (docs/kato.md).",
  }),
  logLevel: setting.oneOf(QDRANT_LOG_LEVELS, { default: "INFO", description: "Qdrant's log level." }),
  telemetryDisabled: setting.boolean({
    default: true,
    description: "Stop Qdrant from sending anonymous usage statistics to its developers.",
  }),
  consensusTickPeriodMs: setting.integer({
    default: 100,
    min: 10,
    max: 10_000,
    unit: "ms",
    fix: (f) => `set ${f} to a whole number of milliseconds from 10 to 10000 (Qdrant's default is 100).`,
    description: "Raft tick: how often peers ping each other; Qdrant advises keeping 100.",
  }),
});

/** What a stack writes under `kato-infra:qdrant`. Every field is optional. */
export type QdrantSettings = SettingsInput<typeof QDRANT_SETTINGS.declarations>;
export type ResolvedQdrantSettings = SettingsResolved<typeof QDRANT_SETTINGS.declarations>;
export const QDRANT_DEFAULTS: ResolvedQdrantSettings = QDRANT_SETTINGS.defaults;
export const QDRANT_FIELDS: readonly FieldDoc[] = QDRANT_SETTINGS.fields();

/**
 * Merges `base` (a profile's defaults) and `raw` (the user's object) over the engine defaults and
 * validates the result, returning every problem at once. `field` names the object in messages,
 * e.g. `qdrant` gives `qdrant.peers`. The one-field checks come from QDRANT_SETTINGS; what is
 * written here relates fields (ports against the peer count, volumes that must not be empty).
 */
export function resolveQdrantSettings(
  raw: unknown,
  field: string,
  base: Partial<QdrantSettings> = {},
): { settings?: ResolvedQdrantSettings; problems: Problem[] } {
  const { value: user, problems } = asSettingsObject(field, raw);
  if (problems.length > 0) return { problems };
  problems.push(...QDRANT_SETTINGS.unknownKeys(field, user));
  const s = QDRANT_SETTINGS.layer(user, base as Record<string, unknown>);
  const f = (name: string) => `${field}.${name}`;
  problems.push(...QDRANT_SETTINGS.checkEach(field, s));

  let resolvedStorage: ResolvedStorage | undefined;
  if (isObject(s.storage)) {
    const checked = resolveStorage(f("storage"), s.storage);
    problems.push(
      ...checked.problems,
      ...notZero(`${f("storage")}.size`, s.storage.size, checked.sizeBytes, "10Gi"),
    );
    resolvedStorage = checked.value;
  }
  let resolvedResources: ResolvedResources | undefined;
  if (isObject(s.resources)) {
    const checked = resolveResources(f("resources"), s.resources);
    problems.push(
      ...checked.problems,
      ...notZero(`${f("resources")}.memory`, s.resources.memory, checked.memoryBytes, "1Gi"),
    );
    resolvedResources = checked.value;
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
