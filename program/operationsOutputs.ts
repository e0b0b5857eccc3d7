/**
 * The stack outputs of the day-2 operations: a summary of every backup (schedule, where the copies
 * are, how to restore), the Docker host files to install (scripts, crontab lines, and the env files
 * with the credentials, which are secrets), the Redis restore Jobs on Kubernetes, and the alert
 * rules. A value is undefined (and the stack output absent, without the engine's "Undefined value"
 * warning) when its component is not deployed on this target: decided here from the config, never by
 * an Output that resolves to undefined.
 */
import * as pulumi from "@pulumi/pulumi";
import { type DataPlaneOperations, operationsNames } from "../components/dataplane/operations";
import type { BackupEngine } from "../components/dataplane/operationsDefaults";
import { hostScriptPaths } from "../components/operations/common";
import type { StackConfig } from "./config/load";

type MaybeString = pulumi.Output<string | undefined>;
type Present = pulumi.Output<string>;

export interface OperationsOutputs {
  /** Per engine backed up: schedule, retention, location, the CronJob or host files, and the restore. */
  backups: pulumi.Output<Record<string, Record<string, unknown>>>;
  /** Docker: host backup script, restore script, crontab line and (secret) env file of each engine. */
  mongodbBackupScript?: MaybeString;
  mongodbRestoreScript?: MaybeString;
  mongodbBackupCron?: MaybeString;
  mongodbBackupEnv?: MaybeString;
  qdrantBackupScript?: MaybeString;
  qdrantRestoreScript?: MaybeString;
  qdrantBackupCron?: MaybeString;
  qdrantBackupEnv?: MaybeString;
  redisBackupScript?: MaybeString;
  redisRestoreScript?: MaybeString;
  redisBackupCron?: MaybeString;
  redisBackupEnv?: MaybeString;
  /** Kubernetes: one restore Job per Redis node (multi-document YAML, `STAMP` to replace). */
  redisRestoreJobs?: Present;
  /** Prometheus rule file of the alert rules (also a PrometheusRule with the operator). */
  alertRules?: Present;
  /** Docker: scrape jobs for a Prometheus on the data network. */
  prometheusScrapeConfig?: MaybeString;
  exporterEndpoints?: pulumi.Output<string[]>;
}

/** How to restore an engine's backup on this stack, as one command line (no credential in it). */
export function restoreHowTo(
  engine: BackupEngine,
  config: StackConfig,
  component: string,
  redisStatefulSet: string,
): string {
  const s = `-s ${config.stack}`;
  const ns = `kubectl -n ${config.kubernetes.namespace}`;
  const paths = hostScriptPaths(component);
  const viaConfig = (what: string) =>
    `pulumi config set --path 'kato-infra:backups.${engine}.restoreFrom' <${what}> ${s} && pulumi up ${s}`;
  if (config.target === "docker") {
    switch (engine) {
      case "mongodb":
        return `sudo ${paths.restore} <archive file name, e.g. ${component}-20260101T020000Z.archive.gz>`;
      case "qdrant":
        return `sudo ${paths.restore} <run stamp, e.g. 20260101T020000Z> [backup|peer]`;
      case "redis":
        return `stop KATO and every Redis node, then for each master: sudo ${paths.restore} <container> <container>-6379/dump-<stamp>.rdb (docs/operations.md)`;
    }
  }
  switch (engine) {
    case "mongodb":
      return viaConfig(`archive file name, e.g. ${component}-20260101T020000Z.archive.gz`);
    case "qdrant":
      return viaConfig("run stamp, e.g. 20260101T020000Z");
    case "redis": {
      const timeout = `${config.backups.redis.timeoutMinutes}m`;
      return [
        `${ns} scale statefulset ${redisStatefulSet} --replicas=0`,
        `pulumi stack output ${s} redisRestoreJobs | sed 's/STAMP/<stamp>/g' | ${ns} apply -f -`,
        `${ns} wait --for=condition=complete job -l kato.dev/restore=redis --timeout=${timeout}`,
        `${ns} delete job -l kato.dev/restore=redis`,
        `${ns} scale statefulset ${redisStatefulSet} --replicas=${config.redis.nodes}`,
      ].join(" && ");
    }
  }
}

