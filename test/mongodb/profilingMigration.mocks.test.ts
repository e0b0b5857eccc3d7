/**
 * MongoProfiling and MongoMigration under Pulumi mocks, wired from a MongoReplicaSet's outputs the
 * way a program wires them: their types, their inputs as the engine receives them, and no
 * generated credential in plaintext anywhere.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  MongoMigration,
  MongoProfiling,
  MongoReplicaSet,
  patternsVersionMigration,
} from "../../components/mongodb";
import { installMocks, isSecret, plaintextSecretLeaks, settle, unwrapSecrets } from "../support/mocks";

const harness = installMocks();
let profiling: MongoProfiling;
let migration: MongoMigration;
const tenants = Array.from({ length: 1000 }, (_, i) => `node_t${i}_kato`);

beforeAll(async () => {
  const rs = new MongoReplicaSet("mongo", { target: { kind: "kubernetes", namespace: "kato" }, members: 3 });
  profiling = new MongoProfiling("mongo-profiling", {
    databases: Object.fromEntries(tenants.map((t) => [t, 1 as const])),
    slowms: 100,
    serverDefaults: { level: "off", slowms: 100 },
    access: rs.access,
    username: rs.rootUsername,
    password: rs.rootPassword,
  });
  migration = new MongoMigration("mongo-migration-0001", {
    ...patternsVersionMigration(),
    databases: tenants,
    access: rs.access,
    username: rs.rootUsername,
    password: rs.rootPassword,
  });
  await settle(rs.uri, profiling.id, migration.id);
});

describe("MongoProfiling and MongoMigration in a program", () => {
  it("are one resource each for 1000 tenants, with their own types", () => {
    expect(harness.ofType("pulumi-nodejs:dynamic/kato:MongoProfiling")).toHaveLength(1);
    expect(harness.ofType("pulumi-nodejs:dynamic/kato:MongoMigration")).toHaveLength(1);
  });

  it("receive the members by port-forward and the root credentials from the replica set", () => {
    const p = unwrapSecrets(harness.one("pulumi-nodejs:dynamic/kato:MongoProfiling").inputs);
    expect(p.access.members.map((m: any) => m.reach)).toEqual(
      [0, 1, 2].map((i) =>
        expect.objectContaining({ kind: "port-forward", namespace: "kato", pod: `mongo-${i}` }),
      ),
    );
    expect(p.username).toBe("root");
    expect(Object.keys(p.databases)).toHaveLength(1000);
    const m = unwrapSecrets(harness.one("pulumi-nodejs:dynamic/kato:MongoMigration").inputs);
    expect(m).toMatchObject({
      migrationId: "0001-patterns-version-3.0",
      collection: "patterns",
      setIfMissing: { field: "version", value: "3.0" },
    });
    expect(m.databases).toHaveLength(1000);
  });

  it("keep the password a secret in their inputs and outputs; no generated credential in plaintext", async () => {
    for (const type of [
      "pulumi-nodejs:dynamic/kato:MongoProfiling",
      "pulumi-nodejs:dynamic/kato:MongoMigration",
    ]) {
      const raw = harness.one(type).inputs;
      expect(JSON.stringify(raw.password)).toContain("1b47061264138c4ac30d75fd1eb44270");
    }
    expect(await isSecret((profiling as any).password)).toBe(true);
    expect(await isSecret((migration as any).password)).toBe(true);
    expect(plaintextSecretLeaks(harness)).toEqual([]);
  });
});
