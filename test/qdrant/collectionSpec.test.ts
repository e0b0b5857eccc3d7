import { describe, expect, it } from "vitest";
import { checkCollectionSpec, collectionNameProblems } from "../../components/qdrant/collectionSpec";

const base = { name: "vectors_node_kato", vectors: { size: 768, distance: "Cosine" } };
const fields = (spec: unknown) => checkCollectionSpec(spec, "c").map((p) => p.field);

describe("collection validation", () => {
  it("accepts KATO's collection as its code declares it", () => {
    expect(
      checkCollectionSpec({
        name: "vectors_node_kato",
        vectors: { size: 768, distance: "Euclid" },
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
        quantization: { scalar: { type: "int8", quantile: 0.99, alwaysRam: true } },
      }),
    ).toEqual([]);
  });

  it("explains that the guide's search-time ef is not a collection setting", () => {
    const [p] = checkCollectionSpec({ ...base, hnsw: { m: 16, efConstruct: 100, ef: 128 } }, "c");
    expect(p!.field).toBe("c.hnsw.ef");
    expect(p!.message).toMatch(/not a collection setting/);
    expect(p!.fix).toMatch(/search-time/);
    expect(p!.fix).toMatch(/hnsw_ef/);
  });

  it("holds HNSW and optimizer values to the contract's minimums", () => {
    expect(fields({ ...base, hnsw: { efConstruct: 3, fullScanThreshold: 9, m: -1 } })).toEqual([
      "c.hnsw.m",
      "c.hnsw.efConstruct",
      "c.hnsw.fullScanThreshold",
    ]);
    const problems = checkCollectionSpec(
      { ...base, optimizers: { vacuumMinVectorNumber: 99, deletedThreshold: 1.5 } },
      "c",
    );
    expect(problems.map((p) => p.field)).toEqual([
      "c.optimizers.vacuumMinVectorNumber",
      "c.optimizers.deletedThreshold",
    ]);
    expect(problems[0]!.message).toMatch(/at least 100/);
  });

  it("suggests the camelCase name for Qdrant's snake_case keys", () => {
    const [p] = checkCollectionSpec({ ...base, hnsw: { ef_construct: 100 } }, "c");
    expect(p!.fix).toMatch(/did you mean c.hnsw.efConstruct/);
  });

  it("checks vectors: size 1..65536, known distance, named vector names", () => {
    expect(fields({ ...base, vectors: { size: 0, distance: "Cosine" } })).toEqual(["c.vectors.size"]);
    expect(fields({ ...base, vectors: { size: 70000, distance: "L2" } })).toEqual([
      "c.vectors.size",
      "c.vectors.distance",
    ]);
    expect(fields({ ...base, vectors: { "a/b": { size: 4, distance: "Dot" } } })).toEqual(["c.vectors.a/b"]);
    expect(fields({ ...base, vectors: {} })).toEqual(["c.vectors"]);
    expect(fields({ name: "x" })).toEqual(["c.vectors"]);
  });

  it("refuses a write consistency factor above the replication factor", () => {
    const problems = checkCollectionSpec({ ...base, replicationFactor: 2, writeConsistencyFactor: 3 }, "c");
    expect(problems.map((p) => p.field)).toEqual(["c.writeConsistencyFactor"]);
    expect(problems[0]!.message).toMatch(/above replicationFactor/);
  });

  it("checks payload indexes: known types, parameters of that type, one index per field", () => {
    expect(
      fields({
        ...base,
        payloadIndexes: [
          { field: "tenant", schema: { type: "keyword", is_tenant: true } },
          { field: "n", schema: "number" },
          { field: "tenant", schema: "keyword" },
          { field: "t", schema: { type: "integer", tokenizer: "word" } },
        ],
      }),
    ).toEqual([
      "c.payloadIndexes[1].schema",
      "c.payloadIndexes[2].field",
      "c.payloadIndexes[3].schema.tokenizer",
    ]);
  });

  it("checks aliases: valid names, not the collection's own, no duplicates", () => {
    expect(fields({ ...base, aliases: ["live", "live", "vectors_node_kato", "a:b"] })).toEqual([
      "c.aliases[1]",
      "c.aliases[2]",
      "c.aliases[3]",
    ]);
  });

  it("checks quantization has exactly one kind with Qdrant's ranges", () => {
    expect(fields({ ...base, quantization: { scalar: { quantile: 0.3 } } })).toEqual([
      "c.quantization.scalar.quantile",
    ]);
    expect(fields({ ...base, quantization: { product: { compression: "x3" } } })).toEqual([
      "c.quantization.product.compression",
    ]);
    expect(fields({ ...base, quantization: { scalar: {}, binary: {} } })).toEqual(["c.quantization"]);
  });
});

describe("collection names", () => {
  it.each([
    ["vectors_node_kato", 0],
    ["with space and ünïcödé", 0],
    ["", 1],
    ["a".repeat(256), 1],
    ["a/b", 1],
    ["a:b", 1],
    ["..", 1],
    ["nul\u0000", 1],
  ])("%j has %i problem(s)", (name, count) => {
    expect(collectionNameProblems("name", name)).toHaveLength(count);
  });
});
