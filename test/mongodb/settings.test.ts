import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  DEFAULT_MONGO_VERSION,
  MONGO_DEFAULTS,
  MONGO_FIELDS,
  maxCacheSizeGb,
  resolveMongoSettings,
} from "../../components/mongodb/settings";
import { mongoTopology, mongoUri, renderMongodConf } from "../../components/mongodb/topology";

const messages = (raw: unknown) => resolveMongoSettings(raw, "mongodb").problems;

describe("resolveMongoSettings", () => {
  it("gives dev defaults: 3 members of rs0 on a pinned 8.0 patch with a 0.25 GB cache", () => {
    const { settings, problems } = resolveMongoSettings(undefined);
    expect(problems).toEqual([]);
    expect(settings).toEqual(MONGO_DEFAULTS);
    expect(settings!.image).toBe(`mongo:${DEFAULT_MONGO_VERSION}`);
    expect(DEFAULT_MONGO_VERSION).toMatch(/^8\.0\.\d+$/);
  });

  it("lays the user's object over a profile's base over the defaults", () => {
    const { settings } = resolveMongoSettings({ members: 5 }, "mongodb", {
      members: 1,
      profiling: { mode: "slowOp" },
    });
    expect(settings!.members).toBe(5);
    expect(settings!.profiling).toEqual({ mode: "slowOp", slowOpThresholdMs: 100 });
  });

  it("reports every problem at once, each naming the field, the value and a fix", () => {
    const problems = messages({
      members: 4,
      replicaSetName: "rs 0",
      version: "8.0",
      wiredTigerCacheSizeGb: "lots",
      storage: { size: "ten gigs" },
      resources: { memory: "1Gb" },
      memberz: 3,
    });
    expect(problems.map((p) => p.field).sort()).toEqual(
      [
        "mongodb.members",
        "mongodb.memberz",
        "mongodb.replicaSetName",
        "mongodb.resources.memory",
        "mongodb.storage.size",
        "mongodb.version",
        "mongodb.wiredTigerCacheSizeGb",
      ].sort(),
    );
    for (const p of problems) {
      expect(p.message.length).toBeGreaterThan(10);
      expect(p.fix.length).toBeGreaterThan(10);
    }
    expect(problems.find((p) => p.field === "mongodb.members")!.fix).toBe("set mongodb.members to 3 or 5.");
    expect(problems.find((p) => p.field === "mongodb.memberz")!.fix).toMatch(
      /did you mean mongodb\.members\?/,
    );
  });

  it("refuses a cache bigger than the memory limit allows, and says what would fit", () => {
    const [p] = messages({ wiredTigerCacheSizeGb: 2, resources: { memory: "2Gi" } });
    expect(p!.field).toBe("mongodb.wiredTigerCacheSizeGb");
    expect(p!.message).toMatch(/at most 0\.5 GB/);
    expect(p!.fix).toMatch(
      /lower mongodb\.wiredTigerCacheSizeGb to 0\.5 or less, or raise mongodb\.resources\.memory to 5Gi/,
    );
  });

  it("accepts the cache as a number of GB or as a quantity, and MongoDB's own bounds", () => {
    expect(
      resolveMongoSettings({ wiredTigerCacheSizeGb: "512Mi", resources: { memory: "2Gi" } }).settings!
        .wiredTigerCacheSizeGb,
    ).toBe(0.5);
    expect(messages({ wiredTigerCacheSizeGb: 0.1 })[0]!.message).toMatch(/below MongoDB's minimum of 0\.25/);
    expect(maxCacheSizeGb(8 * 2 ** 30)).toBe(3.5);
    expect(maxCacheSizeGb(2 ** 30)).toBe(0.25);
  });

  it("refuses an even member count, more than 7 voting members, and an unpinned image", () => {
    expect(messages({ members: 2 })[0]!.message).toMatch(/must be odd/);
    expect(messages({ members: 9 })[0]!.message).toMatch(/from 1 to 7/);
    expect(messages({ image: "mongo:latest" })[0]!.field).toBe("mongodb.image");
    expect(messages({ image: "mongo" })[0]!.field).toBe("mongodb.image");
    expect(messages({ image: "registry.local:5000/mongo" })[0]!.field).toBe("mongodb.image");
    expect(messages({ image: "registry.local:5000/mongo:8.0.15" })).toEqual([]);
  });

  it("refuses a version without mongosh, the same name for root and app, and host ports past 65535", () => {
    expect(messages({ version: "5.0.9" })[0]!.message).toMatch(/no mongosh/);
    expect(messages({ appUsername: "root" })[0]!.field).toBe("mongodb.appUsername");
    expect(messages({ hostPortBase: 65534, members: 3 })[0]!.field).toBe("mongodb.hostPortBase");
  });

  it("documents every settings field", () => {
    // Groups are documented member by member (`storage.size`).
    const documented = [...new Set(MONGO_FIELDS.map((f) => f.name.split(".")[0]))].sort();
    expect(documented).toEqual(Object.keys(MONGO_DEFAULTS).sort());
    for (const f of MONGO_FIELDS) expect(f.description.length).toBeGreaterThan(20);
  });
});

describe("topology and mongod.conf", () => {
  const settings = resolveMongoSettings({}).settings!;

  it("names Docker members by container and Kubernetes members by stable pod DNS name", () => {
    expect(mongoTopology("db", settings, { kind: "docker" }).members.map((m) => m.advertised)).toEqual([
      "db-0:27017",
      "db-1:27017",
      "db-2:27017",
    ]);
    const k = mongoTopology("db", settings, {
      kind: "kubernetes",
      namespace: "ns",
      clusterDomain: "corp.local",
    });
    expect(k.members[2]).toEqual({
      ordinal: 2,
      name: "db-2",
      advertised: "db-2.db-headless.ns.svc.corp.local:27017",
    });
  });

  it("renders a mongod.conf YAML parsers read as intended", () => {
    const conf = parse(renderMongodConf({ ...settings, wiredTigerCacheSizeGb: 1.5 }, "/k/keyfile"));
    expect(conf).toEqual({
      net: { port: 27017, bindIpAll: true },
      replication: { replSetName: "rs0" },
      security: { keyFile: "/k/keyfile", authorization: "enabled" },
      storage: { dbPath: "/data/db", wiredTiger: { engineConfig: { cacheSizeGB: 1.5 } } },
      operationProfiling: { mode: "off", slowOpThresholdMs: 100 },
    });
  });

  it("builds a client URI with escaped credentials, the set name and majority writes", () => {
    expect(mongoUri(["a:1", "b:2"], "rs0", { username: "kato", password: "p@ss/word" })).toBe(
      "mongodb://kato:p%40ss%2Fword@a:1,b:2/?replicaSet=rs0&authSource=admin&w=majority",
    );
  });
});
