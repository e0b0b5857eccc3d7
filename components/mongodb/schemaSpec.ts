/**
 * The schema a tenant database declares (collections and their indexes), how it is validated before
 * anything touches a server, and the index forms the planner compares. Pure: no Pulumi, no I/O.
 * Imported by the MongoDatabaseSchema provider, so it is serialized with it.
 *
 * Index keys are an ordered list of `[field, direction]` pairs, not an object: a compound index's
 * field order is its meaning, and Pulumi does not keep the key order of objects it stores.
 */

import { closest, type Problem, problem } from "../shared/problems";
import { canonicalJson, sortedKeys } from "../shared/values";
import {
  COLLATION_LOCALES,
  isSupportedCollationLocale,
  isSupportedTextLanguage,
  PARTIAL_FILTER_MAX_DEPTH,
  partialFilterDepth,
  TEXT_LANGUAGES,
} from "./serverRules";

/**
 * The index key kinds kato-infra manages: ascending, descending, text. The check below and the
 * generated config reference (program/config/fields.ts) both read this list.
 */
export const INDEX_KEY_DIRECTIONS = [1, -1, "text"] as const;
export type IndexDirection = (typeof INDEX_KEY_DIRECTIONS)[number];

/** Collation of an index (https://www.mongodb.com/docs/manual/reference/collation/). */
export interface CollationSpec {
  locale: string;
  caseLevel?: boolean;
  caseFirst?: "upper" | "lower" | "off";
  strength?: 1 | 2 | 3 | 4 | 5;
  numericOrdering?: boolean;
  alternate?: "non-ignorable" | "shifted";
  maxVariable?: "punct" | "space";
  backwards?: boolean;
  normalization?: boolean;
}

/** One declared index. Names follow MongoDB's (`expireAfterSeconds`, `default_language`...). */
export interface IndexSpec {
  /** Ordered `[field, 1 | -1 | "text"]` pairs, e.g. `[["frequency", -1], ["name", 1]]`. */
  keys: Array<[string, IndexDirection]>;
  /** Default: MongoDB's own default name (`frequency_-1_name_1`, `events_text`). */
  name?: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Record<string, unknown>;
  /** TTL: documents expire this many seconds after the date in the (single) indexed field. */
  expireAfterSeconds?: number;
  collation?: CollationSpec;
  /** Hidden from the query planner, still maintained (and still enforcing uniqueness). */
  hidden?: boolean;
  /** Text indexes: weight of each text field (1 to 99999, default 1). */
  weights?: Record<string, number>;
  default_language?: string;
  language_override?: string;
}

export interface CollectionSpec {
  indexes?: IndexSpec[];
}

/** The declared schema of one tenant database. */
export interface DatabaseSchemaSpec {
  database: string;
  collections: Record<string, CollectionSpec>;
}

/** An index as sent in `createIndexes` (keys as the user gave them, name always set). */
export interface IndexCreateSpec {
  key: Record<string, IndexDirection>;
  name: string;
  [option: string]: unknown;
}

/**
 * An index as listIndexes reports it, reduced to what the planner compares. Text indexes appear in
 * the server's form: `{ _fts: "text", _ftsx: 1 }` in place of the text fields, with `weights`.
 */
export interface ComparableIndex {
  name: string;
  key: Array<[string, number | string]>;
  unique: boolean;
  sparse: boolean;
  hidden: boolean;
  partialFilterExpression?: Record<string, unknown>;
  collation?: Record<string, unknown>;
  expireAfterSeconds?: number;
  text?: { weights: Record<string, number>; default_language: string; language_override: string };
}

/** Every field an index declaration may have (the check and the generated reference read this list). */
export const INDEX_OPTION_KEYS = [
  "keys",
  "name",
  "unique",
  "sparse",
  "partialFilterExpression",
  "expireAfterSeconds",
  "collation",
  "hidden",
  "weights",
  "default_language",
  "language_override",
] as const;

