/**
 * What the day-2 operations take from the data plane they serve, as the lowest layer under a
 * profile's and a stack's settings: the engines' own images (tools and server versions match), where
 * each engine keeps its files, and a host directory per data plane (several stacks may share one
 * Docker host). Pure: the stack config and KatoDataPlane both use it, so a stack's resolved settings
 * are the ones the plane deploys.
 */
import type { ResolvedMongoSettings } from "../mongodb/settings";
import type { MongoBackupSettings, QdrantSnapshotsSettings, RedisBackupSettings } from "../operations";
import { REDIS_BACKUP_DEFAULTS } from "../operations/redisBackupPlan";
import type { ResolvedQdrantSettings } from "../qdrant/settings";
import { DATA_DIR } from "../redis/redisConf";
import type { ResolvedRedisSettings } from "../redis/settings";

export const BACKUP_ENGINES = ["mongodb", "qdrant", "redis"] as const;
export type BackupEngine = (typeof BACKUP_ENGINES)[number];

export interface OperationsDefaults {
  mongodb: MongoBackupSettings;
  qdrant: QdrantSnapshotsSettings;
  redis: RedisBackupSettings;
}

/** The Docker host directory a plane's backups of `engine` go to: `/var/backups/<plane>/<engine>`. */
export function backupHostDirectory(plane: string, engine: BackupEngine): string {
  return `/var/backups/${plane}/${engine}`;
}

/** A redis.conf value from `extraConfig` (which may quote it), or the server's default. */
function redisDirective(redis: ResolvedRedisSettings, name: string, dflt: string): string {
  const raw = redis.extraConfig[name];
  if (raw === undefined) return dflt;
  return raw.trim().replace(/^"(.*)"$/, "$1");
}

/** The bucket prefix of a stack's backups of `engine`: `kato/<stack>/<engine>` (stacks may share a bucket). */
export function backupS3Prefix(stack: string, engine: BackupEngine): string {
  const slug = stack.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "") || "stack";
  return `kato/${slug}/${engine}`;
}

/**
 * Defaults derived from the engines (each left out when its engine's settings are unknown, e.g. they
 * did not validate), from the plane and the stack: `storageClass` is the stack's Kubernetes storage
 * class.
 */
export function operationsDefaults(
  plane: string,
  stack: string,
  engines: {
    mongodb?: ResolvedMongoSettings;
    qdrant?: ResolvedQdrantSettings;
    redis?: ResolvedRedisSettings;
  },
  storageClass?: string,
): OperationsDefaults {
  const common = (engine: BackupEngine) => ({
    hostDirectory: backupHostDirectory(plane, engine),
    s3: { prefix: backupS3Prefix(stack, engine) },
    ...(storageClass ? { storageClass } : {}),
  });
  const { mongodb, qdrant, redis } = engines;
  return {
    mongodb: { ...common("mongodb"), ...(mongodb ? { image: mongodb.image } : {}) },
    qdrant: { ...common("qdrant"), ...(qdrant ? { snapshotsPath: qdrant.snapshots.path } : {}) },
    redis: {
      ...common("redis"),
      ...(redis
        ? {
            image: redis.image,
            dataDir: DATA_DIR,
            dbFilename: redisDirective(redis, "dbfilename", REDIS_BACKUP_DEFAULTS.dbFilename),
            appendDirName: redisDirective(redis, "appenddirname", REDIS_BACKUP_DEFAULTS.appendDirName),
          }
        : {}),
    },
  };
}
