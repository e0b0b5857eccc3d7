/**
 * The executors against the strict fake replica set (test/mongodb/fake), through the real driver:
 * the shared contract bodies, then what only a fake can stage (lost volumes, dead members,
 * step-downs in the middle of an index build).
 */
import { afterEach, describe, expect, it } from "vitest";
import { type BootstrapRequest, bootstrapReplicaSet } from "../../components/mongodb/bootstrapExecutor";
import { applySchema } from "../../components/mongodb/schemaExecutor";
import { bootstrapContract } from "./contracts/bootstrapContract";
import { schemaContract } from "./contracts/schemaContract";
import { FakeMongoCluster } from "./fake/fakeMongo";

const root = { username: "root", password: "root-password" };
const app = { username: "kato", password: "app-password" };
const clusters: FakeMongoCluster[] = [];
/** Commands that change a server's state (the fake's write commands and the replication changes). */
const WRITE_COMMANDS = [
  "createUser",
  "updateUser",
  "dropUser",
  "createRole",
  "updateRole",
  "replSetInitiate",
  "replSetReconfig",
  "replSetStepDown",
  "createIndexes",
  "dropIndexes",
  "collMod",
  "create",
  "insert",
  "update",
  "delete",
  "dropDatabase",
];

async function cluster(members: number, options: { autoRejoin?: boolean } = {}): Promise<FakeMongoCluster> {
  const c = new FakeMongoCluster({ members, root, ...options });
  clusters.push(c);
  await c.start();
  return c;
}

afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
});

function request(
  c: FakeMongoCluster,
  ordinals?: number[],
  extra: Partial<BootstrapRequest> = {},
): BootstrapRequest {
  return {
    replicaSetName: "rs0",
    members: c.reachable(ordinals),
    root,
    app,
    timeoutMs: 5_000,
    pollMs: 20,
    attemptTimeoutMs: 500,
    ...extra,
  };
}

describe("against the fake: shared contracts", () => {
  let n = 0;
  bootstrapContract(async () => {
    const c = await cluster(3);
    return { replicaSetName: "rs0", members: () => c.reachable(), root };
  });
  schemaContract(async () => {
    const c = await cluster(3);
    c.initiateNow();
    return {
      members: () => c.reachable(),
      credentials: root,
      database: () => `tenant_${n++}_kato`,
      count: (command, database, collection) =>
        c.countCommands(command, { db: database, ...(collection ? { collection } : {}) }),
    };
  });
});

