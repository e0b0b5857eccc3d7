/**
 * `MongoBackup` (`kato:ops:MongoBackup`): scheduled `mongodump --oplog --gzip --archive` of a
 * replica set with retention, and restores.
 *
 * - Kubernetes: a CronJob (concurrencyPolicy Forbid, non-root, read-only root filesystem) writing to
 *   a PVC, or staging the archive on a scratch volume that an rclone container uploads to S3 (two
 *   containers in one pod: the official mongo image has no S3 client, rclone has no mongodump).
 *   Setting `restoreFrom` creates a Job that restores that archive, once per distinct value.
 * - Docker: Docker has no scheduler, so the component renders a host script (a one-shot
 *   `docker run --rm` of the tools image on the replica set's network) and its crontab line, plus a
 *   restore script; the operator installs them (docs/operations.md).
 * Credentials reach the containers only through env from a Secret (Kubernetes) or a root-only env
 * file on the host (Docker); the rendered scripts contain none.
 */
import * as pulumi from "@pulumi/pulumi";
import { MONGO_UID } from "../mongodb/topology";
import { type BackupArgs, type BackupStrategy, DataTierBackup } from "./backup";
import { downloadContainer } from "./k8sJobs";
import {
  MONGODB_URI_ENV,
  type MongoBackupSettings,
  mongoBackupContainerScript,
  mongoDockerBackupScript,
  mongoDockerRestoreScript,
  mongoRestoreCommandLine,
  mongoRestoreContainerScript,
  type ResolvedMongoBackupSettings,
  resolveMongoBackupSettings,
} from "./mongoBackupPlan";

export interface MongoBackupArgs extends MongoBackupSettings, BackupArgs {
  /** Connection string of the replica set (with `replicaSet=`) and a user with the `backup` role; root works. */
  uri: pulumi.Input<string>;
  /** Connection string used by restores (a user with the `restore` role; root works). Default: `uri`. */
  restoreUri?: pulumi.Input<string>;
}

/** What backing up MongoDB adds to DataTierBackup: mongodump to an archive, mongorestore from one. */
export const mongoStrategy: BackupStrategy<MongoBackupArgs, ResolvedMongoBackupSettings> = {
  kind: "MongoBackup",
  appName: "kato-mongodb-backup",
  engine: "mongodb",
  argKeys: ["uri", "restoreUri"],
  resolve: (raw, name) => resolveMongoBackupSettings(raw, name),
  argProblems: () => [],
  dockerNetwork: { fix: "set target.networkName to the replica set's Docker network." },
  // The tools image is the server's: its `mongodb` user.
  uid: () => MONGO_UID,
  secretData: (args) => ({ "mongodb-uri": args.uri, "mongodb-restore-uri": args.restoreUri ?? args.uri }),
  backupStep: ({ name, settings: s, claimName, copiesDir }) => ({
    name: "mongodump",
    image: s.image,
    shell: "bash",
    script: mongoBackupContainerScript({
      filePrefix: name,
      outDir: copiesDir,
      readPreference: s.readPreference,
      ...(claimName ? { retentionDays: s.retentionDays } : {}),
    }),
    secretEnv: { [MONGODB_URI_ENV]: "mongodb-uri" },
  }),
  uploadInclude: (name) => `${name}-*.archive.gz`,
  restoreJob: ({ settings: s, copiesDir, secretName }) => {
    if (!s.restoreFrom) return undefined;
    const archivePath = `${copiesDir}/${s.restoreFrom}`;
    return {
      request: s.restoreFrom,
      first: downloadContainer(s, s.restoreFrom, archivePath, secretName),
      steps: [
        {
          name: "mongorestore",
          image: s.image,
          shell: "bash",
          script: mongoRestoreContainerScript({ archivePath, drop: s.restoreDrop }),
          secretEnv: { [MONGODB_URI_ENV]: "mongodb-restore-uri" },
        },
      ],
    };
  },
  dockerScripts: ({ name, settings, network, envFile }) => {
    const o = { componentName: name, settings, network: network!, envFile };
    return { backup: mongoDockerBackupScript(o), restore: mongoDockerRestoreScript(o) };
  },
  dockerEnv: (args) =>
    pulumi.all([args.uri, args.restoreUri ?? ""]).apply(([uri, restoreUri]) => ({
      [MONGODB_URI_ENV]: uri,
      MONGODB_RESTORE_URI: restoreUri || undefined,
    })),
  outputs: ({ settings: s }) => ({
    /** The mongorestore invocation a restore runs (with `$cfg` holding the URI). */
    restoreCommand: mongoRestoreCommandLine(s.restoreFrom ?? "<archive>.archive.gz", s.restoreDrop),
  }),
};

export class MongoBackup extends DataTierBackup<MongoBackupArgs, ResolvedMongoBackupSettings> {
  declare readonly restoreJobName: pulumi.Output<string | undefined>;
  /** The mongorestore invocation a restore runs (with `$cfg` holding the URI). */
  declare readonly restoreCommand: pulumi.Output<string>;

  constructor(name: string, args: MongoBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super(mongoStrategy, name, args, opts);
  }
}