const COLLATION_KEYS = [
  "locale",
  "caseLevel",
  "caseFirst",
  "strength",
  "numericOrdering",
  "alternate",
  "maxVariable",
  "backwards",
  "normalization",
] as const;

/** Operators a partial filter may use (https://www.mongodb.com/docs/manual/core/index-partial/). */
const PARTIAL_FIELD_OPERATORS = ["$eq", "$exists", "$gt", "$gte", "$lt", "$lte", "$type", "$in"];
const PARTIAL_LOGICAL_OPERATORS = ["$and", "$or"];

export const TEXT_DEFAULTS = { default_language: "english", language_override: "language" } as const;
const MAX_COMPOUND_FIELDS = 32;
const MAX_INDEXES_PER_COLLECTION = 64; // including _id_
const MAX_TTL = 2147483647;
const MAX_DB_NAME_BYTES = 63;
const MAX_NAMESPACE_BYTES = 255;
const RESERVED_DATABASES = ["admin", "local", "config"];
const DB_NAME_FORBIDDEN = ["/", "\\", ".", " ", '"', "$", "*", "<", ">", ":", "|", "?", "\0"];

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** MongoDB's default index name: each key and direction joined by `_` (`frequency_-1_name_1`, `events_text`). */
export function defaultIndexName(keys: ReadonlyArray<readonly [string, IndexDirection]>): string {
  return keys.map(([field, dir]) => `${field}_${dir}`).join("_");
}

export function indexName(spec: IndexSpec): string {
  return spec.name ?? defaultIndexName(spec.keys);
}

export function isTextIndex(spec: IndexSpec): boolean {
  return spec.keys.some(([, dir]) => dir === "text");
}

