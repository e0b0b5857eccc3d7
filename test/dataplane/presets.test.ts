import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CollectionSpec,
  defaultIndexName,
  GUIDE_DROPPED,
  mergeCollections,
  planSchema,
  type SchemaPlanInput,
} from "../../components/dataplane/presets";

const base: SchemaPlanInput = { preset: "guide", nodeIds: ["alpha"], serviceName: "kato", vectorSize: 768 };

describe("guide preset", () => {
  const plan = planSchema(base);
  const [tenant] = plan.tenants;

  it("names the database node_{node_id}_kato with patterns, pattern_metadata and global_metadata", () => {
    expect(tenant!.database).toBe("node_alpha_kato");
    expect(tenant!.collections.map((c) => c.name)).toEqual([
      "patterns",
      "pattern_metadata",
      "global_metadata",
    ]);
  });

  it("declares the guide's indexes on patterns under MongoDB's default names", () => {
    const patterns = tenant!.collections.find((c) => c.name === "patterns")!;
    expect(patterns.indexes).toEqual([
      { keys: { length: 1 }, name: "length_1" },
      { keys: { length: 1, observation_count: -1 }, name: "length_1_observation_count_-1" },
      { keys: { created_at: -1 }, name: "created_at_-1" },
      { keys: { "metadata.tag": 1 }, sparse: true, name: "metadata.tag_1" },
      { keys: { events: "text" }, name: "events_text" },
      { keys: { "events.0": 1 }, name: "events.0_1" },
    ]);
  });

  it("drops the {_id: 1} unique index and the search-time ef with a warning each", () => {
    const patterns = tenant!.collections.find((c) => c.name === "patterns")!;
    expect(patterns.indexes.some((i) => "_id" in i.keys)).toBe(false);
    expect(plan.warnings).toEqual([GUIDE_DROPPED.idUniqueIndex, GUIDE_DROPPED.hnswEf]);
    expect(JSON.stringify(tenant!.qdrant)).not.toMatch(/"ef"/);
  });

  it("gives the Qdrant collection vectors_{node_id}: 768 Cosine, m=16, ef_construct=100", () => {
    expect(tenant!.qdrantCollection).toBe("vectors_alpha");
    expect(tenant!.qdrant).toEqual({
      vectors: { size: 768, distance: "Cosine" },
      hnsw: { m: 16, efConstruct: 100 },
    });
  });

  it("profiles slow operations as the guide suggests (level 1, 100 ms)", () => {
    expect(tenant!.profiling).toEqual({ level: 1, slowms: 100 });
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

  it("refuses two node ids whose databases differ only in case", () => {
    const bad = planSchema({ ...base, nodeIds: ["Alpha", "alpha"] });
    expect(bad.problems).toHaveLength(1);
    expect(bad.problems[0]!.message).toMatch(/same database or collection name as node id "Alpha"/);
  });
});

describe("kato-v3 preset", () => {
  const plan = planSchema({ ...base, preset: "kato-v3", nodeIds: ["my-app"], vectorSize: 1536 });
  const [tenant] = plan.tenants;

  it("names the database and collection with KATO's rule", () => {
    expect(tenant!.database).toBe("my_app_kato");
    expect(tenant!.qdrantCollection).toBe("vectors_my_app_kato");
  });

  it("declares the five collections and seven indexes KATO creates", () => {
    expect(tenant!.collections.map((c) => c.name)).toEqual([
      "patterns_kb",
      "symbols_kb",
      "associative_action_kb",
      "predictions_kb",
      "metadata",
    ]);
    const all = tenant!.collections.flatMap((c) =>
      c.indexes.map((i) => `${c.name}.${i.name}${i.unique ? "!" : ""}`),
    );
    expect(all).toEqual([
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
    expect(tenant!.qdrant).toEqual({
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

  it("warns about nothing", () => {
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
    expect(bad.problems[0]!.message).toMatch(/at most 63 bytes/);
    expect(bad.problems[0]!.fix).toMatch(/KATO itself could not create this tenant/);
  });
});

describe("custom collections", () => {
  it("adds indexes to a preset collection and adds new collections", () => {
    const plan = planSchema({
      ...base,
      customCollections: [
        { name: "patterns", indexes: [{ keys: { tag: 1 }, sparse: true }] },
        { name: "audit", indexes: [{ keys: { at: 1 }, expireAfterSeconds: 86400 }] },
      ],
    });
    const names = plan.tenants[0]!.collections.map((c) => c.name);
    expect(names).toEqual(["patterns", "pattern_metadata", "global_metadata", "audit"]);
    expect(plan.tenants[0]!.collections[0]!.indexes.at(-1)).toEqual({
      keys: { tag: 1 },
      sparse: true,
      name: "tag_1",
    });
    expect(plan.tenants[0]!.collections[3]!.indexes).toEqual([
      { keys: { at: 1 }, expireAfterSeconds: 86400, name: "at_1" },
    ]);
  });

  it("refuses an index that repeats a preset index's name or keys", () => {
    const plan = planSchema({
      ...base,
      preset: "kato-v3",
      customCollections: [
        { name: "symbols_kb", indexes: [{ keys: { symbol: 1 }, name: "name_1" }] },
        { name: "predictions_kb", indexes: [{ keys: { unique_id: 1, time: -1 }, name: "by_time" }] },
      ],
    });
    expect(plan.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/names two indexes the same/),
      expect.stringMatching(/declares the same keys twice/),
    ]);
  });

  it("merging keeps the preset untouched (property)", () => {
    const collection = fc.record({
      name: fc.constantFrom("patterns", "x", "y"),
      indexes: fc.array(
        fc.record({
          keys: fc.dictionary(fc.constantFrom("a", "b", "c"), fc.constantFrom(1 as const, -1 as const), {
            minKeys: 1,
          }),
        }),
      ),
    });
    fc.assert(
      fc.property(fc.array(collection), fc.array(collection), (preset, custom) => {
        const before = JSON.stringify(preset);
        const merged = mergeCollections(preset, custom);
        expect(JSON.stringify(preset)).toBe(before);
        const count = (cs: readonly CollectionSpec[]) => cs.reduce((n, c) => n + c.indexes.length, 0);
        expect(count(merged)).toBe(count(preset) + count(custom));
      }),
    );
  });
});

describe("plans for many tenants", () => {
  it("every planned tenant has valid, distinct names and the problems name the others (property)", () => {
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
          const refused = new Set(plan.problems.map((p) => p.field.replace(/ .*/, "")));
          expect(plan.tenants.length + refused.size).toBe(nodeIds.length);
        },
      ),
    );
  });

  it("plans 1000 tenants sharing one collection list", () => {
    const nodeIds = Array.from({ length: 1000 }, (_, i) => `tenant-${i}`);
    const plan = planSchema({ ...base, preset: "kato-v3", nodeIds });
    expect(plan.tenants).toHaveLength(1000);
    expect(plan.tenants[999]!.collections).toBe(plan.tenants[0]!.collections);
  });
});

describe("default index names", () => {
  it("follow MongoDB's field_direction joining", () => {
    expect(defaultIndexName({ frequency: -1, name: 1 })).toBe("frequency_-1_name_1");
    expect(defaultIndexName({ events: "text" })).toBe("events_text");
  });
});
