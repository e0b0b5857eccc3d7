/**
 * The MongoMigration executor against the strict fake replica set, through the real driver: the
 * shared contract bodies, then what only a fake can stage (a failure halfway, a step-down during an
 * update, a record written by another definition, no primary).
 */
import { afterEach, describe, expect, it } from "vitest";
import { inspectMigration, runMigration } from "../../components/mongodb/migrationExecutor";
import {
  MIGRATION_RECORD,
  type MigrationSpec,
  migrationVersion,
  patternsVersionMigration,
} from "../../components/mongodb/migrationPlan";
import {
  type MigrationHarness,
  migrationContract,
  migrationRequest,
  record,
  seed,
  versions,
} from "./contracts/migrationContract";
import { FakeMongoCluster } from "./fake/fakeMongo";

const root = { username: "root", password: "root-password" };
const clusters: FakeMongoCluster[] = [];

async function cluster(members = 3): Promise<FakeMongoCluster> {
  const c = new FakeMongoCluster({ members, root });
  clusters.push(c);
  await c.start();
  c.initiateNow();
  return c;
}

afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
});

let n = 0;
const harnessOf = (c: FakeMongoCluster): MigrationHarness => ({
  members: () => c.reachable(),
  credentials: root,
  prefix: () => `node_t${n++}`,
  count: (command, database) => c.countCommands(command, { db: database }),
});

describe("against the fake: shared contract", () => {
  migrationContract(async () => harnessOf(await cluster()));
});

describe("MongoMigration against the fake", () => {
  const tenants = ["node_a_kato", "node_b_kato", "node_c_kato"];
  const spec: MigrationSpec = { ...patternsVersionMigration(), databases: tenants };

  async function seeded() {
    const c = await cluster();
    const h = harnessOf(c);
    await seed(h, "node_a_kato", "patterns", 2, 1);
    await seed(h, "node_b_kato", "patterns", 3, 0);
    await seed(h, "node_c_kato", "patterns", 1, 1);
    return { c, h };
  }

  it("one update per database, on the primary, with w: majority, and one record write per database", async () => {
    const { c, h } = await seeded();
    await runMigration(migrationRequest(h, spec));
    for (const db of tenants) {
      expect(c.countCommands("update", { db, collection: "patterns" })).toBe(1);
      expect(c.log.find((e) => e.command === "update" && e.db === db)?.member).toBe("mongo-0:27017");
    }
    // start + one per database + finish
    expect(c.countCommands("update", { db: MIGRATION_RECORD.database })).toBe(tenants.length + 2);
  });

  it("a failure halfway leaves the done databases recorded; running again converges and counts every document once", async () => {
    const { c, h } = await seeded();
    c.inject({
      command: "update",
      db: "node_b_kato",
      error: { code: 2, codeName: "BadValue", errmsg: "disk full (staged)" },
    });
    const error = await runMigration(migrationRequest(h, spec)).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /updating node_b_kato\.patterns on mongo-0:27017 .*failed: disk full \(staged\) \(code 2 BadValue\)[\s\S]*recorded in kato_infra\.migrations: node_a_kato\.\nNot done yet: node_b_kato, node_c_kato\.[\s\S]*run pulumi up again/,
    );
    expect(await record(h, spec.migrationId)).toMatchObject({
      status: "running",
      counts: { databases: { node_a_kato: 2 } },
    });
    expect(await versions(h, "node_b_kato", "patterns")).toEqual([undefined, undefined, undefined]);

    const inspected = await inspectMigration(migrationRequest(h, spec));
    expect(inspected).toMatchObject({ status: "running", pendingDatabases: ["node_b_kato", "node_c_kato"] });

    const again = await runMigration(migrationRequest(h, spec));
    expect(again.skipped).toEqual(["node_a_kato"]);
    expect(again.changedByThisRun).toEqual({ total: 4, databases: { node_b_kato: 3, node_c_kato: 1 } });
    expect(again.counts).toEqual({ total: 6, databases: { node_a_kato: 2, node_b_kato: 3, node_c_kato: 1 } });
    expect(c.countCommands("update", { db: "node_a_kato" })).toBe(1);
    for (const db of tenants)
      expect((await versions(h, db, "patterns")).every((v) => v !== undefined)).toBe(true);
  });

  it("a primary stepping down during an update: the update runs again on the new primary", async () => {
    const { c, h } = await seeded();
    c.inject({ command: "update", db: "node_b_kato", effect: "step-down" });
    const result = await runMigration(migrationRequest(h, spec));
    expect(result.counts.total).toBe(6);
    const members = new Set(
      c.log.filter((e) => e.command === "update" && e.db === "node_b_kato").map((e) => e.member),
    );
    expect(members.size).toBe(2);
  });

  it("a record of this id written by another definition (another stack, lost state) is refused before any change", async () => {
    const { c, h } = await seeded();
    const other = { ...spec, setIfMissing: { field: "version", value: "2.9" } };
    await runMigration(migrationRequest(h, { ...other, databases: ["node_c_kato"] }));
    const updatesBefore = c.countCommands("update", { db: "node_a_kato" });
    await expect(runMigration(migrationRequest(h, spec))).rejects.toThrow(/\[migration-changed\]/);
    expect(c.countCommands("update", { db: "node_a_kato" })).toBe(updatesBefore);
    expect((await record(h, spec.migrationId))?.version).toBe(migrationVersion(other));
  });

  it("pattern scope: a tenant created later is found by refresh and migrated by the next run alone", async () => {
    const { c, h } = await seeded();
    const byPattern: MigrationSpec = { ...patternsVersionMigration(), databasePattern: "^node_.*_kato$" };
    const first = await runMigration(migrationRequest(h, byPattern));
    expect(Object.keys(first.counts.databases)).toEqual(tenants);
    await seed(h, "node_new_kato", "patterns", 4, 0);
    expect((await inspectMigration(migrationRequest(h, byPattern))).pendingDatabases).toEqual([
      "node_new_kato",
    ]);
    const second = await runMigration(migrationRequest(h, byPattern));
    expect(second.changedByThisRun).toEqual({ total: 4, databases: { node_new_kato: 4 } });
    expect(c.countCommands("update", { db: "node_a_kato" })).toBe(1);
    expect(c.countCommands("listDatabases")).toBe(3);
  });

  it("a declared database that does not exist yet counts 0 and is not created", async () => {
    const { c, h } = await seeded();
    const result = await runMigration(migrationRequest(h, { ...spec, databases: ["node_ghost_kato"] }));
    expect(result.counts).toEqual({ total: 0, databases: { node_ghost_kato: 0 } });
    expect(c.data.has("node_ghost_kato")).toBe(false);
  });

  it("fails within the bound when no member accepts writes, changing nothing", async () => {
    const c = new FakeMongoCluster({ members: 3, root });
    clusters.push(c);
    await c.start();
    await expect(runMigration({ ...migrationRequest(harnessOf(c), spec), timeoutMs: 300 })).rejects.toThrow(
      /MongoMigration 0001-patterns-version-3\.0: no member accepted writes within 0 s[\s\S]*Nothing was changed/,
    );
    expect(c.countCommands("update")).toBe(0);
  });
});
