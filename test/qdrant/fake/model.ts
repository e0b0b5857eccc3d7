/**
 * The state and rules of a Qdrant 1.19 server's collection API, as pure functions: what a request
 * does to the state and what the server answers. The HTTP fake (server.ts) wraps it with routing,
 * API-key checks, contract validation and fault injection; property tests use it directly.
 *
 * Every rule here copies documented or observed Qdrant behaviour; BEHAVIOUR.md beside this file
 * says where each one comes from.
 */

type Json = Record<string, any>;

export interface StoredCollection {
  params: Json;
  hnsw_config: Json;
  optimizer_config: Json;
  wal_config: Json;
  quantization_config: Json | null;
  payload_schema: Record<string, { data_type: string; params?: Json }>;
}

/** One snapshot as `GET /collections/{c}/snapshots` lists it (the contract's SnapshotDescription). */
export interface SnapshotRecord {
  name: string;
  /** UTC, without a zone: `2026-01-01T02:00:00`. */
  creation_time: string;
  size: number;
  checksum: string | null;
}

/** A recovery the fake was asked for: from a location (`recover`) or an uploaded file (`upload`). */
export interface RecoveryRecord {
  collection: string;
  via: "recover" | "upload";
  /** The location recovered from, or the uploaded file's content. */
  detail: string;
  priority: string | null;
}

export interface ServerState {
  collections: Map<string, StoredCollection>;
  /** alias -> collection */
  aliases: Map<string, string>;
  /** Peers in the (fake) cluster: the default shard_number of a new collection. */
  peers: number;
  /** This peer's id: part of every snapshot name. */
  peerId: number;
  /** Snapshots on this peer, by collection. */
  snapshots: Map<string, SnapshotRecord[]>;
  recovered: RecoveryRecord[];
}

export interface ModelResult {
  status: number;
  /** The `result` of a 200 answer, or the error text of any other. */
  result?: unknown;
  error?: string;
}

/** Qdrant's config/config.yaml (the image's defaults): what GET shows for settings a create left out. */
export const SERVER_HNSW_DEFAULTS = {
  m: 16,
  ef_construct: 100,
  full_scan_threshold: 10000,
  max_indexing_threads: 0,
  on_disk: false,
};
export const SERVER_OPTIMIZER_DEFAULTS = {
  deleted_threshold: 0.2,
  vacuum_min_vector_number: 1000,
  default_segment_number: 0,
  max_segment_size: null,
  memmap_threshold: null,
  indexing_threshold: 10000,
  flush_interval_sec: 5,
  max_optimization_threads: null,
  prevent_unoptimized: null,
};
export const SERVER_WAL_DEFAULTS = { wal_capacity_mb: 32, wal_segments_ahead: 0, wal_retain_closed: 1 };

export function newServerState(peers = 1, peerId = 1): ServerState {
  return { collections: new Map(), aliases: new Map(), peers, peerId, snapshots: new Map(), recovered: [] };
}

const ok = (result: unknown): ModelResult => ({ status: 200, result });
const notFound = (name: string): ModelResult => ({
  status: 404,
  error: `Not found: Collection \`${name}\` doesn't exist!`,
});
const badRequest = (message: string): ModelResult => ({ status: 400, error: `Bad request: ${message}` });
/** `StorageError::BadInput` / `CollectionError::BadInput`: 400 "Wrong input: ..." (src/actix/helpers.rs). */
const badRequestInput = (message: string): ModelResult => ({ status: 400, error: `Wrong input: ${message}` });

const HNSW_KEYS = [
  "m",
  "ef_construct",
  "full_scan_threshold",
  "max_indexing_threads",
  "on_disk",
  "payload_m",
  "memory",
  "inline_storage",
];
const OPTIMIZER_KEYS = Object.keys(SERVER_OPTIMIZER_DEFAULTS);
const WAL_KEYS = Object.keys(SERVER_WAL_DEFAULTS);

/**
 * The members of a diff the server knows, without `null`/`undefined` ones (in Qdrant's diffs, null
 * means "leave unchanged"). Unknown members are dropped, as serde does with them.
 */
