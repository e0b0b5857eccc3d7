/** Small value checks every settings reader shares. */

/** A plain object (not null, not an array): what a config object field must be. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
