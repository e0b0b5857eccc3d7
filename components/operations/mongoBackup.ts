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
import { assertNoProblems, problem } from "../shared/problems";
import type { Target } from "../shared/target";
import {
  componentNameProblems,
  hostCronLine,
  hostScriptPaths,
  opsLabels,
  s3Problems,
  settingsOf,
} from "./common";
import {
  backupCredentialsSecret,
  backupCronJob,
  backupPodSpec,
  backupVolume,
  copiesDir,
  copiesLocation,
  downloadContainer,
  oneShotJob,
  type S3Credentials,
  shortHash,
  uploadContainer,
} from "./k8sJobs";
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
import { envFileContent } from "./shell";

export interface MongoBackupArgs extends MongoBackupSettings {
  target: Target;
  /** Connection string of the replica set (with `replicaSet=`) and a user with the `backup` role; root works. */
  uri: pulumi.Input<string>;
  /** Connection string used by restores (a user with the `restore` role; root works). Default: `uri`. */
  restoreUri?: pulumi.Input<string>;
  /** Bucket credentials, for destination `s3`. */
  s3Credentials?: S3Credentials;
  /** Docker: the network the members are on. Default: `target.networkName`. */
  network?: pulumi.Input<string>;
  /** Kubernetes: extra labels on the backup pods (e.g. what the engine's NetworkPolicy admits). */
  podLabels?: Record<string, string>;
}

const ARG_KEYS = ["target", "uri", "restoreUri", "s3Credentials", "network", "podLabels"];

export class MongoBackup extends pulumi.ComponentResource {
  /** The validated settings (plain). */
  declare readonly settings: ResolvedMongoBackupSettings;
  declare readonly schedule: pulumi.Output<string>;
  /** Where the copies are: `pvc/<claim>:<dir>`, `s3://bucket/prefix`, or `docker-host:<dir>`. */
  declare readonly location: pulumi.Output<string>;
  declare readonly cronJobName: pulumi.Output<string | undefined>;
  declare readonly restoreJobName: pulumi.Output<string | undefined>;
  /** Docker: the host backup script (install at hostScriptPaths(name).backup, common.ts). */
  declare readonly hostBackupScript: pulumi.Output<string | undefined>;
  /** Docker: the host restore script (`<script> <archive file name>`). */
  declare readonly hostRestoreScript: pulumi.Output<string | undefined>;
  /** Docker: the crontab line for root. */
  declare readonly cronLine: pulumi.Output<string | undefined>;
  /** Docker: content of the root-only env file the scripts read (secret). */
  declare readonly credentialsEnvFile: pulumi.Output<string | undefined>;
  /** The mongorestore invocation a restore runs (with `$cfg` holding the URI). */
  declare readonly restoreCommand: pulumi.Output<string>;

