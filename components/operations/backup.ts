/**
 * `DataTierBackup`: the one backup component. It does what backing up any engine takes, and asks a
 * per-engine `BackupStrategy` (mongoBackup.ts, qdrantSnapshots.ts, redisBackup.ts) only for what
 * differs: the settings, the engine's arguments, the commands, the nodes to reach and the restore.
 *
 * What it does for every engine:
 * - validation: the component name, the settings, the engine's arguments, S3 only on Kubernetes and
 *   with credentials, the Docker network when the tools container joins one; every problem at once.
 * - Kubernetes: the Secret `<name>-credentials` (engine credentials and the bucket's), the backup PVC
 *   `<name>-backups` (kept on delete) unless `existingClaim` or S3, the CronJob `<name>` (Forbid,
 *   non-root, read-only root filesystem) running the strategy's step then, for S3, the rclone upload;
 *   and, when the settings ask for a restore, the Job `<name>-restore-<hash of the request>`.
 * - Docker: Docker has no scheduler, so the host backup and restore scripts, root's crontab line and
 *   the content of the root-only env file (a secret) the scripts read.
 * - the outputs every engine has (schedule, location, CronJob name, host files), then the engine's own.
 *
 * The component's type token stays the engine's (`kato:ops:MongoBackup`, `kato:ops:QdrantSnapshots`,
 * `kato:ops:RedisBackup`) and the children keep their names, so stacks created when these were three
 * separate components keep every URN (test/operations/backupIdentity.test.ts).
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { assertNoProblems, type Problem, problem } from "../shared/problems";
import type { Target } from "../shared/target";
import type { ResolvedBackupCommon } from "./backupSettings";
import {
  componentNameProblems,
  hostCronLine,
  hostScriptPaths,
  opsLabels,
  s3Problems,
  settingsOf,
} from "./common";
import {
  type BackupPodOptions,
  backupCredentialsSecret,
  backupCronJob,
  backupPodSpec,
  backupVolume,
  copiesDir,
  copiesLocation,
  oneShotJob,
  type S3Credentials,
  type ScriptStep,
  shortHash,
  uploadContainer,
} from "./k8sJobs";
import { envFileContent } from "./shell";

/** Arguments every backup component takes besides its settings. */
export interface BackupArgs {
  target: Target;
  /** Bucket credentials, for destination `s3`. */
  s3Credentials?: S3Credentials;
  /** Kubernetes: extra labels on the backup pods (e.g. what the engine's NetworkPolicy admits). */
  podLabels?: Record<string, string>;
}

/** The argument keys of BackupArgs: not settings. */
export const BACKUP_ARG_KEYS = ["target", "s3Credentials", "podLabels"] as const;

/** What a strategy knows about the component being built, on Kubernetes. */
export interface KubernetesBackupContext<A, S extends ResolvedBackupCommon> {
  name: string;
  args: A;
  settings: S;
  namespace: pulumi.Input<string>;
  /** The component's labels plus `podLabels`. */
  podLabels: Record<string, string>;
  /** The Secret with the engine's and the bucket's credentials. */
  secretName: string;
  /** The claim the copies are on (destination volume), else undefined (S3, or copies kept on the engine). */
  claimName?: string;
  /** Directory of the copies inside the pods: the component's own on the claim, else the scratch volume. */
  copiesDir: string;
  /** What every pod of the component shares (backupPodSpec's options without the containers). */
  pod: Pick<BackupPodOptions, "common" | "uid" | "secretName" | "claimName">;
}

/** What a strategy knows when it renders the Docker host scripts (plain values only). */
export interface DockerBackupContext<A, S extends ResolvedBackupCommon> {
  name: string;
  args: A;
  settings: S;
  /** The Docker network the tools container joins (strategies with `dockerNetwork`). */
  network?: string;
  /** The root-only env file the host scripts read (hostScriptPaths). */
  envFile: string;
}

/** A restore Job the settings ask for: created once per distinct `request`. */
export interface RestoreJobPlan {
  /** What identifies the request (the archive, run, source...): the Job is named after its hash. */
  request: string;
  /** A container run first (the download from S3). */
  first?: k8s.types.input.core.v1.Container;
  steps: ScriptStep[];
}

