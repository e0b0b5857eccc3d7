/**
 * The day-2 operations of a KatoDataPlane: MongoBackup, QdrantSnapshots, RedisBackup and
 * DataTierMonitoring (components/operations), wired to the plane's engines.
 *
 * - The components take plain endpoints (they render scripts and names at construction), so the
 *   members' advertised addresses are derived here with the engines' own naming functions, from the
 *   plane's plain namespace or its Docker names; the program's tests check they equal the engines'
 *   `endpoints` outputs.
 * - MongoDB backups and the MongoDB exporters use the root user: the application user has only
 *   readWriteAnyDatabase (+ dropDatabase), while `mongodump --oplog` needs the `backup` role, restores
 *   the `restore` role, and the exporter `clusterMonitor`.
 * - Every operations child waits for its engine (restores into a fresh cluster, exporters before
 *   members; Qdrant snapshots also for the tenants' collections, which a restore needs), and on Kubernetes the operations pods carry OPERATIONS_POD_LABELS, which a
 *   NetworkPolicy per engine admits to the client port whatever the engines' own client rules are.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MongoReplicaSet } from "../mongodb";
import { MONGO_PORT } from "../mongodb/settings";
import { mongoTopology } from "../mongodb/topology";
import {
  DataTierMonitoring,
  type DataTierMonitoringSettings,
  MongoBackup,
  type MongoBackupSettings,
  QdrantSnapshots,
  type QdrantSnapshotsSettings,
  RedisBackup,
  type RedisBackupSettings,
  type S3Credentials,
} from "../operations";
import type { QdrantCluster } from "../qdrant";
import { QDRANT_HTTP_PORT } from "../qdrant/settings";
import { planQdrantDocker, planQdrantKubernetes } from "../qdrant/topology";
import type { RedisCluster } from "../redis";
import { CLIENT_PORT as REDIS_PORT } from "../redis/redisConf";
import { redisEndpoints } from "../redis/topology";
import { k8sChildOptions, selectorLabels } from "../shared/k8s";
import type { KubernetesTarget, Target } from "../shared/target";
import { type BackupEngine, operationsDefaults } from "./operationsDefaults";

/** Backups a plane takes: each engine present and not `enabled: false` is backed up. */
export interface DataPlaneBackups {
  mongodb?: MongoBackupSettings;
  qdrant?: QdrantSnapshotsSettings;
  redis?: RedisBackupSettings;
  /** Bucket credentials for a `destination: s3` (secrets). */
  s3Credentials?: S3Credentials;
}

/** The operations components a plane deployed (each absent when not asked for or disabled). */
export interface DataPlaneOperations {
  mongoBackup?: MongoBackup;
  qdrantSnapshots?: QdrantSnapshots;
  redisBackup?: RedisBackup;
  monitoring?: DataTierMonitoring;
}

/** Labels of every operations pod; the engines' operations NetworkPolicies admit these. */
export const OPERATIONS_POD_LABELS: Readonly<Record<string, string>> = {
  "kato.dev/data-client": "operations",
};

/** The Redis StatefulSet's volumeClaimTemplate (declared in components/redis/topology.ts). */
export { REDIS_DATA_CLAIM } from "../redis/topology";

/** Names of the operations components of plane `plane`. */
export function operationsNames(plane: string): Record<BackupEngine | "monitoring", string> {
  return {
    mongodb: `${plane}-mongodb`,
    qdrant: `${plane}-qdrant`,
    redis: `${plane}-redis`,
    monitoring: `${plane}-monitoring`,
  };
}

export type Placement = { kind: "docker" } | { kind: "kubernetes"; namespace: string; clusterDomain: string };

/** Advertised endpoints of each engine (as the engines compute them), and the Redis nodes' data PVCs. */
export function engineEndpoints(
  engines: { mongodb: MongoReplicaSet; qdrant: QdrantCluster; redis: RedisCluster },
  names: { mongodb: string; qdrant: string; redis: string },
  where: Placement,
): { mongodb: string[]; qdrant: string[]; redis: string[]; redisDataClaims: string[] } {
  const mongodb = mongoTopology(names.mongodb, engines.mongodb.settings, where).members.map(
    (m) => m.advertised,
  );
  const qdrantPlan =
    where.kind === "docker"
      ? planQdrantDocker(names.qdrant, engines.qdrant.settings)
      : planQdrantKubernetes(names.qdrant, engines.qdrant.settings, where);
  const redis = redisEndpoints(names.redis, engines.redis.settings, where);
  return {
    mongodb,
    qdrant: qdrantPlan.peers.map((p) => p.endpoint),
    redis: redis.nodes,
    redisDataClaims: redis.dataClaims,
  };
}

/** Every child of an operations component waits for `engines` (components: all of their children). */
function after(parent: pulumi.Resource, engines: pulumi.Resource[]): pulumi.ComponentResourceOptions {
  return {
    parent,
    dependsOn: engines,
    transformations: [
      (t) => {
        // The operations components' children set no dependsOn of their own; keep any anyway.
        const own = t.opts.dependsOn as
          | pulumi.Input<pulumi.Resource>
          | pulumi.Input<pulumi.Resource>[]
          | undefined;
        const list = own === undefined ? [] : Array.isArray(own) ? own : [own];
        return { props: t.props, opts: { ...t.opts, dependsOn: [...list, ...engines] } };
      },
    ],
  };
}

/** `given` over `defaults`; the default bucket prefix only for an S3 destination (the components refuse an unused `s3`). */
function over<T extends { destination?: string; s3?: object }>(defaults: T, given: T | undefined): T {
  const { s3, ...rest } = defaults;
  const merged = { ...rest, ...given } as T;
  if (merged.destination === "s3") merged.s3 = { ...s3, ...given?.s3 };
  return merged;
}

