/**
 * Test bodies for the MongoReplicaSetBootstrap executor that hold against any replica set member
 * (fresh or already initiated): run against the fake and against a real server (test:live).
 */
import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import { bootstrapReplicaSet } from "../../../components/mongodb/bootstrapExecutor";
import type { ReachableMember } from "../../../components/shared/access";

export interface BootstrapHarness {
  replicaSetName: string;
  members(): ReachableMember[];
  root: { username: string; password: string };
}

export function bootstrapContract(harness: () => Promise<BootstrapHarness>): void {
  describe("MongoReplicaSetBootstrap executor", () => {
    it("ends with a writable primary, every declared member in the config, and a working app user", async () => {
      const h = await harness();
      const app = { username: `kato_${Date.now()}`, password: "app-password-1" };
      const result = await bootstrapReplicaSet({
        replicaSetName: h.replicaSetName,
        members: h.members(),
        root: h.root,
        app,
        timeoutMs: 30_000,
        pollMs: 50,
      });
      expect(result.members.sort()).toEqual(
        h
          .members()
          .map((m) => m.advertised)
          .sort(),
      );
      expect(h.members().map((m) => m.advertised)).toContain(result.primary);
      const primary = h.members().find((m) => m.advertised === result.primary)!;
      const client = new MongoClient(`mongodb://${primary.host}:${primary.port}/?directConnection=true`, {
        auth: app,
        authSource: "admin",
        serverSelectionTimeoutMS: 5000,
      });
      try {
        const db = client.db(`kato_contract_${Date.now()}`);
        await db.command({ createIndexes: "c", indexes: [{ key: { a: 1 }, name: "a_1" }] });
        await db.command({ dropDatabase: 1 });
        await expect(
          client.db("admin").command({ createUser: "intruder", pwd: "x", roles: [] }),
        ).rejects.toMatchObject({ code: 13 });
      } finally {
        await client.close();
      }
    });

    it("is idempotent: a second run initiates nothing and keeps the app user's new password", async () => {
      const h = await harness();
      const base = {
        replicaSetName: h.replicaSetName,
        members: h.members(),
        root: h.root,
        timeoutMs: 30_000,
        pollMs: 50,
      };
      const user = `kato_${Date.now()}`;
      await bootstrapReplicaSet({ ...base, app: { username: user, password: "first" } });
      const second = await bootstrapReplicaSet({ ...base, app: { username: user, password: "second" } });
      expect(second.initiated).toBe(false);
      expect(second.added).toEqual([]);
      expect(second.removed).toEqual([]);
      const primary = h.members().find((m) => m.advertised === second.primary)!;
      const client = new MongoClient(`mongodb://${primary.host}:${primary.port}/?directConnection=true`, {
        auth: { username: user, password: "second" },
        authSource: "admin",
        serverSelectionTimeoutMS: 5000,
      });
      try {
        expect((await client.db("admin").command({ ping: 1 })).ok).toBe(1);
      } finally {
        await client.close();
      }
    });
  });
}
