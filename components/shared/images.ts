/**
 * Image references. The grammar is Docker's (distribution/reference `reference.go`): a name of one
 * or more `/`-separated components, optionally a registry host with a port first, then `:tag`
 * (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`) and/or `@sha256:<64 hex>`.
 */

/**
 * Pinned: a digest, or a tag other than `latest` after a non-empty name. `mongo` and `mongo:latest`
 * are not (a restart may pull another server version); a registry port (`host:5000/mongo`) is not a
 * tag; `:8.0` alone names no image.
 */
export function isPinnedImage(image: string): boolean {
  if (image.includes("@")) return /^[^@\s]+@sha256:[0-9a-f]{64}$/.test(image);
  const lastPart = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastPart.lastIndexOf(":");
  if (colon <= 0) return false;
  const tag = lastPart.slice(colon + 1);
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag) && tag !== "latest";
}
