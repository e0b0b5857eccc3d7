/**
 * A strict stand-in for one Qdrant peer's snapshot API, checked against Qdrant's own OpenAPI
 * contract (contracts/qdrant-openapi.json, v1.19.0, loaded by the Qdrant fake's test/qdrant/fake/contract.ts):
 * every request must be a documented operation with valid path and query parameters, carry the API
 * key, and recover bodies must validate against the operation's body schema. Loopback only.
 *
 * API keys as Qdrant 1.19 checks them (src/common/auth, the rule test/qdrant/fake/BEHAVIOUR.md cites):
 * with a key configured, no key is 401 and a wrong one 403 (plain text); with none configured
 * (`apiKey` undefined) every request is served, and the key headers a client sent are counted in
 * `keyHeaders` so a test can prove a keyless client sends none.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { describeErrors, loadContract, parameterErrors } from "../qdrant/fake/contract";

export interface Snapshot {
  name: string;
  creation_time: string;
  size: number;
  checksum: string | null;
}

export interface FakePeer {
  url: string;
  endpoint: string;
  peerId: number;
  snapshots: Map<string, Snapshot[]>;
  violations: string[];
  calls: string[];
  recovered: { collection: string; via: "recover" | "upload"; detail: string; priority: string | null }[];
  /** Requests that carried an `api-key` or `Authorization` header. */
  keyHeaders: number;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolveBody(Buffer.concat(chunks)));
  });
}

function isoNoZone(date: Date): string {
  return date.toISOString().slice(0, 19);
}

/** Starts one fake peer with `collections`, each pre-seeded with snapshots of the given ages (days). */
export async function startFakePeer(
  apiKey: string | undefined,
  peerId: number,
  collections: string[],
  seededAgesDays: number[],
): Promise<FakePeer> {
  const contract = loadContract();
  const peer: FakePeer = {
    url: "",
    endpoint: "",
    peerId,
    snapshots: new Map(),
    violations: [],
    calls: [],
    recovered: [],
    keyHeaders: 0,
    close: async () => {},
  };
  let counter = 0;
  const makeName = (c: string, date: Date) =>
    `${c}-${peerId}-${date.toISOString().slice(0, 19).replace(/[T:]/g, "-")}-${counter++}.snapshot`;
  for (const c of collections) {
    peer.snapshots.set(
      c,
      seededAgesDays.map((days) => {
        const date = new Date(Date.now() - days * 86400_000);
        return { name: makeName(c, date), creation_time: isoNoZone(date), size: 10, checksum: null };
      }),
    );
  }
  const send = (res: any, status: number, payload: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(payload));
  };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    const method = req.method ?? "GET";
    peer.calls.push(`${method} ${path}${url.search}`);
    const matched = contract.match(method, path);
    if (!matched) {
      peer.violations.push(`undocumented: ${method} ${path}`);
      return send(res, 404, { status: { error: "not found" } });
    }
    const route = matched.op;
    const paramProblem = parameterErrors(route, matched.pathParams, Object.fromEntries(url.searchParams));
    if (paramProblem) {
      peer.violations.push(`parameters of ${method} ${route.template} break the contract: ${paramProblem}`);
    }
    const sent = req.headers["api-key"] ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (req.headers["api-key"] !== undefined || req.headers.authorization !== undefined) peer.keyHeaders++;
    if (apiKey !== undefined && sent === undefined) {
      res.writeHead(401, { "content-type": "text/plain; charset=utf-8" });
      return res.end("Must provide an API key or an Authorization bearer token");
    }
    if (apiKey !== undefined && sent !== apiKey) {
      res.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
      return res.end("Invalid API key or JWT");
    }
    const payload = await body(req);
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const ok = (result: unknown) => send(res, 200, { result, status: "ok", time: 0.001 });
    if (route.template === "/collections") {
      return ok({ collections: [...peer.snapshots.keys()].map((name) => ({ name })) });
    }
    const c = parts[1]!;
    const list = peer.snapshots.get(c);
    if (!list && route.template !== "/collections/{collection_name}/snapshots/upload") {
      return send(res, 404, { status: { error: `Collection ${c} not found` } });
    }
    switch (`${method} ${route.template}`) {
      case "POST /collections/{collection_name}/snapshots": {
        const now = new Date();
        const snap = { name: makeName(c, now), creation_time: isoNoZone(now), size: 10, checksum: "ab" };
        list!.push(snap);
        return ok(snap);
      }
      case "GET /collections/{collection_name}/snapshots":
        return ok(list);
      case "GET /collections/{collection_name}/snapshots/{snapshot_name}": {
        const snap = list!.find((s) => s.name === parts[3]);
        if (!snap) return send(res, 404, { status: { error: "no snapshot" } });
        res.writeHead(200, { "content-type": "application/octet-stream" });
        return res.end(`SNAPSHOT ${peerId} ${c} ${snap.name}`);
      }
      case "DELETE /collections/{collection_name}/snapshots/{snapshot_name}": {
        const i = list!.findIndex((s) => s.name === parts[3]);
        if (i < 0) return send(res, 404, { status: { error: "no snapshot" } });
        list!.splice(i, 1);
        return ok(true);
      }
      case "PUT /collections/{collection_name}/snapshots/recover": {
        let parsed: any;
        try {
          parsed = JSON.parse(payload.toString("utf8"));
        } catch {
          peer.violations.push("recover body is not JSON");
          return send(res, 400, { status: { error: "bad json" } });
        }
        if (route.body && !route.body(parsed)) {
          peer.violations.push(`recover body invalid: ${describeErrors(route.body)}`);
          return send(res, 422, { status: { error: "invalid" } });
        }
        peer.recovered.push({
          collection: c,
          via: "recover",
          detail: parsed.location,
          priority: parsed.priority ?? null,
        });
        return ok(true);
      }
      case "POST /collections/{collection_name}/snapshots/upload": {
        const text = payload.toString("latin1");
        if (!/name="snapshot"/.test(text)) peer.violations.push("upload without a snapshot form field");
        const m = /SNAPSHOT \d+ \S+ \S+/.exec(text);
        peer.recovered.push({
          collection: c,
          via: "upload",
          detail: m ? m[0] : "",
          priority: url.searchParams.get("priority"),
        });
        return ok(true);
      }
      default:
        peer.violations.push(`fake has no handler for ${method} ${route.template}`);
        return send(res, 501, { status: { error: "not implemented in fake" } });
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  peer.endpoint = `127.0.0.1:${port}`;
  peer.url = `http://${peer.endpoint}`;
  peer.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return peer;
}
