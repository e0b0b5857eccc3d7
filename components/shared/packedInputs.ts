/**
 * The input shape of the per-tenant dynamic resources (`MongoDatabaseSchema`, `QdrantCollection`):
 * a few top-level inputs (the resource's identity, its secret, and `connection`) and one `spec`
 * holding everything else, instead of one top-level input per setting; `spec`, each group and each
 * `text` key are stored as JSON text (keys sorted), not as nested objects.
 *
 * Why: Pulumi's Node SDK (@pulumi/pulumi v3.248.0) pays for every top-level input and for every
 * nested value of every resource, twice per tenant:
 * - `transferProperties` (runtime/rpc.js) makes four promises for every top-level input, each with a
 *   stack trace (runtime/debuggable.js);
 * - `serializeProperty` (runtime/rpc.js) walks every nested value with an `await`, and
 *   `Struct.fromJavaScript` / `toJavaScript` (google-protobuf struct_pb.js) build one protobuf
 *   `Value` for each, on the way to the engine and back.
 * A tenant's two resources held about 140 nested values (its collections, indexes and the members
 * it connects to); as text they are about a dozen. Measured at 1000 tenants (docs/benchmarks.md).
 * The engine's own display decodes a JSON string on both sides of a diff and shows it as an object
 * diff (pkg/backend/display/object_diff.go `printEncodedValueDiff`, v3.248.0), and
 * tools/preview-summary.ts does the same, so a preview still names the index that changed.
 *
 * Shapes state may hold, all read by `unpack`:
 * 1. every setting at the top level (the earliest releases);
 * 2. `spec` and groups as objects (releases before the text form);
 * 3. `spec`, groups and `text` keys as JSON text (this release writes it).
 * Providers work on the flat form: `unpack` turns any shape into it, `pack` turns the flat form into
 * the current shape, and `packedKey` names the top-level input a flat key lives in (for `replaces`
 * and check failures, which must name inputs the engine knows). Pure: no Pulumi, no I/O.
 */
import { UNKNOWN } from "./unknown";
import { canonicalJson, isObject } from "./values";

export interface InputLayout {
  /** Flat keys kept at the top level (identity, secret, a connection value). */
  top: readonly string[];
  /** Top-level inputs whose members are flat keys, e.g. `{ connection: ["access", "username"] }`. */
  groups: Readonly<Record<string, readonly string[]>>;
  /** Keys of `top` whose object value is stored as JSON text too. */
  text?: readonly string[];
}

/** Where every other flat key lives. */
export const SPEC = "spec";

/** The top-level input that holds flat key `key`. */
export function packedKey(layout: InputLayout, key: string): string {
  if (layout.top.includes(key) || key === "__provider") return key;
  for (const [group, members] of Object.entries(layout.groups)) if (members.includes(key)) return group;
  return SPEC;
}

/** The text a `spec`, group or `text` value is stored as: JSON with sorted keys. */
export function asText(value: Record<string, unknown>): string {
  return canonicalJson(value);
}

/** The current shape from the flat form (undefined values are left out, as the engine drops them). */
export function pack(layout: InputLayout, flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const nested: Record<string, Record<string, unknown>> = { [SPEC]: {} };
  for (const [key, value] of Object.entries(flat)) {
    if (value === undefined) continue;
    const at = packedKey(layout, key);
    if (at !== key) nested[at] = { ...nested[at], [key]: value };
    else out[key] = layout.text?.includes(key) && isObject(value) ? asText(value) : value;
  }
  for (const [at, members] of Object.entries(nested)) out[at] = asText(members);
  return out;
}

/** A value stored as JSON text, decoded; anything else (an object, the unknown string) as it is. */
function decoded(value: unknown): unknown {
  if (typeof value !== "string" || value === UNKNOWN || !value.startsWith("{")) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * The flat form of inputs or outputs of any shape (above). A group not known yet (at preview) makes
 * each of its members unknown; a `spec` that is not an object is kept under its own name, so the
 * caller sees it as unknown.
 */
export function unpack(layout: InputLayout, props: Record<string, any>): Record<string, any> {
  if (!props) return {};
  const textKeys = [SPEC, ...Object.keys(layout.groups), ...(layout.text ?? [])];
  const read: Record<string, any> = { ...props };
  for (const key of textKeys) if (key in read) read[key] = decoded(read[key]);
  if (!(SPEC in read)) return read;
  const out: Record<string, any> = {};
  const spread = (key: string) => (key === SPEC || key in layout.groups) && isObject(read[key]);
  // Nested members first, then the top level, whatever order the keys arrived in (a protobuf
  // Struct does not keep it): a flat key given beside `spec` wins.
  for (const key of Object.keys(read)) if (spread(key)) Object.assign(out, read[key]);
  for (const [group, members] of Object.entries(layout.groups)) {
    if (read[group] === UNKNOWN) for (const member of members) out[member] ??= UNKNOWN;
  }
  for (const key of Object.keys(read)) if (!spread(key)) out[key] = read[key];
  return out;
}