describe("MongoReplicaSetBootstrap against the fake", () => {
  it("initiates a fresh set once, on member 0, with every member's advertised name", async () => {
    const c = await cluster(3);
    const result = await bootstrapReplicaSet(request(c));
    expect(result.initiated).toBe(true);
    expect(c.countCommands("replSetInitiate")).toBe(1);
    expect(c.log.find((e) => e.command === "replSetInitiate")?.member).toBe("mongo-0:27017");
    expect(c.config?.members.map((m) => m.host)).toEqual(["mongo-0:27017", "mongo-1:27017", "mongo-2:27017"]);
    expect([0, 1, 2].map((i) => c.stateOf(i)).filter((s) => s === "PRIMARY")).toHaveLength(1);
  });

  it("does not initiate a set that already exists", async () => {
    const c = await cluster(3);
    c.initiateNow();
    const result = await bootstrapReplicaSet(request(c));
    expect(result.initiated).toBe(false);
    expect(c.countCommands("replSetInitiate")).toBe(0);
    expect(c.config?.version).toBe(1);
  });

  it("treats AlreadyInitialized (someone initiated in between) as success", async () => {
    const c = await cluster(3);
    c.inject({
      command: "replSetInitiate",
      before: () => c.initiateNow(),
      error: { code: 23, codeName: "AlreadyInitialized", errmsg: "already initialized" },
    });
    const result = await bootstrapReplicaSet(request(c));
    expect(result.initiated).toBe(false);
    expect(result.members).toHaveLength(3);
  });

  it("lets a member that lost its volume rejoin instead of starting a second set", async () => {
    const c = await cluster(3, { autoRejoin: false });
    c.initiateNow();
    const setVersion = c.config!.version;
    await c.wipeMember(0); // was the primary; it restarts empty with only the image's root user
    expect(c.stateOf(0)).toBe("UNINITIATED");
    const result = await bootstrapReplicaSet(request(c));
    expect(c.countCommands("replSetInitiate")).toBe(0);
    expect(result.rejoining).toEqual(["mongo-0:27017"]);
    expect(["mongo-1:27017", "mongo-2:27017"]).toContain(result.primary);
    c.heartbeat();
    expect(c.stateOf(0)).toBe("SECONDARY");
    expect(c.config!.version).toBe(setVersion);
  });

  it("scales up one member per reconfig, adding before anything else", async () => {
    const c = await cluster(5);
    c.initiateNow([0, 1, 2]);
    const result = await bootstrapReplicaSet(request(c));
    expect(result.added).toEqual(["mongo-3:27017", "mongo-4:27017"]);
    expect(c.countCommands("replSetReconfig")).toBe(2);
    expect(c.config!.members.map((m) => m.host)).toHaveLength(5);
    expect(c.stateOf(4)).toBe("SECONDARY");
  });

  it("scales down one member per reconfig, stepping the primary down first when it is leaving", async () => {
    const c = await cluster(5);
    c.initiateNow([0, 1, 2, 3, 4], 4);
    const result = await bootstrapReplicaSet(request(c, [0, 1, 2], { leaving: c.reachable([3, 4]) }));
    expect(result.removed).toEqual(["mongo-4:27017", "mongo-3:27017"]);
    expect(c.countCommands("replSetStepDown")).toBe(1);
    expect(c.countCommands("replSetReconfig")).toBe(2);
    expect(c.config!.members.map((m) => m.host)).toEqual(["mongo-0:27017", "mongo-1:27017", "mongo-2:27017"]);
    expect(c.stateOf(4)).toBe("REMOVED"); // hello: no valid config; it keeps the one that removed it
  });

  it("scales up by two members when the primary's own reconfig (dropping newlyAdded) lands between read and reconfig", async () => {
    const c = new FakeMongoCluster({ members: 5, root, newlyAddedRemoval: "manual" });
    clusters.push(c);
    await c.start();
    c.initiateNow([0, 1, 2]);
    // Each time the bootstrap sends a reconfig, the primary first finishes its pending automatic
    // reconfig: the second add was built from a config one version behind.
    c.inject({ command: "replSetReconfig", times: Infinity, before: () => c.completeNewlyAdded() });
    const result = await bootstrapReplicaSet(request(c));
    expect(result.added).toEqual(["mongo-3:27017", "mongo-4:27017"]);
    expect(c.countCommands("replSetReconfig")).toBe(3); // add, stale add (103), add again
    expect(c.config!.members.map((m) => m.host)).toHaveLength(5);
  });

  it("refuses to start a second set from members a reconfig removed, naming them and the way out", async () => {
    const c = await cluster(3);
    c.initiateNow([0, 1, 2]);
    await bootstrapReplicaSet(request(c, [0], { leaving: c.reachable([1, 2]) }));
    expect([c.stateOf(1), c.stateOf(2)]).toEqual(["REMOVED", "REMOVED"]);
    const error = await bootstrapReplicaSet(request(c, [1, 2])).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /mongo-1:27017 \(reached at [^)]+\), mongo-2:27017 \(reached at [^)]+\) were removed from one[\s\S]*Nothing was initiated[\s\S]*Fix: declare the set's current members again/,
    );
    expect(c.countCommands("replSetInitiate")).toBe(0);
    // Declared with the set's current member again, the removed members are re-added.
    const result = await bootstrapReplicaSet(request(c, [0, 1, 2]));
    expect(result.added).toEqual(["mongo-1:27017", "mongo-2:27017"]);
    expect([c.stateOf(1), c.stateOf(2)]).toEqual(["SECONDARY", "SECONDARY"]);
  });

  it("fails within the bound, naming the member that never answers, and changes nothing", async () => {
    const c = await cluster(3);
    await c.stopMember(2);
    const started = Date.now();
    const error = await bootstrapReplicaSet(request(c, undefined, { timeoutMs: 600 })).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/mongo-2:27017 \(reached at 127\.0\.0\.1:\d+\) never answered/);
    expect((error as Error).message).not.toMatch(/mongo-0:27017 \(reached/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(c.countCommands("replSetInitiate")).toBe(0);
  });

  it("explains a member whose volume was initialised with another root password", async () => {
    const c = await cluster(3);
    await c.wipeMember(1, { rootPassword: "someone-elses" });
    const error = await bootstrapReplicaSet(request(c, undefined, { timeoutMs: 400 })).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /mongo-1:27017 .*rejects the root credentials[\s\S]*only on an empty data directory/,
    );
  });

  it("waits for a member still running its first-start standalone server, then reports it", async () => {
    const c = await cluster(3);
    c.members[2]!.mode = "standalone";
    const error = await bootstrapReplicaSet(request(c, undefined, { timeoutMs: 400 })).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/mongo-2:27017 .*answers as a standalone server/);
    c.members[2]!.mode = "replica";
    const result = await bootstrapReplicaSet(request(c));
    expect(result.initiated).toBe(true);
  });

  it("refuses to touch a set with another name", async () => {
    const c = await cluster(3);
    c.initiateNow();
    await expect(bootstrapReplicaSet({ ...request(c), replicaSetName: "other" })).rejects.toThrow(
      /belongs to replica set "rs0", but replicaSetName is "other"/,
    );
  });

  it("fails within the bound when no majority is up to elect a primary", async () => {
    const c = await cluster(3);
    c.initiateNow();
    await c.stopMember(0);
    await c.stopMember(1);
    await expect(bootstrapReplicaSet(request(c, [2], { timeoutMs: 400 }))).rejects.toThrow(
      /had no writable primary within 0 s[\s\S]*majority/,
    );
  });

  it("creates the drop-database role and the app user once; a converged run issues reads only", async () => {
    const c = await cluster(3);
    await bootstrapReplicaSet(request(c));
    const firstRun = c.log.length;
    await bootstrapReplicaSet(request(c));
    const secondRun = c.log.slice(firstRun).map((e) => e.command);
    expect(secondRun.filter((name) => WRITE_COMMANDS.includes(name))).toEqual([]);
    expect(secondRun).toContain("usersInfo");
    expect(secondRun).toContain("rolesInfo");
    expect(c.countCommands("createRole")).toBe(1);
    expect(c.countCommands("createUser")).toBe(1);
    expect(c.roles.get("admin.katoDropDatabase")?.privileges).toEqual([
      { resource: { db: "", collection: "" }, actions: ["dropDatabase"] },
    ]);
    expect(c.setUsers.get("admin.kato")?.roles).toEqual([
      { role: "readWriteAnyDatabase", db: "admin" },
      { role: "katoDropDatabase", db: "admin" },
    ]);
  });

  it("updates only what drifted: the password when it no longer authenticates, roles and privileges when they differ", async () => {
    const c = await cluster(3);
    await bootstrapReplicaSet(request(c));
    const credential = c.setUsers.get("admin.kato")!.credential;
    await bootstrapReplicaSet(request(c, undefined, { app: { ...app, password: "rotated" } }));
    expect(c.countCommands("updateUser")).toBe(1);
    expect(c.setUsers.get("admin.kato")!.credential).not.toBe(credential);
    // Someone narrowed the role and dropped a role from the user: both are put back, password kept.
    c.roles.get("admin.katoDropDatabase")!.privileges = [];
    c.setUsers.get("admin.kato")!.roles = [{ role: "readWriteAnyDatabase", db: "admin" }];
    const rotated = c.setUsers.get("admin.kato")!.credential;
    await bootstrapReplicaSet(request(c, undefined, { app: { ...app, password: "rotated" } }));
    expect(c.countCommands("updateRole")).toBe(1);
    expect(c.countCommands("updateUser")).toBe(2);
    expect(c.setUsers.get("admin.kato")!.credential).toBe(rotated);
    expect(c.setUsers.get("admin.kato")!.roles).toHaveLength(2);
    expect(c.roles.get("admin.katoDropDatabase")!.privileges).toHaveLength(1);
  });
});

