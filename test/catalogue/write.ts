/** `npm run catalogue`: rewrites docs/bad-input.md from test/catalogue/cases.ts. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { END, renderCatalogue, START } from "./cases";

async function main(): Promise<void> {
  const path = join(__dirname, "..", "..", "docs", "bad-input.md");
  const readme = readFileSync(path, "utf8");
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`docs/bad-input.md lacks the markers ${START} ... ${END}`);
  const table = await renderCatalogue();
  writeFileSync(path, `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
