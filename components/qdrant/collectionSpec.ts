/**
 * The declared shape of one Qdrant collection (what a user writes), and its validation.
 *
 * Names are the user's words in camelCase (`hnsw.efConstruct`); the plan turns them into Qdrant's
 * REST fields (`hnsw_config.ef_construct`). Ranges are the minimums of Qdrant 1.19's REST contract
 * (docs/redoc/master/openapi.json) and the server's own validation rules, so a bad value fails at
 * `pulumi preview` instead of halfway through `pulumi up`.
 *
 * Imported by the dynamic provider, so serialized with it: no `@pulumi/*` import.
 */
import { checkKnownKeys, type Problem, problem } from "../shared/problems";
import { isObject } from "../shared/values";

export const DISTANCES = ["Cosine", "Euclid", "Dot", "Manhattan"] as const;
export type Distance = (typeof DISTANCES)[number];
export const VECTOR_DATATYPES = ["float32", "float16", "uint8"] as const;
export type VectorDatatype = (typeof VECTOR_DATATYPES)[number];
export const PAYLOAD_SCHEMA_TYPES = [
  "keyword",
  "integer",
  "float",
  "geo",
  "text",
  "bool",
  "datetime",
  "uuid",
] as const;
export type PayloadSchemaType = (typeof PAYLOAD_SCHEMA_TYPES)[number];
export const PQ_COMPRESSIONS = ["x4", "x8", "x16", "x32", "x64"] as const;

export interface HnswSpec {
  /** Edges per node in the graph (`m`); 0 disables the graph. Qdrant default 16. */
  m?: number;
  /** Neighbours considered while building the index (`ef_construct`), at least 4. Default 100. */
  efConstruct?: number;
  /** Size in KiB below which a filtered search scans instead of using the graph, at least 10. Default 10000. */
  fullScanThreshold?: number;
  /** Threads building the index; 0 = automatic. Default 0. */
  maxIndexingThreads?: number;
  /** Keep the graph on disk instead of RAM. Default false. */
  onDisk?: boolean;
  /** `m` of the extra payload-aware links; unset = `m`. */
  payloadM?: number;
}

export interface OptimizersSpec {
  deletedThreshold?: number;
  vacuumMinVectorNumber?: number;
  defaultSegmentNumber?: number;
  maxSegmentSize?: number;
  memmapThreshold?: number;
  indexingThreshold?: number;
  flushIntervalSec?: number;
  /** A number, or "auto" (Qdrant chooses; shown as unset). */
  maxOptimizationThreads?: number | "auto";
}

export type QuantizationSpec =
  | { scalar: { type?: "int8"; quantile?: number; alwaysRam?: boolean } }
  | { product: { compression: (typeof PQ_COMPRESSIONS)[number]; alwaysRam?: boolean } }
  | { binary: { alwaysRam?: boolean } };

export interface VectorSpec {
  size: number;
  distance: Distance;
  onDisk?: boolean;
  datatype?: VectorDatatype;
  /** Per-vector HNSW settings, over the collection's. */
  hnsw?: HnswSpec;
  /** Per-vector quantization, over the collection's. */
  quantization?: QuantizationSpec;
}

/** Qdrant's payload index schema: a type name, or its parameter object in Qdrant's own field names. */
export type PayloadFieldSchema = PayloadSchemaType | ({ type: PayloadSchemaType } & Record<string, unknown>);

export interface PayloadIndexSpec {
  field: string;
  schema: PayloadFieldSchema;
}

export interface QdrantCollectionSpec {
  name: string;
  /** One unnamed vector (`{ size, distance }`) or named vectors (`{ text: { size, distance } }`). */
  vectors: VectorSpec | Record<string, VectorSpec>;
  hnsw?: HnswSpec;
  optimizers?: OptimizersSpec;
  quantization?: QuantizationSpec;
  shardNumber?: number;
  replicationFactor?: number;
  writeConsistencyFactor?: number;
  onDiskPayload?: boolean;
  payloadIndexes?: PayloadIndexSpec[];
  aliases?: string[];
  /** Allow changes that rebuild the collection or drop a named vector (points are lost). Default false. */
  allowRecreate?: boolean;
  /** Drop the collection when the resource is deleted. Default false: the collection is kept. */
  dropOnDelete?: boolean;
}

