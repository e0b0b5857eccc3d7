/**
 * Database profiling, declared (the guide: `db.setProfilingLevel(1, {slowms: 100})` on each tenant
 * database). Pure: no Pulumi, no I/O; the MongoProfiling provider runs it (and serializes it).
 *
 * What the server does, and what this plan follows from it
 * (https://www.mongodb.com/docs/manual/tutorial/manage-the-database-profiler/,
 * https://www.mongodb.com/docs/manual/reference/command/profile/):
 * - the profiling level is set per database and per mongod: it is not replicated, so it is applied
 *   on every member, each reached directly;
 * - it does not survive a restart: the member comes back with mongod.conf's
 *   `operationProfiling.mode` (the `serverDefaults` here), so refresh reads every member back and
 *   reports each database whose level differs;
 * - `slowms` and `sampleRate` are process-wide (one value per mongod for all databases), so they are
 *   declared once for the replica set, not per database;
 * - `profile` answers with the settings from before the command (`was`, `slowms`, `sampleRate`), and
 *   a level outside 0..2 only reads.
 */
import { check, checkKnownKeys, type Problem, problem } from "../shared/problems";
import { validateDatabaseName } from "./schemaSpec";

export type ProfilingLevel = 0 | 1 | 2;

/** MongoDB's level numbers, or the words mongod.conf uses for them (`operationProfiling.mode`). */
export type ProfilingLevelInput = ProfilingLevel | "off" | "slowOp" | "all";

export const PROFILING_LEVEL_WORDS: Record<"off" | "slowOp" | "all", ProfilingLevel> = {
  off: 0,
  slowOp: 1,
  all: 2,
};

/** What a stack or a library user declares. */
export interface ProfilingSettings {
  /** Level of each database: 0 (off), 1 (operations slower than slowms), 2 (every operation). */
  databases: Record<string, ProfilingLevelInput>;
  /** Slow-operation threshold in milliseconds, for every database of every member. Default 100. */
  slowms?: number;
  /** Fraction of slow operations profiled and logged, 0 to 1. Default 1. */
  sampleRate?: number;
  /**
   * What each member starts with (mongod.conf `operationProfiling`): a database no longer declared
   * is set back to `level`, and deleting the resource puts `slowms` and `sampleRate` back.
   * Default: MongoDB's own (level 0, 100 ms, 1.0).
   */
  serverDefaults?: { level?: ProfilingLevelInput; slowms?: number; sampleRate?: number };
}

export interface ResolvedProfiling {
  /** Sorted by database name. */
  databases: Record<string, ProfilingLevel>;
  slowms: number;
  sampleRate: number;
  serverDefaults: { level: ProfilingLevel; slowms: number; sampleRate: number };
}

export const PROFILING_DEFAULTS = { slowms: 100, sampleRate: 1, level: 0 as ProfilingLevel };
/** The same bound as the `profiling.slowOpThresholdMs` setting of the replica set. */
export const MAX_SLOWMS = 3_600_000;
const KEYS = ["databases", "slowms", "sampleRate", "serverDefaults"] as const;

/**
 * A profiling level as a user may write it: 0, 1, 2 or "off", "slowOp", "all". Only the words'
 * own keys count ("toString" is on every object's prototype and is not a level).
 */
export function profilingLevelOf(
  field: string,
  value: unknown,
): { level?: ProfilingLevel; problems: Problem[] } {
  if (value === 0 || value === 1 || value === 2) return { level: value, problems: [] };
  if (typeof value === "string" && Object.hasOwn(PROFILING_LEVEL_WORDS, value)) {
    return { level: PROFILING_LEVEL_WORDS[value as keyof typeof PROFILING_LEVEL_WORDS], problems: [] };
  }
  return {
    problems: [
      problem(
        field,
        value,
        "[profiling-level] MongoDB's profiling levels are 0 (off), 1 (slow operations) and 2 (every operation).",
        `set ${field} to 0, 1 or 2 (or "off", "slowOp", "all").`,
      ),
    ],
  };
}

function slowmsProblems(field: string, value: unknown): Problem[] {
  return check
    .integer(field, value, 0, MAX_SLOWMS)
    .map((p) => ({ ...p, message: `[profiling-slowms] ${p.message}` }));
}

