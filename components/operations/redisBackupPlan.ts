// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell scripts; ${VAR} is shell syntax.
/**
 * Redis backups: a scheduled copy of every node's RDB, with retention, and a restore that survives
 * `appendonly yes`. Pure: settings in, scripts out.
 *
 * How a copy is taken:
 * - Docker (host cron): `BGSAVE` in the node's container, wait until INFO persistence shows a new
 *   completed save (`rdb_saves` grew, or `LASTSAVE` moved on servers without that counter) and
 *   `rdb_last_bgsave_status:ok`, then `docker cp` the node's own dump file out with a timestamp.
 * - Kubernetes (CronJob): a pod cannot read another pod's ReadWriteOnce volume, so the job asks each
 *   node for a fresh RDB over the network with `redis-cli --rdb` (the server forks and streams a
 *   point-in-time snapshot, as it does for a replica's full sync).
 * Both check the `REDIS` magic before a copy counts, and write `CLUSTER NODES` beside it so a
 * restore can tell which node owned which slots.
 *
 * Replication mode (one primary, replicas, Sentinels) is different: every node holds the whole
 * dataset, so a run takes ONE copy, into `dataset/`, from the replica that is connected to its
 * primary (`master_link_status:up`) and furthest along (`slave_repl_offset`), so the fork and the
 * transfer load a replica while the primary keeps serving KATO; only when no replica is in sync is
 * the copy taken from the primary, and the log line says which. Replication is asynchronous: a
 * replica's copy may miss the primary's last writes (up to `min-replicas-max-lag` seconds). The
 * restore loads that one copy into every node, with all of them stopped: whichever node Sentinel
 * makes primary when they start holds the restored data, and a replica's full resync from it
 * cannot bring anything else back.
 *
 * Why restore needs care: with `appendonly yes` Redis loads the AOF at start and ignores dump.rdb;
 * with no AOF it starts empty and writes an empty AOF (seen on Redis 7.0). So the restore moves the
 * AOF aside, loads the RDB into a private server with `appendonly no`, switches AOF on there (which
 * rewrites a fresh AOF from memory), waits for the rewrite, and shuts it down; the node then starts
 * as configured and loads that AOF. nodes.conf is never touched.
 */
import { DATA_DIR } from "../redis/redisConf";
import { REDIS_DEFAULTS } from "../redis/settings";
import { REDIS_UID } from "../redis/topology";
import type { FieldDoc } from "../shared/fields";
import type { Problem } from "../shared/problems";
import { type SettingsInput, setting } from "../shared/settingsDecl";
import { declareBackupSettings, type ResolvedBackupCommon, resolveBackupBase } from "./backupSettings";
import { retentionMinutes } from "./schedule";
import { containerScriptHeredoc, fileSlug, hostScriptHeader, shQuote } from "./shell";

/** The engine's own default image: backup tools and servers share a version (one declaration). */
export const DEFAULT_REDIS_TOOLS_IMAGE = `redis:${REDIS_DEFAULTS.version}`;

const FILE_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * RedisBackup's settings, each declared once: the common ones, the image and its own. The data
 * plane's defaults (components/dataplane/operationsDefaults.ts) read them too. The file names are
 * Redis 7's own defaults (`dbfilename`, `appenddirname`); the data directory and the uid are the ones
 * the engine configures (components/redis/redisConf.ts, topology.ts).
 */
