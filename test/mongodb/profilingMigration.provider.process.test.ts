/**
 * MongoProfiling and MongoMigration as the Pulumi engine runs them: serialized into `__provider`
 * under mocks, loaded from that text in a fresh Node process, and driven through
 * check/diff/create/read/update/delete against the fake replica set listening here.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoMigration, MongoProfiling, patternsVersionMigration } from "../../components/mongodb";
import { dockerAccess } from "../../components/shared/access";
import { installMocks, settle } from "../support/mocks";
import {
  type FreshProvider,
  loadProviderInFreshProcess,
  recordedDynamicResource,
} from "../support/providerProcess";
import { onPrimary, seed, versions } from "./contracts/migrationContract";
import { FakeMongoCluster } from "./fake/fakeMongo";

const harness = installMocks();
const root = { username: "root", password: "root-password" };
let cluster: FakeMongoCluster;
let profiling: FreshProvider;
let migration: FreshProvider;
let profilingInputs: Record<string, any>;
let migrationInputs: Record<string, any>;

const h = () => ({ members: () => cluster.reachable(), credentials: root, prefix: () => "unused" });

beforeAll(async () => {
  cluster = new FakeMongoCluster({ members: 3, root });
  await cluster.start();
  cluster.initiateNow();
  const members = cluster.reachable();
  const access = dockerAccess(
    members.map((m) => m.advertised),
    "127.0.0.1",
    members.map((m) => m.port),
  );
  const p = new MongoProfiling("tenant-profiling", {
    databases: { node_a_kato: 1, node_b_kato: "slowOp" },
    slowms: 100,
    access,
    username: root.username,
    password: pulumi.secret(root.password),
    timeoutSeconds: 5,
  });
  const m = new MongoMigration("patterns-version", {
    ...patternsVersionMigration(),
    databasePattern: "^node_.*_kato$",
    access,
    username: root.username,
    password: pulumi.secret(root.password),
    timeoutSeconds: 5,
  });
  await settle(p.id, m.id);
  const pr = recordedDynamicResource(harness, "tenant-profiling");
  const mr = recordedDynamicResource(harness, "patterns-version");
  profilingInputs = pr.inputs;
  migrationInputs = mr.inputs;
  [profiling, migration] = await Promise.all([
    loadProviderInFreshProcess(pr.providerText),
    loadProviderInFreshProcess(mr.providerText),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([profiling?.close(), migration?.close()]);
  await cluster?.stop();
});

describe("providers loaded from their serialized text in a fresh process", () => {
  it("serialize without @pulumi code or captured secrets", () => {
    for (const name of ["tenant-profiling", "patterns-version"]) {
      const r = recordedDynamicResource(harness, name);
      expect(r.providerText).not.toMatch(/require\("@pulumi\//);
      expect(r.providerText).not.toContain("root-password");
    }
  });

  it("profiling: check names each refused field with its rule", async () => {
    const checked = await profiling.call(
      "check",
      {},
      { ...profilingInputs, databases: { "a.b": 3 }, sampleRate: 2 },
    );
    const reasons = checked.failures.map((f: { reason: string }) => f.reason).join("\n");
    expect(reasons).toMatch(/\[database-name\]/);
    expect(reasons).toMatch(/\[profiling-level\]/);
    expect(reasons).toMatch(/\[profiling-sample-rate\]/);
    expect((await profiling.call("check", {}, profilingInputs)).failures).toEqual([]);
  });

  it("profiling: create sets every member; a restart shows in refresh, diff proposes the update, update fixes it", async () => {
    const created = await profiling.call("create", profilingInputs);
    expect(created.outs.members).toHaveLength(3);
    expect(
      created.outs.members.every((m: any) => m.reachable && Object.keys(m.mismatched).length === 0),
    ).toBe(true);
    expect(created.outs.changedByLastRun).toEqual({
      "mongo-0:27017": 2,
      "mongo-1:27017": 2,
      "mongo-2:27017": 2,
    });
    expect((await profiling.call("diff", created.id, created.outs, profilingInputs)).changes).toBe(false);

    await cluster.restartMember(2);
    const read = await profiling.call("read", created.id, created.outs);
    expect(read.props.members[2]).toEqual({
      member: "mongo-2:27017",
      reachable: true,
      slowms: 100,
      sampleRate: 1,
      mismatched: { node_a_kato: 0, node_b_kato: 0 },
    });
    expect((await profiling.call("diff", created.id, read.props, profilingInputs)).changes).toBe(true);

    const updated = await profiling.call("update", created.id, read.props, profilingInputs);
    expect(updated.outs.changedByLastRun).toEqual({ "mongo-2:27017": 2 });
    expect(cluster.profilingLevel(2, "node_b_kato")).toBe(1);
    const after = await profiling.call("read", created.id, updated.outs);
    expect((await profiling.call("diff", created.id, after.props, profilingInputs)).changes).toBe(false);
  });

  it("profiling: a member that is down fails the update with its name; delete resets the others", async () => {
    await cluster.stopMember(1);
    try {
      const inputs = { ...profilingInputs, timeoutSeconds: 1 };
      await expect(profiling.call("update", "id", profilingInputs, inputs)).rejects.toThrow(
        /could not set profiling on 1 of 3 members:\n {2}- mongo-1:27017 \(reached at 127\.0\.0\.1:\d+\) did not answer/,
      );
      await expect(profiling.call("delete", "id", inputs)).resolves.toBeNull();
      expect(cluster.profilingLevel(0, "node_a_kato")).toBe(0);
    } finally {
      await cluster.startMember(1);
    }
  });

  it("migration: check refuses a declaration with both scopes, naming the rule", async () => {
    const checked = await migration.call("check", {}, { ...migrationInputs, databases: ["node_a_kato"] });
    expect(checked.failures[0].reason).toMatch(/\[migration-scope\]/);
    expect((await migration.call("check", {}, migrationInputs)).failures).toEqual([]);
  });

  it("migration: create runs it once with its counts; the same declaration again is no change", async () => {
    await seed(h(), "node_a_kato", "patterns", 3, 1);
    await seed(h(), "node_b_kato", "patterns", 1, 0);
    const created = await migration.call("create", migrationInputs);
    expect(created.id).toBe("0001-patterns-version-3.0");
    expect(created.outs).toMatchObject({
      status: "applied",
      counts: { total: 4, databases: { node_a_kato: 3, node_b_kato: 1 } },
      changedByLastRun: 4,
      pendingDatabases: [],
      version: expect.stringMatching(/^sha256:/),
    });
    expect((await migration.call("diff", created.id, created.outs, migrationInputs)).changes).toBe(false);
    const read = await migration.call("read", created.id, created.outs);
    expect(read.props).toMatchObject({
      status: "applied",
      pendingDatabases: [],
      counts: created.outs.counts,
    });
  });

  it("migration: the same id with another definition is refused at diff; a new id replaces", async () => {
    const outs = (await migration.call("read", "0001-patterns-version-3.0", migrationInputs)).props;
    await expect(
      migration.call("diff", "0001-patterns-version-3.0", outs, {
        ...migrationInputs,
        setIfMissing: { field: "version", value: "3.1" },
      }),
    ).rejects.toThrow(/\[migration-changed\][\s\S]*Fix: .*new id \(e\.g\. 0001-patterns-version-3\.0-2\)/);
    const renamed = await migration.call("diff", "0001-patterns-version-3.0", outs, {
      ...migrationInputs,
      migrationId: "0002-patterns-version-3.1",
      setIfMissing: { field: "version", value: "3.1" },
    });
    expect(renamed).toMatchObject({ changes: true, replaces: ["migrationId"] });
  });

  it("migration: refresh finds a record of this id holding another definition; preview then refuses", async () => {
    const inputs = { ...migrationInputs, migrationId: "0009-shared-id" };
    await onPrimary(h(), (client) =>
      client
        .db("kato_infra")
        .collection("migrations")
        .insertOne({ _id: "0009-shared-id" as any, version: "sha256:another-stack", status: "applied" }),
    );
    const state = (await migration.call("read", "0009-shared-id", inputs)).props;
    expect(state.recordedVersion).toBe("sha256:another-stack");
    await expect(migration.call("diff", "0009-shared-id", state, inputs)).rejects.toThrow(
      /\[migration-changed\] MongoMigration 0009-shared-id: kato_infra\.migrations records \(version sha256:another-stack\)/,
    );
    await expect(migration.call("update", "0009-shared-id", state, inputs)).rejects.toThrow(
      /\[migration-changed\]/,
    );
  });

  it("migration: a tenant created after it ran is found by refresh and migrated by the update; delete keeps the data", async () => {
    await seed(h(), "node_c_kato", "patterns", 2, 0);
    const state = (await migration.call("read", "0001-patterns-version-3.0", migrationInputs)).props;
    expect(state.pendingDatabases).toEqual(["node_c_kato"]);
    expect((await migration.call("diff", "0001-patterns-version-3.0", state, migrationInputs)).changes).toBe(
      true,
    );
    const updated = await migration.call("update", "0001-patterns-version-3.0", state, migrationInputs);
    expect(updated.outs).toMatchObject({ changedByLastRun: 2, counts: { total: 6 } });
    await expect(migration.call("delete", "0001-patterns-version-3.0", updated.outs)).resolves.toBeNull();
    expect(await versions(h(), "node_c_kato", "patterns")).toEqual(["3.0", "3.0"]);
  });
});
