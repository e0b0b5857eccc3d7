// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell scripts; ${VAR} is shell syntax.
/**
 * Qdrant snapshots of every collection on every peer, with retention, and the cluster restore.
 * Pure: settings in, scripts out.
 *
 * A collection snapshot holds only the shards stored on the peer that made it, so a cluster backup
 * is one snapshot per collection per peer, each requested from that peer's own address
 * (`POST /collections/{name}/snapshots`). The job then downloads each snapshot off the peer
 * (`GET .../snapshots/{snapshot}`) into a run directory with a manifest (peer, collection,
 * snapshot), and deletes the peer's snapshots older than the retention (`DELETE`).
 *
 * Restore, per manifest line, on the same peer: upload the downloaded file
 * (`POST .../snapshots/upload?priority=snapshot`) or recover the copy still on the peer
 * (`PUT .../snapshots/recover` with `{"location": "file://...", "priority": "snapshot"}`). Priority
 * `snapshot` makes the snapshot the source of truth over other replicas' current state. The
 * collection must exist in the cluster first (recovery does not register it with consensus).
 *
 * The scripts are POSIX sh for the curl image (busybox): collection and snapshot names are read
 * from Qdrant's JSON with grep/sed (names are checked to be [A-Za-z0-9_.-]), times compared as ISO
 * strings with awk. The API key goes into a header file (`curl -H @file`), never into an argv.
 */
import { QDRANT_DEFAULTS } from "../qdrant/settings";
import type { FieldDoc } from "../shared/fields";
import { check, type Problem, problem } from "../shared/problems";
import { type SettingsInput, setting } from "../shared/settingsDecl";
import { declareBackupSettings, type ResolvedBackupCommon, resolveBackupBase } from "./backupSettings";
import { retentionMinutes } from "./schedule";
import { containerScriptHeredoc, dockerRunVars, hostScriptHeader, shQuote } from "./shell";

export const DEFAULT_CURL_IMAGE = "curlimages/curl:8.11.1";
export const RUN_STAMP = /^[0-9]{8}T[0-9]{6}Z$/;

/**
 * QdrantSnapshots' settings, each declared once: the common ones, the image and its own. The
 * snapshots directory defaults to the engine's own (components/qdrant/settings.ts).
 */
export const QDRANT_SNAPSHOTS_SETTINGS = declareBackupSettings(
  "qdrant",
  { default: DEFAULT_CURL_IMAGE, description: "Image with curl and sh." },
  {
    download: setting.boolean({
      default: true,
      description:
        "Copy each snapshot off its peer to the destination; false keeps them on the peers only (a snapshot only on the peer dies with its disk).",
    }),
    snapshotsPath: setting.pattern({
      default: QDRANT_DEFAULTS.snapshots.path,
      pattern: /^\/[A-Za-z0-9._/-]*$/,
      what: "an absolute path",
      fix: (f) => `set ${f} to the peers' storage.snapshots_path, e.g. "/qdrant/snapshots".`,
      description: "The peers' snapshots directory, for recoveries from snapshots still on the peers.",
    }),
    restoreFrom: setting.value<string | undefined>({
      type: "string",
      rules: "the stamp of a run, like 20260101T020000Z; needs download",
      description: "Stamp of the run to restore. Kubernetes: a restore Job runs once per value.",
      check: (f, v) =>
        v === undefined
          ? []
          : check.pattern(
              f,
              v,
              RUN_STAMP,
              "the stamp of a run, like 20260101T020000Z",
              "copy the name of a run directory from the backup volume or bucket.",
            ),
    }),
    restoreSource: setting.oneOf(["backup", "peer"], {
      default: "backup",
      description:
        "Restore by uploading the downloaded copies, or by recovering the snapshots still on the peers.",
    }),
    requestTimeoutSeconds: setting.integer({
      default: 3600,
      min: 10,
      max: 24 * 3600,
      unit: "s",
      description: "Longest wait for one API call (creating or transferring a large snapshot).",
    }),
  },
);

export type RestoreSource = "backup" | "peer";
export type QdrantSnapshotsSettings = SettingsInput<typeof QDRANT_SNAPSHOTS_SETTINGS.declarations>;
export type ResolvedQdrantSnapshotsSettings = ResolvedBackupCommon & {
  image: string;
  download: boolean;
  snapshotsPath: string;
  restoreFrom?: string;
  restoreSource: RestoreSource;
  requestTimeoutSeconds: number;
};

