/**
 * docs/tenants.md compares the two schema presets in a hand-written table; each fact in it that the
 * planner decides (collections, index names, the Qdrant collection's settings) is checked here
 * against planSchema, so the table cannot drift from what a stack deploys.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { planSchema, SCHEMA_PRESETS } from "../../components/dataplane/presets";

const text = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "tenants.md"), "utf8");

/** The comparison table's cells by row label, one per preset (columns in SCHEMA_PRESETS order). */
function table(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("| ") || line.startsWith("| ---")) continue;
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
    rows.set(cells[0]!, cells.slice(1));
  }
  return rows;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** MongoDB's default index name: each key's field and direction joined with `_`. */
const indexName = (keys: Array<[string, unknown]>) => keys.map(([f, d]) => `${f}_${d}`).join("_");

describe("docs/tenants.md's preset table", () => {
  const rows = table();

  it("has one column per preset, in order", () => {
    expect(rows.get("")).toEqual(["`guide` (default)", "`kato-v3`"]);
    expect(SCHEMA_PRESETS).toEqual(["guide", "kato-v3"]);
  });

  it.each(SCHEMA_PRESETS.map((preset, column) => [preset, column] as const))(
    "%s: names every collection and index the planner declares, and the Qdrant collection's settings",
    (preset, column) => {
      const plan = planSchema({ preset, nodeIds: ["n1"], serviceName: "kato", vectorSize: 768 });
      const cell = (label: string) => rows.get(label)?.[column] ?? "";
      for (const [name, collection] of Object.entries(plan.collections)) {
        expect(cell("collections"), name).toContain(`\`${name}\``);
        for (const index of collection.indexes ?? []) {
          expect(cell("indexes"), `${name} ${indexName(index.keys)}`).toContain(indexName(index.keys));
        }
      }
      const q = cell("Qdrant");
      const qdrant = plan.qdrant as Record<string, any>;
      expect(q).toContain(qdrant.vectors.distance);
      for (const [key, value] of Object.entries(qdrant.hnsw ?? {})) {
        expect(q, `hnsw.${key}`).toContain(`${snake(key)}=${value}`);
      }
      for (const [key, value] of Object.entries(qdrant.optimizers ?? {})) {
        expect(q, `optimizers.${key}`).toContain(`${snake(key)} ${value}`);
      }
      if (qdrant.onDiskPayload) expect(q).toContain("on_disk_payload");
    },
  );
});
