/**
 * The MongoDB day-2 resources of a KatoDataPlane: one MongoProfiling for the replica set (the
 * tenant databases' levels and slowms/sampleRate on every member) and one MongoMigration per listed
 * catalogue migration, wired to the replica set's members and root user, and their stack outputs.
 *
 * - Both take the root user: `profile` needs enableProfiler on every database, and a migration
 *   updates every tenant database, writes kato_infra and lists databases; KATO's user cannot.
 * - Each migration waits for the tenants' MongoDatabaseSchema resources (their indexes serve its
 *   updates) and for the migration listed before it, so migrations run in the listed order.
 */
import * as pulumi from "@pulumi/pulumi";
import { type MongoDatabaseSchema, MongoMigration, MongoProfiling, type MongoReplicaSet } from "../mongodb";
import type { MigrationCounts } from "../mongodb/migrationPlan";
import { type ProfilingLevel, resolveProfiling } from "../mongodb/profilingPlan";
import { migrationSpec, type ResolvedDataPlaneMigration } from "./migrations";
import type { SchemaPlan } from "./presets";
import { profilingDeclaration, type ResolvedDataPlaneProfiling } from "./profiling";

/** Names of the MongoDB day-2 resources of the replica set component `mongodb` (e.g. `kato-mongodb`). */
export function mongoOperationsNames(mongodb: string): {
  profiling: string;
  migration: (id: string) => string;
} {
  return { profiling: `${mongodb}-profiling`, migration: (id) => `${mongodb}-migration-${id}` };
}

export interface PlaneMigration {
  /** The catalogue id the stack listed. */
  id: string;
  /** The record's `_id` in kato_infra.migrations. */
  migrationId: string;
  collection: string;
  resource: MongoMigration;
}

export interface DataPlaneMongoOperations {
  /** Absent when profiling is not declared. */
  profiling?: MongoProfiling;
  /** The settings it was declared from, and its declaration (plain), for the summary output. */
  profilingSettings?: ResolvedDataPlaneProfiling;
  profilingDeclaration?: ReturnType<typeof profilingDeclaration>;
  /** In the listed order. */
  migrations: PlaneMigration[];
}

export interface WireMongoOperationsArgs {
  /** The replica set component's name (resources are named after it). */
  name: string;
  mongodb: MongoReplicaSet;
  plan: SchemaPlan;
  /** The tenants' schema resources: migrations wait for them. */
  schemas: MongoDatabaseSchema[];
  profiling?: ResolvedDataPlaneProfiling;
  migrations: readonly ResolvedDataPlaneMigration[];
}

export function wireMongoOperations(
  parent: pulumi.Resource,
  args: WireMongoOperationsArgs,
): DataPlaneMongoOperations {
  const { mongodb, plan } = args;
  const names = mongoOperationsNames(args.name);
  const root = { access: mongodb.access, username: mongodb.rootUsername, password: mongodb.rootPassword };
  const out: DataPlaneMongoOperations = { migrations: [] };

  if (args.profiling?.enabled) {
    const declaration = profilingDeclaration(args.profiling, plan.tenants, mongodb.settings);
    out.profilingSettings = args.profiling;
    out.profilingDeclaration = declaration;
    out.profiling = new MongoProfiling(
      names.profiling,
      { ...declaration, ...root },
      { parent, dependsOn: [mongodb] },
    );
  }

  let previous: pulumi.Resource | undefined;
  for (const entry of args.migrations) {
    const spec = migrationSpec(entry, plan);
    if (!spec) throw new Error(`KatoDataPlane: migration ${entry.id} is not in the catalogue.`);
    const resource: MongoMigration = new MongoMigration(
      names.migration(entry.id),
      { ...spec, ...root },
      { parent, dependsOn: [mongodb, ...args.schemas, ...(previous ? [previous] : [])] },
    );
    out.migrations.push({
      id: entry.id,
      migrationId: spec.migrationId,
      collection: spec.collection,
      resource,
    });
    previous = resource;
  }
  return out;
}

/** Per listed migration: the record it writes, its state and the documents it changed (not secret). */
export interface MigrationSummary {
  migrationId: string;
  collection: string;
  status: string | undefined;
  appliedAt: string | undefined;
  /** Documents changed over every run, in total and per database. */
  counts: MigrationCounts | undefined;
  /** Documents the last `pulumi up` changed (0 once there is nothing left to do). */
  changedByLastRun: number | undefined;
}

/** The declared profiling and what the last run or refresh saw on the members. */
export interface ProfilingSummary {
  level: ProfilingLevel;
  slowms: number;
  sampleRate: number;
  /** Tenant databases declared. */
  databases: number;
  /** Tenant databases at another level than `level`. */
  overrides: Record<string, ProfilingLevel>;
  /** What the members start with (mongod.conf): a restart brings them back to this. */
  serverDefaults: { level: ProfilingLevel; slowms: number };
  /**
   * Per member, how many databases' levels the last `pulumi up` had to set (a member that had
   * restarted and lost them shows up here). Drift found by `pulumi refresh` is in the MongoProfiling
   * resource's `members` (a stack output is only recomputed by `pulumi up`, which sets it again).
   */
  changedByLastRun: Record<string, number>;
}

export interface MongoOperationsOutputs {
  migrations: pulumi.Output<Record<string, MigrationSummary>>;
  /** Absent (no stack output, no warning) when profiling is not declared. */
  mongodbProfiling?: pulumi.Output<ProfilingSummary>;
}

export function mongoOperationsOutputs(ops: DataPlaneMongoOperations): MongoOperationsOutputs {
  const migrations = pulumi
    .all(
      ops.migrations.map((m) =>
        pulumi
          .all([m.resource.status, m.resource.appliedAt, m.resource.counts, m.resource.changedByLastRun])
          .apply(([status, appliedAt, counts, changedByLastRun]): [string, MigrationSummary] => [
            m.id,
            {
              migrationId: m.migrationId,
              collection: m.collection,
              status,
              appliedAt,
              counts,
              changedByLastRun,
            },
          ]),
      ),
    )
    .apply((entries) => Object.fromEntries(entries));

  const settings = ops.profilingSettings;
  const spec = ops.profilingDeclaration ? resolveProfiling(ops.profilingDeclaration, "").spec : undefined;
  const mongodbProfiling =
    ops.profiling && settings && spec
      ? ops.profiling.changedByLastRun.apply(
          (changed): ProfilingSummary => ({
            level: settings.level,
            slowms: spec.slowms,
            sampleRate: spec.sampleRate,
            databases: Object.keys(spec.databases).length,
            overrides: Object.fromEntries(
              Object.entries(spec.databases).filter(([, l]) => l !== settings.level),
            ),
            serverDefaults: { level: spec.serverDefaults.level, slowms: spec.serverDefaults.slowms },
            // Unset until a run reported it (and under mocks).
            changedByLastRun: changed ?? {},
          }),
        )
      : undefined;
  return { migrations: migrations as pulumi.Output<Record<string, MigrationSummary>>, mongodbProfiling };
}