type HostFiles = { cronLine: MaybeString; hostBackupScript: MaybeString; hostRestoreScript: MaybeString };

export function operationsOutputs(
  config: StackConfig,
  plane: string,
  ops: DataPlaneOperations,
): OperationsOutputs {
  const names = operationsNames(plane);
  const components: Array<[BackupEngine, (HostFiles & Record<string, any>) | undefined]> = [
    ["mongodb", ops.mongoBackup],
    ["qdrant", ops.qdrantSnapshots],
    ["redis", ops.redisBackup],
  ];
  const summary: Record<string, Record<string, unknown>> = {};
  for (const [engine, c] of components) {
    if (!c) continue;
    const s = config.backups[engine];
    const paths = hostScriptPaths(names[engine]);
    summary[engine] = {
      schedule: s.schedule,
      ...(s.timeZone ? { timeZone: s.timeZone } : {}),
      retentionDays: s.retentionDays,
      location: c.location,
      ...(config.target === "kubernetes"
        ? { cronJob: c.cronJobName }
        : {
            hostFiles: {
              backupScript: paths.backup,
              restoreScript: paths.restore,
              envFile: paths.envFile,
              log: paths.log,
            },
            cronLine: c.cronLine,
          }),
      ...("restoreJobName" in c && (s as { restoreFrom?: string }).restoreFrom
        ? { restoreJob: c.restoreJobName }
        : {}),
      restore: restoreHowTo(engine, config, names[engine], names.redis),
    };
  }
  const docker = config.target === "docker";
  const host = (c: HostFiles | undefined, key: keyof HostFiles): MaybeString | undefined =>
    c && docker ? c[key] : undefined;
  const env = (c: { credentialsEnvFile: MaybeString } | undefined): MaybeString | undefined =>
    c && docker ? c.credentialsEnvFile : undefined;
  const m = ops.monitoring;
  return {
    backups: pulumi.output(summary) as pulumi.Output<Record<string, Record<string, unknown>>>,
    mongodbBackupScript: host(ops.mongoBackup, "hostBackupScript"),
    mongodbRestoreScript: host(ops.mongoBackup, "hostRestoreScript"),
    mongodbBackupCron: host(ops.mongoBackup, "cronLine"),
    mongodbBackupEnv: env(ops.mongoBackup),
    qdrantBackupScript: host(ops.qdrantSnapshots, "hostBackupScript"),
    qdrantRestoreScript: host(ops.qdrantSnapshots, "hostRestoreScript"),
    qdrantBackupCron: host(ops.qdrantSnapshots, "cronLine"),
    qdrantBackupEnv: env(ops.qdrantSnapshots),
    redisBackupScript: host(ops.redisBackup, "hostBackupScript"),
    redisRestoreScript: host(ops.redisBackup, "hostRestoreScript"),
    redisBackupCron: host(ops.redisBackup, "cronLine"),
    redisBackupEnv: env(ops.redisBackup),
    // Kubernetes only: the restore Jobs mount the nodes' data claims, which only Kubernetes has.
    redisRestoreJobs:
      ops.redisBackup && !docker
        ? ops.redisBackup.restoreJobManifests.apply((docs) => (docs ?? []).join("---\n"))
        : undefined,
    alertRules: m ? m.alertRulesYaml : undefined,
    // Docker only: on Kubernetes, Prometheus finds the exporters through ServiceMonitors or annotations.
    prometheusScrapeConfig: m && docker ? m.scrapeConfigYaml : undefined,
    exporterEndpoints: m ? m.exporterEndpoints : undefined,
  };
}
