/**
 * Index planner: desired indexes of a collection vs what listIndexes reports -> the steps that take
 * one to the other. Pure: no Pulumi, no I/O (the MongoDatabaseSchema provider runs it).
 *
 * - a declared index missing on the server: created in place (all missing indexes of a collection in
 *   one createIndexes);
 * - same name and identity, different TTL or hidden flag: collMod (MongoDB 5.1+ also turns a
 *   single-field index into a TTL index this way);
 * - any other difference (keys, unique, sparse, partial filter, collation, text options, removing a
 *   TTL, a rename): drop and rebuild, refused unless `allowIndexRebuild` is set, because dropping an
 *   index leaves queries unindexed (and a unique one lets duplicates in) until the rebuild ends;
 * - a declared index whose fields and directions match an undeclared one's in another order: the
 *   same index with its keys reordered (an unnamed index's name follows its key order, so the new
 *   order is a new name): a rebuild of that one, not a second index beside it;
 * - indexes on the server that nothing declares: left alone and reported.
 */
import {
  type ComparableIndex,
  comparableFromServer,
  comparableFromSpec,
  type IndexCreateSpec,
  type IndexSpec,
  indexName,
  sameDocument,
  sameIdentity,
  toCreateSpec,
} from "./schemaSpec";

export interface IndexModification {
  name: string;
  expireAfterSeconds?: number;
  hidden?: boolean;
}

export interface IndexRebuild {
  /** Name on the server that is dropped. */
  drop: string;
  /** Declared name that is created in its place. */
  create: string;
  reason: string;
}

export interface UndeclaredIndex {
  collection: string;
  name: string;
  key: Record<string, unknown>;
}

export interface CollectionPlan {
  collection: string;
  /** Whether listIndexes found the collection. */
  exists: boolean;
  /** Create the (empty) collection: it does not exist and no index creation would create it. */
  createCollection: boolean;
  /** Indexes to drop first (each is part of a rebuild). */
  drop: string[];
  /** One createIndexes with all of these (new indexes and rebuilt ones). */
  create: IndexCreateSpec[];
  /** collMod steps, one per index. */
  modify: IndexModification[];
  rebuilds: IndexRebuild[];
  undeclared: UndeclaredIndex[];
  /** Problems only the server's state reveals (e.g. a second text index), which no flag allows. */
  conflicts: string[];
}

export function planHasSteps(plan: CollectionPlan): boolean {
  return plan.createCollection || plan.drop.length > 0 || plan.create.length > 0 || plan.modify.length > 0;
}

/** Why a declared index can't be changed in place, or undefined when it can. */
function rebuildReason(desired: ComparableIndex, actual: ComparableIndex): string | undefined {
  if (!sameDocument(desired.key, actual.key)) return "its keys changed";
  if (!sameIdentity(desired, actual)) {
    if (desired.unique !== actual.unique)
      return desired.unique ? "it becomes unique" : "it stops being unique";
    if (desired.sparse !== actual.sparse) return "sparse changed";
    if (!sameDocument(desired.partialFilterExpression ?? null, actual.partialFilterExpression ?? null)) {
      return "its partial filter changed";
    }
    return "its collation changed";
  }
  if (desired.text || actual.text) {
    if (!sameDocument(desired.text ?? null, actual.text ?? null))
      return "its text weights or language changed";
  }
  if (desired.expireAfterSeconds === undefined && actual.expireAfterSeconds !== undefined) {
    return "its TTL is removed (collMod cannot remove expireAfterSeconds)";
  }
  return undefined;
}

/** Same fields with the same directions, in any order (and not in the same order). */
function sameKeySet(a: ReadonlyArray<[string, unknown]>, b: ReadonlyArray<[string, unknown]>): boolean {
  if (a.length !== b.length || sameDocument(a, b)) return false;
  return a.every(([field, dir]) => b.some(([f, d]) => f === field && sameDocument(d, dir)));
}

function keyText(key: ReadonlyArray<[string, unknown]>): string {
  return `{ ${key.map(([f, d]) => `${f}: ${JSON.stringify(d)}`).join(", ")} }`;
}

/**
 * Plans one collection. `actual` is the listIndexes output, or undefined when the collection does
 * not exist (listIndexes answered NamespaceNotFound).
 */
