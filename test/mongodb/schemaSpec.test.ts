/** Preview-time validation of tenant schemas: each MongoDB rule refused with its name and a fix. */
import { describe, expect, it } from "vitest";
import {
  defaultIndexName,
  INDEX_KEY_DIRECTIONS,
  INDEX_OPTION_KEYS,
  validateCollectionName,
  validateDatabaseName,
  validateDatabaseSchema,
  validateIndexSpec,
} from "../../components/mongodb/schemaSpec";
import { COLLECTION_FIELDS } from "../../program/config/fields";

const rules = (raw: unknown) =>
  validateIndexSpec("ix", raw).map((p) => /^\[([a-z-]+)\]/.exec(p.message)?.[1]);

describe("index validation", () => {
  it("accepts KATO's own indexes and the guide's examples", () => {
    expect(validateIndexSpec("ix", { keys: [["name", 1]], unique: true })).toEqual([]);
    expect(
      validateIndexSpec("ix", {
        keys: [
          ["frequency", -1],
          ["name", 1],
        ],
      }),
    ).toEqual([]);
    expect(validateIndexSpec("ix", { keys: [["metadata.tag", 1]], sparse: true })).toEqual([]);
    expect(validateIndexSpec("ix", { keys: [["events", "text"]] })).toEqual([]);
    expect(validateIndexSpec("ix", { keys: [["events.0", 1]] })).toEqual([]);
  });

  it("refuses sparse together with a partial filter, and says how to get the same with a filter", () => {
    const [p] = validateIndexSpec("ix", {
      keys: [["a", 1]],
      sparse: true,
      partialFilterExpression: { a: { $exists: true } },
    });
    expect(p!.message).toMatch(
      /^\[partial-and-sparse\] MongoDB cannot mix partialFilterExpression and sparse/,
    );
    expect(p!.fix).toMatch(/\$exists: true/);
  });

  it("refuses TTL on a compound or text index and out of range, which MongoDB refuses (CannotCreateIndex)", () => {
    expect(
      rules({
        keys: [
          ["a", 1],
          ["b", 1],
        ],
        expireAfterSeconds: 60,
      }),
    ).toEqual(["ttl-single-field"]);
    expect(rules({ keys: [["body", "text"]], expireAfterSeconds: 60 })).toEqual(["ttl-single-field"]);
    expect(rules({ keys: [["a", 1]], expireAfterSeconds: -1 })).toEqual(["ttl-range"]);
    expect(rules({ keys: [["a", 1]], expireAfterSeconds: 1.5 })).toEqual(["ttl-range"]);
  });

  it("refuses collation locales MongoDB does not support, with the nearest one and the field", () => {
    expect(rules({ keys: [["a", 1]], collation: { locale: "en" } })).toEqual([]);
    expect(rules({ keys: [["a", 1]], collation: { locale: "fr_CA", strength: 2 } })).toEqual([]);
    expect(rules({ keys: [["a", 1]], collation: { locale: "de@collation=phonebook" } })).toEqual([]);
    expect(rules({ keys: [["a", 1]], collation: { locale: "simple" } })).toEqual([]);
    const [p] = validateIndexSpec("ix", { keys: [["a", 1]], collation: { locale: "en_XX" } });
    expect(p).toMatchObject({ field: "ix.collation.locale", value: "en_XX" });
    expect(p!.message).toMatch(/^\[collation-locale\] .*BadValue/);
    expect(p!.fix).toMatch(/did you mean en_US\?/);
    expect(rules({ keys: [["a", 1]], collation: { locale: "klingon" } })).toEqual(["collation-locale"]);
    expect(rules({ keys: [["a", 1]], collation: { locale: "simple@collation=search" } })).toEqual([
      "collation-locale",
    ]);
  });

  it("refuses text default_language values MongoDB does not support; accepts names and codes in any case", () => {
    for (const language of ["english", "English", "en", "none", "nb", "portuguese"])
      expect(rules({ keys: [["body", "text"]], default_language: language })).toEqual([]);
    const [p] = validateIndexSpec("ix", { keys: [["body", "text"]], default_language: "englsh" });
    expect(p).toMatchObject({ field: "ix.default_language", value: "englsh" });
    expect(p!.message).toMatch(/^\[text-language\] .*CannotCreateIndex/);
    expect(p!.fix).toMatch(/did you mean english\?/);
    expect(rules({ keys: [["body", "text"]], default_language: "chinese" })).toEqual(["text-language"]);
  });

  it("refuses partial filters deeper than the server's 4 levels, counting as the server does", () => {
    const nest = (levels: number): Record<string, unknown> =>
      levels === 0 ? { x: 3 } : { $and: [nest(levels - 1)] };
    // The server's own boundary (jstest index_partial_create_drop.js): 3 nested $and pass, 4 fail.
    expect(rules({ keys: [["x", 1]], partialFilterExpression: nest(3) })).toEqual([]);
    const [p] = validateIndexSpec("ix", { keys: [["x", 1]], partialFilterExpression: nest(4) });
    expect(p).toMatchObject({ field: "ix.partialFilterExpression" });
    expect(p!.message).toMatch(/^\[partial-filter-depth\] the filter is 5 levels deep/);
    // A document with several conditions is a level of its own; one condition is not.
    expect(
      rules({
        keys: [["x", 1]],
        partialFilterExpression: { $or: [{ $and: [{ a: { $gt: 1, $lt: 5 }, b: 1 }] }] },
      }),
    ).toEqual([]);
    expect(
      rules({
        keys: [["x", 1]],
        partialFilterExpression: { c: 1, $or: [{ $and: [{ a: { $gt: 1, $lt: 5 }, b: 1 }] }] },
      }),
    ).toEqual(["partial-filter-depth"]);
  });

  it("refuses declaring the _id index, whose options MongoDB fixes", () => {
    expect(rules({ keys: [["_id", 1]], unique: true })).toEqual(["id-index"]);
    expect(rules({ keys: [["_id", 1]], hidden: true })).toEqual(["id-index"]);
    expect(
      rules({
        keys: [
          ["_id", 1],
          ["a", 1],
        ],
      }),
    ).toEqual([]);
  });

  it("refuses a collation on a text index, and text options on other indexes", () => {
    expect(rules({ keys: [["body", "text"]], collation: { locale: "en" } })).toEqual(["text-collation"]);
    expect(rules({ keys: [["body", "text"]], collation: { locale: "simple" } })).toEqual([]);
    expect(rules({ keys: [["a", 1]], weights: { a: 2 } })).toEqual(["text-option"]);
    expect(rules({ keys: [["body", "text"]], weights: { title: 2 } })).toEqual(["text-weights"]);
    expect(rules({ keys: [["body", "text"]], weights: { body: 0 } })).toEqual(["text-weights"]);
  });

  it("refuses partial filter operators MongoDB does not index on", () => {
    expect(rules({ keys: [["a", 1]], partialFilterExpression: { a: { $ne: 1 } } })).toEqual([
      "partial-filter",
    ]);
    expect(rules({ keys: [["a", 1]], partialFilterExpression: { a: { $exists: false } } })).toEqual([
      "partial-filter",
    ]);
    expect(rules({ keys: [["a", 1]], partialFilterExpression: { $nor: [{ a: 1 }] } })).toEqual([
      "partial-filter",
    ]);
    expect(
      rules({
        keys: [["a", 1]],
        partialFilterExpression: { $or: [{ a: { $gt: 1 } }, { b: { $in: [1, 2] } }] },
      }),
    ).toEqual([]);
  });

  it("refuses malformed keys, unknown options (with a suggestion) and bad collations", () => {
    expect(rules({ keys: [] })).toEqual(["index-keys"]);
    expect(rules({ keys: { a: 1 } })).toEqual(["index-keys"]);
    expect(rules({ keys: [["$a", 1]] })).toEqual(["index-keys"]);
    expect(rules({ keys: [["a..b", 1]] })).toEqual(["index-keys"]);
    expect(rules({ keys: [["a", "hashed"]] })).toEqual(["index-keys"]);
    expect(
      rules({
        keys: [
          ["a", 1],
          ["a", -1],
        ],
      }),
    ).toEqual(["index-keys"]);
    const [typo] = validateIndexSpec("ix", { keys: [["a", 1]], uniqe: true });
    expect(typo!.fix).toBe("did you mean unique?");
    expect(rules({ keys: [["a", 1]], collation: { strength: 2 } })).toEqual(["collation"]);
    expect(rules({ keys: [["a", 1]], collation: { locale: "en", strength: 9 } })).toEqual(["collation"]);
  });

  it("names indexes the way MongoDB does by default", () => {
    expect(
      defaultIndexName([
        ["frequency", -1],
        ["name", 1],
      ]),
    ).toBe("frequency_-1_name_1");
    expect(defaultIndexName([["events", "text"]])).toBe("events_text");
  });
});

