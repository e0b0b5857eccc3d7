/**
 * Profiling of the tenant databases, as a data plane declares it (`kato-infra:profiling`): one level
 * for every tenant database, per-database overrides, and the process-wide slowms and sampleRate,
 * turned into the one MongoProfiling declaration of the replica set. Pure.
 *
 * Defaults follow the schema preset, not the profile: the guide asks for
 * `db.setProfilingLevel(1, {slowms: 100})` on each node database, and its preset already starts every
 * member with slow-operation profiling at 100 ms (mongod.conf); kato-v3 keeps what KATO 3.0.0 itself
 * sets up, which is no profiler. Either way the slow-operation log (mongod's own, from slowms) is there.
 */
import {
  MAX_SLOWMS,
  PROFILING_LEVEL_WORDS,
  type ProfilingLevel,
  type ProfilingLevelInput,
  type ProfilingSettings,
  profilingLevelOf,
  resolveProfiling,
} from "../mongodb/profilingPlan";
import type { ResolvedMongoSettings } from "../mongodb/settings";
import type { FieldDoc } from "../shared/fields";
import { check, checkKnownKeys, closest, type Problem, problem } from "../shared/problems";
import { declareSettings, type SettingsInput, type SettingsResolved, setting } from "../shared/settingsDecl";
import { isObject } from "../shared/values";
import type { SchemaPreset, TenantSchema } from "./presets";

/**
 * `kato-infra:profiling`, each field declared once (components/shared/settingsDecl.ts). The levels,
 * slowms, sampleRate and database names are checked by the MongoProfiling plan itself
 * (mongodb/profilingPlan.ts `resolveProfiling`), and overrides against the stack's tenants here:
 * the declarations give the types, defaults, key list and documentation.
 */
export const PROFILING_SETTINGS = declareSettings({
  enabled: setting.boolean({
    defaultText: "guide preset: true; kato-v3: false",
    description:
      "Declare profiling: one MongoProfiling for the replica set, applied on every member. false declares nothing (members keep what mongod.conf starts them with, `mongodb.profiling`).",
  }),
  level: setting.value<ProfilingLevel, ProfilingLevelInput>({
    type: '0 | 1 | 2 | "off" | "slowOp" | "all"',
    default: 1,
    rules: "0/off, 1/slowOp or 2/all",
    description:
      "Profiling level of every tenant database: 0 off, 1 operations slower than slowms, 2 every operation.",
  }),
  slowms: setting.integer({
    default: 100,
    defaultText: "mongodb.profiling.slowOpThresholdMs (100)",
    min: 0,
    max: MAX_SLOWMS,
    unit: "ms",
    crossField: true,
    description: "Slow-operation threshold; MongoDB keeps one per member for all its databases.",
  }),
  sampleRate: setting.number({
    default: 1,
    min: 0,
    max: 1,
    description: "Fraction of slow operations profiled and logged; one per member.",
  }),
  databases: setting.value<Record<string, ProfilingLevel>, Record<string, ProfilingLevelInput>>({
    type: "map of level",
    default: {},
    rules: "tenant database names of this stack to levels",
    description: "Another level for some tenant databases, by database name (e.g. `{ node_demo_kato: 2 }`).",
  }),
});

/** What a stack writes under `kato-infra:profiling` (and a library user passes to KatoDataPlane). */
export type DataPlaneProfiling = SettingsInput<typeof PROFILING_SETTINGS.declarations>;
export type ResolvedDataPlaneProfiling = Required<SettingsResolved<typeof PROFILING_SETTINGS.declarations>>;

/** The guide's `setProfilingLevel(1, {slowms: 100})`, with every slow operation sampled. */
export const DATA_PLANE_PROFILING_DEFAULTS: Omit<ResolvedDataPlaneProfiling, "enabled"> = {
  level: PROFILING_SETTINGS.defaults.level,
  slowms: PROFILING_SETTINGS.defaults.slowms,
  sampleRate: PROFILING_SETTINGS.defaults.sampleRate,
  databases: PROFILING_SETTINGS.defaults.databases,
};

/** Whether each preset declares profiling when the stack says nothing. */
export const PRESET_PROFILING: Record<SchemaPreset, { enabled: boolean }> = {
  guide: { enabled: true },
  "kato-v3": { enabled: false },
};

export const PROFILING_FIELDS: readonly FieldDoc[] = PROFILING_SETTINGS.fields();

export interface ProfilingContext {
  /** Lower layers, e.g. the preset's `enabled` and the replica set's slowms. */
  base?: DataPlaneProfiling;
  /** The tenants' databases (the only databases an override may name); undefined: not checked. */
  tenants?: readonly TenantSchema[];
}

