/**
 * The dynamic provider of the resource in migration.ts. The Pulumi dynamic-provider host runs it in its
 * own process, loaded through components/runtime.ts (state holds only the shim of
 * components/runtimeShim.ts); the program never loads it, nor the executor it drives.
 */
import type * as pulumi from "@pulumi/pulumi";
import { accessProblem, withReachableMembers } from "../shared/access";
import { formatProblem } from "../shared/problems";
import { hasUnknown } from "../shared/unknown";
import { inspectMigration, type MigrationRequest, runMigration } from "./migrationExecutor";
import { type MigrationSpec, migrationDiff, migrationVersion, validateMigration } from "./migrationPlan";

const SPEC_KEYS = [
  "migrationId",
  "description",
  "collection",
  "setIfMissing",
  "databases",
  "databasePattern",
];

/** The plan's form of the inputs. */
function specOf(inputs: Record<string, any>): MigrationSpec {
  const spec: Record<string, unknown> = {};
  for (const key of SPEC_KEYS) if (inputs[key] !== undefined && inputs[key] !== null) spec[key] = inputs[key];
  return spec as unknown as MigrationSpec;
}

function execute<T>(inputs: Record<string, any>, fn: (request: MigrationRequest) => Promise<T>): Promise<T> {
  return withReachableMembers(inputs.access, (members) =>
    fn({
      spec: specOf(inputs),
      members,
      credentials: { username: inputs.username, password: inputs.password },
      timeoutMs: (inputs.timeoutSeconds ?? 120) * 1000,
    }),
  );
}

/** Runs the migration; the outputs are the inputs and what the run recorded. */
async function run(inputs: any) {
  const result = await execute(inputs, runMigration);
  return {
    ...inputs,
    version: result.version,
    status: result.status,
    appliedAt: result.appliedAt,
    counts: result.counts,
    changedByLastRun: result.changedByThisRun.total,
    pendingDatabases: [],
  };
}

export const migrationProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: any, news: any) {
    const pending = new Set(Object.keys(news).filter((k) => hasUnknown(news[k])));
    const failures = validateMigration(specOf(news))
      .map((p) => ({ property: p.field.split(/[.[]/)[0] || "databases", reason: formatProblem(p) }))
      .filter((f) => !pending.has(f.property) && !(f.property === "migration" && pending.size > 0));
    const accessFailure = accessProblem(news.access, pending.has("access"));
    if (accessFailure) failures.push({ property: "access", reason: accessFailure });
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: any, news: any) {
    if (hasUnknown(news)) {
      return {
        changes: true,
        replaces: hasUnknown(news.migrationId) ? ["migrationId"] : [],
        deleteBeforeReplace: false,
      };
    }
    const d = migrationDiff(olds, news);
    if (d.refusal) throw new Error(d.refusal);
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false };
  },

  async create(inputs: any) {
    return { id: inputs.migrationId, outs: await run(inputs) };
  },

  async update(_id: string, _olds: any, news: any) {
    return { outs: await run(news) };
  },

  /** Refresh: the record's status and counts, and the target databases it does not list as done. */
  async read(id: string, props: any) {
    const found = await execute(props, inspectMigration);
    return {
      id,
      props: {
        ...props,
        version: migrationVersion(specOf(props)),
        status: found.status,
        ...(found.appliedAt ? { appliedAt: found.appliedAt } : {}),
        counts: found.counts,
        pendingDatabases: found.pendingDatabases,
        ...(found.recordedVersion ? { recordedVersion: found.recordedVersion } : {}),
      },
    };
  },

  // Data stays migrated and the record stays: re-declaring the same migration runs nothing.
  async delete() {},
};
