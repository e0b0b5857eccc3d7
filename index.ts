/**
 * The kato-infra program: read and check the stack config (every problem at once, before any
 * resource), deploy KATO's data tier with the tenants' schema, and export what KATO reads.
 * `pulumi stack output` lists these; `--show-secrets` reveals the ones carrying credentials.
 *
 * The stack outputs are this module's exports (`export =`): the ones every stack has (MONGO_BASE_URL,
 * QDRANT_HOST, QDRANT_PORT, REDIS_URL, REDIS_CLUSTER_NODES, REDIS_PASSWORD, mongoEndpoints,
 * qdrantEndpoints, redisEndpoints, placement, tenants, backups, migrations) and, only where they
 * apply, QDRANT_API_KEY, the Docker host files of each backup (`<engine>BackupScript`,
 * `<engine>RestoreScript`, `<engine>BackupCron`, `<engine>BackupEnv`), redisRestoreJobs,
 * alertRules, prometheusScrapeConfig, exporterEndpoints and mongodbProfiling (README "Day-2
 * operations", "Profiling", "Migrations"). An output that does not apply is absent, not undefined.
 */
import { readStackConfig } from "./program/config";
import { program } from "./program/program";

export = program(readStackConfig());