export const SPEC_KEYS = [
  "name",
  "vectors",
  "hnsw",
  "optimizers",
  "quantization",
  "shardNumber",
  "replicationFactor",
  "writeConsistencyFactor",
  "onDiskPayload",
  "payloadIndexes",
  "aliases",
  "allowRecreate",
  "dropOnDelete",
] as const;
const HNSW_KEYS = [
  "m",
  "efConstruct",
  "fullScanThreshold",
  "maxIndexingThreads",
  "onDisk",
  "payloadM",
] as const;
const OPTIMIZER_KEYS = [
  "deletedThreshold",
  "vacuumMinVectorNumber",
  "defaultSegmentNumber",
  "maxSegmentSize",
  "memmapThreshold",
  "indexingThreshold",
  "flushIntervalSec",
  "maxOptimizationThreads",
] as const;
const VECTOR_KEYS = ["size", "distance", "onDisk", "datatype", "hnsw", "quantization"] as const;

/** Parameters each payload index type accepts (Qdrant 1.19 contract, `*IndexParams`). */
const PAYLOAD_PARAM_KEYS: Record<PayloadSchemaType, readonly string[]> = {
  keyword: ["type", "is_tenant", "on_disk", "memory", "enable_hnsw", "prefix"],
  integer: ["type", "lookup", "range", "is_principal", "on_disk", "memory", "enable_hnsw"],
  float: ["type", "is_principal", "on_disk", "memory", "enable_hnsw"],
  geo: ["type", "on_disk", "memory", "enable_hnsw"],
  text: [
    "type",
    "tokenizer",
    "min_token_len",
    "max_token_len",
    "lowercase",
    "ascii_folding",
    "phrase_matching",
    "stopwords",
    "on_disk",
    "memory",
    "stemmer",
    "enable_hnsw",
  ],
  bool: ["type", "on_disk", "memory", "enable_hnsw"],
  datetime: ["type", "is_principal", "on_disk", "memory", "enable_hnsw"],
  uuid: ["type", "is_tenant", "on_disk", "memory", "enable_hnsw"],
};

/** Qdrant 1.19: a collection name is 1-255 characters, none of these, and not `.` or `..`. */
const NAME_FORBIDDEN_CHARS = '<>:"/\\|?*\u0000\u001f';

/** The first character Qdrant forbids in a collection, alias or vector name, if any. */
export function forbiddenNameChar(name: string): string | undefined {
  return Array.from(name).find((c) => NAME_FORBIDDEN_CHARS.includes(c));
}
export const COLLECTION_NAME_MAX = 255;
/** Qdrant 1.19: a vector name is at most 200 bytes, with the same forbidden characters. */
export const VECTOR_NAME_MAX_BYTES = 200;
/** Qdrant 1.19: dense vectors have 1 to 65536 dimensions. */
export const VECTOR_SIZE_MAX = 65536;

/** Problems of a collection or alias name under Qdrant 1.19's rules. */
export function collectionNameProblems(field: string, name: unknown, what = "collection name"): Problem[] {
  const fix = `use 1 to ${COLLECTION_NAME_MAX} characters, e.g. letters, digits, '_' and '-'.`;
  if (typeof name !== "string") return [problem(field, name, `must be a string (the ${what}).`, fix)];
  const out: Problem[] = [];
  const length = Array.from(name).length;
  if (length === 0 || length > COLLECTION_NAME_MAX) {
    out.push(
      problem(
        field,
        name,
        `is ${length} characters long; a Qdrant ${what} has 1 to ${COLLECTION_NAME_MAX}.`,
        fix,
      ),
    );
  }
  const bad = forbiddenNameChar(name);
  if (bad !== undefined) {
    out.push(
      problem(
        field,
        name,
        `contains ${JSON.stringify(bad)}, which Qdrant forbids in a ${what} (< > : " / \\ | ? * NUL and the unit separator).`,
        fix,
      ),
    );
  }
  if (name === "." || name === "..") {
    out.push(problem(field, name, `is a path segment; Qdrant (since 1.19.1) refuses it as a ${what}.`, fix));
  }
  return out;
}

/** True for the one-unnamed-vector form `{ size, distance }`. */
export function isSingleVector(vectors: unknown): vectors is VectorSpec {
  return isObject(vectors) && (typeof vectors.size === "number" || typeof vectors.distance === "string");
}

function int(
  field: string,
  value: unknown,
  min: number,
  what: string,
  max = Number.MAX_SAFE_INTEGER,
): Problem[] {
  if (value === undefined) return [];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    return [
      problem(
        field,
        value,
        `must be a whole number ${range} (${what}).`,
        `set ${field} to a whole number ${range}.`,
      ),
    ];
  }
  return [];
}

function bool(field: string, value: unknown): Problem[] {
  if (value === undefined || typeof value === "boolean") return [];
  return [problem(field, value, "must be true or false.", `set ${field} to true or false, or remove it.`)];
}

