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
import { type Problem, problem } from "../shared/problems";
import { type BackupArgs, type BackupStrategy, DataTierBackup, type KubernetesBackupContext } from "./backup";
import { backupJobSpec, backupPodSpec, downloadContainer, type PodSpec } from "./k8sJobs";
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

export interface RedisBackupArgs extends RedisBackupSettings, BackupArgs {
  /** Advertised `host:port` of every node (masters and replicas). */
  endpoints: string[];
  /** The nodes' password (`requirepass`). */
  password: pulumi.Input<string>;
  /** Docker: container name of each node, same order as `endpoints`. Default: the host part of each endpoint. */
  containers?: string[];
  /** Kubernetes: the data PVC of each node, same order as `endpoints`; enables the rendered restore Jobs. */
  dataClaims?: string[];
  /**
   * How the nodes are formed: `cluster` (each node holds its own slots: a copy per node) or
   * `replication` (each node holds the whole dataset: one copy per run, from an in-sync replica,
   * restored into every node). Default `cluster`.
   */
  mode?: RedisBackupMode;
}

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

const modeOf = (args: RedisBackupArgs): RedisBackupMode => args.mode ?? "cluster";

function restoreNodeScriptOf(s: ResolvedRedisBackupSettings): string {
  return redisRestoreNodeScript({
    dataDir: s.dataDir,
    dbFilename: s.dbFilename,
    appendDirName: s.appendDirName,
    timeoutSeconds: s.saveTimeoutSeconds,
  });
}

/**
 * Restores cannot run while a node runs (its volume is attached): one Job manifest per node, mounting
 * the node's data claim, for the operator to apply with the StatefulSet scaled to zero.
 */
function restoreJobManifests(
  ctx: KubernetesBackupContext<RedisBackupArgs, ResolvedRedisBackupSettings>,
  claims: string[],
): pulumi.Output<string[]> {
  const { name, args, settings: s, podLabels, secretName } = ctx;
  const mode = modeOf(args);
  const script = restoreNodeScriptOf(s);
  return pulumi.output(ctx.namespace).apply((namespace) =>
    args.endpoints.map((endpoint, i) => {
      // Replication: every node is restored from the one copy of the dataset.
      const nodeDir = mode === "replication" ? REPLICATION_COPY_DIR : nodeDirName(endpoint);
      const key = `${nodeDir}/dump-${STAMP_PLACEHOLDER}.rdb`;
      const copyPath = `${ctx.copiesDir}/${key}`;
      const pod = backupPodSpec({
        ...ctx.pod,
        readOnlyClaim: true,
        first: downloadContainer(s, key, copyPath, secretName),
        steps: [{ name: "restore-node", image: s.image, shell: "sh", script }],
      }) as Record<string, any>;
      // The node's own data volume at its data directory; the copy's path as the script's $1.
      const main = pod.containers[0];
      main.command = [...main.command, "restore-node", copyPath];
      main.volumeMounts = [...main.volumeMounts, { name: "node-data", mountPath: s.dataDir }];
      pod.volumes = [...pod.volumes, { name: "node-data", persistentVolumeClaim: { claimName: claims[i] } }];
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

/** What backing up Redis adds to DataTierBackup: every node's RDB (one copy in replication mode), node restores. */
export const redisStrategy: BackupStrategy<RedisBackupArgs, ResolvedRedisBackupSettings> = {
  kind: "RedisBackup",
  appName: "kato-redis-backup",
  engine: "redis",
  argKeys: ["endpoints", "password", "containers", "dataClaims", "mode"],
  resolve: (raw, name) => resolveRedisBackupSettings(raw, name),
  argProblems: endpointProblems,
  uid: (s) => s.uid,
  secretData: (args) => ({ "redis-password": args.password }),
  backupStep: ({ args, settings: s, claimName, copiesDir }) => ({
    name: "copy-rdb",
    image: s.image,
    shell: "sh",
    script: redisRdbStreamScript({
      endpoints: args.endpoints,
      outDir: copiesDir,
      ...(claimName ? { retentionDays: s.retentionDays } : {}),
      mode: modeOf(args),
    }),
    secretEnv: { REDISCLI_AUTH: "redis-password" },
  }),
  uploadInclude: () => "{dump-*.rdb,nodes-*.txt}",
  dockerScripts: ({ name, args, settings: s, envFile }) => {
    const mode = modeOf(args);
    const containers = args.containers ?? args.endpoints.map((e) => splitEndpoint(e).host);
    return {
      backup: redisDockerBackupScript({
        componentName: name,
        nodes: args.endpoints.map((endpoint, i) => ({
          container: containers[i]!,
          port: splitEndpoint(endpoint).port,
          endpoint,
        })),
        hostDirectory: s.hostDirectory,
        envFile,
        saveTimeoutSeconds: s.saveTimeoutSeconds,
        retentionDays: s.retentionDays,
        mode,
      }),
      restore: redisDockerRestoreScript({ componentName: name, settings: s, mode, containers }),
    };
  },
  dockerEnv: (args) => ({ REDISCLI_AUTH: args.password }),
  outputs: ({ args, settings: s, kubernetes }) => ({
    restoreNodeScript: restoreNodeScriptOf(s),
    restoreJobManifests:
      kubernetes && args.dataClaims ? restoreJobManifests(kubernetes, args.dataClaims) : undefined,
  }),
};

export class RedisBackup extends DataTierBackup<RedisBackupArgs, ResolvedRedisBackupSettings> {
  /** Restores one node's data directory from a copy: run with the node stopped, as its uid (`sh script <rdb>`). */
  declare readonly restoreNodeScript: pulumi.Output<string>;
  /** Kubernetes (with dataClaims): one Job manifest per node, `STAMP` to be replaced by the copy's stamp. */
  declare readonly restoreJobManifests: pulumi.Output<string[] | undefined>;

  constructor(name: string, args: RedisBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super(redisStrategy, name, args, opts);
  }
}
