/**
 * QdrantCollection's provider as the Pulumi engine runs it: serialized into `__provider`, loaded in
 * a fresh Node process, and driven through check, create, read, diff, update and delete against
 * the contract fake.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COLLECTION_LAYOUT, QdrantCollection } from "../../components/qdrant/collection";
import { asText, unpack } from "../../components/shared/packedInputs";
import { installMocks, isSecret, plaintextSecretLeaks, resolved, settle } from "../support/mocks";
import {
  type FreshProvider,
  loadProviderInFreshProcess,
  recordedDynamicResource,
} from "../support/providerProcess";
import { type FakeQdrant, startFakeQdrant } from "./fake/server";

const harness = installMocks();
const API_KEY = "GEN-provider-process-key";
let fake: FakeQdrant;
let provider: FreshProvider;
let collection: QdrantCollection;
let inputs: Record<string, any>;

beforeAll(async () => {
  fake = await startFakeQdrant({ apiKey: API_KEY });
  harness.generatedSecrets.push(API_KEY);
  collection = new QdrantCollection("tenant-a", {
    name: "vectors_tenant_a_kato",
    vectors: { size: 8, distance: "Euclid" },
    hnsw: { m: 16, efConstruct: 128, fullScanThreshold: 10000 },
    onDiskPayload: true,
    payloadIndexes: [{ field: "pattern_name", schema: "keyword" }],
    connection: {
      access: {
        members: [{ advertised: "q-0:6333", reach: { kind: "direct", host: "127.0.0.1", port: fake.port } }],
      },
    },
    apiKey: pulumi.secret(API_KEY),
    retry: { initialDelayMs: 5 },
  });
  await settle(collection.urn);
  const recorded = recordedDynamicResource(harness, "tenant-a");
  inputs = recorded.inputs;
  provider = await loadProviderInFreshProcess(recorded.providerText);
});

/** Props of any shape in the flat form the provider reads. */
const flat = (props: Record<string, any>) => unpack(COLLECTION_LAYOUT, props);
/** Inputs as the program sends them, with settings of `spec` replaced. */
const withSpec = (props: Record<string, any>, patch: Record<string, unknown>) => ({
  ...props,
  spec: asText({ ...JSON.parse(props.spec), ...patch }),
});

afterAll(async () => {
  await provider?.close();
  await fake.close();
});

describe("QdrantCollection provider in a fresh process", () => {
  it("is serialized with every method Pulumi calls", () => {
    expect(provider.methods.sort()).toEqual(["check", "create", "delete", "diff", "read", "update"]);
  });

  it("keeps the API key secret in the resource's inputs", async () => {
    expect(plaintextSecretLeaks(harness)).toEqual([]);
    expect(inputs.apiKey).toBe(API_KEY);
  });

  it("runs check, create, read, diff, update, read and delete against the fake", async () => {
    const check = await provider.call<{ failures: unknown[] }>("check", {}, inputs);
    expect(check.failures).toEqual([]);

    const created = await provider.call<{ id: string; outs: any }>("create", inputs);
    expect(created.id).toBe("vectors_tenant_a_kato");
    expect(fake.state.collections.has("vectors_tenant_a_kato")).toBe(true);

    const read = await provider.call<{ id: string; props: any }>("read", created.id, created.outs);
    const same = await provider.call<{ changes: boolean }>("diff", created.id, read.props, inputs);
    expect(same.changes).toBe(false);
    // Another compiler or release writes another `__provider` text: not a change of the collection.
    const newShim = await provider.call<{ changes: boolean }>(
      "diff",
      created.id,
      { ...read.props, __provider: "exports.handler = () => ({}); // an earlier release" },
      inputs, // with this release's text: the host runs the new inputs' provider
    );
    expect(newShim.changes).toBe(false);

    const bigger = withSpec(inputs, { hnsw: { ...JSON.parse(inputs.spec).hnsw, m: 32 } });
    // The host forwards only changes, replaces and deleteBeforeReplace (no detailedDiff).
    const diff = await provider.call("diff", created.id, read.props, bigger);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await provider.call<{ outs: any }>("update", created.id, read.props, bigger);
    const after = await provider.call<{ props: any }>("read", created.id, updated.outs);
    expect(flat(after.props).hnsw.m).toBe(32);

    const resized = { ...bigger, vectors: { size: 16, distance: "Euclid" } };
    const refused = await provider.call<{ failures: { reason: string }[] }>("check", bigger, resized);
    expect(refused.failures[0]!.reason).toMatch(/refused/);
    await expect(provider.call("diff", created.id, after.props, resized)).rejects.toThrow(
      /allowRecreate: true/,
    );

    await provider.call("delete", created.id, after.props);
    expect(fake.state.collections.has("vectors_tenant_a_kato")).toBe(true); // kept: dropOnDelete is not set
    await provider.call("delete", created.id, { ...after.props, dropOnDelete: true });
    expect(fake.state.collections.has("vectors_tenant_a_kato")).toBe(false);
    expect(fake.violations).toEqual([]);
  });

  it("registers name, apiKey, connection and spec (the last two as JSON text), and accepts state of every earlier shape", async () => {
    expect(Object.keys(inputs).sort()).toEqual(["apiKey", "connection", "name", "spec"]);
    expect(JSON.parse(inputs.spec).vectors).toEqual({ size: 8, distance: "Euclid" });
    expect(JSON.parse(inputs.connection).access.members).toHaveLength(1);
    const created = await provider.call<{ id: string; outs: any }>("create", inputs);
    expect(typeof created.outs.spec).toBe("string");
    const { spec, connection, ...top } = created.outs;
    // Outputs as releases before the spec shape wrote them: every setting at the top level.
    const flatOuts = { ...top, ...JSON.parse(spec), connection: JSON.parse(connection) };
    // Outputs as releases before the text form wrote them: spec and connection as objects.
    const objectOuts = { ...top, spec: JSON.parse(spec), connection: JSON.parse(connection) };
    for (const earlier of [flatOuts, objectOuts]) {
      expect(await provider.call("diff", created.id, earlier, inputs)).toEqual({
        changes: false,
        replaces: [],
        deleteBeforeReplace: false,
      });
      const read = await provider.call<{ id: string; props: any }>("read", created.id, earlier);
      expect(read.id).toBe(created.id);
      expect(typeof read.props.spec).toBe("string");
      expect(flat(read.props).vectors).toEqual({ size: 8, distance: "Euclid" });
      expect(read.props.vectors).toBeUndefined();
      // A rebuild that is allowed names the input that holds the changed setting: spec.
      const resized = withSpec(inputs, { vectors: { size: 16, distance: "Euclid" }, allowRecreate: true });
      expect(await provider.call("diff", created.id, earlier, resized)).toEqual({
        changes: true,
        replaces: ["spec"],
        deleteBeforeReplace: true,
      });
    }
    await provider.call("delete", created.id, { ...flatOuts, dropOnDelete: true });
    expect(fake.state.collections.has("vectors_tenant_a_kato")).toBe(false);
  });

  it("gives the settings decoded from the spec text", async () => {
    const settings = await resolved(collection.settings);
    expect(settings.vectors).toEqual({ size: 8, distance: "Euclid" });
    expect(settings.hnsw).toEqual({ m: 16, efConstruct: 128, fullScanThreshold: 10000 });
  });

  it("marks the key secret in the resource's outputs", async () => {
    expect(await isSecret((collection as any).apiKey)).toBe(true);
  });
});