function oneOf(field: string, value: unknown, allowed: readonly string[]): Problem[] {
  if (typeof value === "string" && allowed.includes(value)) return [];
  return [
    problem(
      field,
      value,
      `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}.`,
      `set ${field} to one of ${allowed.join(", ")}.`,
    ),
  ];
}

/** Keys users bring from Qdrant's own API or the KATO guide, with what they mean here. */
const HNSW_HINTS: Record<string, string> = {
  ef: "`ef` (hnsw_ef) is a search-time parameter: Qdrant takes it with each search request (`params.hnsw_ef`), not as a collection setting (the guide's `ef=128`), and would silently ignore it in a collection update. Remove it here and pass it with your searches.",
  hnsw_ef:
    "`hnsw_ef` is a search-time parameter: Qdrant takes it with each search request (`params.hnsw_ef`), not as a collection setting. Remove it here and pass it with your searches.",
};

function unknownKeys(
  field: string,
  value: Record<string, unknown>,
  allowed: readonly string[],
  hints: Record<string, string> = {},
): Problem[] {
  const out: Problem[] = [];
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const hint = hints[key];
    if (hint) {
      out.push(problem(`${field}.${key}`, value[key], "is not a collection setting.", hint));
    } else {
      out.push(...checkKnownKeys(field, { [key]: value[key] }, allowed));
    }
  }
  return out;
}

function checkHnsw(field: string, hnsw: unknown): Problem[] {
  if (hnsw === undefined) return [];
  if (!isObject(hnsw))
    return [problem(field, hnsw, "must be an object.", `write ${field} as { m, efConstruct, ... }.`)];
  return [
    ...unknownKeys(field, hnsw, HNSW_KEYS, HNSW_HINTS),
    ...int(`${field}.m`, hnsw.m, 0, "edges per node; 0 turns the graph off"),
    ...int(`${field}.efConstruct`, hnsw.efConstruct, 4, "Qdrant's minimum for ef_construct is 4"),
    ...int(
      `${field}.fullScanThreshold`,
      hnsw.fullScanThreshold,
      10,
      "KiB; Qdrant's minimum for full_scan_threshold is 10",
    ),
    ...int(`${field}.maxIndexingThreads`, hnsw.maxIndexingThreads, 0, "0 = automatic"),
    ...bool(`${field}.onDisk`, hnsw.onDisk),
    ...int(`${field}.payloadM`, hnsw.payloadM, 0, "edges of the payload-aware links"),
  ];
}

function checkOptimizers(field: string, optimizers: unknown): Problem[] {
  if (optimizers === undefined) return [];
  if (!isObject(optimizers)) {
    return [
      problem(field, optimizers, "must be an object.", `write ${field} as { indexingThreshold, ... }.`),
    ];
  }
  const o = optimizers;
  const out = [
    ...unknownKeys(field, o, OPTIMIZER_KEYS),
    ...int(`${field}.vacuumMinVectorNumber`, o.vacuumMinVectorNumber, 100, "Qdrant's minimum is 100"),
    ...int(`${field}.defaultSegmentNumber`, o.defaultSegmentNumber, 0, "0 = by CPU count"),
    ...int(`${field}.maxSegmentSize`, o.maxSegmentSize, 1, "KiB per segment"),
    ...int(`${field}.memmapThreshold`, o.memmapThreshold, 0, "KiB; deprecated since Qdrant 1.15"),
    ...int(`${field}.indexingThreshold`, o.indexingThreshold, 0, "KiB; 0 turns indexing off"),
    ...int(`${field}.flushIntervalSec`, o.flushIntervalSec, 0, "seconds"),
  ];
  const d = o.deletedThreshold;
  if (d !== undefined && (typeof d !== "number" || !Number.isFinite(d) || d < 0 || d > 1)) {
    out.push(
      problem(
        `${field}.deletedThreshold`,
        d,
        "must be a fraction from 0 to 1.",
        `set ${field}.deletedThreshold to e.g. 0.2.`,
      ),
    );
  }
  if (o.maxOptimizationThreads !== "auto") {
    out.push(
      ...int(
        `${field}.maxOptimizationThreads`,
        o.maxOptimizationThreads,
        0,
        `or "auto"; 0 turns optimizations off`,
      ),
    );
  }
  return out;
}