export const REDIS_BACKUP_SETTINGS = declareBackupSettings(
  "redis",
  {
    default: DEFAULT_REDIS_TOOLS_IMAGE,
    description: "Image with redis-cli and redis-server; use the nodes' own image.",
  },
  {
    dataDir: setting.pattern({
      default: DATA_DIR,
      pattern: /^\/[A-Za-z0-9._/-]*$/,
      what: "an absolute path",
      fix: (f) => `set ${f} to the nodes' \`dir\`, e.g. "/data".`,
      description: "The nodes' data directory (`dir`).",
    }),
    dbFilename: setting.pattern({
      default: "dump.rdb",
      pattern: FILE_NAME,
      what: "a file name",
      fix: () => "set it to the nodes' dbfilename.",
      description: "The nodes' `dbfilename`.",
    }),
    appendDirName: setting.pattern({
      default: "appendonlydir",
      pattern: FILE_NAME,
      what: "a directory name",
      fix: () => "set it to the nodes' appenddirname.",
      description: "The nodes' `appenddirname` (Redis 7+): moved aside on restore.",
    }),
    saveTimeoutSeconds: setting.integer({
      default: 600,
      min: 10,
      max: 24 * 3600,
      unit: "s",
      description: "Docker: how long to wait for one node's BGSAVE before the run fails.",
    }),
    uid: setting.integer({
      default: REDIS_UID,
      min: 1,
      max: 2 ** 31 - 1,
      description:
        "uid the Redis server runs as (the official image's `redis` user); backup and restore containers run as it.",
    }),
  },
);

export type RedisBackupSettings = SettingsInput<typeof REDIS_BACKUP_SETTINGS.declarations>;
export type ResolvedRedisBackupSettings = ResolvedBackupCommon & {
  image: string;
  dataDir: string;
  dbFilename: string;
  appendDirName: string;
  saveTimeoutSeconds: number;
  uid: number;
};

/** Defaults of RedisBackup's own settings (from the declarations). */
export const REDIS_BACKUP_DEFAULTS = (({
  image,
  dataDir,
  dbFilename,
  appendDirName,
  saveTimeoutSeconds,
  uid,
}) => ({
  image,
  dataDir,
  dbFilename,
  appendDirName,
  saveTimeoutSeconds,
  uid,
}))(REDIS_BACKUP_SETTINGS.defaults);

export const REDIS_BACKUP_FIELDS: readonly FieldDoc[] = REDIS_BACKUP_SETTINGS.fields();

export function resolveRedisBackupSettings(
  raw: unknown,
  field = "backups.redis",
  base: Partial<RedisBackupSettings> = {},
): { settings?: ResolvedRedisBackupSettings; problems: Problem[] } {
  const {
    common,
    layered: l,
    problems,
  } = resolveBackupBase("redis", field, raw, base, REDIS_BACKUP_SETTINGS);
  if (problems.length > 0) return { problems };
  return {
    settings: {
      ...common,
      image: l.image as string,
      dataDir: (l.dataDir as string).replace(/\/+$/, "") || "/",
      dbFilename: l.dbFilename as string,
      appendDirName: l.appendDirName as string,
      saveTimeoutSeconds: l.saveTimeoutSeconds as number,
      uid: l.uid as number,
    },
    problems,
  };
}

/** `host:port` -> [host, port]; the last colon separates them. */
export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const i = endpoint.lastIndexOf(":");
  if (i <= 0) return { host: endpoint, port: 6379 };
  return { host: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)) };
}

/** The per-node directory under the backup root: a file-safe form of the node's advertised name. */
export function nodeDirName(endpoint: string): string {
  return fileSlug(endpoint);
}

function retentionLines(root: string, retentionDays: number | undefined): string[] {
  if (retentionDays === undefined) return [];
  const minutes = retentionMinutes(retentionDays);
  return [
    "# Retention, only after every node was copied: the newest copies are never the ones removed.",
    `find ${root} -type f \\( -name 'dump-*.rdb' -o -name 'nodes-*.txt' -o -name '*.partial' \\) -mmin +${minutes} -print -delete`,
  ];
}

const MAGIC_CHECK = ["is_rdb() {", '  [ "$(head -c 5 "$1")" = "REDIS" ]', "}"];

/** Redis formation of the nodes being copied: a Redis Cluster (a copy per node) or replication (one copy). */
export type RedisBackupMode = "cluster" | "replication";

/** Directory (under the backup root) of the one copy a replication-mode run takes. */
export const REPLICATION_COPY_DIR = "dataset";

