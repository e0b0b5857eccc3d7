/**
 * The fake must be able to fail: it rejects what the contract rejects, flags what the server would
 * silently ignore, validates its own answers, and copies the server's documented behaviour.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadContract } from "./fake/contract";
import * as model from "./fake/model";
import { type FakeQdrant, startFakeQdrant } from "./fake/server";

let fake: FakeQdrant;
let lenient: FakeQdrant;

async function call(
  target: FakeQdrant,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

beforeAll(async () => {
  fake = await startFakeQdrant({ apiKey: "rw", readOnlyApiKey: "ro", peers: 3 });
  lenient = await startFakeQdrant({ undocumentedFields: "ignore" });
});
afterAll(async () => {
  await fake.close();
  await lenient.close();
});
beforeEach(() => {
  fake.violations.length = 0;
  lenient.violations.length = 0;
});

const rw = { "api-key": "rw" };

describe("contract checks", () => {
  it("loads every operation of the contract", () => {
    const ids = loadContract().operations.map((o) => o.operationId);
    expect(ids).toEqual(
      expect.arrayContaining([
        "create_collection",
        "update_collection",
        "get_collection",
        "update_aliases",
        "create_field_index",
      ]),
    );
  });

  it("rejects a body the contract rejects (wrong type) and records the violation", async () => {
    const r = await call(
      fake,
      "PUT",
      "/collections/bad_type",
      { vectors: { size: "768", distance: "Cosine" } },
      rw,
    );
    expect(r.status).toBe(400);
    expect(fake.violations.join("\n")).toMatch(/create_collection: body breaks the contract/);
  });

  it("rejects an HNSW ef_construct below the contract minimum", async () => {
    const r = await call(fake, "PATCH", "/collections/x", { hnsw_config: { ef_construct: 3 } }, rw);
    expect(r.status).toBe(400);
    expect(fake.violations.join("\n")).toMatch(/ef_construct/);
  });

  it("flags a member the contract does not define (the real server would ignore the guide's `ef`)", async () => {
    await call(fake, "PUT", "/collections/ef_test", { vectors: { size: 4, distance: "Dot" } }, rw);
    const r = await call(fake, "PATCH", "/collections/ef_test", { hnsw_config: { ef: 128 } }, rw);
    expect(r.status).toBe(400);
    expect(fake.violations.join("\n")).toMatch(/members the contract does not define.*'ef'/);
  });

  it("in lenient mode ignores an undocumented member, as the server does", async () => {
    await call(lenient, "PUT", "/collections/ef_test", { vectors: { size: 4, distance: "Dot" } });
    const r = await call(lenient, "PATCH", "/collections/ef_test", { hnsw_config: { ef: 128 } });
    expect(r.status).toBe(200);
    const info = await call(lenient, "GET", "/collections/ef_test");
    expect(info.json.result.config.hnsw_config).not.toHaveProperty("ef");
    expect(lenient.violations).toEqual([]);
  });

  it("rejects query parameters the operation does not have", async () => {
    const r = await call(fake, "GET", "/collections/x?bogus=1", undefined, rw);
    expect(r.status).toBe(400);
    expect(fake.violations.join("\n")).toMatch(/get_collection: parameters break the contract/);
  });

  it("records a route that is not in the contract", async () => {
    await call(fake, "POST", "/collections/x/teleport", {}, rw);
    expect(fake.violations.join("\n")).toMatch(/not an operation of the contract/);
  });

  it("validates its own answers against the contract", async () => {
    const original = fake.state.collections.get.bind(fake.state.collections);
    await call(fake, "PUT", "/collections/broken", { vectors: { size: 4, distance: "Dot" } }, rw);
    fake.state.collections.get = ((name: string) => {
      const c = original(name);
      return c ? { ...c, hnsw_config: { ...c.hnsw_config, ef_construct: "many" } } : c;
    }) as typeof fake.state.collections.get;
    try {
      await call(fake, "GET", "/collections/broken", undefined, rw);
    } finally {
      fake.state.collections.get = original;
    }
    expect(fake.violations.join("\n")).toMatch(/response 200 of get_collection breaks the contract/);
  });
});

describe("copied server behaviour", () => {
  it("answers 409 to creating an existing collection", async () => {
    await call(fake, "PUT", "/collections/twice", { vectors: { size: 4, distance: "Dot" } }, rw);
    const r = await call(fake, "PUT", "/collections/twice", { vectors: { size: 4, distance: "Dot" } }, rw);
    expect(r.status).toBe(409);
    expect(r.json.status.error).toBe("Wrong input: Collection `twice` already exists!");
  });

  it("fills in Qdrant's defaults on GET for settings the create left out (shard_number = peers)", async () => {
    await call(fake, "PUT", "/collections/defaults", { vectors: { size: 4, distance: "Cosine" } }, rw);
    const r = await call(fake, "GET", "/collections/defaults", undefined, rw);
    expect(r.json.result.config).toEqual({
      params: {
        vectors: { size: 4, distance: "Cosine" },
        shard_number: 3,
        replication_factor: 1,
        write_consistency_factor: 1,
        on_disk_payload: true,
      },
      hnsw_config: {
        m: 16,
        ef_construct: 100,
        full_scan_threshold: 10000,
        max_indexing_threads: 0,
        on_disk: false,
      },
      optimizer_config: {
        deleted_threshold: 0.2,
        vacuum_min_vector_number: 1000,
        default_segment_number: 0,
        max_segment_size: null,
        memmap_threshold: null,
        indexing_threshold: 10000,
        flush_interval_sec: 5,
        max_optimization_threads: null,
        prevent_unoptimized: null,
      },
      wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0, wal_retain_closed: 1 },
      quantization_config: null,
    });
  });

  it("PATCH merges the given settings and leaves null ones unchanged; 'Disabled' turns quantization off", async () => {
    await call(
      fake,
      "PUT",
      "/collections/patch",
      { vectors: { size: 4, distance: "Dot" }, quantization_config: { binary: {} } },
      rw,
    );
    await call(
      fake,
      "PATCH",
      "/collections/patch",
      {
        hnsw_config: { m: 8, ef_construct: null },
        params: { replication_factor: 2 },
        quantization_config: "Disabled",
      },
      rw,
    );
    const { json } = await call(fake, "GET", "/collections/patch", undefined, rw);
    expect(json.result.config.hnsw_config).toMatchObject({ m: 8, ef_construct: 100 });
    expect(json.result.config.params.replication_factor).toBe(2);
    expect(json.result.config.quantization_config).toBeNull();
  });

  it("keeps payload indexes, with their parameters, in payload_schema", async () => {
    await call(fake, "PUT", "/collections/idx", { vectors: { size: 4, distance: "Dot" } }, rw);
    await call(
      fake,
      "PUT",
      "/collections/idx/index?wait=true",
      { field_name: "a", field_schema: "keyword" },
      rw,
    );
    await call(
      fake,
      "PUT",
      "/collections/idx/index",
      { field_name: "t", field_schema: { type: "keyword", is_tenant: true } },
      rw,
    );
    await call(fake, "DELETE", "/collections/idx/index/a?wait=true", undefined, rw);
    const { json } = await call(fake, "GET", "/collections/idx", undefined, rw);
    expect(json.result.payload_schema).toEqual({
      t: { data_type: "keyword", params: { type: "keyword", is_tenant: true }, points: 0 },
    });
  });

  it("applies alias actions in order and keeps those before a failure; deleting a collection removes its aliases", async () => {
    await call(fake, "PUT", "/collections/al", { vectors: { size: 4, distance: "Dot" } }, rw);
    const bad = await call(
      fake,
      "POST",
      "/collections/aliases",
      {
        actions: [
          { create_alias: { collection_name: "al", alias_name: "first" } },
          { create_alias: { collection_name: "missing", alias_name: "second" } },
          { create_alias: { collection_name: "al", alias_name: "third" } },
        ],
      },
      rw,
    );
    expect(bad.status).toBe(404);
    expect((await call(fake, "GET", "/collections/al/aliases", undefined, rw)).json.result.aliases).toEqual([
      { alias_name: "first", collection_name: "al" },
    ]);
    expect((await call(fake, "GET", "/collections/first", undefined, rw)).status).toBe(200);
    await call(fake, "DELETE", "/collections/al", undefined, rw);
    expect(fake.state.aliases.has("first")).toBe(false);
  });

  it("create_alias repoints an existing alias, refuses a collection's name (409), does not validate alias names", async () => {
    for (const c of ["ra", "rb"])
      await call(fake, "PUT", `/collections/${c}`, { vectors: { size: 4, distance: "Dot" } }, rw);
    const post = (actions: unknown[]) => call(fake, "POST", "/collections/aliases", { actions }, rw);
    expect((await post([{ create_alias: { collection_name: "ra", alias_name: "r_live" } }])).status).toBe(
      200,
    );
    expect((await post([{ create_alias: { collection_name: "rb", alias_name: "r_live" } }])).status).toBe(
      200,
    );
    expect(fake.state.aliases.get("r_live")).toBe("rb");
    const taken = await post([{ create_alias: { collection_name: "ra", alias_name: "rb" } }]);
    expect(taken.status).toBe(409);
    expect(taken.json.status.error).toBe("Wrong input: Collection `rb` already exists!");
    // A name no collection could have (":" is refused in collection names) is accepted as an alias.
    expect((await post([{ create_alias: { collection_name: "ra", alias_name: "odd:name" } }])).status).toBe(
      200,
    );
    expect((await post([{ delete_alias: { alias_name: "never_there" } }])).status).toBe(200);
    expect(
      (await post([{ rename_alias: { old_alias_name: "never_there", new_alias_name: "x" } }])).status,
    ).toBe(404);
  });

  it("refuses to create a collection named like an alias (400); DELETE through an alias name deletes nothing", async () => {
    await call(fake, "PUT", "/collections/target", { vectors: { size: 4, distance: "Dot" } }, rw);
    await call(
      fake,
      "POST",
      "/collections/aliases",
      { actions: [{ create_alias: { collection_name: "target", alias_name: "pointer" } }] },
      rw,
    );
    const created = await call(
      fake,
      "PUT",
      "/collections/pointer",
      { vectors: { size: 4, distance: "Dot" } },
      rw,
    );
    expect(created.status).toBe(400);
    expect(created.json.status.error).toBe(
      "Wrong input: Can't create collection with name pointer. Alias with the same name already exists",
    );
    const deleted = await call(fake, "DELETE", "/collections/pointer", undefined, rw);
    expect(deleted.status).toBe(200);
    expect(deleted.json.result).toBe(false);
    expect(fake.state.collections.has("target")).toBe(true);
    expect(fake.state.aliases.get("pointer")).toBe("target");
  });

  it("creating an existing named vector succeeds with the same schema and is 400 with another; deleting a missing one is a no-op", async () => {
    await call(fake, "PUT", "/collections/nv", { vectors: { a: { size: 4, distance: "Dot" } } }, rw);
    await call(fake, "PATCH", "/collections/nv", { vectors: { a: { hnsw_config: { m: 8 } } } }, rw);
    const same = await call(
      fake,
      "PUT",
      "/collections/nv/vectors/a?wait=true",
      { dense: { size: 4, distance: "Dot" } },
      rw,
    );
    expect(same.status).toBe(200);
    expect(fake.state.collections.get("nv")!.params.vectors.a.hnsw_config).toEqual({ m: 8 });
    const other = await call(
      fake,
      "PUT",
      "/collections/nv/vectors/a",
      { dense: { size: 8, distance: "Dot" } },
      rw,
    );
    expect(other.status).toBe(400);
    expect(other.json.status.error).toBe(
      "Wrong input: Vector `a` already exists with a different configuration",
    );
    expect((await call(fake, "DELETE", "/collections/nv/vectors/zzz?wait=true", undefined, rw)).status).toBe(
      200,
    );
    expect(Object.keys(fake.state.collections.get("nv")!.params.vectors)).toEqual(["a"]);
  });

  it("PATCH applies its parts in the server's order: a vector name that is not there fails after optimizers, params and HNSW were applied", async () => {
    await call(fake, "PUT", "/collections/order", { vectors: { a: { size: 4, distance: "Dot" } } }, rw);
    const r = await call(
      fake,
      "PATCH",
      "/collections/order",
      {
        optimizers_config: { indexing_threshold: 5000 },
        hnsw_config: { m: 8 },
        vectors: { missing: { on_disk: true } },
        quantization_config: { binary: {} },
      },
      rw,
    );
    expect(r.status).toBe(400);
    const stored = fake.state.collections.get("order")!;
    expect(stored.optimizer_config.indexing_threshold).toBe(5000);
    expect(stored.hnsw_config.m).toBe(8);
    expect(stored.quantization_config).toBeNull();
  });

  it("merges a per-vector hnsw_config field by field: `{}` unsets nothing", async () => {
    await call(
      fake,
      "PUT",
      "/collections/vh",
      { vectors: { a: { size: 4, distance: "Dot", hnsw_config: { m: 32, ef_construct: 200 } } } },
      rw,
    );
    await call(fake, "PATCH", "/collections/vh", { vectors: { a: { hnsw_config: {} } } }, rw);
    const vectorHnsw = async () =>
      (await call(fake, "GET", "/collections/vh", undefined, rw)).json.result.config.params.vectors.a
        .hnsw_config;
    expect(await vectorHnsw()).toEqual({ m: 32, ef_construct: 200 });
    await call(fake, "PATCH", "/collections/vh", { vectors: { a: { hnsw_config: { m: 16 } } } }, rw);
    expect(await vectorHnsw()).toEqual({ m: 16, ef_construct: 200 });
  });

  it("checks the api-key header: none 401, wrong 403, read-only may read but not write; health needs none", async () => {
    expect((await call(fake, "GET", "/collections/al")).status).toBe(401);
    expect((await call(fake, "GET", "/collections/al", undefined, { "api-key": "nope" })).status).toBe(403);
    expect((await call(fake, "GET", "/collections/defaults", undefined, { "api-key": "ro" })).status).toBe(
      200,
    );
    expect((await call(fake, "DELETE", "/collections/defaults", undefined, { "api-key": "ro" })).status).toBe(
      403,
    );
    expect(
      (await call(fake, "GET", "/collections/defaults", undefined, { authorization: "Bearer rw" })).status,
    ).toBe(200);
    expect((await call(fake, "GET", "/readyz")).text).toBe("all shards are ready");
  });

  it("injects faults: a status instead of handling, then normal answers", async () => {
    fake.inject({ path: /^\/collections\/defaults$/, status: 503, times: 1 });
    expect((await call(fake, "GET", "/collections/defaults", undefined, rw)).status).toBe(503);
    expect((await call(fake, "GET", "/collections/defaults", undefined, rw)).status).toBe(200);
    expect(fake.violations).toEqual([]);
  });
});

describe("snapshots (model)", () => {
  it("names a snapshot after the collection, the peer and the second, and replaces one of the same second", () => {
    const state = model.newServerState(1, 7);
    expect(model.createCollection(state, "c", { vectors: { size: 4, distance: "Cosine" } }).status).toBe(200);
    const when = new Date("2026-01-01T02:00:00.250Z");
    model.seedSnapshot(state, "c", when);
    const again = model.seedSnapshot(state, "c", new Date("2026-01-01T02:00:00.900Z"));
    expect(again.name).toBe("c-7-2026-01-01-02-00-00.snapshot");
    expect(again.creation_time).toBe("2026-01-01T02:00:00");
    expect(model.listSnapshots(state, "c").result).toEqual([again]);
    expect(model.listSnapshots(state, "missing").status).toBe(404);
    expect(model.deleteSnapshot(state, "c", again.name).status).toBe(200);
    expect(model.deleteSnapshot(state, "c", again.name).status).toBe(404);
  });
});