function sampleRateProblems(field: string, value: unknown): Problem[] {
  return check.number(field, value, 0, 1).map((p) => ({
    ...p,
    message: `[profiling-sample-rate] ${p.message} MongoDB accepts 0.0 to 1.0 inclusive.`,
  }));
}

/** Validates and normalizes a declaration; every problem at once, each naming its rule and fix. */
export function resolveProfiling(
  raw: unknown,
  field = "profiling",
): { spec?: ResolvedProfiling; problems: Problem[] } {
  const f = (name: string) => (field ? `${field}.${name}` : name);
  const problems: Problem[] = [...checkKnownKeys(field || "profiling", raw, KEYS)];
  const input = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const databases: Record<string, ProfilingLevel> = {};
  const declared = input.databases;
  if (!declared || typeof declared !== "object" || Array.isArray(declared)) {
    problems.push(
      problem(
        f("databases"),
        declared,
        "[profiling-databases] must map each database name to its profiling level.",
        `write ${f("databases")} as { "<database>": 1, ... } (an empty map only sets slowms and sampleRate).`,
      ),
    );
  } else {
    for (const name of Object.keys(declared).sort()) {
      problems.push(...validateDatabaseName(f(`databases.${name}`), name));
      const { level, problems: p } = profilingLevelOf(
        f(`databases.${name}`),
        (declared as Record<string, unknown>)[name],
      );
      problems.push(...p);
      if (level !== undefined) databases[name] = level;
    }
  }
  const slowms = input.slowms ?? PROFILING_DEFAULTS.slowms;
  problems.push(...slowmsProblems(f("slowms"), slowms));
  const sampleRate = input.sampleRate ?? PROFILING_DEFAULTS.sampleRate;
  problems.push(...sampleRateProblems(f("sampleRate"), sampleRate));
  const rawDefaults = input.serverDefaults ?? {};
  problems.push(...checkKnownKeys(f("serverDefaults"), rawDefaults, ["level", "slowms", "sampleRate"]));
  const d = (typeof rawDefaults === "object" && rawDefaults ? rawDefaults : {}) as Record<string, unknown>;
  const defaultLevel = profilingLevelOf(f("serverDefaults.level"), d.level ?? PROFILING_DEFAULTS.level);
  problems.push(...defaultLevel.problems);
  const defaultSlowms = d.slowms ?? PROFILING_DEFAULTS.slowms;
  problems.push(...slowmsProblems(f("serverDefaults.slowms"), defaultSlowms));
  const defaultSampleRate = d.sampleRate ?? PROFILING_DEFAULTS.sampleRate;
  problems.push(...sampleRateProblems(f("serverDefaults.sampleRate"), defaultSampleRate));
  if (problems.length > 0) return { problems };
  return {
    spec: {
      databases,
      slowms: slowms as number,
      sampleRate: sampleRate as number,
      serverDefaults: {
        level: defaultLevel.level!,
        slowms: defaultSlowms as number,
        sampleRate: defaultSampleRate as number,
      },
    },
    problems,
  };
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/** One `profile` command against one database. `sampleRate` must go out as a BSON double. */
export interface ProfileCommand {
  database: string;
  command: { profile: number; slowms?: number; sampleRate?: number };
}

/** Where process-wide settings are read and set (any database would do; admin always exists). */
export const GLOBAL_SETTINGS_DATABASE = "admin";

/**
 * The commands that bring one member to the declaration: first the process-wide slowms and
 * sampleRate (`profile: -1` changes no level), then each declared database's level, then each
 * database no longer declared back to the server default. Every command is idempotent.
 */
export function applyCommands(spec: ResolvedProfiling, removed: readonly string[] = []): ProfileCommand[] {
  const out: ProfileCommand[] = [
    {
      database: GLOBAL_SETTINGS_DATABASE,
      command: { profile: -1, slowms: spec.slowms, sampleRate: spec.sampleRate },
    },
  ];
  for (const [database, level] of Object.entries(spec.databases)) {
    out.push({ database, command: { profile: level } });
  }
  for (const database of [...new Set(removed)].sort()) {
    if (database in spec.databases) continue;
    out.push({ database, command: { profile: spec.serverDefaults.level } });
  }
  return out;
}

/** The commands that read one member's settings back (no change). */
export function readCommands(spec: ResolvedProfiling): ProfileCommand[] {
  return [
    { database: GLOBAL_SETTINGS_DATABASE, command: { profile: -1 } },
    ...Object.keys(spec.databases).map((database) => ({ database, command: { profile: -1 } })),
  ];
}

/** Deleting the declaration: every declared database back to the server default, then the globals. */
export function resetCommands(spec: ResolvedProfiling): ProfileCommand[] {
  return [
    ...Object.keys(spec.databases).map((database) => ({
      database,
      command: { profile: spec.serverDefaults.level },
    })),
    {
      database: GLOBAL_SETTINGS_DATABASE,
      command: {
        profile: -1,
        slowms: spec.serverDefaults.slowms,
        sampleRate: spec.serverDefaults.sampleRate,
      },
    },
  ];
}

/** Databases the previous declaration had and the next one does not. */
export function removedDatabases(previous: ResolvedProfiling | undefined, next: ResolvedProfiling): string[] {
  if (!previous) return [];
  return Object.keys(previous.databases)
    .filter((d) => !(d in next.databases))
    .sort();
}

// ---------------------------------------------------------------------------------------------
// What a member reports, and drift
// ---------------------------------------------------------------------------------------------

/** The settings one member answered with. */
export interface MemberProfilingState {
  slowms: number;
  sampleRate: number;
  /** Level of each database asked about. */
  levels: Record<string, number>;
}

/** What refresh (and apply) records per member in the resource's state. */
export interface MemberObservation {
  /** The member's advertised `host:port`. */
  member: string;
  reachable: boolean;
  /** Why the member could not be read (unreachable, refused). */
  error?: string;
  slowms?: number;
  sampleRate?: number;
  /** Declared databases whose level on this member is not the declared one, with the level found. */
  mismatched: Record<string, number>;
}

export function observe(
  member: string,
  spec: ResolvedProfiling,
  state: MemberProfilingState,
): MemberObservation {
  const mismatched: Record<string, number> = {};
  for (const [database, level] of Object.entries(spec.databases)) {
    const found = state.levels[database];
    if (found !== level) mismatched[database] = found ?? -1;
  }
  return { member, reachable: true, slowms: state.slowms, sampleRate: state.sampleRate, mismatched };
}

export function unreachable(member: string, error: string): MemberObservation {
  return { member, reachable: false, error, mismatched: {} };
}

/** Whether a member, as observed, has exactly the declared settings. */
export function inSync(spec: ResolvedProfiling, o: MemberObservation): boolean {
  return (
    o.reachable &&
    Object.keys(o.mismatched ?? {}).length === 0 &&
    o.slowms === spec.slowms &&
    o.sampleRate === spec.sampleRate
  );
}

/** One line per member that is not as declared (empty when every member is). */
export function driftLines(spec: ResolvedProfiling, observations: readonly MemberObservation[]): string[] {
  const lines: string[] = [];
  for (const o of observations) {
    if (inSync(spec, o)) continue;
    if (!o.reachable) {
      lines.push(`${o.member}: not read (${o.error ?? "unreachable"})`);
      continue;
    }
    const parts: string[] = [];
    if (o.slowms !== spec.slowms) parts.push(`slowms ${o.slowms} (declared ${spec.slowms})`);
    if (o.sampleRate !== spec.sampleRate)
      parts.push(`sampleRate ${o.sampleRate} (declared ${spec.sampleRate})`);
    const mismatched = Object.entries(o.mismatched ?? {});
    if (mismatched.length > 0) {
      const shown = mismatched
        .slice(0, 5)
        .map(([db, level]) => `${db} at level ${level} (declared ${spec.databases[db]})`)
        .join(", ");
      parts.push(
        `${mismatched.length} database${mismatched.length === 1 ? "" : "s"}: ${shown}${mismatched.length > 5 ? ", ..." : ""}`,
      );
    }
    lines.push(`${o.member}: ${parts.join("; ")}`);
  }
  return lines;
}
