/**
 * KatoDataPlane: KATO's whole data tier in one component. It wires the three engines on one target
 * (a shared Docker network, or a Kubernetes namespace it can create), declares every tenant's schema
 * (one MongoDatabaseSchema and one QdrantCollection per tenant, from a preset), and outputs the
 * settings KATO reads. Day-2 parts when asked: backups and monitoring (./operations.ts), MongoDB
 * profiling and catalogue migrations (./mongoOperations.ts).
 */

import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MongoDatabaseSchema, MongoReplicaSet, type MongoSettings, resolveMongoSettings } from "../mongodb";
import { DataTierMonitoring, type DataTierMonitoringSettings } from "../operations";
import { QdrantCluster, QdrantCollection, type QdrantSettings } from "../qdrant";
import { RedisCluster, type RedisSettings } from "../redis";
import { assertNoProblems } from "../shared/problems";
import { withoutPromiseTraces } from "../shared/promiseTraces";
import type { DockerTarget, KubernetesTarget, Target } from "../shared/target";
import { DEFAULT_CLUSTER_DOMAIN } from "../shared/target";
import { redisUrl } from "./katoEnv";
import { type DataPlaneMigration, resolveDataPlaneMigrations } from "./migrations";
import { type DataPlaneMongoOperations, wireMongoOperations } from "./mongoOperations";
import {
  type DataPlaneBackups,
  type DataPlaneOperations,
  type Placement,
  wireOperations,
} from "./operations";
import { DataTierPlacement } from "./placement";
import { planSchema, type SchemaPlan, type SchemaPlanInput, type TenantSchema } from "./presets";
import { type DataPlaneProfiling, resolveDataPlaneProfiling } from "./profiling";

export * from "./katoEnv";
export * from "./migrations";
export * from "./mongoOperations";
export * from "./names";
export * from "./operations";
export * from "./operationsDefaults";
export * from "./presets";
export * from "./profiling";

/** Docker: the members' network is created by the plane (one for all three engines) unless it exists. */
export type DataPlaneDockerTarget = Omit<DockerTarget, "networkName"> & {
  networkName: string;
  /** The network exists already (e.g. KATO's own); join it instead of creating it. */
  externalNetwork?: boolean;
};

/** Kubernetes: the namespace is created by the plane when `createNamespace` is set. */
export type DataPlaneKubernetesTarget = Omit<KubernetesTarget, "namespace"> & {
  namespace: string;
  createNamespace?: boolean;
};

export interface KatoDataPlaneArgs {
  target: DataPlaneDockerTarget | DataPlaneKubernetesTarget;
  mongodb?: MongoSettings;
  qdrant?: QdrantSettings;
  redis?: RedisSettings;
  /** The tenants and their preset, or a plan already made (the program plans while checking config). */
  schema: SchemaPlanInput | SchemaPlan;
  /** Let schema changes drop and rebuild indexes or recreate collections (their data is lost). Default false. */
  allowDataLoss?: boolean;
  /** Mark every stateful resource (volumes, StatefulSets, containers, credentials, schema) `protect`ed. */
  protect?: boolean;
  /**
   * Scheduled backups: each engine given and not `enabled: false` gets its operations component
   * (MongoBackup, QdrantSnapshots, RedisBackup), over defaults taken from the engine. Default: none.
   */
  backups?: DataPlaneBackups;
  /** Exporters and alert rules (DataTierMonitoring) for the three engines, unless `enabled: false`. Default: none. */
  monitoring?: DataTierMonitoringSettings;
  /**
   * Profiling of every tenant database on every member (one MongoProfiling), unless `enabled: false`;
   * slowms defaults to the replica set's `profiling.slowOpThresholdMs`. Default: none.
   */
  profiling?: DataPlaneProfiling;
  /** Catalogue migrations (MIGRATION_CATALOGUE) to run once each, in this order. Default: none. */
  migrations?: readonly DataPlaneMigration[];
  /**
   * What the schema resources' data-loss refusals tell the reader to set (their `dataLossHint`), e.g.
   * the stack config key that becomes `allowDataLoss`. Default: the resources' own argument names.
   */
  dataLossHint?: string;
  /**
   * What a refused move of the data tier (a new Kubernetes namespace) calls the namespace setting,
   * e.g. the stack config key. Default `target.namespace`.
   */
  namespaceField?: string;
  /** What a refused move between Docker and Kubernetes calls the target setting. Default `target.kind`. */
  targetField?: string;
}

/** What KATO's container reads; the values carrying a credential are secrets. */
export interface KatoEnvironment {
  MONGO_BASE_URL: pulumi.Output<string>;
  QDRANT_HOST: pulumi.Output<string>;
  QDRANT_PORT: pulumi.Output<number>;
  QDRANT_API_KEY: pulumi.Output<string | undefined>;
  REDIS_URL: pulumi.Output<string>;
  REDIS_CLUSTER_NODES: pulumi.Output<string>;
  REDIS_PASSWORD: pulumi.Output<string>;
}