function present(diff: Json | null | undefined, known: string[]): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(diff ?? {}))
    if (known.includes(k) && v !== null && v !== undefined) out[k] = v;
  return out;
}

const INVALID_NAME_CHARS = '<>:"/\\|?*\u0000\u001f';

/** The server's path validation of collection names (create uses the strict rule). */
export function collectionNameError(name: string): string | undefined {
  const length = Array.from(name).length;
  if (length < 1 || length > 255)
    return `Validation error in path parameters: [name: length must be 1..255, got ${length}]`;
  const bad = Array.from(name).find((c) => INVALID_NAME_CHARS.includes(c));
  if (bad !== undefined)
    return `Validation error in path parameters: [name: collection name cannot contain "${bad}" char]`;
  if (name === "." || name === "..")
    return "Validation error in path parameters: [name: collection name cannot be a path segment]";
  return undefined;
}

/**
 * The collection a name means for collection operations: an alias first, then a collection of that
 * name (Qdrant 1.19 `TableOfContent::resolve_name`, lib/storage/src/content_manager/toc/mod.rs).
 */
function resolve(state: ServerState, name: string): string | undefined {
  const real = state.aliases.get(name) ?? name;
  return state.collections.has(real) ? real : undefined;
}

function storedVector(v: Json): Json {
  const out: Json = { size: v.size, distance: v.distance };
  for (const key of [
    "hnsw_config",
    "quantization_config",
    "on_disk",
    "datatype",
    "multivector_config",
    "memory",
  ]) {
    if (v[key] !== null && v[key] !== undefined) out[key] = v[key];
  }
  return out;
}

function isSingle(vectors: Json): boolean {
  return typeof vectors.size === "number";
}

function checkVectorSizes(vectors: Json): string | undefined {
  const all = isSingle(vectors) ? [vectors] : Object.values(vectors);
  for (const v of all as Json[]) {
    if (v.size > 65536)
      return `Validation error in JSON body: [vectors.size: value ${v.size} invalid, must be from 1 to 65536]`;
  }
  return undefined;
}

export function createCollection(state: ServerState, name: string, body: Json): ModelResult {
  const nameError = collectionNameError(name);
  if (nameError) return { status: 422, error: nameError };
  if (state.collections.has(name))
    return { status: 409, error: `Wrong input: Collection \`${name}\` already exists!` };
  // toc/create_collection.rs: a name taken by an alias is BadInput (400), checked after the 409.
  if (state.aliases.has(name)) {
    return badRequestInput(
      `Can't create collection with name ${name}. Alias with the same name already exists`,
    );
  }
  const vectors = body.vectors ?? {};
  const sizeError = checkVectorSizes(vectors);
  if (sizeError) return { status: 422, error: sizeError };
  const params: Json = {
    vectors: isSingle(vectors)
      ? storedVector(vectors)
      : Object.fromEntries(Object.entries(vectors).map(([n, v]) => [n, storedVector(v as Json)])),
    shard_number: body.shard_number ?? state.peers,
    replication_factor: body.replication_factor ?? 1,
    write_consistency_factor: body.write_consistency_factor ?? 1,
    on_disk_payload: body.on_disk_payload ?? true,
  };
  state.collections.set(name, {
    params,
    hnsw_config: { ...SERVER_HNSW_DEFAULTS, ...present(body.hnsw_config, HNSW_KEYS) },
    optimizer_config: { ...SERVER_OPTIMIZER_DEFAULTS, ...present(body.optimizers_config, OPTIMIZER_KEYS) },
    wal_config: { ...SERVER_WAL_DEFAULTS, ...present(body.wal_config, WAL_KEYS) },
    quantization_config: body.quantization_config ?? null,
    payload_schema: {},
  });
  return ok(true);
}

