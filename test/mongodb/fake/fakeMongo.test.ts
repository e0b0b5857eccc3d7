/**
 * The fake's own contract: through the real driver, it refuses what MongoDB refuses with MongoDB's
 * error codes (README.md beside it lists the source of each rule). If the fake were lenient, the
 * executor tests above it would prove nothing.
 */
import { type Db, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeMongoCluster } from "./fakeMongo";

const root = { username: "root", password: "pw" };
let cluster: FakeMongoCluster;
const clients: MongoClient[] = [];

function connect(ordinal: number, auth: { username: string; password: string } | null = root): MongoClient {
  const m = cluster.reachable([ordinal])[0]!;
  const client = new MongoClient(`mongodb://127.0.0.1:${m.port}/?directConnection=true`, {
    ...(auth ? { auth, authSource: "admin" } : {}),
    serverSelectionTimeoutMS: 2000,
  });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  cluster = new FakeMongoCluster({ members: 3, root });
  await cluster.start();
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

describe("fake mongod: replication", () => {
  it("answers hello without a config as an uninitiated replica set member", async () => {
    const hello = await connect(0).db("admin").command({ hello: 1 });
    expect(hello).toMatchObject({ isWritablePrimary: false, isreplicaset: true });
    expect(hello.setName).toBeUndefined();
  });

  it("refuses replSetGetConfig before initiation (94) and initiation twice (23)", async () => {
    const admin = connect(0).db("admin");
    expect(await code(admin.command({ replSetGetConfig: 1 }))).toBe(94);
    const config = {
      _id: "rs0",
      members: cluster.reachable().map((m, i) => ({ _id: i, host: m.advertised })),
    };
    expect(await code(admin.command({ replSetInitiate: { ...config, _id: "other" } }))).toBe(93);
    await admin.command({ replSetInitiate: config });
    expect(await code(admin.command({ replSetInitiate: config }))).toBe(23);
    expect(await code(connect(1).db("admin").command({ replSetInitiate: config }))).toBe(23);
  });

  it("refuses writes on a secondary (10107) and reconfigs that change two voting members (103)", async () => {
    await new Promise((r) => setTimeout(r, 50));
    cluster.tick();
    expect(cluster.stateOf(0)).toBe("PRIMARY");
    expect(
      await code(
        connect(1)
          .db("t")
          .command({ createIndexes: "c", indexes: [{ key: { a: 1 }, name: "a_1" }] }),
      ),
    ).toBe(10107);
    const admin = connect(0).db("admin");
    const { config } = await admin.command({ replSetGetConfig: 1 });
    const two = { ...config, version: config.version + 1, members: config.members.slice(0, 1) };
    expect(await code(admin.command({ replSetReconfig: two }))).toBe(103);
    const stale = { ...config, members: config.members.slice(0, 2) };
    expect(await code(admin.command({ replSetReconfig: stale }))).toBe(103);
  });
});

describe("fake mongod: membership changes", () => {
  const open: MongoClient[] = [];
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
  });
  const admin = (c: FakeMongoCluster, ordinal: number) => {
    const m = c.reachable([ordinal])[0]!;
    const client = new MongoClient(`mongodb://127.0.0.1:${m.port}/?directConnection=true`, {
      auth: root,
      authSource: "admin",
      serverSelectionTimeoutMS: 2000,
    });
    open.push(client);
    return client.db("admin");
  };

  it("marks an added voter newlyAdded, hides the mark from replSetGetConfig, and drops it with its own reconfig", async () => {
    const c = new FakeMongoCluster({ members: 4, root, newlyAddedRemoval: "manual" });
    await c.start();
    try {
      c.initiateNow([0, 1, 2]);
      const { config } = await admin(c, 0).command({ replSetGetConfig: 1 });
      const added = {
        ...config,
        version: config.version + 1,
        members: [...config.members, { _id: 3, host: "mongo-3:27017" }],
      };
      await admin(c, 0).command({ replSetReconfig: added });
      expect(c.config!.members[3]!.newlyAdded).toBe(true);
      const read = (await admin(c, 0).command({ replSetGetConfig: 1 })).config;
      expect(read.members[3].newlyAdded).toBeUndefined();
      expect(read.version).toBe(config.version + 1);
      c.completeNewlyAdded();
      expect(c.config!.version).toBe(config.version + 2);
      expect(c.config!.members[3]!.newlyAdded).toBeUndefined();
      // A reconfig built from the config read before the primary's own reconfig is stale: 103.
      expect(
        await code(admin(c, 0).command({ replSetReconfig: { ...read, version: read.version + 1 } })),
      ).toBe(103);
    } finally {
      await c.stop();
    }
  });

  it("keeps a removed member's config: hello says no valid config, replSetInitiate 23, replSetGetStatus 93", async () => {
    const c = new FakeMongoCluster({ members: 3, root });
    await c.start();
    try {
      c.initiateNow();
      const { config } = await admin(c, 0).command({ replSetGetConfig: 1 });
      await admin(c, 0).command({
        replSetReconfig: { ...config, version: config.version + 1, members: config.members.slice(0, 2) },
      });
      expect(c.stateOf(2)).toBe("REMOVED");
      const hello = await admin(c, 2).command({ hello: 1 });
      expect(hello).toMatchObject({ isWritablePrimary: false, isreplicaset: true });
      expect(hello.setName).toBeUndefined();
      const fresh = { _id: "rs0", members: [{ _id: 0, host: "mongo-2:27017" }] };
      expect(await code(admin(c, 2).command({ replSetInitiate: fresh }))).toBe(23);
      expect(await code(admin(c, 2).command({ replSetGetStatus: 1 }))).toBe(93);
    } finally {
      await c.stop();
    }
  });
});