/**
 * Types that hold data or the keys to it. With `protect`, these are protected; everything else
 * (Services, ConfigMaps, NetworkPolicies, PDBs) stays free to be replaced.
 */
const STATEFUL_TYPES = new Set([
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:core/v1:Namespace",
  "docker:index/volume:Volume",
  "docker:index/container:Container",
  "random:index/randomPassword:RandomPassword",
]);

export function isStateful(resource: pulumi.Resource, type: string): boolean {
  return (
    STATEFUL_TYPES.has(type) ||
    resource instanceof MongoDatabaseSchema ||
    resource instanceof QdrantCollection
  );
}

function isPlan(schema: SchemaPlanInput | SchemaPlan): schema is SchemaPlan {
  return "tenants" in schema;
}

export class KatoDataPlane extends pulumi.ComponentResource {
  declare readonly mongodb: MongoReplicaSet;
  declare readonly qdrant: QdrantCluster;
  declare readonly redis: RedisCluster;
  /** KATO's settings (MONGO_BASE_URL, QDRANT_HOST, ...). */
  declare readonly kato: KatoEnvironment;
  /** The tenants deployed: node id, database and Qdrant collection names. */
  declare readonly tenants: TenantSchema[];
  /** The namespace (Kubernetes) or network (Docker) the engines share. */
  declare readonly placement: pulumi.Output<string>;
  /** The day-2 operations components deployed (backups, monitoring). */
  declare readonly operations: DataPlaneOperations;
  /** The replica set's MongoProfiling and MongoMigrations (absent or empty when not asked for). */
  declare readonly mongoOperations: DataPlaneMongoOperations;

  constructor(name: string, args: KatoDataPlaneArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const protect = args.protect === true;
    super(
      "kato:data:KatoDataPlane",
      name,
      {},
      {
        ...opts,
        transformations: [
          ...(opts.transformations ?? []),
          ...(protect
            ? [
                (t: pulumi.ResourceTransformationArgs): pulumi.ResourceTransformationResult | undefined =>
                  // Exporter containers hold no data: they stay replaceable.
                  isStateful(t.resource, t.type) && !(t.opts.parent instanceof DataTierMonitoring)
                    ? { props: t.props, opts: { ...t.opts, protect: true } }
                    : undefined,
              ]
            : []),
        ],
      },
    );
    // A fleet registers thousands of resources: without the SDK's per-promise stack traces, which
    // cost most of a large program's time and memory (shared/promiseTraces.ts).
    withoutPromiseTraces(() => this.build(name, args));
  }

