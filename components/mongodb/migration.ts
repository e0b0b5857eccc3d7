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
import type { EngineAccess } from "../shared/access";
import type { JsonValue, MigrationCounts } from "./migrationPlan";

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
