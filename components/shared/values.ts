/** Small value checks every settings reader shares. */

/** A plain object (not null, not an array): what a config object field must be. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A deep copy with every object's keys in sorted order (BigInt as a number): two documents that differ
 * only in key order become equal. MongoDB's schema and migrations store and hash it, so its output
 * must not change (a migration's recorded hash is of `canonicalJson` of its definition).
 */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort())
      out[key] = sortedKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  if (typeof value === "bigint") return Number(value);
  return value;
}

/** JSON of `sortedKeys(value)`: equal values give equal text, whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortedKeys(value)) as string;
}