function checkQuantization(field: string, q: unknown): Problem[] {
  if (q === undefined) return [];
  const fix = `write ${field} as { scalar: { quantile: 0.99 } }, { product: { compression: "x16" } } or { binary: {} }.`;
  if (!isObject(q)) return [problem(field, q, "must be an object.", fix)];
  const kinds = Object.keys(q);
  if (kinds.length !== 1 || !["scalar", "product", "binary"].includes(kinds[0]!)) {
    return [problem(field, q, "must have exactly one of scalar, product or binary.", fix)];
  }
  const kind = kinds[0]!;
  const body = q[kind];
  if (!isObject(body)) return [problem(`${field}.${kind}`, body, "must be an object.", fix)];
  if (kind === "scalar") {
    const out = [
      ...unknownKeys(`${field}.scalar`, body, ["type", "quantile", "alwaysRam"]),
      ...bool(`${field}.scalar.alwaysRam`, body.alwaysRam),
    ];
    if (body.type !== undefined) out.push(...oneOf(`${field}.scalar.type`, body.type, ["int8"]));
    const quantile = body.quantile;
    if (quantile !== undefined && (typeof quantile !== "number" || !(quantile >= 0.5 && quantile <= 1))) {
      out.push(
        problem(
          `${field}.scalar.quantile`,
          quantile,
          "must be from 0.5 to 1 (Qdrant's range).",
          `set ${field}.scalar.quantile to e.g. 0.99.`,
        ),
      );
    }
    return out;
  }
  if (kind === "product") {
    return [
      ...unknownKeys(`${field}.product`, body, ["compression", "alwaysRam"]),
      ...oneOf(`${field}.product.compression`, body.compression, PQ_COMPRESSIONS),
      ...bool(`${field}.product.alwaysRam`, body.alwaysRam),
    ];
  }
  return [
    ...unknownKeys(`${field}.binary`, body, ["alwaysRam"]),
    ...bool(`${field}.binary.alwaysRam`, body.alwaysRam),
  ];
}

function checkVector(field: string, v: unknown): Problem[] {
  if (!isObject(v)) {
    return [problem(field, v, "must be an object.", `write ${field} as { size: 768, distance: "Cosine" }.`)];
  }
  const out = [...unknownKeys(field, v, VECTOR_KEYS)];
  if (v.size === undefined) {
    out.push(
      problem(
        `${field}.size`,
        v.size,
        "is required.",
        `set ${field}.size to the embedding's dimension, e.g. 768.`,
      ),
    );
  } else {
    out.push(...int(`${field}.size`, v.size, 1, "dimensions", VECTOR_SIZE_MAX));
  }
  out.push(...oneOf(`${field}.distance`, v.distance, DISTANCES));
  out.push(...bool(`${field}.onDisk`, v.onDisk));
  if (v.datatype !== undefined) out.push(...oneOf(`${field}.datatype`, v.datatype, VECTOR_DATATYPES));
  out.push(...checkHnsw(`${field}.hnsw`, v.hnsw));
  out.push(...checkQuantization(`${field}.quantization`, v.quantization));
  return out;
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

function checkVectors(field: string, vectors: unknown): Problem[] {
  if (vectors === undefined) {
    return [
      problem(
        field,
        vectors,
        "is required.",
        `set ${field} to { size: 768, distance: "Cosine" } or named vectors.`,
      ),
    ];
  }
  if (isSingleVector(vectors)) return checkVector(field, vectors);
  if (!isObject(vectors) || Object.keys(vectors).length === 0) {
    return [
      problem(
        field,
        vectors,
        "must be one vector { size, distance } or a map of named vectors.",
        `set ${field} to { size: 768, distance: "Cosine" } or { text: { size: 768, distance: "Cosine" } }.`,
      ),
    ];
  }
  const out: Problem[] = [];
  for (const [name, v] of Object.entries(vectors)) {
    if (name === "" || utf8Length(name) > VECTOR_NAME_MAX_BYTES || forbiddenNameChar(name) !== undefined) {
      out.push(
        problem(
          `${field}.${name}`,
          name,
          `is not a valid vector name (1 to ${VECTOR_NAME_MAX_BYTES} bytes, none of < > : " / \\ | ? * NUL).`,
          "rename the vector with letters, digits, '_' or '-'.",
        ),
      );
    }
    out.push(...checkVector(`${field}.${name}`, v));
  }
  return out;
}

function checkPayloadIndexes(field: string, indexes: unknown): Problem[] {
  if (indexes === undefined) return [];
  if (!Array.isArray(indexes)) {
    return [
      problem(field, indexes, "must be a list.", `write ${field} as [{ field: "name", schema: "keyword" }].`),
    ];
  }
  const out: Problem[] = [];
  const seen = new Set<string>();
  indexes.forEach((index, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(index)) {
      out.push(
        problem(at, index, "must be an object.", `write ${at} as { field: "name", schema: "keyword" }.`),
      );
      return;
    }
    out.push(...checkKnownKeys(at, index, ["field", "schema"]));
    if (typeof index.field !== "string" || index.field.length === 0) {
      out.push(
        problem(
          `${at}.field`,
          index.field,
          "must be a payload key (non-empty string).",
          `set ${at}.field to the payload key to index.`,
        ),
      );
    } else if (seen.has(index.field)) {
      out.push(
        problem(
          `${at}.field`,
          index.field,
          "is indexed twice; Qdrant keeps one index per field.",
          `remove one of the entries for ${JSON.stringify(index.field)}.`,
        ),
      );
    } else {
      seen.add(index.field);
    }
    const schema = index.schema;
    if (typeof schema === "string") {
      out.push(...oneOf(`${at}.schema`, schema, PAYLOAD_SCHEMA_TYPES));
    } else if (isObject(schema)) {
      const typeProblems = oneOf(`${at}.schema.type`, schema.type, PAYLOAD_SCHEMA_TYPES);
      out.push(...typeProblems);
      if (typeProblems.length === 0) {
        out.push(
          ...checkKnownKeys(`${at}.schema`, schema, PAYLOAD_PARAM_KEYS[schema.type as PayloadSchemaType]),
        );
      }
    } else {
      out.push(
        problem(
          `${at}.schema`,
          schema,
          "must be a type name or a parameter object.",
          `set ${at}.schema to e.g. "keyword" or { type: "keyword", is_tenant: true }.`,
        ),
      );
    }
  });
  return out;
}

