/**
 * The dynamic providers as the Pulumi engine runs them: serialized into `__provider` under mocks,
 * loaded from that text in a fresh Node process (nothing from this test's module graph), and driven
 * through create/diff/update/read/delete against the fake replica set listening here.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoDatabaseSchema, MongoReplicaSetBootstrap } from "../../components/mongodb";
import { SCHEMA_LAYOUT } from "../../components/mongodb/schema";
import { dockerAccess } from "../../components/shared/access";
import { unpack } from "../../components/shared/packedInputs";
import { installMocks, settle, UNKNOWN } from "../support/mocks";
import {
  type FreshProvider,
  loadProviderInFreshProcess,
  recordedDynamicResource,
} from "../support/providerProcess";
import { FakeMongoCluster } from "./fake/fakeMongo";

const harness = installMocks();
const root = { username: "root", password: "root-password" };
let cluster: FakeMongoCluster;
let schemaProvider: FreshProvider;
let bootstrapProvider: FreshProvider;
let schemaInputs: Record<string, any>;
let bootstrapInputs: Record<string, any>;

beforeAll(async () => {
  cluster = new FakeMongoCluster({ members: 3, root });
  await cluster.start();
  const members = cluster.reachable();
  const access = dockerAccess(
    members.map((m) => m.advertised),
    "127.0.0.1",
    members.map((m) => m.port),
  );
  const bootstrap = new MongoReplicaSetBootstrap("rs-bootstrap", {
    replicaSetName: "rs0",
    access,
    rootUsername: root.username,
    rootPassword: pulumi.secret(root.password),
    appUsername: "kato",
    appPassword: pulumi.secret("app-password"),
    timeoutSeconds: 20,
  });
  const schema = new MongoDatabaseSchema("tenant-schema", {
    database: "node1_kato",
    collections: { patterns_kb: { indexes: [{ keys: [["name", 1]], unique: true }] } },
    access,
    username: root.username,
    password: pulumi.secret(root.password),
    timeoutSeconds: 20,
  });
  await settle(bootstrap.id, schema.id);
  const b = recordedDynamicResource(harness, "rs-bootstrap");
  const s = recordedDynamicResource(harness, "tenant-schema");
  bootstrapInputs = b.inputs;
  schemaInputs = s.inputs;
  [bootstrapProvider, schemaProvider] = await Promise.all([
    loadProviderInFreshProcess(b.providerText),
    loadProviderInFreshProcess(s.providerText),
  ]);
}, 120_000);

/** Props of any shape in the flat form the provider reads. */
const flat = (props: Record<string, any>) => unpack(SCHEMA_LAYOUT, props);

afterAll(async () => {
  await Promise.all([schemaProvider?.close(), bootstrapProvider?.close()]);
  await cluster?.stop();
});

