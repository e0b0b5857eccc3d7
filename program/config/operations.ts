/**
 * The day-2 keys of the stack config: `kato-infra:backups` ({ mongodb, qdrant, redis }, each the
 * settings of the operations component that backs the engine up), `kato-infra:monitoring` and the
 * bucket credentials for S3 destinations. Each object is resolved by its component's own resolver
 * over (lowest first) what the engines imply (operationsDefaults), the profile, and the stack's
 * object, so stacks get the messages a library user of the components gets. Pure.
 */

import type { BackupEngine } from "../../components/dataplane/operationsDefaults";
import { BACKUP_ENGINES, type OperationsDefaults } from "../../components/dataplane/operationsDefaults";
import {
  type ResolvedMongoBackupSettings,
  resolveMongoBackupSettings,
} from "../../components/operations/mongoBackupPlan";
import {
  type DataTierMonitoringSettings,
  type ResolvedDataTierMonitoringSettings,
  resolveDataTierMonitoringSettings,
} from "../../components/operations/monitoringPlan";
import {
  type ResolvedQdrantSnapshotsSettings,
  resolveQdrantSnapshotsSettings,
} from "../../components/operations/qdrantSnapshotsPlan";
import {
  type ResolvedRedisBackupSettings,
  resolveRedisBackupSettings,
} from "../../components/operations/redisBackupPlan";
import { checkKnownKeys, type Problem, problem } from "../../components/shared/problems";
import { isObject } from "../../components/shared/values";
import type { ProfileBackups } from "../../stacks/profiles";
import { PROJECT } from "./fields";

export interface BackupsConfig {
  mongodb: ResolvedMongoBackupSettings;
  qdrant: ResolvedQdrantSnapshotsSettings;
  redis: ResolvedRedisBackupSettings;
}

/** Bucket credentials for backups with destination s3 (from the stack's secret config). */
export interface BackupS3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface OperationsConfig {
  backups: BackupsConfig;
  /** Set when some enabled backup writes to S3. */
  backupS3Credentials?: BackupS3Credentials;
  monitoring: ResolvedDataTierMonitoringSettings;
}

export interface OperationsInput {
  /** The user's `kato-infra:backups` and `kato-infra:monitoring` values (parsed JSON), if set. */
  backups?: unknown;
  monitoring?: unknown;
  backupS3AccessKeyId?: unknown;
  backupS3SecretAccessKey?: unknown;
  /** Whether `kato-infra:backupS3SecretAccessKey` is stored as a secret. */
  secretAccessKeyIsSecret: boolean;
  profile: { backups: ProfileBackups; monitoring: DataTierMonitoringSettings };
  derived: OperationsDefaults;
  target: "docker" | "kubernetes";
  /** Whether the Qdrant cluster requires an API key (snapshots need it). */
  qdrantApiKey: boolean | undefined;
}

const field = (key: string): string => `${PROJECT}:${key}`;

type Resolver<R> = (raw: unknown, f: string, base: any) => { settings?: R; problems: Problem[] };

const RESOLVERS: { [E in BackupEngine]: Resolver<BackupsConfig[E]> } = {
  mongodb: resolveMongoBackupSettings,
  qdrant: resolveQdrantSnapshotsSettings,
  redis: resolveRedisBackupSettings,
};

/** Resolves the day-2 keys; returns every problem (fields named `kato-infra:backups.<engine>.<field>`...). */
export function resolveOperations(input: OperationsInput): { value?: OperationsConfig; problems: Problem[] } {
  const problems: Problem[] = [];
  const bf = field("backups");
  problems.push(...checkKnownKeys(bf, input.backups, BACKUP_ENGINES));
  const userBackups = isObject(input.backups) ? input.backups : {};

  const backups: Partial<BackupsConfig> = {};
  for (const engine of BACKUP_ENGINES) {
    const base = { ...input.derived[engine], ...input.profile.backups[engine] };
    const result = RESOLVERS[engine](userBackups[engine], `${bf}.${engine}`, base);
    problems.push(...result.problems);
    if (result.settings) (backups as Record<string, unknown>)[engine] = result.settings;
  }

  // What the components would refuse at `pulumi up`, said here with the stack's field names.
  const toS3: BackupEngine[] = [];
  for (const engine of BACKUP_ENGINES) {
    const s = backups[engine];
    if (!s?.enabled || s.destination !== "s3") continue;
    if (input.target === "docker") {
      problems.push(
        problem(
          `${bf}.${engine}.destination`,
          "s3",
          "is only available on Kubernetes; on Docker the rendered cron script writes to hostDirectory.",
          `remove ${bf}.${engine}.destination (and s3) on Docker, and copy hostDirectory off the host if needed (e.g. rclone sync).`,
        ),
      );
    } else {
      toS3.push(engine);
    }
  }

  let backupS3Credentials: BackupS3Credentials | undefined;
  const { backupS3AccessKeyId: id, backupS3SecretAccessKey: key } = input;
  if (toS3.length > 0) {
    const why = `${toS3.map((e) => `${bf}.${e}`).join(", ")} ${toS3.length === 1 ? "writes" : "write"} to S3`;
    if (typeof id !== "string" || id.length === 0) {
      problems.push(
        problem(
          field("backupS3AccessKeyId"),
          id,
          `is required: ${why}.`,
          `run \`pulumi config set ${field("backupS3AccessKeyId")} <access key id>\`.`,
        ),
      );
    }
    if (typeof key !== "string" || key.length === 0) {
      problems.push(
        problem(
          field("backupS3SecretAccessKey"),
          key === undefined ? undefined : "<not shown>",
          `is required: ${why}.`,
          `run \`pulumi config set --secret ${field("backupS3SecretAccessKey")} <secret access key>\`.`,
        ),
      );
    }
    if (typeof id === "string" && id && typeof key === "string" && key) {
      backupS3Credentials = { accessKeyId: id, secretAccessKey: key };
    }
  }
  if (typeof key === "string" && !input.secretAccessKeyIsSecret) {
    problems.push(
      problem(
        field("backupS3SecretAccessKey"),
        "<not shown>",
        "is stored in plaintext in the stack's config file.",
        `set it again with \`pulumi config set --secret ${field("backupS3SecretAccessKey")} <secret access key>\` (and rotate the key: it was written in the clear).`,
      ),
    );
  }

  const monitoring = resolveDataTierMonitoringSettings(
    input.monitoring,
    field("monitoring"),
    input.profile.monitoring,
  );
  problems.push(...monitoring.problems);

  if (problems.length > 0 || !backups.mongodb || !backups.qdrant || !backups.redis || !monitoring.settings) {
    return { problems };
  }
  return {
    value: {
      backups: backups as BackupsConfig,
      ...(backupS3Credentials ? { backupS3Credentials } : {}),
      monitoring: monitoring.settings,
    },
    problems,
  };
}