describe("fake mongod: authentication and users", () => {
  it("requires authentication (13) and rejects a wrong password (18)", async () => {
    expect(await code(connect(0, null).db("t").command({ listIndexes: "c" }))).toBe(13);
    expect(
      await code(connect(0, { username: "root", password: "nope" }).db("admin").command({ ping: 1 })),
    ).toBe(18);
  });

  it("refuses a duplicate user (51003), an unknown role (31) and an unknown action (2)", async () => {
    const admin = connect(0).db("admin");
    await admin.command({ createUser: "u1", pwd: "p", roles: [] });
    expect(await code(admin.command({ createUser: "u1", pwd: "p", roles: [] }))).toBe(51003);
    expect(
      await code(admin.command({ createUser: "u2", pwd: "p", roles: [{ role: "nope", db: "admin" }] })),
    ).toBe(31);
    expect(await code(admin.command({ updateUser: "ghost", pwd: "p" }))).toBe(11);
    expect(
      await code(
        admin.command({
          createRole: "r",
          privileges: [{ resource: { db: "", collection: "" }, actions: ["dropEverything"] }],
          roles: [],
        }),
      ),
    ).toBe(2);
  });
});

describe("fake mongod: index rules", () => {
  let db: Db;
  beforeAll(async () => {
    db = connect(0).db("rules");
    await db.command({
      createIndexes: "c",
      indexes: [
        { key: { a: 1 }, name: "a_1" },
        { key: { t: "text" }, name: "t_text" },
      ],
    });
  });
  const create = (...indexes: Record<string, unknown>[]) => code(db.command({ createIndexes: "c", indexes }));

  it("treats re-creating an identical index as a no-op", async () => {
    const reply = await db.command({ createIndexes: "c", indexes: [{ key: { a: 1 }, name: "a_1" }] });
    expect(reply.note).toBe("all indexes already exist");
  });

  it("refuses a name reused for other keys or identifying options (86) or other options (85), and a second name for one index (85)", async () => {
    expect(await create({ key: { b: 1 }, name: "a_1" })).toBe(86);
    expect(await create({ key: { a: 1 }, name: "a_1", unique: true })).toBe(86);
    expect(await create({ key: { a: 1 }, name: "a_1", sparse: true })).toBe(86);
    expect(await create({ key: { a: 1 }, name: "a_1", collation: { locale: "fr" } })).toBe(86);
    expect(await create({ key: { a: 1 }, name: "a_1", partialFilterExpression: { a: 1 } })).toBe(86);
    expect(await create({ key: { a: 1 }, name: "a_1", hidden: true })).toBe(85);
    expect(await create({ key: { a: 1 }, name: "a_1", expireAfterSeconds: 60 })).toBe(85);
    expect(await create({ key: { a: 1 }, name: "other" })).toBe(85);
    expect(await create({ key: { u: "text" }, name: "u_text" })).toBe(85);
  });

  it("refuses option combinations MongoDB refuses", async () => {
    expect(
      await create({
        key: { s: 1 },
        name: "s_1",
        sparse: true,
        partialFilterExpression: { s: { $exists: true } },
      }),
    ).toBe(67);
    expect(await create({ key: { s: 1 }, name: "s_1", bogus: true })).toBe(197);
    expect(await create({ key: { _id: 1 }, name: "_id_", unique: true })).toBe(197);
    expect(await create({ key: { _id: 1 }, name: "id2", hidden: true })).toBe(197);
    expect(
      await code(
        db.command({
          createIndexes: "d",
          indexes: [{ key: { x: "text" }, name: "x_text", collation: { locale: "en" } }],
        }),
      ),
    ).toBe(67);
    expect(await create({ key: { s: 1 }, name: "s_1", partialFilterExpression: { s: { $ne: 1 } } })).toBe(67);
    expect(await create({ key: { $s: 1 }, name: "bad" })).toBe(67);
  });

  it("refuses TTL out of range or on a compound or text index (67), as validateIndexSpecTTL does", async () => {
    expect(await create({ key: { e: 1 }, name: "e_1", expireAfterSeconds: -1 })).toBe(67);
    expect(await create({ key: { e: 1 }, name: "e_1", expireAfterSeconds: 2147483648 })).toBe(67);
    expect(await create({ key: { e: 1, f: 1 }, name: "e_1_f_1", expireAfterSeconds: 60 })).toBe(67);
    expect(
      await code(
        db.command({
          createIndexes: "ttl_text",
          indexes: [{ key: { e: "text" }, name: "e_text", expireAfterSeconds: 60 }],
        }),
      ),
    ).toBe(67);
    expect(await create({ key: { e: 1 }, name: "e_1", expireAfterSeconds: 0 })).toBe("no error");
  });

  it("refuses an unknown collation locale (2) and an unknown text language (67)", async () => {
    expect(await create({ key: { l: 1 }, name: "l_1", collation: { locale: "en_XX" } })).toBe(2);
    expect(
      await create({ key: { l: 1 }, name: "l_1", collation: { locale: "de@collation=phonebook" } }),
    ).toBe("no error");
    const text = (language: string) =>
      code(
        db.command({
          createIndexes: `lang_${language}`,
          indexes: [{ key: { b: "text" }, name: "b_text", default_language: language }],
        }),
      );
    expect(await text("klingon")).toBe(67);
    expect(await text("PT")).toBe("no error");
  });

  it("refuses partial filters deeper than 4 levels (67)", async () => {
    const nest = (levels: number): Record<string, unknown> =>
      levels === 0 ? { x: 3 } : { $and: [nest(levels - 1)] };
    expect(await create({ key: { p: 1 }, name: "p4", partialFilterExpression: nest(4) })).toBe(67);
    expect(await create({ key: { p: 1 }, name: "p3", partialFilterExpression: nest(3) })).toBe("no error");
  });

  it("reports a missing collection (26), a missing index (27), and refuses to drop _id_ (72)", async () => {
    expect(await code(db.command({ listIndexes: "missing" }))).toBe(26);
    expect(await code(db.command({ dropIndexes: "c", index: "nope" }))).toBe(27);
    expect(await code(db.command({ dropIndexes: "c", index: "_id_" }))).toBe(72);
    expect(await code(db.command({ collMod: "c", index: { name: "nope", hidden: true } }))).toBe(27);
  });

  it("reports text indexes the way the server stores them", async () => {
    const indexes = await db.collection("c").listIndexes().toArray();
    expect(indexes.find((i) => i.name === "t_text")).toMatchObject({
      key: { _fts: "text", _ftsx: 1 },
      weights: { t: 1 },
      default_language: "english",
      language_override: "language",
      textIndexVersion: 3,
    });
  });
});
