/**
 * The fake's contract for what MongoProfiling and MongoMigration use: `profile` per member,
 * `listDatabases` with nameOnly/filter, and documents through insert/find/update, each answering as
 * MongoDB documents it (README.md beside it lists every rule with its source).
 */
import { BSON, type Db, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeMongoCluster } from "./fakeMongo";

const root = { username: "root", password: "pw" };
let cluster: FakeMongoCluster;
const clients: MongoClient[] = [];

function connect(ordinal: number, auth: { username: string; password: string } = root): MongoClient {
  const m = cluster.reachable([ordinal])[0]!;
  const client = new MongoClient(`mongodb://127.0.0.1:${m.port}/?directConnection=true`, {
    auth,
    authSource: "admin",
    serverSelectionTimeoutMS: 2000,
  });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  cluster = new FakeMongoCluster({ members: 3, root, profiling: { level: 0, slowms: 100 } });
  await cluster.start();
  cluster.initiateNow();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await cluster.stop();
});

const code = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: { code?: number }) => e.code,
  );

describe("fake mongod: profile", () => {
  it("answers with the settings from before the command, per database and per member", async () => {
    const db = connect(1).db("node_p_kato"); // a secondary: profile runs on any member
    expect(await db.command({ profile: -1 })).toMatchObject({ was: 0, slowms: 100, sampleRate: 1 });
    expect(await db.command({ profile: 1, slowms: 20 })).toMatchObject({ was: 0, slowms: 100 });
    expect(await db.command({ profile: -1 })).toMatchObject({ was: 1, slowms: 20 });
    // Not replicated: member 0 and member 2 still have the startup level.
    expect(await connect(0).db("node_p_kato").command({ profile: -1 })).toMatchObject({
      was: 0,
      slowms: 100,
    });
    expect(cluster.profilingLevel(2, "node_p_kato")).toBe(0);
  });

  it("keeps slowms and sampleRate per process: setting them on one database changes them for all", async () => {
    const m = connect(2);
    await m.db("one").command({ profile: 1, slowms: 7, sampleRate: new BSON.Double(0.5) });
    expect(await m.db("two").command({ profile: -1 })).toMatchObject({ was: 0, slowms: 7, sampleRate: 0.5 });
  });

  it("loses levels, slowms and sampleRate when the member restarts", async () => {
    const before = connect(2);
    await before.db("kept").command({ profile: 2, slowms: 9 });
    await cluster.restartMember(2);
    await before.close();
    expect(await connect(2).db("kept").command({ profile: -1 })).toMatchObject({
      was: 0,
      slowms: 100,
      sampleRate: 1,
    });
  });

  it("creates the database on that member only when profiling is turned on", async () => {
    await connect(1).db("only_on_one").command({ profile: 1 });
    const names = async (i: number) =>
      (
        (await connect(i).db("admin").command({ listDatabases: 1, nameOnly: true })).databases as Array<{
          name: string;
        }>
      ).map((d) => d.name);
    expect(await names(1)).toContain("only_on_one");
    expect(await names(0)).not.toContain("only_on_one");
    await connect(1).db("not_created").command({ profile: 0 });
    expect(await names(1)).not.toContain("not_created");
  });

  it("refuses what the server refuses: an int sampleRate (14), one out of range (2), a write concern (72), a string level (14)", async () => {
    const db = connect(0).db("rules");
    expect(await code(db.command({ profile: 1, sampleRate: 1 }))).toBe(14);
    expect(await code(db.command({ profile: 1, sampleRate: new BSON.Double(1.5) }))).toBe(2);
    expect(await code(db.command({ profile: 1, writeConcern: { w: "majority" } }))).toBe(72);
    expect(await code(db.command({ profile: "1" }))).toBe(14);
  });

  it("needs enableProfiler to change a level (13), not to read it", async () => {
    await connect(0)
      .db("admin")
      .command({ createUser: "reader", pwd: "r", roles: [{ role: "readWriteAnyDatabase", db: "admin" }] });
    const reader = connect(0, { username: "reader", password: "r" }).db("node_p_kato");
    expect(await reader.command({ profile: -1 })).toMatchObject({ was: 0 });
    expect(await code(reader.command({ profile: 1 }))).toBe(13);
  });
});

describe("fake mongod: listDatabases", () => {
  let admin: Db;
  beforeAll(async () => {
    admin = connect(0).db("admin");
    for (const name of ["node_a_kato", "node_b_kato", "other"]) {
      await connect(0).db(name).collection("patterns").insertOne({ name: "p" });
    }
  });

  it("runs on admin only (13), always lists admin, config and local, and filters on the output fields", async () => {
    expect(await code(connect(0).db("node_a_kato").command({ listDatabases: 1 }))).toBe(13);
    const all = await admin.command({ listDatabases: 1 });
    expect(all.databases.map((d: { name: string }) => d.name)).toEqual(
      expect.arrayContaining(["admin", "config", "local", "node_a_kato", "node_b_kato", "other"]),
    );
    expect(all.databases[0]).toMatchObject({ sizeOnDisk: expect.any(Number), empty: false });
    expect(all.totalSize).toEqual(expect.any(Number));
    const filtered = await admin.command({
      listDatabases: 1,
      nameOnly: true,
      filter: { name: { $regex: "^node_.*_kato$" } },
    });
    expect(filtered).not.toHaveProperty("totalSize");
    expect(filtered.databases).toEqual([{ name: "node_a_kato" }, { name: "node_b_kato" }]);
    const regex = await admin.command({ listDatabases: 1, nameOnly: true, filter: { name: /^oth/ } });
    expect(regex.databases).toEqual([{ name: "other" }]);
  });

  it("refuses an unknown query operator (2)", async () => {
    expect(await code(admin.command({ listDatabases: 1, filter: { name: { $like: "x" } } }))).toBe(2);
  });
});