  constructor(name: string, args: MongoBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kato:ops:MongoBackup", name, {}, opts);
    const resolved = resolveMongoBackupSettings(settingsOf(args, ARG_KEYS), name);
    const problems = [...componentNameProblems("MongoBackup", name), ...resolved.problems];
    if (resolved.settings) problems.push(...s3Problems(name, resolved.settings, args));
    const network = args.network ?? (args.target.kind === "docker" ? args.target.networkName : undefined);
    if (args.target.kind === "docker" && network === undefined) {
      problems.push(
        problem(
          `${name}.network`,
          undefined,
          "is required on Docker.",
          "pass the replica set's Docker network name.",
        ),
      );
    }
    assertNoProblems(problems, `MongoBackup ${name}`);
    const s = resolved.settings!;
    this.settings = s;
    const { labels } = opsLabels("kato-mongodb-backup", name);
    const restoreArchive = s.restoreFrom ?? "<archive>.archive.gz";

    let location: pulumi.Input<string>;
    let cronJobName: pulumi.Input<string | undefined>;
    let restoreJobName: pulumi.Input<string | undefined>;
    let hostBackupScript: pulumi.Input<string | undefined>;
    let hostRestoreScript: pulumi.Input<string | undefined>;
    let cronLine: pulumi.Input<string | undefined>;
    let credentialsEnvFile: pulumi.Input<string | undefined>;

    if (args.target.kind === "kubernetes") {
      const target = args.target;
      const ns = target.namespace;
      const secretName = backupCredentialsSecret(
        name,
        ns,
        labels,
        { "mongodb-uri": args.uri, "mongodb-restore-uri": args.restoreUri ?? args.uri },
        args.s3Credentials,
        this,
        target,
      );
      const podLabels = { ...labels, ...(args.podLabels ?? {}) };
      const common = { common: s, uid: 999, secretName };
      const claimName =
        s.destination === "volume" ? backupVolume(name, ns, labels, s, this, target) : undefined;
      const dump = {
        name: "mongodump",
        image: s.image,
        shell: "bash" as const,
        script: mongoBackupContainerScript({
          filePrefix: name,
          outDir: copiesDir(name, claimName),
          readPreference: s.readPreference,
          ...(claimName ? { retentionDays: s.retentionDays } : {}),
        }),
        secretEnv: { [MONGODB_URI_ENV]: "mongodb-uri" },
      };
      const upload = uploadContainer(s, `${name}-*.archive.gz`, secretName);
      const cron = backupCronJob(
        name,
        ns,
        podLabels,
        s,
        backupPodSpec({ ...common, claimName, steps: [dump], final: upload }),
        this,
        target,
      );
      cronJobName = cron.metadata.name;
      location = copiesLocation(name, claimName, s);

      if (s.restoreFrom) {
        const archivePath = `${copiesDir(name, claimName)}/${s.restoreFrom}`;
        const restore = {
          name: "mongorestore",
          image: s.image,
          shell: "bash" as const,
          script: mongoRestoreContainerScript({ archivePath, drop: s.restoreDrop }),
          secretEnv: { [MONGODB_URI_ENV]: "mongodb-restore-uri" },
        };
        const download = downloadContainer(s, s.restoreFrom, archivePath, secretName);
        const job = oneShotJob(
          `${name}-restore-${shortHash(s.restoreFrom)}`,
          ns,
          { ...podLabels, "kato.dev/restore": "mongodb" },
          s,
          backupPodSpec({ ...common, claimName, readOnlyClaim: true, first: download, steps: [restore] }),
          this,
          target,
        );
        restoreJobName = job.metadata.name;
      }
    } else {
      const { envFile } = hostScriptPaths(name);
      const scripts = pulumi.output(network!).apply((net) => {
        const o = { componentName: name, settings: s, network: net, envFile };
        return { backup: mongoDockerBackupScript(o), restore: mongoDockerRestoreScript(o) };
      });
      hostBackupScript = scripts.backup;
      hostRestoreScript = scripts.restore;
      cronLine = hostCronLine(name, s);
      credentialsEnvFile = pulumi.secret(
        pulumi
          .all([args.uri, args.restoreUri ?? ""])
          .apply(([uri, restoreUri]) =>
            envFileContent({ [MONGODB_URI_ENV]: uri, MONGODB_RESTORE_URI: restoreUri || undefined }),
          ),
      );
      location = `docker-host:${s.hostDirectory}/`;
    }

    this.schedule = pulumi.output(s.schedule);
    this.location = pulumi.output(location);
    this.cronJobName = pulumi.output(cronJobName);
    this.restoreJobName = pulumi.output(restoreJobName);
    this.hostBackupScript = pulumi.output(hostBackupScript);
    this.hostRestoreScript = pulumi.output(hostRestoreScript);
    this.cronLine = pulumi.output(cronLine);
    this.credentialsEnvFile = pulumi.output(credentialsEnvFile);
    this.restoreCommand = pulumi.output(mongoRestoreCommandLine(restoreArchive, s.restoreDrop));
    this.registerOutputs({
      schedule: this.schedule,
      location: this.location,
      cronJobName: this.cronJobName,
      restoreJobName: this.restoreJobName,
      hostBackupScript: this.hostBackupScript,
      hostRestoreScript: this.hostRestoreScript,
      cronLine: this.cronLine,
      credentialsEnvFile: this.credentialsEnvFile,
      restoreCommand: this.restoreCommand,
    });
  }
}