/**
 * Shell (sh) that sets `source` to the node a replication-mode copy is taken from, and `source_role`
 * to why: for each node id in `$nodes` (each passed to `cli <id> ...`, which prints the reply without
 * CR), INFO replication; the in-sync replica with the highest `slave_repl_offset`, else the primary.
 */
function pickSourceLines(nodesVar: string): string[] {
  return [
    "pick_source() {",
    '  source=""; source_role=""; best_offset=-1; primary=""',
    `  for id in ${nodesVar}; do`,
    '    info=$(cli "$id" INFO replication 2>/dev/null) || continue',
    `    role=$(printf '%s\\n' "$info" | sed -n 's/^role://p')`,
    '    if [ "$role" = "master" ]; then [ -n "$primary" ] || primary=$id; continue; fi',
    '    [ "$role" = "slave" ] || continue',
    `    [ "$(printf '%s\\n' "$info" | sed -n 's/^master_link_status://p')" = "up" ] || continue`,
    `    offset=$(printf '%s\\n' "$info" | sed -n 's/^slave_repl_offset://p')`,
    '    case "$offset" in ""|*[!0-9]*) offset=0 ;; esac',
    '    if [ "$offset" -gt "$best_offset" ]; then source=$id; best_offset=$offset; fi',
    "  done",
    '  if [ -n "$source" ]; then',
    '    source_role="replica in sync with its primary (master_link_status:up, offset $best_offset)"',
    '  elif [ -n "$primary" ]; then',
    '    source=$primary; source_role="primary: no replica is in sync"',
    "  else",
    '    echo "no node answered as a primary or an in-sync replica; nothing copied" >&2',
    "    return 1",
    "  fi",
    "}",
  ];
}

/**
 * Kubernetes: stream a fresh RDB from every node with `redis-cli --rdb` (sh; the official image has
 * it). The password comes from `REDISCLI_AUTH`, which redis-cli reads itself.
 */
export function redisRdbStreamScript(opts: {
  endpoints: readonly string[];
  outDir: string;
  retentionDays?: number;
  /** `replication`: one copy, from an in-sync replica (see the file's comment). Default `cluster`. */
  mode?: RedisBackupMode;
}): string {
  const root = shQuote(opts.outDir);
  if (opts.mode === "replication") return replicationStreamScript(root, opts.endpoints, opts.retentionDays);
  const nodes = opts.endpoints.map((e) => shQuote(`${e} ${nodeDirName(e)}`)).join(" ");
  return `${[
    "#!/bin/sh",
    "set -eu",
    ': "${REDISCLI_AUTH:?REDISCLI_AUTH is not set}"',
    "umask 077",
    ...MAGIC_CHECK,
    "stamp=$(date -u +%Y%m%dT%H%M%SZ)",
    "failures=0",
    `for entry in ${nodes}; do`,
    "  # shellcheck disable=SC2086",
    "  set -- $entry",
    "  node=$1; host=${1%:*}; port=${1##*:}",
    `  dir=${root}/"$2"`,
    '  mkdir -p "$dir"',
    '  partial="$dir/dump-$stamp.rdb.partial"',
    '  if redis-cli --no-auth-warning -h "$host" -p "$port" --rdb "$partial" >/dev/null && is_rdb "$partial"; then',
    '    mv "$partial" "$dir/dump-$stamp.rdb"',
    '    redis-cli --no-auth-warning -h "$host" -p "$port" CLUSTER NODES > "$dir/nodes-$stamp.txt" 2>/dev/null || rm -f "$dir/nodes-$stamp.txt"',
    '    echo "copied $node -> $dir/dump-$stamp.rdb ($(wc -c < "$dir/dump-$stamp.rdb") bytes)"',
    "  else",
    '    rm -f "$partial"',
    '    echo "FAILED to copy the RDB of $node" >&2',
    "    failures=$((failures + 1))",
    "  fi",
    "done",
    'if [ "$failures" -gt 0 ]; then echo "$failures node(s) failed; old copies kept" >&2; exit 1; fi',
    ...retentionLines(root, opts.retentionDays),
  ].join("\n")}\n`;
}

