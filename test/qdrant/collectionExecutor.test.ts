/**
 * The QdrantCollection executor against the strict fake: every request and response is checked
 * against Qdrant 1.19's contract (the fake records violations; none may occur).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  checkCollection,
  createCollection,
  deleteCollection,
  diffCollection,
  readCollection,
  updateCollection,
  withQdrant,
} from "../../components/qdrant/collectionExecutor";
import { summarizePreview } from "../../tools/preview-summary";
import { type FakeQdrant, startFakeQdrant } from "./fake/server";
import { katoCollection, type ScenarioServer, scenarios } from "./scenarios";

const API_KEY = "test-read-write-key";
let fake: FakeQdrant;
let server: ScenarioServer;

beforeAll(async () => {
  fake = await startFakeQdrant({ apiKey: API_KEY, readOnlyApiKey: "test-read-only-key", peers: 3 });
  server = { connection: { url: fake.url }, apiKey: API_KEY, name: (base) => `kato_${base}` };
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.clearRequests();
});
afterEach(() => {
  expect(fake.violations).toEqual([]);
});

describe("QdrantCollection executor against the contract fake", () => {
  for (const [title, run] of Object.entries(scenarios)) {
    it(title, () => run(server));
  }
});

describe("round trips", () => {
  it("create costs one request per thing to create, plus one read of the shard count the server chose", async () => {
    const inputs = katoCollection(server, "rt_create", {
      payloadIndexes: [{ field: "pattern_name", schema: "keyword" }],
      aliases: ["rt_alias"],
    });
    await createCollection(inputs);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "PUT /collections/kato_rt_create",
      "PUT /collections/kato_rt_create/index",
      "POST /collections/aliases",
      "GET /collections/kato_rt_create",
    ]);
    fake.clearRequests();
    await createCollection(katoCollection(server, "rt_create_sharded", { shardNumber: 2 }));
    expect(fake.count()).toBe(1);
  });

  it("confirming an unchanged collection costs one GET (refresh) and nothing at preview", async () => {
    const inputs = katoCollection(server, "rt_same");
    const created = await createCollection(inputs);
    fake.clearRequests();
    const read = await readCollection(created.id, created.outs);
    expect(diffCollection(created.id, read.props, inputs).changes).toBe(false);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /collections/kato_rt_same"]);
  });

  it("reads aliases only for a collection that manages some", async () => {
    const inputs = katoCollection(server, "rt_alias_read", { aliases: ["rt_a"] });
    const created = await createCollection(inputs);
    fake.clearRequests();
    await readCollection(created.id, created.outs);
    expect(fake.count("get_collection", "get_collection_aliases")).toBe(2);
  });

  it("an update sends the live read and one PATCH with only the changed settings", async () => {
    const inputs = katoCollection(server, "rt_patch");
    const created = await createCollection(inputs);
    fake.clearRequests();
    await updateCollection(created.id, created.outs, { ...inputs, hnsw: { ...inputs.hnsw, m: 24 } });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /collections/kato_rt_patch",
      "PATCH /collections/kato_rt_patch",
    ]);
    expect(fake.requests[1]!.body).toEqual({ hnsw_config: { m: 24 } });
  });
});

describe("faults", () => {
  it("retries 503 with backoff and succeeds", async () => {
    fake.inject({ method: "PUT", path: /^\/collections\/kato_f503$/, status: 503, times: 2 });
    const created = await createCollection(katoCollection(server, "f503"));
    expect(created.id).toBe("kato_f503");
    expect(fake.count("create_collection")).toBe(3);
  });

  it("gives up after the bounded number of attempts, naming the request and the status", async () => {
    fake.inject({ path: /^\/collections\/kato_fdown$/, status: 503, times: 100 });
    await expect(
      createCollection(
        katoCollection(server, "fdown", { retry: { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 2 } }),
      ),
    ).rejects.toThrow(/Qdrant PUT \/collections\/kato_fdown failed with HTTP 503/);
    expect(fake.count("create_collection")).toBe(4);
  });

  it("a create whose answer was lost after the server made it converges through the 409 of its retry", async () => {
    fake.inject({ method: "PUT", path: /^\/collections\/kato_fslow$/, dropAfterHandling: true, times: 1 });
    const inputs = katoCollection(server, "fslow");
    const created = await createCollection(inputs);
    expect(fake.requests.filter((r) => r.operationId === "create_collection").map((r) => r.status)).toEqual([
      200, 409,
    ]);
    const read = await readCollection(created.id, created.outs);
    expect(diffCollection(created.id, read.props, inputs).changes).toBe(false);
  });

  it("retries a read that timed out", async () => {
    const inputs = katoCollection(server, "fslowread", {
      retry: { requestTimeoutMs: 100, initialDelayMs: 1 },
    });
    const created = await createCollection(inputs);
    fake.clearRequests();
    fake.inject({ method: "GET", path: /^\/collections\/kato_fslowread$/, delayMs: 300, times: 1 });
    const read = await readCollection(created.id, created.outs);
    expect(read.id).toBe("kato_fslowread");
    expect(fake.count("get_collection")).toBe(2);
  });

  it("does not retry a refused API key, and says so", async () => {
    await expect(createCollection({ ...katoCollection(server, "fkey"), apiKey: "wrong" })).rejects.toThrow(
      /HTTP 403: Invalid API key or JWT/,
    );
    expect(fake.count("create_collection")).toBe(1);
  });

  it("the read-only key cannot change anything", async () => {
    await expect(
      createCollection({ ...katoCollection(server, "fro"), apiKey: "test-read-only-key" }),
    ).rejects.toThrow(/HTTP 403/);
  });

  it("a server that is not there fails after the bounded attempts with the connection error", async () => {
    const nowhere = katoCollection(server, "fnone", {
      connection: { url: "http://127.0.0.1:9" },
      retry: { maxAttempts: 2, initialDelayMs: 1 },
    });
    await expect(createCollection(nowhere)).rejects.toThrow(/Qdrant PUT \/collections\/kato_fnone failed/);
  });

  it("moves to the next peer when one does not answer", async () => {
    const inputs = katoCollection(server, "fpeer", {
      connection: {
        access: {
          members: [
            { advertised: "q-0:6333", reach: { kind: "direct", host: "127.0.0.1", port: 9 } },
            { advertised: "q-1:6333", reach: { kind: "direct", host: "127.0.0.1", port: fake.port } },
          ],
        },
      },
      retry: { initialDelayMs: 1 },
    });
    const created = await createCollection(inputs);
    expect(created.id).toBe("kato_fpeer");
  });
});

describe("preview with values not known yet", () => {
  const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

  it("check accepts a connection that is not known yet (the cluster does not exist at first preview)", () => {
    const inputs = { ...katoCollection(server, "pending"), connection: UNKNOWN };
    expect(checkCollection({}, inputs as any).failures).toEqual([]);
  });

  it("check still reports the known settings' problems", () => {
    const inputs = { ...katoCollection(server, "pending"), connection: UNKNOWN, hnsw: { efConstruct: 2 } };
    expect(checkCollection({}, inputs as any).failures.map((f) => f.property)).toEqual(["hnsw"]);
  });

  it("diff reports the unknown settings as changes instead of planning", () => {
    const inputs = katoCollection(server, "pending");
    const diff = diffCollection(inputs.name, inputs as any, { ...inputs, vectors: UNKNOWN } as any);
    expect(diff).toMatchObject({
      changes: true,
      replaces: [],
      detailedDiff: { vectors: { kind: "update" } },
    });
  });
});

describe("under Qdrant 1.19's alias, naming and vector rules", () => {
  it("an alias change whose later action fails keeps every name that served before; the next run converges", async () => {
    const inputs = katoCollection(server, "al_partial", { aliases: ["al_partial_old"] });
    const created = await createCollection(inputs);
    await createCollection(katoCollection(server, "al_partial_other"));
    // The second new alias is the name of a collection: Qdrant refuses that action (409) after
    // applying the ones before it.
    const wrong = { ...inputs, aliases: ["al_partial_new", "kato_al_partial_other"] };
    await expect(updateCollection(created.id, created.outs, wrong)).rejects.toThrow(
      /POST \/collections\/aliases failed with HTTP 409: Wrong input: Collection `kato_al_partial_other` already exists!/,
    );
    expect(fake.state.aliases.get("al_partial_old")).toBe("kato_al_partial");
    expect(fake.state.aliases.get("al_partial_new")).toBe("kato_al_partial");
    // Fixed declaration, run again from the state Pulumi kept (the failed update recorded nothing).
    const fixed = { ...inputs, aliases: ["al_partial_new"] };
    const updated = await updateCollection(created.id, created.outs, fixed);
    const read = await readCollection(created.id, updated.outs);
    expect(read.props.aliases).toEqual(["al_partial_new"]);
    expect(fake.state.aliases.has("al_partial_old")).toBe(false);
    expect(diffCollection(created.id, read.props, fixed).changes).toBe(false);
  });

  it("moves an alias from another collection in one action, without a moment where it resolves to nothing", async () => {
    await createCollection(katoCollection(server, "al_from", { aliases: ["al_moving"] }));
    fake.clearRequests();
    const to = await createCollection(katoCollection(server, "al_to", { aliases: ["al_moving"] }));
    const post = fake.requests.find((r) => r.operationId === "update_aliases")!;
    expect(post.body).toEqual({
      actions: [{ create_alias: { collection_name: "kato_al_to", alias_name: "al_moving" } }],
    });
    expect(fake.state.aliases.get("al_moving")).toBe(to.id);
  });

  it("a rebuild keeps the aliases other tools pointed at the collection", async () => {
    const inputs = katoCollection(server, "al_rebuild", { aliases: ["al_rebuild_ours"] });
    const created = await createCollection(inputs);
    await withQdrant(inputs, (api) =>
      api.updateAliases([
        { create_alias: { collection_name: inputs.name, alias_name: "al_rebuild_theirs" } },
      ]),
    );
    const resized = { ...inputs, vectors: { size: 16, distance: "Euclid" as const }, allowRecreate: true };
    await updateCollection(created.id, created.outs, resized);
    expect(fake.state.collections.get(inputs.name)!.params.vectors.size).toBe(16);
    expect(fake.state.aliases.get("al_rebuild_ours")).toBe(inputs.name);
    expect(fake.state.aliases.get("al_rebuild_theirs")).toBe(inputs.name);
  });

  it("a collection named like an existing alias fails with the server's reason", async () => {
    await createCollection(katoCollection(server, "al_owner", { aliases: ["kato_al_taken"] }));
    await expect(createCollection(katoCollection(server, "al_taken"))).rejects.toThrow(
      /PUT \/collections\/kato_al_taken failed with HTTP 400: Wrong input: Can't create collection with name kato_al_taken\. Alias with the same name already exists/,
    );
  });

  it("dropping a collection by its name leaves an alias of the same name elsewhere alone", async () => {
    await createCollection(katoCollection(server, "al_keep", { aliases: ["kato_al_ghost"] }));
    await deleteCollection("kato_al_ghost", { ...katoCollection(server, "al_ghost"), dropOnDelete: true });
    expect(fake.state.collections.has("kato_al_keep")).toBe(true);
    expect(fake.state.aliases.get("kato_al_ghost")).toBe("kato_al_keep");
  });

  it("adding a named vector that a previous, interrupted run already added converges (same schema: success)", async () => {
    const inputs = katoCollection(server, "nv_retry", { vectors: { text: { size: 8, distance: "Euclid" } } });
    const created = await createCollection(inputs);
    const more = {
      ...inputs,
      vectors: {
        text: { size: 8, distance: "Euclid" as const },
        code: { size: 4, distance: "Dot" as const },
      },
    };
    // The PUT is handled, its answer lost: the retry meets the vector it made.
    fake.inject({ method: "PUT", path: /\/vectors\/code$/, dropAfterHandling: true, times: 1 });
    const updated = await updateCollection(created.id, created.outs, more);
    expect(fake.requests.filter((r) => r.operationId === "create_vector_name").map((r) => r.status)).toEqual([
      200, 200,
    ]);
    const read = await readCollection(created.id, updated.outs);
    expect(diffCollection(created.id, read.props, more).changes).toBe(false);
  });
});

describe("refusals name what the reader can set", () => {
  it("check and diff use the program's dataLossHint instead of allowRecreate", async () => {
    const inputs = katoCollection(server, "hint", { dataLossHint: "set kato-infra:allowDataLoss to true" });
    const created = await createCollection(inputs);
    const resized = { ...inputs, vectors: { size: 16, distance: "Euclid" as const } };
    const reason = checkCollection(inputs, resized).failures[0]!.reason;
    expect(reason).toMatch(/or set kato-infra:allowDataLoss to true to rebuild it and lose its points\.$/);
    expect(reason).not.toMatch(/allowRecreate/);
    expect(() => diffCollection(created.id, created.outs, resized)).toThrow(/kato-infra:allowDataLoss/);
    // Without a hint, the library's own argument.
    const plain = { ...resized, dataLossHint: undefined };
    expect(checkCollection(inputs, plain).failures[0]!.reason).toMatch(
      /set allowRecreate: true on this collection/,
    );
  });

  it("changing only the hint is no change", async () => {
    const inputs = katoCollection(server, "hint_only");
    const created = await createCollection(inputs);
    expect(diffCollection(created.id, created.outs, { ...inputs, dataLossHint: "x" }).changes).toBe(false);
  });
});

describe("a rebuild as the preview and the pull-request summary show it", () => {
  it("the engine's steps for diff's replaces land under data at risk as a replace", async () => {
    const inputs = katoCollection(server, "pr_summary");
    const created = await createCollection(inputs);
    const allowed = { ...inputs, vectors: { size: 16, distance: "Euclid" as const }, allowRecreate: true };
    const diff = diffCollection(created.id, created.outs, allowed);
    // What the engine records for a provider diff with `replaces` and `deleteBeforeReplace`
    // (pkg/resource/deploy/step_generator.go, v3.248.0): a delete-replaced step, then the replace and
    // create-replacement steps, which carry the provider's replace keys (`diff.ReplaceKeys`).
    const urn = `urn:pulumi:staging::kato-infra::kato:data:KatoDataPlane$pulumi-nodejs:dynamic/kato:QdrantCollection::${inputs.name}`;
    const state = (inputs: Record<string, unknown>) => ({
      type: "pulumi-nodejs:dynamic/kato:QdrantCollection",
      inputs,
    });
    const steps = ["delete-replaced", "replace", "create-replacement"].map((op) => ({
      op,
      urn,
      oldState: state(created.outs as unknown as Record<string, unknown>),
      newState: state(allowed as unknown as Record<string, unknown>),
      ...(op === "delete-replaced" ? {} : { replaceReasons: diff.replaces }),
    }));
    const text = summarizePreview({ steps, changeSummary: { replace: 1 } });
    expect(text).toMatch(/Data at risk: 1 resource/);
    // The replace key (`vectors`) narrowed to the field that changed in it, old -> new.
    expect(text).toContain(`**replace** 1 Qdrant collection (\`${inputs.name}\`): \`vectors.size\` 8 → 16`);
    expect(text).not.toContain(API_KEY);
  });
});
