/**
 * Data migrations a data plane runs (`kato-infra:migrations`): ids from a catalogue kept here, each a
 * MongoMigration over the tenant databases. Pure.
 *
 * A stack lists the ids it wants run, in order; none by default, because changing documents is a
 * decision, not a default. Each entry runs on the declared tenant databases, or, with
 * `databasePattern`, on every database whose name matches when it runs (tenants KATO created itself).
 *
 * Adding a migration: append an entry with a new id. Never change an entry that has shipped: a
 * MongoMigration records its definition under its id, and a changed definition under the same id is
 * refused at preview (`[migration-changed]`).
 */
import { type MigrationSpec, patternsVersionMigration, validateMigration } from "../mongodb/migrationPlan";
import type { FieldDoc } from "../shared/fields";
import { closest, type Problem, problem } from "../shared/problems";
import { declareSettings, setting } from "../shared/settingsDecl";
import { isObject } from "../shared/values";
import {
  PRESET_PATTERNS_COLLECTION,
  presetDatabasePattern,
  type SchemaPlan,
  type SchemaPreset,
} from "./presets";

/** What the definition of a catalogue migration may depend on. */
export interface MigrationContext {
  preset: SchemaPreset;
}

export interface CatalogueMigration {
  /** The id a stack lists; permanent. */
  id: string;
  /** One line for the README. */
  summary: string;
  /** The migration for a preset. Its `migrationId` is the record's `_id` in kato_infra.migrations. */
  definition(
    context: MigrationContext,
  ): Pick<MigrationSpec, "migrationId" | "description" | "collection" | "setIfMissing">;
}

/** Every migration a stack may list, oldest first. Append only. */
export const MIGRATION_CATALOGUE: readonly CatalogueMigration[] = [
  {
    id: "0001-patterns-version-3.0",
    summary:
      'The guide\'s example: `version: "3.0"` on every pattern that has no `version` (collection `patterns`; kato-v3: `patterns_kb`).',
    // Recorded as 0001-patterns-version-3.0 (guide) or 0001-patterns_kb-version-3.0 (kato-v3): the
    // record names its collection, so a stack that changes preset runs it on the new collection.
    definition: ({ preset }) => patternsVersionMigration(PRESET_PATTERNS_COLLECTION[preset]),
  },
];

/** The ids a stack may list. */
export function migrationIds(): string[] {
  return MIGRATION_CATALOGUE.map((m) => m.id);
}

/** An entry of `kato-infra:migrations`: an id, or `{ id, databasePattern }`. */
export type DataPlaneMigration = string | { id: string; databasePattern?: string };

export interface ResolvedDataPlaneMigration {
  id: string;
  /** Set: every database matching it when the migration runs; unset: the declared tenant databases. */
  databasePattern?: string;
}

/**
 * An entry's fields, each declared once (components/shared/settingsDecl.ts): the docs rows and the
 * key list come from here. Both checks are the resolver's, as they need the context: the nearest
 * catalogue id and the repeated id (the whole list), the pattern's example (the preset).
 */
export const MIGRATION_ENTRY_SETTINGS = declareSettings({
  id: setting.value<string>({
    type: migrationIds()
      .map((id) => JSON.stringify(id))
      .join(" | "),
    defaultText: "(required)",
    rules: "an id of the catalogue, listed once",
    description:
      "The catalogue migration to run (components/dataplane/migrations.ts). An entry may be just the id.",
  }),
  databasePattern: setting.value<string | undefined>({
    type: "string (regular expression)",
    defaultText: "(unset: the tenants in nodeIds)",
    rules: "a non-empty regular expression",
    description:
      "Run on every database whose name matches when the migration runs, including tenants KATO created itself, e.g. `^node_.+_kato$` (guide) or `^.+_kato$` (kato-v3). admin, local, config and kato_infra never match.",
  }),
});

export const MIGRATION_FIELDS: readonly FieldDoc[] = MIGRATION_ENTRY_SETTINGS.fields();

/** From the schema plan: the preset, SERVICE_NAME, and the declared tenants (where a migration without databasePattern runs). */
export type MigrationsContext = Pick<SchemaPlan, "preset" | "serviceName" | "tenants">;

