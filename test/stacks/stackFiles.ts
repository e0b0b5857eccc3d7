/**
 * Reads `Pulumi.<stack>.yaml` files as the Pulumi CLI hands their config to a program: namespaced
 * keys, strings as they are, every other value (numbers, booleans, objects, lists) as JSON text.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const ROOT = path.join(__dirname, "..", "..");

/** Stack names with a `Pulumi.<stack>.yaml` in the repository. */
export function stackNames(): string[] {
  return fs
    .readdirSync(ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export function stackFileText(stack: string): string {
  return fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
}

/** The stack's config as `pulumi.runtime.allConfig()` returns it. */
export function stackConfig(stack: string): Record<string, string> {
  const doc = parse(stackFileText(stack)) ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries<unknown>(doc.config ?? {})) {
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}