export function sameDocument(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The `createIndexes` form of a declared index. */
export function toCreateSpec(spec: IndexSpec): IndexCreateSpec {
  const key: Record<string, IndexDirection> = {};
  for (const [field, dir] of spec.keys) key[field] = dir;
  const out: IndexCreateSpec = { key, name: indexName(spec) };
  if (spec.unique) out.unique = true;
  if (spec.sparse) out.sparse = true;
  if (spec.partialFilterExpression !== undefined) out.partialFilterExpression = spec.partialFilterExpression;
  if (spec.expireAfterSeconds !== undefined) out.expireAfterSeconds = spec.expireAfterSeconds;
  if (spec.collation !== undefined) out.collation = spec.collation;
  if (spec.hidden) out.hidden = true;
  if (spec.weights !== undefined) out.weights = spec.weights;
  if (spec.default_language !== undefined) out.default_language = spec.default_language;
  if (spec.language_override !== undefined) out.language_override = spec.language_override;
  return out;
}

/** The form the server reports for a declared index (text fields folded into `_fts`/`_ftsx`). */
export function comparableFromSpec(spec: IndexSpec): ComparableIndex {
  const text = isTextIndex(spec);
  const key: Array<[string, number | string]> = [];
  const weights: Record<string, number> = {};
  let folded = false;
  for (const [field, dir] of spec.keys) {
    if (dir === "text") {
      weights[field] = spec.weights?.[field] ?? 1;
      if (!folded) {
        key.push(["_fts", "text"], ["_ftsx", 1]);
        folded = true;
      }
    } else {
      key.push([field, dir]);
    }
  }
  if (text && spec.weights) for (const [field, w] of Object.entries(spec.weights)) weights[field] = w;
  const out: ComparableIndex = {
    name: indexName(spec),
    key,
    unique: spec.unique === true,
    sparse: spec.sparse === true,
    hidden: spec.hidden === true,
  };
  if (spec.partialFilterExpression !== undefined) out.partialFilterExpression = spec.partialFilterExpression;
  if (spec.collation !== undefined && spec.collation.locale !== "simple")
    out.collation = { ...spec.collation };
  if (spec.expireAfterSeconds !== undefined) out.expireAfterSeconds = spec.expireAfterSeconds;
  if (text) {
    out.text = {
      weights,
      default_language: spec.default_language ?? TEXT_DEFAULTS.default_language,
      language_override: spec.language_override ?? TEXT_DEFAULTS.language_override,
    };
  }
  return out;
}

/** Reduces one listIndexes document to the compared form. */
export function comparableFromServer(doc: Record<string, unknown>): ComparableIndex {
  const keyDoc = (doc.key ?? {}) as Record<string, unknown>;
  const key: Array<[string, number | string]> = Object.entries(keyDoc).map(([field, dir]) => [
    field,
    typeof dir === "string" ? dir : Number(dir),
  ]);
  const out: ComparableIndex = {
    name: String(doc.name),
    key,
    unique: doc.unique === true,
    sparse: doc.sparse === true,
    hidden: doc.hidden === true,
  };
  if (doc.partialFilterExpression !== undefined) {
    out.partialFilterExpression = sortedKeys(doc.partialFilterExpression) as Record<string, unknown>;
  }
  if (doc.collation !== undefined) out.collation = sortedKeys(doc.collation) as Record<string, unknown>;
  if (doc.expireAfterSeconds !== undefined) out.expireAfterSeconds = Number(doc.expireAfterSeconds);
  if (key.some(([field]) => field === "_fts")) {
    const weights: Record<string, number> = {};
    for (const [field, w] of Object.entries((doc.weights ?? {}) as Record<string, unknown>))
      weights[field] = Number(w);
    out.text = {
      weights,
      default_language: String(doc.default_language ?? TEXT_DEFAULTS.default_language),
      language_override: String(doc.language_override ?? TEXT_DEFAULTS.language_override),
    };
  }
  return out;
}

/**
 * Desired collation matches the server's when every field the user set has the same value (the
 * server fills in the locale's defaults for the others).
 */
export function collationMatches(
  desired: Record<string, unknown> | undefined,
  actual: Record<string, unknown> | undefined,
): boolean {
  if (desired === undefined || actual === undefined) return desired === undefined && actual === undefined;
  return Object.entries(desired).every(([k, v]) => sameDocument(actual[k], v));
}

/**
 * MongoDB tells two indexes apart by key pattern, collation, partial filter, unique and sparse: two
 * indexes equal in all five cannot coexist, and one differing in any can (for the same key pattern).
 */
export function sameIdentity(desired: ComparableIndex, actual: ComparableIndex): boolean {
  return (
    sameDocument(desired.key, actual.key) &&
    collationMatches(desired.collation, actual.collation) &&
    sameDocument(desired.partialFilterExpression ?? null, actual.partialFilterExpression ?? null) &&
    desired.unique === actual.unique &&
    desired.sparse === actual.sparse
  );
}

// ---------------------------------------------------------------------------------------------
// Validation: everything MongoDB would reject, and what it would silently ignore, reported at
// preview with the rule's name and the fix.
// ---------------------------------------------------------------------------------------------

/** Database name rules (https://www.mongodb.com/docs/manual/reference/limits/#naming-restrictions). */
export function validateDatabaseName(field: string, name: unknown): Problem[] {
  if (typeof name !== "string" || name.length === 0) {
    return [
      problem(
        field,
        name,
        "[database-name] must be a non-empty string.",
        `set ${field} to the tenant's database name.`,
      ),
    ];
  }
  const out: Problem[] = [];
  const bad = DB_NAME_FORBIDDEN.filter((c) => name.includes(c));
  if (bad.length > 0) {
    out.push(
      problem(
        field,
        name,
        `[database-name] contains ${bad.map((c) => (c === "\0" ? "the null character" : JSON.stringify(c))).join(", ")}, which MongoDB does not allow in database names.`,
        `replace those characters with "_" (KATO does the same when it derives a name from a node id).`,
      ),
    );
  }
  if (utf8Length(name) > MAX_DB_NAME_BYTES) {
    out.push(
      problem(
        field,
        name,
        `[database-name] is ${utf8Length(name)} bytes; MongoDB database names must be shorter than 64 bytes.`,
        "shorten it to 63 bytes or fewer (KATO cuts long node ids and adds an 8-digit hash).",
      ),
    );
  }
  if (RESERVED_DATABASES.includes(name)) {
    out.push(
      problem(
        field,
        name,
        `[database-name] ${name} is a MongoDB system database.`,
        "declare tenant databases only; admin, local and config belong to the server.",
      ),
    );
  }
  return out;
}

/** Collection name rules (same page: no `$`, no null character, not `system.`, namespace ≤ 255 bytes). */
export function validateCollectionName(field: string, database: string, name: string): Problem[] {
  const out: Problem[] = [];
  if (name.length === 0) {
    out.push(problem(field, name, "[collection-name] is empty.", "give the collection a name."));
    return out;
  }
  if (name.includes("$") || name.includes("\0")) {
    out.push(
      problem(
        field,
        name,
        "[collection-name] contains '$' or the null character, which MongoDB does not allow in collection names.",
        "rename the collection without those characters.",
      ),
    );
  }
  if (name.startsWith("system.")) {
    out.push(
      problem(
        field,
        name,
        "[collection-name] starts with 'system.', a prefix MongoDB reserves.",
        "choose a name that does not start with system.",
      ),
    );
  }
  const ns = `${database}.${name}`;
  if (utf8Length(ns) > MAX_NAMESPACE_BYTES) {
    out.push(
      problem(
        field,
        name,
        `[namespace-length] the namespace ${database}.${name} is ${utf8Length(ns)} bytes; MongoDB allows 255.`,
        "shorten the collection or database name.",
      ),
    );
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function validatePartialFilter(field: string, filter: unknown, depth = 0): Problem[] {
  if (!isPlainObject(filter)) {
    return [
      problem(
        field,
        filter,
        "[partial-filter] must be a filter document.",
        "write it like { rating: { $gt: 5 } }.",
      ),
    ];
  }
  const out: Problem[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith("$")) {
      if (!PARTIAL_LOGICAL_OPERATORS.includes(key)) {
        out.push(
          problem(
            `${field}.${key}`,
            value,
            `[partial-filter] MongoDB does not accept ${key} at this level of a partial filter.`,
            `use equality, $exists: true, $gt/$gte/$lt/$lte, $type, $in, combined with $and/$or.`,
          ),
        );
        continue;
      }
      if (!Array.isArray(value) || value.length === 0) {
        out.push(
          problem(
            `${field}.${key}`,
            value,
            `[partial-filter] ${key} takes a non-empty list of filters.`,
            `write ${key}: [ {...}, {...} ].`,
          ),
        );
        continue;
      }
      value.forEach((sub, i) => {
        out.push(...validatePartialFilter(`${field}.${key}[${i}]`, sub, depth + 1));
      });
      continue;
    }
    if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith("$"))) {
      for (const [op, arg] of Object.entries(value)) {
        if (!PARTIAL_FIELD_OPERATORS.includes(op)) {
          out.push(
            problem(
              `${field}.${key}.${op}`,
              arg,
              `[partial-filter] operator ${op} is not supported in a partial filter.`,
              `use one of ${PARTIAL_FIELD_OPERATORS.join(", ")}.`,
            ),
          );
        } else if (op === "$exists" && arg !== true) {
          out.push(
            problem(
              `${field}.${key}.$exists`,
              arg,
              "[partial-filter] only $exists: true is supported in a partial filter.",
              "use $exists: true, or remove the condition.",
            ),
          );
        } else if (op === "$in" && !Array.isArray(arg)) {
          out.push(
            problem(`${field}.${key}.$in`, arg, "[partial-filter] $in takes a list.", "write $in: [a, b]."),
          );
        }
      }
    }
  }
  return out;
}

