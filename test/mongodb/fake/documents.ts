/**
 * Documents in the fake: the query matcher (find, update, listDatabases filters), the update
 * operators ($set, $unset, $setOnInsert), upsert documents and unique-index checks. Each rule copies
 * the server's documented behaviour and error code; README.md beside this file lists them with their
 * sources. Anything not listed fails loudly (`notModeled`) instead of answering like a lenient fake.
 */
import { BSON } from "mongodb";
import { CODES, failWith, notModeled } from "./errors";

export type Doc = Record<string, any>;

/** A deep copy that keeps BSON types (ObjectId, Date, Long...), as the server's storage does. */
export function cloneDoc<T extends Doc>(doc: T): T {
  return BSON.deserialize(BSON.serialize(doc)) as T;
}

const isPlainObject = (v: unknown): v is Doc =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  !(v instanceof Date) &&
  !(v instanceof RegExp) &&
  (v as { _bsontype?: string })._bsontype === undefined;

/** Order-sensitive value identity (MongoDB compares embedded documents field by field, in order). */
function valueKey(v: unknown): string {
  if (v === undefined) return "undefined";
  return BSON.EJSON.stringify({ v } as Doc, { relaxed: true });
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b;
  return valueKey(a) === valueKey(b);
}

/** The values a dotted path reaches, descending into arrays of documents as queries do. */
function valuesAt(doc: unknown, path: string[]): { found: boolean; values: unknown[] } {
  if (path.length === 0) return { found: true, values: [doc] };
  if (Array.isArray(doc)) {
    const out: unknown[] = [];
    let found = false;
    for (const el of doc) {
      if (!isPlainObject(el)) continue;
      const r = valuesAt(el, path);
      if (r.found) {
        found = true;
        out.push(...r.values);
      }
    }
    return { found, values: out };
  }
  if (!isPlainObject(doc)) return { found: false, values: [] };
  const [head, ...rest] = path;
  if (!(head! in doc)) return { found: false, values: [] };
  return valuesAt(doc[head!], rest);
}

