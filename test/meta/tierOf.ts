/**
 * What a test file does, read from its text and the test-local modules it imports (transitively):
 * `real` when it runs a program from Debian's packages (redis-server, redis-cli, redis-sentinel,
 * haproxy, python3 with redis-py, promtool, shellcheck, busybox, sh/bash), `process` when it starts
 * other processes (Node children as Pulumi runs them, npm), `mocks` when it loads the Pulumi SDK at
 * run time (itself or through any module of the repository it reaches: a Pulumi program under mocks,
 * a component), else `pure` (plans, settings, the fakes: no Pulumi, no process). Used by
 * test/meta/tiers.test.ts to keep test/tiers.json honest.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export type Tier = "pure" | "mocks" | "process" | "real";

const ROOT = resolve(__dirname, "..", "..");
// Built from parts so that this file, which tiers.test.ts imports, does not match itself.
const CHILD = ["child", "process"].join("_");
const SPAWNS = new RegExp(`(?:from |require\\()"(?:node:)?${CHILD}"`);
const REAL_PROGRAM =
  /["'`](redis-server|redis-cli|redis-sentinel|haproxy|\/usr\/bin\/python3|python3|promtool|shellcheck|busybox|sh|bash)["'`]/;

/** A run-time import of the Pulumi SDK or a provider SDK (`import type` loads nothing). */
const LOADS_PULUMI = /(?:from |import\(|require\()\s*"@pulumi\//;

/** The text without type-only imports and exports (`import type ... from`), which load nothing. */
function runtimeText(text: string): string {
  return text.replace(/^import type [^;]*;/gm, "").replace(/^export type [^;]*;/gm, "");
}

function localImports(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of runtimeText(text).matchAll(/(?:from|import|require\()\s*"(\.{1,2}\/[^"]+)"/g)) {
    const base = resolve(dirname(file), m[1]!);
    for (const candidate of [`${base}.ts`, join(base, "index.ts"), base]) {
      if (candidate.endsWith(".ts") && existsSync(candidate)) {
        found.push(candidate);
        break;
      }
    }
  }
  return found;
}

/**
 * The file's tier, judged from what it and the modules it reaches do: spawning is looked for in the
 * test helpers only (the repository's own modules never spawn in tests); loading Pulumi in every
 * module of the repository it reaches.
 */
export function tierOf(file: string): Tier {
  const seen = new Set<string>();
  let spawns = false;
  let real = false;
  let pulumi = false;
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const text = readFileSync(path, "utf8");
    const inTests = relative(ROOT, path).startsWith("test/");
    if (inTests && SPAWNS.test(text)) {
      spawns = true;
      if (REAL_PROGRAM.test(text)) real = true;
    }
    if (LOADS_PULUMI.test(runtimeText(text))) pulumi = true;
    for (const dep of localImports(path, text)) {
      if (!relative(ROOT, dep).startsWith("..") && !dep.includes("node_modules")) visit(dep);
    }
  };
  visit(resolve(ROOT, file));
  return real ? "real" : spawns ? "process" : pulumi ? "mocks" : "pure";
}