/** What differs per engine. Everything here is plain, except the credentials the engine's args carry. */
export interface BackupStrategy<A extends BackupArgs, S extends ResolvedBackupCommon> {
  /** The component kind: type token `kato:ops:<kind>`, and the subject of its error messages. */
  kind: string;
  /** `app.kubernetes.io/name` of the component's objects. */
  appName: string;
  /** `kato.dev/restore` label of its restore Jobs. */
  engine: string;
  /** The engine's own argument keys (besides BACKUP_ARG_KEYS): not settings. */
  argKeys: readonly string[];
  resolve(raw: Record<string, unknown>, name: string): { settings?: S; problems: Problem[] };
  /** Problems of the engine's own arguments (endpoints, mode...). */
  argProblems(name: string, args: A): Problem[];
  /**
   * Docker: the tools container joins the engine's network, `target.networkName`; `fix` is the
   * advice when the target names none.
   */
  dockerNetwork?: { fix: string };
  /**
   * When copies stay on the engine's nodes (Qdrant with `download: false`): the `location` output
   * saying where. Then there is no claim, no upload and no host copy. Undefined: copies leave them.
   */
  copiesStayOnEngine?(settings: S): string | undefined;
  /** uid the backup and restore pods run as. */
  uid(settings: S): number;
  /** The engine's credentials in the component's Secret: key -> value. */
  secretData(args: A): Record<string, pulumi.Input<string>>;
  /** The scheduled pod's step. */
  backupStep(ctx: KubernetesBackupContext<A, S>): ScriptStep;
  /** Files of a run the S3 upload takes (rclone --include). */
  uploadInclude(name: string): string;
  /** The restore Job the settings ask for, if any (strategies without one never create one). */
  restoreJob?(ctx: KubernetesBackupContext<A, S>): RestoreJobPlan | undefined;
  /** Docker: the host backup and restore scripts. */
  dockerScripts(ctx: DockerBackupContext<A, S>): { backup: string; restore: string };
  /** Docker: the variables of the root-only env file (credentials), or undefined for no file. */
  dockerEnv(args: A): pulumi.Input<Record<string, pulumi.Input<string | undefined>>> | undefined;
  /** The engine's own outputs; `kubernetes` is undefined on Docker. */
  outputs(ctx: {
    name: string;
    args: A;
    settings: S;
    kubernetes?: KubernetesBackupContext<A, S>;
  }): Record<string, pulumi.Input<unknown>>;
}

export class DataTierBackup<
  A extends BackupArgs,
  S extends ResolvedBackupCommon,
