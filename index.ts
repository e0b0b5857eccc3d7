/**
 * The kato-infra program: read and check the stack config (every problem at once, before any
 * resource), deploy KATO's data tier with the tenants' schema, and export what KATO reads.
 * `pulumi stack output` lists these; `--show-secrets` reveals the ones carrying credentials.
 */
import { readStackConfig } from "./components/config";
import { program } from "./components/dataplane/program";

const outputs = program(readStackConfig());

export const MONGO_BASE_URL = outputs.MONGO_BASE_URL;
export const QDRANT_HOST = outputs.QDRANT_HOST;
export const QDRANT_PORT = outputs.QDRANT_PORT;
export const QDRANT_API_KEY = outputs.QDRANT_API_KEY;
export const REDIS_URL = outputs.REDIS_URL;
export const REDIS_CLUSTER_NODES = outputs.REDIS_CLUSTER_NODES;
export const REDIS_PASSWORD = outputs.REDIS_PASSWORD;
export const mongoEndpoints = outputs.mongoEndpoints;
export const qdrantEndpoints = outputs.qdrantEndpoints;
export const redisEndpoints = outputs.redisEndpoints;
export const placement = outputs.placement;
export const tenants = outputs.tenants;

// Day-2 operations (docs/operations.md, README "Day-2 operations"); absent when not deployed.
export const backups = outputs.backups;
export const mongodbBackupScript = outputs.mongodbBackupScript;
export const mongodbRestoreScript = outputs.mongodbRestoreScript;
export const mongodbBackupCron = outputs.mongodbBackupCron;
export const mongodbBackupEnv = outputs.mongodbBackupEnv;
export const qdrantBackupScript = outputs.qdrantBackupScript;
export const qdrantRestoreScript = outputs.qdrantRestoreScript;
export const qdrantBackupCron = outputs.qdrantBackupCron;
export const qdrantBackupEnv = outputs.qdrantBackupEnv;
export const redisBackupScript = outputs.redisBackupScript;
export const redisRestoreScript = outputs.redisRestoreScript;
export const redisBackupCron = outputs.redisBackupCron;
export const redisBackupEnv = outputs.redisBackupEnv;
export const redisRestoreJobs = outputs.redisRestoreJobs;
export const alertRules = outputs.alertRules;
export const prometheusScrapeConfig = outputs.prometheusScrapeConfig;
export const exporterEndpoints = outputs.exporterEndpoints;

// MongoDB profiling and data migrations (README "Profiling", "Migrations"): plain, no credential.
export const mongodbProfiling = outputs.mongodbProfiling;
export const migrations = outputs.migrations;