describe("database and collection names", () => {
  it("refuses the characters, lengths and names MongoDB refuses", () => {
    for (const bad of ["a/b", "a.b", "a b", 'a"b', "a$b", "a*b", "a<b", "a>b", "a:b", "a|b", "a?b", "a\\b"]) {
      expect(validateDatabaseName("db", bad)[0]!.message).toMatch(/^\[database-name\]/);
    }
    expect(validateDatabaseName("db", "x".repeat(63))).toEqual([]);
    expect(validateDatabaseName("db", "x".repeat(64))[0]!.message).toMatch(/shorter than 64 bytes/);
    expect(validateDatabaseName("db", "é".repeat(32))[0]!.message).toMatch(/64 bytes/);
    expect(validateDatabaseName("db", "admin")[0]!.message).toMatch(/system database/);
    expect(validateCollectionName("c", "db", "system.profile")[0]!.message).toMatch(/system\./);
    expect(validateCollectionName("c", "db", "a$b")[0]!.message).toMatch(/\$/);
    expect(validateCollectionName("c", "db", "")[0]!.message).toMatch(/empty/);
    expect(validateCollectionName("c", "db", "x".repeat(253))[0]!.message).toMatch(/^\[namespace-length\]/);
  });
});

describe("rules spanning a collection", () => {
  it("refuses two text indexes, two indexes of one name, and two indexes MongoDB treats as the same", () => {
    const problems = validateDatabaseSchema({
      database: "t",
      collections: {
        c: {
          indexes: [
            { keys: [["a", "text"]] },
            { keys: [["b", "text"]] },
            { keys: [["x", 1]], name: "same" },
            { keys: [["y", 1]], name: "same" },
            { keys: [["z", 1]] },
            { keys: [["z", 1]], name: "z_again", hidden: true },
          ],
        },
      },
    });
    const found = problems.map((p) => /^\[([a-z-]+)\]/.exec(p.message)?.[1]);
    expect(found).toEqual(expect.arrayContaining(["one-text-index", "index-name-unique", "index-identity"]));
  });

  it("allows two indexes on the same keys that differ in unique, sparse, partial filter or collation", () => {
    expect(
      validateDatabaseSchema({
        database: "t",
        collections: {
          c: {
            indexes: [
              { keys: [["z", 1]] },
              { keys: [["z", 1]], name: "z_unique", unique: true },
              { keys: [["z", 1]], name: "z_fr", collation: { locale: "fr" } },
              { keys: [["z", 1]], name: "z_pos", partialFilterExpression: { z: { $gt: 0 } } },
            ],
          },
        },
      }),
    ).toEqual([]);
  });
});

describe("the generated config reference and the check", () => {
  it("list the same index key kinds and options (one declaration)", () => {
    const text = String(COLLECTION_FIELDS.find((f) => f.name === "indexes")!.description);
    const kinds = /ordered map of field to ([^)]*)\)/.exec(text)![1]!.split(", ");
    expect(kinds).toEqual(INDEX_KEY_DIRECTIONS.map(String));
    for (const kind of INDEX_KEY_DIRECTIONS) expect(rules({ keys: [["f", kind]] }), String(kind)).toEqual([]);
    for (const kind of ["hashed", "2dsphere", "2d"]) expect(text).not.toContain(kind);
    const options = [...text.matchAll(/`([a-zA-Z_]+)`/g)].map((m) => m[1]);
    expect(options.sort()).toEqual([...INDEX_OPTION_KEYS].sort());
  });
});
