/**
 * The I/O half of `QdrantCollection`: the dynamic provider's methods. Each reads the live
 * collection, asks the plan (collectionPlan.ts) what to do and does it with the official client
 * (`@qdrant/js-client-rest`, required inside the functions: this module is serialized with the
 * provider and must not import `@pulumi/*` or capture a client).
 *
 * Requests are retried with exponential backoff on 408/429/502/503/504, timeouts and dropped
 * connections, a bounded number of times; a 409 on create means someone else created the
 * collection first, so it is read and converged instead.
 */
import { type EngineAccess, type ReachableMember, withReachableMembers } from "../shared/access";
import { hasUnknown, UNKNOWN } from "../shared/unknown";
import {
  type ActualCollection,
  type AliasAction,
  type CollectionPlan,
  type CollectionStep,
  type CreateCollectionBody,
  type ObservedCollection,
  observeCollection,
  planCollection,
  refusalMessage,
  summarizeObserved,
  type UpdateCollectionBody,
  type WireCollectionInfo,
} from "./collectionPlan";
import { checkCollectionSpec, type QdrantCollectionSpec, SPEC_KEYS } from "./collectionSpec";

/** How the executor reaches Qdrant from where `pulumi up` runs. */
export interface QdrantConnection {
  /** Peers as `QdrantCluster.access` describes them (Docker published ports or Kubernetes port-forwards). */
  access?: EngineAccess;
  /** Or the URL of a Qdrant reachable from here (e.g. `http://127.0.0.1:6333`). */
  url?: string;
}

export interface RetryPolicy {
  /** Attempts per request, the first included. Default 6. */
  maxAttempts?: number;
  /** Wait before the first retry; doubles each time. Default 250 ms. */
  initialDelayMs?: number;
  /** Longest wait between attempts. Default 5000 ms. */
  maxDelayMs?: number;
  /** Time one request may take before it is abandoned and retried. Default 30000 ms. */
  requestTimeoutMs?: number;
}

/** The dynamic resource's inputs (and outputs): the collection, where it lives, and the key. */
export interface CollectionInputs extends QdrantCollectionSpec {
  connection: QdrantConnection;
  apiKey?: string;
  retry?: RetryPolicy;
  /**
   * How a refusal tells the reader to allow data loss, when the collection is declared by a program
   * whose users cannot set `allowRecreate` (e.g. "set kato-infra:allowDataLoss to true"). Default:
   * the library's own words ("set allowRecreate: true on this collection").
   */
  dataLossHint?: string;
}

/** The hint as given, when it is one (not unknown at preview, not empty). */
function hintOf(inputs: Record<string, any>): string | undefined {
  const hint = inputs.dataLossHint;
  return typeof hint === "string" && hint !== UNKNOWN && hint.trim() !== "" ? hint : undefined;
}

const DEFAULT_RETRY: Required<RetryPolicy> = {
  maxAttempts: 6,
  initialDelayMs: 250,
  maxDelayMs: 5000,
  requestTimeoutMs: 30_000,
};

const RETRY_STATUSES = [408, 429, 502, 503, 504];
const NETWORK_CODES = [
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
];

export function specOf(inputs: Record<string, unknown>): QdrantCollectionSpec {
  const out: Record<string, unknown> = {};
  for (const key of SPEC_KEYS) if (inputs[key] !== undefined) out[key] = inputs[key];
  return out as unknown as QdrantCollectionSpec;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === "number" ? status : undefined;
}

function isNetworkError(error: unknown): boolean {
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  if (e?.name === "QdrantClientTimeoutError" || e?.name === "AbortError") return false;
  const code = e?.cause?.code ?? e?.code;
  return (
    (code !== undefined && NETWORK_CODES.includes(code)) ||
    (error instanceof TypeError && /fetch failed/.test(String(e)))
  );
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === "QdrantClientTimeoutError" || name === "AbortError";
}

function serverMessage(error: unknown): string {
  const data = (error as { data?: unknown })?.data;
  if (data && typeof data === "object") {
    const text = (data as { status?: { error?: string } }).status?.error;
    if (text) return text;
  }
  if (typeof data === "string" && data.length > 0) return data;
  return error instanceof Error ? error.message : String(error);
}

