/**
 * `RedisBackup` (`kato:ops:RedisBackup`): a scheduled copy of every node's RDB with retention, on
 * top of the AOF and RDB the nodes keep on their own volumes, and the restore procedure.
 *
 * - Kubernetes: a CronJob streams a fresh RDB from each node (`redis-cli --rdb`) to a PVC or, via
 *   rclone, to S3. Restores cannot run while a node runs (its volume is attached), so the component
 *   renders one restore Job manifest per node (when `dataClaims` names the nodes' PVCs) for the
 *   operator to apply after scaling the StatefulSet to zero (docs/operations.md).
 * - Docker: a host cron script (BGSAVE, wait, `docker cp` of the node's dump file) and a per-node
 *   restore script.
 */
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { assertNoProblems, type Problem, problem } from "../shared/problems";
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
  backupJobSpec,
  backupPodSpec,
  backupVolume,
  copiesDir,
  copiesLocation,
  downloadContainer,
  type PodSpec,
  type S3Credentials,
  uploadContainer,
} from "./k8sJobs";
import {
  nodeDirName,
  REPLICATION_COPY_DIR,
  type RedisBackupMode,
  type RedisBackupSettings,
  type ResolvedRedisBackupSettings,
  redisDockerBackupScript,
  redisDockerRestoreScript,
  redisRdbStreamScript,
  redisRestoreNodeScript,
  resolveRedisBackupSettings,
  splitEndpoint,
} from "./redisBackupPlan";
import { envFileContent } from "./shell";

export interface RedisBackupArgs extends RedisBackupSettings {
  target: Target;
  /** Advertised `host:port` of every node (masters and replicas). */
  endpoints: string[];
  /** The nodes' password (`requirepass`). */
  password: pulumi.Input<string>;
  /** Docker: container name of each node, same order as `endpoints`. Default: the host part of each endpoint. */
  containers?: string[];
  /** Kubernetes: the data PVC of each node, same order as `endpoints`; enables the rendered restore Jobs. */
  dataClaims?: string[];
  s3Credentials?: S3Credentials;
  podLabels?: Record<string, string>;
  /**
   * How the nodes are formed: `cluster` (each node holds its own slots: a copy per node) or
   * `replication` (each node holds the whole dataset: one copy per run, from an in-sync replica,
   * restored into every node). Default `cluster`.
   */
  mode?: RedisBackupMode;
}

const ARG_KEYS = [
  "target",
  "endpoints",
  "password",
  "containers",
  "dataClaims",
  "s3Credentials",
  "podLabels",
  "mode",
];
/** Placeholder the operator replaces with the copy's time stamp in a rendered restore Job. */
export const STAMP_PLACEHOLDER = "STAMP";

function endpointProblems(name: string, args: RedisBackupArgs): Problem[] {
  const out: Problem[] = [];
  if (!Array.isArray(args.endpoints) || args.endpoints.length === 0) {
    out.push(
      problem(`${name}.endpoints`, args.endpoints, "must list every node.", "pass the cluster's endpoints."),
    );
    return out;
  }
  for (const e of args.endpoints) {
    const { host, port } = splitEndpoint(e);
    if (!/^[A-Za-z0-9._-]+$/.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) {
      out.push(problem(`${name}.endpoints`, e, "is not a host:port.", "pass endpoints as host:port."));
    }
  }
  if (args.mode !== undefined && args.mode !== "cluster" && args.mode !== "replication") {
    out.push(
      problem(
        `${name}.mode`,
        args.mode,
        "must be cluster or replication.",
        "pass the Redis component's settings.mode.",
      ),
    );
  }
  for (const key of ["containers", "dataClaims"] as const) {
    const list = args[key];
    if (list !== undefined && list.length !== args.endpoints.length) {
      out.push(
        problem(
          `${name}.${key}`,
          list,
          `must have one entry per endpoint (${args.endpoints.length}).`,
          "list them in endpoint order.",
        ),
      );
    }
  }
  return out;
}

export class RedisBackup extends pulumi.ComponentResource {
  declare readonly settings: ResolvedRedisBackupSettings;
  declare readonly schedule: pulumi.Output<string>;
  declare readonly location: pulumi.Output<string>;
  declare readonly cronJobName: pulumi.Output<string | undefined>;
  /** Restores one node's data directory from a copy: run with the node stopped, as its uid (`sh script <rdb>`). */
  declare readonly restoreNodeScript: pulumi.Output<string>;
  /** Kubernetes (with dataClaims): one Job manifest per node, `STAMP` to be replaced by the copy's stamp. */
  declare readonly restoreJobManifests: pulumi.Output<string[] | undefined>;
  declare readonly hostBackupScript: pulumi.Output<string | undefined>;
  /** Docker: `<script> <container> <node-dir>/dump-<stamp>.rdb`. */
  declare readonly hostRestoreScript: pulumi.Output<string | undefined>;
  declare readonly cronLine: pulumi.Output<string | undefined>;
  /** Docker: content of the root-only env file (`REDISCLI_AUTH=...`), secret. */
  declare readonly credentialsEnvFile: pulumi.Output<string | undefined>;