/**
 * `raw` over `base` over the defaults; every problem at once, each naming `${field}.<name>`. An
 * override must name one of the tenants' databases: a level above 0 on a database that does not
 * exist creates it, on every member, so a typo would leave a stray database behind.
 */
export function resolveDataPlaneProfiling(
  raw: unknown,
  field: string,
  context: ProfilingContext = {},
): { settings?: ResolvedDataPlaneProfiling; problems: Problem[] } {
  const problems: Problem[] = [...checkKnownKeys(field, raw, PROFILING_SETTINGS.keys)];
  const user = isObject(raw) ? raw : {};
  const base = (context.base ?? {}) as Record<string, unknown>;
  const pick = (key: string) => (user[key] !== undefined ? user[key] : base[key]);

  const enabled = pick("enabled") ?? true;
  problems.push(...check.boolean(`${field}.enabled`, enabled));
  const level = profilingLevelOf(`${field}.level`, pick("level") ?? DATA_PLANE_PROFILING_DEFAULTS.level);
  problems.push(...level.problems);

  const rawOverrides = {
    ...(isObject(base.databases) ? base.databases : {}),
    ...(isObject(user.databases) ? user.databases : {}),
  };
  if (user.databases !== undefined && !isObject(user.databases)) {
    problems.push(
      problem(
        `${field}.databases`,
        user.databases,
        "must map tenant database names to levels.",
        `write ${field}.databases like { node_demo_kato: 2 }.`,
      ),
    );
  }
  const tenantDatabases = context.tenants?.map((t) => t.database);
  if (tenantDatabases && isObject(user.databases)) {
    for (const name of Object.keys(user.databases)) {
      if (tenantDatabases.includes(name)) continue;
      const byNodeId = context.tenants!.find((t) => t.nodeId === name)?.database;
      const near = byNodeId ?? closest(name, tenantDatabases);
      problems.push(
        problem(
          `${field}.databases.${name}`,
          user.databases[name],
          "is not a tenant database of this stack: a level above 0 would create that database on every member.",
          near
            ? `did you mean ${field}.databases.${near}?`
            : tenantDatabases.length > 0
              ? `name one of the tenant databases: ${tenantDatabases.slice(0, 10).join(", ")}${tenantDatabases.length > 10 ? ", ..." : ""}.`
              : "add the tenant to kato-infra:nodeIds first, or remove the override.",
        ),
      );
    }
  }

  // Levels, database names, slowms and sampleRate are checked by the MongoProfiling plan itself.
  const slowms = pick("slowms") ?? DATA_PLANE_PROFILING_DEFAULTS.slowms;
  const sampleRate = pick("sampleRate") ?? DATA_PLANE_PROFILING_DEFAULTS.sampleRate;
  const planned = resolveProfiling({ databases: rawOverrides, slowms, sampleRate }, field);
  problems.push(...planned.problems);

  if (problems.length > 0 || !planned.spec || level.level === undefined) return { problems };
  return {
    settings: {
      enabled: enabled as boolean,
      level: level.level,
      slowms: planned.spec.slowms,
      sampleRate: planned.spec.sampleRate,
      databases: planned.spec.databases,
    },
    problems,
  };
}

/**
 * The MongoProfiling declaration: every tenant database at `level` unless overridden, and as server
 * defaults what mongod.conf starts the members with, so a restart loses only what differs from it and
 * a database no longer declared goes back to it.
 */
export function profilingDeclaration(
  profiling: ResolvedDataPlaneProfiling,
  tenants: readonly TenantSchema[],
  mongodb: Pick<ResolvedMongoSettings, "profiling">,
): Required<Pick<ProfilingSettings, "databases" | "slowms" | "sampleRate">> & {
  serverDefaults: { level: ProfilingLevel; slowms: number; sampleRate: number };
} {
  const databases: Record<string, ProfilingLevel> = {};
  for (const t of [...tenants].sort((a, b) => (a.database < b.database ? -1 : 1))) {
    databases[t.database] = profiling.databases[t.database] ?? profiling.level;
  }
  return {
    databases,
    slowms: profiling.slowms,
    sampleRate: profiling.sampleRate,
    serverDefaults: {
      level: PROFILING_LEVEL_WORDS[mongodb.profiling.mode],
      slowms: mongodb.profiling.slowOpThresholdMs,
      sampleRate: DATA_PLANE_PROFILING_DEFAULTS.sampleRate,
    },
  };
}