function validateCollation(field: string, collation: unknown, text: boolean): Problem[] {
  if (!isPlainObject(collation)) {
    return [
      problem(
        field,
        collation,
        "[collation] must be a collation document.",
        "write it like { locale: en, strength: 2 }.",
      ),
    ];
  }
  const out: Problem[] = [];
  for (const key of Object.keys(collation)) {
    if (!(COLLATION_KEYS as readonly string[]).includes(key)) {
      const near = closest(key, COLLATION_KEYS);
      out.push(
        problem(
          `${field}.${key}`,
          collation[key],
          "[collation] is not a collation field.",
          near ? `did you mean ${near}?` : `use only ${COLLATION_KEYS.join(", ")}.`,
        ),
      );
    }
  }
  if (typeof collation.locale !== "string" || collation.locale.length === 0) {
    out.push(
      problem(
        `${field}.locale`,
        collation.locale,
        "[collation] locale is required.",
        "set locale, e.g. en or simple.",
      ),
    );
  } else if (!isSupportedCollationLocale(collation.locale)) {
    const near = closest(collation.locale, COLLATION_LOCALES);
    out.push(
      problem(
        `${field}.locale`,
        collation.locale,
        "[collation-locale] is not a collation locale MongoDB supports (it refuses the index with BadValue).",
        `${near ? `did you mean ${near}? ` : ""}use an ICU locale from https://www.mongodb.com/docs/manual/reference/collation-locales-defaults/ (e.g. en, fr_CA, de@collation=phonebook) or simple.`,
      ),
    );
  }
  const enumCheck = (key: string, allowed: readonly unknown[]) => {
    if (collation[key] !== undefined && !allowed.includes(collation[key])) {
      out.push(
        problem(
          `${field}.${key}`,
          collation[key],
          `[collation] must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}.`,
          `set ${key} to one of those.`,
        ),
      );
    }
  };
  enumCheck("strength", [1, 2, 3, 4, 5]);
  enumCheck("caseFirst", ["upper", "lower", "off"]);
  enumCheck("alternate", ["non-ignorable", "shifted"]);
  enumCheck("maxVariable", ["punct", "space"]);
  for (const key of ["caseLevel", "numericOrdering", "backwards", "normalization"])
    enumCheck(key, [true, false]);
  if (text && collation.locale !== "simple") {
    out.push(
      problem(
        field,
        collation,
        "[text-collation] text indexes support only the simple collation (MongoDB refuses the index with CannotCreateIndex).",
        "remove collation from the text index, or set locale: simple.",
      ),
    );
  }
  return out;
}