describe("providers loaded from their serialized text in a fresh process", () => {
  it("serialize without @pulumi code or captured secrets", () => {
    for (const r of [
      recordedDynamicResource(harness, "rs-bootstrap"),
      recordedDynamicResource(harness, "tenant-schema"),
    ]) {
      expect(r.providerText).not.toMatch(/require\("@pulumi\//);
      expect(r.providerText).not.toContain("root-password");
      expect(r.providerText).not.toContain("app-password");
    }
  });

  it("bootstrap: creates the set and reads its members back", async () => {
    const checked = await bootstrapProvider.call("check", {}, bootstrapInputs);
    expect(checked.failures).toEqual([]);
    const created = await bootstrapProvider.call("create", bootstrapInputs);
    expect(created.outs.members).toEqual(["mongo-0:27017", "mongo-1:27017", "mongo-2:27017"]);
    expect(cluster.countCommands("replSetInitiate")).toBe(1);
    const read = await bootstrapProvider.call("read", created.id, created.outs);
    expect(read.props.members).toEqual(created.outs.members);
  });

  it("bootstrap: a new app password is an in-place update; renaming the set is refused at check", async () => {
    const diff = await bootstrapProvider.call(
      "diff",
      "rs0",
      { ...bootstrapInputs },
      { ...bootstrapInputs, appPassword: "new-password" },
    );
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const updated = await bootstrapProvider.call("update", "rs0", bootstrapInputs, {
      ...bootstrapInputs,
      appPassword: "new-password",
    });
    expect(updated.outs.primary).toMatch(/^mongo-\d:27017$/);
    const renamed = await bootstrapProvider.call("check", bootstrapInputs, {
      ...bootstrapInputs,
      replicaSetName: "rs1",
    });
    expect(renamed.failures[0].reason).toMatch(/replicaSetName cannot change on a running set/);
  });

  it("bootstrap: refuses a Kubernetes scale-down that would stop a majority before the reconfig", async () => {
    const pods = (n: number) => ({
      members: Array.from({ length: n }, (_, i) => ({
        advertised: `m-${i}.m-headless.ns.svc.cluster.local:27017`,
        reach: { kind: "port-forward", namespace: "ns", pod: `m-${i}`, port: 27017 },
      })),
    });
    const check = (from: number, to: number, access = pods) =>
      bootstrapProvider.call(
        "check",
        { ...bootstrapInputs, access: access(from) },
        { ...bootstrapInputs, access: access(to) },
      );
    expect((await check(5, 2)).failures[0].reason).toMatch(
      /going from 5 to 2 members at once[\s\S]*7 -> 5 -> 3/,
    );
    expect((await check(5, 3)).failures).toEqual([]);
    const docker = (n: number) => ({ members: bootstrapInputs.access.members.slice(0, n) });
    expect((await check(3, 1, docker)).failures).toEqual([]);
  });

  it("schema: check refuses what MongoDB would refuse, naming the rule and the fix", async () => {
    const bad = {
      ...schemaInputs,
      collections: {
        "system.x": {
          indexes: [{ keys: [["a", 1]], sparse: true, partialFilterExpression: { a: { $exists: true } } }],
        },
      },
    };
    const checked = await schemaProvider.call("check", {}, bad);
    const reasons = checked.failures.map((f: { reason: string }) => f.reason).join("\n");
    expect(reasons).toMatch(/\[collection-name\].*system\./);
    expect(reasons).toMatch(/\[partial-and-sparse\].*Fix: drop sparse/);
  });

  it("schema: create, no-op diff, update, read and delete against the fake", async () => {
    const created = await schemaProvider.call("create", schemaInputs);
    expect(created.id).toBe("node1_kato");
    expect(cluster.countCommands("createIndexes", { db: "node1_kato" })).toBe(1);

    const same = await schemaProvider.call("diff", created.id, created.outs, schemaInputs);
    expect(same.changes).toBe(false);
    // Another compiler or release writes another `__provider` text: not a change of the schema.
    const newShim = await schemaProvider.call(
      "diff",
      created.id,
      { ...created.outs, __provider: "exports.handler = () => ({}); // an earlier release" },
      schemaInputs, // with this release's text: the host runs the new inputs' provider
    );
    expect(newShim.changes).toBe(false);

    const next = {
      ...schemaInputs,
      collections: {
        ...schemaInputs.collections,
        events: { indexes: [{ keys: [["created_at", 1]], expireAfterSeconds: 3600 }] },
      },
    };
    expect((await schemaProvider.call("diff", created.id, created.outs, next)).changes).toBe(true);
    const updated = await schemaProvider.call("update", created.id, created.outs, next);
    expect(updated.outs.undeclaredIndexes).toEqual([]);

    const read = await schemaProvider.call("read", created.id, updated.outs);
    expect(flat(read.props).collections).toEqual(next.collections);

    await expect(schemaProvider.call("delete", created.id, read.props)).resolves.toBeNull();
    expect(cluster.data.has("node1_kato")).toBe(true);
  });

  it("schema: a change that needs a rebuild is refused at diff (preview) unless allowIndexRebuild", async () => {
    const rebuilt = {
      ...schemaInputs,
      collections: { patterns_kb: { indexes: [{ keys: [["name", 1]], unique: false }] } },
    };
    await expect(schemaProvider.call("diff", "node1_kato", schemaInputs, rebuilt)).rejects.toThrow(
      /\[index-rebuild\][\s\S]*name_1 must be dropped and rebuilt as name_1 because it stops being unique[\s\S]*allowIndexRebuild: true/,
    );
    const hint = "set kato-infra:allowDataLoss to true";
    const hinted = await schemaProvider
      .call("diff", "node1_kato", schemaInputs, { ...rebuilt, dataLossHint: hint })
      .catch((e: Error) => e);
    expect((hinted as Error).message).toMatch(/Fix: set kato-infra:allowDataLoss to true/);
    expect((hinted as Error).message).not.toMatch(/allowIndexRebuild/);
    const allowed = await schemaProvider.call("diff", "node1_kato", schemaInputs, {
      ...rebuilt,
      allowIndexRebuild: true,
    });
    expect(allowed.changes).toBe(true);
  });

  it("schema: refresh shows an index dropped behind Pulumi's back as missing", async () => {
    const outs = { ...schemaInputs, undeclaredIndexes: [] };
    await schemaProvider.call("update", "node1_kato", outs, schemaInputs);
    cluster.data.get("node1_kato")!.get("patterns_kb")!.indexes = cluster.data
      .get("node1_kato")!
      .get("patterns_kb")!
      .indexes.filter((ix) => ix.name !== "name_1");
    const read = await schemaProvider.call("read", "node1_kato", outs);
    expect(flat(read.props).collections.patterns_kb.indexes).toEqual([]);
    const diff = await schemaProvider.call("diff", "node1_kato", read.props, schemaInputs);
    expect(diff.changes).toBe(true);
  });

  it("schema: registers database, password, connection and spec (the last two as JSON text), and accepts state of every earlier shape", async () => {
    expect(Object.keys(schemaInputs).sort()).toEqual(["connection", "database", "password", "spec"]);
    expect(typeof schemaInputs.connection).toBe("string");
    expect(typeof schemaInputs.spec).toBe("string");
    const spec = JSON.parse(schemaInputs.spec);
    const connection = JSON.parse(schemaInputs.connection);
    expect(Object.keys(spec).sort()).toEqual(["collections"]);
    expect(Object.keys(connection).sort()).toEqual(["access", "timeoutSeconds", "username"]);
    // Outputs as releases before the spec/connection shape wrote them: every setting at the top level.
    const flatOuts = {
      database: schemaInputs.database,
      ...spec,
      allowIndexRebuild: false,
      ...connection,
      password: schemaInputs.password,
      undeclaredIndexes: [],
    };
    // Outputs as releases before the text form wrote them: spec and connection as objects.
    const objectOuts = {
      database: schemaInputs.database,
      spec: { ...spec, allowIndexRebuild: false },
      connection,
      password: schemaInputs.password,
      undeclaredIndexes: [],
    };
    for (const earlier of [flatOuts, objectOuts]) {
      await schemaProvider.call("update", "node1_kato", earlier, schemaInputs);
      expect((await schemaProvider.call("diff", "node1_kato", earlier, schemaInputs)).changes).toBe(false);
      const read = await schemaProvider.call("read", "node1_kato", earlier);
      // Refresh writes this release's shape.
      expect(typeof read.props.spec).toBe("string");
      expect(flat(read.props).collections).toEqual(spec.collections);
      expect(flat(read.props).username).toBe(connection.username);
      expect(read.props.collections).toBeUndefined();
      expect((await schemaProvider.call("diff", "node1_kato", read.props, schemaInputs)).changes).toBe(false);
      await expect(schemaProvider.call("delete", "node1_kato", earlier)).resolves.toBeNull();
      expect(cluster.data.has("node1_kato")).toBe(true);
    }
  });

  // At preview the engine sends what other resources compute as the unknown string.
  it("bootstrap: at preview, unknown names and fields pass check; what is known is still checked", async () => {
    const unknownNames = {
      ...bootstrapInputs,
      access: {
        members: bootstrapInputs.access.members.map((m: object) => ({ ...m, advertised: UNKNOWN })),
      },
    };
    expect((await bootstrapProvider.call("check", {}, unknownNames)).failures).toEqual([]);
    expect(
      (
        await bootstrapProvider.call(
          "check",
          {},
          { ...bootstrapInputs, access: UNKNOWN, replicaSetName: UNKNOWN },
        )
      ).failures,
    ).toEqual([]);
    // A known duplicate beside an unknown name, and a known rename, are still refused.
    const [first, second] = bootstrapInputs.access.members;
    const duplicate = {
      ...bootstrapInputs,
      access: {
        members: [first, { ...second, advertised: first.advertised }, { ...second, advertised: UNKNOWN }],
      },
    };
    const dup = await bootstrapProvider.call("check", {}, duplicate);
    expect(dup.failures.map((f: { reason: string }) => f.reason)).toEqual([
      expect.stringMatching(/two members advertise the same address/),
    ]);
    const renamed = await bootstrapProvider.call("check", bootstrapInputs, {
      ...unknownNames,
      replicaSetName: "rs1",
    });
    expect(renamed.failures[0].reason).toMatch(/replicaSetName cannot change on a running set/);
  });

  it("schema: at preview, unknown access and credentials pass check; a rebuild is still refused", async () => {
    // The connection's text is unknown as a whole while the replica set's access is.
    const pending = { ...schemaInputs, connection: UNKNOWN, password: UNKNOWN };
    expect((await schemaProvider.call("check", {}, pending)).failures).toEqual([]);
    expect((await schemaProvider.call("check", {}, { ...schemaInputs, access: UNKNOWN })).failures).toEqual(
      [],
    );
    // The declaration is known: its own problems are still reported.
    const bad = { ...pending, collections: { "system.x": { indexes: [] } } };
    const reasons = (await schemaProvider.call("check", {}, bad)).failures.map(
      (f: { reason: string }) => f.reason,
    );
    expect(reasons.join("\n")).toMatch(/\[collection-name\]/);
    // Without unknowns in the declaration, the rebuild refusal holds even while access is unknown.
    const rebuilt = {
      ...pending,
      collections: { patterns_kb: { indexes: [{ keys: [["name", 1]], unique: false }] } },
    };
    await expect(schemaProvider.call("diff", "node1_kato", schemaInputs, rebuilt)).rejects.toThrow(
      /\[index-rebuild\]/,
    );
    // Collections not known yet: a change, judged when known.
    const later = await schemaProvider.call("diff", "node1_kato", schemaInputs, {
      ...schemaInputs,
      collections: { patterns_kb: { indexes: UNKNOWN } },
    });
    expect(later).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });
});
