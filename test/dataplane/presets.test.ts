import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CustomCollection,
  mergeCollections,
  PRESET_MONGO_BASE,
  planSchema,
  type SchemaPlanInput,
} from "../../components/dataplane/presets";
import { indexName, validateDatabaseSchema } from "../../components/mongodb/schemaSpec";

const base: SchemaPlanInput = { preset: "guide", nodeIds: ["alpha"], serviceName: "kato", vectorSize: 768 };

/** `collection.indexName!` for every index (`!` marks unique), in declaration order. */
function indexList(collections: Record<string, { indexes?: any[] }>): string[] {
  return Object.entries(collections).flatMap(([c, spec]) =>
    (spec.indexes ?? []).map((i) => `${c}.${indexName(i)}${i.unique ? "!" : ""}`),
  );
}

describe("guide preset", () => {
  const plan = planSchema(base);

  it("names the database node_{node_id}_kato with patterns, pattern_metadata and global_metadata", () => {
    expect(plan.tenants[0]!.database).toBe("node_alpha_kato");
    expect(Object.keys(plan.collections)).toEqual(["patterns", "pattern_metadata", "global_metadata"]);
  });

  it("declares the guide's indexes on patterns, with the sparse one sparse", () => {
    expect(indexList(plan.collections)).toEqual([
      "patterns.length_1",
      "patterns.length_1_observation_count_-1",
      "patterns.created_at_-1",
      "patterns.metadata.tag_1",
      "patterns.events_text",
      "patterns.events.0_1",
    ]);
    expect(plan.collections.patterns!.indexes![3]!.sparse).toBe(true);
  });

  it("passes the MongoDB engine's own schema validation", () => {
    expect(validateDatabaseSchema({ database: "node_alpha_kato", collections: plan.collections })).toEqual(
      [],
    );
  });

  it("leaves out the {_id: 1} unique index and the search-time ef, without a warning on every run", () => {
    expect(JSON.stringify(plan.collections)).not.toContain('"_id"');
    expect(plan.warnings).toEqual([]);
    expect(JSON.stringify(plan.qdrant)).not.toMatch(/"ef"/);
  });

  it("would be refused by the MongoDB engine if the {_id: 1} unique index were passed on", () => {
    const withId = mergeCollections(plan.collections, [
      { name: "patterns", indexes: [{ keys: [["_id", 1]], unique: true }] },
    ]);
    const problems = validateDatabaseSchema({ database: "node_alpha_kato", collections: withId });
    expect(problems.map((p) => p.message).join(" ")).toMatch(/\[id-index\]/);
  });

  it("gives the Qdrant collection vectors_{node_id}: 768 Cosine, m=16, ef_construct=100", () => {
    expect(plan.tenants[0]!.qdrantCollection).toBe("vectors_alpha");
    expect(plan.qdrant).toEqual({
      vectors: { size: 768, distance: "Cosine" },
      hnsw: { m: 16, efConstruct: 100 },
    });
  });

  it("brings the guide's profiling (slow operations, 100 ms) as a MongoDB setting", () => {
    expect(PRESET_MONGO_BASE.guide).toEqual({ profiling: { mode: "slowOp", slowOpThresholdMs: 100 } });
    expect(PRESET_MONGO_BASE["kato-v3"]).toEqual({});
  });

  it("refuses a node id that makes an invalid database name instead of changing it", () => {
    const bad = planSchema({ ...base, nodeIds: ["good", "team.alpha", "a b"] });
    expect(bad.tenants.map((t) => t.nodeId)).toEqual(["good"]);
    expect(bad.problems.map((p) => p.field)).toEqual([
      "nodeIds[1] (database node_team.alpha_kato)",
      "nodeIds[2] (database node_a b_kato)",
    ]);
    expect(bad.problems[0]!.fix).toMatch(/kato-v3/);
  });

  it("refuses a node id whose Qdrant collection name Qdrant refuses", () => {
    const bad = planSchema({ ...base, nodeIds: ["a:b"] });
    expect(bad.problems.map((p) => p.field)).toContain("nodeIds[0] (collection vectors_a:b)");
  });

  it("refuses two node ids whose databases differ only in case", () => {
    const bad = planSchema({ ...base, nodeIds: ["Alpha", "alpha"] });
    expect(bad.problems).toHaveLength(1);
    expect(bad.problems[0]!.message).toMatch(/same database or collection name as node id "Alpha"/);
  });
});

