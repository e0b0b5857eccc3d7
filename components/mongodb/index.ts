/**
 * MongoDB engine: settings and plans (pure), the MongoReplicaSet component (wiring), and the
 * MongoReplicaSetBootstrap / MongoDatabaseSchema dynamic resources (executors).
 */

export * from "./bootstrap";
export * from "./replicaSet";
export * from "./replicaSetPlan";
export * from "./schema";
export * from "./schemaPlan";
export * from "./schemaSpec";
export * from "./settings";
export * from "./topology";
