/**
 * The pure half of the `QdrantCollection` executor: Qdrant's REST shapes, what a live collection
 * looks like in the user's words, and the steps that take the live collection to the declared one.
 *
 * Rules (Qdrant 1.19, `UpdateCollection` in the REST contract):
 * - Patched in place (PATCH /collections/{name}): collection HNSW, optimizers, quantization,
 *   replication_factor, write_consistency_factor, on_disk_payload, and per vector on_disk, HNSW and
 *   quantization.
 * - Added in place: a named vector (PUT /collections/{name}/vectors/{vector}).
 * - Only by rebuilding (points are lost): vector size, distance or datatype, shard_number, switching
 *   between one unnamed vector and named vectors, and removing a key from a vector's own HNSW
 *   settings (Qdrant 1.19 merges a per-vector `hnsw_config` diff field by field, so no PATCH unsets
 *   one: lib/collection/src/config.rs `update_vectors_from_diff`). Dropping a named vector loses its
 *   data too. All are refused unless the collection allows it (`allowRecreate`); a rebuild is a
 *   replacement of the resource (`recreate`).
 * - Payload indexes: the declared set is the set (created, replaced or deleted to match).
 * - Aliases: only those this resource declared are managed; others pointing here are left alone.
 *
 * Comparison: a declared setting must equal the live one. An undeclared setting counts only where
 * Qdrant has a fixed default and the live value left it (drift); settings whose default depends on
 * the server (shard_number, payload_m, max_segment_size, memmap_threshold, max_optimization_threads)
 * count only when declared. So a server's filled-in defaults never show as changes.
 *
 * Imported by the dynamic provider, so serialized with it: no `@pulumi/*` import.
 */
import { canonicalJson } from "../shared/values";
import {
  type HnswSpec,
  isSingleVector,
  type OptimizersSpec,
  type PayloadFieldSchema,
  type PayloadIndexSpec,
  type QdrantCollectionSpec,
  type QuantizationSpec,
  type VectorSpec,
} from "./collectionSpec";

// ---------------------------------------------------------------------------------------------
// Qdrant REST shapes (the subset this package sends and reads; names as in the contract)

export interface WireHnsw {
  m?: number | null;
  ef_construct?: number | null;
  full_scan_threshold?: number | null;
  max_indexing_threads?: number | null;
  on_disk?: boolean | null;
  payload_m?: number | null;
}

export interface WireOptimizers {
  deleted_threshold?: number | null;
  vacuum_min_vector_number?: number | null;
  default_segment_number?: number | null;
  max_segment_size?: number | null;
  memmap_threshold?: number | null;
  indexing_threshold?: number | null;
  flush_interval_sec?: number | null;
  max_optimization_threads?: number | "auto" | null;
}

export type WireQuantization =
  | { scalar: { type: "int8"; quantile?: number | null; always_ram?: boolean | null } }
  | { product: { compression: string; always_ram?: boolean | null } }
  | { binary: { always_ram?: boolean | null } };

export interface WireVectorParams {
  size: number;
  distance: string;
  on_disk?: boolean | null;
  datatype?: string | null;
  hnsw_config?: WireHnsw | null;
  quantization_config?: WireQuantization | null;
  memory?: string | null;
}

export interface CreateCollectionBody {
  vectors: WireVectorParams | Record<string, WireVectorParams>;
  shard_number?: number;
  replication_factor?: number;
  write_consistency_factor?: number;
  on_disk_payload?: boolean;
  hnsw_config?: WireHnsw;
  optimizers_config?: WireOptimizers;
  quantization_config?: WireQuantization;
}

export interface WireVectorParamsDiff {
  on_disk?: boolean;
  hnsw_config?: WireHnsw;
  quantization_config?: WireQuantization | "Disabled";
}

export interface UpdateCollectionBody {
  vectors?: Record<string, WireVectorParamsDiff>;
  optimizers_config?: WireOptimizers;
  params?: { replication_factor?: number; write_consistency_factor?: number; on_disk_payload?: boolean };
  hnsw_config?: WireHnsw;
  quantization_config?: WireQuantization | "Disabled";
}

