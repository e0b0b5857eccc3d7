// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell scripts; ${VAR} is shell syntax.
/**
 * MongoDB logical backups: `mongodump --oplog --gzip --archive` of the whole replica set (a
 * point-in-time copy: the oplog written during the dump is replayed on restore), retention, and the
 * matching `mongorestore --oplogReplay`. Pure: settings in, scripts out.
 *
 * `--oplog` needs a full-instance dump of a replica-set member (no `--db`/`--collection`), so every
 * database is dumped, `admin` (users, roles) included. The connection string names the set; reads go
 * to a secondary when one is healthy (`--readPreference`, which overrides any in the URI), so the
 * primary keeps serving KATO.
 *
 * The credential never appears on a command line: the script writes the URI into a YAML file that
 * only its user can read, on a memory-backed volume, and passes `--config=<file>` (database tools
 * 100.3.0+).
 */
import { MONGO_DEFAULTS } from "../mongodb/settings";
import type { FieldDoc } from "../shared/fields";
import { type Problem, problem } from "../shared/problems";
import { type SettingsInput, setting } from "../shared/settingsDecl";
import { declareBackupSettings, type ResolvedBackupCommon, resolveBackupBase } from "./backupSettings";
import { retentionMinutes } from "./schedule";
import { containerScriptHeredoc, dockerRunVars, hostScriptHeader, shQuote } from "./shell";

export const READ_PREFERENCES = [
  "primary",
  "primaryPreferred",
  "secondary",
  "secondaryPreferred",
  "nearest",
] as const;
export type ReadPreference = (typeof READ_PREFERENCES)[number];

/** The engine's own default image: mongodump/mongorestore match the servers (one declaration). */
export const DEFAULT_MONGO_TOOLS_IMAGE = MONGO_DEFAULTS.image;

/** File names the backups use: `<prefix>-<UTC stamp>.archive.gz`. */
export const ARCHIVE_NAME = /^[A-Za-z0-9._-]+\.archive\.gz$/;

/** MongoBackup's settings, each declared once: the common ones, the image and its own. */
export const MONGO_BACKUP_SETTINGS = declareBackupSettings(
  "mongodb",
  {
    default: DEFAULT_MONGO_TOOLS_IMAGE,
    description: "Image with mongodump and mongorestore; use the server's own image so versions match.",
  },
  {
    readPreference: setting.oneOf(READ_PREFERENCES, {
      default: "secondaryPreferred",
      description: "Member mongodump reads from; a secondary keeps the load off the primary.",
    }),
    restoreFrom: setting.value<string | undefined>({
      type: "string",
      rules: "the file name of an archive (ending in .archive.gz), not a path",
      description:
        "Archive to restore. Kubernetes: a restore Job runs once per distinct value; Docker: the rendered restore command uses it.",
      check: (f, v) =>
        v !== undefined && (typeof v !== "string" || !ARCHIVE_NAME.test(v))
          ? [
              problem(
                f,
                v,
                "must be the file name of a backup archive (letters, digits, '.', '_', '-', ending in .archive.gz), not a path.",
                "copy a name from the backup volume or bucket listing, e.g. kato-mongo-backup-20260101T020000Z.archive.gz.",
              ),
            ]
          : [],
    }),
    restoreDrop: setting.boolean({
      default: true,
      description: "Restore with --drop: each collection in the backup replaces the live one.",
    }),
  },
);

export type MongoBackupSettings = SettingsInput<typeof MONGO_BACKUP_SETTINGS.declarations>;
export type ResolvedMongoBackupSettings = ResolvedBackupCommon & {
  image: string;
  readPreference: ReadPreference;
  restoreFrom?: string;
  restoreDrop: boolean;
};

/** Defaults of MongoBackup's own settings (from the declarations). */
export const MONGO_BACKUP_DEFAULTS = {
  image: MONGO_BACKUP_SETTINGS.defaults.image,
  readPreference: MONGO_BACKUP_SETTINGS.defaults.readPreference,
  restoreDrop: MONGO_BACKUP_SETTINGS.defaults.restoreDrop,
};

export const MONGO_BACKUP_FIELDS: readonly FieldDoc[] = MONGO_BACKUP_SETTINGS.fields();