describe("fake mongod: documents", () => {
  let db: Db;
  beforeAll(async () => {
    db = connect(0).db("docs");
    await db.collection("patterns").insertMany([
      { _id: 1 as any, name: "a" },
      { _id: 2 as any, name: "b", version: "2.0" },
      { _id: 3 as any, name: "c", version: null },
      { _id: 4 as any, name: "d" },
    ]);
  });

  it("updates only documents matching $exists: false, counting matched and modified apart", async () => {
    const reply = await db.command({
      update: "patterns",
      updates: [{ q: { version: { $exists: false } }, u: { $set: { version: "3.0" } }, multi: true }],
    });
    expect(reply).toMatchObject({ n: 2, nModified: 2 });
    const again = await db.command({
      update: "patterns",
      updates: [{ q: { version: { $exists: false } }, u: { $set: { version: "3.0" } }, multi: true }],
    });
    expect(again).toMatchObject({ n: 0, nModified: 0 });
    const docs = await db
      .collection("patterns")
      .find({}, { sort: { _id: 1 } })
      .toArray();
    expect(docs.map((d) => d.version)).toEqual(["3.0", "2.0", null, "3.0"]);
    // Setting a value it already has matches but does not modify.
    const same = await db.command({
      update: "patterns",
      updates: [{ q: { _id: 2 }, u: { $set: { version: "2.0" } } }],
    });
    expect(same).toMatchObject({ n: 1, nModified: 0 });
  });

  it("without multi, updates one document; an upsert that matches nothing inserts the query's equality fields", async () => {
    const one = await db.command({ update: "patterns", updates: [{ q: {}, u: { $set: { seen: true } } }] });
    expect(one).toMatchObject({ n: 1, nModified: 1 });
    const up = await db.command({
      update: "records",
      updates: [
        {
          q: { _id: "m1", version: "v1" },
          u: { $set: { status: "running" }, $setOnInsert: { at: 1 } },
          upsert: true,
        },
      ],
    });
    expect(up).toMatchObject({ n: 1, nModified: 0, upserted: [{ index: 0, _id: "m1" }] });
    expect(await db.collection("records").findOne({ _id: "m1" as any })).toEqual({
      _id: "m1",
      version: "v1",
      status: "running",
      at: 1,
    });
    const conflict = await db.command({
      update: "records",
      updates: [{ q: { _id: "m1", version: "v2" }, u: { $set: { status: "x" } }, upsert: true }],
    });
    expect(conflict.writeErrors[0]).toMatchObject({ index: 0, code: 11000 });
  });

  it("reports per-statement errors in writeErrors with MongoDB's codes", async () => {
    const errors = async (u: unknown, extra: Record<string, unknown> = {}) =>
      (await db.command({ update: "patterns", updates: [{ q: { _id: 1 }, u, ...extra }] })).writeErrors?.[0]
        ?.code;
    expect(await errors({ name: "replaced" }, { multi: true })).toBe(9);
    expect(await errors({ $rename: { a: "b" } })).toBe(9);
    expect(await errors({ $set: { _id: 99 } })).toBe(66);
    expect(await errors({ $set: { "a.": 1 } })).toBe(56);
    expect(await errors({ $set: { a: 1, "a.b": 2 } })).toBe(40);
    expect(await errors({ $set: { "name.x": 1 } })).toBe(28);
    expect(await code(db.collection("patterns").insertOne({ _id: 1 as any }))).toBe(11000);
  });

  it("takes insert and update on the primary only (10107)", async () => {
    const secondary = connect(1).db("docs");
    expect(
      await code(secondary.command({ update: "patterns", updates: [{ q: {}, u: { $set: { x: 1 } } }] })),
    ).toBe(10107);
    expect(await code(secondary.command({ insert: "patterns", documents: [{ x: 1 }] }))).toBe(10107);
  });

  it("finds with filters, sort and limit, every result in the first batch", async () => {
    const reply = await db.command({
      find: "patterns",
      filter: { version: { $in: ["3.0", "2.0"] } },
      sort: { _id: -1 },
      limit: 2,
    });
    expect(reply.cursor.id.toString()).toBe("0");
    expect(reply.cursor.firstBatch.map((d: { _id: number }) => d._id)).toEqual([4, 2]);
    expect(await code(db.command({ find: "patterns", filter: { $where: "1" } }))).toBe(2);
  });

  it("unsets fields, and deletes one or every matching document", async () => {
    await db.collection("gone").insertMany([{ k: 1, t: 1 }, { k: 1 }, { k: 2 }]);
    await db.command({ update: "gone", updates: [{ q: { k: 2 }, u: { $unset: { k: "" } } }] });
    expect(
      await db
        .collection("gone")
        .find({ k: { $exists: false } })
        .toArray(),
    ).toHaveLength(1);
    expect(await db.command({ delete: "gone", deletes: [{ q: { k: 1 }, limit: 1 }] })).toMatchObject({
      n: 1,
    });
    expect(await db.command({ delete: "gone", deletes: [{ q: {}, limit: 0 }] })).toMatchObject({ n: 2 });
    expect(await code(db.command({ delete: "gone", deletes: [{ q: {}, limit: 5 }] }))).toBe(9);
  });

  it("refuses a unique index over documents that break it (11000)", async () => {
    await db.collection("dups").insertMany([{ k: 1 }, { k: 1 }]);
    expect(
      await code(
        db.command({ createIndexes: "dups", indexes: [{ key: { k: 1 }, name: "k_1", unique: true }] }),
      ),
    ).toBe(11000);
  });
});