/** Validates one declared index; `field` names it in messages (`collections.patterns_kb.indexes[0]`). */
export function validateIndexSpec(field: string, raw: unknown): Problem[] {
  if (!isPlainObject(raw)) {
    return [
      problem(
        field,
        raw,
        "[index] must be an object with keys and options.",
        'write it like { keys: [["name", 1]], unique: true }.',
      ),
    ];
  }
  const out: Problem[] = [];
  for (const key of Object.keys(raw)) {
    if (!(INDEX_OPTION_KEYS as readonly string[]).includes(key)) {
      const near = closest(key, INDEX_OPTION_KEYS);
      out.push(
        problem(
          `${field}.${key}`,
          raw[key],
          "[index-option] is not an index option kato-infra knows (MongoDB rejects unknown options with InvalidIndexSpecificationOption).",
          near ? `did you mean ${near}?` : `use only ${INDEX_OPTION_KEYS.join(", ")}.`,
        ),
      );
    }
  }
  const keys = raw.keys;
  const keyField = `${field}.keys`;
  if (!Array.isArray(keys) || keys.length === 0) {
    out.push(
      problem(
        keyField,
        keys,
        "[index-keys] must be a non-empty list of [field, direction] pairs.",
        'write keys: [["name", 1]] (1 ascending, -1 descending, "text").',
      ),
    );
    return out;
  }
  if (keys.length > MAX_COMPOUND_FIELDS) {
    out.push(
      problem(
        keyField,
        keys.length,
        `[index-keys] a compound index has at most ${MAX_COMPOUND_FIELDS} fields.`,
        "split it or drop fields.",
      ),
    );
  }
  const seen = new Set<string>();
  let keysOk = true;
  keys.forEach((pair, i) => {
    const f = `${keyField}[${i}]`;
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string") {
      out.push(problem(f, pair, "[index-keys] each key is a [field, direction] pair.", 'write ["name", 1].'));
      keysOk = false;
      return;
    }
    const [name, dir] = pair as [string, unknown];
    if (
      name.length === 0 ||
      name.startsWith("$") ||
      name.split(".").some((p) => p.length === 0) ||
      name.includes("\0")
    ) {
      out.push(
        problem(
          f,
          name,
          "[index-keys] a field name must be non-empty, must not start with '$' and must not have an empty path segment.",
          "name a document field such as name or metadata.tag.",
        ),
      );
      keysOk = false;
    }
    if (!(INDEX_KEY_DIRECTIONS as readonly unknown[]).includes(dir)) {
      const kinds = INDEX_KEY_DIRECTIONS.map((d) => JSON.stringify(d)).join(", ");
      out.push(
        problem(
          f,
          dir,
          `[index-keys] direction must be one of ${kinds} (other index types are not managed by kato-infra).`,
          'use 1 (ascending), -1 (descending) or "text".',
        ),
      );
      keysOk = false;
    }
    if (seen.has(name)) {
      out.push(problem(f, name, "[index-keys] a field appears twice in one index.", "list each field once."));
      keysOk = false;
    }
    seen.add(name);
  });
  if (!keysOk) return out;
  const pairs = keys as Array<[string, IndexDirection]>;
  const text = pairs.some(([, d]) => d === "text");

  if (raw.name !== undefined) {
    if (
      typeof raw.name !== "string" ||
      raw.name.length === 0 ||
      raw.name === "*" ||
      raw.name.includes("\0")
    ) {
      out.push(
        problem(
          `${field}.name`,
          raw.name,
          "[index-name] must be a non-empty name other than '*'.",
          "name the index, or remove name to use MongoDB's default.",
        ),
      );
    }
  }
  if (pairs.length === 1 && pairs[0]![0] === "_id") {
    out.push(
      problem(
        keyField,
        keys,
        "[id-index] MongoDB creates the _id_ index on every collection (unique by definition) and refuses unique, sparse, partial, TTL or hidden options on it (InvalidIndexSpecificationOption).",
        "remove this index declaration; _id is always indexed and unique.",
      ),
    );
  }
  for (const opt of ["unique", "sparse", "hidden"] as const) {
    if (raw[opt] !== undefined && typeof raw[opt] !== "boolean") {
      out.push(
        problem(
          `${field}.${opt}`,
          raw[opt],
          `[index-option] ${opt} must be true or false.`,
          `set ${opt} to true or false.`,
        ),
      );
    }
  }
  if (raw.sparse === true && raw.partialFilterExpression !== undefined) {
    out.push(
      problem(
        field,
        { sparse: true, partialFilterExpression: raw.partialFilterExpression },
        "[partial-and-sparse] MongoDB cannot mix partialFilterExpression and sparse (CannotCreateIndex).",
        "drop sparse and add { <field>: { $exists: true } } to the partial filter, which does the same and more.",
      ),
    );
  }
  if (raw.partialFilterExpression !== undefined) {
    const pf = `${field}.partialFilterExpression`;
    out.push(...validatePartialFilter(pf, raw.partialFilterExpression));
    if (isPlainObject(raw.partialFilterExpression)) {
      const depth = partialFilterDepth(raw.partialFilterExpression);
      if (depth > PARTIAL_FILTER_MAX_DEPTH) {
        out.push(
          problem(
            pf,
            raw.partialFilterExpression,
            `[partial-filter-depth] the filter is ${depth} levels deep; MongoDB refuses partial filters deeper than ${PARTIAL_FILTER_MAX_DEPTH} (CannotCreateIndex), counting each $and/$or and each document with several conditions as a level.`,
            "flatten it: merge nested $and lists into one, and put several conditions of one level in one document.",
          ),
        );
      }
    }
  }
  if (raw.expireAfterSeconds !== undefined) {
    const ttl = raw.expireAfterSeconds;
    if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) {
      out.push(
        problem(
          `${field}.expireAfterSeconds`,
          ttl,
          `[ttl-range] must be a whole number of seconds from 0 to ${MAX_TTL} (MongoDB refuses others with CannotCreateIndex).`,
          "set expireAfterSeconds to a whole number of seconds.",
        ),
      );
    }
    if (pairs.length > 1 || text) {
      out.push(
        problem(
          `${field}.expireAfterSeconds`,
          ttl,
          "[ttl-single-field] TTL indexes are single-field indexes: MongoDB refuses expireAfterSeconds on a compound or text index (CannotCreateIndex).",
          'put expireAfterSeconds on an index of the one date field alone, e.g. keys: [["created_at", 1]].',
        ),
      );
    }
  }
  if (raw.collation !== undefined) out.push(...validateCollation(`${field}.collation`, raw.collation, text));
  const textOnly = ["weights", "default_language", "language_override"] as const;
  for (const opt of textOnly) {
    if (raw[opt] !== undefined && !text) {
      out.push(
        problem(
          `${field}.${opt}`,
          raw[opt],
          `[text-option] ${opt} applies only to text indexes.`,
          `remove ${opt}, or make a field "text".`,
        ),
      );
    }
  }
  if (text) {
    const textPositions = pairs.map(([, d], i) => (d === "text" ? i : -1)).filter((i) => i >= 0);
    const first = textPositions[0]!;
    const last = textPositions[textPositions.length - 1]!;
    if (last - first + 1 !== textPositions.length) {
      out.push(
        problem(
          keyField,
          keys,
          "[text-keys] the text fields of a compound text index must be listed next to each other (kato-infra compares text indexes in that form).",
          "move the text fields together; other fields go before or after them.",
        ),
      );
    }
    if (raw.weights !== undefined) {
      if (!isPlainObject(raw.weights)) {
        out.push(
          problem(
            `${field}.weights`,
            raw.weights,
            "[text-weights] must map text fields to numbers.",
            "write weights: { events: 10 }.",
          ),
        );
      } else {
        for (const [wField, w] of Object.entries(raw.weights)) {
          if (typeof w !== "number" || !Number.isInteger(w) || w < 1 || w > 99999) {
            out.push(
              problem(
                `${field}.weights.${wField}`,
                w,
                "[text-weights] a weight is a whole number from 1 to 99999.",
                "set it from 1 to 99999.",
              ),
            );
          }
          if (!pairs.some(([k, d]) => k === wField && d === "text")) {
            out.push(
              problem(
                `${field}.weights.${wField}`,
                w,
                "[text-weights] weights a field that is not a text field of this index.",
                `add ["${wField}", "text"] to keys or remove the weight.`,
              ),
            );
          }
        }
      }
    }
    for (const opt of ["default_language", "language_override"] as const) {
      if (raw[opt] !== undefined && (typeof raw[opt] !== "string" || (raw[opt] as string).length === 0)) {
        out.push(
          problem(
            `${field}.${opt}`,
            raw[opt],
            `[text-option] ${opt} must be a non-empty string.`,
            `set ${opt} to e.g. english, or remove it.`,
          ),
        );
      }
    }
    if (
      typeof raw.default_language === "string" &&
      raw.default_language.length > 0 &&
      !isSupportedTextLanguage(raw.default_language)
    ) {
      const names = TEXT_LANGUAGES.map(([name]) => name);
      const near = closest(raw.default_language.toLowerCase(), names);
      out.push(
        problem(
          `${field}.default_language`,
          raw.default_language,
          "[text-language] is not a text search language MongoDB supports (it refuses the index with CannotCreateIndex).",
          `${near ? `did you mean ${near}? ` : ""}use one of ${names.join(", ")} (or its two-letter code).`,
        ),
      );
    }
  }
  return out;
}