export function resolveMongoBackupSettings(
  raw: unknown,
  field = "backups.mongodb",
  base: Partial<MongoBackupSettings> = {},
): { settings?: ResolvedMongoBackupSettings; problems: Problem[] } {
  const {
    common,
    layered: l,
    problems,
  } = resolveBackupBase("mongodb", field, raw, base, MONGO_BACKUP_SETTINGS);
  if (problems.length > 0) return { problems };
  return {
    settings: {
      ...common,
      image: l.image as string,
      readPreference: l.readPreference as ReadPreference,
      ...(l.restoreFrom !== undefined ? { restoreFrom: l.restoreFrom as string } : {}),
      restoreDrop: l.restoreDrop as boolean,
    },
    problems,
  };
}

/** Variable holding the connection string (with credentials) inside the backup and restore containers. */
export const MONGODB_URI_ENV = "MONGODB_URI";
/** Memory-backed directory for the short-lived tools config file. */
export const SECRET_SCRATCH_DIR = "/run/kato";

export interface MongoBackupScriptOptions {
  /** Archive name prefix (the component name). */
  filePrefix: string;
  /** Directory the archive is written to (the backup volume, or a scratch volume before upload). */
  outDir: string;
  readPreference: ReadPreference;
  /** Delete archives older than this; undefined when the bucket upload step prunes instead. */
  retentionDays?: number;
  /** Directory for the tools config file. */
  scratchDir?: string;
}

/** The mongodump invocation; `$cfg` and `$partial` are set by the script. */
export function mongodumpCommand(readPreference: ReadPreference): string {
  return `mongodump --config="$cfg" --oplog --gzip --archive="$partial" --readPreference=${readPreference}`;
}

/** The mongorestore invocation; `$cfg` and `$archive` are set by the script. */
export function mongorestoreCommand(drop: boolean): string {
  return `mongorestore --config="$cfg" --oplogReplay --gzip --archive="$archive"${drop ? " --drop" : ""} --stopOnError`;
}

/** Writes the tools config file from the environment; the URI never reaches an argv. */
function configFileLines(scratchDir: string): string[] {
  return [
    `: "\${${MONGODB_URI_ENV}:?${MONGODB_URI_ENV} is not set}"`,
    "umask 077",
    `mkdir -p ${shQuote(scratchDir)}`,
    `cfg=${shQuote(scratchDir)}/tools-$$.yaml`,
    // A valid connection string has no '"' or '\\' (they must be percent-encoded), so double quotes are safe.
    `printf 'uri: "%s"\\n' "$${MONGODB_URI_ENV}" > "$cfg"`,
  ];
}