export type AliasAction =
  | { create_alias: { collection_name: string; alias_name: string } }
  | { delete_alias: { alias_name: string } };

/** The parts of GET /collections/{name} (`CollectionInfo`) the plan reads. */
export interface WireCollectionInfo {
  config: {
    params: {
      vectors?: WireVectorParams | Record<string, WireVectorParams>;
      shard_number?: number;
      replication_factor?: number;
      write_consistency_factor?: number;
      on_disk_payload?: boolean | null;
    };
    hnsw_config: WireHnsw;
    optimizer_config: WireOptimizers;
    quantization_config?: WireQuantization | null;
  };
  payload_schema: Record<
    string,
    { data_type: string; params?: Record<string, unknown> | null; points?: number }
  >;
}

// ---------------------------------------------------------------------------------------------
// Field tables: the user's name, Qdrant's name, Qdrant's fixed default (absent = depends on server)

// (`serverDefault`, not `default`: Pulumi's closure serializer takes objects with a `default` key for modules.)
type FieldRow<S> = { spec: keyof S & string; wire: string; serverDefault?: unknown };

const HNSW_FIELDS: FieldRow<HnswSpec>[] = [
  { spec: "m", wire: "m", serverDefault: 16 },
  { spec: "efConstruct", wire: "ef_construct", serverDefault: 100 },
  { spec: "fullScanThreshold", wire: "full_scan_threshold", serverDefault: 10000 },
  { spec: "maxIndexingThreads", wire: "max_indexing_threads", serverDefault: 0 },
  { spec: "onDisk", wire: "on_disk", serverDefault: false },
  { spec: "payloadM", wire: "payload_m" },
];

const OPTIMIZER_FIELDS: FieldRow<OptimizersSpec>[] = [
  { spec: "deletedThreshold", wire: "deleted_threshold", serverDefault: 0.2 },
  { spec: "vacuumMinVectorNumber", wire: "vacuum_min_vector_number", serverDefault: 1000 },
  { spec: "defaultSegmentNumber", wire: "default_segment_number", serverDefault: 0 },
  { spec: "maxSegmentSize", wire: "max_segment_size" },
  { spec: "memmapThreshold", wire: "memmap_threshold" },
  { spec: "indexingThreshold", wire: "indexing_threshold", serverDefault: 10000 },
  { spec: "flushIntervalSec", wire: "flush_interval_sec", serverDefault: 5 },
  { spec: "maxOptimizationThreads", wire: "max_optimization_threads" },
];

const PARAM_FIELDS: FieldRow<QdrantCollectionSpec>[] = [
  { spec: "replicationFactor", wire: "replication_factor", serverDefault: 1 },
  { spec: "writeConsistencyFactor", wire: "write_consistency_factor", serverDefault: 1 },
  { spec: "onDiskPayload", wire: "on_disk_payload", serverDefault: true },
];

/** Defaults Qdrant 1.19 shows for a vector that did not set them. */
const VECTOR_ON_DISK_DEFAULT = false;
const VECTOR_DATATYPE_DEFAULT = "float32";

