/**
 * Schema presets: what each tenant (`node_id`) gets in MongoDB and Qdrant. Pure: the plan is plain
 * data, turned into one `MongoDatabaseSchema` and one `QdrantCollection` per tenant by KatoDataPlane.
 *
 * - `guide`: the layout of KATO's database-management guide. Two things it shows are not accepted by
 *   any server and are dropped with a warning instead of being passed on (see GUIDE_DROPPED).
 * - `kato-v3`: what KATO 3.0.0's code creates itself, so that KATO finds its schema already there and
 *   its own `create_index` calls are no-ops (same keys, options and default index names).
 */
import { type Problem, problem } from "../shared/problems";
import {
  guideCollectionName,
  guideDatabaseName,
  katoCollectionName,
  katoDatabaseName,
  mongoCollectionNameProblems,
  mongoDatabaseNameProblems,
  qdrantCollectionNameProblems,
} from "./names";

export const SCHEMA_PRESETS = ["guide", "kato-v3"] as const;
export type SchemaPreset = (typeof SCHEMA_PRESETS)[number];

/** Index key direction or type, as MongoDB takes it. */
export type IndexKeyType = 1 | -1 | "text" | "hashed" | "2dsphere" | "2d";

/** One MongoDB index, in the MongoDB engine's terms (keys in order; `name` defaults to MongoDB's). */
export interface IndexSpec {
  keys: Record<string, IndexKeyType>;
  name?: string;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
  partialFilterExpression?: Record<string, unknown>;
  hidden?: boolean;
  collation?: Record<string, unknown>;
  weights?: Record<string, number>;
  defaultLanguage?: string;
}

export interface CollectionSpec {
  name: string;
  indexes: IndexSpec[];
}

export interface ProfilingSpec {
  level: 0 | 1 | 2;
  slowms: number;
}

/** The Qdrant side of a tenant, in the Qdrant engine's camelCase terms. */
export interface QdrantCollectionSpec {
  vectors: { size: number; distance: "Cosine" | "Euclid" | "Dot" | "Manhattan" };
  hnsw: { m: number; efConstruct: number; fullScanThreshold?: number };
  optimizers?: {
    deletedThreshold?: number;
    vacuumMinVectorNumber?: number;
    defaultSegmentNumber?: number;
    maxSegmentSize?: number;
    memmapThreshold?: number;
    indexingThreshold?: number;
    flushIntervalSec?: number;
  };
  onDiskPayload?: boolean;
}

export interface TenantSchema {
  nodeId: string;
  database: string;
  /** Shared by every tenant of a plan (not copied per tenant: 1000 tenants share one array). */
  collections: readonly CollectionSpec[];
  profiling?: ProfilingSpec;
  qdrantCollection: string;
  qdrant: QdrantCollectionSpec;
}

export interface SchemaPlan {
  preset: SchemaPreset;
  tenants: TenantSchema[];
  /** Things the preset asked for that were left out, with why (logged as warnings, once per plan). */
  warnings: string[];
  problems: Problem[];
}

export interface SchemaPlanInput {
  preset: SchemaPreset;
  nodeIds: readonly string[];
  /** KATO's SERVICE_NAME (part of every `kato-v3` name). */
  serviceName: string;
  /** Vector size (the guide: 768; KATO takes it from the first vector it sees). */
  vectorSize: number;
  /** Extra collections and indexes for every tenant database; merged by collection name. */
  customCollections?: readonly CollectionSpec[];
}

/**
 * What the guide shows that no server accepts. Each is dropped from the plan and reported once as a
 * warning, never passed through silently.
 */
export const GUIDE_DROPPED = {
  idUniqueIndex:
    "preset guide: dropped the index {_id: 1} unique on `patterns`: every collection already has a unique _id index, and MongoDB refuses to redefine it with the `unique` option.",
  hnswEf:
    "preset guide: dropped HNSW ef=128 from the Qdrant collection settings: `ef` is a search-time parameter, not a collection setting; pass `params.hnsw_ef: 128` in search requests instead.",
} as const;

const GUIDE_COLLECTIONS: readonly CollectionSpec[] = [
  {
    name: "patterns",
    indexes: [
      { keys: { length: 1 } },
      { keys: { length: 1, observation_count: -1 } },
      { keys: { created_at: -1 } },
      { keys: { "metadata.tag": 1 }, sparse: true },
      { keys: { events: "text" } },
      { keys: { "events.0": 1 } },
      // The guide's `{_id: 1}` unique index is left out: see GUIDE_DROPPED.idUniqueIndex.
    ],
  },
  { name: "pattern_metadata", indexes: [] },
  { name: "global_metadata", indexes: [] },
];

const GUIDE_QDRANT = (size: number): QdrantCollectionSpec => ({
  vectors: { size, distance: "Cosine" },
  hnsw: { m: 16, efConstruct: 100 },
});

/** KATO 3.0.0's collections and the seven indexes it creates on start (kato-data-model.md). */
const KATO_V3_COLLECTIONS: readonly CollectionSpec[] = [
  {
    name: "patterns_kb",
    indexes: [
      { keys: { name: 1 }, unique: true },
      { keys: { frequency: -1, name: 1 } },
      { keys: { pattern_data: 1, name: 1 } },
    ],
  },
  {
    name: "symbols_kb",
    indexes: [{ keys: { name: 1 }, unique: true }, { keys: { frequency: -1, name: 1 } }],
  },
  { name: "associative_action_kb", indexes: [{ keys: { symbol: 1 } }] },
  { name: "predictions_kb", indexes: [{ keys: { unique_id: 1, time: -1 } }] },
  { name: "metadata", indexes: [] },
];