/** Validates a whole database schema: names, every index, and the rules that span a collection. */
export function validateDatabaseSchema(spec: unknown, field = ""): Problem[] {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  if (!isPlainObject(spec))
    return [problem(field || "schema", spec, "must be an object.", "declare { database, collections }.")];
  const out: Problem[] = [];
  out.push(...validateDatabaseName(at("database"), spec.database));
  const database = typeof spec.database === "string" ? spec.database : "";
  const collections = spec.collections;
  if (!isPlainObject(collections)) {
    out.push(
      problem(
        at("collections"),
        collections,
        "must map collection names to { indexes }.",
        "write collections: { patterns_kb: { indexes: [...] } }.",
      ),
    );
    return out;
  }
  for (const [collection, cspec] of Object.entries(collections)) {
    const cf = at(`collections.${collection}`);
    out.push(...validateCollectionName(cf, database, collection));
    if (!isPlainObject(cspec)) {
      out.push(
        problem(
          cf,
          cspec,
          "must be { indexes: [...] }.",
          "write { indexes: [] } for a collection without indexes.",
        ),
      );
      continue;
    }
    for (const key of Object.keys(cspec)) {
      if (key !== "indexes")
        out.push(
          problem(`${cf}.${key}`, cspec[key], "is not a collection field.", "only indexes is supported."),
        );
    }
    const indexes = cspec.indexes ?? [];
    if (!Array.isArray(indexes)) {
      out.push(problem(`${cf}.indexes`, indexes, "must be a list of indexes.", "write indexes: [ {...} ]."));
      continue;
    }
    const perIndex = indexes.map((ix, i) => validateIndexSpec(`${cf}.indexes[${i}]`, ix));
    perIndex.forEach((p) => {
      out.push(...p);
    });
    if (indexes.length > MAX_INDEXES_PER_COLLECTION - 1) {
      out.push(
        problem(
          `${cf}.indexes`,
          indexes.length,
          `[index-count] MongoDB allows ${MAX_INDEXES_PER_COLLECTION} indexes per collection, _id_ included.`,
          `declare at most ${MAX_INDEXES_PER_COLLECTION - 1}.`,
        ),
      );
    }
    const valid = indexes.filter((_, i) => perIndex[i]!.length === 0) as IndexSpec[];
    const texts = valid.filter(isTextIndex);
    if (texts.length > 1) {
      out.push(
        problem(
          `${cf}.indexes`,
          texts.map(indexName),
          "[one-text-index] MongoDB allows one text index per collection (IndexOptionsConflict).",
          "merge the text fields into one text index (a text index may cover several fields, with weights).",
        ),
      );
    }
    const byName = new Map<string, number>();
    valid.forEach((ix, i) => {
      const name = indexName(ix);
      if (byName.has(name)) {
        out.push(
          problem(
            `${cf}.indexes[${i}].name`,
            name,
            `[index-name-unique] two indexes are named ${name}.`,
            "give each index its own name (two indexes on the same keys need explicit names).",
          ),
        );
      }
      byName.set(name, i);
      if (name === "_id_") {
        out.push(
          problem(
            `${cf}.indexes[${i}].name`,
            name,
            "[index-name] _id_ is the name of the built-in _id index.",
            "choose another name.",
          ),
        );
      }
    });
    const comparable = valid.map(comparableFromSpec);
    for (let i = 0; i < comparable.length; i++) {
      for (let j = i + 1; j < comparable.length; j++) {
        if (sameIdentity(comparable[i]!, comparable[j]!)) {
          out.push(
            problem(
              `${cf}.indexes`,
              [comparable[i]!.name, comparable[j]!.name],
              "[index-identity] two indexes have the same keys, collation, partial filter, unique and sparse; MongoDB keeps only one (IndexOptionsConflict).",
              "remove one, or make them differ in one of those options.",
            ),
          );
        }
      }
    }
  }
  return out;
}
