/**
 * Versioned data migrations (the guide's example: set `version: "3.0"` on every pattern lacking it,
 * in every tenant database). Pure: no Pulumi, no I/O; the MongoMigration provider runs it.
 *
 * A migration is one idempotent update: `setIfMissing` sets a field on every document of a
 * collection that does not have it, with the filter `{ <field>: { $exists: false } }`. A document it
 * changed no longer matches, so running it again changes nothing and a run cut short converges when
 * run again.
 *
 * It runs once per id: the record `{ _id: <id>, version, definition, status, counts }` in
 * `kato_infra.migrations` says which databases it has done (written after each database, so a run
 * that fails halfway resumes where it stopped) and how many documents it changed in each. The
 * `version` is a digest of the definition (collection, field, value): the same id with another
 * definition is refused, never run again silently.
 */
import { type Problem, problem } from "../shared/problems";
import { canonicalJson, sortedKeys } from "../shared/values";
import { validateCollectionName, validateDatabaseName } from "./schemaSpec";

/** JSON values (what a Pulumi input can carry). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface MigrationSpec {
  /**
   * Unique and permanent: 1-128 of `A-Z a-z 0-9 _ . -`, e.g. `0001-patterns-version-3.0`; the
   * record's `_id` (not `id`: Pulumi reserves that name for the resource's own id).
   */
  migrationId: string;
  /** Free text for people; not part of the definition (changing it runs nothing). */
  description?: string;
  /** The collection in each tenant database, e.g. `patterns`. */
  collection: string;
  /** Sets `field` to `value` on every document without `field`. */
  setIfMissing: { field: string; value: JsonValue };
  /** The tenant databases, by name (the program's declared tenants). */
  databases?: string[];
  /**
   * Or: every database whose name matches this regular expression when the migration runs (e.g.
   * `^node_.*_kato$`, tenants KATO created itself). admin, local, config and kato_infra never match.
   */
  databasePattern?: string;
}

/** Where migrations are recorded. */
export const MIGRATION_RECORD = { database: "kato_infra", collection: "migrations" } as const;

/** Databases a migration never touches, whatever its pattern says. */
export const NEVER_MIGRATED = ["admin", "local", "config", MIGRATION_RECORD.database] as const;

/** The record document in `kato_infra.migrations`. */
export interface MigrationRecord {
  _id: string;
  version: string;
  definition?: MigrationDefinition;
  description?: string;
  status?: "running" | "applied";
  startedAt?: Date;
  appliedAt?: Date;
  counts?: { total?: number; databases?: Record<string, number> };
}

/** The part of a migration that decides what it does to documents. */
export interface MigrationDefinition {
  collection: string;
  setIfMissing: { field: string; value: JsonValue };
}

export interface MigrationCounts {
  total: number;
  databases: Record<string, number>;
}

/** The guide's first migration for a tenant collection (`patterns` for the guide, `patterns_kb` for KATO 3). */
export function patternsVersionMigration(
  collection = "patterns",
): Pick<MigrationSpec, "migrationId" | "description" | "collection" | "setIfMissing"> {
  return {
    migrationId: `0001-${collection}-version-3.0`,
    description: `Set version "3.0" on every ${collection} document that has no version (database-management-guide.md, Migrations).`,
    collection,
    setIfMissing: { field: "version", value: "3.0" },
  };
}

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

export function migrationDefinition(
  spec: Pick<MigrationSpec, "collection" | "setIfMissing">,
): MigrationDefinition {
  return {
    collection: spec.collection,
    setIfMissing: { field: spec.setIfMissing.field, value: sortedKeys(spec.setIfMissing.value) as JsonValue },
  };
}

