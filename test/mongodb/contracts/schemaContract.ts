/**
 * Test bodies for the MongoDatabaseSchema executor that hold against any MongoDB: they run against
 * the fake (test/mongodb/executors.fake.test.ts) and against a real server (test/live/mongodb.test.ts).
 * Round-trip counts are asserted only where the harness can count commands.
 */
import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import { applySchema, inspectSchema, type SchemaRequest } from "../../../components/mongodb/schemaExecutor";
import type { CollectionSpec } from "../../../components/mongodb/schemaSpec";
import type { ReachableMember } from "../../../components/shared/access";

export interface SchemaHarness {
  members(): ReachableMember[];
  credentials: { username: string; password: string };
  /** Commands of one kind the server received for `database.collection`, when countable. */
  count?(command: string, database: string, collection?: string): number;
  /** A fresh database name per test. */
  database(): string;
}

const KATO_V3: Record<string, CollectionSpec> = {
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
  symbols_kb: { indexes: [{ keys: [["name", 1]], unique: true }] },
  metadata: { indexes: [] },
};

async function serverIndexes(h: SchemaHarness, database: string, collection: string) {
  const m = h.members()[0]!;
  const client = new MongoClient(`mongodb://${m.host}:${m.port}/?directConnection=true`, {
    auth: h.credentials,
    authSource: "admin",
    serverSelectionTimeoutMS: 5000,
  });
  try {
    return await client.db(database).collection(collection).listIndexes().toArray();
  } finally {
    await client.close();
  }
}

