/**
 * Executor scenarios that hold against any Qdrant 1.19: run against the strict fake
 * (executor.test.ts) and against a real server (test/live/qdrant.test.ts). Each one drives the
 * provider methods as Pulumi would (create, read, diff, update, delete) and checks the outcome
 * through the same methods.
 */
import { expect } from "vitest";
import {
  type CollectionInputs,
  checkCollection,
  createCollection,
  deleteCollection,
  diffCollection,
  type QdrantConnection,
  readCollection,
  updateCollection,
  withQdrant,
} from "../../components/qdrant/collectionExecutor";
import { canonicalJson } from "../../components/shared/values";

export interface ScenarioServer {
  connection: QdrantConnection;
  apiKey?: string;
  /** A collection name unique to this run. */
  name(base: string): string;
}

/** The collection KATO 3.0.0's code creates (docs/kato.md), at a small vector size. */
export function katoCollection(
  server: ScenarioServer,
  base: string,
  over: Partial<CollectionInputs> = {},
): CollectionInputs {
  return {
    name: server.name(base),
    vectors: { size: 8, distance: "Euclid" },
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
    connection: server.connection,
    ...(server.apiKey ? { apiKey: server.apiKey } : {}),
    retry: { initialDelayMs: 5, maxDelayMs: 50 },
    dropOnDelete: true,
    ...over,
  };
}

/** Pulumi's refresh then preview: read, then diff the refreshed state against the inputs. */
export async function refreshThenDiff(id: string, state: Record<string, any>, inputs: CollectionInputs) {
  const read = await readCollection(id, state);
  return { read, diff: diffCollection(id, read.props, inputs as unknown as Record<string, any>) };
}

async function cleanup(inputs: CollectionInputs) {
  await deleteCollection(inputs.name, { ...inputs, dropOnDelete: true });
}