export function getCollection(state: ServerState, name: string): ModelResult {
  const real = resolve(state, name);
  if (!real) return notFound(name);
  const c = state.collections.get(real)!;
  return ok({
    status: "green",
    optimizer_status: "ok",
    indexed_vectors_count: 0,
    points_count: 0,
    segments_count: 2 * (c.params.shard_number as number),
    config: {
      params: structuredClone(c.params),
      hnsw_config: structuredClone(c.hnsw_config),
      optimizer_config: structuredClone(c.optimizer_config),
      wal_config: structuredClone(c.wal_config),
      quantization_config: structuredClone(c.quantization_config),
    },
    payload_schema: Object.fromEntries(
      Object.entries(c.payload_schema).map(([field, index]) => [
        field,
        {
          data_type: index.data_type,
          ...(index.params ? { params: structuredClone(index.params) } : {}),
          points: 0,
        },
      ]),
    ),
    update_queue: { length: 0 },
  });
}

export function collectionExists(state: ServerState, name: string): ModelResult {
  return ok({ exists: resolve(state, name) !== undefined });
}

export function listCollections(state: ServerState): ModelResult {
  return ok({ collections: [...state.collections.keys()].map((name) => ({ name })) });
}

/**
 * PATCH, in the order Qdrant 1.19 applies the parts of an `UpdateCollection`, each saved as it goes
 * (`update_collection` in lib/storage/src/content_manager/toc/collection_meta_ops.rs): optimizers,
 * params, HNSW, vectors (all names checked first: `check_vector_names`), quantization. A failing part
 * ends the request with what came before it applied.
 */
export function updateCollection(state: ServerState, name: string, body: Json): ModelResult {
  const real = resolve(state, name);
  if (!real) return notFound(name);
  const c = structuredClone(state.collections.get(real)!);
  if (body.optimizers_config) {
    const diff = present(body.optimizers_config, OPTIMIZER_KEYS);
    if (diff.max_optimization_threads === "auto") diff.max_optimization_threads = null;
    c.optimizer_config = { ...c.optimizer_config, ...diff };
  }
  if (body.params) {
    const known = [
      "replication_factor",
      "write_consistency_factor",
      "on_disk_payload",
      "read_fan_out_factor",
    ];
    Object.assign(c.params, present(body.params, known));
  }
  if (body.hnsw_config) c.hnsw_config = { ...c.hnsw_config, ...present(body.hnsw_config, HNSW_KEYS) };
  if (body.vectors) {
    const single = isSingle(c.params.vectors);
    const targetOf = (vectorName: string): Json | undefined =>
      single ? (vectorName === "" ? c.params.vectors : undefined) : c.params.vectors[vectorName];
    const missing = Object.keys(body.vectors).find((vectorName) => !targetOf(vectorName));
    if (missing !== undefined) {
      state.collections.set(real, c);
      return badRequest(`Wrong input: Not existing vector name error: ${missing}`);
    }
    for (const [vectorName, diff] of Object.entries(body.vectors as Record<string, Json>)) {
      const target = targetOf(vectorName)!;
      if (typeof diff.on_disk === "boolean") target.on_disk = diff.on_disk;
      if (diff.hnsw_config !== undefined && diff.hnsw_config !== null) {
        // lib/collection/src/config.rs `update_vectors_from_diff`: the diff is merged field by field
        // into the vector's HNSW (`HnswConfigDiff::update`, operations/config_diff.rs); nothing is
        // ever unset, so `{}` changes nothing (an empty diff is dropped before it is applied).
        const hnsw = present(diff.hnsw_config, HNSW_KEYS);
        if (Object.keys(hnsw).length > 0) target.hnsw_config = { ...(target.hnsw_config ?? {}), ...hnsw };
      }
      if (diff.quantization_config !== undefined && diff.quantization_config !== null) {
        if (diff.quantization_config === "Disabled") delete target.quantization_config;
        else target.quantization_config = diff.quantization_config;
      }
    }
  }
  if (body.quantization_config !== undefined && body.quantization_config !== null) {
    c.quantization_config = body.quantization_config === "Disabled" ? null : body.quantization_config;
  }
  state.collections.set(real, c);
  return ok(true);
}

/**
 * toc/collection_meta_ops.rs `delete_collection`: the name is not resolved through aliases. The
 * aliases pointing at a collection of that name go, then the collection; an alias name deletes
 * nothing (answer `false`).
 */
