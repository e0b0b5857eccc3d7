/**
 * Which long-lived stacks a pull request's changed files affect, for the preview workflow:
 * - a change to the program (index.ts, components/, stacks/, Pulumi.yaml, package files, the tsconfigs, runtime.js)
 *   affects every previewed stack;
 * - a change to `Pulumi.<stack>.yaml` affects that stack;
 * - anything else (docs, tests, tools, workflows) affects none.
 * Previewed stacks are those with a `Pulumi.<stack>.yaml`, except `dev` (it lives on developers'
 * machines, on Docker) and `pr-*` (the per-PR stacks have their own workflow).
 *
 * `git diff --name-only base head | npm run --silent affected-stacks` prints a JSON list.
 */
import * as fs from "node:fs";

const PROGRAM = [
  /^index\.ts$/,
  /^components\//,
  /^stacks\//,
  /^Pulumi\.yaml$/,
  /^package(-lock)?\.json$/,
  /^tsconfig(\.pulumi)?\.json$/,
  /^runtime\.js$/,
];
const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

export function previewedStacks(files: readonly string[]): string[] {
  return files
    .map((f) => STACK_FILE.exec(f)?.[1])
    .filter((s): s is string => s !== undefined && s !== "dev" && !s.startsWith("pr-"))
    .sort();
}

export function affectedStacks(changed: readonly string[], stacks: readonly string[]): string[] {
  if (changed.some((f) => PROGRAM.some((re) => re.test(f)))) return [...stacks];
  const touched = new Set(changed.map((f) => STACK_FILE.exec(f)?.[1]).filter((s) => s !== undefined));
  return stacks.filter((s) => touched.has(s));
}

if (require.main === module) {
  const changed = fs
    .readFileSync(0, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const stacks = previewedStacks(fs.readdirSync(process.cwd()));
  process.stdout.write(`${JSON.stringify(affectedStacks(changed, stacks))}\n`);
}
