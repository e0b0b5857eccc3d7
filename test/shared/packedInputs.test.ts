import { describe, expect, it } from "vitest";
import { type InputLayout, pack, packedKey, unpack } from "../../components/shared/packedInputs";
import { UNKNOWN } from "../../components/shared/unknown";

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
  it("packs identity and secret at the top, groups by name and the rest into spec, as JSON text with sorted keys", () => {
    const packed = pack(LAYOUT, { ...FLAT, timeoutSeconds: undefined });
    expect(packed).toEqual({
      database: "a_kato",
      password: "p",
      connection: '{"access":{"members":[{"host":"m","port":1}]},"username":"root"}',
      spec: '{"allowIndexRebuild":false,"collections":{"c":{"indexes":[]}}}',
    });
    // Key order in the declaration does not change the text.
    const reordered = pack(LAYOUT, Object.fromEntries(Object.entries(FLAT).reverse()));
    expect(reordered).toEqual(packed);
  });

  it("stores a `text` key's object as JSON text and leaves its other values as they are", () => {
    const layout: InputLayout = { top: ["name", "connection"], groups: {}, text: ["connection"] };
    expect(pack(layout, { name: "v", connection: { url: "http://q:6333" }, m: 16 })).toEqual({
      name: "v",
      connection: '{"url":"http://q:6333"}',
      spec: '{"m":16}',
    });
    expect(pack(layout, { name: "v", connection: UNKNOWN }).connection).toBe(UNKNOWN);
    expect(unpack(layout, pack(layout, { name: "v", connection: { url: "u" } }))).toEqual({
      name: "v",
      connection: { url: "u" },
    });
  });

  it("unpacks every shape state may hold to the same flat form", () => {
    const text = pack(LAYOUT, FLAT);
    const objects = {
      database: FLAT.database,
      password: FLAT.password,
      connection: { access: FLAT.access, username: FLAT.username },
      spec: { collections: FLAT.collections, allowIndexRebuild: false },
    };
    expect(unpack(LAYOUT, text)).toEqual(FLAT);
    expect(unpack(LAYOUT, objects)).toEqual(FLAT);
    expect(unpack(LAYOUT, FLAT)).toEqual(FLAT);
    expect(unpack(LAYOUT, {})).toEqual({});
    // A top-level string that is not a text key stays a string, even if it looks like JSON.
    expect(unpack(LAYOUT, { ...text, password: '{"a":1}' }).password).toBe('{"a":1}');
  });

  it("lets a flat key beside spec win whatever the key order", () => {
    const packed = pack(LAYOUT, FLAT);
    const mixed = { collections: { d: { indexes: [] } }, ...packed };
    expect(unpack(LAYOUT, mixed).collections).toEqual({ d: { indexes: [] } });
  });

  it("reads each member of a group not known yet as unknown, and keeps an unknown spec whole", () => {
    const packed = pack(LAYOUT, FLAT);
    const pending = unpack(LAYOUT, { ...packed, connection: UNKNOWN });
    expect([pending.access, pending.username, pending.connection]).toEqual([UNKNOWN, UNKNOWN, UNKNOWN]);
    expect(pending.collections).toEqual(FLAT.collections);
    const spec = unpack(LAYOUT, { ...packed, spec: UNKNOWN });
    expect(spec.spec).toBe(UNKNOWN);
    expect(spec.collections).toBeUndefined();
    expect(spec.access).toEqual(FLAT.access);
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
