/**
 * Tenant names: how a KATO `node_id` becomes a MongoDB database name and a Qdrant collection name.
 * The servers' limits on those names are the engines' to check (components/mongodb/schemaSpec,
 * components/qdrant/collectionSpec). Pure (node:crypto only for KATO's md5 rule).
 */
import { createHash } from "node:crypto";

/** Characters KATO 3.0.0 replaces with `_` in node ids and in SERVICE_NAME (docs/kato.md). */
const KATO_UNSAFE = /[/\\."$*<>:|?\- ]/g;

/** KATO's cap on a database name, in characters (Python `len`, i.e. code points). */
export const KATO_MAX_NAME = 60;

export function katoSanitize(text: string): string {
  return text.replace(KATO_UNSAFE, "_");
}

/** Python's `s[:stop]` on code points, including a negative `stop` (counts from the end). */
function pySliceTo(chars: readonly string[], stop: number): string {
  const end = stop < 0 ? Math.max(0, chars.length + stop) : Math.min(stop, chars.length);
  return chars.slice(0, end).join("");
}

/**
 * KATO 3.0.0's database name for a node: `{node}_{base}` with node and base sanitised; when that is
 * over 60 characters, `{node[:60-len(base)-10]}_{md5(node)[:8]}_{base}` (md5 of the sanitised node id,
 * UTF-8). Lengths are in code points, as Python counts them.
 */
export function katoDatabaseName(nodeId: string, serviceName: string): string {
  const node = katoSanitize(nodeId);
  const base = katoSanitize(serviceName);
  const name = `${node}_${base}`;
  if (Array.from(name).length <= KATO_MAX_NAME) return name;
  const digest = createHash("md5").update(node, "utf8").digest("hex").slice(0, 8);
  const keep = KATO_MAX_NAME - Array.from(base).length - 10;
  return `${pySliceTo(Array.from(node), keep)}_${digest}_${base}`;
}

/** KATO 3.0.0's Qdrant collection: `vectors_` + the node's database name. */
export function katoCollectionName(nodeId: string, serviceName: string): string {
  return `vectors_${katoDatabaseName(nodeId, serviceName)}`;
}

/** The guide's names, used as written there (no sanitising: names that break a rule are refused). */
export function guideDatabaseName(nodeId: string): string {
  return `node_${nodeId}_kato`;
}

export function guideCollectionName(nodeId: string): string {
  return `vectors_${nodeId}`;
}

/**
 * Name of the data plane on Docker, where one host may run several stacks: `kato-<stack>` (the
 * stack lower-cased, runs of other characters as `-`, at most 24 characters), or `kato`.
 * Containers, volumes and the operations' host files are named after it.
 */
export function dockerPlaneName(stack: string): string {
  const slug = stack
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 24)
    .replace(/-+$/, "");
  return slug ? `kato-${slug}` : "kato";
}

/** The data plane's name: `kato` on Kubernetes (the namespace separates stacks), `dockerPlaneName` on Docker. */
export function planeNameFor(target: "docker" | "kubernetes", stack: string): string {
  return target === "kubernetes" ? "kato" : dockerPlaneName(stack);
}
