/**
 * `QdrantSnapshots` (`kato:ops:QdrantSnapshots`): scheduled snapshots of every collection on every
 * peer, copied off the peers, with retention on the peers and at the destination, and the cluster
 * restore (`priority=snapshot`).
 *
 * - Kubernetes: a CronJob (curl image) talking to each peer by its stable pod DNS name; copies go to
 *   a PVC or, via rclone, to S3. `restoreFrom` (a run stamp) creates a restore Job once per value.
 * - Docker: a host cron script (a one-shot curl container on the peers' network) and a restore script.
 */
import * as pulumi from "@pulumi/pulumi";
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
  backupPodSpec,
  backupVolume,
  copiesDir,
  copiesLocation,
  oneShotJob,
  rcloneContainer,
  type S3Credentials,
  shortHash,
  uploadContainer,
} from "./k8sJobs";
import {
  peerUrl,
  type QdrantSnapshotsSettings,
  qdrantDockerRestoreScript,
  qdrantDockerSnapshotScript,
  qdrantRestoreScript,
  qdrantSnapshotScript,
  type ResolvedQdrantSnapshotsSettings,
  resolveQdrantSnapshotsSettings,
} from "./qdrantSnapshotsPlan";
import { remotePath } from "./s3";
import { envFileContent, shQuote } from "./shell";

export interface QdrantSnapshotsArgs extends QdrantSnapshotsSettings {
  target: Target;
  /** Advertised REST `host:port` of every peer (port 6333), in peer order. */
  endpoints: string[];
  /**
   * The read-write API key (snapshots are write operations). Leave it out for a Qdrant without an
   * API key (`qdrant.apiKey: false`): the scripts then send no key header at all, and the network
   * (Kubernetes NetworkPolicy, private Docker network) is the guard.
   */
  apiKey?: pulumi.Input<string>;
  /** Docker: the peers' network. Default: `target.networkName`. */
  network?: pulumi.Input<string>;
  s3Credentials?: S3Credentials;
  podLabels?: Record<string, string>;
}

const ARG_KEYS = ["target", "endpoints", "apiKey", "network", "s3Credentials", "podLabels"];

function peerProblems(name: string, endpoints: unknown): Problem[] {
  if (!Array.isArray(endpoints) || endpoints.length === 0) {
    return [
      problem(`${name}.endpoints`, endpoints, "must list every peer.", "pass the cluster's REST endpoints."),
    ];
  }
  return endpoints
    .filter((e) => typeof e !== "string" || !/^(https?:\/\/)?[A-Za-z0-9._-]+:[0-9]{1,5}\/?$/.test(e))
    .map((e) =>
      problem(`${name}.endpoints`, e, "is not a host:port.", "pass each peer's REST address as host:6333."),
    );
}

export class QdrantSnapshots extends pulumi.ComponentResource {
  declare readonly settings: ResolvedQdrantSnapshotsSettings;
  declare readonly schedule: pulumi.Output<string>;
  declare readonly location: pulumi.Output<string>;
  /** The snapshot endpoint called on each peer (one per peer). */
  declare readonly snapshotEndpoints: pulumi.Output<string[]>;
  declare readonly cronJobName: pulumi.Output<string | undefined>;
  declare readonly restoreJobName: pulumi.Output<string | undefined>;
  /** `sh script <run dir> [backup|peer]`, for any host that reaches the peers. */
  declare readonly restoreScript: pulumi.Output<string>;
  declare readonly hostBackupScript: pulumi.Output<string | undefined>;
  declare readonly hostRestoreScript: pulumi.Output<string | undefined>;
  declare readonly cronLine: pulumi.Output<string | undefined>;
  declare readonly credentialsEnvFile: pulumi.Output<string | undefined>;