/** `sha256:<hex>` of the definition's canonical JSON (key order does not matter). */
export function migrationVersion(spec: Pick<MigrationSpec, "collection" | "setIfMissing">): string {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const text = canonicalJson(migrationDefinition(spec));
  return `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
}

function validateValue(field: string, value: unknown, depth = 0): Problem[] {
  if (value === undefined) {
    return [
      problem(field, value, "[migration-value] is missing.", "give the value to set (null is allowed)."),
    ];
  }
  if (value === null || typeof value === "string" || typeof value === "boolean") return [];
  if (typeof value === "number") {
    return Number.isFinite(value)
      ? []
      : [
          problem(
            field,
            value,
            "[migration-value] must be a finite number.",
            "use a finite number or a string.",
          ),
        ];
  }
  if (depth > 50)
    return [problem(field, "...", "[migration-value] is nested too deeply.", "flatten the value.")];
  if (Array.isArray(value)) return value.flatMap((v, i) => validateValue(`${field}[${i}]`, v, depth + 1));
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
      const bad: Problem[] =
        k.startsWith("$") || k.includes(".") || k.length === 0
          ? [
              problem(
                `${field}.${k}`,
                v,
                "[migration-value] field names in the value may not be empty, start with $ or contain a dot (MongoDB would read them as operators or paths).",
                "rename that field.",
              ),
            ]
          : [];
      return [...bad, ...validateValue(`${field}.${k}`, v, depth + 1)];
    });
  }
  return [
    problem(
      field,
      value,
      "[migration-value] must be JSON (string, number, boolean, null, list, object).",
      "use a JSON value.",
    ),
  ];
}

/** Field path rules of `$set` (https://www.mongodb.com/docs/manual/core/document/#field-names). */
function validateField(field: string, path: unknown): Problem[] {
  if (typeof path !== "string" || path.length === 0) {
    return [
      problem(
        field,
        path,
        "[migration-field] must be a non-empty field name or dotted path.",
        `set ${field}, e.g. "version".`,
      ),
    ];
  }
  const out: Problem[] = [];
  const parts = path.split(".");
  if (parts.some((p) => p.length === 0)) {
    out.push(
      problem(
        field,
        path,
        "[migration-field] has an empty part (a leading, trailing or double dot).",
        "remove the extra dot.",
      ),
    );
  }
  if (parts.some((p) => p.startsWith("$"))) {
    out.push(
      problem(
        field,
        path,
        "[migration-field] a part starts with $, which MongoDB reads as an operator.",
        "use a field name without $.",
      ),
    );
  }
  if (parts[0] === "_id") {
    out.push(
      problem(
        field,
        path,
        "[migration-field] _id is immutable: MongoDB refuses to change it.",
        "set another field.",
      ),
    );
  }
  return out;
}

/** Every problem of a migration declaration, each naming its rule and the fix. */
export function validateMigration(raw: unknown, field = ""): Problem[] {
  const f = (name: string) => (field ? `${field}.${name}` : name);
  const spec = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const out: Problem[] = [];
  if (typeof spec.migrationId !== "string" || !ID_PATTERN.test(spec.migrationId)) {
    out.push(
      problem(
        f("migrationId"),
        spec.migrationId,
        "[migration-id] must be 1 to 128 of A-Z a-z 0-9 _ . - (it is the record's _id, and permanent).",
        'name it like "0001-patterns-version-3.0".',
      ),
    );
  }
  const databases = spec.databases;
  const pattern = spec.databasePattern;
  const hasList = databases !== undefined && databases !== null;
  const hasPattern = pattern !== undefined && pattern !== null;
  if (hasList === hasPattern) {
    out.push(
      problem(
        field || "migration",
        { databases, databasePattern: pattern },
        "[migration-scope] give exactly one of databases (the declared tenant databases) and databasePattern (every database whose name matches, found when the migration runs).",
        'set databases: [...] or databasePattern: "^node_.*_kato$", not both.',
      ),
    );
  }
  if (hasList) {
    if (!Array.isArray(databases) || databases.length === 0) {
      out.push(
        problem(
          f("databases"),
          databases,
          "[migration-scope] must be a non-empty list of database names.",
          "list the tenant databases, or use databasePattern.",
        ),
      );
    } else {
      databases.forEach((db, i) => {
        out.push(...validateDatabaseName(f(`databases[${i}]`), db));
        if (db === MIGRATION_RECORD.database) {
          out.push(
            problem(
              f(`databases[${i}]`),
              db,
              `[migration-scope] ${MIGRATION_RECORD.database} holds the migration records, not tenant data.`,
              "remove it from the list.",
            ),
          );
        }
      });
    }
  }
  if (hasPattern) {
    if (typeof pattern !== "string" || pattern.length === 0) {
      out.push(
        problem(
          f("databasePattern"),
          pattern,
          "[migration-pattern] must be a non-empty regular expression.",
          'write it like "^node_.*_kato$".',
        ),
      );
    } else {
      try {
        new RegExp(pattern);
      } catch (error) {
        out.push(
          problem(
            f("databasePattern"),
            pattern,
            `[migration-pattern] is not a valid regular expression (${(error as Error).message}).`,
            'write it like "^node_.*_kato$".',
          ),
        );
      }
    }
  }
  const longest =
    hasList && Array.isArray(databases)
      ? databases
          .filter((d): d is string => typeof d === "string")
          .reduce((a, b) => (b.length > a.length ? b : a), "")
      : "";
  if (typeof spec.collection !== "string") {
    out.push(
      problem(
        f("collection"),
        spec.collection,
        "[collection-name] must be a collection name.",
        'set collection, e.g. "patterns".',
      ),
    );
  } else {
    out.push(...validateCollectionName(f("collection"), longest || "db", spec.collection));
  }
  const set = spec.setIfMissing as Record<string, unknown> | undefined;
  if (!set || typeof set !== "object" || Array.isArray(set)) {
    out.push(
      problem(
        f("setIfMissing"),
        set,
        "[migration-field] must be { field, value }.",
        'write setIfMissing: { field: "version", value: "3.0" }.',
      ),
    );
  } else {
    for (const key of Object.keys(set)) {
      if (key !== "field" && key !== "value") {
        out.push(
          problem(
            f(`setIfMissing.${key}`),
            set[key],
            "is not a known field.",
            "remove it; known fields: field, value.",
          ),
        );
      }
    }
    out.push(...validateField(f("setIfMissing.field"), set.field));
    out.push(...validateValue(f("setIfMissing.value"), set.value));
  }
  if (spec.description !== undefined && typeof spec.description !== "string") {
    out.push(
      problem(f("description"), spec.description, "must be text.", "write the description as a string."),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scope and decisions
// ---------------------------------------------------------------------------------------------

/** The `listDatabases` command that finds pattern-matched databases (names only, no locks). */
export function listDatabasesCommand(pattern: string): Record<string, unknown> {
  return { listDatabases: 1, nameOnly: true, filter: { name: { $regex: pattern } } };
}

/**
 * The databases a migration runs on: the declared list, or the listed names matching the pattern;
 * never admin, local, config or the record database. Sorted, each once.
 */
export function targetDatabases(
  spec: Pick<MigrationSpec, "databases" | "databasePattern">,
  listed: readonly string[] = [],
): string[] {
  const excluded = new Set<string>(NEVER_MIGRATED);
  let names: string[];
  if (spec.databases) names = [...spec.databases];
  else {
    const re = new RegExp(spec.databasePattern ?? "(?!)");
    names = listed.filter((n) => re.test(n));
  }
  return [...new Set(names)].filter((n) => !excluded.has(n)).sort();
}

/** The one update statement run in each database: idempotent by its filter. */
export function updateStatement(spec: Pick<MigrationSpec, "setIfMissing">): {
  q: Record<string, unknown>;
  u: Record<string, unknown>;
  multi: true;
  upsert: false;
} {
  const { field, value } = spec.setIfMissing;
  return {
    q: { [field]: { $exists: false } },
    u: { $set: { [field]: sortedKeys(value) } },
    multi: true,
    upsert: false,
  };
}

export function changedDefinitionRefusal(
  id: string,
  before: MigrationDefinition | undefined,
  after: MigrationDefinition,
  where: string,
): string {
  const shown = (d: MigrationDefinition | undefined) =>
    d
      ? `${d.collection}: set ${d.setIfMissing.field} = ${JSON.stringify(d.setIfMissing.value)} where missing`
      : "another definition";
  return [
    `[migration-changed] MongoMigration ${id}: ${where} it as "${shown(before)}", but it is now declared as "${shown(after)}".`,
    "A migration runs once per id: the databases it has done would never get the new definition, and running it again there is not what the id recorded.",
    `Fix: put the old definition back under id ${id}, and declare the change as a new migration with a new id (e.g. ${id}-2).`,
  ].join("\n");
}

export type MigrationDecision =
  | { kind: "refuse"; message: string }
  /** Nothing left: every target database is recorded as done and the record says applied. */
  | { kind: "done"; counts: MigrationCounts }
  /** Run on `pending` (in order), recording each; `done` are skipped. */
  | { kind: "run"; pending: string[]; done: string[] };

export function countsOf(record: MigrationRecord | undefined): MigrationCounts {
  const databases: Record<string, number> = {};
  for (const [db, n] of Object.entries(record?.counts?.databases ?? {})) databases[db] = Number(n);
  const total = Object.values(databases).reduce((a, b) => a + b, 0);
  return { total, databases };
}

/** What to do, from the record (if any) and the target databases. */
export function decideMigration(
  spec: MigrationSpec,
  record: MigrationRecord | undefined,
  targets: readonly string[],
): MigrationDecision {
  const version = migrationVersion(spec);
  if (record && record.version !== version) {
    return {
      kind: "refuse",
      message: changedDefinitionRefusal(
        spec.migrationId,
        record.definition,
        migrationDefinition(spec),
        `${MIGRATION_RECORD.database}.${MIGRATION_RECORD.collection} records that it ran`,
      ),
    };
  }
  const recorded = new Set(Object.keys(record?.counts?.databases ?? {}));
  const done = targets.filter((t) => recorded.has(t));
  const pending = targets.filter((t) => !recorded.has(t));
  if (pending.length === 0 && record?.status === "applied") return { kind: "done", counts: countsOf(record) };
  return { kind: "run", pending, done };
}

/** The record update that says "this database is done, with n documents changed" (upsert: converges). */
export function progressUpdate(
  spec: MigrationSpec,
  database: string,
  modified: number,
): Record<string, unknown> {
  const version = migrationVersion(spec);
  return {
    q: { _id: spec.migrationId, version },
    u: {
      $set: {
        version,
        definition: migrationDefinition(spec),
        ...(spec.description !== undefined ? { description: spec.description } : {}),
        status: "running",
        [`counts.databases.${database}`]: modified,
      },
    },
    upsert: true,
  };
}

/** The record update at the start of a run with nothing recorded yet (so an empty run is recorded too). */
export function startUpdate(spec: MigrationSpec, now: Date): Record<string, unknown> {
  const version = migrationVersion(spec);
  return {
    q: { _id: spec.migrationId, version },
    u: {
      $set: {
        version,
        definition: migrationDefinition(spec),
        ...(spec.description !== undefined ? { description: spec.description } : {}),
        status: "running",
      },
      $setOnInsert: { startedAt: now, "counts.databases": {} },
    },
    upsert: true,
  };
}

/** The record update at the end: applied, with the total over every database done. */
export function finishUpdate(
  spec: MigrationSpec,
  counts: MigrationCounts,
  now: Date,
): Record<string, unknown> {
  return {
    q: { _id: spec.migrationId, version: migrationVersion(spec) },
    u: { $set: { status: "applied", appliedAt: now, "counts.total": counts.total } },
    upsert: false,
  };
}

/**
 * The provider's diff: a new id is a new migration (replace: the new one runs, the old record
 * stays); the same id with another definition is refused; a scope change, or databases a refresh
 * found not done yet, run the migration where it has not run.
 */
export function migrationDiff(
  olds: Record<string, any>,
  news: Record<string, any>,
): { changes: boolean; replaces: string[]; refusal?: string } {
  if (olds.migrationId !== news.migrationId) return { changes: true, replaces: ["migrationId"] };
  const before = migrationVersion(olds as MigrationSpec);
  const after = migrationVersion(news as MigrationSpec);
  if (before !== after) {
    return {
      changes: true,
      replaces: [],
      refusal: changedDefinitionRefusal(
        news.migrationId,
        migrationDefinition(olds as MigrationSpec),
        migrationDefinition(news as MigrationSpec),
        "this stack's state records that it ran",
      ),
    };
  }
  // A refresh found the record of this id holding another definition (another stack, lost state).
  if (typeof olds.recordedVersion === "string" && olds.recordedVersion !== after) {
    return {
      changes: true,
      replaces: [],
      refusal: changedDefinitionRefusal(
        news.migrationId,
        undefined,
        migrationDefinition(news as MigrationSpec),
        `${MIGRATION_RECORD.database}.${MIGRATION_RECORD.collection} records (version ${olds.recordedVersion}) that it ran`,
      ),
    };
  }
  const keys = [
    "databases",
    "databasePattern",
    "description",
    "access",
    "username",
    "password",
    "timeoutSeconds",
  ];
  const changed = keys.some((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
  const unfinished =
    (Array.isArray(olds.pendingDatabases) && olds.pendingDatabases.length > 0) ||
    (olds.status !== undefined && olds.status !== "applied");
  return { changes: changed || unfinished, replaces: [] };
}
