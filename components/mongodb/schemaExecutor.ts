/**
 * The MongoDatabaseSchema executor. Round trips per declared collection: one listIndexes; then at
 * most one dropIndexes (rebuilds only), one createIndexes (every missing index at once) and one
 * collMod per changed TTL/hidden flag. Nothing is changed until every collection has been planned,
 * so a refused rebuild or a conflict changes nothing anywhere.
 *
 * Serialized with the dynamic provider: no `@pulumi/*` import; the driver is required lazily.
 */
import type { ReachableMember } from "../shared/access";
import {
  describeMember,
  errorCode,
  errorText,
  findWritable,
  type MemberClients,
  type MongoCredentials,
  openMemberClients,
  retryableOnNewPrimary,
  retryOnNewPrimary,
  type WritableMember,
} from "./memberClients";
import { MONGO_ERRORS } from "./replicaSetPlan";
import {
  type CollectionPlan,
  planCollection,
  planHasSteps,
  rebuildRefusal,
  type UndeclaredIndex,
} from "./schemaPlan";
import type { CollectionSpec } from "./schemaSpec";

export interface SchemaRequest {
  database: string;
  collections: Record<string, CollectionSpec>;
  allowIndexRebuild: boolean;
  /** What the reader sets to allow a rebuild, for the refusal (default: names allowIndexRebuild). */
  dataLossHint?: string;
  members: ReachableMember[];
  credentials: MongoCredentials;
  /** Bound of the wait for a writable primary. */
  timeoutMs: number;
  pollMs?: number;
  attemptTimeoutMs?: number;
}

export interface SchemaResult {
  /** `collection.index` names created (new or rebuilt), modified (collMod) and rebuilt. */
  created: string[];
  modified: string[];
  rebuilt: string[];
  collectionsCreated: string[];
  /** Indexes on the server no declaration names (left alone). */
  undeclaredIndexes: UndeclaredIndex[];
}

/** Replica set member (commitQuorum and w: majority apply) or a standalone server. */
type Target = WritableMember;

const MAX_ATTEMPTS = 5;

export async function applySchema(request: SchemaRequest): Promise<SchemaResult> {
  const clients = openMemberClients(request.credentials, { attemptTimeoutMs: request.attemptTimeoutMs });
  try {
    let target = await writable(clients, request);
    const names = Object.keys(request.collections).sort();
    // Phase 1: plan everything.
    const plans = new Map<string, CollectionPlan>();
    for (const name of names) {
      const { plan, target: t } = await withRetry(clients, request, target, (tg) =>
        planOne(clients, request, tg, name),
      );
      target = t;
      plans.set(name, plan);
    }
    refuseIfNeeded(request, [...plans.values()]);
    // Phase 2: apply, collection by collection; after a primary change, re-plan that collection.
    const result: SchemaResult = {
      created: [],
      modified: [],
      rebuilt: [],
      collectionsCreated: [],
      undeclaredIndexes: [],
    };
    for (const name of names) {
      let plan = plans.get(name)!;
      for (let attempt = 0; ; attempt++) {
        try {
          if (planHasSteps(plan)) await execute(clients, request, target, plan);
          record(result, plan);
          break;
        } catch (error) {
          if (!retryableOnNewPrimary(error) || attempt >= MAX_ATTEMPTS - 1)
            throw stepFailed(request, target, plan, error);
          await clients.reset(target.member);
          target = await writable(clients, request);
          ({ plan, target } = await withRetry(clients, request, target, (tg) =>
            planOne(clients, request, tg, name),
          ));
          refuseIfNeeded(request, [plan]);
        }
      }
    }
    return result;
  } finally {
    await clients.close();
  }
}

/** What the server has for the declared collections: the plan, without applying it (provider read). */
export async function inspectSchema(request: SchemaRequest): Promise<CollectionPlan[]> {
  const clients = openMemberClients(request.credentials, { attemptTimeoutMs: request.attemptTimeoutMs });
  try {
    let target = await writable(clients, request);
    const plans: CollectionPlan[] = [];
    for (const name of Object.keys(request.collections).sort()) {
      const r = await withRetry(clients, request, target, (tg) => planOne(clients, request, tg, name));
      target = r.target;
      plans.push(r.plan);
    }
    return plans;
  } finally {
    await clients.close();
  }
}

function record(result: SchemaResult, plan: CollectionPlan): void {
  const c = plan.collection;
  result.created.push(...plan.create.map((s) => `${c}.${s.name}`));
  result.modified.push(...plan.modify.map((m) => `${c}.${m.name}`));
  result.rebuilt.push(...plan.rebuilds.map((r) => `${c}.${r.create}`));
  if (plan.createCollection) result.collectionsCreated.push(c);
  result.undeclaredIndexes.push(...plan.undeclared);
}