/** The MongoMigration declaration (without access and credentials) of one resolved entry. */
export function migrationSpec(
  entry: ResolvedDataPlaneMigration,
  context: MigrationsContext,
): MigrationSpec | undefined {
  const known = MIGRATION_CATALOGUE.find((m) => m.id === entry.id);
  if (!known) return undefined;
  const definition = known.definition({ preset: context.preset });
  if (entry.databasePattern !== undefined) return { ...definition, databasePattern: entry.databasePattern };
  // Sorted: listing the tenants in another order runs nothing new.
  return { ...definition, databases: context.tenants.map((t) => t.database).sort() };
}

/**
 * Checks a list of entries: known ids (with the nearest one), each once, a scope that has databases,
 * and what MongoMigration's own check would refuse; every problem at once, named `${field}[i]...`.
 */
export function resolveDataPlaneMigrations(
  raw: unknown,
  field: string,
  context: MigrationsContext,
): { settings?: ResolvedDataPlaneMigration[]; problems: Problem[] } {
  if (raw === undefined || raw === null) return { settings: [], problems: [] };
  const ids = migrationIds();
  if (!Array.isArray(raw)) {
    return {
      problems: [
        problem(
          field,
          raw,
          "must be a list of migration ids.",
          `write ${field} as a YAML list, e.g. [${ids[0]}].`,
        ),
      ],
    };
  }
  const problems: Problem[] = [];
  const out: ResolvedDataPlaneMigration[] = [];
  const seen = new Map<string, number>();
  raw.forEach((entry, i) => {
    const f = `${field}[${i}]`;
    let id: unknown;
    let databasePattern: unknown;
    if (typeof entry === "string") id = entry;
    else if (isObject(entry)) {
      problems.push(...MIGRATION_ENTRY_SETTINGS.unknownKeys(f, entry));
      ({ id, databasePattern } = entry);
    } else {
      problems.push(
        problem(
          f,
          entry,
          "must be a migration id or { id, databasePattern }.",
          `write ${f} as an id, e.g. ${ids[0]}.`,
        ),
      );
      return;
    }
    const idField = typeof entry === "string" ? f : `${f}.id`;
    if (typeof id !== "string" || !ids.includes(id)) {
      const near = typeof id === "string" ? closest(id, ids) : undefined;
      problems.push(
        problem(
          idField,
          id,
          "is not a migration of the catalogue (components/dataplane/migrations.ts).",
          near
            ? `did you mean ${near}? Known migrations: ${ids.join(", ")}.`
            : `use one of ${ids.join(", ")}, or add the migration to the catalogue.`,
        ),
      );
      return;
    }
    const first = seen.get(id);
    if (first !== undefined) {
      problems.push(
        problem(
          idField,
          id,
          `is listed twice (also ${field}[${first}]): a migration runs once.`,
          `remove ${f}.`,
        ),
      );
      return;
    }
    seen.set(id, i);
    if (databasePattern !== undefined && (typeof databasePattern !== "string" || databasePattern === "")) {
      problems.push(
        problem(
          `${f}.databasePattern`,
          databasePattern,
          "[migration-pattern] must be a non-empty regular expression.",
          `write it like "${presetDatabasePattern(context.preset, context.serviceName)}", or remove it to run on the tenants in kato-infra:nodeIds.`,
        ),
      );
      return;
    }
    const resolved: ResolvedDataPlaneMigration = {
      id,
      ...(typeof databasePattern === "string" ? { databasePattern } : {}),
    };
    if (resolved.databasePattern === undefined && context.tenants.length === 0) {
      problems.push(
        problem(
          idField,
          id,
          "runs on the tenant databases in kato-infra:nodeIds, and it lists none.",
          `list the tenants in kato-infra:nodeIds, or give ${f} a databasePattern to run it on every database whose name matches, e.g. { id: ${id}, databasePattern: "${presetDatabasePattern(context.preset, context.serviceName)}" }.`,
        ),
      );
      return;
    }
    // What MongoMigration's check would refuse at preview, said here with the stack's field names.
    const spec = migrationSpec(resolved, context)!;
    for (const p of validateMigration(spec)) {
      const where = p.field === "databasePattern" ? `${f}.databasePattern` : `${f} (${p.field})`;
      problems.push({ ...p, field: where });
    }
    out.push(resolved);
  });
  if (problems.length > 0) return { problems };
  return { settings: out, problems };
}
