/**
 * The environment KATO's container reads, built from the engines' endpoints and credentials.
 * Pure: plain strings in, plain strings out (KatoDataPlane wraps the results that carry a
 * credential in Pulumi secrets).
 *
 * KATO 3.0.0 reads MONGO_BASE_URL (everything, durability included, goes in the URL: it sets no
 * write concern itself), QDRANT_HOST and QDRANT_PORT (REST), and REDIS_URL (sessions; its client is
 * single-node, see README "Feeding KATO").
 */

export interface MongoUrlParts {
  username: string;
  password: string;
  /** `host:port` of every member, as clients in the network or cluster reach them. */
  hosts: readonly string[];
  replicaSetName: string;
  /** Database holding the user. */
  authSource: string;
}

/** `mongodb://user:pass@h1,h2,h3/?replicaSet=rs0&authSource=admin&w=majority` (credentials percent-encoded). */
export function mongoBaseUrl(parts: MongoUrlParts): string {
  const auth = `${encodeURIComponent(parts.username)}:${encodeURIComponent(parts.password)}`;
  const query = new URLSearchParams({
    replicaSet: parts.replicaSetName,
    authSource: parts.authSource,
    w: "majority",
  });
  return `mongodb://${auth}@${parts.hosts.join(",")}/?${query.toString()}`;
}

/** Splits `host:port` (IPv6 in brackets allowed). */
export function splitHostPort(endpoint: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:([0-9]+)$/.exec(endpoint);
  if (!m) throw new Error(`not a host:port endpoint: ${JSON.stringify(endpoint)}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** `redis://:password@host:port` for a client that takes one node (KATO 3.0.0's does). */
export function redisUrl(endpoint: string, password: string): string {
  return `redis://:${encodeURIComponent(password)}@${endpoint}`;
}