export function planCollection(
  collection: string,
  desiredSpecs: readonly IndexSpec[],
  actual: ReadonlyArray<Record<string, unknown>> | undefined,
): CollectionPlan {
  const exists = actual !== undefined;
  const actualIdx = (actual ?? []).map(comparableFromServer).filter((ix) => ix.name !== "_id_");
  const claimed = new Set<string>();
  const plan: CollectionPlan = {
    collection,
    exists,
    createCollection: false,
    drop: [],
    create: [],
    modify: [],
    rebuilds: [],
    undeclared: [],
    conflicts: [],
  };
  // Indexes the declaration names are claimed first, so a twin search never takes another's index.
  for (const spec of desiredSpecs) {
    const name = comparableFromSpec(spec).name;
    if (actualIdx.some((a) => a.name === name)) claimed.add(name);
  }
  for (const spec of desiredSpecs) {
    const desired = comparableFromSpec(spec);
    const current = actualIdx.find((a) => a.name === desired.name);
    const reason = current ? rebuildReason(desired, current) : undefined;
    if (current && !reason) {
      const mod: IndexModification = { name: desired.name };
      if (
        desired.expireAfterSeconds !== undefined &&
        desired.expireAfterSeconds !== current.expireAfterSeconds
      ) {
        mod.expireAfterSeconds = desired.expireAfterSeconds;
      }
      if (desired.hidden !== current.hidden) mod.hidden = desired.hidden;
      if (mod.expireAfterSeconds !== undefined || mod.hidden !== undefined) plan.modify.push(mod);
      continue;
    }
    if (desired.text) {
      // Every text index has the key { _fts, _ftsx }: another text index on the server is either
      // this one under an old name (same fields and weights) or one MongoDB won't keep beside it.
      const otherText = actualIdx.find((a) => !claimed.has(a.name) && a.text);
      if (otherText && !sameDocument(otherText.text, desired.text)) {
        plan.conflicts.push(
          `${collection}: the server has text index ${otherText.name}, which is not declared, and MongoDB allows one text index per collection; declare ${otherText.name} instead of ${desired.name}, or drop ${otherText.name} yourself`,
        );
        continue;
      }
    }
    if (current) {
      plan.rebuilds.push({ drop: current.name, create: desired.name, reason: reason! });
      plan.drop.push(current.name);
    }
    // The same index under another name: MongoDB refuses a second copy, so the old name goes (a
    // rename is a rebuild).
    const twin = actualIdx.find((a) => !claimed.has(a.name) && sameIdentity(desired, a));
    // The same fields and directions in another order under a name nothing declares: the keys of
    // this index were reordered (field order is part of an index, and of its default name).
    const reordered =
      !current && !twin && !desired.text
        ? actualIdx.find((a) => !claimed.has(a.name) && !a.text && sameKeySet(desired.key, a.key))
        : undefined;
    if (reordered) {
      claimed.add(reordered.name);
      plan.rebuilds.push({
        drop: reordered.name,
        create: desired.name,
        reason: `its keys were reordered (the server has ${keyText(reordered.key)} as ${reordered.name}, the declaration ${keyText(desired.key)}; field order is part of an index)`,
      });
      plan.drop.push(reordered.name);
    }
    if (twin) {
      claimed.add(twin.name);
      if (!current)
        plan.rebuilds.push({
          drop: twin.name,
          create: desired.name,
          reason: `it exists on the server as ${twin.name}`,
        });
      else
        plan.rebuilds.push({
          drop: twin.name,
          create: desired.name,
          reason: `the new definition exists on the server as ${twin.name}`,
        });
      plan.drop.push(twin.name);
    }
    plan.create.push(toCreateSpec(spec));
  }
  for (const a of actualIdx) {
    if (!claimed.has(a.name))
      plan.undeclared.push({ collection, name: a.name, key: Object.fromEntries(a.key) });
  }
  plan.createCollection = !exists && plan.create.length === 0;
  return plan;
}

/**
 * The refusal text for rebuilds when `allowIndexRebuild` is not set. `dataLossHint` is what the
 * reader can set to allow it (the program passes "set kato-infra:allowDataLoss to true"); without
 * it the text names the library argument.
 */