  constructor(name: string, args: QdrantSnapshotsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kato:ops:QdrantSnapshots", name, {}, opts);
    const resolved = resolveQdrantSnapshotsSettings(settingsOf(args, ARG_KEYS), name);
    const problems = [
      ...componentNameProblems("QdrantSnapshots", name),
      ...resolved.problems,
      ...peerProblems(name, args.endpoints),
    ];
    if (resolved.settings) problems.push(...s3Problems(name, resolved.settings, args));
    const network = args.network ?? (args.target.kind === "docker" ? args.target.networkName : undefined);
    if (args.target.kind === "docker" && network === undefined) {
      problems.push(
        problem(`${name}.network`, undefined, "is required on Docker.", "pass the peers' Docker network."),
      );
    }
    assertNoProblems(problems, `QdrantSnapshots ${name}`);
    const s = resolved.settings!;
    this.settings = s;
    const { labels } = opsLabels("kato-qdrant-snapshots", name);
    const withKey = args.apiKey !== undefined;
    const keyEnv = withKey ? { secretEnv: { QDRANT_API_KEY: "qdrant-api-key" } } : {};
    const restoreScript = qdrantRestoreScript({
      snapshotsPath: s.snapshotsPath,
      timeoutSeconds: s.requestTimeoutSeconds,
      apiKey: withKey,
    });

    let location: pulumi.Input<string>;
    let cronJobName: pulumi.Input<string | undefined>;
    let restoreJobName: pulumi.Input<string | undefined>;
    let hostBackupScript: pulumi.Input<string | undefined>;
    let hostRestoreScript: pulumi.Input<string | undefined>;
    let cronLine: string | undefined;
    let credentialsEnvFile: pulumi.Input<string | undefined>;

    if (args.target.kind === "kubernetes") {
      const target = args.target;
      const ns = target.namespace;
      const secretName = backupCredentialsSecret(
        name,
        ns,
        labels,
        withKey ? { "qdrant-api-key": args.apiKey! } : {},
        args.s3Credentials,
        this,
        target,
      );
      const podLabels = { ...labels, ...(args.podLabels ?? {}) };
      const claimName =
        s.download && s.destination === "volume"
          ? backupVolume(name, ns, labels, s, this, target)
          : undefined;
      const useBucket = s.download && s.destination === "s3";
      const snapshot = {
        name: "snapshots",
        image: s.image,
        shell: "sh" as const,
        script: qdrantSnapshotScript({
          peers: args.endpoints,
          outDir: claimName || useBucket ? copiesDir(name, claimName) : "/tmp/snapshots",
          download: s.download,
          retentionDays: s.retentionDays,
          pruneLocal: claimName !== undefined,
          timeoutSeconds: s.requestTimeoutSeconds,
          apiKey: withKey,
        }),
        ...keyEnv,
      };
      const upload = useBucket ? uploadContainer(s, "{manifest.tsv,*.snapshot}", secretName) : undefined;
      const common = { common: s, uid: 999, secretName };
      const cron = backupCronJob(
        name,
        ns,
        podLabels,
        s,
        backupPodSpec({ ...common, claimName, steps: [snapshot], final: upload }),
        this,
        target,
      );
      cronJobName = cron.metadata.name;
      location =
        claimName || useBucket
          ? copiesLocation(name, claimName, s)
          : `on the peers only (${s.snapshotsPath})`;

      if (s.restoreFrom) {
        const runDir = `${copiesDir(name, claimName)}/${s.restoreFrom}`;
        const download = useBucket
          ? rcloneContainer(
              "download",
              [
                "#!/bin/sh",
                "set -eu",
                `rclone copy ${shQuote(remotePath(s.s3!, s.restoreFrom))} ${shQuote(runDir)}`,
                `test -s ${shQuote(`${runDir}/manifest.tsv`)}`,
                "",
              ].join("\n"),
              secretName,
              s,
            )
          : undefined;
        const job = oneShotJob(
          `${name}-restore-${shortHash(`${s.restoreFrom}/${s.restoreSource}`)}`,
          ns,
          { ...podLabels, "kato.dev/restore": "qdrant" },
          s,
          backupPodSpec({
            ...common,
            claimName,
            readOnlyClaim: true,
            first: download,
            steps: [
              {
                name: "recover",
                image: s.image,
                shell: "sh",
                script: restoreScript,
                args: [runDir, s.restoreSource],
                ...keyEnv,
              },
            ],
          }),
          this,
          target,
        );
        restoreJobName = job.metadata.name;
      }
    } else {
      const envFile = withKey ? hostScriptPaths(name).envFile : undefined;
      const scripts = pulumi.output(network!).apply((net) => ({
        backup: qdrantDockerSnapshotScript({
          componentName: name,
          settings: s,
          peers: args.endpoints,
          network: net,
          envFile,
        }),
        restore: qdrantDockerRestoreScript({ componentName: name, settings: s, network: net, envFile }),
      }));
      hostBackupScript = scripts.backup;
      hostRestoreScript = scripts.restore;
      cronLine = hostCronLine(name, s);
      credentialsEnvFile = withKey
        ? pulumi.secret(pulumi.output(args.apiKey!).apply((k) => envFileContent({ QDRANT_API_KEY: k })))
        : undefined;
      location = s.download ? `docker-host:${s.hostDirectory}/` : `on the peers only (${s.snapshotsPath})`;
    }

    this.schedule = pulumi.output(s.schedule);
    this.location = pulumi.output(location);
    this.snapshotEndpoints = pulumi.output(
      args.endpoints.map((e) => `POST ${peerUrl(e)}/collections/{collection_name}/snapshots`),
    );
    this.cronJobName = pulumi.output(cronJobName);
    this.restoreJobName = pulumi.output(restoreJobName);
    this.restoreScript = pulumi.output(restoreScript);
    this.hostBackupScript = pulumi.output(hostBackupScript);
    this.hostRestoreScript = pulumi.output(hostRestoreScript);
    this.cronLine = pulumi.output(cronLine);
    this.credentialsEnvFile = pulumi.output(credentialsEnvFile);
    this.registerOutputs({
      schedule: this.schedule,
      location: this.location,
      snapshotEndpoints: this.snapshotEndpoints,
      cronJobName: this.cronJobName,
      restoreJobName: this.restoreJobName,
      restoreScript: this.restoreScript,
      hostBackupScript: this.hostBackupScript,
      hostRestoreScript: this.hostRestoreScript,
      cronLine: this.cronLine,
      credentialsEnvFile: this.credentialsEnvFile,
    });
  }
}
