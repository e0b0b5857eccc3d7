/**
 * Kubernetes wiring shared by the backup components: the credentials Secret, the backup PVC, and
 * CronJobs/Jobs whose pods run non-root with a read-only root filesystem, read credentials from the
 * Secret through env (never from a command line), and either keep copies on the PVC or stage them
 * on a scratch volume that an rclone container uploads to S3.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, k8sChildOptions, podSecurityContext } from "../shared/k8s";
import type { KubernetesTarget } from "../shared/target";
import type { ResolvedBackupCommon } from "./backupSettings";
import {
  rcloneDownloadScript,
  rclonePlainEnv,
  rcloneUploadScript,
  S3_ACCESS_KEY_ENV,
  S3_ACCESS_KEY_SECRET_KEY,
  S3_SECRET_KEY_ENV,
  S3_SECRET_KEY_SECRET_KEY,
} from "./s3";
import { retentionMinutes } from "./schedule";

type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;
export type PodSpec = k8s.types.input.core.v1.PodSpec;

/** Where the backup volume (or, for S3, the scratch volume) is mounted. */
export const BACKUP_MOUNT = "/backups";
export const WORK_MOUNT = "/work";

/** Bucket credentials of a backup component with destination `s3`. */
export interface S3Credentials {
  accessKeyId: pulumi.Input<string>;
  secretAccessKey: pulumi.Input<string>;
}

export interface ScriptStep {
  name: string;
  image: string;
  shell: "sh" | "bash";
  script: string;
  /** Environment variables read from the component's Secret: env name -> Secret key. */
  secretEnv?: Record<string, string>;
  env?: { name: string; value: string }[];
  /** Positional arguments of the script (`$1`, `$2`...). */
  args?: string[];
}

export function secretEnv(secretName: pulumi.Input<string>, map: Record<string, string>): EnvVar[] {
  return Object.entries(map).map(([name, key]) => ({
    name,
    valueFrom: { secretKeyRef: { name: secretName, key } },
  }));
}

const SCRATCH_MOUNTS = [
  { name: "tmp", mountPath: "/tmp" },
  { name: "secret-scratch", mountPath: "/run/kato" },
];

/**
 * What every container of a backup pod ends with: its data volume and the scratch mounts, the
 * component's requests (memory limit = request), non-root with a read-only root filesystem.
 */
function containerBase(
  common: ResolvedBackupCommon,
  dataMount: { name: string; mountPath: string; readOnly?: boolean },
): Pick<Container, "volumeMounts" | "resources" | "securityContext"> {
  return {
    volumeMounts: [dataMount, ...SCRATCH_MOUNTS],
    resources: {
      requests: { cpu: common.resources.cpu, memory: common.resources.memory },
      limits: { memory: common.resources.memory },
    },
    securityContext: { ...containerSecurityContext(), readOnlyRootFilesystem: true },
  };
}

function stepContainer(
  step: ScriptStep,
  dataMount: { name: string; mountPath: string; readOnly?: boolean },
  secretName: pulumi.Input<string>,
  common: ResolvedBackupCommon,
): Container {
  return {
    name: step.name,
    image: step.image,
    imagePullPolicy: "IfNotPresent",
    command: [
      step.shell === "bash" ? "bash" : "sh",
      "-c",
      step.script,
      ...(step.args ? [step.name, ...step.args] : []),
    ],
    env: [...(step.env ?? []), ...secretEnv(secretName, step.secretEnv ?? {})],
    ...containerBase(common, dataMount),
  };
}

/** The rclone container: uploads or downloads, with the bucket credentials from the Secret. */
export function rcloneContainer(
  name: string,
  script: string,
  secretName: pulumi.Input<string>,
  common: ResolvedBackupCommon,
): Container {
  if (!common.s3) throw new Error("rcloneContainer needs resolved s3 settings");
  return {
    name,
    image: common.uploadImage,
    imagePullPolicy: "IfNotPresent",
    command: ["sh", "-c", script],
    env: [
      ...rclonePlainEnv(common.s3),
      ...secretEnv(secretName, {
        [S3_ACCESS_KEY_ENV]: S3_ACCESS_KEY_SECRET_KEY,
        [S3_SECRET_KEY_ENV]: S3_SECRET_KEY_SECRET_KEY,
      }),
    ],
    ...containerBase(common, { name: "work", mountPath: WORK_MOUNT }),
  };
}