export function rebuildRefusal(
  database: string,
  rebuilds: ReadonlyArray<{ collection: string } & IndexRebuild>,
  dataLossHint?: string,
): string {
  const lines = rebuilds.map(
    (r) =>
      `  - ${database}.${r.collection}: index ${r.drop} must be dropped and rebuilt as ${r.create} because ${r.reason}`,
  );
  return [
    `[index-rebuild] MongoDatabaseSchema ${database} needs to drop and rebuild ${rebuilds.length} index${rebuilds.length === 1 ? "" : "es"}:`,
    ...lines,
    "While an index is rebuilt, queries that use it scan the collection and a unique constraint is not enforced.",
    dataLossHint
      ? `Fix: ${dataLossHint}; or keep the old index definition.`
      : "Fix: set allowIndexRebuild: true on this schema for one `pulumi up` (then remove it), or keep the old index definition.",
  ].join("\n");
}

/**
 * What a declaration change implies, judged from the previous and next declarations alone (no server):
 * used by the provider's diff at preview to refuse a rebuild before anything runs.
 */
export function declaredRebuilds(
  previous: Record<string, { indexes?: IndexSpec[] }>,
  next: Record<string, { indexes?: IndexSpec[] }>,
): Array<{ collection: string } & IndexRebuild> {
  const out: Array<{ collection: string } & IndexRebuild> = [];
  for (const [collection, spec] of Object.entries(next)) {
    const before = previous[collection]?.indexes ?? [];
    const serverView = before.map((ix) => serverDocument(toCreateSpec(ix)));
    const plan = planCollection(collection, spec.indexes ?? [], serverView);
    for (const r of plan.rebuilds) out.push({ collection, ...r });
  }
  return out;
}

/**
 * The listIndexes document MongoDB reports for an index created from `spec` (text fields folded,
 * defaults filled). Used to judge declaration changes and by property tests; the fake server has
 * its own copy of these rules.
 */
export function serverDocument(spec: IndexCreateSpec): Record<string, unknown> {
  const key: Record<string, unknown> = {};
  const weights: Record<string, number> = {};
  let text = false;
  for (const [field, dir] of Object.entries(spec.key)) {
    if (dir === "text") {
      weights[field] = Number((spec.weights as Record<string, number> | undefined)?.[field] ?? 1);
      if (!text) {
        key._fts = "text";
        key._ftsx = 1;
        text = true;
      }
    } else {
      key[field] = dir;
    }
  }
  const doc: Record<string, unknown> = { v: 2, key, name: spec.name };
  for (const opt of ["unique", "sparse", "hidden"]) if (spec[opt] === true) doc[opt] = true;
  if (spec.partialFilterExpression !== undefined) doc.partialFilterExpression = spec.partialFilterExpression;
  if (spec.expireAfterSeconds !== undefined) doc.expireAfterSeconds = spec.expireAfterSeconds;
  if (spec.collation !== undefined && (spec.collation as { locale: string }).locale !== "simple")
    doc.collation = spec.collation;
  if (text) {
    doc.weights = { ...weights, ...((spec.weights as Record<string, number>) ?? {}) };
    doc.default_language = spec.default_language ?? "english";
    doc.language_override = spec.language_override ?? "language";
    doc.textIndexVersion = 3;
  }
  return doc;
}

/** Applies a plan to a listIndexes result (what the server holds afterwards). */
export function applyPlan(
  actual: ReadonlyArray<Record<string, unknown>> | undefined,
  plan: CollectionPlan,
): Array<Record<string, unknown>> {
  let out = (actual ?? [{ v: 2, key: { _id: 1 }, name: "_id_" }]).map((d) => ({ ...d }));
  out = out.filter((d) => !plan.drop.includes(String(d.name)));
  for (const spec of plan.create) out.push(serverDocument(spec));
  for (const mod of plan.modify) {
    const doc = out.find((d) => d.name === mod.name);
    if (!doc) continue;
    if (mod.expireAfterSeconds !== undefined) doc.expireAfterSeconds = mod.expireAfterSeconds;
    if (mod.hidden !== undefined) {
      if (mod.hidden) doc.hidden = true;
      else delete doc.hidden;
    }
  }
  return out;
}

export { indexName };
