/**
 * The MongoMigration executor. On the primary: read the record, find the target databases (the
 * declared list, or `listDatabases` filtered by the pattern), then for each database not recorded as
 * done: one `update` (multi, idempotent filter) and one record write saying it is done and how many
 * documents changed. Writes use `w: "majority"` so a failover does not lose them. If the primary
 * changes, the current database is run again (its filter only matches documents not changed yet).
 *
 * Serialized with the dynamic provider: no `@pulumi/*` import; the driver is required lazily.
 */
import type { ReachableMember } from "../shared/access";
import {
  describeMember,
  errorText,
  findWritable,
  type MemberClients,
  type MongoCredentials,
  openMemberClients,
  retryOnNewPrimary,
  type WritableMember,
} from "./memberClients";
import {
  countsOf,
  decideMigration,
  finishUpdate,
  listDatabasesCommand,
  MIGRATION_RECORD,
  type MigrationCounts,
  type MigrationRecord,
  type MigrationSpec,
  migrationVersion,
  progressUpdate,
  startUpdate,
  targetDatabases,
  updateStatement,
} from "./migrationPlan";

export interface MigrationRequest {
  spec: MigrationSpec;
  members: ReachableMember[];
  credentials: MongoCredentials;
  /** Bound of the wait for a writable primary. */
  timeoutMs: number;
  pollMs?: number;
  attemptTimeoutMs?: number;
  /** Clock for the record's dates (tests). */
  now?: () => Date;
}

export interface MigrationResult {
  version: string;
  status: "applied";
  appliedAt: string;
  /** Documents changed, over every run of this migration (from the record). */
  counts: MigrationCounts;
  /** Documents changed by this run only (0 when everything was already done). */
  changedByThisRun: MigrationCounts;
  /** Databases this run skipped because the record says they are done. */
  skipped: string[];
}

export interface MigrationInspection {
  version: string;
  /** `missing` when there is no record. */
  status: "running" | "applied" | "missing";
  /** The version the record holds (differs from `version` when the definition changed). */
  recordedVersion?: string;
  appliedAt?: string;
  counts: MigrationCounts;
  /** Target databases the record does not list as done. */
  pendingDatabases: string[];
}

const MAJORITY = { w: "majority", wtimeout: 60_000 };
const MAX_ATTEMPTS = 5;

type Target = WritableMember;

function label(request: MigrationRequest): string {
  return `MongoMigration ${request.spec.migrationId}`;
}

function writable(clients: MemberClients, request: MigrationRequest): Promise<Target> {
  return findWritable(clients, request.members, {
    who: label(request),
    timeoutMs: request.timeoutMs,
    ...(request.pollMs !== undefined ? { pollMs: request.pollMs } : {}),
    nothingChanged: true,
  });
}

/** Runs `fn` on the primary; after a primary change, finds the new one and runs `fn` again. */
async function onPrimary<T>(
  clients: MemberClients,
  request: MigrationRequest,
  state: { target: Target },
  what: string,
  fn: (target: Target) => Promise<T>,
): Promise<T> {
  const { value, target } = await retryOnNewPrimary(
    clients,
    state.target,
    {
      memberOf: (t) => t.member,
      next: () => writable(clients, request),
      failed: (t, error) => {
        const err = new Error(`${what} on ${describeMember(t.member)} failed: ${errorText(error)}`);
        (err as Error & { cause?: unknown }).cause = error;
        return err;
      },
      attempts: MAX_ATTEMPTS,
    },
    fn,
  );
  state.target = target;
  return value;
}

function checkWrite(reply: Record<string, any>): { n: number; nModified: number } {
  const writeError = reply.writeErrors?.[0];
  if (writeError) {
    const error = new Error(String(writeError.errmsg)) as Error & { code?: number; codeName?: string };
    error.code = writeError.code;
    error.codeName = writeError.codeName;
    throw error;
  }
  if (reply.writeConcernError) {
    const wce = reply.writeConcernError;
    const error = new Error(`write concern not satisfied: ${wce.errmsg}`) as Error & { code?: number };
    error.code = wce.code;
    throw error;
  }
  return { n: Number(reply.n ?? 0), nModified: Number(reply.nModified ?? 0) };
}

async function readRecord(
  clients: MemberClients,
  target: Target,
  id: string,
): Promise<MigrationRecord | undefined> {
  const reply = await clients.command(target.member, MIGRATION_RECORD.database, {
    find: MIGRATION_RECORD.collection,
    filter: { _id: id },
    limit: 1,
    singleBatch: true,
  });
  return reply.cursor?.firstBatch?.[0] as MigrationRecord | undefined;
}

async function listTargets(clients: MemberClients, target: Target, spec: MigrationSpec): Promise<string[]> {
  if (spec.databases) return targetDatabases(spec);
  const reply = await clients.command(target.member, "admin", listDatabasesCommand(spec.databasePattern!));
  const names = (reply.databases as Array<{ name: string }>).map((d) => d.name);
  return targetDatabases(spec, names);
}