/** The S3 upload after a scheduled copy (destination s3 only): WORK_MOUNT's files matching `include`, then bucket retention. */
export function uploadContainer(
  common: ResolvedBackupCommon,
  include: string,
  secretName: pulumi.Input<string>,
): Container | undefined {
  if (!common.s3) return undefined;
  const script = rcloneUploadScript(common.s3, {
    localDir: WORK_MOUNT,
    include,
    retentionMinutes: retentionMinutes(common.retentionDays),
  });
  return rcloneContainer("upload", script, secretName, common);
}

/** The S3 download before a restore (destination s3 only): the object `key` to `localFile`. */
export function downloadContainer(
  common: ResolvedBackupCommon,
  key: string,
  localFile: string,
  secretName: pulumi.Input<string>,
): Container | undefined {
  if (!common.s3) return undefined;
  return rcloneContainer("download", rcloneDownloadScript(common.s3, key, localFile), secretName, common);
}

export interface BackupPodOptions {
  common: ResolvedBackupCommon;
  uid: number;
  secretName: pulumi.Input<string>;
  /** PVC holding the copies (destination volume, and restores from it). */
  claimName?: pulumi.Input<string>;
  /** A container run before the steps (for restores from S3: the download). */
  first?: Container;
  /** Steps run in order; for S3 they read and write WORK_MOUNT. */
  steps: ScriptStep[];
  /** Final container for S3 destinations (the upload, or for restores the restore step itself). */
  final?: Container;
  /** Mount the claim read-only (restores). */
  readOnlyClaim?: boolean;
}

/**
 * A pod that runs `steps` in order. With a claim the data volume is the PVC at BACKUP_MOUNT;
 * otherwise a scratch volume at WORK_MOUNT shared with `final`. All but the last container are init
 * containers, so each runs only if the previous one succeeded.
 */
