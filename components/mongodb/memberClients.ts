/**
 * Executor-side connections: one `directConnection=true` client per member, addressed by the
 * host:port reachable from where `pulumi up` runs (the advertised names usually do not resolve
 * there). Serialized with the dynamic providers: no `@pulumi/*` import, and the driver is required
 * inside functions.
 */
import type { ReachableMember } from "../shared/access";

export interface MongoCredentials {
  username: string;
  password: string;
}

export interface MemberClients {
  /** Runs one command on one member (database `db`). Rejects with the driver's error. */
  command(
    member: ReachableMember,
    db: string,
    command: Record<string, unknown>,
  ): Promise<Record<string, any>>;
  /** `hello` on one member, failing fast (a few seconds) when the member does not answer. */
  hello(member: ReachableMember): Promise<Record<string, any>>;
  /** Forgets a member's client (after a network error, so the next call reconnects). */
  reset(member: ReachableMember): Promise<void>;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** How long one attempt waits for a member to answer. */
  attemptTimeoutMs?: number;
}

export function openMemberClients(credentials: MongoCredentials, options: ClientOptions = {}): MemberClients {
  const { MongoClient } = require("mongodb") as typeof import("mongodb");
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 3000;
  const clients = new Map<string, import("mongodb").MongoClient>();
  const keyOf = (m: ReachableMember) => `${m.host}:${m.port}`;
  const clientFor = (member: ReachableMember) => {
    const key = keyOf(member);
    let client = clients.get(key);
    if (!client) {
      client = new MongoClient(`mongodb://${member.host}:${member.port}/?directConnection=true`, {
        auth: { username: credentials.username, password: credentials.password },
        authSource: "admin",
        appName: "kato-infra",
        serverSelectionTimeoutMS: attemptTimeoutMs,
        connectTimeoutMS: attemptTimeoutMs,
        retryWrites: false,
        retryReads: false,
        maxPoolSize: 2,
      });
      clients.set(key, client);
    }
    return client;
  };
  const api: MemberClients = {
    async command(member, db, command) {
      return (await clientFor(member).db(db).command(command)) as Record<string, any>;
    },
    async hello(member) {
      return (await clientFor(member).db("admin").command({ hello: 1 })) as Record<string, any>;
    },
    async reset(member) {
      const key = keyOf(member);
      const client = clients.get(key);
      clients.delete(key);
      await client?.close(true).catch(() => undefined);
    },
    async close() {
      const all = [...clients.values()];
      clients.clear();
      await Promise.all(all.map((c) => c.close(true).catch(() => undefined)));
    },
  };
  return api;
}

export function errorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "number" ? code : undefined;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = errorCode(error);
    const name = (error as { codeName?: string }).codeName;
    return code !== undefined ? `${error.message} (code ${code}${name ? ` ${name}` : ""})` : error.message;
  }
  return String(error);
}

/** The driver could not reach the member at all (as opposed to the member answering with an error). */
export function isUnreachable(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? "";
  return /MongoServerSelectionError|MongoNetworkError|MongoNetworkTimeoutError|MongoTopologyClosedError|MongoOperationTimeoutError/.test(
    name,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `host:port` of a reachable member, for messages: `mongo-1:27017 (reached at 127.0.0.1:27018)`. */
export function describeMember(member: ReachableMember): string {
  const reached = `${member.host}:${member.port}`;
  return reached === member.advertised ? member.advertised : `${member.advertised} (reached at ${reached})`;
}
