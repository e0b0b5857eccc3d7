/**
 * docs/operations.md keeps step with the code: every documented setting of every operations
 * component appears in it, with its default.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DATA_TIER_MONITORING_FIELDS,
  MONGO_BACKUP_FIELDS,
  QDRANT_SNAPSHOTS_FIELDS,
  REDIS_BACKUP_FIELDS,
} from "../../components/operations";

const doc = readFileSync(resolve(__dirname, "..", "..", "docs", "operations.md"), "utf8");

describe("docs/operations.md", () => {
  it("lists every setting of every operations component in a table row", () => {
    for (const fields of [
      MONGO_BACKUP_FIELDS,
      QDRANT_SNAPSHOTS_FIELDS,
      REDIS_BACKUP_FIELDS,
      DATA_TIER_MONITORING_FIELDS,
    ]) {
      for (const f of fields) {
        expect(doc, f.name).toMatch(new RegExp(`^\\| \`${f.name.replace(".", "\\.")}\` \\|`, "m"));
      }
    }
  });

  it("documents a step-by-step restore for each engine on both targets", () => {
    for (const heading of [
      "### Restore MongoDB, step by step",
      "### Restore Qdrant, step by step",
      "### Restore Redis, step by step",
    ]) {
      expect(doc).toContain(heading);
    }
    expect(doc).toContain('mongorestore --config="$cfg" --oplogReplay --gzip --archive=');
    expect(doc).toContain("priority=snapshot");
    expect(doc).toContain("appendonly no");
  });
});
