/**
 * Backup defaults are declared once (issue 11): each engine's own defaults live in one constant
 * (MONGO_BACKUP_DEFAULTS, QDRANT_SNAPSHOTS_DEFAULTS, REDIS_BACKUP_DEFAULTS) and the shared ones in
 * commonBackupDefaults; the documented defaults (the *_FIELDS tables behind docs/reference.md and
 * docs/operations.md), what the resolvers give for an empty object, and what the data plane assumes
 * when an engine leaves a file name at Redis' own default all come from there.
 */
import { describe, expect, it } from "vitest";
import { operationsDefaults } from "../../components/dataplane/operationsDefaults";
import { commonBackupDefaults } from "../../components/operations/backupSettings";
import {
  MONGO_BACKUP_DEFAULTS,
  MONGO_BACKUP_FIELDS,
  resolveMongoBackupSettings,
} from "../../components/operations/mongoBackupPlan";
import {
  QDRANT_SNAPSHOTS_DEFAULTS,
  QDRANT_SNAPSHOTS_FIELDS,
  resolveQdrantSnapshotsSettings,
} from "../../components/operations/qdrantSnapshotsPlan";
import {
  REDIS_BACKUP_DEFAULTS,
  REDIS_BACKUP_FIELDS,
  resolveRedisBackupSettings,
} from "../../components/operations/redisBackupPlan";
import { QDRANT_DEFAULTS } from "../../components/qdrant/settings";
import { DATA_DIR } from "../../components/redis/redisConf";
import { resolveRedisSettings } from "../../components/redis/settings";
import type { FieldDoc } from "../../components/shared/fields";

const ENGINES = [
  {
    engine: "mongodb",
    fields: MONGO_BACKUP_FIELDS,
    defaults: MONGO_BACKUP_DEFAULTS as Record<string, unknown>,
    resolve: resolveMongoBackupSettings,
  },
  {
    engine: "qdrant",
    fields: QDRANT_SNAPSHOTS_FIELDS,
    defaults: QDRANT_SNAPSHOTS_DEFAULTS as Record<string, unknown>,
    resolve: resolveQdrantSnapshotsSettings,
  },
  {
    engine: "redis",
    fields: REDIS_BACKUP_FIELDS,
    defaults: REDIS_BACKUP_DEFAULTS as Record<string, unknown>,
    resolve: resolveRedisBackupSettings,
  },
] as const;

const docDefault = (fields: readonly FieldDoc[], name: string): unknown =>
  fields.find((f) => f.name === name)?.default;

/** `resources.cpu` in `{ resources: { cpu } }`: groups are documented member by member. */
const lookup = (root: Record<string, unknown>, dotted: string): unknown =>
  dotted
    .split(".")
    .reduce<unknown>((cur, part) => (cur as Record<string, unknown> | undefined)?.[part], root);

describe.each(ENGINES)("$engine backup defaults", ({ engine, fields, defaults, resolve }) => {
  const resolved = resolve({}, `backups.${engine}`).settings as unknown as Record<string, unknown>;

  it("resolve to the one declaration for an empty settings object", () => {
    expect(resolved).toEqual({ ...commonBackupDefaults(engine), ...defaults });
  });

  it("are documented as declared, each field once", () => {
    for (const [key, value] of Object.entries({ ...commonBackupDefaults(engine), ...defaults })) {
      if (typeof value === "object" && value !== null) {
        for (const [member, v] of Object.entries(value)) {
          expect(docDefault(fields, `${key}.${member}`), `${key}.${member}`).toEqual(v);
        }
      } else expect(docDefault(fields, key), key).toEqual(value);
    }
    const names = fields.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("document no default the resolver does not give", () => {
    for (const f of fields) {
      if (f.default === undefined || f.name.startsWith("s3.")) continue;
      expect(lookup(resolved, f.name), f.name).toEqual(f.default);
    }
  });
});

describe("defaults shared with the engines", () => {
  it("Qdrant snapshots are looked for where the engine keeps them by default", () => {
    expect(QDRANT_SNAPSHOTS_DEFAULTS.snapshotsPath).toBe(QDRANT_DEFAULTS.snapshots.path);
  });

  it("Redis backups read the data directory the engine configures, and Redis' own file names unless extraConfig changes them", () => {
    expect(REDIS_BACKUP_DEFAULTS.dataDir).toBe(DATA_DIR);
    const plain = resolveRedisSettings({}).settings!;
    const derived = operationsDefaults("kato", "dev", { redis: plain }).redis;
    expect(derived).toMatchObject({
      dataDir: REDIS_BACKUP_DEFAULTS.dataDir,
      dbFilename: REDIS_BACKUP_DEFAULTS.dbFilename,
      appendDirName: REDIS_BACKUP_DEFAULTS.appendDirName,
    });
    const renamed = resolveRedisSettings({
      extraConfig: { dbfilename: '"kato.rdb"', appenddirname: "aof" },
    }).settings!;
    expect(operationsDefaults("kato", "dev", { redis: renamed }).redis).toMatchObject({
      dbFilename: "kato.rdb",
      appendDirName: "aof",
    });
  });
});
