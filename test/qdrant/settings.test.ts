import { describe, expect, it } from "vitest";
import { QDRANT_DEFAULTS, QDRANT_FIELDS, resolveQdrantSettings } from "../../components/qdrant/settings";

describe("resolveQdrantSettings", () => {
  it("gives the dev defaults for an empty object: 3 peers, pinned v1.19.0, API keys, 10Gi retained storage", () => {
    const { settings, problems } = resolveQdrantSettings(undefined, "qdrant");
    expect(problems).toEqual([]);
    expect(settings).toEqual(QDRANT_DEFAULTS);
    expect(settings!.image).toBe("qdrant/qdrant:v1.19.0");
    expect(settings!.storage).toEqual({ size: "10Gi", retainOnDelete: true });
  });

  it("layers the user's object over a profile's base, nested objects merged field by field", () => {
    const { settings, problems } = resolveQdrantSettings(
      { resources: { memory: "4Gi" }, peers: 5 },
      "qdrant",
      { resources: { cpu: "2", memory: "2Gi" }, storage: { size: "100Gi" } },
    );
    expect(problems).toEqual([]);
    expect(settings!.peers).toBe(5);
    expect(settings!.resources).toEqual({ cpu: "2", memory: "4Gi" });
    expect(settings!.storage).toEqual({ size: "100Gi", retainOnDelete: true });
  });

  it("reports every problem at once, each naming the field, the value and a fix", () => {
    const { settings, problems } = resolveQdrantSettings(
      {
        peers: 0,
        image: "qdrant/qdrant:latest",
        storage: { size: "lots" },
        resources: { cpu: "2", cpuLimit: "1" },
        logLevel: "CHATTY",
        hostPortBase: 80,
      },
      "qdrant",
    );
    expect(settings).toBeUndefined();
    const fields = problems.map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "qdrant.peers",
        "qdrant.image",
        "qdrant.storage.size",
        "qdrant.resources.cpuLimit",
        "qdrant.logLevel",
        "qdrant.hostPortBase",
      ]),
    );
    for (const p of problems) {
      expect(p.message.length).toBeGreaterThan(5);
      expect(p.fix.length).toBeGreaterThan(5);
    }
    expect(problems.find((p) => p.field === "qdrant.image")!.message).toMatch(/not pinned/);
  });

  it("rejects unknown keys at every level and suggests the near miss", () => {
    const { problems } = resolveQdrantSettings({ peer: 3, storage: { sise: "1Gi" } }, "qdrant");
    expect(problems.map((p) => p.field)).toEqual(["qdrant.peer", "qdrant.storage.sise"]);
    expect(problems[0]!.fix).toMatch(/did you mean qdrant.peers/);
    expect(problems[1]!.fix).toMatch(/did you mean qdrant.storage.size/);
  });

  it("refuses gRPC host ports that overlap the REST host ports", () => {
    const { problems } = resolveQdrantSettings(
      { grpc: true, hostPortBase: 6333, grpcHostPortBase: 6334 },
      "qdrant",
    );
    expect(problems.map((p) => p.field)).toEqual(["qdrant.grpcHostPortBase"]);
  });

  it("refuses a snapshot directory inside the storage volume", () => {
    const { problems } = resolveQdrantSettings({ snapshots: { path: "/qdrant/storage/snaps" } }, "qdrant");
    expect(problems.map((p) => p.field)).toEqual(["qdrant.snapshots.path"]);
  });

  it("refuses a non-object", () => {
    expect(resolveQdrantSettings("three peers", "qdrant").problems[0]!.message).toMatch(/must be an object/);
  });

  it("documents every settings field, and only those", () => {
    // Groups are documented member by member (`storage.size`).
    const documented = [...new Set(QDRANT_FIELDS.map((f) => f.name.split(".")[0]))].sort();
    expect(documented).toEqual(Object.keys(QDRANT_DEFAULTS).sort());
    for (const f of QDRANT_FIELDS) {
      const [key, member] = f.name.split(".") as [string, string | undefined];
      const value = (QDRANT_DEFAULTS as unknown as Record<string, Record<string, unknown>>)[key];
      expect(f.default).toEqual(member === undefined ? value : value?.[member]);
      expect(f.description.length).toBeGreaterThan(10);
    }
  });
});