function toWire<S>(rows: FieldRow<S>[], spec: S | undefined): Record<string, unknown> | undefined {
  if (!spec) return undefined;
  const out: Record<string, unknown> = {};
  for (const row of rows) {
    const value = (spec as Record<string, unknown>)[row.spec];
    if (value !== undefined) out[row.wire] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function fromWire<S>(rows: FieldRow<S>[], wire: Record<string, unknown> | null | undefined): S {
  const out: Record<string, unknown> = {};
  if (!wire) return out as S;
  for (const row of rows) {
    const value = wire[row.wire];
    if (value !== undefined && value !== null) out[row.spec] = value;
  }
  return out as S;
}

// ---------------------------------------------------------------------------------------------
// Values

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Quantization in Qdrant's form, with `always_ram: false` dropped (it is the default). */
export function wireQuantization(q: QuantizationSpec | undefined): WireQuantization | undefined {
  if (!q) return undefined;
  if ("scalar" in q) {
    const s = q.scalar;
    return {
      scalar: {
        type: "int8",
        ...(s.quantile !== undefined ? { quantile: s.quantile } : {}),
        ...(s.alwaysRam ? { always_ram: true } : {}),
      },
    };
  }
  if ("product" in q) {
    return {
      product: { compression: q.product.compression, ...(q.product.alwaysRam ? { always_ram: true } : {}) },
    };
  }
  return { binary: { ...(q.binary.alwaysRam ? { always_ram: true } : {}) } };
}

function quantizationFromWire(q: WireQuantization | null | undefined): QuantizationSpec | undefined {
  if (!q || typeof q !== "object") return undefined;
  if ("scalar" in q) {
    return {
      scalar: {
        type: "int8",
        ...(typeof q.scalar.quantile === "number" ? { quantile: q.scalar.quantile } : {}),
        ...(q.scalar.always_ram ? { alwaysRam: true } : {}),
      },
    };
  }
  if ("product" in q) {
    return {
      product: {
        compression: q.product.compression as "x4",
        ...(q.product.always_ram ? { alwaysRam: true } : {}),
      },
    };
  }
  if ("binary" in q) return { binary: { ...(q.binary?.always_ram ? { alwaysRam: true } : {}) } };
  return undefined;
}

function sameQuantization(a: QuantizationSpec | undefined, b: QuantizationSpec | undefined): boolean {
  return same(wireQuantization(a) ?? null, wireQuantization(b) ?? null);
}

function wireVector(v: VectorSpec): WireVectorParams {
  const hnsw = toWire(HNSW_FIELDS, v.hnsw);
  const quantization = wireQuantization(v.quantization);
  return {
    size: v.size,
    distance: v.distance,
    ...(v.onDisk !== undefined ? { on_disk: v.onDisk } : {}),
    ...(v.datatype !== undefined ? { datatype: v.datatype } : {}),
    ...(hnsw ? { hnsw_config: hnsw as WireHnsw } : {}),
    ...(quantization ? { quantization_config: quantization } : {}),
  };
}

function vectorFromWire(w: WireVectorParams): VectorSpec {
  const hnsw = fromWire<HnswSpec>(HNSW_FIELDS, w.hnsw_config as Record<string, unknown> | null);
  const quantization = quantizationFromWire(w.quantization_config);
  const onDisk = typeof w.on_disk === "boolean" ? w.on_disk : w.memory === "cold" ? true : undefined;
  return {
    size: w.size,
    distance: w.distance as VectorSpec["distance"],
    ...(onDisk !== undefined ? { onDisk } : {}),
    ...(typeof w.datatype === "string" ? { datatype: w.datatype as VectorSpec["datatype"] } : {}),
    ...(Object.keys(hnsw).length > 0 ? { hnsw } : {}),
    ...(quantization ? { quantization } : {}),
  };
}

/** The vectors as a map; the one unnamed vector is `""`, as Qdrant's update API names it. */
function vectorMap(vectors: QdrantCollectionSpec["vectors"]): Map<string, VectorSpec> {
  if (isSingleVector(vectors)) return new Map([["", vectors]]);
  return new Map(Object.entries(vectors));
}

function schemaObject(schema: PayloadFieldSchema): { type: string } & Record<string, unknown> {
  return typeof schema === "string" ? { type: schema } : schema;
}

/** A declared index matches a live one when the type matches and every declared parameter does. */
export function sameIndex(declared: PayloadFieldSchema, live: PayloadFieldSchema): boolean {
  const d = schemaObject(declared);
  const l = schemaObject(live);
  return Object.entries(d).every(([key, value]) => same(value, l[key]));
}

// ---------------------------------------------------------------------------------------------
// Desired and observed

/** PUT /collections/{name} body for a declared collection (only what was declared). */
export function createCollectionBody(spec: QdrantCollectionSpec): CreateCollectionBody {
  const vectors = isSingleVector(spec.vectors)
    ? wireVector(spec.vectors)
    : Object.fromEntries(Object.entries(spec.vectors).map(([name, v]) => [name, wireVector(v)]));
  const hnsw = toWire(HNSW_FIELDS, spec.hnsw);
  const optimizers = toWire(OPTIMIZER_FIELDS, spec.optimizers);
  const quantization = wireQuantization(spec.quantization);
  return {
    vectors,
    ...(spec.shardNumber !== undefined ? { shard_number: spec.shardNumber } : {}),
    ...(spec.replicationFactor !== undefined ? { replication_factor: spec.replicationFactor } : {}),
    ...(spec.writeConsistencyFactor !== undefined
      ? { write_consistency_factor: spec.writeConsistencyFactor }
      : {}),
    ...(spec.onDiskPayload !== undefined ? { on_disk_payload: spec.onDiskPayload } : {}),
    ...(hnsw ? { hnsw_config: hnsw as WireHnsw } : {}),
    ...(optimizers ? { optimizers_config: optimizers as WireOptimizers } : {}),
    ...(quantization ? { quantization_config: quantization } : {}),
  };
}

/** A live collection in the user's words, every setting the server reports. */
export interface ObservedCollection {
  name: string;
  vectors: QdrantCollectionSpec["vectors"];
  hnsw: HnswSpec;
  optimizers: OptimizersSpec;
  quantization?: QuantizationSpec;
  shardNumber?: number;
  replicationFactor: number;
  writeConsistencyFactor: number;
  onDiskPayload: boolean;
  payloadIndexes: PayloadIndexSpec[];
  /** Aliases pointing at this collection (when they were read). */
  aliases: string[];
}

export function observeCollection(
  name: string,
  info: WireCollectionInfo,
  aliases: string[] = [],
): ObservedCollection {
  const params = info.config.params;
  const rawVectors = params.vectors ?? {};
  const vectors =
    typeof (rawVectors as WireVectorParams).size === "number"
      ? vectorFromWire(rawVectors as WireVectorParams)
      : Object.fromEntries(
          Object.entries(rawVectors as Record<string, WireVectorParams>).map(([n, v]) => [
            n,
            vectorFromWire(v),
          ]),
        );
  const quantization = quantizationFromWire(info.config.quantization_config);
  return {
    name,
    vectors,
    hnsw: fromWire<HnswSpec>(HNSW_FIELDS, info.config.hnsw_config as Record<string, unknown>),
    optimizers: fromWire<OptimizersSpec>(
      OPTIMIZER_FIELDS,
      info.config.optimizer_config as Record<string, unknown>,
    ),
    ...(quantization ? { quantization } : {}),
    ...(typeof params.shard_number === "number" ? { shardNumber: params.shard_number } : {}),
    replicationFactor: params.replication_factor ?? 1,
    writeConsistencyFactor: params.write_consistency_factor ?? 1,
    onDiskPayload: params.on_disk_payload ?? true,
    payloadIndexes: Object.entries(info.payload_schema ?? {})
      .map(([field, index]) => ({
        field,
        schema: (index.params && Object.keys(index.params).length > 0
          ? { ...index.params, type: index.data_type }
          : index.data_type) as PayloadFieldSchema,
      }))
      .sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0)),
    aliases: [...aliases].sort(),
  };
}

