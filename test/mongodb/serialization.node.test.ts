/**
 * The MongoDB providers (bootstrap, schema, profiling, migration) serialized the way `pulumi up`
 * serializes them (plain Node, ts-node's CommonJS), loaded from that text in a fresh process, and
 * run against the fake replica set.
 */
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamicResources, type NodeProgramRun, runProgramUnderNode } from "../support/nodeProgram";
import { type FreshProvider, loadProviderInFreshProcess } from "../support/providerProcess";
import { FakeMongoCluster } from "./fake/fakeMongo";

let cluster: FakeMongoCluster;
let run: NodeProgramRun;
const opened: FreshProvider[] = [];

beforeAll(async () => {
  cluster = new FakeMongoCluster({ members: 3, root: { username: "root", password: "root-password" } });
  await cluster.start();
  process.env.KATO_FAKE_MONGO_PORTS = cluster.members.map((m) => m.port).join(",");
  run = runProgramUnderNode("test/mongodb/fixtures/serializationProgram.ts", {
    stack: "test",
    exportName: "declare",
  });
}, 180_000);

afterAll(async () => {
  await Promise.all(opened.map((p) => p.close()));
  await cluster.stop();
});

async function provider(name: string) {
  const d = dynamicResources(run).find((r) => r.name === name);
  if (!d) throw new Error(`no dynamic resource ${name}`);
  const p = await loadProviderInFreshProcess(d.providerText);
  opened.push(p);
  return { p, inputs: d.inputs };
}

describe("MongoDB providers as pulumi up serializes them", () => {
  it("the program declares everything without an error", () => {
    expect(run.errors).toEqual([]);
    expect(
      dynamicResources(run)
        .map((d) => d.name)
        .sort(),
    ).toEqual([
      "fake-bootstrap",
      "fake-migration",
      "fake-profiling",
      "fake-schema",
      "mongo-bootstrap",
      "wired-bootstrap",
      "wired-migration",
      "wired-profiling",
    ]);
  });

  it("profiling and migration wired from the component's outputs load and accept their recorded inputs", async () => {
    for (const name of ["wired-profiling", "wired-migration"]) {
      const { p, inputs } = await provider(name);
      expect((await p.call("check", {}, inputs)).failures).toEqual([]);
      expect(inputs.access.members).toHaveLength(3);
      expect(inputs.username).toBe("root");
    }
  });

  it("the component's bootstrap provider loads and accepts its recorded inputs", async () => {
    const { p, inputs } = await provider("mongo-bootstrap");
    expect((await p.call("check", {}, inputs)).failures).toEqual([]);
  });

  it("bootstrap and schema run from their text against the fake", async () => {
    const bootstrap = await provider("fake-bootstrap");
    const created = await bootstrap.p.call("create", bootstrap.inputs);
    expect(created.outs.members).toHaveLength(3);
    const schema = await provider("fake-schema");
    expect((await schema.p.call("check", {}, schema.inputs)).failures).toEqual([]);
    const made = await schema.p.call("create", schema.inputs);
    expect(made.id).toBe("node_alpha_kato");
    const indexes = cluster.data
      .get("node_alpha_kato")!
      .get("patterns_kb")!
      .indexes.map((i) => i.name);
    expect(indexes).toEqual(["_id_", "frequency_-1_name_1"]);
  });

  it("profiling and migration run from their text against the fake", async () => {
    const profiling = await provider("fake-profiling");
    const set = await profiling.p.call("create", profiling.inputs);
    expect(set.outs.members.map((m: { mismatched: object }) => m.mismatched)).toEqual([{}, {}, {}]);
    for (const m of cluster.members) expect(cluster.profilingLevel(m.ordinal, "node_alpha_kato")).toBe(1);
    const migration = await provider("fake-migration");
    const client = new MongoClient(`mongodb://127.0.0.1:${cluster.members[0]!.port}/?directConnection=true`, {
      auth: { username: "root", password: "root-password" },
      authSource: "admin",
    });
    try {
      await client
        .db("node_alpha_kato")
        .collection("patterns_kb")
        .insertMany([{ name: "a" }, { name: "b", version: "2.0" }]);
    } finally {
      await client.close();
    }
    const ran = await migration.p.call("create", migration.inputs);
    expect(ran.id).toBe("0001-patterns_kb-version-3.0");
    expect(ran.outs.counts).toEqual({ total: 1, databases: { node_alpha_kato: 1 } });
  });
});
