import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ActualCollection,
  type CollectionStep,
  createCollectionBody,
  observeCollection,
  planCollection,
  refusalMessage,
  summarizeObserved,
  type WireCollectionInfo,
} from "../../components/qdrant/collectionPlan";
import type { QdrantCollectionSpec } from "../../components/qdrant/collectionSpec";
import { canonicalJson } from "../../components/shared/values";
import * as model from "./fake/model";

const NAME = "vectors_node_kato";

/** Applies steps with the fake server's rules; every step must succeed. */
function apply(state: model.ServerState, steps: CollectionStep[]): void {
  for (const step of steps) {
    let r: model.ModelResult;
    switch (step.kind) {
      case "createCollection":
        r = model.createCollection(state, NAME, step.body);
        break;
      case "deleteCollection":
        r = model.deleteCollection(state, NAME);
        break;
      case "updateCollection":
        r = model.updateCollection(state, NAME, step.body);
        break;
      case "createVector":
        r = model.createVector(state, NAME, step.vector, step.body, true);
        break;
      case "deleteVector":
        r = model.deleteVector(state, NAME, step.vector, true);
        break;
      case "createIndex":
        r = model.createIndex(state, NAME, step.body, true);
        break;
      case "deleteIndex":
        r = model.deleteIndex(state, NAME, step.field, true);
        break;
      case "updateAliases":
        r = model.updateAliases(state, step.body);
        break;
    }
    expect(r, `${step.kind} ${JSON.stringify(step)}`).toMatchObject({ status: 200 });
  }
}

function live(state: model.ServerState) {
  const info = model.getCollection(state, NAME);
  if (info.status !== 200) return undefined;
  const aliases = (model.collectionAliases(state, NAME).result as { aliases: { alias_name: string }[] })
    .aliases;
  return observeCollection(
    NAME,
    info.result as WireCollectionInfo,
    aliases.map((a) => a.alias_name),
  );
}

// --- arbitraries: valid declared collections -----------------------------------------------

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const clean = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const hnswArb = fc
  .record({
    m: opt(fc.integer({ min: 0, max: 64 })),
    efConstruct: opt(fc.integer({ min: 4, max: 512 })),
    fullScanThreshold: opt(fc.integer({ min: 10, max: 20000 })),
    maxIndexingThreads: opt(fc.integer({ min: 0, max: 16 })),
    onDisk: opt(fc.boolean()),
    payloadM: opt(fc.integer({ min: 0, max: 32 })),
  })
  .map(clean);
const optimizersArb = fc
  .record({
    deletedThreshold: opt(fc.constantFrom(0, 0.1, 0.2, 0.5, 1)),
    vacuumMinVectorNumber: opt(fc.integer({ min: 100, max: 5000 })),
    defaultSegmentNumber: opt(fc.integer({ min: 0, max: 8 })),
    maxSegmentSize: opt(fc.integer({ min: 1, max: 1_000_000 })),
    memmapThreshold: opt(fc.integer({ min: 0, max: 50_000 })),
    indexingThreshold: opt(fc.integer({ min: 0, max: 50_000 })),
    flushIntervalSec: opt(fc.integer({ min: 0, max: 60 })),
    maxOptimizationThreads: opt(fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constant("auto" as const))),
  })
  .map(clean);
const quantizationArb = fc.oneof(
  fc.record({
    scalar: fc
      .record({ quantile: opt(fc.constantFrom(0.5, 0.99, 1)), alwaysRam: opt(fc.boolean()) })
      .map(clean),
  }),
  fc.record({
    product: fc
      .record({ compression: fc.constantFrom("x4", "x16", "x64" as const), alwaysRam: opt(fc.boolean()) })
      .map(clean),
  }),
  fc.record({ binary: fc.record({ alwaysRam: opt(fc.boolean()) }).map(clean) }),
) as fc.Arbitrary<QdrantCollectionSpec["quantization"] & object>;
const vectorArb = fc
  .record({
    size: fc.integer({ min: 1, max: 8 }),
    distance: fc.constantFrom("Cosine", "Euclid", "Dot", "Manhattan" as const),
    onDisk: opt(fc.boolean()),
    datatype: opt(fc.constantFrom("float32", "float16", "uint8" as const)),
    hnsw: opt(hnswArb),
    quantization: opt(quantizationArb),
  })
  .map(clean);