export function deleteCollection(state: ServerState, name: string): ModelResult {
  for (const [alias, target] of state.aliases) if (target === name) state.aliases.delete(alias);
  if (!state.collections.has(name)) return ok(false);
  state.collections.delete(name);
  return ok(true);
}

function updateResult(wait: boolean): ModelResult {
  return ok({ operation_id: 0, status: wait ? "completed" : "acknowledged" });
}

export function createIndex(state: ServerState, name: string, body: Json, wait: boolean): ModelResult {
  const real = resolve(state, name);
  if (!real) return notFound(name);
  const schema = body.field_schema;
  if (schema === undefined || schema === null) {
    return badRequest(
      `Wrong input: Field schema for \`${body.field_name}\` is required (no data to infer it from)`,
    );
  }
  const c = state.collections.get(real)!;
  if (typeof schema === "string") {
    c.payload_schema[body.field_name] = { data_type: schema };
  } else {
    c.payload_schema[body.field_name] = { data_type: schema.type, params: structuredClone(schema) };
  }
  return updateResult(wait);
}

export function deleteIndex(state: ServerState, name: string, field: string, wait: boolean): ModelResult {
  const real = resolve(state, name);
  if (!real) return notFound(name);
  delete state.collections.get(real)!.payload_schema[field];
  return updateResult(wait);
}

/**
 * lib/collection/src/collection/vector_name_schema.rs `add_vector_to_config`: an existing vector of
 * that name with the same schema (size, distance, multivector_config, datatype as stored) is an
 * idempotent success; a different one is 400. Adding a name to a collection with one unnamed vector
 * turns it into named vectors with the old one under `""` (`VectorsConfig::insert`,
 * operations/types.rs).
 */
export function createVector(
  state: ServerState,
  name: string,
  vector: string,
  body: Json,
  wait: boolean,
): ModelResult {
  const real = resolve(state, name);
  if (!real) return notFound(name);
  const c = state.collections.get(real)!;
  if (!body.dense) return badRequest("Wrong input: only dense vectors are supported by this fake");
  const existing: Json | undefined = isSingle(c.params.vectors)
    ? vector === ""
      ? c.params.vectors
      : undefined
    : c.params.vectors[vector];
  if (existing) {
    const dense = body.dense as Json;
    const sameSchema =
      existing.size === dense.size &&
      existing.distance === dense.distance &&
      JSON.stringify(existing.multivector_config ?? null) ===
        JSON.stringify(dense.multivector_config ?? null) &&
      (existing.datatype ?? null) === (dense.datatype ?? null);
    if (!sameSchema)
      return badRequestInput(`Vector \`${vector}\` already exists with a different configuration`);
    return updateResult(wait);
  }
  if (isSingle(c.params.vectors)) c.params.vectors = { "": c.params.vectors };
  c.params.vectors[vector] = storedVector(body.dense);
  return updateResult(wait);
}

/** vector_name_schema.rs `remove_vector_from_config`: removing a name that is not there changes nothing. */
export function deleteVector(state: ServerState, name: string, vector: string, wait: boolean): ModelResult {
  const real = resolve(state, name);
  if (!real) return notFound(name);
  const c = state.collections.get(real)!;
  if (isSingle(c.params.vectors)) {
    if (vector === "") c.params.vectors = {};
  } else {
    delete c.params.vectors[vector];
  }
  return updateResult(wait);
}

export function collectionAliases(state: ServerState, name: string): ModelResult {
  const real = resolve(state, name);
  if (!real) return notFound(name);
  const aliases = [...state.aliases.entries()]
    .filter(([, target]) => target === real)
    .map(([alias_name, collection_name]) => ({ alias_name, collection_name }));
  return ok({ aliases });
}

/**
 * toc/collection_meta_ops.rs `update_aliases` (Qdrant 1.19.0): the actions run in order under one
 * lock, each persisted as it goes (`AliasPersistence`, alias_mapping.rs); the first failure ends the
 * batch and what ran before it stays. `create_alias` needs a collection (not an alias) of that name
 * (404), an alias name that is not a collection (409), and repoints an existing alias; alias names are
 * not validated. `delete_alias` of a missing alias succeeds; `rename_alias` of one is 404.
 */