function refuseIfNeeded(request: SchemaRequest, plans: CollectionPlan[]): void {
  const conflicts = plans.flatMap((p) => p.conflicts);
  const rebuilds = plans.flatMap((p) => p.rebuilds.map((r) => ({ collection: p.collection, ...r })));
  const parts: string[] = [];
  if (conflicts.length > 0) {
    parts.push(`[index-conflict] MongoDatabaseSchema ${request.database}: ${conflicts.join("; ")}.`);
  }
  if (rebuilds.length > 0 && !request.allowIndexRebuild)
    parts.push(rebuildRefusal(request.database, rebuilds, request.dataLossHint));
  if (parts.length > 0) throw new Error(`${parts.join("\n")}\nNothing was changed.`);
}

async function planOne(
  clients: MemberClients,
  request: SchemaRequest,
  target: Target,
  name: string,
): Promise<CollectionPlan> {
  const spec = request.collections[name] ?? {};
  let actual: Array<Record<string, unknown>> | undefined;
  try {
    const reply = await clients.command(target.member, request.database, { listIndexes: name });
    actual = reply.cursor.firstBatch as Array<Record<string, unknown>>;
    let cursorId = reply.cursor.id;
    while (cursorId && Number(cursorId) !== 0) {
      const more = await clients.command(target.member, request.database, {
        getMore: cursorId,
        collection: name,
      });
      actual.push(...(more.cursor.nextBatch as Array<Record<string, unknown>>));
      cursorId = more.cursor.id;
    }
  } catch (error) {
    if (errorCode(error) !== MONGO_ERRORS.NamespaceNotFound) throw error;
    actual = undefined;
  }
  return planCollection(name, spec.indexes ?? [], actual);
}

async function execute(
  clients: MemberClients,
  request: SchemaRequest,
  target: Target,
  plan: CollectionPlan,
): Promise<void> {
  const db = request.database;
  const wc = target.replicaSet ? { writeConcern: { w: "majority", wtimeout: 60_000 } } : {};
  if (plan.drop.length > 0) {
    await clients.command(target.member, db, { dropIndexes: plan.collection, index: plan.drop, ...wc });
  }
  if (plan.create.length > 0) {
    await clients.command(target.member, db, {
      createIndexes: plan.collection,
      indexes: plan.create,
      // "majority" rather than the default "votingMembers": one member down must not hang the build.
      ...(target.replicaSet ? { commitQuorum: "majority" } : {}),
      ...wc,
    });
  } else if (plan.createCollection) {
    try {
      await clients.command(target.member, db, { create: plan.collection, ...wc });
    } catch (error) {
      if (errorCode(error) !== MONGO_ERRORS.NamespaceExists) throw error;
    }
  }
  for (const mod of plan.modify) {
    await clients.command(target.member, db, { collMod: plan.collection, index: mod, ...wc });
  }
}

async function withRetry<T>(
  clients: MemberClients,
  request: SchemaRequest,
  target: Target,
  fn: (target: Target) => Promise<T>,
): Promise<{ plan: T; target: Target }> {
  const r = await retryOnNewPrimary(
    clients,
    target,
    {
      memberOf: (t) => t.member,
      next: () => writable(clients, request),
      failed: (t, error) =>
        new Error(
          `MongoDatabaseSchema ${request.database}: reading indexes on ${describeMember(t.member)} failed: ${errorText(error)}`,
        ),
      attempts: MAX_ATTEMPTS,
    },
    fn,
  );
  return { plan: r.value, target: r.target };
}

function stepFailed(request: SchemaRequest, target: Target, plan: CollectionPlan, error: unknown): Error {
  const what = [
    plan.drop.length ? `drop ${plan.drop.join(", ")}` : "",
    plan.create.length ? `create ${plan.create.map((c) => c.name).join(", ")}` : "",
    plan.modify.length ? `collMod ${plan.modify.map((m) => m.name).join(", ")}` : "",
    plan.createCollection ? "create the collection" : "",
  ]
    .filter(Boolean)
    .join("; ");
  const hint = retryableOnNewPrimary(error)
    ? " The primary kept changing; run pulumi up again once the replica set is stable."
    : "";
  return new Error(
    `MongoDatabaseSchema ${request.database}.${plan.collection}: could not ${what} on ${describeMember(target.member)}: ${errorText(error)}.${hint}`,
  );
}

function writable(clients: MemberClients, request: SchemaRequest): Promise<Target> {
  return findWritable(clients, request.members, {
    who: `MongoDatabaseSchema ${request.database}`,
    timeoutMs: request.timeoutMs,
    ...(request.pollMs !== undefined ? { pollMs: request.pollMs } : {}),
  });
}
