import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CASES, END, renderCatalogue, START } from "./cases";

describe("bad-input catalogue", () => {
  it.each(CASES.map((c) => [c.input, c]))("refuses %s, naming the rule", async (_input, c) => {
    const messages = await c.refuse();
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.join("\n")).toMatch(c.expect);
  });

  it("docs/bad-input.md's table is exactly what the code says today (run npm run catalogue after a change)", async () => {
    const readme = readFileSync(join(__dirname, "..", "..", "docs", "bad-input.md"), "utf8");
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start, "docs/bad-input.md has the catalogue markers").toBeGreaterThan(-1);
    expect(readme.slice(start + START.length, end).trim()).toBe((await renderCatalogue()).trim());
  });
});
