/**
 * The dynamic provider of the resource in profiling.ts. The Pulumi dynamic-provider host runs it in its
 * own process, loaded through components/runtime.ts (state holds only the shim of
 * components/runtimeShim.ts); the program never loads it, nor the executor it drives.
 */
import type * as pulumi from "@pulumi/pulumi";
import { accessProblem, type EngineAccess, withReachableMembers } from "../shared/access";
import { formatProblem } from "../shared/problems";
import { hasUnknown } from "../shared/unknown";
import { applyProfiling, inspectProfiling, type ProfilingRequest, resetProfiling } from "./profilingExecutor";
import {
  inSync,
  type MemberObservation,
  type ProfilingSettings,
  type ResolvedProfiling,
  removedDatabases,
  resolveProfiling,
} from "./profilingPlan";

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
    const accessFailure = accessProblem(news.access, pending.has("access"));
    if (accessFailure) failures.push({ property: "access", reason: accessFailure });
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