export function updateAliases(state: ServerState, body: Json): ModelResult {
  for (const action of body.actions as Json[]) {
    if (action.create_alias) {
      const { collection_name, alias_name } = action.create_alias;
      if (!state.collections.has(collection_name)) return notFound(collection_name);
      if (state.collections.has(alias_name))
        return { status: 409, error: `Wrong input: Collection \`${alias_name}\` already exists!` };
      state.aliases.set(alias_name, collection_name);
    } else if (action.delete_alias) {
      state.aliases.delete(action.delete_alias.alias_name);
    } else if (action.rename_alias) {
      const { old_alias_name, new_alias_name } = action.rename_alias;
      const target = state.aliases.get(old_alias_name);
      if (target === undefined)
        return { status: 404, error: `Not found: Alias ${old_alias_name} does not exists!` };
      state.aliases.delete(old_alias_name);
      state.aliases.set(new_alias_name, target);
    }
  }
  return ok(true);
}

// Snapshots (BEHAVIOUR.md, "Snapshots"): one peer's collection snapshots, named
// `<collection>-<peer id>-<UTC date and time>.snapshot`.

function snapshotName(state: ServerState, collection: string, date: Date): string {
  return `${collection}-${state.peerId}-${date.toISOString().slice(0, 19).replace(/[T:]/g, "-")}.snapshot`;
}

/**
 * Adds a snapshot taken `date` (tests seed old ones to exercise retention). Names have a one-second
 * resolution: a second snapshot in the same second replaces the first under the same name.
 */
export function seedSnapshot(state: ServerState, collection: string, date: Date): SnapshotRecord {
  const snap = {
    name: snapshotName(state, collection, date),
    creation_time: date.toISOString().slice(0, 19),
    size: 10,
    checksum: null,
  };
  const list = (state.snapshots.get(collection) ?? []).filter((s) => s.name !== snap.name);
  list.push(snap);
  state.snapshots.set(collection, list);
  return snap;
}

/** The file a snapshot download sends: what the uploads and recoveries of a restore carry back. */
export function snapshotContent(state: ServerState, collection: string, name: string): string {
  return `SNAPSHOT ${state.peerId} ${collection} ${name}`;
}

export function createSnapshot(state: ServerState, name: string): ModelResult {
  if (!state.collections.has(name)) return notFound(name);
  const snap = seedSnapshot(state, name, new Date());
  snap.checksum = "ab";
  return ok(snap);
}

export function listSnapshots(state: ServerState, name: string): ModelResult {
  if (!state.collections.has(name)) return notFound(name);
  return ok(state.snapshots.get(name) ?? []);
}

export function findSnapshot(state: ServerState, name: string, snapshot: string): SnapshotRecord | undefined {
  return state.snapshots.get(name)?.find((s) => s.name === snapshot);
}

export function deleteSnapshot(state: ServerState, name: string, snapshot: string): ModelResult {
  if (!state.collections.has(name)) return notFound(name);
  const list = state.snapshots.get(name) ?? [];
  const i = list.findIndex((s) => s.name === snapshot);
  if (i < 0) return { status: 404, error: `Not found: Snapshot ${snapshot} not found` };
  list.splice(i, 1);
  return ok(true);
}

/** `PUT /collections/{c}/snapshots/recover`: recorded; the collection is created if missing. */
export function recoverSnapshot(state: ServerState, name: string, body: Json): ModelResult {
  state.recovered.push({
    collection: name,
    via: "recover",
    detail: body.location,
    priority: body.priority ?? null,
  });
  return ok(true);
}

/** `POST /collections/{c}/snapshots/upload`: recorded with the uploaded file's content. */
export function uploadSnapshot(
  state: ServerState,
  name: string,
  content: string,
  priority: string | null,
): ModelResult {
  state.recovered.push({ collection: name, via: "upload", detail: content, priority });
  return ok(true);
}
