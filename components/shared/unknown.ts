/**
 * What the Pulumi engine sends a dynamic provider for a value not known yet (at preview, an output of
 * a resource that does not exist yet): `UnknownStringValue` in pulumi/pulumi v3.248.0
 * sdk/go/common/resource/plugin/rpc.go, passed through the Node dynamic-provider host unchanged.
 * Checks and diffs must tolerate it and judge the value once it is known.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when the value, or anything nested in it, is not known yet. */
export function hasUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(hasUnknown);
  if (value && typeof value === "object") return Object.values(value).some(hasUnknown);
  return false;
}
