/**
 * The program side of components/shared/packedInputs.ts: a resource's `spec` and groups handed to
 * the SDK as JSON text (keys sorted), so the SDK serializes one string instead of every nested value.
 *
 * - `textIfKnown` (for `spec`): text when nothing inside is an Output or a promise (the program's
 *   case: declarations come from stack settings); otherwise the object as it is, the earlier shape
 *   the providers still read, so a value not known at preview leaves the others visible.
 * - `textInput` (for `connection`): always text, waiting for the Outputs inside. At preview, a
 *   member not known yet makes the whole text unknown, and the providers read each member of that
 *   group as unknown. One Output per distinct value: the tenants of a plane share the same members,
 *   so they share one text, not one per tenant.
 */
import * as pulumi from "@pulumi/pulumi";
import { asText } from "./packedInputs";

/** An Output or a promise itself (not an object holding one). */
function isWaitable(value: unknown): boolean {
  return pulumi.Output.isInstance(value) || value instanceof Promise;
}

/** Whether a value holds an Output or a promise anywhere inside. */
function pending(value: unknown): boolean {
  if (isWaitable(value)) return true;
  if (Array.isArray(value)) return value.some(pending);
  if (value && typeof value === "object") return Object.values(value).some(pending);
  return false;
}

/** `value` as JSON text when every part of it is known now; otherwise `value` itself. */
export function textIfKnown(value: Record<string, unknown>): pulumi.Input<string> | Record<string, unknown> {
  return pending(value) ? value : asText(value);
}

const made = new WeakMap<object, Array<{ members: Record<string, unknown>; text: pulumi.Output<string> }>>();

/** `value` (an object, or an Output of one) as JSON text, once its Outputs resolve. */
export function textInput(value: pulumi.Input<object>): pulumi.Input<string> {
  if (!pending(value)) return asText(value as Record<string, unknown>);
  const text = () => pulumi.output(value).apply((v) => asText(v as Record<string, unknown>));
  const members: Record<string, unknown> = isWaitable(value) ? { "": value } : { ...(value as object) };
  // Shared only when each member is an Output, a promise or a plain value: an object member could
  // change between two calls and still be the same object.
  const shareable = Object.values(members).every((m) => isWaitable(m) || m === null || typeof m !== "object");
  const anchor = Object.values(members).find(isWaitable) as object | undefined;
  if (!shareable || anchor === undefined) return text();
  const texts = made.get(anchor) ?? [];
  const same = (other: Record<string, unknown>) =>
    Object.keys(other).length === Object.keys(members).length &&
    Object.keys(members).every((k) => other[k] === members[k]);
  const found = texts.find((t) => same(t.members));
  if (found) return found.text;
  const shared = text();
  texts.push({ members, text: shared });
  made.set(anchor, texts);
  return shared;
}