/** What the plan compares against: a live collection, or the last recorded state (same shape, fields optional). */
export type ActualCollection = Partial<Omit<ObservedCollection, "name" | "vectors">> & {
  name: string;
  vectors: QdrantCollectionSpec["vectors"];
};

function rowsToCompare<S>(
  rows: FieldRow<S>[],
  desired: S | undefined,
  actual: S | undefined,
): { row: FieldRow<S>; want: unknown; have: unknown }[] {
  const out: { row: FieldRow<S>; want: unknown; have: unknown }[] = [];
  for (const row of rows) {
    const declared = (desired as Record<string, unknown> | undefined)?.[row.spec];
    if (declared === undefined && row.serverDefault === undefined) continue;
    let want = declared ?? row.serverDefault;
    let have = (actual as Record<string, unknown> | undefined)?.[row.spec] ?? row.serverDefault;
    // "auto" is how the update API says "unset" for max_optimization_threads; the server shows it as unset.
    if (want === "auto") want = undefined;
    if (have === "auto") have = undefined;
    if (!same(want, have)) out.push({ row, want: declared, have });
  }
  return out;
}

/**
 * The last recorded state as `read` reports it: the declared settings with their live values, plus
 * any undeclared setting that left its fixed default, plus the shard count (fixed at creation, so a
 * later declaration of another count is refused from state). Matches `declared` (with the shard
 * count) exactly when nothing drifted.
 */
