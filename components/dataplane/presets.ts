/**
 * Schema presets: what each tenant (`node_id`) gets in MongoDB and Qdrant. Pure: the plan is plain
 * data, turned into one `MongoDatabaseSchema` and one `QdrantCollection` per tenant by KatoDataPlane.
 *
 * - `guide`: the layout of KATO's database-management guide. Two things it shows are not accepted by
 *   any server and are left out of the preset's data (see GUIDE_DROPPED, documented in README.md).
 * - `kato-v3`: what KATO 3.0.0's code creates itself, so that KATO finds its schema already there and
 *   its own `create_index` calls are no-ops (same keys, options and default index names).
 *
 * Schema is written in the engines' terms (components/mongodb/schemaSpec, components/qdrant/collectionSpec)
 * and checked with their validators, so a preset, a tenant name or a stack's custom index is refused
 * at preview for exactly the reasons the MongoDatabaseSchema or QdrantCollection resource would.
 */
import {
  type CollectionSpec,
  type IndexSpec,
  validateCollectionName,
  validateDatabaseName,
  validateDatabaseSchema,
} from "../mongodb/schemaSpec";
import type { MongoSettings } from "../mongodb/settings";
import {
  checkCollectionSpec,
  collectionNameProblems,
  type QdrantCollectionSpec,
} from "../qdrant/collectionSpec";
import { type Problem, problem } from "../shared/problems";
import {
  guideCollectionName,
  guideDatabaseName,
  katoCollectionName,
  katoDatabaseName,
  katoSanitize,
} from "./names";

export const SCHEMA_PRESETS = ["guide", "kato-v3"] as const;
export type SchemaPreset = (typeof SCHEMA_PRESETS)[number];

/** Collections of a tenant database by name, as MongoDatabaseSchema takes them. */
export type Collections = Record<string, CollectionSpec>;

/** The Qdrant side of a tenant: a QdrantCollection's settings, without the per-tenant name and flags. */
export type QdrantCollectionSettings = Omit<QdrantCollectionSpec, "name" | "allowRecreate" | "dropOnDelete">;

export interface TenantSchema {
  nodeId: string;
  database: string;
  qdrantCollection: string;
}

export interface SchemaPlan {
  preset: SchemaPreset;
  /** KATO's SERVICE_NAME the names were made with. */
  serviceName: string;
  tenants: TenantSchema[];
  /** Every tenant database's collections and indexes (the same for all tenants). */
  collections: Collections;
  /** Every tenant's Qdrant collection settings (the same for all tenants). */
  qdrant: QdrantCollectionSettings;
  /** Things a plan had to leave out, with why (logged as warnings, once per plan); none for the presets. */
  warnings: string[];
  problems: Problem[];
}

/** A stack's extra collection: a name and its indexes, in the MongoDB engine's index form. */
export interface CustomCollection {
  name: string;
  indexes: IndexSpec[];
}

export interface SchemaPlanInput {
  preset: SchemaPreset;
  nodeIds: readonly string[];
  /** KATO's SERVICE_NAME (part of every `kato-v3` name). */
  serviceName: string;
  /** Vector size (the guide: 768; KATO takes it from the first vector it sees). */
  vectorSize: number;
  /** Extra collections and indexes for every tenant database; merged by collection name. */
  customCollections?: readonly CustomCollection[];
}

/**
 * What the guide shows that no server accepts, left out of the preset's data. Documented (README
 * "Schema presets"), not logged: a warning on every run of every guide stack would be one the stack's
 * user can do nothing about.
 */
export const GUIDE_DROPPED = {
  idUniqueIndex:
    "preset guide: dropped the index {_id: 1} unique on `patterns`: every collection already has a unique _id index, and MongoDB refuses to redefine it with the `unique` option.",
  hnswEf:
    "preset guide: dropped HNSW ef=128 from the Qdrant collection settings: `ef` is a search-time parameter, not a collection setting; pass `params.hnsw_ef: 128` in search requests instead.",
} as const;

const GUIDE_COLLECTIONS: Collections = {
  patterns: {
    indexes: [
      { keys: [["length", 1]] },
      {
        keys: [
          ["length", 1],
          ["observation_count", -1],
        ],
      },
      { keys: [["created_at", -1]] },
      { keys: [["metadata.tag", 1]], sparse: true },
      { keys: [["events", "text"]] },
      { keys: [["events.0", 1]] },
      // The guide's `{_id: 1}` unique index is left out: see GUIDE_DROPPED.idUniqueIndex.
    ],
  },
  pattern_metadata: { indexes: [] },
  global_metadata: { indexes: [] },
};

const GUIDE_QDRANT = (size: number): QdrantCollectionSettings => ({
  vectors: { size, distance: "Cosine" },
  hnsw: { m: 16, efConstruct: 100 },
});

/** KATO 3.0.0's collections and the seven indexes it creates on start (docs/kato.md). */
const KATO_V3_COLLECTIONS: Collections = {
  patterns_kb: {
    indexes: [
      { keys: [["name", 1]], unique: true },
      {
        keys: [
          ["frequency", -1],
          ["name", 1],
        ],
      },
      {
        keys: [
          ["pattern_data", 1],
          ["name", 1],
        ],
      },
    ],
  },
  symbols_kb: {
    indexes: [
      { keys: [["name", 1]], unique: true },
      {
        keys: [
          ["frequency", -1],
          ["name", 1],
        ],
      },
    ],
  },
  associative_action_kb: { indexes: [{ keys: [["symbol", 1]] }] },
  predictions_kb: {
    indexes: [
      {
        keys: [
          ["unique_id", 1],
          ["time", -1],
        ],
      },
    ],
  },
  metadata: { indexes: [] },
};