/** A field's value as a single value (`undefined` when missing), for upserts and index keys. */
export function getPath(doc: Doc, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split(".")) {
    if (!isPlainObject(cur) || !(part in cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Candidates a comparison sees: the value itself and, for an array, each element. */
function expand(values: unknown[]): unknown[] {
  return values.flatMap((v) => (Array.isArray(v) ? [v, ...v] : [v]));
}

type Bracket = "number" | "string" | "date" | "objectId" | "bool" | "other";
function bracket(v: unknown): Bracket {
  if (typeof v === "number") return "number";
  if (typeof v === "string") return "string";
  if (v instanceof Date) return "date";
  if ((v as { _bsontype?: string })?._bsontype === "ObjectId") return "objectId";
  if (typeof v === "boolean") return "bool";
  return "other";
}

/** Comparison within one BSON type bracket (https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/). */
function compare(a: unknown, b: unknown): number | undefined {
  const ba = bracket(a);
  if (ba !== bracket(b) || ba === "other") return undefined;
  if (ba === "date") return (a as Date).getTime() - (b as Date).getTime();
  if (ba === "objectId") {
    const x = (a as BSON.ObjectId).toHexString();
    const y = (b as BSON.ObjectId).toHexString();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function toRegExp(pattern: unknown, options?: unknown): RegExp {
  if (pattern instanceof RegExp) return pattern;
  if ((pattern as { _bsontype?: string })?._bsontype === "BSONRegExp") {
    const r = pattern as BSON.BSONRegExp;
    return new RegExp(r.pattern, r.options.replace(/[^imsx]/g, "").replace("x", ""));
  }
  if (typeof pattern !== "string") return failWith(CODES.BadValue, "$regex has to be a string");
  const flags = typeof options === "string" ? options : "";
  if (/[^imsxu]/.test(flags)) failWith(CODES.BadValue, `invalid flag in regex options: ${flags}`);
  try {
    return new RegExp(pattern, flags.replace("x", ""));
  } catch (error) {
    return failWith([51091, "Location51091"], `Regular expression is invalid: ${(error as Error).message}`);
  }
}

const isRegex = (v: unknown) =>
  v instanceof RegExp || (v as { _bsontype?: string })?._bsontype === "BSONRegExp";

function equalsAny(candidates: unknown[], value: unknown): boolean {
  if (isRegex(value)) {
    const re = toRegExp(value);
    return candidates.some((c) => typeof c === "string" && re.test(c));
  }
  return candidates.some((c) => sameValue(c, value));
}

const FIELD_OPERATORS = new Set([
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$exists",
  "$regex",
  "$options",
  "$not",
]);

function matchField(doc: Doc, field: string, condition: unknown): boolean {
  const path = field.split(".");
  const { found, values } = valuesAt(doc, path);
  const candidates = expand(values);
  // null matches a missing field as well as null (https://www.mongodb.com/docs/manual/tutorial/query-for-null-fields/).
  const eq = (value: unknown) =>
    value === null ? !found || candidates.includes(null) : equalsAny(candidates, value);
  if (!isPlainObject(condition) || !Object.keys(condition).some((k) => k.startsWith("$"))) {
    return eq(condition);
  }
  for (const [op, arg] of Object.entries(condition)) {
    if (!op.startsWith("$")) {
      return failWith(CODES.BadValue, `unknown operator: ${op}`);
    }
    if (!FIELD_OPERATORS.has(op)) return failWith(CODES.BadValue, `unknown operator: ${op}`);
    switch (op) {
      case "$eq":
        if (!eq(arg)) return false;
        break;
      case "$ne":
        if (eq(arg)) return false;
        break;
      case "$gt":
      case "$gte":
      case "$lt":
      case "$lte": {
        const ok = candidates.some((c) => {
          const r = compare(c, arg);
          if (r === undefined) return false;
          return op === "$gt" ? r > 0 : op === "$gte" ? r >= 0 : op === "$lt" ? r < 0 : r <= 0;
        });
        if (!ok) return false;
        break;
      }
      case "$in":
      case "$nin": {
        if (!Array.isArray(arg)) return failWith(CODES.BadValue, `${op} needs an array`);
        const any = arg.some((v) => eq(v));
        if (op === "$in" ? !any : any) return false;
        break;
      }
      case "$exists":
        if (Boolean(arg) !== found) return false;
        break;
      case "$regex": {
        const re = toRegExp(arg, (condition as Doc).$options);
        if (!candidates.some((c) => typeof c === "string" && re.test(c))) return false;
        break;
      }
      case "$options":
        if ((condition as Doc).$regex === undefined)
          return failWith(CODES.BadValue, "$options needs a $regex");
        break;
      case "$not":
        if (matchField(doc, field, arg)) return false;
        break;
    }
  }
  return true;
}

/** Whether `doc` matches `filter` (https://www.mongodb.com/docs/manual/reference/operator/query/). */
export function matches(doc: Doc, filter: unknown): boolean {
  if (filter === undefined || filter === null) return true;
  if (!isPlainObject(filter)) return failWith(CODES.TypeMismatch, "filter must be an object");
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$and" || key === "$or" || key === "$nor") {
      if (!Array.isArray(value) || value.length === 0) {
        return failWith(CODES.BadValue, `${key} argument must be a non-empty array`);
      }
      const results = value.map((sub) => matches(doc, sub));
      const ok =
        key === "$and"
          ? results.every(Boolean)
          : key === "$or"
            ? results.some(Boolean)
            : !results.some(Boolean);
      if (!ok) return false;
      continue;
    }
    if (key === "$comment") continue;
    if (key.startsWith("$")) return failWith(CODES.BadValue, `unknown top level operator: ${key}`);
    if (!matchField(doc, key, value)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Updates (https://www.mongodb.com/docs/manual/reference/operator/update/)
// ---------------------------------------------------------------------------------------------

const UPDATE_OPERATORS = new Set(["$set", "$unset", "$setOnInsert"]);

export interface ParsedUpdate {
  kind: "operators" | "replacement";
  /** `$set` and, on insert only, `$setOnInsert` assignments; `$unset` paths. */
  set: Array<[string, unknown]>;
  setOnInsert: Array<[string, unknown]>;
  unset: string[];
  replacement?: Doc;
}

function checkPath(path: string): void {
  const parts = path.split(".");
  if (parts.some((p) => p.length === 0)) {
    failWith(CODES.EmptyFieldName, `An empty update path is not valid: '${path}'`);
  }
  for (const p of parts) {
    if (p === "$" || p.startsWith("$[")) notModeled(`positional update operators ('${path}')`);
    if (p.startsWith("$")) {
      failWith(
        CODES.DollarPrefixedFieldName,
        `The dollar ($) prefixed field '${p}' in '${path}' is not valid for storage.`,
      );
    }
  }
}

/** Parses the `u` of an update statement, with the server's checks and codes. */
export function parseUpdate(u: unknown, multi: boolean): ParsedUpdate {
  if (Array.isArray(u)) return notModeled("pipeline-style updates");
  if (!isPlainObject(u))
    return failWith(CODES.FailedToParse, "Update argument must be either an object or an array");
  const keys = Object.keys(u);
  const parsed: ParsedUpdate = { kind: "operators", set: [], setOnInsert: [], unset: [] };
  if (keys.length === 0 || !keys[0]!.startsWith("$")) {
    if (multi) failWith(CODES.FailedToParse, "multi update is not supported for replacement-style update");
    for (const k of keys) {
      if (k.startsWith("$")) {
        failWith(
          CODES.DollarPrefixedFieldName,
          `The dollar ($) prefixed field '${k}' in '${k}' is not valid for storage.`,
        );
      }
    }
    return { ...parsed, kind: "replacement", replacement: u };
  }
  const touched: string[] = [];
  for (const op of keys) {
    if (!UPDATE_OPERATORS.has(op)) {
      failWith(
        CODES.FailedToParse,
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    const arg = u[op];
    if (!isPlainObject(arg)) {
      failWith(
        CODES.FailedToParse,
        `Modifiers operate on fields but we found type ${Array.isArray(arg) ? "array" : typeof arg} instead. For example: {$mod: {<field>: ...}} not {${op}: ${JSON.stringify(arg)}}`,
      );
    }
    for (const [path, value] of Object.entries(arg as Doc)) {
      checkPath(path);
      for (const other of touched) {
        if (other === path || other.startsWith(`${path}.`) || path.startsWith(`${other}.`)) {
          const shorter = other.length <= path.length ? other : path;
          failWith(
            CODES.ConflictingUpdateOperators,
            `Updating the path '${path}' would create a conflict at '${shorter}'`,
          );
        }
      }
      touched.push(path);
      if (op === "$set") parsed.set.push([path, value]);
      else if (op === "$setOnInsert") parsed.setOnInsert.push([path, value]);
      else parsed.unset.push(path);
    }
  }
  return parsed;
}

function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split(".");
  let cur: Doc = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const next = cur[part];
    if (next === undefined) {
      cur[part] = {};
    } else if (Array.isArray(next)) {
      notModeled(`updates through arrays ('${path}')`);
    } else if (!isPlainObject(next)) {
      failWith(
        CODES.PathNotViable,
        `Cannot create field '${parts[i + 1]}' in element {${part}: ${JSON.stringify(next)}}`,
      );
    }
    cur = cur[part] as Doc;
  }
  cur[parts[parts.length - 1]!] = value;
}

function unsetPath(doc: Doc, path: string): void {
  const parts = path.split(".");
  let cur: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    if (!isPlainObject(cur)) return;
    cur = cur[parts[i]!];
  }
  if (isPlainObject(cur)) delete cur[parts[parts.length - 1]!];
}

/**
 * Applies a parsed update to a copy of `doc`; `inserting` adds `$setOnInsert`. `_id` may not change
 * (66 ImmutableField).
 */
export function applyUpdate(doc: Doc, update: ParsedUpdate, inserting: boolean): Doc {
  const before = doc._id;
  let out: Doc;
  if (update.kind === "replacement") {
    out = { _id: before, ...cloneDoc(update.replacement!) };
    if (before !== undefined && !sameValue(out._id, before)) {
      failWith(
        CODES.ImmutableField,
        `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${JSON.stringify(out._id)}`,
      );
    }
    if (out._id === undefined) delete out._id;
    return out;
  }
  out = cloneDoc(doc);
  const assignments = inserting ? [...update.set, ...update.setOnInsert] : update.set;
  for (const [path, value] of assignments) {
    if ((path === "_id" || path.startsWith("_id.")) && before !== undefined && !inserting) {
      const current = getPath(out, path);
      if (!sameValue(current, value)) {
        failWith(
          CODES.ImmutableField,
          `Performing an update on the path '${path}' would modify the immutable field '_id'`,
        );
      }
    }
    setPath(out, path, cloneDoc({ v: value }).v);
  }
  for (const path of update.unset) {
    if (path === "_id")
      failWith(
        CODES.ImmutableField,
        "Performing an update on the path '_id' would modify the immutable field '_id'",
      );
    unsetPath(out, path);
  }
  return out;
}

/**
 * The document an upsert inserts when nothing matched: the query's equality conditions (top level
 * and inside `$and`), then the update (https://www.mongodb.com/docs/manual/reference/method/db.collection.update/#upsert-behavior).
 */
export function upsertSeed(filter: unknown): Doc {
  const seed: Doc = {};
  const visit = (f: unknown) => {
    if (!isPlainObject(f)) return;
    for (const [key, value] of Object.entries(f)) {
      if (key === "$and" && Array.isArray(value)) {
        value.forEach(visit);
        continue;
      }
      if (key.startsWith("$")) continue;
      if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith("$"))) {
        if ("$eq" in value) setPath(seed, key, value.$eq);
        continue;
      }
      if (isRegex(value)) continue;
      setPath(seed, key, value);
    }
  };
  visit(filter);
  return cloneDoc(seed);
}

/** Index key of a document for a unique check (missing fields count as null). */
function indexKey(doc: Doc, key: Doc): { key: string; allMissing: boolean } {
  let allMissing = true;
  const parts = Object.keys(key).map((field) => {
    const v = getPath(doc, field);
    if (v !== undefined) allMissing = false;
    return valueKey(v === undefined ? null : v);
  });
  return { key: parts.join("|"), allMissing };
}

/**
 * The unique index `candidate` would violate among `others`, if any: `_id_` always; other unique
 * indexes honouring `sparse` and `partialFilterExpression` (https://www.mongodb.com/docs/manual/core/index-unique/).
 * Text indexes are never unique.
 */
export function uniqueViolation(
  indexes: readonly Doc[],
  others: readonly Doc[],
  candidate: Doc,
): { index: Doc; dup: Doc } | undefined {
  for (const index of indexes) {
    const unique = index.name === "_id_" || index.unique === true;
    if (!unique || index.key._fts !== undefined) continue;
    const applies = (d: Doc) => {
      if (index.partialFilterExpression && !matches(d, index.partialFilterExpression)) return false;
      if (index.sparse === true && indexKey(d, index.key).allMissing) return false;
      return true;
    };
    if (!applies(candidate)) continue;
    const k = indexKey(candidate, index.key).key;
    const clash = others.find((o) => applies(o) && indexKey(o, index.key).key === k);
    if (clash) {
      const dup: Doc = {};
      for (const field of Object.keys(index.key)) dup[field] = getPath(candidate, field) ?? null;
      return { index, dup };
    }
  }
  return undefined;
}

export function duplicateKeyMessage(ns: string, index: Doc, dup: Doc): string {
  const shown = Object.entries(dup)
    .map(([k, v]) => `${k}: ${valueKey(v).slice(5, -1)}`)
    .join(", ");
  return `E11000 duplicate key error collection: ${ns} index: ${index.name} dup key: { ${shown} }`;
}

/** Sorts documents by a `{field: 1 | -1}` specification (BSON order within a type bracket). */
export function sortDocs(docs: Doc[], sort: unknown): Doc[] {
  if (sort === undefined || sort === null) return docs;
  if (!isPlainObject(sort)) return failWith(CODES.BadValue, "sort must be an object");
  const fields = Object.entries(sort);
  for (const [, dir] of fields) {
    if (dir !== 1 && dir !== -1) notModeled(`sort direction ${JSON.stringify(dir)}`);
  }
  return [...docs].sort((a, b) => {
    for (const [field, dir] of fields) {
      const x = getPath(a, field);
      const y = getPath(b, field);
      if (x === undefined && y === undefined) continue;
      if (x === undefined) return -1 * (dir as number);
      if (y === undefined) return 1 * (dir as number);
      const r = compare(x, y) ?? 0;
      if (r !== 0) return r * (dir as number);
    }
    return 0;
  });
}