  constructor(name: string, args: RedisBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kato:ops:RedisBackup", name, {}, opts);
    const resolved = resolveRedisBackupSettings(settingsOf(args, ARG_KEYS), name);
    const problems = [
      ...componentNameProblems("RedisBackup", name),
      ...resolved.problems,
      ...endpointProblems(name, args),
    ];
    if (resolved.settings) problems.push(...s3Problems(name, resolved.settings, args));
    assertNoProblems(problems, `RedisBackup ${name}`);
    const s = resolved.settings!;
    this.settings = s;
    const mode: RedisBackupMode = args.mode ?? "cluster";
    const { labels } = opsLabels("kato-redis-backup", name);
    const restoreScript = redisRestoreNodeScript({
      dataDir: s.dataDir,
      dbFilename: s.dbFilename,
      appendDirName: s.appendDirName,
      timeoutSeconds: s.saveTimeoutSeconds,
    });

    let location: pulumi.Input<string>;
    let cronJobName: pulumi.Input<string | undefined>;
    let manifests: pulumi.Input<string[] | undefined>;
    let hostBackupScript: string | undefined;
    let hostRestoreScript: string | undefined;
    let cronLine: string | undefined;
    let credentialsEnvFile: pulumi.Input<string | undefined>;

    if (args.target.kind === "kubernetes") {
      const target = args.target;
      const ns = target.namespace;
      const secretName = backupCredentialsSecret(
        name,
        ns,
        labels,
        { "redis-password": args.password },
        args.s3Credentials,
        this,
        target,
      );
      const podLabels = { ...labels, ...(args.podLabels ?? {}) };
      const claimName =
        s.destination === "volume" ? backupVolume(name, ns, labels, s, this, target) : undefined;
      const copy = {
        name: "copy-rdb",
        image: s.image,
        shell: "sh" as const,
        script: redisRdbStreamScript({
          endpoints: args.endpoints,
          outDir: copiesDir(name, claimName),
          ...(claimName ? { retentionDays: s.retentionDays } : {}),
          mode,
        }),
        secretEnv: { REDISCLI_AUTH: "redis-password" },
      };
      const upload = uploadContainer(s, "{dump-*.rdb,nodes-*.txt}", secretName);
      const common = { common: s, uid: s.uid, secretName };
      const cron = backupCronJob(
        name,
        ns,
        podLabels,
        s,
        backupPodSpec({ ...common, claimName, steps: [copy], final: upload }),
        this,
        target,
      );
      cronJobName = cron.metadata.name;
      location = copiesLocation(name, claimName, s);

      if (args.dataClaims) {
        const claims = args.dataClaims;
        manifests = pulumi.output(ns).apply((namespace) =>
          args.endpoints.map((endpoint, i) => {
            // Replication: every node is restored from the one copy of the dataset.
            const nodeDir = mode === "replication" ? REPLICATION_COPY_DIR : nodeDirName(endpoint);
            const key = `${nodeDir}/dump-${STAMP_PLACEHOLDER}.rdb`;
            const copyPath = `${copiesDir(name, claimName)}/${key}`;
            const pod = backupPodSpec({
              ...common,
              claimName,
              readOnlyClaim: true,
              first: downloadContainer(s, key, copyPath, secretName),
              steps: [{ name: "restore-node", image: s.image, shell: "sh", script: restoreScript }],
            }) as Record<string, any>;
            // The node's own data volume at its data directory; the copy's path as the script's $1.
            const main = pod.containers[0];
            main.command = [...main.command, "restore-node", copyPath];
            main.volumeMounts = [...main.volumeMounts, { name: "node-data", mountPath: s.dataDir }];
            pod.volumes = [
              ...pod.volumes,
              { name: "node-data", persistentVolumeClaim: { claimName: claims[i] } },
            ];
            return stringify({
              apiVersion: "batch/v1",
              kind: "Job",
              metadata: {
                name: `${name}-restore-${i}`,
                namespace,
                labels: { ...podLabels, "kato.dev/restore": "redis" },
              },
              spec: backupJobSpec(s, podLabels, pod as PodSpec, 0),
            });
          }),
        );
      }
    } else {
      const containers = args.containers ?? args.endpoints.map((e) => splitEndpoint(e).host);
      hostBackupScript = redisDockerBackupScript({
        componentName: name,
        nodes: args.endpoints.map((endpoint, i) => ({
          container: containers[i]!,
          port: splitEndpoint(endpoint).port,
          endpoint,
        })),
        hostDirectory: s.hostDirectory,
        envFile: hostScriptPaths(name).envFile,
        saveTimeoutSeconds: s.saveTimeoutSeconds,
        retentionDays: s.retentionDays,
        mode,
      });
      hostRestoreScript = redisDockerRestoreScript({ componentName: name, settings: s, mode, containers });
      cronLine = hostCronLine(name, s);
      credentialsEnvFile = pulumi.secret(
        pulumi.output(args.password).apply((pw) => envFileContent({ REDISCLI_AUTH: pw })),
      );
      location = `docker-host:${s.hostDirectory}/`;
    }

    this.schedule = pulumi.output(s.schedule);
    this.location = pulumi.output(location);
    this.cronJobName = pulumi.output(cronJobName);
    this.restoreNodeScript = pulumi.output(restoreScript);
    this.restoreJobManifests = pulumi.output(manifests);
    this.hostBackupScript = pulumi.output(hostBackupScript);
    this.hostRestoreScript = pulumi.output(hostRestoreScript);
    this.cronLine = pulumi.output(cronLine);
    this.credentialsEnvFile = pulumi.output(credentialsEnvFile);
    this.registerOutputs({
      schedule: this.schedule,
      location: this.location,
      cronJobName: this.cronJobName,
      restoreNodeScript: this.restoreNodeScript,
      restoreJobManifests: this.restoreJobManifests,
      hostBackupScript: this.hostBackupScript,
      hostRestoreScript: this.hostRestoreScript,
      cronLine: this.cronLine,
      credentialsEnvFile: this.credentialsEnvFile,
    });
  }
}