function replicationStreamScript(root: string, endpoints: readonly string[], retentionDays?: number): string {
  return `${[
    "#!/bin/sh",
    "set -eu",
    ': "${REDISCLI_AUTH:?REDISCLI_AUTH is not set}"',
    "umask 077",
    ...MAGIC_CHECK,
    "cli() {",
    "  id=$1; shift",
    '  redis-cli --no-auth-warning -h "${id%:*}" -p "${id##*:}" "$@" | tr -d \'\\r\'',
    "}",
    `nodes=${shQuote(endpoints.join(" "))}`,
    ...pickSourceLines("$nodes"),
    "pick_source",
    "stamp=$(date -u +%Y%m%dT%H%M%SZ)",
    `dir=${root}/${REPLICATION_COPY_DIR}`,
    'mkdir -p "$dir"',
    'partial="$dir/dump-$stamp.rdb.partial"',
    'echo "copying from $source ($source_role)"',
    'if redis-cli --no-auth-warning -h "${source%:*}" -p "${source##*:}" --rdb "$partial" >/dev/null && is_rdb "$partial"; then',
    '  mv "$partial" "$dir/dump-$stamp.rdb"',
    '  echo "copied $source -> $dir/dump-$stamp.rdb ($(wc -c < "$dir/dump-$stamp.rdb") bytes)"',
    "else",
    '  rm -f "$partial"',
    '  echo "FAILED to copy the RDB of $source; old copies kept" >&2',
    "  exit 1",
    "fi",
    ...retentionLines(root, retentionDays),
  ].join("\n")}\n`;
}

export interface RedisDockerNode {
  /** Container name on the Docker host. */
  container: string;
  /** Port the server listens on inside its container. */
  port: number;
  /** Advertised `host:port`, used to name its backup directory. */
  endpoint: string;
}

/**
 * Docker host cron script: BGSAVE in each node's container, wait for it via INFO persistence /
 * LASTSAVE, `docker cp` the node's dump file with a timestamp, then prune (bash).
 */