describe("kato-v3 preset", () => {
  const plan = planSchema({ ...base, preset: "kato-v3", nodeIds: ["my-app"], vectorSize: 1536 });

  it("names the database and collection with KATO's rule", () => {
    expect(plan.tenants[0]!.database).toBe("my_app_kato");
    expect(plan.tenants[0]!.qdrantCollection).toBe("vectors_my_app_kato");
  });

  it("declares the five collections and seven indexes KATO creates, under MongoDB's default names", () => {
    expect(Object.keys(plan.collections)).toEqual([
      "patterns_kb",
      "symbols_kb",
      "associative_action_kb",
      "predictions_kb",
      "metadata",
    ]);
    expect(indexList(plan.collections)).toEqual([
      "patterns_kb.name_1!",
      "patterns_kb.frequency_-1_name_1",
      "patterns_kb.pattern_data_1_name_1",
      "symbols_kb.name_1!",
      "symbols_kb.frequency_-1_name_1",
      "associative_action_kb.symbol_1",
      "predictions_kb.unique_id_1_time_-1",
    ]);
  });

  it("uses Euclid with KATO's HNSW and optimizer settings and the configured vector size", () => {
    expect(plan.qdrant).toEqual({
      vectors: { size: 1536, distance: "Euclid" },
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
  });

  it("warns about nothing and passes the MongoDB engine's validation", () => {
    expect(plan.warnings).toEqual([]);
    expect(plan.problems).toEqual([]);
  });

  it("refuses two node ids KATO would store in one database", () => {
    const bad = planSchema({ ...base, preset: "kato-v3", nodeIds: ["a-b", "a.b"] });
    expect(bad.tenants).toHaveLength(1);
    expect(bad.problems[0]!.field).toBe("nodeIds[1]");
  });

  it("refuses a node id whose KATO name is over MongoDB's 63-byte limit", () => {
    const bad = planSchema({ ...base, preset: "kato-v3", nodeIds: ["ñandú-".repeat(12)] });
    expect(bad.problems[0]!.message).toMatch(/must be shorter than 64 bytes/);
    expect(bad.problems[0]!.fix).toMatch(/KATO itself could not create this tenant/);
  });
});

describe("custom collections", () => {
  it("adds indexes to a preset collection and adds new collections", () => {
    const plan = planSchema({
      ...base,
      customCollections: [
        { name: "patterns", indexes: [{ keys: [["tag", 1]], sparse: true }] },
        { name: "audit", indexes: [{ keys: [["at", 1]], expireAfterSeconds: 86400 }] },
      ],
    });
    expect(Object.keys(plan.collections)).toEqual([
      "patterns",
      "pattern_metadata",
      "global_metadata",
      "audit",
    ]);
    expect(plan.collections.patterns!.indexes!.at(-1)).toEqual({ keys: [["tag", 1]], sparse: true });
    expect(plan.collections.audit!.indexes).toEqual([{ keys: [["at", 1]], expireAfterSeconds: 86400 }]);
    expect(plan.problems).toEqual([]);
  });

  it("refuses what MongoDB would refuse: a second text index, a repeated name", () => {
    const plan = planSchema({
      ...base,
      customCollections: [
        { name: "patterns", indexes: [{ keys: [["summary", "text"]] }] },
        {
          name: "symbols",
          indexes: [
            { keys: [["a", 1]], name: "x" },
            { keys: [["b", 1]], name: "x" },
          ],
        },
      ],
    });
    const messages = plan.problems.map((p) => p.message);
    expect(messages).toContainEqual(expect.stringMatching(/\[one-text-index\]/));
    expect(messages).toContainEqual(expect.stringMatching(/\[index-name-unique\] two indexes are named x/));
    expect(plan.problems[0]!.field).toBe("collections: patterns.indexes");
  });

  it("merging keeps the preset untouched and adds every custom index (property)", () => {
    const collection: fc.Arbitrary<CustomCollection> = fc.record({
      name: fc.constantFrom("patterns", "x", "y"),
      indexes: fc.array(
        fc.record({
          keys: fc.array(fc.tuple(fc.constantFrom("a", "b", "c"), fc.constantFrom(1 as const, -1 as const)), {
            minLength: 1,
            maxLength: 2,
          }),
        }),
      ),
    });
    fc.assert(
      fc.property(fc.array(collection), fc.array(collection), (presetList, custom) => {
        const preset = mergeCollections({}, presetList);
        const before = JSON.stringify(preset);
        const merged = mergeCollections(preset, custom);
        expect(JSON.stringify(preset)).toBe(before);
        const count = (cs: Record<string, { indexes?: unknown[] }>) =>
          Object.values(cs).reduce((n, c) => n + (c.indexes?.length ?? 0), 0);
        expect(count(merged)).toBe(count(preset) + custom.reduce((n, c) => n + c.indexes.length, 0));
      }),
    );
  });
});

describe("plans for many tenants", () => {
  it("every planned tenant has valid, distinct names and each refused node id has a problem (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("guide" as const, "kato-v3" as const),
        fc.array(fc.string({ minLength: 1, maxLength: 80 }), { maxLength: 30 }),
        (preset, nodeIds) => {
          const plan = planSchema({ ...base, preset, nodeIds });
          const dbs = plan.tenants.map((t) => t.database.toLowerCase());
          const qs = plan.tenants.map((t) => t.qdrantCollection);
          expect(new Set(dbs).size).toBe(dbs.length);
          expect(new Set(qs).size).toBe(qs.length);
          for (const t of plan.tenants) {
            expect(validateDatabaseSchema({ database: t.database, collections: plan.collections })).toEqual(
              [],
            );
          }
          const refused = new Set(plan.problems.map((p) => p.field.replace(/ .*/, "")));
          expect(plan.tenants.length + refused.size).toBe(nodeIds.length);
        },
      ),
    );
  });

  it("plans 1000 tenants without a problem", () => {
    const nodeIds = Array.from({ length: 1000 }, (_, i) => `tenant-${i}`);
    const plan = planSchema({ ...base, preset: "kato-v3", nodeIds });
    expect(plan.tenants).toHaveLength(1000);
    expect(plan.problems).toEqual([]);
  });
});
