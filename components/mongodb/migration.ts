/**
 * MongoMigration: one versioned data migration, run once across the tenant databases and recorded
 * in `kato_infra.migrations` (see migrationPlan.ts for what a migration is and how it converges).
 *
 * Diff rules (also in docs/mongodb.md):
 * - a new `migrationId`: replace; the new migration runs, the old one's record stays (delete undoes nothing);
 * - the same `migrationId` with another definition (collection, field or value): refused at preview
 *   (`[migration-changed]`); give the change a new id;
 * - a changed scope (databases, databasePattern): update; it runs on the target databases the
 *   record does not list yet, and skips the others;
 * - a refresh that found target databases not done yet (a new tenant matching the pattern, a record
 *   removed by hand): update, which runs it there;
 * - description, members, credentials, timeout: update (nothing to run when every database is done).
 * Delete changes no data and keeps the record.
 */
import * as pulumi from "@pulumi/pulumi";
import { runtimeShim } from "../runtimeShim";
import { type EngineAccess, withReachableMembers } from "../shared/access";
import { formatProblem } from "../shared/problems";
import { hasUnknown } from "../shared/unknown";
import { inspectMigration, type MigrationRequest, runMigration } from "./migrationExecutor";
import {
  type JsonValue,
  type MigrationCounts,
  type MigrationSpec,
  migrationDiff,
  migrationVersion,
  validateMigration,
} from "./migrationPlan";

export interface MongoMigrationArgs {
  /**
   * Unique and permanent, e.g. `0001-patterns-version-3.0` (the record's `_id`; `id` itself is a
   * name Pulumi reserves). A changed definition needs a new id.
   */
  migrationId: pulumi.Input<string>;
  /** Free text for people (not part of the definition). */
  description?: pulumi.Input<string>;
  /** The collection in each tenant database, e.g. `patterns` (guide) or `patterns_kb` (KATO 3). */
  collection: pulumi.Input<string>;
  /** Sets `field` to `value` on every document of the collection that has no `field`. */
  setIfMissing: pulumi.Input<{ field: pulumi.Input<string>; value: pulumi.Input<JsonValue> }>;
  /** The tenant databases by name (the program's declared tenants). Exactly one of this and databasePattern. */
  databases?: pulumi.Input<pulumi.Input<string>[]>;
  /** Every database whose name matches this regular expression when the migration runs, e.g. `^node_.*_kato$`. */
  databasePattern?: pulumi.Input<string>;
  /** The replica set's members (MongoReplicaSet.access). */
  access: pulumi.Input<EngineAccess>;
  /** A user that can update every tenant database, write kato_infra and list databases: the root user. */
  username: pulumi.Input<string>;
  password: pulumi.Input<string>;
  /** Bound of the wait for a primary. Default 120. */
  timeoutSeconds?: pulumi.Input<number>;
}

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

export const migrationProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: any, news: any) {
    const pending = new Set(Object.keys(news).filter((k) => hasUnknown(news[k])));
    const failures = validateMigration(specOf(news))
      .map((p) => ({ property: p.field.split(/[.[]/)[0] || "databases", reason: formatProblem(p) }))
      .filter((f) => !pending.has(f.property) && !(f.property === "migration" && pending.size > 0));
    if (
      !pending.has("access") &&
      (!news.access || !Array.isArray(news.access.members) || news.access.members.length === 0)
    ) {
      failures.push({
        property: "access",
        reason: "access must list the replica set's members (MongoReplicaSet.access).",
      });
    }
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
    const result = await execute(inputs, runMigration);
    return {
      id: inputs.migrationId,
      outs: {
        ...inputs,
        version: result.version,
        status: result.status,
        appliedAt: result.appliedAt,
        counts: result.counts,
        changedByLastRun: result.changedByThisRun.total,
        pendingDatabases: [],
      },
    };
  },

  async update(_id: string, _olds: any, news: any) {
    const result = await execute(news, runMigration);
    return {
      outs: {
        ...news,
        version: result.version,
        status: result.status,
        appliedAt: result.appliedAt,
        counts: result.counts,
        changedByLastRun: result.changedByThisRun.total,
        pendingDatabases: [],
      },
    };
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

/** A data migration that runs once across the tenant databases and records that it ran. */
export class MongoMigration extends pulumi.dynamic.Resource {
  /** `sha256:` digest of the definition, as recorded. */
  declare readonly version: pulumi.Output<string>;
  declare readonly status: pulumi.Output<"applied" | "running" | "missing">;
  declare readonly appliedAt: pulumi.Output<string>;
  /** Documents changed, in total and per database, over every run of this migration. */
  declare readonly counts: pulumi.Output<MigrationCounts>;
  /** Documents the last create or update changed (0 when it had nothing left to do). */
  declare readonly changedByLastRun: pulumi.Output<number>;
  /** Target databases the last refresh found not done (they run at the next update). */
  declare readonly pendingDatabases: pulumi.Output<string[]>;

  constructor(name: string, args: MongoMigrationArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      runtimeShim("MongoMigration"),
      name,
      {
        ...args,
        version: undefined,
        status: undefined,
        appliedAt: undefined,
        counts: undefined,
        changedByLastRun: undefined,
        pendingDatabases: undefined,
      },
      { ...opts, additionalSecretOutputs: ["password"] },
      "kato",
      "MongoMigration",
    );
  }
}