> extends pulumi.ComponentResource {
  /** The validated settings (plain). */
  declare readonly settings: S;
  declare readonly schedule: pulumi.Output<string>;
  /** Where the copies are: `pvc/<claim>:<dir>`, `s3://bucket/prefix`, `docker-host:<dir>`, or on the engine. */
  declare readonly location: pulumi.Output<string>;
  declare readonly cronJobName: pulumi.Output<string | undefined>;
  /** Docker: the host backup script (install at hostScriptPaths(name).backup, common.ts). */
  declare readonly hostBackupScript: pulumi.Output<string | undefined>;
  /** Docker: the host restore script. */
  declare readonly hostRestoreScript: pulumi.Output<string | undefined>;
  /** Docker: the crontab line for root. */
  declare readonly cronLine: pulumi.Output<string | undefined>;
  /** Docker: content of the root-only env file the scripts read (secret). */
  declare readonly credentialsEnvFile: pulumi.Output<string | undefined>;

  constructor(strategy: BackupStrategy<A, S>, name: string, args: A, opts?: pulumi.ComponentResourceOptions) {
    super(`kato:ops:${strategy.kind}`, name, {}, opts);
    const resolved = strategy.resolve(settingsOf(args, [...BACKUP_ARG_KEYS, ...strategy.argKeys]), name);
    const problems = [
      ...componentNameProblems(strategy.kind, name),
      ...resolved.problems,
      ...strategy.argProblems(name, args),
    ];
    if (resolved.settings) problems.push(...s3Problems(name, resolved.settings, args));
    const network = args.target.kind === "docker" ? args.target.networkName : undefined;
    if (strategy.dockerNetwork && args.target.kind === "docker" && network === undefined) {
      problems.push(
        problem(
          `${name}.target.networkName`,
          undefined,
          "is required on Docker.",
          strategy.dockerNetwork.fix,
        ),
      );
    }
    assertNoProblems(problems, `${strategy.kind} ${name}`);
    const s = resolved.settings!;
    this.settings = s;
    const { labels } = opsLabels(strategy.appName, name);
    const onEngine = strategy.copiesStayOnEngine?.(s);
    const leaves = onEngine === undefined;

    let location: pulumi.Input<string>;
    let cronJobName: pulumi.Input<string | undefined>;
    let restoreJobName: pulumi.Input<string | undefined>;
    let hostBackupScript: pulumi.Input<string | undefined>;
    let hostRestoreScript: pulumi.Input<string | undefined>;
    let cronLine: string | undefined;
    let credentialsEnvFile: pulumi.Input<string | undefined>;
    let kubernetes: KubernetesBackupContext<A, S> | undefined;

    if (args.target.kind === "kubernetes") {
      const target = args.target;
      const namespace = target.namespace;
      const secretName = backupCredentialsSecret(
        name,
        namespace,
        labels,
        strategy.secretData(args),
        args.s3Credentials,
        this,
        target,
      );
      const claimName =
        leaves && s.destination === "volume"
          ? backupVolume(name, namespace, labels, s, this, target)
          : undefined;
      const podLabels = { ...labels, ...(args.podLabels ?? {}) };
      const ctx: KubernetesBackupContext<A, S> = {
        name,
        args,
        settings: s,
        namespace,
        podLabels,
        secretName,
        ...(claimName !== undefined ? { claimName } : {}),
        copiesDir: copiesDir(name, claimName),
        pod: { common: s, uid: strategy.uid(s), secretName, claimName },
      };
      kubernetes = ctx;
      const upload = leaves ? uploadContainer(s, strategy.uploadInclude(name), secretName) : undefined;
      const cron = backupCronJob(
        name,
        namespace,
        podLabels,
        s,
        backupPodSpec({ ...ctx.pod, steps: [strategy.backupStep(ctx)], final: upload }),
        this,
        target,
      );
      cronJobName = cron.metadata.name;
      location = onEngine ?? copiesLocation(name, claimName, s);

      const restore = strategy.restoreJob?.(ctx);
      if (restore) {
        const job = oneShotJob(
          `${name}-restore-${shortHash(restore.request)}`,
          namespace,
          { ...podLabels, "kato.dev/restore": strategy.engine },
          s,
          backupPodSpec({ ...ctx.pod, readOnlyClaim: true, first: restore.first, steps: restore.steps }),
          this,
          target,
        );
        restoreJobName = job.metadata.name;
      }
    } else {
      const paths = hostScriptPaths(name);
      const render = (net: string | undefined) =>
        strategy.dockerScripts({
          name,
          args,
          settings: s,
          ...(net !== undefined ? { network: net } : {}),
          envFile: paths.envFile,
        });
      const scripts = strategy.dockerNetwork
        ? pulumi.output(network!).apply((net) => render(net))
        : pulumi.output(render(undefined));
      hostBackupScript = scripts.backup;
      hostRestoreScript = scripts.restore;
      cronLine = hostCronLine(name, s);
      const env = strategy.dockerEnv(args);
      credentialsEnvFile =
        env === undefined
          ? undefined
          : pulumi.secret(pulumi.output(env).apply((vars) => envFileContent(vars)));
      location = onEngine ?? `docker-host:${s.hostDirectory}/`;
    }

    this.schedule = pulumi.output(s.schedule);
    this.location = pulumi.output(location);
    this.cronJobName = pulumi.output(cronJobName);
    this.hostBackupScript = pulumi.output(hostBackupScript);
    this.hostRestoreScript = pulumi.output(hostRestoreScript);
    this.cronLine = pulumi.output(cronLine);
    this.credentialsEnvFile = pulumi.output(credentialsEnvFile);
    const own: Record<string, pulumi.Output<unknown>> = {};
    // Only engines that can have a restore Job have the output (Redis restores are rendered manifests).
    if (strategy.restoreJob) own.restoreJobName = pulumi.output(restoreJobName);
    const extra = strategy.outputs({ name, args, settings: s, ...(kubernetes ? { kubernetes } : {}) });
    for (const [key, value] of Object.entries(extra)) own[key] = pulumi.output(value);
    Object.assign(this, own);
    this.registerOutputs({
      schedule: this.schedule,
      location: this.location,
      cronJobName: this.cronJobName,
      hostBackupScript: this.hostBackupScript,
      hostRestoreScript: this.hostRestoreScript,
      cronLine: this.cronLine,
      credentialsEnvFile: this.credentialsEnvFile,
      ...own,
    });
  }
}
