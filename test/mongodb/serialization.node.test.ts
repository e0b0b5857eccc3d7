/**
 * The MongoDB providers serialized the way `pulumi up` serializes them (plain Node, ts-node's
 * CommonJS), loaded from that text in a fresh process, and run against the fake replica set.
 */
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
    ).toEqual(["fake-bootstrap", "fake-schema", "mongo-bootstrap"]);
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
});