export function redisDockerBackupScript(opts: {
  componentName: string;
  nodes: readonly RedisDockerNode[];
  hostDirectory: string;
  envFile: string;
  saveTimeoutSeconds: number;
  retentionDays: number;
  /** `replication`: one copy, from an in-sync replica (see the file's comment). Default `cluster`. */
  mode?: RedisBackupMode;
}): string {
  const nodes = opts.nodes.map((n) => shQuote(`${n.container} ${n.port} ${nodeDirName(n.endpoint)}`));
  const replication = opts.mode === "replication";
  const ids = opts.nodes.map((n) => `${n.container}:${n.port}`).join(" ");
  return `${[
    ...hostScriptHeader({
      title: `Backup for RedisBackup "${opts.componentName}"`,
      envFile: opts.envFile,
      vars: {
        BACKUP_DIR: `"\${KATO_BACKUP_DIR:-${opts.hostDirectory}}"`,
        SAVE_TIMEOUT: String(opts.saveTimeoutSeconds),
      },
      envVar: "REDISCLI_AUTH",
    }),
    "umask 077",
    ...MAGIC_CHECK,
    "cli() {",
    "  local container=$1 port=$2",
    "  shift 2",
    '  docker exec -e REDISCLI_AUTH "$container" redis-cli --no-auth-warning -p "$port" "$@" | tr -d \'\\r\'',
    "}",
    "persistence() {",
    '  cli "$1" "$2" INFO persistence | sed -n "s/^$3://p"',
    "}",
    "wait_no_save() {",
    "  local i=0",
    '  while [ "$(persistence "$1" "$2" rdb_bgsave_in_progress)" != "0" ]; do',
    '    i=$((i + 1)); [ "$i" -le "$SAVE_TIMEOUT" ] || return 1; sleep 1',
    "  done",
    "}",
    "backup_node() {",
    "  local container=$1 port=$2 name=$3 before last_before reply saves last i status dir file dest",
    '  wait_no_save "$container" "$port" || { echo "$container: a save is still running" >&2; return 1; }',
    '  before=$(persistence "$container" "$port" rdb_saves)',
    '  last_before=$(cli "$container" "$port" LASTSAVE)',
    '  reply=$(cli "$container" "$port" BGSAVE)',
    '  case "$reply" in',
    '    "Background saving started"|"Background saving scheduled") ;;',
    '    *) echo "$container: BGSAVE answered: $reply" >&2; return 1 ;;',
    "  esac",
    "  i=0",
    "  while :; do",
    '    saves=$(persistence "$container" "$port" rdb_saves)',
    '    last=$(cli "$container" "$port" LASTSAVE)',
    '    if [ "$(persistence "$container" "$port" rdb_bgsave_in_progress)" = "0" ]; then',
    '      if [ -n "$before" ] && [ -n "$saves" ]; then [ "$saves" -gt "$before" ] && break',
    '      elif [ "$last" -gt "$last_before" ]; then break; fi',
    "    fi",
    '    i=$((i + 1)); [ "$i" -le "$SAVE_TIMEOUT" ] || { echo "$container: BGSAVE did not finish in ${SAVE_TIMEOUT}s" >&2; return 1; }',
    "    sleep 1",
    "  done",
    '  status=$(persistence "$container" "$port" rdb_last_bgsave_status)',
    '  [ "$status" = "ok" ] || { echo "$container: BGSAVE failed (rdb_last_bgsave_status:$status)" >&2; return 1; }',
    '  dir=$(cli "$container" "$port" CONFIG GET dir | sed -n 2p)',
    '  file=$(cli "$container" "$port" CONFIG GET dbfilename | sed -n 2p)',
    '  dest="$BACKUP_DIR/$name"',
    '  mkdir -p "$dest"',
    '  docker cp "$container:$dir/$file" "$dest/dump-$stamp.rdb.partial"',
    '  is_rdb "$dest/dump-$stamp.rdb.partial" || { echo "$container: the copied file is not an RDB" >&2; return 1; }',
    '  mv "$dest/dump-$stamp.rdb.partial" "$dest/dump-$stamp.rdb"',
    '  cli "$container" "$port" CLUSTER NODES > "$dest/nodes-$stamp.txt" 2>/dev/null || rm -f "$dest/nodes-$stamp.txt"',
    '  grep -q . "$dest/nodes-$stamp.txt" 2>/dev/null || rm -f "$dest/nodes-$stamp.txt"',
    '  echo "copied $container -> $dest/dump-$stamp.rdb"',
    "}",
    'mkdir -p "$BACKUP_DIR"',
    "stamp=$(date -u +%Y%m%dT%H%M%SZ)",
    ...(replication
      ? [
          "node_cli() {",
          "  local id=$1",
          "  shift",
          '  cli "${id%:*}" "${id##*:}" "$@"',
          "}",
          ...pickSourceLines("$nodes").map((line) => line.replace('cli "$id"', 'node_cli "$id"')),
          `nodes=${shQuote(ids)}`,
          "pick_source",
          'echo "copying from $source ($source_role)"',
          `backup_node "\${source%:*}" "\${source##*:}" ${REPLICATION_COPY_DIR} || { echo "the copy failed; old copies kept" >&2; exit 1; }`,
        ]
      : [
          "failures=0",
          `for node in ${nodes.join(" ")}; do`,
          "  # shellcheck disable=SC2086",
          "  set -- $node",
          '  backup_node "$1" "$2" "$3" || failures=$((failures + 1))',
          "done",
          'if [ "$failures" -gt 0 ]; then echo "$failures node(s) failed; old copies kept" >&2; exit 1; fi',
        ]),
    ...retentionLines('"$BACKUP_DIR"', opts.retentionDays),
  ].join("\n")}\n`;
}

/**
 * Restores one node's data directory from an RDB copy (sh; run with the node stopped, as the node's
 * uid, in an image with redis-server and redis-cli): `$1` is the RDB file.
 */
