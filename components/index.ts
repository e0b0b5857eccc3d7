/**
 * kato-infra's public API: everything a library user imports from "kato-infra", by name, and nothing
 * else (docs/library.md lists and explains each; test/program/library.test.ts pins the list). Deep
 * imports of dist/ files are not API and may change in any release.
 *
 * The stack program's own code (stack config loading, profiles, `index.ts`) lives outside the library,
 * in program/ and stacks/.
 */

// The whole data tier in one component, and its schema plan.
export {
  type DataPlaneBackups,
  type DataPlaneDockerTarget,
  type DataPlaneKubernetesTarget,
  type DataPlaneMigration,
  type DataPlaneMongoOperations,
  type DataPlaneOperations,
  type DataPlaneProfiling,
  KatoDataPlane,
  type KatoDataPlaneArgs,
  type KatoEnvironment,
  katoCollectionName,
  katoDatabaseName,
  MIGRATION_CATALOGUE,
  planSchema,
  SCHEMA_PRESETS,
  type SchemaPlan,
  type SchemaPlanInput,
  type SchemaPreset,
} from "./dataplane";
// MongoDB: the replica set, a tenant database's schema, profiling and migrations.
export {
  MONGO_FIELDS,
  MongoDatabaseSchema,
  type MongoDatabaseSchemaArgs,
  MongoMigration,
  type MongoMigrationArgs,
  MongoProfiling,
  type MongoProfilingArgs,
  MongoReplicaSet,
  type MongoReplicaSetArgs,
  type MongoSettings,
  resolveMongoSettings,
} from "./mongodb";
// Day-2 operations: one backup component per engine and the monitoring.
export {
  DATA_TIER_MONITORING_FIELDS,
  DataTierMonitoring,
  type DataTierMonitoringArgs,
  type DataTierMonitoringSettings,
  MONGO_BACKUP_FIELDS,
  MongoBackup,
  type MongoBackupArgs,
  type MongoBackupSettings,
  QDRANT_SNAPSHOTS_FIELDS,
  QdrantSnapshots,
  type QdrantSnapshotsArgs,
  type QdrantSnapshotsSettings,
  REDIS_BACKUP_FIELDS,
  RedisBackup,
  type RedisBackupArgs,
  type RedisBackupSettings,
  type S3Credentials,
} from "./operations";
// Qdrant: the cluster and a collection.
export {
  QDRANT_FIELDS,
  QdrantCluster,
  type QdrantClusterArgs,
  QdrantCollection,
  type QdrantCollectionArgs,
  type QdrantSettings,
  resolveQdrantSettings,
} from "./qdrant";
// Redis: a Redis Cluster, or a primary with replicas, Sentinels and one endpoint (settings.mode).
export {
  REDIS_FIELDS,
  RedisCluster,
  type RedisClusterArgs,
  type RedisMode,
  type RedisSettings,
  resolveRedisSettings,
} from "./redis";
// What every component takes and how it reports bad input.
export type { FieldDoc } from "./shared/fields";
export { ConfigError, type Problem } from "./shared/problems";
export type { DockerTarget, KubernetesTarget, ResourceArgs, StorageArgs, Target } from "./shared/target";