/** Defaults of QdrantSnapshots' own settings (from the declarations). */
export const QDRANT_SNAPSHOTS_DEFAULTS = (({
  image,
  download,
  snapshotsPath,
  restoreSource,
  requestTimeoutSeconds,
}) => ({
  image,
  download,
  snapshotsPath,
  restoreSource,
  requestTimeoutSeconds,
}))(QDRANT_SNAPSHOTS_SETTINGS.defaults);

export const QDRANT_SNAPSHOTS_FIELDS: readonly FieldDoc[] = QDRANT_SNAPSHOTS_SETTINGS.fields();

export function resolveQdrantSnapshotsSettings(
  raw: unknown,
  field = "backups.qdrant",
  base: Partial<QdrantSnapshotsSettings> = {},
): { settings?: ResolvedQdrantSnapshotsSettings; problems: Problem[] } {
  const {
    common,
    layered: l,
    problems,
  } = resolveBackupBase("qdrant", field, raw, base, QDRANT_SNAPSHOTS_SETTINGS);
  if (l.download === false && l.restoreFrom !== undefined) {
    problems.push(
      problem(
        `${field}.restoreFrom`,
        l.restoreFrom,
        "needs download: the run's manifest (which snapshot of which collection on which peer) is kept with the downloaded copies.",
        `turn ${field}.download on, or recover by hand with PUT /collections/{name}/snapshots/recover (docs/operations.md).`,
      ),
    );
  }
  if (problems.length > 0) return { problems };
  return {
    settings: {
      ...common,
      image: l.image as string,
      download: l.download as boolean,
      snapshotsPath: (l.snapshotsPath as string).replace(/\/+$/, ""),
      ...(l.restoreFrom !== undefined ? { restoreFrom: l.restoreFrom as string } : {}),
      restoreSource: l.restoreSource as RestoreSource,
      requestTimeoutSeconds: l.requestTimeoutSeconds as number,
    },
    problems,
  };
}

/** `host:port` -> the peer's REST base URL. */
export function peerUrl(endpoint: string): string {
  return /^https?:\/\//.test(endpoint) ? endpoint.replace(/\/+$/, "") : `http://${endpoint}`;
}

/**
 * `api <curl args>`: one request to a peer. With a key, the `api-key` header comes from a file only
 * this process can read (never on a command line); without one (a Qdrant with no API key, guarded
 * by the network instead), no key header at all is sent.
 */
function apiPreamble(timeoutSeconds: number, apiKey: boolean): string[] {
  if (!apiKey) {
    return [
      "umask 077",
      "# This Qdrant has no API key: no key header is sent (the network policy or private network guards it).",
      "api() {",
      `  curl -fsS --max-time ${timeoutSeconds} "$@" < /dev/null`,
      "}",
    ];
  }
  return [
    ': "${QDRANT_API_KEY:?QDRANT_API_KEY is not set}"',
    "umask 077",
    'hdr="${TMPDIR:-/tmp}/kato-qdrant-$$.hdr"',
    "trap 'rm -f \"$hdr\"' EXIT",
    'printf \'api-key: %s\\n\' "$QDRANT_API_KEY" > "$hdr"',
    "api() {",
    `  curl -fsS --max-time ${timeoutSeconds} -H @"$hdr" "$@" < /dev/null`,
    "}",
  ];
}

export interface QdrantSnapshotScriptOptions {
  /** Advertised REST `host:port` (or URL) of every peer, in peer order. */
  peers: readonly string[];
  /** Root of the run directories (the backup volume, or the scratch volume before upload). */
  outDir: string;
  download: boolean;
  /** Days snapshots are kept on the peers (and, when set, run directories under outDir). */
  retentionDays: number;
  /** Prune old run directories under outDir (false when the bucket upload step prunes instead). */
  pruneLocal: boolean;
  timeoutSeconds: number;
  /** Send the read-write key from `$QDRANT_API_KEY` (default). False: the Qdrant has no key; none is sent. */
  apiKey?: boolean;
}

