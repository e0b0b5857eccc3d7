/**
 * MongoDB engine: settings and plans (pure), the MongoReplicaSet component (wiring), and the
 * MongoReplicaSetBootstrap / MongoDatabaseSchema / MongoProfiling / MongoMigration dynamic
 * resources (executors).
 */

export * from "./bootstrap";
export * from "./component";
export * from "./migration";
export * from "./migrationPlan";
export * from "./profiling";
export * from "./profilingPlan";
export * from "./replicaSetPlan";
export * from "./schema";
export * from "./schemaPlan";
export * from "./schemaSpec";
export * from "./settings";
export * from "./topology";