describe("MongoDatabaseSchema against the fake", () => {
  const schema = (c: FakeMongoCluster) => ({
    database: "node1_kato",
    collections: { patterns_kb: { indexes: [{ keys: [["name", 1]] as Array<[string, 1]>, unique: true }] } },
    allowIndexRebuild: false,
    members: c.reachable(),
    credentials: root,
    timeoutMs: 5_000,
    pollMs: 20,
    attemptTimeoutMs: 500,
  });

  it("names the program's hint instead of allowIndexRebuild when it refuses a rebuild against the server", async () => {
    const c = await cluster(3);
    c.initiateNow();
    await applySchema(schema(c));
    const changed = {
      ...schema(c),
      collections: {
        patterns_kb: { indexes: [{ keys: [["name", 1]] as Array<[string, 1]>, unique: false }] },
      },
      dataLossHint: "set kato-infra:allowDataLoss to true",
    };
    const error = await applySchema(changed).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /Fix: set kato-infra:allowDataLoss to true[\s\S]*Nothing was changed/,
    );
    expect((error as Error).message).not.toMatch(/allowIndexRebuild/);
  });

  it("retries on the new primary when the primary steps down during index creation", async () => {
    const c = await cluster(3);
    c.initiateNow();
    c.inject({ command: "createIndexes", effect: "step-down" });
    const result = await applySchema(schema(c));
    expect(result.created).toEqual(["patterns_kb.name_1"]);
    expect(c.countCommands("createIndexes")).toBe(2);
    const primaries = new Set(c.log.filter((e) => e.command === "createIndexes").map((e) => e.member));
    expect(primaries.size).toBe(2);
  });

  it("gives a clear error when the primary keeps stepping down", async () => {
    const c = await cluster(3);
    c.initiateNow();
    c.inject({ command: "createIndexes", effect: "step-down", times: Number.POSITIVE_INFINITY });
    await expect(applySchema(schema(c))).rejects.toThrow(
      /node1_kato\.patterns_kb: could not create name_1 on mongo-\d:27017 .*InterruptedDueToReplStateChange[\s\S]*primary kept changing/,
    );
  });

  it("reports a second text index on the server instead of failing inside createIndexes", async () => {
    const c = await cluster(1);
    c.initiateNow();
    await applySchema({ ...schema(c), collections: { p: { indexes: [{ keys: [["body", "text"]] }] } } });
    await expect(
      applySchema({ ...schema(c), collections: { p: { indexes: [{ keys: [["title", "text"]] }] } } }),
    ).rejects.toThrow(
      /\[index-conflict\].*text index body_text, which is not declared[\s\S]*Nothing was changed/,
    );
    expect(c.countCommands("createIndexes")).toBe(1);
  });

  it("fails within the bound when no member accepts writes", async () => {
    const c = await cluster(3);
    await expect(applySchema({ ...schema(c), timeoutMs: 300 })).rejects.toThrow(
      /no member accepted writes within/,
    );
  });
});
