/**
 * MongoProfiling: the profiling level of each declared database and the process-wide slowms and
 * sampleRate, on every member of a replica set. One resource per replica set (not one per tenant
 * database), so a program with 1000 tenants adds one resource, not 1000.
 *
 * Diff rules (also in docs/mongodb.md):
 * - a changed declaration (levels, slowms, sampleRate, server defaults), members, credentials or
 *   timeout: update in place (every member is set again);
 * - no declaration change, but the last refresh found a member that is not as declared (it restarted
 *   and lost its levels, someone changed them by hand, it could not be read): update in place;
 * - a database removed from the declaration is set back to `serverDefaults.level` on every member;
 * - delete puts every reachable member back to the server defaults (a member that does not answer
 *   gets them when it restarts).
 */
import * as pulumi from "@pulumi/pulumi";
import { runtimeShim } from "../runtimeShim";
import { type EngineAccess, withReachableMembers } from "../shared/access";
import { formatProblem } from "../shared/problems";
import { hasUnknown } from "../shared/unknown";
import { applyProfiling, inspectProfiling, type ProfilingRequest, resetProfiling } from "./profilingExecutor";
import {
  inSync,
  type MemberObservation,
  type ProfilingLevelInput,
  type ProfilingSettings,
  type ResolvedProfiling,
  removedDatabases,
  resolveProfiling,
} from "./profilingPlan";

export interface MongoProfilingArgs {
  /** Level of each database: 0 (off), 1 (slow operations), 2 (all); or "off", "slowOp", "all". */
  databases: pulumi.Input<Record<string, pulumi.Input<ProfilingLevelInput>>>;
  /** Slow-operation threshold (ms) of every member, for all its databases. Default 100. */
  slowms?: pulumi.Input<number>;
  /** Fraction of slow operations profiled and logged (0 to 1). Default 1. */
  sampleRate?: pulumi.Input<number>;
  /**
   * What members start with (mongod.conf `operationProfiling`): the level a database goes back to
   * when it is no longer declared, and the slowms/sampleRate delete puts back. Default 0, 100, 1.
   */
  serverDefaults?: pulumi.Input<{ level?: ProfilingLevelInput; slowms?: number; sampleRate?: number }>;
  /** The replica set's members (MongoReplicaSet.access). */
  access: pulumi.Input<EngineAccess>;
  /** A user allowed to run `profile` (the enableProfiler action) on every database: the root user. */
  username: pulumi.Input<string>;
  password: pulumi.Input<string>;
  /** Bound of each member's run (connection and every command). Default 60. */
  timeoutSeconds?: pulumi.Input<number>;
}

interface ProfilingInputs extends ProfilingSettings {
  access: EngineAccess;
  username: string;
  password: string;
  timeoutSeconds?: number;
}

function settingsOf(inputs: Record<string, any>): ProfilingSettings {
  const out: Record<string, unknown> = { databases: inputs.databases };
  for (const key of ["slowms", "sampleRate", "serverDefaults"]) {
    if (inputs[key] !== undefined && inputs[key] !== null) out[key] = inputs[key];
  }
  return out as unknown as ProfilingSettings;
}

function specOf(inputs: Record<string, any>): ResolvedProfiling {
  const { spec, problems } = resolveProfiling(settingsOf(inputs), "");
  if (!spec) throw new Error(`MongoProfiling: ${problems.map(formatProblem).join("; ")}`);
  return spec;
}

function execute<T>(
  inputs: ProfilingInputs,
  removed: string[],
  fn: (request: ProfilingRequest) => Promise<T>,
): Promise<T> {
  return withReachableMembers(inputs.access, (members) =>
    fn({
      spec: specOf(inputs),
      removed,
      members,
      credentials: { username: inputs.username, password: inputs.password },
      timeoutMs: (inputs.timeoutSeconds ?? 60) * 1000,
    }),
  );
}

function outs(inputs: ProfilingInputs, members: MemberObservation[], changed: Record<string, string[]>) {
  return {
    ...inputs,
    members,
    changedByLastRun: Object.fromEntries(Object.entries(changed).map(([m, dbs]) => [m, dbs.length])),
  };
}

const WATCHED = ["access", "username", "password", "timeoutSeconds"];

export const profilingProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: any, news: any) {
    // A value not known yet is checked at the next preview that knows it.
    const pending = new Set(Object.keys(news).filter((k) => hasUnknown(news[k])));
    const failures = resolveProfiling(settingsOf(news), "")
      .problems.map((p) => ({ property: p.field.split(".")[0] || "databases", reason: formatProblem(p) }))
      .filter((f) => !pending.has(f.property));
    if (
      !pending.has("access") &&
      (!news.access || !Array.isArray(news.access.members) || news.access.members.length === 0)
    ) {
      failures.push({
        property: "access",
        reason: "access must list the replica set's members (MongoReplicaSet.access).",
      });
    }
    for (const key of ["username", "password"]) {
      if (!pending.has(key) && (typeof news[key] !== "string" || news[key].length === 0)) {
        failures.push({ property: key, reason: `${key} must be a non-empty string (the root user's).` });
      }
    }
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: any, news: any) {
    if (hasUnknown(news)) return { changes: true, replaces: [], deleteBeforeReplace: false };
    const before = resolveProfiling(settingsOf(olds), "").spec;
    const after = specOf(news);
    const declarationChanged = JSON.stringify(before) !== JSON.stringify(after);
    const connectionChanged = WATCHED.some(
      (k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null),
    );
    // What the last refresh (or run) saw: a member that lost its levels is set again.
    const drifted =
      Array.isArray(olds.members) && olds.members.some((o: MemberObservation) => !inSync(after, o));
    return {
      changes: declarationChanged || connectionChanged || drifted,
      replaces: [],
      deleteBeforeReplace: false,
    };
  },

  async create(inputs: any) {
    const result = await execute(inputs, [], applyProfiling);
    const first = inputs.access.members[0]?.advertised ?? "members";
    return { id: `profiling@${first}`, outs: outs(inputs, result.members, result.changed) };
  },

  async update(_id: string, olds: any, news: any) {
    const before = resolveProfiling(settingsOf(olds), "").spec;
    const removed = removedDatabases(before, specOf(news));
    const result = await execute(news, removed, applyProfiling);
    return { outs: outs(news, result.members, result.changed) };
  },

  /** Refresh: every member read back; one that restarted shows its databases at their startup level. */
  async read(id: string, props: any) {
    const members = await execute(props, [], inspectProfiling);
    return { id, props: { ...props, members } };
  },

  async delete(_id: string, props: any) {
    await execute(props, [], resetProfiling);
  },
};

/** Declared profiling of a replica set's databases, kept on every member. */
export class MongoProfiling extends pulumi.dynamic.Resource {
  /** Per member, as of the last create, update or refresh: what differs from the declaration. */
  declare readonly members: pulumi.Output<MemberObservation[]>;
  /** Per member, how many databases' levels the last create or update changed. */
  declare readonly changedByLastRun: pulumi.Output<Record<string, number>>;

  constructor(name: string, args: MongoProfilingArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      runtimeShim("MongoProfiling"),
      name,
      { ...args, members: undefined, changedByLastRun: undefined },
      { ...opts, additionalSecretOutputs: ["password"] },
      "kato",
      "MongoProfiling",
    );
  }
}