async function recordWrite(
  clients: MemberClients,
  target: Target,
  statement: Record<string, unknown>,
): Promise<void> {
  checkWrite(
    await clients.command(target.member, MIGRATION_RECORD.database, {
      update: MIGRATION_RECORD.collection,
      updates: [statement],
      ...(target.replicaSet ? { writeConcern: MAJORITY } : {}),
    }),
  );
}

/** Runs the migration where it has not run yet and records it; a no-op when everything is done. */
export async function runMigration(request: MigrationRequest): Promise<MigrationResult> {
  const { spec } = request;
  const now = request.now ?? (() => new Date());
  const clients = openMemberClients(request.credentials, { attemptTimeoutMs: request.attemptTimeoutMs });
  const done: string[] = [];
  let pending: string[] = [];
  try {
    const state = { target: await writable(clients, request) };
    const record = await onPrimary(clients, request, state, `${label(request)}: reading its record`, (t) =>
      readRecord(clients, t, spec.migrationId),
    );
    const targets = await onPrimary(
      clients,
      request,
      state,
      `${label(request)}: listing the databases`,
      (t) => listTargets(clients, t, spec),
    );
    const decision = decideMigration(spec, record, targets);
    if (decision.kind === "refuse") throw new Error(`${decision.message}\nNothing was changed.`);
    if (decision.kind === "done") {
      return {
        version: migrationVersion(spec),
        status: "applied",
        appliedAt: new Date(record!.appliedAt ?? now()).toISOString(),
        counts: decision.counts,
        changedByThisRun: { total: 0, databases: {} },
        skipped: targets,
      };
    }
    pending = [...decision.pending];
    if (!record) {
      await onPrimary(clients, request, state, `${label(request)}: writing its record`, (t) =>
        recordWrite(clients, t, startUpdate(spec, now())),
      );
    }
    const statement = updateStatement(spec);
    const thisRun: MigrationCounts = { total: 0, databases: {} };
    const counts = countsOf(record);
    while (pending.length > 0) {
      const database = pending[0]!;
      const { nModified } = await onPrimary(
        clients,
        request,
        state,
        `${label(request)}: updating ${database}.${spec.collection}`,
        async (t) =>
          checkWrite(
            await clients.command(t.member, database, {
              update: spec.collection,
              updates: [statement],
              ordered: true,
              ...(t.replicaSet ? { writeConcern: MAJORITY } : {}),
            }),
          ),
      );
      await onPrimary(clients, request, state, `${label(request)}: recording ${database} as done`, (t) =>
        recordWrite(clients, t, progressUpdate(spec, database, nModified)),
      );
      thisRun.databases[database] = nModified;
      thisRun.total += nModified;
      counts.databases[database] = nModified;
      counts.total += nModified;
      done.push(database);
      pending.shift();
    }
    const appliedAt = now();
    await onPrimary(clients, request, state, `${label(request)}: recording it as applied`, (t) =>
      recordWrite(clients, t, finishUpdate(spec, counts, appliedAt)),
    );
    return {
      version: migrationVersion(spec),
      status: "applied",
      appliedAt: appliedAt.toISOString(),
      counts,
      changedByThisRun: thisRun,
      skipped: decision.done,
    };
  } catch (error) {
    if (done.length === 0 && pending.length === 0) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      [
        message,
        `Done by this run and recorded in ${MIGRATION_RECORD.database}.${MIGRATION_RECORD.collection}: ${done.length ? done.join(", ") : "none"}.`,
        `Not done yet: ${pending.join(", ")}.`,
        "Nothing is undone. Fix the cause, then run pulumi up again: recorded databases are skipped, and the filter matches only documents not changed yet, so the run converges.",
      ].join("\n"),
    );
  } finally {
    await clients.close();
  }
}

/** Refresh: the record and the target databases it does not list as done. Changes nothing. */
export async function inspectMigration(request: MigrationRequest): Promise<MigrationInspection> {
  const { spec } = request;
  const clients = openMemberClients(request.credentials, { attemptTimeoutMs: request.attemptTimeoutMs });
  try {
    const state = { target: await writable(clients, request) };
    const record = await onPrimary(clients, request, state, `${label(request)}: reading its record`, (t) =>
      readRecord(clients, t, spec.migrationId),
    );
    const targets = await onPrimary(
      clients,
      request,
      state,
      `${label(request)}: listing the databases`,
      (t) => listTargets(clients, t, spec),
    );
    const recorded = new Set(Object.keys(record?.counts?.databases ?? {}));
    return {
      version: migrationVersion(spec),
      status: record ? (record.status === "applied" ? "applied" : "running") : "missing",
      ...(record ? { recordedVersion: record.version } : {}),
      ...(record?.appliedAt ? { appliedAt: new Date(record.appliedAt).toISOString() } : {}),
      counts: countsOf(record),
      pendingDatabases: targets.filter((t) => !recorded.has(t)),
    };
  } finally {
    await clients.close();
  }
}