export function redisRestoreNodeScript(opts: {
  dataDir: string;
  dbFilename: string;
  appendDirName: string;
  /** Seconds to wait for loading and for the AOF rewrite. */
  timeoutSeconds?: number;
}): string {
  const dir = shQuote(opts.dataDir);
  const timeout = opts.timeoutSeconds ?? 600;
  return `${[
    "#!/bin/sh",
    "set -eu",
    'backup="${1:?usage: restore <rdb file>}"',
    ...MAGIC_CHECK,
    'is_rdb "$backup" || { echo "not an RDB file: $backup" >&2; exit 2; }',
    `data=${dir}`,
    "stamp=$(date -u +%Y%m%dT%H%M%SZ)",
    'aside="$data/before-restore-$stamp"',
    'mkdir -p "$aside"',
    "# 1. Move the AOF aside: with appendonly yes Redis would load it and ignore the RDB.",
    `if [ -e "$data/${opts.appendDirName}" ]; then mv "$data/${opts.appendDirName}" "$aside/"; fi`,
    `if [ -e "$data/${opts.dbFilename}" ]; then mv "$data/${opts.dbFilename}" "$aside/"; fi`,
    "# 2. Put the copy in place as the node's dump file.",
    `cp "$backup" "$data/${opts.dbFilename}.partial"`,
    `mv "$data/${opts.dbFilename}.partial" "$data/${opts.dbFilename}"`,
    "# 3. Load it in a private server (unix socket only, AOF off), then turn AOF on: Redis rewrites a fresh AOF from memory.",
    'sock="${TMPDIR:-/tmp}/kato-redis-restore-$$.sock"',
    `redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 --dir "$data" --dbfilename ${shQuote(opts.dbFilename)} --appendonly no --appenddirname ${shQuote(opts.appendDirName)} --save '' --daemonize no --loglevel warning &`,
    "pid=$!",
    "field() {",
    '  redis-cli -s "$sock" INFO persistence | tr -d \'\\r\' | sed -n "s/^$1://p"',
    "}",
    "i=0",
    'until [ "$(redis-cli -s "$sock" PING 2>/dev/null)" = "PONG" ] && [ "$(field loading)" = "0" ]; do',
    `  i=$((i + 1)); if [ "$i" -gt ${timeout * 5} ]; then echo "the restore server did not load the RDB" >&2; kill "$pid"; exit 1; fi`,
    "  sleep 0.2",
    "done",
    'keys=$(redis-cli -s "$sock" DBSIZE)',
    'redis-cli -s "$sock" CONFIG SET appendonly yes >/dev/null',
    "i=0",
    'until [ "$(field aof_enabled)" = "1" ] && [ "$(field aof_rewrite_in_progress)" = "0" ] && [ "$(field aof_rewrite_scheduled)" = "0" ]; do',
    `  i=$((i + 1)); if [ "$i" -gt ${timeout * 5} ]; then echo "the AOF rewrite did not finish" >&2; kill "$pid"; exit 1; fi`,
    "  sleep 0.2",
    "done",
    '[ "$(field aof_last_bgrewrite_status)" = "ok" ] || { echo "the AOF rewrite failed" >&2; kill "$pid"; exit 1; }',
    'redis-cli -s "$sock" SHUTDOWN NOSAVE >/dev/null 2>&1 || true',
    'wait "$pid" || true',
    'rm -f "$sock"',
    `test -d "$data/${opts.appendDirName}" || { echo "no AOF was written" >&2; exit 1; }`,
    'echo "restored $keys keys into $data (previous files in $aside); start the node as configured"',
  ].join("\n")}\n`;
}