/** One request, retried on what is worth retrying; other failures end it at once. */
async function attempt<T>(
  what: string,
  policy: Required<RetryPolicy>,
  members: number,
  call: (member: number) => Promise<T>,
): Promise<T> {
  let member = 0;
  let lastError: unknown;
  for (let n = 1; n <= policy.maxAttempts; n++) {
    try {
      return await call(member);
    } catch (error) {
      lastError = error;
      const status = statusOf(error);
      const network = isNetworkError(error);
      const retryable =
        network || isTimeout(error) || (status !== undefined && RETRY_STATUSES.includes(status));
      if (!retryable || n === policy.maxAttempts) break;
      // A peer that does not answer at all: try the next one (any peer serves collection operations).
      if (network) member = (member + 1) % members;
      let delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (n - 1));
      const retryAfter = (error as { retry_after?: number }).retry_after;
      if (typeof retryAfter === "number")
        delay = Math.min(policy.maxDelayMs, Math.max(delay, retryAfter * 1000));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  const status = statusOf(lastError);
  const failure = new Error(
    `Qdrant ${what} failed${status !== undefined ? ` with HTTP ${status}` : ""}: ${serverMessage(lastError)}`,
  ) as Error & { status?: number };
  if (status !== undefined) failure.status = status;
  throw failure;
}

/** The calls the executor makes, each one HTTP request (plus retries). */
export interface QdrantApi {
  getCollection(name: string): Promise<WireCollectionInfo | undefined>;
  getAliases(name: string): Promise<string[]>;
  /** "exists" when the server answered 409 (the collection was already there). */
  createCollection(name: string, body: CreateCollectionBody): Promise<"created" | "exists">;
  updateCollection(name: string, body: UpdateCollectionBody): Promise<void>;
  deleteCollection(name: string): Promise<void>;
  createIndex(name: string, body: { field_name: string; field_schema: unknown }): Promise<void>;
  deleteIndex(name: string, field: string): Promise<void>;
  createVector(name: string, vector: string, body: unknown): Promise<void>;
  deleteVector(name: string, vector: string): Promise<void>;
  updateAliases(actions: AliasAction[]): Promise<void>;
}

function clientApi(
  members: ReachableMember[],
  inputs: { apiKey?: string; retry?: RetryPolicy; https?: boolean },
): QdrantApi {
  const { QdrantClient } = require("@qdrant/js-client-rest");
  const policy = { ...DEFAULT_RETRY, ...(inputs.retry ?? {}) };
  const scheme = inputs.https ? "https" : "http";
  // The key goes as a plain header: the client's `apiKey` option would also switch to https.
  const clients = members.map(
    (m) =>
      new QdrantClient({
        url: `${scheme}://${m.host}:${m.port}`,
        headers: inputs.apiKey ? { "api-key": inputs.apiKey } : {},
        timeout: policy.requestTimeoutMs,
        checkCompatibility: false,
      }),
  );
  const run = <T>(what: string, call: (client: any) => Promise<T>) =>
    attempt(what, policy, clients.length, (member) => call(clients[member]));
  return {
    async getCollection(name) {
      try {
        return await run(`GET /collections/${name}`, (c) => c.getCollection(name));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
    async getAliases(name) {
      const result = await run(`GET /collections/${name}/aliases`, (c) => c.getCollectionAliases(name));
      return (result as { aliases: { alias_name: string }[] }).aliases.map((a) => a.alias_name);
    },
    async createCollection(name, body) {
      try {
        await run(`PUT /collections/${name}`, (c) => c.createCollection(name, body));
        return "created";
      } catch (error) {
        if (statusOf(error) === 409) return "exists";
        throw error;
      }
    },
    async updateCollection(name, body) {
      await run(`PATCH /collections/${name}`, (c) => c.updateCollection(name, body));
    },
    async deleteCollection(name) {
      await run(`DELETE /collections/${name}`, (c) => c.deleteCollection(name));
    },
    async createIndex(name, body) {
      await run(`PUT /collections/${name}/index (${body.field_name})`, (c) =>
        c.createPayloadIndex(name, { ...body, wait: true }),
      );
    },
    async deleteIndex(name, field) {
      await run(`DELETE /collections/${name}/index/${field}`, (c) =>
        c.deletePayloadIndex(name, field, { wait: true }),
      );
    },
    async createVector(name, vector, body) {
      await run(`PUT /collections/${name}/vectors/${vector}`, (c) =>
        c.createVectorName(name, vector, body, { wait: true }),
      );
    },
    async deleteVector(name, vector) {
      await run(`DELETE /collections/${name}/vectors/${vector}`, (c) =>
        c.deleteVectorName(name, vector, { wait: true }),
      );
    },
    async updateAliases(actions) {
      await run("POST /collections/aliases", (c) => c.updateCollectionAliases({ actions }));
    },
  };
}

/** Runs `fn` with the API of the Qdrant the inputs point at (opening port-forwards when needed). */
export async function withQdrant<T>(
  inputs: { connection: QdrantConnection; apiKey?: string; retry?: RetryPolicy },
  fn: (api: QdrantApi) => Promise<T>,
): Promise<T> {
  const connection = inputs.connection ?? {};
  if (connection.url) {
    const url = new URL(connection.url);
    const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 6333;
    const member = { advertised: url.host, host: url.hostname, port };
    return fn(clientApi([member], { ...inputs, https: url.protocol === "https:" }));
  }
  if (!connection.access || connection.access.members.length === 0) {
    throw new Error("QdrantCollection: connection has neither a url nor any peer in access.");
  }
  return withReachableMembers(connection.access, (members) => fn(clientApi(members, inputs)));
}

/** The live collection (undefined when absent); aliases are read only when some are managed. */
export async function observe(
  api: QdrantApi,
  name: string,
  readAliases: boolean,
): Promise<ObservedCollection | undefined> {
  const info = await api.getCollection(name);
  if (!info) return undefined;
  const aliases = readAliases ? await api.getAliases(name) : [];
  return observeCollection(name, info, aliases);
}

export async function runSteps(api: QdrantApi, name: string, steps: CollectionStep[]): Promise<void> {
  for (const step of steps) {
    switch (step.kind) {
      case "createCollection":
        if ((await api.createCollection(name, step.body)) === "exists") {
          throw new Error(
            `Qdrant collection ${JSON.stringify(name)} was created by someone else while it was being rebuilt.`,
          );
        }
        break;
      case "deleteCollection":
        await api.deleteCollection(name);
        break;
      case "deleteVector":
        await api.deleteVector(name, step.vector);
        break;
      case "createVector":
        await api.createVector(name, step.vector, step.body);
        break;
      case "updateCollection":
        await api.updateCollection(name, step.body);
        break;
      case "deleteIndex":
        await api.deleteIndex(name, step.field);
        break;
      case "createIndex":
        await api.createIndex(name, step.body);
        break;
      case "updateAliases":
        await api.updateAliases(step.body.actions);
        break;
    }
  }
}

/**
 * Runs a plan. A rebuild deletes the collection, and Qdrant deletes every alias pointing at it with
 * it (toc/collection_meta_ops.rs `delete_collection`), including aliases this resource does not
 * manage: those are read first and pointed at the new collection afterwards, so a rebuild never
 * takes a name away from the clients that use it. (Aliases it owned and no longer declares stay gone.)
 */
async function applyPlan(
  api: QdrantApi,
  spec: QdrantCollectionSpec,
  plan: CollectionPlan,
  owned: string[],
): Promise<void> {
  if (!plan.recreate) return runSteps(api, spec.name, plan.steps);
  const declared = new Set([...(spec.aliases ?? []), ...owned]);
  const others = (await api.getAliases(spec.name)).filter((alias) => !declared.has(alias));
  await runSteps(api, spec.name, plan.steps);
  if (others.length > 0) {
    await api.updateAliases(
      others.map((alias) => ({ create_alias: { collection_name: spec.name, alias_name: alias } })),
    );
  }
}

function needsAliases(...lists: (string[] | undefined)[]): boolean {
  return lists.some((l) => (l?.length ?? 0) > 0);
}

// ---------------------------------------------------------------------------------------------
// Provider methods

export interface CheckFailure {
  property: string;
  reason: string;
}

/** Validation at preview: every rule, and refusal of destructive changes against the previous inputs. */
export function checkCollection(
  olds: Record<string, any>,
  news: Record<string, any>,
): { inputs: Record<string, any>; failures: CheckFailure[] } {
  const spec = specOf(news);
  const label = `QdrantCollection ${JSON.stringify(typeof spec.name === "string" ? spec.name : "?")}`;
  // A setting not known yet is checked at the next preview that knows it.
  const pending = new Set(Object.keys(news).filter((key) => hasUnknown(news[key])));
  const failures: CheckFailure[] = checkCollectionSpec(spec, label)
    .map((p) => ({
      property: p.field.slice(label.length + 1).split(/[.[]/)[0] || "name",
      reason: `${p.field} = ${JSON.stringify(p.value)}: ${p.message} Fix: ${p.fix}`,
    }))
    .filter((f) => !pending.has(f.property));
  const connection = news.connection as QdrantConnection | undefined;
  if (!pending.has("connection") && (!connection || (!connection.url && !connection.access))) {
    failures.push({
      property: "connection",
      reason: `${label}.connection: must give a url or the access of a QdrantCluster. Fix: pass cluster: <QdrantCluster> or url.`,
    });
  }
  if (
    failures.length === 0 &&
    pending.size === 0 &&
    olds &&
    olds.name === spec.name &&
    olds.vectors !== undefined
  ) {
    const plan = planCollection(spec, specOf(olds) as ActualCollection, olds.aliases ?? []);
    if (plan.blocked)
      failures.push({ property: "vectors", reason: refusalMessage(spec.name, plan, hintOf(news)) });
  }
  return { inputs: news, failures };
}

// (`dataLossHint` is left out: it only words refusals, changing it changes nothing on the server.)
const NON_SCHEMA_KEYS = ["connection", "apiKey", "retry", "allowRecreate", "dropOnDelete"];

/**
 * Diff at preview, from the recorded state (refreshed by `read`) to the declared inputs. No I/O.
 *
 * A change Qdrant can only make by rebuilding the collection (vector size, distance, datatype, shard
 * count, named <-> unnamed vectors, a removed per-vector HNSW key) is a **replacement**: `replaces`
 * names the changed inputs and `deleteBeforeReplace` is set, since the new collection has the old
 * one's name. Pulumi's Node dynamic-provider host forwards only `changes`, `replaces` and
 * `deleteBeforeReplace` (sdk/nodejs/cmd/dynamic-provider/index.ts, v3.248.0), so the preview shows
 * `replace` from these alone; `detailedDiff` is for the tests and this package's own summaries. The
 * engine then calls `delete` with the old state (which keeps the collection unless it was declared
 * `dropOnDelete`) and `create` with the new inputs, which finds the old collection (409) and rebuilds
 * it, because the new inputs allow it. Without `allowRecreate` the change is refused here, at
 * preview; a `protect`ed resource makes the engine refuse the replacement.
 */
export function diffCollection(
  _id: string,
  olds: Record<string, any>,
  news: Record<string, any>,
): {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  stables: string[];
  detailedDiff: Record<string, { kind: "update" | "replace" }>;
} {
  const desired = specOf(news);
  if (hasUnknown(desired)) {
    // Not known until the program runs: say what may change; update plans against the live server.
    const unknown = Object.keys(desired).filter((k) =>
      hasUnknown((desired as unknown as Record<string, unknown>)[k]),
    );
    return {
      changes: true,
      replaces: unknown.includes("name") ? ["name"] : [],
      deleteBeforeReplace: false,
      stables: [],
      detailedDiff: Object.fromEntries(
        unknown.map((k) => [k, { kind: k === "name" ? "replace" : "update" }]),
      ),
    };
  }
  if (olds.name !== desired.name) {
    return {
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: false,
      stables: [],
      detailedDiff: { name: { kind: "replace" } },
    };
  }
  const plan = planCollection(desired, specOf(olds) as ActualCollection, olds.aliases ?? []);
  if (plan.blocked) throw new Error(refusalMessage(desired.name, plan, hintOf(news)));
  if (plan.recreate) {
    const replaces = [...new Set(plan.changed.map((path) => path.split(".")[0]!))];
    return {
      changes: true,
      replaces,
      deleteBeforeReplace: true,
      stables: [],
      detailedDiff: Object.fromEntries(plan.changed.map((path) => [path, { kind: "replace" as const }])),
    };
  }
  const detailedDiff: Record<string, { kind: "update" | "replace" }> = {};
  for (const path of plan.changed) detailedDiff[path] = { kind: "update" };
  for (const key of NON_SCHEMA_KEYS) {
    if (JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null))
      detailedDiff[key] = { kind: "update" };
  }
  return {
    changes: Object.keys(detailedDiff).length > 0,
    replaces: [],
    deleteBeforeReplace: false,
    stables: ["name"],
    detailedDiff,
  };
}

/** Outputs: the inputs, plus the shard count the server chose when none was declared. */
function outputs(inputs: CollectionInputs, shardNumber: number | undefined): CollectionInputs {
  return inputs.shardNumber === undefined && shardNumber !== undefined ? { ...inputs, shardNumber } : inputs;
}

export async function createCollection(
  inputs: CollectionInputs,
): Promise<{ id: string; outs: CollectionInputs }> {
  const spec = specOf(inputs as unknown as Record<string, unknown>);
  const shardNumber = await withQdrant(inputs, async (api) => {
    const [create, ...rest] = planCollection(spec, undefined).steps;
    const body = (create as { body: CreateCollectionBody }).body;
    if ((await api.createCollection(spec.name, body)) === "created") {
      await runSteps(api, spec.name, rest);
      if (spec.shardNumber !== undefined) return spec.shardNumber;
      // The server chose the shard count (one per peer): record it, so a later change is refused at preview.
      return (await api.getCollection(spec.name))?.config.params.shard_number;
    }
    // 409: the collection exists (created concurrently, or left from an earlier stack): adopt it.
    const live = await observe(api, spec.name, needsAliases(spec.aliases));
    if (!live) {
      throw new Error(
        `Qdrant collection ${JSON.stringify(spec.name)} answered 409 on create but cannot be read.`,
      );
    }
    const plan = planCollection(spec, live, []);
    if (plan.blocked) {
      throw new Error(
        `${refusalMessage(spec.name, plan, hintOf(inputs as unknown as Record<string, any>))}\n(The collection already existed on the server.)`,
      );
    }
    await applyPlan(api, spec, plan, []);
    if (spec.shardNumber !== undefined) return spec.shardNumber;
    // Rebuilt (the create half of a replacement): the server chose the new collection's shard count.
    return plan.recreate
      ? (await api.getCollection(spec.name))?.config.params.shard_number
      : live.shardNumber;
  });
  return { id: spec.name, outs: outputs(inputs, shardNumber) };
}

export async function readCollection(
  id: string,
  props: Record<string, any>,
): Promise<{ id: string; props: Record<string, any> }> {
  const declared = specOf(props);
  return withQdrant(props as CollectionInputs, async (api) => {
    const live = await observe(api, id, needsAliases(declared.aliases));
    if (!live) return { id: "", props: {} };
    const rest = Object.fromEntries(
      Object.entries(props).filter(([k]) => !(SPEC_KEYS as readonly string[]).includes(k)),
    );
    return { id, props: { ...rest, ...summarizeObserved(live, declared) } };
  });
}

export async function updateCollection(
  id: string,
  olds: Record<string, any>,
  news: CollectionInputs,
): Promise<{ outs: CollectionInputs }> {
  const spec = specOf(news as unknown as Record<string, unknown>);
  const owned: string[] = olds.aliases ?? [];
  const shardNumber = await withQdrant(news, async (api) => {
    const live = await observe(api, id, needsAliases(spec.aliases, owned));
    const plan = planCollection(spec, live, owned);
    if (plan.blocked)
      throw new Error(refusalMessage(spec.name, plan, hintOf(news as unknown as Record<string, any>)));
    await applyPlan(api, spec, plan, owned);
    if (spec.shardNumber !== undefined) return spec.shardNumber;
    const created = plan.steps.some((s) => s.kind === "createCollection");
    return created ? (await api.getCollection(spec.name))?.config.params.shard_number : live?.shardNumber;
  });
  return { outs: outputs(news, shardNumber) };
}

export async function deleteCollection(id: string, props: Record<string, any>): Promise<void> {
  if (props.dropOnDelete !== true) return; // nothing destroys data by default: the collection stays
  await withQdrant(props as CollectionInputs, (api) => api.deleteCollection(id));
}
