/**
 * Executor-side connections: one `directConnection=true` client per member, addressed by the
 * host:port reachable from where `pulumi up` runs (the advertised names usually do not resolve
 * there). Serialized with the dynamic providers: no `@pulumi/*` import, and the driver is required
 * inside functions.
 */
import type { ReachableMember } from "../shared/access";
import { RETRY_ON_NEW_PRIMARY } from "./replicaSetPlan";

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

/** An error a new primary may not repeat: the primary stepped down, or the member went away. */
export function retryableOnNewPrimary(error: unknown): boolean {
  return RETRY_ON_NEW_PRIMARY.includes(errorCode(error) ?? -1) || isUnreachable(error);
}

/** A member that accepts writes: the replica set's primary, or a standalone server. */
export interface WritableMember {
  member: ReachableMember;
  replicaSet: boolean;
}

/**
 * Asks every member `hello` until one accepts writes; after `timeoutMs`, throws naming each member's
 * state (`<who>: no member accepted writes within N s (...)`). `nothingChanged`: the message says the
 * run changed nothing (the caller has written nothing yet).
 */
export async function findWritable(
  clients: MemberClients,
  members: readonly ReachableMember[],
  o: { who: string; timeoutMs: number; pollMs?: number; nothingChanged?: boolean },
): Promise<WritableMember> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const states: string[] = [];
    for (const member of members) {
      try {
        const hello = await clients.hello(member);
        if (hello.isWritablePrimary === true || hello.ismaster === true) {
          return { member, replicaSet: typeof hello.setName === "string" };
        }
        states.push(`${member.advertised}: ${hello.secondary ? "secondary" : "not writable"}`);
      } catch (error) {
        await clients.reset(member);
        states.push(`${member.advertised}: ${errorText(error)}`);
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${o.who}: no member accepted writes within ${Math.round(o.timeoutMs / 1000)} s (${states.join("; ")}).${o.nothingChanged ? " Nothing was changed by this run." : ""} Fix: make sure the replica set has a primary (rs.status()), then run pulumi up again.`,
      );
    }
    await sleep(o.pollMs ?? 500);
  }
}

/**
 * Runs `fn` on `target` (a primary); when it fails with an error a new primary may not repeat
 * (`retryableOnNewPrimary`), drops that member's client, finds the new primary with `next` and runs
 * `fn` there, `attempts` times in all. Any other error, or the last one, is thrown as `failed` says.
 */
export async function retryOnNewPrimary<M, T>(
  clients: MemberClients,
  target: M,
  o: {
    memberOf: (target: M) => ReachableMember;
    next: () => Promise<M>;
    failed: (target: M, error: unknown) => Error;
    attempts?: number;
  },
  fn: (target: M) => Promise<T>,
): Promise<{ value: T; target: M }> {
  const attempts = o.attempts ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      return { value: await fn(target), target };
    } catch (error) {
      if (!retryableOnNewPrimary(error) || attempt >= attempts - 1) throw o.failed(target, error);
      await clients.reset(o.memberOf(target));
      target = await o.next();
    }
  }
}
