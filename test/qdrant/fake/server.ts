/**
 * A strict fake of Qdrant 1.19's REST API on 127.0.0.1, for the executor tests.
 *
 * Every request is matched to an operation of the official contract and its path/query parameters
 * and JSON body are validated (closed reading: nothing undocumented may be sent); every response
 * the fake sends is validated against the contract (faithful reading). A failed check is recorded
 * in `violations` (tests assert it stays empty) and a bad request is answered 400 like the server.
 * Behaviour (409 on an existing collection, defaults filled in on GET, what PATCH changes, aliases,
 * payload indexes, API keys) is model.ts; BEHAVIOUR.md says where each rule comes from.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describeErrors, loadContract, parameterErrors, responseFor } from "./contract";
import * as model from "./model";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  operationId?: string;
  status?: number;
  /** The request carried an `api-key` or `Authorization` header (a keyless client must send none). */
  sentKey: boolean;
}

export interface Fault {
  /** Which requests: method and/or a path test; default every request except health checks. */
  method?: string;
  path?: RegExp;
  /** How many matching requests it affects. */
  times: number;
  /** Wait this long before answering (the request is then handled normally unless `status` is set). */
  delayMs?: number;
  /** Answer with this status (e.g. 503) instead of handling the request. */
  status?: number;
  /** Handle the request, then close the connection without answering: the change is made, the client sees it fail. */
  dropAfterHandling?: boolean;
}

export interface FakeQdrantOptions {
  apiKey?: string;
  readOnlyApiKey?: string;
  /** Peers in the fake cluster (default shard_number of new collections). */
  peers?: number;
  /** This peer's id, in the names of its snapshots. Default 1. */
  peerId?: number;
  /**
   * A member the contract does not define: "reject" (default) answers 400 and records a violation,
   * since the code under test must not send one; "ignore" accepts it as the real server does.
   */
  undocumentedFields?: "reject" | "ignore";
}

export interface FakeQdrant {
  url: string;
  host: string;
  port: number;
  state: model.ServerState;
  requests: RecordedRequest[];
  violations: string[];
  inject(fault: Fault): void;
  /** Requests whose operation is one of `operationIds` (all when omitted), health checks excluded. */
  count(...operationIds: string[]): number;
  clearRequests(): void;
  close(): Promise<void>;
}

const HEALTH = new Set(["/healthz", "/livez", "/readyz"]);
const READ_METHODS = new Set(["GET", "HEAD"]);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      data += chunk;
    });
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