/**
 * Every problem of a declared collection, each naming `${field}.<setting>`, the value, the rule and
 * the fix. `field` is how messages name the collection, e.g. `qdrant collection "vectors_x"`.
 */
export function checkCollectionSpec(spec: unknown, field = "collection"): Problem[] {
  if (!isObject(spec))
    return [problem(field, spec, "must be an object.", `declare ${field} as { name, vectors, ... }.`)];
  const out: Problem[] = [
    ...unknownKeys(field, spec, SPEC_KEYS, {
      hnsw_config: "use `hnsw` (camelCase fields).",
      ef: HNSW_HINTS.ef!,
    }),
  ];
  out.push(...collectionNameProblems(`${field}.name`, spec.name));
  out.push(...checkVectors(`${field}.vectors`, spec.vectors));
  out.push(...checkHnsw(`${field}.hnsw`, spec.hnsw));
  out.push(...checkOptimizers(`${field}.optimizers`, spec.optimizers));
  out.push(...checkQuantization(`${field}.quantization`, spec.quantization));
  out.push(...int(`${field}.shardNumber`, spec.shardNumber, 1, "shards"));
  out.push(...int(`${field}.replicationFactor`, spec.replicationFactor, 1, "copies of each shard"));
  out.push(
    ...int(
      `${field}.writeConsistencyFactor`,
      spec.writeConsistencyFactor,
      1,
      "replicas that must confirm a write",
    ),
  );
  const replication = typeof spec.replicationFactor === "number" ? spec.replicationFactor : 1;
  if (typeof spec.writeConsistencyFactor === "number" && spec.writeConsistencyFactor > replication) {
    out.push(
      problem(
        `${field}.writeConsistencyFactor`,
        spec.writeConsistencyFactor,
        `is above replicationFactor (${replication}): every write would wait for replicas that do not exist and fail.`,
        `set ${field}.writeConsistencyFactor to at most ${replication}, or raise ${field}.replicationFactor.`,
      ),
    );
  }
  out.push(...bool(`${field}.onDiskPayload`, spec.onDiskPayload));
  out.push(...checkPayloadIndexes(`${field}.payloadIndexes`, spec.payloadIndexes));
  if (spec.aliases !== undefined) {
    if (!Array.isArray(spec.aliases)) {
      out.push(
        problem(
          `${field}.aliases`,
          spec.aliases,
          "must be a list of names.",
          `write ${field}.aliases as ["name"].`,
        ),
      );
    } else {
      const seen = new Set<unknown>();
      spec.aliases.forEach((alias, i) => {
        out.push(...collectionNameProblems(`${field}.aliases[${i}]`, alias, "alias name"));
        if (alias === spec.name) {
          out.push(
            problem(
              `${field}.aliases[${i}]`,
              alias,
              "is the collection's own name.",
              "remove it: a collection is always reachable by its name.",
            ),
          );
        }
        if (seen.has(alias))
          out.push(problem(`${field}.aliases[${i}]`, alias, "is listed twice.", "remove the duplicate."));
        seen.add(alias);
      });
    }
  }
  out.push(...bool(`${field}.allowRecreate`, spec.allowRecreate));
  out.push(...bool(`${field}.dropOnDelete`, spec.dropOnDelete));
  return out;
}
