import { describe, expect, it } from "vitest";
import { migrationVersion, patternsVersionMigration } from "../../components/mongodb/migrationPlan";
import { canonicalJson, sortedKeys } from "../../components/shared/values";

describe("sortedKeys and canonicalJson (one copy for MongoDB's schema and migrations and Qdrant's plan)", () => {
  it("sorts keys at every depth, keeps arrays in order and writes BigInt as a number", () => {
    const doc = { b: 1, a: { d: [{ z: 1, y: 2 }], c: 2n } };
    expect(sortedKeys(doc)).toEqual({ a: { c: 2, d: [{ y: 2, z: 1 }] }, b: 1 });
    expect(canonicalJson(doc)).toBe('{"a":{"c":2,"d":[{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ x: [3, 1], y: undefined })).toBe(canonicalJson({ x: [3, 1] }));
    expect(canonicalJson({ x: [3, 1] })).not.toBe(canonicalJson({ x: [1, 3] }));
  });

  it("keeps each catalogue migration's recorded version as shipped (a changed hash refuses it on every stack)", () => {
    // Recorded from the release before one copy replaced MongoDB's own (commit 5e17b57).
    const shipped: Record<string, string> = {
      patterns: "sha256:30393c79895570e13b222ba8854c3aa0d5f43035b25379f4a398be2bca3cfca7",
      patterns_kb: "sha256:dc0d480ccbff9c8f9302a4bc745614766c88fac75f2d3ab9e4517157fa1b6eb7",
    };
    for (const [collection, version] of Object.entries(shipped)) {
      expect(migrationVersion(patternsVersionMigration(collection))).toBe(version);
    }
  });
});