const enabled = (settings: { enabled?: boolean } | undefined): boolean =>
  settings !== undefined && settings.enabled !== false;

export interface WireOperationsArgs {
  /** The plane's name; the operations components are named after it (operationsNames). */
  name: string;
  /** The engines' target (network or namespace of the plane). */
  target: Target;
  where: Placement;
  engines: { mongodb: MongoReplicaSet; qdrant: QdrantCluster; redis: RedisCluster };
  engineNames: { mongodb: string; qdrant: string; redis: string };
  backups?: DataPlaneBackups;
  monitoring?: DataTierMonitoringSettings;
  /** The tenants' Qdrant collections: a snapshot restore needs them to exist first. */
  qdrantCollections?: pulumi.Resource[];
}

export function wireOperations(
  parent: pulumi.ComponentResource,
  args: WireOperationsArgs,
): DataPlaneOperations {
  const { target, engines, engineNames, backups = {} } = args;
  const names = operationsNames(args.name);
  const endpoints = engineEndpoints(engines, engineNames, args.where);
  // Under the settings given: the engines' images and file locations, and a host directory per plane.
  const defaults = operationsDefaults(args.name, pulumi.getStack(), {
    mongodb: engines.mongodb.settings,
    qdrant: engines.qdrant.settings,
    redis: engines.redis.settings,
  });
  const podLabels = target.kind === "kubernetes" ? { podLabels: { ...OPERATIONS_POD_LABELS } } : {};
  const s3 = backups.s3Credentials ? { s3Credentials: backups.s3Credentials } : {};
  const { mongodb, qdrant, redis } = engines;

  // Backups with --oplog and restores need more than the app user's readWriteAnyDatabase.
  const rootUri = mongodb.rootUri;

  const out: DataPlaneOperations = {};
  if (enabled(backups.mongodb)) {
    out.mongoBackup = new MongoBackup(
      names.mongodb,
      { ...over(defaults.mongodb, backups.mongodb), ...s3, ...podLabels, target, uri: rootUri },
      after(parent, [mongodb]),
    );
  }
  if (enabled(backups.qdrant)) {
    out.qdrantSnapshots = new QdrantSnapshots(
      names.qdrant,
      {
        ...over(defaults.qdrant, backups.qdrant),
        ...s3,
        ...podLabels,
        target,
        endpoints: endpoints.qdrant,
        // Without an API key (KATO 3.0.0 sends none) the snapshot job sends none either.
        ...(qdrant.settings.apiKey ? { apiKey: qdrant.apiKey as pulumi.Output<string> } : {}),
      },
      after(parent, [qdrant, ...(args.qdrantCollections ?? [])]),
    );
  }
  if (enabled(backups.redis)) {
    out.redisBackup = new RedisBackup(
      names.redis,
      {
        ...over(defaults.redis, backups.redis),
        ...s3,
        ...podLabels,
        target,
        endpoints: endpoints.redis,
        password: redis.password,
        mode: redis.settings.mode,
        ...(target.kind === "kubernetes" ? { dataClaims: endpoints.redisDataClaims } : {}),
      },
      after(parent, [redis]),
    );
  }
  if (enabled(args.monitoring)) {
    out.monitoring = new DataTierMonitoring(
      names.monitoring,
      {
        ...args.monitoring,
        ...podLabels,
        target,
        mongodb: {
          endpoints: endpoints.mongodb,
          username: mongodb.rootUsername,
          password: mongodb.rootPassword,
        },
        redis: { endpoints: endpoints.redis, password: redis.password, mode: redis.settings.mode },
        qdrant: {
          endpoints: endpoints.qdrant,
          // Scraping reads: the read-only key is enough. Without a key (KATO 3.0.0 sends none),
          // /metrics is open like the rest of the API and is scraped without one.
          ...(qdrant.settings.apiKey ? { apiKey: qdrant.readOnlyApiKey as pulumi.Output<string> } : {}),
          podSelector: selectorLabels("qdrant", engineNames.qdrant),
        },
      },
      after(parent, [mongodb, qdrant, redis]),
    );
  }

  if (target.kind === "kubernetes") {
    const reach: Array<[BackupEngine, number, boolean]> = [
      ["mongodb", MONGO_PORT, !!(out.mongoBackup || out.monitoring)],
      ["qdrant", QDRANT_HTTP_PORT, !!out.qdrantSnapshots],
      ["redis", REDIS_PORT, !!(out.redisBackup || out.monitoring)],
    ];
    for (const [engine, port, needed] of reach) {
      if (needed) operationsPolicy(parent, target, engine, engineNames[engine], port);
    }
  }
  return out;
}

/**
 * Lets the plane's operations pods (same namespace, OPERATIONS_POD_LABELS) reach an engine's client
 * port. NetworkPolicies add up: the engine's own policy may admit only KATO's namespace.
 */
function operationsPolicy(
  parent: pulumi.Resource,
  target: KubernetesTarget,
  engine: BackupEngine,
  component: string,
  port: number,
): k8s.networking.v1.NetworkPolicy {
  const name = `${component}-operations`;
  return new k8s.networking.v1.NetworkPolicy(
    name,
    {
      metadata: {
        name,
        namespace: target.namespace,
        labels: {
          "app.kubernetes.io/part-of": "kato",
          "app.kubernetes.io/component": "operations",
          "app.kubernetes.io/managed-by": "pulumi",
        },
      },
      spec: {
        podSelector: { matchLabels: selectorLabels(engine, component) },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { ...OPERATIONS_POD_LABELS } } }],
            ports: [{ protocol: "TCP", port }],
          },
        ],
      },
    },
    k8sChildOptions(parent, target),
  );
}