export function summarizeObserved(
  observed: ObservedCollection,
  declared: QdrantCollectionSpec,
): QdrantCollectionSpec {
  const section = <S>(rows: FieldRow<S>[], want: S | undefined, have: S): S | undefined => {
    const out: Record<string, unknown> = {};
    for (const row of rows) {
      const d = (want as Record<string, unknown> | undefined)?.[row.spec];
      const h = (have as Record<string, unknown>)[row.spec];
      if (d !== undefined) {
        out[row.spec] = d === "auto" && h === undefined ? "auto" : h;
      } else if (row.serverDefault !== undefined && h !== undefined && !same(h, row.serverDefault)) {
        out[row.spec] = h;
      }
    }
    for (const [key, value] of Object.entries(out)) if (value === undefined) delete out[key];
    return Object.keys(out).length > 0 || want !== undefined ? (out as S) : undefined;
  };
  const declaredVectors = vectorMap(declared.vectors);
  const vectorOut = (name: string, live: VectorSpec): VectorSpec => {
    const want = declaredVectors.get(name);
    const out: VectorSpec = { size: live.size, distance: live.distance };
    const onDisk = live.onDisk ?? VECTOR_ON_DISK_DEFAULT;
    if (want?.onDisk !== undefined || onDisk !== VECTOR_ON_DISK_DEFAULT) out.onDisk = onDisk;
    const datatype = live.datatype ?? VECTOR_DATATYPE_DEFAULT;
    if (want?.datatype !== undefined || datatype !== VECTOR_DATATYPE_DEFAULT)
      out.datatype = datatype as VectorSpec["datatype"];
    if (want?.hnsw !== undefined || (live.hnsw && Object.keys(live.hnsw).length > 0))
      out.hnsw = live.hnsw ?? {};
    if (want?.quantization !== undefined && live.quantization) {
      out.quantization = sameQuantization(want.quantization, live.quantization)
        ? want.quantization
        : live.quantization;
    }
    return out;
  };
  const vectors = isSingleVector(observed.vectors)
    ? vectorOut("", observed.vectors)
    : Object.fromEntries(Object.entries(observed.vectors).map(([n, v]) => [n, vectorOut(n, v)]));

  const declaredIndexes = new Map((declared.payloadIndexes ?? []).map((i) => [i.field, i.schema]));
  const indexes = observed.payloadIndexes.map((live) => {
    const want = declaredIndexes.get(live.field);
    return {
      field: live.field,
      schema: want !== undefined && sameIndex(want, live.schema) ? want : live.schema,
    };
  });
  const order = [...declaredIndexes.keys()];
  indexes.sort((a, b) => {
    const ia = order.indexOf(a.field);
    const ib = order.indexOf(b.field);
    if (ia >= 0 && ib >= 0) return ia - ib;
    if (ia >= 0) return -1;
    if (ib >= 0) return 1;
    return a.field < b.field ? -1 : 1;
  });

  const out: QdrantCollectionSpec = { name: observed.name, vectors };
  const hnsw = section(HNSW_FIELDS, declared.hnsw, observed.hnsw);
  if (hnsw) out.hnsw = hnsw;
  const optimizers = section(OPTIMIZER_FIELDS, declared.optimizers, observed.optimizers);
  if (optimizers) out.optimizers = optimizers;
  if (observed.quantization) {
    out.quantization = sameQuantization(declared.quantization, observed.quantization)
      ? declared.quantization
      : observed.quantization;
  }
  // Always recorded: a later declaration of another shard count must be refused at preview, from state.
  if (observed.shardNumber !== undefined) out.shardNumber = observed.shardNumber;
  for (const row of PARAM_FIELDS) {
    const live = (observed as unknown as Record<string, unknown>)[row.spec];
    if (
      (declared as unknown as Record<string, unknown>)[row.spec] !== undefined ||
      !same(live, row.serverDefault)
    ) {
      (out as unknown as Record<string, unknown>)[row.spec] = live;
    }
  }
  if (declared.payloadIndexes !== undefined || indexes.length > 0) out.payloadIndexes = indexes;
  if (declared.aliases !== undefined) {
    const live = new Set(observed.aliases);
    out.aliases = declared.aliases.filter((a) => live.has(a));
  }
  if (declared.allowRecreate !== undefined) out.allowRecreate = declared.allowRecreate;
  if (declared.dropOnDelete !== undefined) out.dropOnDelete = declared.dropOnDelete;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Steps

export type CollectionStep =
  | { kind: "createCollection"; body: CreateCollectionBody }
  | { kind: "deleteCollection" }
  | { kind: "deleteVector"; vector: string }
  | {
      kind: "createVector";
      vector: string;
      body: { dense: { size: number; distance: string; datatype?: string } };
    }
  | { kind: "updateCollection"; body: UpdateCollectionBody }
  | { kind: "deleteIndex"; field: string }
  | { kind: "createIndex"; body: { field_name: string; field_schema: PayloadFieldSchema } }
  | { kind: "updateAliases"; body: { actions: AliasAction[] } };

export interface CollectionPlan {
  steps: CollectionStep[];
  /** Changes that lose points; each refuses the plan unless the collection allows recreating. */
  destructive: string[];
  /** True when `destructive` is not empty and `allowRecreate` is not set: apply nothing. */
  blocked: boolean;
  /** The collection is deleted and created again (a replacement, as a preview must show it). */
  recreate: boolean;
  /** Dotted paths of the settings that differ (what a preview shows). */
  changed: string[];
}

function createSteps(desired: QdrantCollectionSpec): CollectionStep[] {
  return [
    { kind: "createCollection", body: createCollectionBody(desired) },
    ...(desired.payloadIndexes ?? []).map(
      (i): CollectionStep => ({ kind: "createIndex", body: { field_name: i.field, field_schema: i.schema } }),
    ),
    ...aliasSteps(desired.name, desired.aliases ?? [], [], []),
  ];
}

function aliasSteps(
  collection: string,
  desired: string[],
  live: string[],
  owned: string[],
): CollectionStep[] {
  const liveSet = new Set(live);
  const want = new Set(desired);
  const actions: AliasAction[] = [];
  // Qdrant 1.19 applies a batch in order and keeps what ran before a failure (toc/collection_meta_ops.rs
  // `update_aliases`). So the new names come first, each in one action (`create_alias` repoints an alias
  // that points elsewhere), and the names no longer declared go last: whatever action fails, every
  // name that served before still resolves, and the next run reads the live aliases and finishes.
  for (const alias of desired) {
    if (!liveSet.has(alias))
      actions.push({ create_alias: { collection_name: collection, alias_name: alias } });
  }
  for (const alias of owned) {
    if (!want.has(alias) && liveSet.has(alias)) actions.push({ delete_alias: { alias_name: alias } });
  }
  return actions.length > 0 ? [{ kind: "updateAliases", body: { actions } }] : [];
}

function sameVectorSpace(a: VectorSpec, b: VectorSpec): string[] {
  const out: string[] = [];
  if (a.size !== b.size) out.push(`size ${b.size} -> ${a.size}`);
  if (a.distance !== b.distance) out.push(`distance ${b.distance} -> ${a.distance}`);
  if ((a.datatype ?? VECTOR_DATATYPE_DEFAULT) !== (b.datatype ?? VECTOR_DATATYPE_DEFAULT)) {
    out.push(`datatype ${b.datatype ?? VECTOR_DATATYPE_DEFAULT} -> ${a.datatype ?? VECTOR_DATATYPE_DEFAULT}`);
  }
  return out;
}

/** The keys of the live vector's own HNSW settings that the declaration no longer sets. */
function removedHnswKeys(want: VectorSpec, have: VectorSpec): string[] {
  const w = want.hnsw ?? {};
  return HNSW_FIELDS.filter(
    (row) =>
      (have.hnsw as Record<string, unknown> | undefined)?.[row.spec] !== undefined &&
      (w as Record<string, unknown>)[row.spec] === undefined,
  ).map((row) => `${row.spec} (${JSON.stringify((have.hnsw as Record<string, unknown>)[row.spec])})`);
}

function label(vector: string): string {
  return vector === "" ? "vectors" : `vectors.${vector}`;
}

/**
 * Steps from `actual` (a live collection, or the last recorded state; undefined = absent) to
 * `desired`. `ownedAliases` are the aliases this resource declared before (the only ones it removes).
 */
export function planCollection(
  desired: QdrantCollectionSpec,
  actual: ActualCollection | undefined,
  ownedAliases: string[] = [],
): CollectionPlan {
  if (!actual) {
    return {
      steps: createSteps(desired),
      destructive: [],
      blocked: false,
      recreate: false,
      changed: ["(new collection)"],
    };
  }
  const rebuild: string[] = [];
  const dropped: string[] = [];
  const changed: string[] = [];
  const want = vectorMap(desired.vectors);
  const have = vectorMap(actual.vectors);
  const singleWanted = isSingleVector(desired.vectors);
  const singleLive = isSingleVector(actual.vectors);
  if (singleWanted !== singleLive) {
    rebuild.push(
      singleWanted
        ? "vectors: named vectors -> one unnamed vector (Qdrant cannot convert a collection in place)"
        : "vectors: one unnamed vector -> named vectors (Qdrant cannot convert a collection in place)",
    );
  } else {
    for (const [name, w] of want) {
      const h = have.get(name);
      if (!h) continue;
      const differences = sameVectorSpace(w, h);
      if (differences.length > 0)
        rebuild.push(`${label(name)}: ${differences.join(", ")} (fixed when the collection is created)`);
      const removed = removedHnswKeys(w, h);
      if (removed.length > 0) {
        rebuild.push(
          `${label(name)}.hnsw: removing ${removed.join(", ")} (Qdrant 1.19 cannot unset a vector's own HNSW setting: an update only merges)`,
        );
      }
    }
  }
  if (
    desired.shardNumber !== undefined &&
    actual.shardNumber !== undefined &&
    desired.shardNumber !== actual.shardNumber
  ) {
    rebuild.push(
      `shardNumber: ${actual.shardNumber} -> ${desired.shardNumber} (fixed when the collection is created)`,
    );
  }

  if (rebuild.length > 0) {
    const steps: CollectionStep[] = [{ kind: "deleteCollection" }, ...createSteps(desired)];
    return {
      steps,
      destructive: rebuild.map((r) => `${r}: rebuilding the collection deletes all its points`),
      blocked: desired.allowRecreate !== true,
      recreate: true,
      changed: rebuild.map((r) => r.slice(0, r.indexOf(":"))),
    };
  }

  const steps: CollectionStep[] = [];
  if (!singleWanted) {
    for (const name of have.keys()) {
      if (!want.has(name)) {
        steps.push({ kind: "deleteVector", vector: name });
        dropped.push(`${label(name)}: dropping a named vector deletes its values from every point`);
        changed.push(label(name));
      }
    }
    for (const [name, w] of want) {
      if (have.has(name)) continue;
      steps.push({
        kind: "createVector",
        vector: name,
        body: {
          dense: { size: w.size, distance: w.distance, ...(w.datatype ? { datatype: w.datatype } : {}) },
        },
      });
      changed.push(label(name));
    }
  }

  const update: UpdateCollectionBody = {};
  const hnsw = rowsToCompare(HNSW_FIELDS, desired.hnsw, actual.hnsw);
  if (hnsw.length > 0) {
    update.hnsw_config = Object.fromEntries(hnsw.map((d) => [d.row.wire, d.want ?? d.row.serverDefault]));
    changed.push(...hnsw.map((d) => `hnsw.${d.row.spec}`));
  }
  const optimizers = rowsToCompare(OPTIMIZER_FIELDS, desired.optimizers, actual.optimizers);
  if (optimizers.length > 0) {
    update.optimizers_config = Object.fromEntries(
      optimizers.map((d) => [d.row.wire, d.want ?? d.row.serverDefault]),
    );
    changed.push(...optimizers.map((d) => `optimizers.${d.row.spec}`));
  }
  const params = rowsToCompare(PARAM_FIELDS, desired, actual as QdrantCollectionSpec);
  if (params.length > 0) {
    update.params = Object.fromEntries(params.map((d) => [d.row.wire, d.want ?? d.row.serverDefault]));
    changed.push(...params.map((d) => d.row.spec));
  }
  if (!sameQuantization(desired.quantization, actual.quantization)) {
    update.quantization_config = wireQuantization(desired.quantization) ?? "Disabled";
    changed.push("quantization");
  }
  const vectorDiffs: Record<string, WireVectorParamsDiff> = {};
  for (const [name, w] of want) {
    const h = have.get(name) ?? { size: w.size, distance: w.distance };
    const diff: WireVectorParamsDiff = {};
    if ((w.onDisk ?? VECTOR_ON_DISK_DEFAULT) !== (h.onDisk ?? VECTOR_ON_DISK_DEFAULT)) {
      diff.on_disk = w.onDisk ?? VECTOR_ON_DISK_DEFAULT;
      changed.push(`${label(name)}.onDisk`);
    }
    const wantHnsw = toWire(HNSW_FIELDS, w.hnsw) ?? {};
    const haveHnsw = toWire(HNSW_FIELDS, h.hnsw) ?? {};
    if (!same(wantHnsw, haveHnsw)) {
      // The update merges per-vector HNSW field by field (a removed key needs a rebuild, above).
      diff.hnsw_config = Object.fromEntries(
        Object.entries(wantHnsw).filter(([k, v]) => !same(v, haveHnsw[k])),
      ) as WireHnsw;
      changed.push(`${label(name)}.hnsw`);
    }
    if (w.quantization !== undefined && !sameQuantization(w.quantization, h.quantization)) {
      diff.quantization_config = wireQuantization(w.quantization)!;
      changed.push(`${label(name)}.quantization`);
    }
    if (Object.keys(diff).length > 0) vectorDiffs[name] = diff;
  }
  if (Object.keys(vectorDiffs).length > 0) update.vectors = vectorDiffs;
  if (Object.keys(update).length > 0) steps.push({ kind: "updateCollection", body: update });

  const liveIndexes = new Map((actual.payloadIndexes ?? []).map((i) => [i.field, i.schema]));
  const wantIndexes = desired.payloadIndexes ?? [];
  const wantFields = new Set(wantIndexes.map((i) => i.field));
  for (const field of liveIndexes.keys()) {
    if (!wantFields.has(field)) {
      steps.push({ kind: "deleteIndex", field });
      changed.push(`payloadIndexes.${field}`);
    }
  }
  for (const index of wantIndexes) {
    const live = liveIndexes.get(index.field);
    if (live !== undefined && sameIndex(index.schema, live)) continue;
    if (live !== undefined) steps.push({ kind: "deleteIndex", field: index.field });
    steps.push({ kind: "createIndex", body: { field_name: index.field, field_schema: index.schema } });
    changed.push(`payloadIndexes.${index.field}`);
  }

  const aliases = aliasSteps(desired.name, desired.aliases ?? [], actual.aliases ?? [], ownedAliases);
  if (aliases.length > 0) changed.push("aliases");
  steps.push(...aliases);

  return {
    steps,
    destructive: dropped,
    blocked: dropped.length > 0 && desired.allowRecreate !== true,
    recreate: false,
    changed: [...new Set(changed)],
  };
}

/** One line per refused change, for error messages at preview. */
export function refusalMessage(name: string, plan: CollectionPlan, dataLossHint?: string): string {
  const allow =
    typeof dataLossHint === "string" && dataLossHint.trim().length > 0
      ? dataLossHint.trim()
      : "set allowRecreate: true on this collection";
  const action = plan.recreate ? "to rebuild it and lose its points" : "to accept losing that data";
  return [
    `Qdrant collection ${JSON.stringify(name)}: the declared change would delete data, so it was refused:`,
    ...plan.destructive.map((d) => `  - ${d}`),
    "Fix: keep the old setting, declare a new collection under another name (and move an alias to it), " +
      `or ${allow} ${action}.`,
  ].join("\n");
}