  private build(name: string, args: KatoDataPlaneArgs): void {
    const plan = isPlan(args.schema) ? args.schema : planSchema(args.schema);
    assertNoProblems(plan.problems, `KatoDataPlane ${name}`);
    // Checked before any resource, with the stack config's checks (a stack has them checked already).
    const migrations = resolveDataPlaneMigrations(args.migrations, "migrations", plan);
    const profiling =
      args.profiling === undefined
        ? undefined
        : resolveDataPlaneProfiling(args.profiling, "profiling", {
            tenants: plan.tenants,
            base: {
              slowms: resolveMongoSettings(args.mongodb, "mongodb").settings?.profiling.slowOpThresholdMs,
            },
          });
    assertNoProblems([...migrations.problems, ...(profiling?.problems ?? [])], `KatoDataPlane ${name}`);
    // What the preset dropped is said once per deployment, not once per tenant.
    for (const warning of plan.warnings) pulumi.log.warn(warning, this);

    // Recorded so that a move (new namespace, other kind) is refused at preview: placement.ts.
    const guard = new DataTierPlacement(
      `${name}-placement`,
      {
        placement:
          args.target.kind === "kubernetes"
            ? { kind: "kubernetes", namespace: args.target.namespace }
            : { kind: "docker" },
        allowDataLoss: args.allowDataLoss === true,
        ...(args.namespaceField ? { namespaceField: args.namespaceField } : {}),
        ...(args.targetField ? { targetField: args.targetField } : {}),
        ...(args.dataLossHint ? { dataLossHint: args.dataLossHint } : {}),
      },
      { parent: this },
    );
    const { target, placement } = this.place(name, args.target, args.allowDataLoss === true, guard);
    // Nothing that holds data is registered (so replaced) before the guard's check has passed.
    const child = { parent: this, dependsOn: [guard] };
    const engineNames = { mongodb: `${name}-mongodb`, qdrant: `${name}-qdrant`, redis: `${name}-redis` };
    const mongodb = new MongoReplicaSet(engineNames.mongodb, { target, ...args.mongodb }, child);
    const qdrant = new QdrantCluster(engineNames.qdrant, { target, ...args.qdrant }, child);
    const redis = new RedisCluster(engineNames.redis, { target, ...args.redis }, child);

    const allowDataLoss = args.allowDataLoss === true;
    const collections: QdrantCollection[] = [];
    const schemas: MongoDatabaseSchema[] = [];
    // What every tenant's collection connects with, made once: one Output each, not one per tenant.
    const qdrantConnection = qdrant.access.apply((access) => ({ access }));
    const qdrantKey = pulumi.secret(qdrant.apiKey);
    for (const tenant of plan.tenants) {
      const schema = new MongoDatabaseSchema(
        `mongodb-schema-${tenant.database}`,
        {
          database: tenant.database,
          collections: plan.collections,
          allowIndexRebuild: allowDataLoss,
          ...(args.dataLossHint ? { dataLossHint: args.dataLossHint } : {}),
          access: mongodb.access,
          username: mongodb.rootUsername,
          password: mongodb.rootPassword,
        },
        { parent: this, dependsOn: [mongodb] },
      );
      schemas.push(schema);
      collections.push(
        new QdrantCollection(
          `qdrant-collection-${tenant.qdrantCollection}`,
          {
            name: tenant.qdrantCollection,
            ...plan.qdrant,
            connection: qdrantConnection,
            apiKey: qdrantKey,
            allowRecreate: allowDataLoss,
            ...(args.dataLossHint ? { dataLossHint: args.dataLossHint } : {}),
          },
          { parent: this, dependsOn: [qdrant] },
        ),
      );
    }

    const where: Placement =
      args.target.kind === "docker"
        ? { kind: "docker" }
        : {
            kind: "kubernetes",
            namespace: args.target.namespace,
            clusterDomain: args.target.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
          };
    const operations = wireOperations(this, {
      name,
      target,
      where,
      engines: { mongodb, qdrant, redis },
      engineNames,
      qdrantCollections: collections,
      ...(args.backups ? { backups: args.backups } : {}),
      ...(args.monitoring ? { monitoring: args.monitoring } : {}),
    });

    const mongoOperations = wireMongoOperations(this, {
      name: engineNames.mongodb,
      mongodb,
      plan,
      schemas,
      ...(profiling?.settings ? { profiling: profiling.settings } : {}),
      migrations: migrations.settings ?? [],
    });

    const kato: KatoEnvironment = {
      // replicaSet, authSource=admin and w=majority; usable once the bootstrap created the user.
      MONGO_BASE_URL: mongodb.uri,
      QDRANT_HOST: qdrant.host,
      QDRANT_PORT: qdrant.port,
      QDRANT_API_KEY: qdrant.apiKey,
      // replication mode: the stable endpoint that always reaches the primary; cluster: the first node.
      REDIS_URL: pulumi.secret(
        pulumi
          .all([redis.endpoint, redis.password])
          .apply(([endpoint, password]) => redisUrl(endpoint, password)),
      ),
      REDIS_CLUSTER_NODES: redis.seedNodes,
      REDIS_PASSWORD: redis.password,
    };
    const outputs = {
      mongodb,
      qdrant,
      redis,
      kato,
      tenants: plan.tenants,
      placement,
      operations,
      mongoOperations,
    };
    Object.assign(this, outputs);
    this.registerOutputs({ kato, tenants: plan.tenants, placement });
  }

  /**
   * One network (Docker) or namespace (Kubernetes) for the three engines. A namespace the plane
   * creates is retained on delete unless data loss is allowed: deleting a namespace makes Kubernetes
   * delete every PVC in it (the engines' volumes and the backup volumes), whatever their own
   * `retainOnDelete` says. Retained, a replacement (a new namespace name) also leaves the old one in place.
   */
  private place(
    name: string,
    target: DataPlaneDockerTarget | DataPlaneKubernetesTarget,
    allowDataLoss: boolean,
    guard: DataTierPlacement,
  ): { target: Target; placement: pulumi.Output<string> } {
    if (target.kind === "docker") {
      const { externalNetwork, networkName, ...rest } = target;
      const network = externalNetwork
        ? undefined
        : new docker.Network(
            `${name}-network`,
            { name: networkName, driver: "bridge", attachable: true },
            { parent: this, dependsOn: [guard], ...(target.provider ? { provider: target.provider } : {}) },
          );
      const placement = network ? network.name : pulumi.output(networkName);
      return { target: { ...rest, kind: "docker", networkName: placement }, placement };
    }
    const { createNamespace, namespace, ...rest } = target;
    const ns = createNamespace
      ? new k8s.core.v1.Namespace(
          `${name}-namespace`,
          { metadata: { name: namespace, labels: { "app.kubernetes.io/part-of": "kato" } } },
          {
            parent: this,
            dependsOn: [guard],
            retainOnDelete: !allowDataLoss,
            ...(target.provider ? { provider: target.provider } : {}),
          },
        )
      : undefined;
    const placement = ns ? ns.metadata.name : pulumi.output(namespace);
    return { target: { ...rest, kind: "kubernetes", namespace: placement }, placement };
  }
}
