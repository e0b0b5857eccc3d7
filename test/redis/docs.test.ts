import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REDIS_DEFAULTS, REDIS_FIELDS } from "../../components/redis/settings";

const doc = readFileSync(join(__dirname, "..", "..", "docs", "redis.md"), "utf8");

describe("docs/redis.md", () => {
  it("has a row in the settings table for every field", () => {
    const rows = doc.split("\n").filter((l) => l.startsWith("| `"));
    const documented = rows.map((l) => /^\| `([^`]+)`/.exec(l)![1]);
    for (const f of REDIS_FIELDS) expect(documented).toContain(f.name);
  });

  it("states the defaults the code uses", () => {
    expect(doc).toContain(`| \`"${REDIS_DEFAULTS.version}"\` |`);
    expect(doc).toContain(`| \`"${REDIS_DEFAULTS.maxmemory}"\` |`);
    expect(doc).toContain(`| \`${REDIS_DEFAULTS.clusterNodeTimeoutMs}\` |`);
    expect(doc).toContain(`| \`${REDIS_DEFAULTS.hostPortBase}\` |`);
    expect(doc).toContain(`| \`"${REDIS_DEFAULTS.storage.size}"\` |`);
  });
});