/** Docker host script restoring one node: `restore.sh <container> <path of the RDB under the backup dir>`. */
export function redisDockerRestoreScript(opts: {
  componentName: string;
  settings: ResolvedRedisBackupSettings;
  /**
   * `replication`: `restore.sh <dataset/dump-STAMP.rdb>` stops every node in `containers`, loads the
   * one copy into each, and starts them all. Default `cluster` (one node per run).
   */
  mode?: RedisBackupMode;
  containers?: readonly string[];
}): string {
  const s = opts.settings;
  const inner = redisRestoreNodeScript({
    dataDir: s.dataDir,
    dbFilename: s.dbFilename,
    appendDirName: s.appendDirName,
    timeoutSeconds: s.saveTimeoutSeconds,
  });
  if (opts.mode === "replication")
    return replicationDockerRestore(opts.componentName, s, inner, opts.containers ?? []);
  return `${[
    "#!/usr/bin/env bash",
    "set -euo pipefail",
    `# Restore of one node for RedisBackup "${opts.componentName}", rendered by kato-infra.`,
    "# Stop every node of the cluster first; restore each master from its own copy; then start them all.",
    `BACKUP_DIR="\${KATO_BACKUP_DIR:-${s.hostDirectory}}"`,
    `IMAGE=${shQuote(s.image)}`,
    'container="${1:?usage: $0 <container> <node-dir/dump-STAMP.rdb>}"',
    'copy="${2:?usage: $0 <container> <node-dir/dump-STAMP.rdb>}"',
    'case "$copy" in /*|*..*) echo "give the path under $BACKUP_DIR, e.g. node/dump-STAMP.rdb" >&2; exit 2;; esac',
    'test -s "$BACKUP_DIR/$copy" || { echo "no such copy: $BACKUP_DIR/$copy" >&2; exit 2; }',
    'if [ "$(docker inspect -f \'{{.State.Running}}\' "$container")" = "true" ]; then docker stop "$container" >/dev/null; fi',
    ...containerScriptHeredoc(
      `docker run --rm -i --network none --user ${s.uid}:${s.uid} --volumes-from "$container" -v "$BACKUP_DIR:/backups:ro" --entrypoint sh "$IMAGE" -s "/backups/$copy"`,
      inner,
    ),
    'docker start "$container" >/dev/null',
    'echo "restored $container from $copy"',
  ].join("\n")}\n`;
}

function replicationDockerRestore(
  componentName: string,
  s: ResolvedRedisBackupSettings,
  inner: string,
  containers: readonly string[],
): string {
  const usage = `usage: $0 <${REPLICATION_COPY_DIR}/dump-STAMP.rdb>`;
  return `${[
    "#!/usr/bin/env bash",
    "set -euo pipefail",
    `# Restore of RedisBackup "${componentName}" (replication mode), rendered by kato-infra.`,
    "# Every node holds the whole dataset: stop them all, load the one copy into each, start them all;",
    "# whichever node Sentinel keeps or makes primary then holds the restored data.",
    `BACKUP_DIR="\${KATO_BACKUP_DIR:-${s.hostDirectory}}"`,
    `IMAGE=${shQuote(s.image)}`,
    `containers=(${containers.map(shQuote).join(" ")})`,
    `copy="\${1:?${usage}}"`,
    `case "$copy" in /*|*..*) echo "give the path under $BACKUP_DIR, e.g. ${REPLICATION_COPY_DIR}/dump-STAMP.rdb" >&2; exit 2;; esac`,
    'test -s "$BACKUP_DIR/$copy" || { echo "no such copy: $BACKUP_DIR/$copy" >&2; exit 2; }',
    'for container in "${containers[@]}"; do',
    '  if [ "$(docker inspect -f \'{{.State.Running}}\' "$container")" = "true" ]; then docker stop "$container" >/dev/null; fi',
    "done",
    'for container in "${containers[@]}"; do',
    ...containerScriptHeredoc(
      `docker run --rm -i --network none --user ${s.uid}:${s.uid} --volumes-from "$container" -v "$BACKUP_DIR:/backups:ro" --entrypoint sh "$IMAGE" -s "/backups/$copy"`,
      inner,
    ),
    "done",
    'for container in "${containers[@]}"; do docker start "$container" >/dev/null; done',
    'echo "restored ${#containers[@]} nodes from $copy"',
  ].join("\n")}\n`;
}
