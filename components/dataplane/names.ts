/**
 * Tenant names: how a KATO `node_id` becomes a MongoDB database name and a Qdrant collection name,
 * and the servers' limits those names must respect. Pure (node:crypto only for KATO's md5 rule).
 */
import { createHash } from "node:crypto";
import { type Problem, problem } from "../shared/problems";

/** Characters KATO 3.0.0 replaces with `_` in node ids and in SERVICE_NAME (kato-data-model.md). */
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

const utf8Length = (text: string): number => Buffer.byteLength(text, "utf8");

/** MongoDB: database names are 1-63 bytes and cannot contain `/\. "$` or NUL (Linux servers). */
export const MONGO_DATABASE_MAX_BYTES = 63;
/** MongoDB 4.4+: `<database>.<collection>` is at most 255 bytes. */
export const MONGO_NAMESPACE_MAX_BYTES = 255;
/** Qdrant: collection names are 1-255 characters without `<>:"/\|?*`, NUL or the unit separator. */
export const QDRANT_NAME_MAX = 255;

const MONGO_DB_FORBIDDEN = ["/", "\\", ".", " ", '"', "$", "\0"];
const QDRANT_FORBIDDEN = ["<", ">", ":", '"', "/", "\\", "|", "?", "*", "\0", "\u001f"];

/** The first character of `name` that is in `forbidden`, if any. */
function firstForbidden(name: string, forbidden: readonly string[]): string | undefined {
  return Array.from(name).find((c) => forbidden.includes(c));
}

export function mongoDatabaseNameProblems(field: string, name: string, fix: string): Problem[] {
  if (name.length === 0) return [problem(field, name, "is an empty MongoDB database name.", fix)];
  const out: Problem[] = [];
  const bad = firstForbidden(name, MONGO_DB_FORBIDDEN);
  if (bad !== undefined) {
    out.push(
      problem(
        field,
        name,
        `is not a valid MongoDB database name: it contains ${JSON.stringify(bad)} (database names cannot contain / \\ . space " $ or NUL).`,
        fix,
      ),
    );
  }
  if (utf8Length(name) > MONGO_DATABASE_MAX_BYTES) {
    out.push(
      problem(
        field,
        name,
        `is ${utf8Length(name)} bytes long; MongoDB database names are at most ${MONGO_DATABASE_MAX_BYTES} bytes.`,
        fix,
      ),
    );
  }
  return out;
}

export function mongoCollectionNameProblems(
  field: string,
  database: string,
  name: string,
  fix: string,
): Problem[] {
  const out: Problem[] = [];
  if (name.length === 0) out.push(problem(field, name, "is an empty MongoDB collection name.", fix));
  if (/[$\0]/.test(name)) {
    out.push(problem(field, name, "is not a valid MongoDB collection name: it contains $ or NUL.", fix));
  }
  if (name.startsWith("system.")) {
    out.push(problem(field, name, "starts with `system.`, which MongoDB reserves for itself.", fix));
  }
  const namespace = `${database}.${name}`;
  if (utf8Length(namespace) > MONGO_NAMESPACE_MAX_BYTES) {
    out.push(
      problem(
        field,
        name,
        `makes the namespace ${JSON.stringify(namespace)} ${utf8Length(namespace)} bytes long; MongoDB allows ${MONGO_NAMESPACE_MAX_BYTES}.`,
        fix,
      ),
    );
  }
  return out;
}

export function qdrantCollectionNameProblems(field: string, name: string, fix: string): Problem[] {
  const out: Problem[] = [];
  const length = Array.from(name).length;
  if (length === 0 || length > QDRANT_NAME_MAX) {
    out.push(
      problem(
        field,
        name,
        `is ${length} characters long; Qdrant collection names are 1 to ${QDRANT_NAME_MAX}.`,
        fix,
      ),
    );
  }
  const bad = firstForbidden(name, QDRANT_FORBIDDEN);
  if (bad !== undefined) {
    out.push(
      problem(
        field,
        name,
        `is not a valid Qdrant collection name: it contains ${JSON.stringify(bad)} (not allowed: < > : " / \\ | ? * NUL).`,
        fix,
      ),
    );
  }
  return out;
}