export const scenarios = {
  async "creates a collection and a clean refresh shows no change"(server: ScenarioServer) {
    const inputs = katoCollection(server, "create");
    try {
      const created = await createCollection(inputs);
      expect(created.id).toBe(inputs.name);
      const { read, diff } = await refreshThenDiff(created.id, created.outs, inputs);
      expect(canonicalJson(read.props)).toBe(canonicalJson(created.outs));
      expect(diff.changes).toBe(false);
    } finally {
      await cleanup(inputs);
    }
  },

  async "patches HNSW and optimizer settings in place"(server: ScenarioServer) {
    const inputs = katoCollection(server, "patch");
    try {
      const created = await createCollection(inputs);
      const changed = {
        ...inputs,
        hnsw: { m: 32, efConstruct: 200, fullScanThreshold: 10000 },
        optimizers: { ...inputs.optimizers, indexingThreshold: 20000 },
        replicationFactor: 1,
      };
      const diff = diffCollection(inputs.name, created.outs, changed);
      expect(diff).toMatchObject({ changes: true, replaces: [] });
      expect(Object.keys(diff.detailedDiff).sort()).toEqual([
        "hnsw.efConstruct",
        "hnsw.m",
        "optimizers.indexingThreshold",
      ]);
      const updated = await updateCollection(inputs.name, created.outs, changed);
      const { read, diff: after } = await refreshThenDiff(inputs.name, updated.outs, changed);
      expect(read.props.hnsw).toEqual({ m: 32, efConstruct: 200, fullScanThreshold: 10000 });
      expect(read.props.optimizers.indexingThreshold).toBe(20000);
      expect(after.changes).toBe(false);
    } finally {
      await cleanup(inputs);
    }
  },

  async "refuses a vector size change at check and diff unless allowRecreate, then rebuilds when allowed"(
    server: ScenarioServer,
  ) {
    const inputs = katoCollection(server, "recreate");
    try {
      const created = await createCollection(inputs);
      const resized = { ...inputs, vectors: { size: 16, distance: "Euclid" as const } };
      const check = checkCollection(inputs, resized);
      expect(check.failures).toHaveLength(1);
      expect(check.failures[0]!.reason).toMatch(/size 8 -> 16/);
      expect(check.failures[0]!.reason).toMatch(/allowRecreate: true/);
      expect(() => diffCollection(inputs.name, created.outs, resized)).toThrow(
        /would delete data, so it was refused/,
      );
      await expect(updateCollection(inputs.name, created.outs, resized)).rejects.toThrow(/refused/);

      const allowed = { ...resized, allowRecreate: true };
      expect(checkCollection(inputs, allowed).failures).toEqual([]);
      expect(diffCollection(inputs.name, created.outs, allowed)).toMatchObject({
        changes: true,
        replaces: ["vectors"],
        deleteBeforeReplace: true,
      });
      const updated = await updateCollection(inputs.name, created.outs, allowed);
      const { read, diff } = await refreshThenDiff(inputs.name, updated.outs, allowed);
      expect(read.props.vectors).toEqual({ size: 16, distance: "Euclid" });
      expect(diff.changes).toBe(false);
    } finally {
      await cleanup(inputs);
    }
  },

  async "a rebuild is a replacement: delete (old state) then create (new inputs) rebuilds, kept or dropped, and converges"(
    server: ScenarioServer,
  ) {
    for (const dropOnDelete of [false, true]) {
      const inputs = katoCollection(server, `replace_${dropOnDelete}`, {
        dropOnDelete,
        aliases: [server.name(`replace_${dropOnDelete}_live`)],
        payloadIndexes: [{ field: "pattern_name", schema: "keyword" }],
      });
      try {
        const created = await createCollection(inputs);
        const refreshed = (await readCollection(created.id, created.outs)).props;
        const allowed = {
          ...inputs,
          vectors: { size: 16, distance: "Euclid" as const },
          allowRecreate: true,
        };
        // What the engine does for `replaces` + `deleteBeforeReplace`: check, diff, delete old, create new.
        expect(checkCollection(inputs, allowed).failures).toEqual([]);
        const diff = diffCollection(created.id, refreshed, allowed);
        expect(diff).toMatchObject({ changes: true, replaces: ["vectors"], deleteBeforeReplace: true });
        await deleteCollection(created.id, refreshed);
        const replaced = await createCollection(allowed);
        expect(replaced.id).toBe(inputs.name);
        const { read, diff: again } = await refreshThenDiff(replaced.id, replaced.outs, allowed);
        expect(read.props.vectors).toEqual({ size: 16, distance: "Euclid" });
        expect(read.props.aliases).toEqual(inputs.aliases);
        expect(read.props.payloadIndexes).toEqual(inputs.payloadIndexes);
        expect(again.changes).toBe(false);
      } finally {
        await cleanup(inputs);
      }
    }
  },

  async "removing a per-vector HNSW key is refused, then rebuilt under allowRecreate, and a second up changes nothing"(
    server: ScenarioServer,
  ) {
    const inputs = katoCollection(server, "vector_hnsw", {
      vectors: { text: { size: 8, distance: "Euclid", hnsw: { m: 32, efConstruct: 200 } } },
    });
    try {
      const created = await createCollection(inputs);
      const dropped = {
        ...inputs,
        vectors: { text: { size: 8, distance: "Euclid" as const, hnsw: { efConstruct: 200 } } },
      };
      const check = checkCollection(inputs, dropped);
      expect(check.failures.map((f) => f.reason).join("\n")).toMatch(
        /vectors\.text\.hnsw: removing m \(32\)[\s\S]*set allowRecreate: true/,
      );
      expect(() => diffCollection(created.id, created.outs, dropped)).toThrow(/cannot unset/);
      const allowed = { ...dropped, allowRecreate: true };
      expect(diffCollection(created.id, created.outs, allowed)).toMatchObject({
        replaces: ["vectors"],
        deleteBeforeReplace: true,
      });
      await deleteCollection(created.id, created.outs);
      const replaced = await createCollection(allowed);
      // Second `up`: refresh, diff, and (were there a change) update: nothing to do.
      const { read, diff } = await refreshThenDiff(replaced.id, replaced.outs, allowed);
      expect(read.props.vectors).toEqual({
        text: { size: 8, distance: "Euclid", hnsw: { efConstruct: 200 } },
      });
      expect(diff.changes).toBe(false);
      await withQdrant(inputs, async (api) => {
        const info = await api.getCollection(inputs.name);
        const text = (info!.config.params.vectors as Record<string, { hnsw_config?: object }>).text!;
        expect(text.hnsw_config).toEqual({ ef_construct: 200 });
      });
    } finally {
      await cleanup(inputs);
    }
  },

  async "adds and removes payload indexes"(server: ScenarioServer) {
    const inputs = katoCollection(server, "indexes", {
      payloadIndexes: [{ field: "pattern_name", schema: "keyword" }],
    });
    try {
      const created = await createCollection(inputs);
      const next = {
        ...inputs,
        payloadIndexes: [
          { field: "event_index", schema: "integer" as const },
          { field: "tenant", schema: { type: "keyword" as const, is_tenant: true } },
        ],
      };
      const updated = await updateCollection(inputs.name, created.outs, next);
      const { read, diff } = await refreshThenDiff(inputs.name, updated.outs, next);
      expect(read.props.payloadIndexes).toEqual(next.payloadIndexes);
      expect(diff.changes).toBe(false);
    } finally {
      await cleanup(inputs);
    }
  },

  async "points aliases at the collection and moves them"(server: ScenarioServer) {
    const live = server.name("live");
    const inputs = katoCollection(server, "aliases", { aliases: [live] });
    try {
      const created = await createCollection(inputs);
      let { read } = await refreshThenDiff(inputs.name, created.outs, inputs);
      expect(read.props.aliases).toEqual([live]);
      const renamed = { ...inputs, aliases: [server.name("current")] };
      const updated = await updateCollection(inputs.name, created.outs, renamed);
      ({ read } = await refreshThenDiff(inputs.name, updated.outs, renamed));
      expect(read.props.aliases).toEqual(renamed.aliases);
      await withQdrant(inputs, async (api) => {
        expect(await api.getAliases(inputs.name)).toEqual(renamed.aliases);
      });
    } finally {
      await cleanup(inputs);
    }
  },

  async "reports drift made outside Pulumi and puts it back"(server: ScenarioServer) {
    const inputs = katoCollection(server, "drift");
    try {
      const created = await createCollection(inputs);
      await withQdrant(inputs, (api) =>
        api.updateCollection(inputs.name, {
          hnsw_config: { m: 8 },
          optimizers_config: { flush_interval_sec: 30 },
        }),
      );
      const { read, diff } = await refreshThenDiff(inputs.name, created.outs, inputs);
      expect(read.props.hnsw.m).toBe(8);
      expect(read.props.optimizers.flushIntervalSec).toBe(30);
      expect(diff.changes).toBe(true);
      expect(Object.keys(diff.detailedDiff).sort()).toEqual(["hnsw.m", "optimizers.flushIntervalSec"]);
      const updated = await updateCollection(inputs.name, read.props, inputs);
      const again = await refreshThenDiff(inputs.name, updated.outs, inputs);
      expect(again.read.props.hnsw.m).toBe(16);
      expect(again.diff.changes).toBe(false);
    } finally {
      await cleanup(inputs);
    }
  },

  async "adopts a collection that already exists (409 on create) and converges it"(server: ScenarioServer) {
    const inputs = katoCollection(server, "exists");
    try {
      await withQdrant(inputs, (api) =>
        api.createCollection(inputs.name, {
          vectors: { size: 8, distance: "Euclid" },
          hnsw_config: { m: 4 },
        }),
      );
      const created = await createCollection(inputs);
      const { read, diff } = await refreshThenDiff(created.id, created.outs, inputs);
      expect(read.props.hnsw).toEqual(inputs.hnsw);
      expect(diff.changes).toBe(false);
    } finally {
      await cleanup(inputs);
    }
  },

  async "two concurrent creates of one collection both converge"(server: ScenarioServer) {
    const inputs = katoCollection(server, "race");
    try {
      const [a, b] = await Promise.all([createCollection(inputs), createCollection(inputs)]);
      expect(a.id).toBe(b.id);
      const { diff } = await refreshThenDiff(a.id, a.outs, inputs);
      expect(diff.changes).toBe(false);
    } finally {
      await cleanup(inputs);
    }
  },

  async "keeps the collection on delete unless dropOnDelete"(server: ScenarioServer) {
    const inputs = katoCollection(server, "keep", { dropOnDelete: false });
    try {
      const created = await createCollection(inputs);
      await deleteCollection(created.id, created.outs);
      expect((await readCollection(created.id, created.outs)).id).toBe(created.id);
      await deleteCollection(created.id, { ...created.outs, dropOnDelete: true });
      expect((await readCollection(created.id, created.outs)).id).toBe("");
    } finally {
      await cleanup(inputs);
    }
  },
};
