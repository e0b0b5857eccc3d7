/**
 * kato-infra as a library:
 *   import { MongoReplicaSet, QdrantCluster, RedisCluster, KatoDataPlane } from "kato-infra";
 * The components, their settings types, resolvers and field docs, and the schema resources are
 * exported by name; everything else of an engine is under its namespace (`mongodb.*`, `qdrant.*`,
 * `redis.*`), where names such as `planCollection` do not collide.
 */

export * as config from "./config";
export {
  KatoDataPlane,
  type KatoDataPlaneArgs,
  type KatoEnvironment,
  katoCollectionName,
  katoDatabaseName,
  planSchema,
  SCHEMA_PRESETS,
  type SchemaPlan,
  type SchemaPlanInput,
  type SchemaPreset,
} from "./dataplane";
export * as mongodb from "./mongodb";
export {
  MONGO_FIELDS,
  MongoDatabaseSchema,
  type MongoDatabaseSchemaArgs,
  MongoMigration,
  MongoProfiling,
  MongoReplicaSet,
  type MongoReplicaSetArgs,
  type MongoSettings,
  resolveMongoSettings,
} from "./mongodb";
export * as operations from "./operations";
export {
  DataTierMonitoring,
  MongoBackup,
  QdrantSnapshots,
  RedisBackup,
} from "./operations";
export * as qdrant from "./qdrant";
export {
  QDRANT_FIELDS,
  QdrantCluster,
  type QdrantClusterArgs,
  QdrantCollection,
  type QdrantCollectionArgs,
  type QdrantSettings,
  resolveQdrantSettings,
} from "./qdrant";
export * as redis from "./redis";
export {
  REDIS_FIELDS,
  RedisCluster,
  type RedisClusterArgs,
  type RedisSettings,
  resolveRedisSettings,
} from "./redis";
export type { FieldDoc } from "./shared/fields";
export { ConfigError, type Problem } from "./shared/problems";
export type { DockerTarget, KubernetesTarget, Target } from "./shared/target";