export async function startFakeQdrant(options: FakeQdrantOptions = {}): Promise<FakeQdrant> {
  const contract = loadContract();
  const state = model.newServerState(options.peers ?? 1, options.peerId ?? 1);
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const faults: Fault[] = [];
  const strict = (options.undocumentedFields ?? "reject") === "reject";

  const send = (
    res: ServerResponse,
    record: RecordedRequest,
    opId: string | undefined,
    status: number,
    payload: { result?: unknown; error?: string },
  ) => {
    const body =
      status >= 200 && status < 300
        ? { result: payload.result ?? null, status: "ok", time: 0.001 }
        : { status: { error: payload.error ?? "error" }, time: 0.001 };
    const op = opId ? contract.operations.find((o) => o.operationId === opId) : undefined;
    if (op) {
      const declared = responseFor(op, status);
      if (!declared) {
        violations.push(`response ${status} of ${op.operationId} is not declared by the contract`);
      } else if (declared.validate && !declared.validate(body)) {
        violations.push(
          `response ${status} of ${op.operationId} breaks the contract: ${describeErrors(declared.validate)}`,
        );
      }
    }
    record.status = status;
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };

  const sendText = (res: ServerResponse, record: RecordedRequest, status: number, text: string) => {
    record.status = status;
    res.writeHead(status, {
      "content-type": "text/plain; charset=utf-8",
      "content-length": Buffer.byteLength(text),
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const method = (req.method ?? "GET").toUpperCase();
    const raw = await readBody(req);
    const query = Object.fromEntries(url.searchParams.entries());
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query,
      body: undefined,
      sentKey: req.headers["api-key"] !== undefined || req.headers.authorization !== undefined,
    };
    requests.push(record);

    if (HEALTH.has(url.pathname) && method === "GET") {
      // Health endpoints answer without an API key (Qdrant whitelists them).
      return sendText(
        res,
        record,
        200,
        url.pathname === "/readyz" ? "all shards are ready" : "healthz check passed",
      );
    }

    const fault = faults.find(
      (f) =>
        f.times > 0 &&
        (f.method === undefined || f.method === method) &&
        (f.path === undefined || f.path.test(url.pathname)),
    );
    const matched = contract.match(method, url.pathname);
    record.operationId = matched?.op.operationId;
    if (fault) {
      fault.times--;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status !== undefined) {
        return send(res, record, matched?.op.operationId, fault.status, {
          error: `Service internal error: injected fault ${fault.status}`,
        });
      }
    }

    // API keys: the read-write key may do anything, the read-only key only reads.
    if (options.apiKey || options.readOnlyApiKey) {
      const header = req.headers["api-key"];
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const key = (Array.isArray(header) ? header[0] : header) ?? bearer;
      if (!key) return sendText(res, record, 401, "Must provide an API key or an Authorization bearer token");
      const writes = key === options.apiKey;
      const reads = writes || key === options.readOnlyApiKey;
      if (!reads) return sendText(res, record, 403, "Invalid API key or JWT");
      if (!writes && !READ_METHODS.has(method))
        return sendText(res, record, 403, "Forbidden: Write access is required");
    }

    if (!matched) {
      violations.push(`${method} ${url.pathname} is not an operation of the contract`);
      return sendText(res, record, 404, "");
    }
    const { op, pathParams } = matched;

    const paramProblem = parameterErrors(op, pathParams, query);
    if (paramProblem) {
      violations.push(`${op.operationId}: parameters break the contract: ${paramProblem}`);
      return send(res, record, op.operationId, 400, { error: `Bad request: ${paramProblem}` });
    }

    // A snapshot upload is multipart/form-data with the file in the `snapshot` field (contract
    // `recover_from_uploaded_snapshot`), not JSON.
    if (op.operationId === "recover_from_uploaded_snapshot") {
      if (!/name="snapshot"/.test(raw)) violations.push(`${op.operationId}: no \`snapshot\` form field`);
      const content = /SNAPSHOT \d+ \S+ \S+/.exec(raw)?.[0] ?? "";
      const result = model.uploadSnapshot(
        state,
        pathParams.collection_name ?? "",
        content,
        query.priority ?? null,
      );
      return send(res, record, op.operationId, result.status, result);
    }

    let body: any;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch (error) {
        violations.push(`${op.operationId}: body is not JSON`);
        return send(res, record, op.operationId, 400, {
          error: `Json deserialize error: ${(error as Error).message}`,
        });
      }
    }
    record.body = body;
    if (op.body) {
      if (body === undefined) {
        violations.push(`${op.operationId}: the operation needs a JSON body`);
        return send(res, record, op.operationId, 400, {
          error: "Json deserialize error: EOF while parsing a value",
        });
      }
      if (!op.body(body)) {
        violations.push(`${op.operationId}: body breaks the contract: ${describeErrors(op.body)}`);
        return send(res, record, op.operationId, 400, {
          error: `Json deserialize error: ${describeErrors(op.body)}`,
        });
      }
      if (strict && op.bodyClosed && !op.bodyClosed(body)) {
        violations.push(
          `${op.operationId}: body has members the contract does not define: ${describeErrors(op.bodyClosed)}`,
        );
        return send(res, record, op.operationId, 400, {
          error: `Undocumented member (a real server would silently ignore it): ${describeErrors(op.bodyClosed)}`,
        });
      }
    } else if (body !== undefined) {
      violations.push(`${op.operationId}: a body was sent to an operation that takes none`);
    }

    const name = pathParams.collection_name ?? "";
    const wait = query.wait === "true";
    let result: model.ModelResult;
    switch (op.operationId) {
      case "get_collections":
        result = model.listCollections(state);
        break;
      case "get_collection":
        result = model.getCollection(state, name);
        break;
      case "collection_exists":
        result = model.collectionExists(state, name);
        break;
      case "create_collection":
        result = model.createCollection(state, name, body);
        break;
      case "update_collection":
        result = model.updateCollection(state, name, body);
        break;
      case "delete_collection":
        result = model.deleteCollection(state, name);
        break;
      case "create_field_index":
        result = model.createIndex(state, name, body, wait);
        break;
      case "delete_field_index":
        result = model.deleteIndex(state, name, pathParams.field_name!, wait);
        break;
      case "create_vector_name":
        result = model.createVector(state, name, pathParams.vector_name!, body, wait);
        break;
      case "delete_vector_name":
        result = model.deleteVector(state, name, pathParams.vector_name!, wait);
        break;
      case "get_collection_aliases":
        result = model.collectionAliases(state, name);
        break;
      case "update_aliases":
        result = model.updateAliases(state, body);
        break;
      case "create_snapshot":
        result = model.createSnapshot(state, name);
        break;
      case "list_snapshots":
        result = model.listSnapshots(state, name);
        break;
      case "delete_snapshot":
        result = model.deleteSnapshot(state, name, pathParams.snapshot_name!);
        break;
      case "recover_from_snapshot":
        result = model.recoverSnapshot(state, name, body);
        break;
      case "get_snapshot": {
        // The file itself (application/octet-stream), not a JSON answer.
        const snap = model.findSnapshot(state, name, pathParams.snapshot_name!);
        if (!snap) return send(res, record, op.operationId, 404, { error: "Not found: no such snapshot" });
        const file = model.snapshotContent(state, name, snap.name);
        record.status = 200;
        res.writeHead(200, {
          "content-type": "application/octet-stream",
          "content-length": Buffer.byteLength(file),
        });
        return res.end(file);
      }
      default:
        violations.push(`${op.operationId} is in the contract but not modelled by the fake`);
        return sendText(res, record, 501, "not modelled by the fake");
    }
    if (fault?.dropAfterHandling) {
      record.status = result.status;
      res.socket?.destroy();
      return;
    }
    return send(res, record, op.operationId, result.status, result);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      violations.push(`fake crashed: ${(error as Error).stack}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: "127.0.0.1",
    port,
    state,
    requests,
    violations,
    inject(fault) {
      faults.push({ ...fault });
    },
    count(...operationIds) {
      return requests.filter(
        (r) =>
          !HEALTH.has(r.path) &&
          (operationIds.length === 0 || (r.operationId && operationIds.includes(r.operationId))),
      ).length;
    },
    clearRequests() {
      requests.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
