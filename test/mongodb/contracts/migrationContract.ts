/**
 * Test bodies for the MongoMigration executor that hold against any replica set: they run against
 * the fake (test/mongodb/migration.fake.test.ts) and against a real server (test/live/mongodb.test.ts).
 * Every test uses its own migration id and databases (from the harness), so they never meet.
 */
import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import { type MigrationRequest, runMigration } from "../../../components/mongodb/migrationExecutor";
import {
  MIGRATION_RECORD,
  type MigrationSpec,
  patternsVersionMigration,
} from "../../../components/mongodb/migrationPlan";
import type { ReachableMember } from "../../../components/shared/access";

export interface MigrationHarness {
  members(): ReachableMember[];
  credentials: { username: string; password: string };
  /** A fresh prefix per call; databases `<prefix>_<x>_kato` belong to one test. */
  prefix(): string;
  /** Update commands a database received, when countable. */
  count?(command: string, database: string): number;
}

export function migrationRequest(h: MigrationHarness, spec: MigrationSpec): MigrationRequest {
  return { spec, members: h.members(), credentials: h.credentials, timeoutMs: 20_000, pollMs: 50 };
}

/** Runs `fn` with a client on the primary (found by asking each member). */
export async function onPrimary<T>(h: MigrationHarness, fn: (client: MongoClient) => Promise<T>): Promise<T> {
  for (const m of h.members()) {
    const client = new MongoClient(`mongodb://${m.host}:${m.port}/?directConnection=true`, {
      auth: h.credentials,
      authSource: "admin",
      serverSelectionTimeoutMS: 5000,
    });
    try {
      const hello = await client.db("admin").command({ hello: 1 });
      if (hello.isWritablePrimary) return await fn(client);
    } finally {
      await client.close();
    }
  }
  throw new Error("no primary");
}

/** Patterns, some with a version already: `lacking` of them have none. */
export async function seed(
  h: MigrationHarness,
  database: string,
  collection: string,
  lacking: number,
  versioned: number,
) {
  await onPrimary(h, async (client) => {
    const docs = [
      ...Array.from({ length: lacking }, (_, i) => ({ name: `p${i}`, frequency: i })),
      ...Array.from({ length: versioned }, (_, i) => ({ name: `v${i}`, version: "2.0" })),
    ];
    if (docs.length > 0) await client.db(database).collection(collection).insertMany(docs);
  });
}

export async function versions(
  h: MigrationHarness,
  database: string,
  collection: string,
): Promise<unknown[]> {
  return onPrimary(h, async (client) =>
    (
      await client
        .db(database)
        .collection(collection)
        .find({}, { sort: { name: 1 } })
        .toArray()
    ).map((d) => d.version),
  );
}

export async function record(h: MigrationHarness, id: string): Promise<Record<string, any> | null> {
  return onPrimary(h, (client) =>
    client
      .db(MIGRATION_RECORD.database)
      .collection(MIGRATION_RECORD.collection)
      .findOne({ _id: id as any }),
  );
}

export function migrationContract(harness: () => Promise<MigrationHarness>): void {
  describe("MongoMigration executor", () => {
    it("sets version 3.0 on every pattern lacking it in every declared database, and records what it changed", async () => {
      const h = await harness();
      const p = h.prefix();
      const [a, b] = [`${p}_a_kato`, `${p}_b_kato`];
      await seed(h, a, "patterns", 3, 1);
      await seed(h, b, "patterns", 2, 2);
      const spec: MigrationSpec = {
        ...patternsVersionMigration(),
        migrationId: `${p}-version`,
        databases: [a, b],
      };
      const result = await runMigration(migrationRequest(h, spec));
      expect(result.counts).toEqual({ total: 5, databases: { [a]: 3, [b]: 2 } });
      expect(result.changedByThisRun).toEqual(result.counts);
      expect(await versions(h, a, "patterns")).toEqual(["3.0", "3.0", "3.0", "2.0"]);
      expect(await versions(h, b, "patterns")).toEqual(["3.0", "3.0", "2.0", "2.0"]);
      expect(await record(h, spec.migrationId)).toMatchObject({
        _id: spec.migrationId,
        version: result.version,
        status: "applied",
        appliedAt: expect.any(Date),
        counts: { total: 5, databases: { [a]: 3, [b]: 2 } },
        definition: { collection: "patterns", setIfMissing: { field: "version", value: "3.0" } },
      });
    });

    it("is a no-op the second time: zero changes, no update sent to the tenant databases", async () => {
      const h = await harness();
      const p = h.prefix();
      const a = `${p}_a_kato`;
      await seed(h, a, "patterns", 2, 0);
      const spec: MigrationSpec = {
        ...patternsVersionMigration(),
        migrationId: `${p}-version`,
        databases: [a],
      };
      await runMigration(migrationRequest(h, spec));
      const before = h.count?.("update", a);
      await seed(h, a, "patterns", 1, 0); // a pattern written later without a version: not this migration's concern
      const again = await runMigration(migrationRequest(h, spec));
      expect(again.changedByThisRun).toEqual({ total: 0, databases: {} });
      expect(again.counts).toEqual({ total: 2, databases: { [a]: 2 } });
      expect(again.skipped).toEqual([a]);
      if (h.count) expect(h.count("update", a)).toBe(before);
    });

    it("finds tenant databases by pattern, never touching the others", async () => {
      const h = await harness();
      const p = h.prefix();
      const [a, b, other] = [`${p}_a_kato`, `${p}_b_kato`, `${p}_other`];
      await seed(h, a, "patterns", 1, 0);
      await seed(h, b, "patterns", 2, 0);
      await seed(h, other, "patterns", 4, 0);
      const spec: MigrationSpec = {
        ...patternsVersionMigration(),
        migrationId: `${p}-pattern`,
        databasePattern: `^${p}_.*_kato$`,
      };
      const result = await runMigration(migrationRequest(h, spec));
      expect(result.counts).toEqual({ total: 3, databases: { [a]: 1, [b]: 2 } });
      expect(await versions(h, other, "patterns")).toEqual([undefined, undefined, undefined, undefined]);
    });

    it("refuses the same id with another definition, changing nothing", async () => {
      const h = await harness();
      const p = h.prefix();
      const a = `${p}_a_kato`;
      await seed(h, a, "patterns", 1, 0);
      const spec: MigrationSpec = {
        ...patternsVersionMigration(),
        migrationId: `${p}-version`,
        databases: [a],
      };
      await runMigration(migrationRequest(h, spec));
      await seed(h, a, "patterns", 1, 0);
      const changed = { ...spec, setIfMissing: { field: "version", value: "3.1" } };
      await expect(runMigration(migrationRequest(h, changed))).rejects.toThrow(
        /\[migration-changed\][\s\S]*records that it ran[\s\S]*new id[\s\S]*Nothing was changed/,
      );
      expect((await versions(h, a, "patterns")).sort()).toEqual(["3.0", undefined]);
    });
  });
}