export function schemaContract(harness: () => Promise<SchemaHarness>): void {
  const request = (
    h: SchemaHarness,
    database: string,
    collections: Record<string, CollectionSpec>,
    allowIndexRebuild = false,
  ): SchemaRequest => ({
    database,
    collections,
    allowIndexRebuild,
    members: h.members(),
    credentials: h.credentials,
    timeoutMs: 20_000,
    pollMs: 50,
  });

  describe("MongoDatabaseSchema executor", () => {
    it("creates every declared collection and index, with MongoDB's default names", async () => {
      const h = await harness();
      const db = h.database();
      const result = await applySchema(request(h, db, KATO_V3));
      expect(result.created.sort()).toEqual(
        [
          "patterns_kb.frequency_-1_name_1",
          "patterns_kb.name_1",
          "patterns_kb.pattern_data_1_name_1",
          "symbols_kb.name_1",
        ].sort(),
      );
      expect(result.collectionsCreated).toEqual(["metadata"]);
      const names = (await serverIndexes(h, db, "patterns_kb")).map((i) => i.name).sort();
      expect(names).toEqual(["_id_", "frequency_-1_name_1", "name_1", "pattern_data_1_name_1"]);
      const unique = (await serverIndexes(h, db, "symbols_kb")).find((i) => i.name === "name_1");
      expect(unique?.unique).toBe(true);
    });

    it("uses one listIndexes and at most one createIndexes per collection", async () => {
      const h = await harness();
      if (!h.count) return;
      const db = h.database();
      await applySchema(request(h, db, KATO_V3));
      for (const c of Object.keys(KATO_V3)) {
        expect(h.count("listIndexes", db, c)).toBe(1);
        expect(h.count("createIndexes", db, c)).toBeLessThanOrEqual(1);
      }
      expect(h.count("createIndexes", db, "patterns_kb")).toBe(1);
    });

    it("changes nothing on a second run, with one listIndexes per collection", async () => {
      const h = await harness();
      const db = h.database();
      await applySchema(request(h, db, KATO_V3));
      const before = h.count ? Object.keys(KATO_V3).map((c) => h.count!("listIndexes", db, c)) : [];
      const again = await applySchema(request(h, db, KATO_V3));
      expect(again).toMatchObject({ created: [], modified: [], rebuilt: [], collectionsCreated: [] });
      if (h.count) {
        Object.keys(KATO_V3).forEach((c, i) => {
          expect(h.count!("listIndexes", db, c)).toBe(before[i]! + 1);
          expect(h.count!("createIndexes", db, c)).toBeLessThanOrEqual(1);
          expect(h.count!("collMod", db, c)).toBe(0);
          expect(h.count!("dropIndexes", db, c)).toBe(0);
        });
      }
    });

    it("changes a TTL and the hidden flag in place with collMod", async () => {
      const h = await harness();
      const db = h.database();
      await applySchema(
        request(h, db, { events: { indexes: [{ keys: [["created_at", 1]], expireAfterSeconds: 3600 }] } }),
      );
      const result = await applySchema(
        request(h, db, {
          events: { indexes: [{ keys: [["created_at", 1]], expireAfterSeconds: 60, hidden: true }] },
        }),
      );
      expect(result.modified).toEqual(["events.created_at_1"]);
      expect(result.rebuilt).toEqual([]);
      const ix = (await serverIndexes(h, db, "events")).find((i) => i.name === "created_at_1");
      expect(ix?.expireAfterSeconds).toBe(60);
      expect(ix?.hidden).toBe(true);
    });

    it("turns a plain single-field index into a TTL index with collMod", async () => {
      const h = await harness();
      const db = h.database();
      await applySchema(request(h, db, { events: { indexes: [{ keys: [["created_at", 1]] }] } }));
      const result = await applySchema(
        request(h, db, { events: { indexes: [{ keys: [["created_at", 1]], expireAfterSeconds: 10 }] } }),
      );
      expect(result.modified).toEqual(["events.created_at_1"]);
    });

    it("refuses a change that needs a rebuild unless allowIndexRebuild is set, and changes nothing", async () => {
      const h = await harness();
      const db = h.database();
      await applySchema(
        request(h, db, { patterns_kb: { indexes: [{ keys: [["name", 1]] }] }, other: { indexes: [] } }),
      );
      const next = {
        patterns_kb: { indexes: [{ keys: [["name", 1]] as Array<[string, 1]>, unique: true }] },
        other: { indexes: [{ keys: [["x", 1]] as Array<[string, 1]> }] },
      };
      await expect(applySchema(request(h, db, next))).rejects.toThrow(
        /\[index-rebuild\][\s\S]*name_1 must be dropped and rebuilt[\s\S]*allowIndexRebuild: true/,
      );
      expect((await serverIndexes(h, db, "other")).map((i) => i.name)).toEqual(["_id_"]);
      const result = await applySchema(request(h, db, next, true));
      expect(result.rebuilt).toEqual(["patterns_kb.name_1"]);
      const ix = (await serverIndexes(h, db, "patterns_kb")).find((i) => i.name === "name_1");
      expect(ix?.unique).toBe(true);
    });

    it("leaves undeclared indexes alone and reports them", async () => {
      const h = await harness();
      const db = h.database();
      await applySchema(request(h, db, { c: { indexes: [{ keys: [["a", 1]] }, { keys: [["b", 1]] }] } }));
      const result = await applySchema(request(h, db, { c: { indexes: [{ keys: [["a", 1]] }] } }));
      expect(result.undeclaredIndexes).toEqual([{ collection: "c", name: "b_1", key: { b: 1 } }]);
      expect((await serverIndexes(h, db, "c")).map((i) => i.name).sort()).toEqual(["_id_", "a_1", "b_1"]);
      const inspected = await inspectSchema(request(h, db, { c: { indexes: [{ keys: [["a", 1]] }] } }));
      expect(inspected[0]!.undeclared.map((u) => u.name)).toEqual(["b_1"]);
    });

    it("rebuilds an unnamed index whose keys were reordered (refused without the allow) instead of adding a second", async () => {
      const h = await harness();
      const db = h.database();
      const ab: Array<[string, 1 | -1]> = [
        ["frequency", -1],
        ["name", 1],
      ];
      await applySchema(request(h, db, { c: { indexes: [{ keys: ab }] } }));
      const reordered = { c: { indexes: [{ keys: [ab[1]!, ab[0]!] }] } };
      await expect(applySchema(request(h, db, reordered))).rejects.toThrow(
        /\[index-rebuild\][\s\S]*frequency_-1_name_1 must be dropped and rebuilt as name_1_frequency_-1 because its keys were reordered/,
      );
      const result = await applySchema(request(h, db, reordered, true));
      expect(result.rebuilt).toEqual(["c.name_1_frequency_-1"]);
      expect(result.undeclaredIndexes).toEqual([]);
      expect((await serverIndexes(h, db, "c")).map((i) => i.name).sort()).toEqual([
        "_id_",
        "name_1_frequency_-1",
      ]);
    });

    it("creates text, partial, sparse and collated indexes the server accepts and then sees as unchanged", async () => {
      const h = await harness();
      const db = h.database();
      const spec: Record<string, CollectionSpec> = {
        patterns: {
          indexes: [
            { keys: [["events", "text"]], weights: { events: 5 } },
            { keys: [["metadata.tag", 1]], sparse: true },
            { keys: [["rating", 1]], partialFilterExpression: { rating: { $gt: 5 } } },
            { keys: [["title", 1]], collation: { locale: "en", strength: 2 } },
          ],
        },
      };
      await applySchema(request(h, db, spec));
      const again = await applySchema(request(h, db, spec));
      expect(again).toMatchObject({ created: [], modified: [], rebuilt: [] });
    });
  });
}