/** The scheduled job: snapshot every collection on every peer, download, prune (sh). */
export function qdrantSnapshotScript(opts: QdrantSnapshotScriptOptions): string {
  const minutes = retentionMinutes(opts.retentionDays);
  const out = shQuote(opts.outDir);
  const peers = opts.peers.map((p) => shQuote(peerUrl(p))).join(" ");
  const lines = [
    "#!/bin/sh",
    "set -eu",
    ...apiPreamble(opts.timeoutSeconds, opts.apiKey !== false),
    "names() {",
    '  grep -o \'"name":"[^"]*"\' | cut -d\'"\' -f4',
    "}",
    "stamp=$(date -u +%Y%m%dT%H%M%SZ)",
    `cutoff=$(date -u -d "@$(( $(date -u +%s) - ${minutes} * 60 ))" +%Y-%m-%dT%H:%M:%S)`,
    `run_dir=${out}/"$stamp"`,
    'mkdir -p "$run_dir"',
    'manifest="$run_dir/manifest.tsv"',
    ': > "$manifest"',
    "prune() {",
    "  api \"$1/collections/$2/snapshots\" | tr '{' '\\n' | while IFS= read -r obj; do",
    '    n=$(printf \'%s\' "$obj" | sed -n \'s/.*"name":"\\([^"]*\\)".*/\\1/p\')',
    '    t=$(printf \'%s\' "$obj" | sed -n \'s/.*"creation_time":"\\([^"]*\\)".*/\\1/p\')',
    '    if [ -z "$n" ] || [ -z "$t" ] || [ "$n" = "$3" ]; then continue; fi',
    '    if awk -v a="$t" -v b="$cutoff" \'BEGIN { exit !(a < b) }\'; then',
    '      api -X DELETE "$1/collections/$2/snapshots/$n?wait=true" > /dev/null && echo "deleted old snapshot $n on $1"',
    "    fi",
    "  done",
    "}",
    "snapshot() {",
    '  created=$(api -X POST "$2/collections/$3/snapshots?wait=true") || return 1',
    "  name=$(printf '%s' \"$created\" | names | head -n 1)",
    '  [ -n "$name" ] || return 1',
    ...(opts.download
      ? [
          '  mkdir -p "$run_dir/peer-$1"',
          '  api -o "$run_dir/peer-$1/$3.snapshot.partial" "$2/collections/$3/snapshots/$name" || return 1',
          '  mv "$run_dir/peer-$1/$3.snapshot.partial" "$run_dir/peer-$1/$3.snapshot"',
        ]
      : []),
    '  printf \'%s\\t%s\\t%s\\t%s\\n\' "$1" "$2" "$3" "$name" >> "$manifest"',
    '  echo "snapshot $name of $3 on $2"',
    '  prune "$2" "$3" "$name" || echo "could not prune old snapshots of $3 on $2" >&2',
    "}",
    "failures=0",
    "i=0",
    `for peer in ${peers}; do`,
    '  if cols=$(api "$peer/collections"); then',
    "    for c in $(printf '%s' \"$cols\" | names); do",
    '      case "$c" in *[!A-Za-z0-9_.-]*) echo "skipping a collection with an unexpected name: $c" >&2; failures=$((failures + 1)); continue ;; esac',
    '      snapshot "$i" "$peer" "$c" || { echo "FAILED: snapshot of $c on $peer" >&2; failures=$((failures + 1)); }',
    "    done",
    "  else",
    '    echo "FAILED to list the collections of $peer" >&2',
    "    failures=$((failures + 1))",
    "  fi",
    "  i=$((i + 1))",
    "done",
    'if [ "$failures" -gt 0 ]; then echo "$failures failure(s); run $stamp is incomplete" >&2; exit 1; fi',
    'echo "run $stamp complete: $(wc -l < "$manifest") snapshot(s)"',
  ];
  if (opts.pruneLocal) {
    lines.push(
      "# Local retention, only after a complete run.",
      `find ${out} -mindepth 1 -maxdepth 1 -type d -name '*T*Z' -mmin +${minutes} -exec rm -rf {} +`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Restores a run on the same peers it came from: `$1` is the run directory (with manifest.tsv),
 * `$2` is `backup` (upload the downloaded files) or `peer` (recover the copies still on the peers).
 */
export function qdrantRestoreScript(opts: {
  snapshotsPath: string;
  timeoutSeconds: number;
  /** As for the snapshot script: false when the Qdrant has no API key. */
  apiKey?: boolean;
}): string {
  return `${[
    "#!/bin/sh",
    "set -eu",
    'run_dir="${1:?usage: restore <run dir> [backup|peer]}"',
    'source="${2:-backup}"',
    'manifest="$run_dir/manifest.tsv"',
    'test -s "$manifest" || { echo "no manifest in $run_dir" >&2; exit 2; }',
    ...apiPreamble(opts.timeoutSeconds, opts.apiKey !== false),
    "tab=$(printf '\\t')",
    "failures=0",
    'while IFS="$tab" read -r idx peer c name; do',
    '  [ -n "$c" ] || continue',
    '  if [ "$source" = "peer" ]; then',
    `    body=$(printf '{"location":"file://%s/%s/%s","priority":"snapshot"}' ${shQuote(opts.snapshotsPath)} "$c" "$name")`,
    '    if api -X PUT -H "Content-Type: application/json" -d "$body" "$peer/collections/$c/snapshots/recover?wait=true" > /dev/null; then',
    '      echo "recovered $c on $peer from its snapshot $name"',
    '    else echo "FAILED: recover $c on $peer" >&2; failures=$((failures + 1)); fi',
    "  else",
    '    if api -X POST -F "snapshot=@$run_dir/peer-$idx/$c.snapshot" "$peer/collections/$c/snapshots/upload?wait=true&priority=snapshot" > /dev/null; then',
    '      echo "recovered $c on $peer from $run_dir/peer-$idx/$c.snapshot"',
    '    else echo "FAILED: upload $c to $peer" >&2; failures=$((failures + 1)); fi',
    "  fi",
    'done < "$manifest"',
    'if [ "$failures" -gt 0 ]; then echo "$failures failure(s)" >&2; exit 1; fi',
  ].join("\n")}\n`;
}

export interface QdrantDockerScriptOptions {
  componentName: string;
  settings: ResolvedQdrantSnapshotsSettings;
  /** Docker network the peers are on. */
  network: string;
  /** Root-only file on the Docker host defining QDRANT_API_KEY; undefined when the Qdrant has no key. */
  envFile?: string;
}

/** ` -e QDRANT_API_KEY` for the tools container, when the Qdrant has a key. */
function keyEnv(opts: QdrantDockerScriptOptions): string {
  return opts.envFile !== undefined ? " -e QDRANT_API_KEY" : "";
}

/** A host script: header, `lines`, then `dockerRun` of the container script `inner` on the peers' network. */
function dockerWrapper(
  opts: QdrantDockerScriptOptions,
  what: string,
  lines: string[],
  dockerRun: string,
  inner: string,
): string {
  const title = `${what} for QdrantSnapshots "${opts.componentName}"`;
  const vars = dockerRunVars(opts.settings.hostDirectory, opts.settings.image, opts.network);
  const header =
    opts.envFile !== undefined
      ? hostScriptHeader({ title, envFile: opts.envFile, vars, envVar: "QDRANT_API_KEY" })
      : [
          "#!/usr/bin/env bash",
          "set -euo pipefail",
          `# ${title}, rendered by kato-infra. Re-render instead of editing.`,
          "# This Qdrant has no API key: no env file, no key header (the private Docker network guards it).",
          ...Object.entries(vars).map(([name, value]) => `${name}=${value}`),
        ];
  return `${[...header, 'mkdir -p "$BACKUP_DIR"', ...lines, ...containerScriptHeredoc(dockerRun, inner)].join(
    "\n",
  )}\n`;
}

export function qdrantDockerSnapshotScript(
  opts: QdrantDockerScriptOptions & { peers: readonly string[] },
): string {
  const s = opts.settings;
  const inner = qdrantSnapshotScript({
    peers: opts.peers,
    outDir: "/backups",
    download: s.download,
    retentionDays: s.retentionDays,
    pruneLocal: true,
    timeoutSeconds: s.requestTimeoutSeconds,
    apiKey: opts.envFile !== undefined,
  });
  return dockerWrapper(
    opts,
    "Snapshots",
    [],
    `docker run --rm -i --network "$NETWORK" --user "$(id -u):$(id -g)"${keyEnv(opts)} -v "$BACKUP_DIR:/backups" --entrypoint sh "$IMAGE" -s`,
    inner,
  );
}

/** Docker restore: `<script> <run stamp> [backup|peer]`. */
export function qdrantDockerRestoreScript(opts: QdrantDockerScriptOptions): string {
  const s = opts.settings;
  const inner = qdrantRestoreScript({
    snapshotsPath: s.snapshotsPath,
    timeoutSeconds: s.requestTimeoutSeconds,
    apiKey: opts.envFile !== undefined,
  });
  const lines = [
    `stamp="\${1${s.restoreFrom ? `:-${s.restoreFrom}` : ""}}"`,
    `src="\${2:-${s.restoreSource}}"`,
    'case "$stamp" in *[!0-9TZ]*|"") echo "usage: $0 <run stamp, e.g. 20260101T020000Z> [backup|peer]" >&2; exit 2;; esac',
  ];
  return dockerWrapper(
    opts,
    "Restore",
    lines,
    `docker run --rm -i --network "$NETWORK" --user "$(id -u):$(id -g)"${keyEnv(opts)} -v "$BACKUP_DIR:/backups:ro" --entrypoint sh "$IMAGE" -s "/backups/$stamp" "$src"`,
    inner,
  );
}
