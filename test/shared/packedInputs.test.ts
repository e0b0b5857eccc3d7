import { describe, expect, it } from "vitest";
import { type InputLayout, pack, packedKey, unpack } from "../../components/shared/packedInputs";

const LAYOUT: InputLayout = { top: ["database", "password"], groups: { connection: ["access", "username"] } };
const FLAT = {
  database: "a_kato",
  password: "p",
  access: { members: [{ host: "m", port: 1 }] },
  username: "root",
  collections: { c: { indexes: [] } },
  allowIndexRebuild: false,
};

describe("packed inputs", () => {
  it("packs identity and secret at the top, groups by name, the rest into spec", () => {
    expect(pack(LAYOUT, { ...FLAT, timeoutSeconds: undefined })).toEqual({
      database: "a_kato",
      password: "p",
      connection: { access: FLAT.access, username: "root" },
      spec: { collections: FLAT.collections, allowIndexRebuild: false },
    });
  });

  it("unpacks the current shape to the flat form, and leaves the earlier flat shape as it is", () => {
    expect(unpack(LAYOUT, pack(LAYOUT, FLAT))).toEqual(FLAT);
    expect(unpack(LAYOUT, FLAT)).toBe(FLAT);
    expect(unpack(LAYOUT, {})).toEqual({});
  });

  it("lets a flat key beside spec win whatever the key order, and keeps an unknown group whole", () => {
    const packed = pack(LAYOUT, FLAT);
    const mixed = { collections: { d: { indexes: [] } }, ...packed };
    expect(unpack(LAYOUT, mixed).collections).toEqual({ d: { indexes: [] } });
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(unpack(LAYOUT, { ...packed, connection: unknown }).connection).toBe(unknown);
  });

  it("names the top-level input that holds a flat key", () => {
    expect(["database", "username", "collections", "__provider"].map((k) => packedKey(LAYOUT, k))).toEqual([
      "database",
      "connection",
      "spec",
      "__provider",
    ]);
  });
});
