/**
 * The environment KATO's container reads, built from the engines' endpoints and credentials.
 * Pure. MONGO_BASE_URL is the MongoDB component's own `uri` (replicaSet, authSource, w=majority:
 * KATO 3.0.0 sets no write concern itself, so durability must come from the URL).
 */

/** `redis://:password@host:port` for a client that takes one node (KATO 3.0.0's does). */
export function redisUrl(endpoint: string, password: string): string {
  return `redis://:${encodeURIComponent(password)}@${endpoint}`;
}
