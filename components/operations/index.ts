/**
 * Day-2 operations of the data tier: backups and restores of each engine, and monitoring.
 * Each component is standalone (it takes the engine's endpoints and credentials as arguments);
 * `KatoDataPlane` wires them to the engines. Settings resolvers and field docs follow the engine
 * folders' contract (docs/CONTRIBUTING.md); the plan modules render commands and scripts, purely.
 */
export type { BackupCommonSettings, BackupDestination, S3Settings } from "./backupSettings";
export { DataTierMonitoring, type DataTierMonitoringArgs } from "./dataTierMonitoring";
export type { S3Credentials } from "./k8sJobs";
export { MongoBackup, type MongoBackupArgs } from "./mongoBackup";
export {
  MONGO_BACKUP_FIELDS,
  type MongoBackupSettings,
  mongoDockerBackupScript,
  mongoDockerRestoreScript,
  mongodumpCommand,
  mongorestoreCommand,
  type ResolvedMongoBackupSettings,
  resolveMongoBackupSettings,
} from "./mongoBackupPlan";
export {
  type AlertRule,
  alertRules,
  DATA_TIER_MONITORING_FIELDS,
  type DataTierMonitoringSettings,
  EXPORTED_METRICS,
  type ResolvedDataTierMonitoringSettings,
  resolveDataTierMonitoringSettings,
} from "./monitoringPlan";
export { checkPromql } from "./promql";
export { QdrantSnapshots, type QdrantSnapshotsArgs } from "./qdrantSnapshots";
export {
  QDRANT_SNAPSHOTS_FIELDS,
  type QdrantSnapshotsSettings,
  qdrantRestoreScript,
  qdrantSnapshotScript,
  type ResolvedQdrantSnapshotsSettings,
  resolveQdrantSnapshotsSettings,
} from "./qdrantSnapshotsPlan";
export { RedisBackup, type RedisBackupArgs } from "./redisBackup";
export {
  REDIS_BACKUP_FIELDS,
  type RedisBackupSettings,
  type ResolvedRedisBackupSettings,
  redisRdbStreamScript,
  redisRestoreNodeScript,
  resolveRedisBackupSettings,
} from "./redisBackupPlan";
export { cronProblem, crontabLine } from "./schedule";
