/**
 * The input shape of the per-tenant dynamic resources (`MongoDatabaseSchema`, `QdrantCollection`):
 * a few top-level inputs (the resource's identity, its secret, and `connection`) and one `spec`
 * object holding everything else, instead of one top-level input per setting.
 *
 * Why: Pulumi's Node SDK (@pulumi/pulumi v3.248.0, runtime/rpc.js `transferProperties`) makes four
 * promises for every top-level input of every resource, and each captures a stack trace
 * (runtime/debuggable.js), which the source-map support installed by the language host
 * (sdk/nodejs/cmd/run/index.ts imports "source-map-support/register") maps frame by frame. Per
 * tenant that cost grew with the number of settings; nested values cost nothing extra.
 *
 * State written by releases before this shape holds every setting at the top level. Providers work
 * on the flat form: `unpack` turns either shape into it, `pack` turns the flat form into the
 * current shape, and `packedKey` names the top-level input a flat key lives in (for `replaces` and
 * check failures, which must name inputs the engine knows). Pure: no Pulumi, no I/O.
 */
import { isObject } from "./values";

export interface InputLayout {
  /** Flat keys kept at the top level as they are (identity, secret, a connection value). */
  top: readonly string[];
  /** Top-level objects whose members are flat keys, e.g. `{ connection: ["access", "username"] }`. */
  groups: Readonly<Record<string, readonly string[]>>;
}

/** Where every other flat key lives. */
export const SPEC = "spec";

/** The top-level input that holds flat key `key`. */
export function packedKey(layout: InputLayout, key: string): string {
  if (layout.top.includes(key) || key === "__provider") return key;
  for (const [group, members] of Object.entries(layout.groups)) if (members.includes(key)) return group;
  return SPEC;
}

/** The current shape from the flat form (undefined values are left out, as the engine drops them). */
export function pack(layout: InputLayout, flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const spec: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    if (value === undefined) continue;
    const at = packedKey(layout, key);
    if (at === key) out[key] = value;
    else if (at === SPEC) spec[key] = value;
    else out[at] = { ...((out[at] as Record<string, unknown> | undefined) ?? {}), [key]: value };
  }
  return { ...out, [SPEC]: spec };
}

/**
 * The flat form of inputs or outputs of either shape: the current one (a `spec` object) or the flat
 * one of earlier releases, returned as it is. A group or `spec` that is not an object (an unknown
 * value at preview) is kept under its own name, so the caller sees it as unknown.
 */
export function unpack(layout: InputLayout, props: Record<string, any>): Record<string, any> {
  if (!props || !(SPEC in props)) return props ?? {};
  const out: Record<string, any> = {};
  const spread = (key: string) => (key === SPEC || key in layout.groups) && isObject(props[key]);
  // Nested members first, then the top level, whatever order the keys arrived in (a protobuf
  // Struct does not keep it): a flat key given beside `spec` wins.
  for (const key of Object.keys(props)) if (spread(key)) Object.assign(out, props[key]);
  for (const key of Object.keys(props)) if (!spread(key)) out[key] = props[key];
  return out;
}