const vectorsArb = fc.oneof(
  vectorArb,
  fc.dictionary(fc.constantFrom("text", "image", "code"), vectorArb, { minKeys: 1, maxKeys: 3 }),
);
const indexArb = fc.constantFrom(
  "keyword" as const,
  "integer" as const,
  { type: "keyword" as const, is_tenant: true },
  { type: "text" as const, tokenizer: "word", lowercase: true },
);
const specArb: fc.Arbitrary<QdrantCollectionSpec> = fc
  .record({
    vectors: vectorsArb,
    hnsw: opt(hnswArb),
    optimizers: opt(optimizersArb),
    quantization: opt(quantizationArb),
    shardNumber: opt(fc.integer({ min: 1, max: 3 })),
    replicationFactor: opt(fc.integer({ min: 1, max: 3 })),
    onDiskPayload: opt(fc.boolean()),
    payloadIndexes: opt(
      fc.uniqueArray(
        fc.record({ field: fc.constantFrom("tenant", "pattern_name", "event_index"), schema: indexArb }),
        {
          selector: (i) => i.field,
          maxLength: 3,
        },
      ),
    ),
    aliases: opt(fc.uniqueArray(fc.constantFrom("live", "previous", "kato"), { maxLength: 2 })),
  })
  .map((s) => clean({ name: NAME, ...s, allowRecreate: true }) as QdrantCollectionSpec);

