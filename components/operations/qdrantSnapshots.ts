/**
 * `QdrantSnapshots` (`kato:ops:QdrantSnapshots`): scheduled snapshots of every collection on every
 * peer, copied off the peers, with retention on the peers and at the destination, and the cluster
 * restore (`priority=snapshot`).
 *
 * - Kubernetes: a CronJob (curl image) talking to each peer by its stable pod DNS name; copies go to
 *   a PVC or, via rclone, to S3. `restoreFrom` (a run stamp) creates a restore Job once per value.
 * - Docker: a host cron script (a one-shot curl container on the peers' network) and a restore script.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type Problem, problem } from "../shared/problems";
import { type BackupArgs, type BackupStrategy, DataTierBackup } from "./backup";
import { rcloneContainer } from "./k8sJobs";
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
import { shQuote } from "./shell";

export interface QdrantSnapshotsArgs extends QdrantSnapshotsSettings, BackupArgs {
  /** Advertised REST `host:port` of every peer (port 6333), in peer order. */
  endpoints: string[];
  /**
   * The read-write API key (snapshots are write operations). Leave it out for a Qdrant without an
   * API key (`qdrant.apiKey: false`): the scripts then send no key header at all, and the network
   * (Kubernetes NetworkPolicy, private Docker network) is the guard.
   */
  apiKey?: pulumi.Input<string>;
}

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

/** uid the snapshot and restore pods run as. */
const TOOLS_UID = 999;

const withKey = (args: QdrantSnapshotsArgs): boolean => args.apiKey !== undefined;
/** The key's env in the tools containers, from the Secret; none for a Qdrant without a key. */
const keyEnv = (args: QdrantSnapshotsArgs) =>
  withKey(args) ? { secretEnv: { QDRANT_API_KEY: "qdrant-api-key" } } : {};

function restoreScriptOf(args: QdrantSnapshotsArgs, s: ResolvedQdrantSnapshotsSettings): string {
  return qdrantRestoreScript({
    snapshotsPath: s.snapshotsPath,
    timeoutSeconds: s.requestTimeoutSeconds,
    apiKey: withKey(args),
  });
}

/** What snapshotting Qdrant adds to DataTierBackup: a snapshot per collection per peer, copied off the peers. */
export const qdrantStrategy: BackupStrategy<QdrantSnapshotsArgs, ResolvedQdrantSnapshotsSettings> = {
  kind: "QdrantSnapshots",
  appName: "kato-qdrant-snapshots",
  engine: "qdrant",
  argKeys: ["endpoints", "apiKey"],
  resolve: (raw, name) => resolveQdrantSnapshotsSettings(raw, name),
  argProblems: (name, args) => peerProblems(name, args.endpoints),
  dockerNetwork: { fix: "set target.networkName to the peers' Docker network." },
  copiesStayOnEngine: (s) => (s.download ? undefined : `on the peers only (${s.snapshotsPath})`),
  uid: () => TOOLS_UID,
  secretData: (args): Record<string, pulumi.Input<string>> =>
    withKey(args) ? { "qdrant-api-key": args.apiKey! } : {},
  backupStep: ({ args, settings: s, claimName, copiesDir }) => ({
    name: "snapshots",
    image: s.image,
    shell: "sh",
    script: qdrantSnapshotScript({
      peers: args.endpoints,
      outDir: s.download ? copiesDir : "/tmp/snapshots",
      download: s.download,
      retentionDays: s.retentionDays,
      pruneLocal: claimName !== undefined,
      timeoutSeconds: s.requestTimeoutSeconds,
      apiKey: withKey(args),
    }),
    ...keyEnv(args),
  }),
  uploadInclude: () => "{manifest.tsv,*.snapshot}",
  restoreJob: ({ args, settings: s, copiesDir, secretName }) => {
    if (!s.restoreFrom) return undefined;
    const runDir = `${copiesDir}/${s.restoreFrom}`;
    const fromBucket = s.download && s.destination === "s3";
    return {
      request: `${s.restoreFrom}/${s.restoreSource}`,
      // A run is a directory (manifest and one file per collection per peer): copied down whole.
      first: fromBucket
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
        : undefined,
      steps: [
        {
          name: "recover",
          image: s.image,
          shell: "sh",
          script: restoreScriptOf(args, s),
          args: [runDir, s.restoreSource],
          ...keyEnv(args),
        },
      ],
    };
  },
  dockerScripts: ({ name, args, settings, network, envFile }) => {
    const o = {
      componentName: name,
      settings,
      network: network!,
      envFile: withKey(args) ? envFile : undefined,
    };
    return {
      backup: qdrantDockerSnapshotScript({ ...o, peers: args.endpoints }),
      restore: qdrantDockerRestoreScript(o),
    };
  },
  dockerEnv: (args) => (withKey(args) ? { QDRANT_API_KEY: args.apiKey! } : undefined),
  outputs: ({ args, settings: s }) => ({
    snapshotEndpoints: args.endpoints.map(
      (e) => `POST ${peerUrl(e)}/collections/{collection_name}/snapshots`,
    ),
    restoreScript: restoreScriptOf(args, s),
  }),
};

export class QdrantSnapshots extends DataTierBackup<QdrantSnapshotsArgs, ResolvedQdrantSnapshotsSettings> {
  /** The snapshot endpoint called on each peer (one per peer). */
  declare readonly snapshotEndpoints: pulumi.Output<string[]>;
  declare readonly restoreJobName: pulumi.Output<string | undefined>;
  /** `sh script <run dir> [backup|peer]`, for any host that reaches the peers. */
  declare readonly restoreScript: pulumi.Output<string>;

  constructor(name: string, args: QdrantSnapshotsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(qdrantStrategy, name, args, opts);
  }
}
