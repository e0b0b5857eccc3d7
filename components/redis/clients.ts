/**
 * Connections to Redis servers for the executors (cluster formation and replication): one ioredis
 * client per server, opened on first use, never retried behind the caller's back (the executors own
 * their bounds), authenticated with an explicit AUTH so a refused password is that command's error.
 */

/** A server as an executor reaches it: its advertised name and where to connect from here. */
export interface RedisServer {
  advertised: string;
  host: string;
  port: number;
}

export interface RedisClients<M extends RedisServer> {
  /** A ready client for the server, connecting (and authenticating) when it has none. */
  get(server: M): Promise<any>;
  /** Forgets the server's client (after an error), so the next `get` connects again. */
  drop(server: M): void;
  close(): void;
}

export function redisClients<M extends RedisServer>(options: {
  password?: string;
  /** Per connection attempt and per command. Default 2000 ms. */
  commandTimeoutMs?: number;
}): RedisClients<M> {
  // Required here, not imported: callers run in the dynamic-provider host as well as in tests.
  const Redis = require("ioredis");
  const timeout = options.commandTimeoutMs ?? 2000;
  const clients = new Map<string, any>();
  // The advertised name and the address: a server that moved to a new address gets a new client.
  const key = (s: M) => `${s.advertised}@${s.host}:${s.port}`;
  const drop = (server: M) => {
    const c = clients.get(key(server));
    clients.delete(key(server));
    if (c) c.disconnect();
  };
  return {
    async get(server) {
      const existing = clients.get(key(server));
      if (existing && existing.status === "ready") return existing;
      if (existing) drop(server);
      const client = new Redis({
        host: server.host,
        port: server.port,
        lazyConnect: true,
        connectTimeout: timeout,
        commandTimeout: timeout,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        enableReadyCheck: false,
        retryStrategy: () => null,
      });
      let lastError: Error | undefined;
      client.on("error", (error: Error) => {
        // Kept to explain a failed connect; an unhandled 'error' event would crash the process.
        lastError = error;
      });
      clients.set(key(server), client);
      try {
        await client.connect();
        // AUTH as a command, not a client option: a refused password then comes back as this
        // command's error instead of an event racing a "Connection is closed".
        if (options.password) await client.call("AUTH", options.password);
      } catch (error) {
        drop(server);
        // A Redis error reply ("WRONGPASS ...") says it all; a bare "Connection is closed" does not.
        const isReply = error instanceof Error && /^[A-Z]+ /.test(error.message);
        throw isReply || !lastError ? error : lastError;
      }
      return client;
    },
    drop,
    close() {
      for (const c of clients.values()) c.disconnect();
      clients.clear();
    },
  };
}

/** An error's text on one line. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, " ").trim();
}

/**
 * What an executor records for a server it could not read: the client is dropped so the next round
 * reconnects, and `refused` marks an answer that waiting will not change (`forGood` decides).
 */
export function unreached<M extends RedisServer>(
  clients: RedisClients<M>,
  server: M,
  error: unknown,
  forGood: (text: string) => boolean,
): { name: string; reachable: false; error: string; refused?: true } {
  clients.drop(server);
  const text = errorText(error);
  return {
    name: server.advertised,
    reachable: false,
    error: `${server.host}:${server.port}: ${text}`,
    ...(forGood(text) ? { refused: true as const } : {}),
  };
}

/** How one formation sends its steps: which server takes a step, the command, and its description. */
export interface StepSender<S, M extends RedisServer> {
  /** Kinds in the order they go out; the steps of one kind go out in parallel. */
  order: readonly string[];
  kindOf(step: S): string;
  serverOf(step: S): M;
  commandOf(step: S): Array<string | number>;
  describe(step: S): string;
  /** An error that means the step is done already (e.g. a node already known). */
  harmless(step: S, error: string): boolean;
  /** Names the formation in the failure message and says what a re-run resumes from. */
  failure: { what: string; resumesFrom: string };
}

/**
 * Sends `steps` kind by kind (each kind in parallel), logs each that succeeded, and returns them in
 * plan order; after a kind with failures, stops with every failure listed (nothing is lost: the
 * next run plans from what the servers report). Shared by the cluster and replication executors.
 */
export async function sendSteps<S, M extends RedisServer>(
  pool: RedisClients<M>,
  steps: readonly S[],
  sender: StepSender<S, M>,
  log: (line: string) => void,
): Promise<string[]> {
  const applied: string[] = [];
  const failures: string[] = [];
  for (const kind of sender.order) {
    const group = steps.filter((s) => sender.kindOf(s) === kind);
    const done = await Promise.all(
      group.map(async (step) => {
        const text = sender.describe(step);
        try {
          const client = await pool.get(sender.serverOf(step));
          const [command, ...args] = sender.commandOf(step);
          await client.call(command, ...args);
          log(text);
          return text;
        } catch (error) {
          const why = errorText(error);
          if (!sender.harmless(step, why)) failures.push(`${text}: ${why}`);
          return undefined;
        }
      }),
    );
    // In plan order, whatever order the replies came in.
    for (const text of done) if (text !== undefined) applied.push(text);
    if (failures.length > 0) {
      throw new Error(
        `${sender.failure.what}: ${failures.length} step(s) failed:\n  - ${failures.join("\n  - ")}\nNothing is lost: run \`pulumi up\` again and formation resumes from what ${sender.failure.resumesFrom} report.`,
      );
    }
  }
  return applied;
}