const KATO_V3_QDRANT = (size: number): QdrantCollectionSettings => ({
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

/** Merges custom collections into a preset's: same name adds indexes, a new name adds a collection. */
export function mergeCollections(preset: Collections, custom: readonly CustomCollection[]): Collections {
  const out: Collections = {};
  for (const [name, spec] of Object.entries(preset)) out[name] = { indexes: [...(spec.indexes ?? [])] };
  for (const extra of custom) {
    const existing = out[extra.name];
    if (existing) existing.indexes = [...(existing.indexes ?? []), ...extra.indexes];
    else out[extra.name] = { indexes: [...extra.indexes] };
  }
  return out;
}

/**
 * The schema of every tenant. Problems (invalid or colliding names, indexes MongoDB would refuse)
 * are returned all at once; tenants with a problem are left out of `tenants`.
 */
export function planSchema(input: SchemaPlanInput): SchemaPlan {
  const warnings: string[] = [];
  const problems: Problem[] = [];
  const guide = input.preset === "guide";

  const collections = mergeCollections(
    guide ? GUIDE_COLLECTIONS : KATO_V3_COLLECTIONS,
    input.customCollections ?? [],
  );
  // Index rules are the same for every tenant: checked once, on a stand-in database name.
  problems.push(
    ...validateDatabaseSchema({ database: "tenant", collections }).map((p) => ({
      ...p,
      field: p.field.replace(/^collections\./, "collections: "),
    })),
  );
  const qdrant = guide ? GUIDE_QDRANT(input.vectorSize) : KATO_V3_QDRANT(input.vectorSize);
  problems.push(...checkCollectionSpec({ name: "tenant", ...qdrant }, "qdrant collection"));

  const fix = guide
    ? "use node ids that make valid names (letters, digits, _ ), or choose schemaPreset kato-v3, which sanitises them as KATO does."
    : "shorten or change the node id: KATO itself could not create this tenant.";
  const tenants: TenantSchema[] = [];
  // MongoDB refuses two databases whose names differ only in case; Qdrant names are case-sensitive.
  const byDatabase = new Map<string, string>();
  const byCollection = new Map<string, string>();
  const collectionNames = Object.keys(collections);
  input.nodeIds.forEach((nodeId, i) => {
    const field = `nodeIds[${i}]`;
    if (nodeId.trim() === "") {
      // Both presets would still make names of it (node__kato, _kato): a tenant nobody can address.
      problems.push(
        problem(
          field,
          nodeId,
          "is empty: a tenant needs a KATO node id.",
          "write the tenant's KATO node id, or remove the empty entry.",
        ),
      );
      return;
    }
    const database = guide ? guideDatabaseName(nodeId) : katoDatabaseName(nodeId, input.serviceName);
    const qdrantCollection = guide
      ? guideCollectionName(nodeId)
      : katoCollectionName(nodeId, input.serviceName);
    const own: Problem[] = [
      ...validateDatabaseName(`${field} (database ${database})`, database).map((p) => ({ ...p, fix })),
      ...collectionNameProblems(`${field} (collection ${qdrantCollection})`, qdrantCollection).map((p) => ({
        ...p,
        fix,
      })),
    ];
    if (own.length === 0) {
      for (const c of collectionNames)
        own.push(...validateCollectionName(`${field} (collection ${c})`, database, c));
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
    tenants.push({ nodeId, database, qdrantCollection });
  });
  return {
    preset: input.preset,
    serviceName: input.serviceName,
    tenants,
    collections,
    qdrant,
    warnings,
    problems,
  };
}

/**
 * Server settings a preset brings along, applied under the stack's own: the guide asks for slow
 * operations to be profiled at 100 ms (`setProfilingLevel(1, {slowms: 100})`), which the MongoDB
 * engine applies to every database of every member through mongod.conf.
 */
export const PRESET_MONGO_BASE: Record<SchemaPreset, Partial<MongoSettings>> = {
  guide: { profiling: { mode: "slowOp", slowOpThresholdMs: 100 } },
  "kato-v3": {},
};

/**
 * Redis defaults each preset brings. KATO 3.0.0's client is single-node (redis.asyncio.from_url): it
 * cannot follow a Redis Cluster's MOVED redirections, so kato-v3 gets replication mode (one primary,
 * replicas, Sentinel, one endpoint). The guide keeps the cluster it describes.
 */
export const PRESET_REDIS_BASE: Record<SchemaPreset, { mode?: "cluster" | "replication" }> = {
  guide: {},
  "kato-v3": { mode: "replication" },
};

/** The collection each preset keeps KATO's patterns in (the guide's migration example works on it). */
export const PRESET_PATTERNS_COLLECTION: Record<SchemaPreset, string> = {
  guide: "patterns",
  "kato-v3": "patterns_kb",
};

/**
 * A regular expression matching every tenant database a preset names (declared or created by KATO
 * itself): the guide's `node_<id>_kato` (the guide's own migration selects these), KATO 3's
 * `<node>_<SERVICE_NAME>`.
 */
export function presetDatabasePattern(preset: SchemaPreset, serviceName: string): string {
  if (preset === "guide") return "^node_.+_kato$";
  // Sanitised, SERVICE_NAME holds only letters, digits and _: nothing to escape.
  return `^.+_${katoSanitize(serviceName)}$`;
}