export function backupPodSpec(opts: BackupPodOptions): PodSpec {
  const dataMount = opts.claimName
    ? { name: "backups", mountPath: BACKUP_MOUNT, ...(opts.readOnlyClaim ? { readOnly: true } : {}) }
    : { name: "work", mountPath: WORK_MOUNT };
  const containers = [
    ...(opts.first ? [opts.first] : []),
    ...opts.steps.map((s) => stepContainer(s, dataMount, opts.secretName, opts.common)),
  ];
  if (opts.final) containers.push(opts.final);
  const last = containers.pop()!;
  return {
    restartPolicy: "Never",
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: podSecurityContext(opts.uid),
    ...(containers.length > 0 ? { initContainers: containers } : {}),
    containers: [last],
    volumes: [
      opts.claimName
        ? {
            name: "backups",
            persistentVolumeClaim: { claimName: opts.claimName, readOnly: opts.readOnlyClaim ?? false },
          }
        : { name: "work", emptyDir: {} },
      { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      { name: "secret-scratch", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    ],
  };
}

/**
 * The Secret `<component>-credentials` of a backup component: the engine's credentials under their
 * keys and, when given, the bucket's under the keys rcloneContainer reads. Returns its name.
 */
export function backupCredentialsSecret(
  component: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  engineCredentials: Record<string, pulumi.Input<string>>,
  s3Credentials: S3Credentials | undefined,
  parent: pulumi.Resource,
  target: KubernetesTarget,
): string {
  const name = `${component}-credentials`;
  const s3: Record<string, pulumi.Input<string>> = s3Credentials
    ? {
        [S3_ACCESS_KEY_SECRET_KEY]: s3Credentials.accessKeyId,
        [S3_SECRET_KEY_SECRET_KEY]: s3Credentials.secretAccessKey,
      }
    : {};
  credentialsSecret(name, namespace, labels, { ...engineCredentials, ...s3 }, parent, target);
  return name;
}

export function credentialsSecret(
  name: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  stringData: Record<string, pulumi.Input<string>>,
  parent: pulumi.Resource,
  target: KubernetesTarget,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    name,
    { metadata: { name, namespace, labels }, type: "Opaque", stringData },
    k8sChildOptions(parent, target, { additionalSecretOutputs: ["stringData", "data"] }),
  );
}

/** The backup PVC; kept when the component is deleted (backups outlive what they back up). */
export function backupClaim(
  name: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  common: ResolvedBackupCommon,
  parent: pulumi.Resource,
  target: KubernetesTarget,
): k8s.core.v1.PersistentVolumeClaim {
  return new k8s.core.v1.PersistentVolumeClaim(
    name,
    {
      // Pulumi must not wait for binding: WaitForFirstConsumer classes bind only when the first job runs.
      metadata: { name, namespace, labels, annotations: { "pulumi.com/skipAwait": "true" } },
      spec: {
        accessModes: ["ReadWriteOnce"],
        ...(common.storageClass ? { storageClassName: common.storageClass } : {}),
        resources: { requests: { storage: common.volumeSize } },
      },
    },
    k8sChildOptions(parent, target, { retainOnDelete: true }),
  );
}

/** The claim the copies go to: `existingClaim`, or `<component>-backups`, created (and kept) here. */
export function backupVolume(
  component: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  common: ResolvedBackupCommon,
  parent: pulumi.Resource,
  target: KubernetesTarget,
): string {
  if (common.existingClaim) return common.existingClaim;
  const name = `${component}-backups`;
  backupClaim(name, namespace, labels, common, parent, target);
  return name;
}

/** The directory of the component's copies inside its pods: its own on the claim, else the scratch volume. */
export function copiesDir(component: string, claimName: string | undefined): string {
  return claimName ? `${BACKUP_MOUNT}/${component}` : WORK_MOUNT;
}

/** Where the copies are, for the `location` output: `pvc/<claim>:<component>/` or `s3://bucket/prefix/`. */
export function copiesLocation(
  component: string,
  claimName: string | undefined,
  common: ResolvedBackupCommon,
): string {
  return claimName ? `pvc/${claimName}:${component}/` : `s3://${common.s3!.bucket}/${common.s3!.prefix}/`;
}

/** The spec of a Job running `podSpec`, within the component's timeout. */
export function backupJobSpec(
  common: ResolvedBackupCommon,
  labels: Record<string, string>,
  podSpec: PodSpec,
  backoffLimit: number,
): k8s.types.input.batch.v1.JobSpec {
  return {
    backoffLimit,
    activeDeadlineSeconds: common.timeoutMinutes * 60,
    template: { metadata: { labels }, spec: podSpec },
  };
}

export function backupCronJob(
  name: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  common: ResolvedBackupCommon,
  podSpec: PodSpec,
  parent: pulumi.Resource,
  target: KubernetesTarget,
): k8s.batch.v1.CronJob {
  return new k8s.batch.v1.CronJob(
    name,
    {
      metadata: { name, namespace, labels },
      spec: {
        schedule: common.schedule,
        ...(common.timeZone ? { timeZone: common.timeZone } : {}),
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        suspend: !common.enabled,
        jobTemplate: { metadata: { labels }, spec: backupJobSpec(common, labels, podSpec, 1) },
      },
    },
    k8sChildOptions(parent, target),
  );
}

/** A Job that runs once when created (restores); a different name per distinct request. */
export function oneShotJob(
  name: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  common: ResolvedBackupCommon,
  podSpec: PodSpec,
  parent: pulumi.Resource,
  target: KubernetesTarget,
): k8s.batch.v1.Job {
  return new k8s.batch.v1.Job(
    name,
    { metadata: { name, namespace, labels }, spec: backupJobSpec(common, labels, podSpec, 0) },
    // A finished restore is not re-run by later `pulumi up`s; replacing it (new name) runs a new one.
    // `pulumi up` waits for the Job to complete, as long as the Job itself may run.
    k8sChildOptions(parent, target, {
      deleteBeforeReplace: true,
      customTimeouts: { create: `${common.timeoutMinutes + 5}m`, update: `${common.timeoutMinutes + 5}m` },
    }),
  );
}

/** A short stable suffix for names derived from a request (e.g. which archive to restore). */
export function shortHash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(16).padStart(8, "0").slice(0, 8);
}
