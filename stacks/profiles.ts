/**
 * Environment profiles. A stack picks one (`kato-infra:profile`, or its name: dev, staging, prod,
 * pr-<N>) and overrides little; the profile gives the target and the defaults of every other key.
 * Layers, lowest first: engine defaults (right for dev) <- preset <- profile <- singleNode <- stack.
 *
 * Typed against the engines' settings, so a profile cannot name a field an engine does not have.
 */
import type { MongoSettings } from "../components/mongodb/settings";
import type {
  DataTierMonitoringSettings,
  MongoBackupSettings,
  QdrantSnapshotsSettings,
  RedisBackupSettings,
} from "../components/operations";
import type { QdrantSettings } from "../components/qdrant/settings";
import type { RedisSettings } from "../components/redis/settings";

export const PROFILE_NAMES = ["dev", "staging", "prod", "pr"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface Profile {
  name: ProfileName;
  /** One line for the README's stack table. */
  summary: string;
  target: "docker" | "kubernetes";
  docker: { publishAddress?: string; networkName?: string; externalNetwork?: boolean; host?: string };
  kubernetes: {
    namespace?: string;
    createNamespace?: boolean;
    antiAffinity?: "soft" | "required";
    storageClass?: string;
    clusterDomain?: string;
  };
  mongodb: MongoSettings;
  qdrant: QdrantSettings;
  redis: RedisSettings;
  /** Day-2 backups (`kato-infra:backups`): which engines are backed up, when, and where. */
  backups: ProfileBackups;
  /** Exporters and alert rules (`kato-infra:monitoring`). */
  monitoring: DataTierMonitoringSettings;
  /** Default of `kato-infra:allowDataLoss`. */
  allowDataLoss: boolean;
  /** Default of `kato-infra:protect`. */
  protect: boolean;
}

export interface ProfileBackups {
  mongodb: MongoBackupSettings;
  qdrant: QdrantSnapshotsSettings;
  redis: RedisBackupSettings;
}

/** The guide's backup policy: daily at 02:00, kept 7 days. */
const GUIDE_BACKUP = { enabled: true, schedule: "0 2 * * *", retentionDays: 7 } as const;

/**
 * No backups: on dev (a laptop's disposable data; Docker backups also need root cron entries on the
 * host, which a developer turns on deliberately) and on pr stacks (destroyed with their pull request).
 */
const NO_BACKUPS: ProfileBackups = {
  mongodb: { enabled: false },
  qdrant: { enabled: false },
  redis: { enabled: false },
};

/**
 * dev: Docker on a laptop, the full topology (3-member replica set, 3 Qdrant peers, 6 Redis nodes)
 * at small sizes. Redis gets 256mb per node instead of the guide's 2gb: six nodes of 2gb do not fit a
 * laptop; staging and prod keep the guide's figures.
 */
const dev: Profile = {
  name: "dev",
  summary: "Docker, full topology (3 MongoDB members, 3 Qdrant peers, 6 Redis nodes), small sizes.",
  target: "docker",
  docker: {},
  kubernetes: {},
  mongodb: { members: 3, resources: { cpu: "250m", memory: "1Gi" }, wiredTigerCacheSizeGb: 0.25 },
  qdrant: { peers: 3, resources: { cpu: "250m", memory: "512Mi" } },
  redis: {
    masters: 3,
    replicasPerMaster: 1,
    maxmemory: "256mb",
    resources: { cpu: "100m", memory: "512Mi" },
    storage: { size: "1Gi" },
  },
  backups: NO_BACKUPS,
  // Exporters would add a container per member (9) to a laptop that has no Prometheus.
  monitoring: { enabled: false },
  allowDataLoss: false,
  protect: false,
};

const staging: Profile = {
  name: "staging",
  summary: "Kubernetes, full topology, soft anti-affinity, medium sizes; creates its namespace.",
  target: "kubernetes",
  docker: {},
  kubernetes: { createNamespace: true, antiAffinity: "soft" },
  mongodb: {
    members: 3,
    resources: { cpu: "500m", memory: "2Gi" },
    wiredTigerCacheSizeGb: 0.5,
    storage: { size: "20Gi" },
  },
  qdrant: { peers: 3, resources: { cpu: "500m", memory: "2Gi" }, storage: { size: "20Gi" } },
  redis: {
    masters: 3,
    replicasPerMaster: 1,
    maxmemory: "1gb",
    resources: { cpu: "250m", memory: "2Gi" },
    storage: { size: "4Gi" },
  },
  // Backup volumes hold 7 daily copies: a MongoDB dump (gzip), a snapshot of every collection per
  // Qdrant peer, an RDB per Redis node.
  backups: {
    mongodb: { ...GUIDE_BACKUP, volumeSize: "20Gi" },
    qdrant: { ...GUIDE_BACKUP, volumeSize: "20Gi" },
    redis: { ...GUIDE_BACKUP, volumeSize: "20Gi" },
  },
  // Exporters and the alert rules as an output; no operator objects (a cluster may lack the CRDs).
  monitoring: { enabled: true, prometheusOperator: false },
  allowDataLoss: false,
  protect: false,
};

/**
 * prod: highly available. Required anti-affinity (one member of an engine per node), PDBs (every
 * engine has one), volumes retained on delete, stateful resources protected, the guide's Redis
 * memory (2gb, allkeys-lru) and bigger resources. The namespace is expected to exist.
 */
const prod: Profile = {
  name: "prod",
  summary:
    "Kubernetes, HA: required anti-affinity, PDBs, retained volumes, protected resources, large sizes.",
  target: "kubernetes",
  docker: {},
  kubernetes: { createNamespace: false, antiAffinity: "required" },
  mongodb: {
    members: 3,
    resources: { cpu: "2", memory: "8Gi" },
    wiredTigerCacheSizeGb: 3.5,
    storage: { size: "100Gi" },
  },
  qdrant: { peers: 3, resources: { cpu: "2", memory: "8Gi" }, storage: { size: "100Gi" } },
  redis: {
    masters: 3,
    replicasPerMaster: 1,
    maxmemory: "2gb",
    maxmemoryPolicy: "allkeys-lru",
    resources: { cpu: "1", memory: "3Gi" },
    storage: { size: "10Gi" },
  },
  backups: {
    mongodb: { ...GUIDE_BACKUP, volumeSize: "100Gi" },
    qdrant: { ...GUIDE_BACKUP, volumeSize: "100Gi" },
    redis: { ...GUIDE_BACKUP, volumeSize: "100Gi" },
  },
  // prod alerts: ServiceMonitors and a PrometheusRule. A cluster without the Prometheus operator's
  // CRDs cannot deploy them; set kato-infra:monitoring.prometheusOperator false there.
  monitoring: { enabled: true, prometheusOperator: true },
  allowDataLoss: false,
  protect: true,
};

/**
 * pr: a preview per pull request, derived from staging: its own namespace (`kato-pr-<N>`, created and
 * deleted with the stack), small sizes, and data loss allowed (the stack is destroyed when the PR
 * closes, volumes with it).
 */
const pr: Profile = {
  ...staging,
  name: "pr",
  summary: "Per pull request, derived from staging: namespace kato-pr-<N>, small sizes, destroyed on close.",
  kubernetes: { ...staging.kubernetes, createNamespace: true },
  mongodb: {
    ...staging.mongodb,
    resources: { cpu: "250m", memory: "1Gi" },
    wiredTigerCacheSizeGb: 0.25,
    storage: { size: "2Gi" },
  },
  qdrant: { ...staging.qdrant, resources: { cpu: "250m", memory: "512Mi" }, storage: { size: "2Gi" } },
  redis: {
    ...staging.redis,
    maxmemory: "256mb",
    resources: { cpu: "100m", memory: "512Mi" },
    storage: { size: "1Gi" },
  },
  backups: NO_BACKUPS,
  monitoring: { enabled: false },
  allowDataLoss: true,
  protect: false,
};

export const PROFILES: Readonly<Record<ProfileName, Profile>> = { dev, staging, prod, pr };

/**
 * Docker host ports of every stack (the layer just above the engine defaults), in one place. Each
 * engine gets its own range, and no range starts next to another engine's or its own other ports:
 * MongoDB members from 27017, Redis nodes from 7000, Qdrant REST from 16333 and gRPC from 16433
 * (Qdrant's defaults, 6333 + i, would put peer 1 and 2 on 6334 and 6335, Qdrant's own gRPC and P2P
 * port numbers), the exporters from 9216 (mongodb_exporter) and 9121 (redis_exporter). The program
 * refuses ranges that overlap (program/config/load.ts, hostPortProblems).
 */
export const DOCKER_HOST_PORTS: {
  mongodb: MongoSettings;
  qdrant: QdrantSettings;
  redis: RedisSettings;
} = {
  mongodb: { hostPortBase: 27017 },
  qdrant: { hostPortBase: 16333, grpcHostPortBase: 16433 },
  redis: { hostPortBase: 7000 },
};

/**
 * `kato-infra:singleNode`: for small laptops. One MongoDB member, one Qdrant peer, and the smallest
 * Redis Cluster there is (3 masters, no replicas: Redis Cluster needs 3 masters), at small memory.
 */
export const SINGLE_NODE: { mongodb: MongoSettings; qdrant: QdrantSettings; redis: RedisSettings } = {
  mongodb: { members: 1, resources: { memory: "1Gi" }, wiredTigerCacheSizeGb: 0.25 },
  qdrant: { peers: 1, resources: { memory: "512Mi" } },
  redis: {
    masters: 3,
    replicasPerMaster: 0,
    maxmemory: "128mb",
    resources: { memory: "256Mi" },
    storage: { size: "1Gi" },
  },
};