const KATO_V3_QDRANT = (size: number): QdrantCollectionSpec => ({
  vectors: { size, distance: "Euclid" },
  hnsw: { m: 16, efConstruct: 128, fullScanThreshold: 10000 },
  optimizers: {
    deletedThreshold: 0.2,
    vacuumMinVectorNumber: 1000,
    defaultSegmentNumber: 4,
    maxSegmentSize: 500000,
    memmapThreshold: 20000,
    indexingThreshold: 10000,
    flushIntervalSec: 5,
  },
  onDiskPayload: true,
});

/** MongoDB's default index name: `a_1_b_-1`. KATO relies on it, so presets never rename indexes. */
export function defaultIndexName(keys: Record<string, IndexKeyType>): string {
  return Object.entries(keys)
    .map(([field, kind]) => `${field}_${kind}`)
    .join("_");
}

/** Adds MongoDB's default name to indexes that have none, so plans and diffs name every index. */
function named(collections: readonly CollectionSpec[]): CollectionSpec[] {
  return collections.map((c) => ({
    name: c.name,
    indexes: c.indexes.map((i) => ({ ...i, name: i.name ?? defaultIndexName(i.keys) })),
  }));
}

/** Merges custom collections into a preset's: same name adds indexes, a new name adds a collection. */
export function mergeCollections(
  preset: readonly CollectionSpec[],
  custom: readonly CollectionSpec[],
): CollectionSpec[] {
  const out = preset.map((c) => ({ name: c.name, indexes: [...c.indexes] }));
  for (const extra of custom) {
    const existing = out.find((c) => c.name === extra.name);
    if (existing) existing.indexes.push(...extra.indexes);
    else out.push({ name: extra.name, indexes: [...extra.indexes] });
  }
  return out;
}

/** Index names must be unique within a collection, and so must key patterns (MongoDB error 85/86). */
function duplicateIndexProblems(collections: readonly CollectionSpec[]): Problem[] {
  const out: Problem[] = [];
  for (const c of collections) {
    const names = new Set<string>();
    const keys = new Set<string>();
    for (const index of c.indexes) {
      const name = index.name ?? defaultIndexName(index.keys);
      const pattern = JSON.stringify(Object.entries(index.keys));
      if (names.has(name)) {
        out.push(
          problem(
            `collections.${c.name}.indexes`,
            name,
            "names two indexes the same; MongoDB refuses the second (IndexKeySpecsConflict).",
            "give the custom index its own `name`, or remove it if the preset already declares it.",
          ),
        );
      } else if (keys.has(pattern)) {
        out.push(
          problem(
            `collections.${c.name}.indexes`,
            index.keys,
            "declares the same keys twice; MongoDB refuses a second index on the same keys with another name or options (IndexOptionsConflict).",
            "remove the duplicate index.",
          ),
        );
      }
      names.add(name);
      keys.add(pattern);
    }
  }
  return out;
}

/**
 * The schema of every tenant. Problems (invalid or colliding names, duplicate indexes) are returned
 * all at once; tenants with a problem are left out of `tenants`.
 */
export function planSchema(input: SchemaPlanInput): SchemaPlan {
  const warnings: string[] = [];
  const problems: Problem[] = [];
  const guide = input.preset === "guide";
  if (guide) warnings.push(GUIDE_DROPPED.idUniqueIndex, GUIDE_DROPPED.hnswEf);

  const collections = named(
    mergeCollections(guide ? GUIDE_COLLECTIONS : KATO_V3_COLLECTIONS, input.customCollections ?? []),
  );
  problems.push(...duplicateIndexProblems(collections));
  const qdrant = guide ? GUIDE_QDRANT(input.vectorSize) : KATO_V3_QDRANT(input.vectorSize);
  const profiling: ProfilingSpec | undefined = guide ? { level: 1, slowms: 100 } : undefined;

  const fix = guide
    ? "use node ids that make valid names (letters, digits, _ ), or choose schemaPreset kato-v3, which sanitises them as KATO does."
    : "shorten or change the node id: KATO itself could not create this tenant.";
  const tenants: TenantSchema[] = [];
  // MongoDB refuses two databases whose names differ only in case; Qdrant names are case-sensitive.
  const byDatabase = new Map<string, string>();
  const byCollection = new Map<string, string>();
  input.nodeIds.forEach((nodeId, i) => {
    const field = `nodeIds[${i}]`;
    const database = guide ? guideDatabaseName(nodeId) : katoDatabaseName(nodeId, input.serviceName);
    const qdrantCollection = guide
      ? guideCollectionName(nodeId)
      : katoCollectionName(nodeId, input.serviceName);
    const own: Problem[] = [
      ...mongoDatabaseNameProblems(`${field} (database ${database})`, database, fix),
      ...qdrantCollectionNameProblems(`${field} (collection ${qdrantCollection})`, qdrantCollection, fix),
    ];
    for (const c of collections) {
      own.push(...mongoCollectionNameProblems(`${field} (collection ${c.name})`, database, c.name, fix));
    }
    const clash = byDatabase.get(database.toLowerCase()) ?? byCollection.get(qdrantCollection);
    if (clash !== undefined) {
      own.push(
        problem(
          field,
          nodeId,
          `gives the same database or collection name as node id ${JSON.stringify(clash)} (${database}; MongoDB compares database names without case).`,
          "list each tenant once, under one spelling.",
        ),
      );
    }
    if (own.length > 0) {
      problems.push(...own);
      return;
    }
    byDatabase.set(database.toLowerCase(), nodeId);
    byCollection.set(qdrantCollection, nodeId);
    tenants.push({
      nodeId,
      database,
      collections,
      ...(profiling ? { profiling } : {}),
      qdrantCollection,
      qdrant,
    });
  });
  return { preset: input.preset, tenants, warnings, problems };
}