/** The script the backup container runs (bash; the official mongo image has it). */
export function mongoBackupContainerScript(opts: MongoBackupScriptOptions): string {
  const out = shQuote(opts.outDir);
  const pattern = shQuote(`${opts.filePrefix}-*.archive.gz`);
  const lines = [
    "#!/usr/bin/env bash",
    "set -euo pipefail",
    ...configFileLines(opts.scratchDir ?? SECRET_SCRATCH_DIR),
    "stamp=$(date -u +%Y%m%dT%H%M%SZ)",
    `archive=${out}/${opts.filePrefix}-"$stamp".archive.gz`,
    'partial="$archive.partial"',
    `trap 'rm -f "$cfg" "$partial"' EXIT`,
    `mkdir -p ${out}`,
    mongodumpCommand(opts.readPreference),
    'test -s "$partial"',
    'mv "$partial" "$archive"',
    'echo "backup written: $archive ($(wc -c < "$archive") bytes)"',
  ];
  if (opts.retentionDays !== undefined) {
    const minutes = retentionMinutes(opts.retentionDays);
    lines.push(
      `# Retention: only after a successful dump, so the newest copy is never the one removed.`,
      `find ${out} -maxdepth 1 -type f -name ${pattern} -mmin +${minutes} -print -delete`,
      `find ${out} -maxdepth 1 -type f -name ${shQuote(`${opts.filePrefix}-*.archive.gz.partial`)} -mmin +${minutes} -delete`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The script the restore container runs: `$1` (or the fixed archive path) is restored with oplog replay. */
export function mongoRestoreContainerScript(opts: {
  archivePath?: string;
  drop: boolean;
  scratchDir?: string;
}): string {
  return `${[
    "#!/usr/bin/env bash",
    "set -euo pipefail",
    opts.archivePath
      ? `archive=${shQuote(opts.archivePath)}`
      : 'archive="${1:?usage: restore <archive path>}"',
    'test -s "$archive" || { echo "no such backup archive: $archive" >&2; exit 2; }',
    ...configFileLines(opts.scratchDir ?? SECRET_SCRATCH_DIR),
    `trap 'rm -f "$cfg"' EXIT`,
    'echo "restoring $archive (oplog replay)"',
    mongorestoreCommand(opts.drop),
    'echo "restore finished: $archive"',
  ].join("\n")}\n`;
}

export interface MongoDockerScriptOptions {
  componentName: string;
  settings: ResolvedMongoBackupSettings;
  /** Docker network the replica set members are on (their names resolve there). */
  network: string;
  /** Root-only file on the Docker host defining MONGODB_URI. */
  envFile: string;
}

function dockerPreamble(opts: MongoDockerScriptOptions, what: string): string[] {
  return hostScriptHeader({
    title: `${what} for MongoBackup "${opts.componentName}"`,
    envFile: opts.envFile,
    vars: dockerRunVars(opts.settings.hostDirectory, opts.settings.image, opts.network),
    envVar: MONGODB_URI_ENV,
  });
}

/**
 * The host script a Docker host's cron runs: a one-shot `docker run --rm` of the tools image on the
 * replica set's network, writing into `hostDirectory`, with the container script on stdin.
 */
export function mongoDockerBackupScript(opts: MongoDockerScriptOptions): string {
  const inner = mongoBackupContainerScript({
    filePrefix: opts.componentName,
    outDir: "/backups",
    readPreference: opts.settings.readPreference,
    retentionDays: opts.settings.retentionDays,
    scratchDir: "/tmp/kato",
  });
  return `${[
    ...dockerPreamble(opts, "Backup"),
    'mkdir -p "$BACKUP_DIR"',
    ...containerScriptHeredoc(
      `docker run --rm -i --network "$NETWORK" -e ${MONGODB_URI_ENV} -v "$BACKUP_DIR:/backups" --entrypoint bash "$IMAGE" -s`,
      inner,
    ),
  ].join("\n")}\n`;
}

/** The host script that restores one archive from `hostDirectory`: `restore.sh <archive file name>`. */
export function mongoDockerRestoreScript(opts: MongoDockerScriptOptions): string {
  const inner = mongoRestoreContainerScript({ drop: opts.settings.restoreDrop, scratchDir: "/tmp/kato" });
  const fallback = opts.settings.restoreFrom ? `:-${opts.settings.restoreFrom}` : "";
  return `${[
    ...dockerPreamble(opts, "Restore"),
    `${MONGODB_URI_ENV}="\${MONGODB_RESTORE_URI:-$${MONGODB_URI_ENV}}"`,
    `export ${MONGODB_URI_ENV}`,
    `name="\${1${fallback}}"`,
    'if [ -z "$name" ]; then echo "usage: $0 <archive file name in $BACKUP_DIR>" >&2; exit 2; fi',
    'case "$name" in */*|.*) echo "give a file name, not a path: $name" >&2; exit 2;; esac',
    'test -s "$BACKUP_DIR/$name" || { echo "no such backup: $BACKUP_DIR/$name" >&2; exit 2; }',
    ...containerScriptHeredoc(
      `docker run --rm -i --network "$NETWORK" -e ${MONGODB_URI_ENV} -v "$BACKUP_DIR:/backups:ro" --entrypoint bash "$IMAGE" -s "/backups/$name"`,
      inner,
    ),
  ].join("\n")}\n`;
}

/** The one-line restore command, for docs and outputs (`$cfg` holds the URI, see the restore script). */
export function mongoRestoreCommandLine(archive: string, drop: boolean): string {
  return mongorestoreCommand(drop).replace('"$archive"', shQuote(archive));
}