describe("planning a collection (properties)", () => {
  it("applying a plan, then planning again against the server, gives no steps", () => {
    fc.assert(
      fc.property(specArb, specArb, (before, after) => {
        const state = model.newServerState(3);
        apply(state, planCollection(before, undefined).steps);
        const plan = planCollection(after, live(state), before.aliases ?? []);
        expect(plan.blocked).toBe(false);
        apply(state, plan.steps);
        const again = planCollection(after, live(state), after.aliases ?? []);
        expect(again.steps).toEqual([]);
        expect(again.changed).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it("a refresh of an applied collection reads back what was declared and the shard count (server defaults never show)", () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const state = model.newServerState(2);
        apply(state, planCollection(spec, undefined).steps);
        const observed = live(state)!;
        const recorded = { ...spec, shardNumber: observed.shardNumber };
        expect(canonicalJson(summarizeObserved(observed, spec))).toBe(canonicalJson(recorded));
      }),
      { numRuns: 400 },
    );
  });

  it("planning from the recorded state agrees with planning from the server", () => {
    fc.assert(
      fc.property(specArb, specArb, (before, after) => {
        const state = model.newServerState(1);
        apply(state, planCollection(before, undefined).steps);
        const fromServer = planCollection(after, live(state), before.aliases ?? []);
        const recorded = summarizeObserved(live(state)!, before) as ActualCollection;
        const fromState = planCollection(after, recorded, before.aliases ?? []);
        expect(fromState.steps.length === 0).toBe(fromServer.steps.length === 0);
        expect(fromState.destructive.length > 0).toBe(fromServer.destructive.length > 0);
      }),
      { numRuns: 300 },
    );
  });

  it("a plan is refused exactly when it would delete data and allowRecreate is not set", () => {
    fc.assert(
      fc.property(specArb, specArb, (before, after) => {
        const state = model.newServerState(1);
        apply(state, planCollection(before, undefined).steps);
        const guarded = planCollection(
          { ...after, allowRecreate: undefined },
          live(state),
          before.aliases ?? [],
        );
        const deletes = guarded.steps.some((s) => s.kind === "deleteCollection" || s.kind === "deleteVector");
        expect(guarded.blocked).toBe(deletes);
        expect(guarded.destructive.length > 0).toBe(deletes);
        // A rebuild, and only a rebuild, is a replacement.
        expect(guarded.recreate).toBe(guarded.steps.some((s) => s.kind === "deleteCollection"));
      }),
      { numRuns: 300 },
    );
  });
});

describe("planning a collection (rules)", () => {
  const spec: QdrantCollectionSpec = {
    name: NAME,
    vectors: { size: 768, distance: "Euclid" },
    hnsw: { m: 16, efConstruct: 128, fullScanThreshold: 10000 },
    onDiskPayload: true,
  };
  const created = () => {
    const state = model.newServerState(3);
    apply(state, planCollection(spec, undefined).steps);
    return state;
  };

  it("creates with only the declared settings in the body", () => {
    expect(createCollectionBody(spec)).toEqual({
      vectors: { size: 768, distance: "Euclid" },
      on_disk_payload: true,
      hnsw_config: { m: 16, ef_construct: 128, full_scan_threshold: 10000 },
    });
  });

  it("patches HNSW, optimizers, params and quantization in place with only what changed", () => {
    const state = created();
    const plan = planCollection(
      {
        ...spec,
        hnsw: { m: 32, efConstruct: 128, fullScanThreshold: 10000 },
        optimizers: { indexingThreshold: 20000 },
        replicationFactor: 2,
        quantization: { scalar: { quantile: 0.99 } },
      },
      live(state),
    );
    expect(plan.blocked).toBe(false);
    expect(plan.steps).toEqual([
      {
        kind: "updateCollection",
        body: {
          hnsw_config: { m: 32 },
          optimizers_config: { indexing_threshold: 20000 },
          params: { replication_factor: 2 },
          quantization_config: { scalar: { type: "int8", quantile: 0.99 } },
        },
      },
    ]);
  });

  it("puts an undeclared setting that drifted from Qdrant's default back to the default", () => {
    const state = created();
    model.updateCollection(state, NAME, {
      optimizers_config: { indexing_threshold: 5 },
      quantization_config: { binary: {} },
    });
    const plan = planCollection(spec, live(state));
    expect(plan.changed).toEqual(["optimizers.indexingThreshold", "quantization"]);
    expect(plan.steps).toEqual([
      {
        kind: "updateCollection",
        body: { optimizers_config: { indexing_threshold: 10000 }, quantization_config: "Disabled" },
      },
    ]);
  });

  it("never compares a setting whose default depends on the server unless declared", () => {
    const state = created();
    model.updateCollection(state, NAME, {
      optimizers_config: { max_segment_size: 1234 },
      hnsw_config: { payload_m: 3 },
    });
    expect(planCollection(spec, live(state)).steps).toEqual([]);
  });

  it.each([
    ["vector size", { vectors: { size: 384, distance: "Euclid" } }, /vectors: size 768 -> 384/],
    ["distance", { vectors: { size: 768, distance: "Cosine" } }, /distance Euclid -> Cosine/],
    ["shard number", { shardNumber: 6 }, /shardNumber: 3 -> 6/],
    [
      "switch to named vectors",
      { vectors: { text: { size: 768, distance: "Euclid" } } },
      /one unnamed vector -> named/,
    ],
  ] as const)("refuses to rebuild for a %s change unless allowRecreate", (_what, change, reason) => {
    const state = created();
    const refused = planCollection({ ...spec, ...change } as QdrantCollectionSpec, live(state));
    expect(refused.blocked).toBe(true);
    expect(refused.destructive.join("\n")).toMatch(reason);
    expect(refused.destructive.join("\n")).toMatch(/deletes all its points/);
    const allowed = planCollection(
      { ...spec, ...change, allowRecreate: true } as QdrantCollectionSpec,
      live(state),
    );
    expect(allowed.blocked).toBe(false);
    expect(allowed.steps.slice(0, 2).map((s) => s.kind)).toEqual(["deleteCollection", "createCollection"]);
  });

  it("adds a named vector in place and refuses dropping one without allowRecreate", () => {
    const named: QdrantCollectionSpec = { name: NAME, vectors: { text: { size: 4, distance: "Dot" } } };
    const state = model.newServerState(1);
    apply(state, planCollection(named, undefined).steps);
    const add = planCollection(
      {
        ...named,
        vectors: { text: { size: 4, distance: "Dot" }, image: { size: 8, distance: "Cosine", onDisk: true } },
      },
      live(state),
    );
    expect(add.blocked).toBe(false);
    expect(add.steps).toEqual([
      { kind: "createVector", vector: "image", body: { dense: { size: 8, distance: "Cosine" } } },
      { kind: "updateCollection", body: { vectors: { image: { on_disk: true } } } },
    ]);
    apply(state, add.steps);
    const drop = planCollection(named, live(state));
    expect(drop.blocked).toBe(true);
    expect(drop.destructive[0]).toMatch(/vectors.image: dropping a named vector/);
  });

  it("replaces an index whose type changed, creates missing ones, deletes undeclared ones", () => {
    const state = created();
    apply(state, [
      { kind: "createIndex", body: { field_name: "old", field_schema: "integer" } },
      { kind: "createIndex", body: { field_name: "tenant", field_schema: "integer" } },
    ]);
    const plan = planCollection(
      {
        ...spec,
        payloadIndexes: [
          { field: "tenant", schema: "keyword" },
          { field: "pattern_name", schema: "keyword" },
        ],
      },
      live(state),
    );
    expect(plan.steps).toEqual([
      { kind: "deleteIndex", field: "old" },
      { kind: "deleteIndex", field: "tenant" },
      { kind: "createIndex", body: { field_name: "tenant", field_schema: "keyword" } },
      { kind: "createIndex", body: { field_name: "pattern_name", field_schema: "keyword" } },
    ]);
  });

  it("moves an alias here in one create_alias (it repoints), new names first, and removes only aliases it owned, last", () => {
    const state = created();
    model.createCollection(state, "other", { vectors: { size: 1, distance: "Dot" } });
    model.updateAliases(state, {
      actions: [
        { create_alias: { collection_name: "other", alias_name: "live" } },
        { create_alias: { collection_name: NAME, alias_name: "old" } },
        { create_alias: { collection_name: NAME, alias_name: "someone-elses" } },
      ],
    });
    const plan = planCollection({ ...spec, aliases: ["live"] }, live(state), ["old"]);
    expect(plan.steps).toEqual([
      {
        kind: "updateAliases",
        body: {
          actions: [
            { create_alias: { collection_name: NAME, alias_name: "live" } },
            { delete_alias: { alias_name: "old" } },
          ],
        },
      },
    ]);
  });

  it("rebuilds (a replacement, refused without allowRecreate) to remove a per-vector HNSW key: no PATCH unsets one", () => {
    const withHnsw: QdrantCollectionSpec = {
      name: NAME,
      vectors: { size: 4, distance: "Dot", hnsw: { m: 8, efConstruct: 64 } },
    };
    const state = model.newServerState(1);
    apply(state, planCollection(withHnsw, undefined).steps);
    const dropped: QdrantCollectionSpec = {
      ...withHnsw,
      vectors: { size: 4, distance: "Dot", hnsw: { efConstruct: 64 } },
    };
    const refused = planCollection(dropped, live(state));
    expect(refused).toMatchObject({ blocked: true, recreate: true, changed: ["vectors.hnsw"] });
    expect(refused.destructive.join("\n")).toMatch(/vectors\.hnsw: removing m \(8\).*cannot unset/);
    expect(refusalMessage(NAME, refused)).toMatch(/set allowRecreate: true on this collection to rebuild it/);

    const allowed = planCollection({ ...dropped, allowRecreate: true }, live(state));
    expect(allowed).toMatchObject({ blocked: false, recreate: true });
    expect(allowed.steps[0]).toEqual({ kind: "deleteCollection" });
    apply(state, allowed.steps);
    expect(state.collections.get(NAME)!.params.vectors.hnsw_config).toEqual({ ef_construct: 64 });
    // Converged: the next plan against the server is empty.
    expect(planCollection({ ...dropped, allowRecreate: true }, live(state)).steps).toEqual([]);
  });

  it("changes a per-vector HNSW key in place with only the changed keys (the server merges)", () => {
    const withHnsw: QdrantCollectionSpec = {
      name: NAME,
      vectors: { a: { size: 4, distance: "Dot", hnsw: { m: 8, efConstruct: 64 } } },
    };
    const state = model.newServerState(1);
    apply(state, planCollection(withHnsw, undefined).steps);
    const next: QdrantCollectionSpec = {
      ...withHnsw,
      vectors: { a: { size: 4, distance: "Dot", hnsw: { m: 12, efConstruct: 64, payloadM: 4 } } },
    };
    const plan = planCollection(next, live(state));
    expect(plan).toMatchObject({ blocked: false, recreate: false });
    expect(plan.steps).toEqual([
      { kind: "updateCollection", body: { vectors: { a: { hnsw_config: { m: 12, payload_m: 4 } } } } },
    ]);
    apply(state, plan.steps);
    expect(planCollection(next, live(state)).steps).toEqual([]);
  });

  it("words the refusal with the hint a program gives instead of the library argument", () => {
    const state = created();
    const plan = planCollection({ ...spec, vectors: { size: 1024, distance: "Euclid" } }, live(state));
    const text = refusalMessage(NAME, plan, "set kato-infra:allowDataLoss to true");
    expect(text).toMatch(/or set kato-infra:allowDataLoss to true to rebuild it and lose its points\.$/);
    expect(text).not.toMatch(/allowRecreate/);
  });

  it("treats max_optimization_threads 'auto' as the server's unset value", () => {
    const state = created();
    const auto = { ...spec, optimizers: { maxOptimizationThreads: "auto" as const } };
    expect(planCollection(auto, live(state)).steps).toEqual([]);
    model.updateCollection(state, NAME, { optimizers_config: { max_optimization_threads: 2 } });
    expect(planCollection(auto, live(state)).steps).toEqual([
      { kind: "updateCollection", body: { optimizers_config: { max_optimization_threads: "auto" } } },
    ]);
  });
});
