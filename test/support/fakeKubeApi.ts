/**
 * A fake Kubernetes API server that serves only pod port-forwarding, as the real one does over a
 * WebSocket (`GET /api/v1/namespaces/{ns}/pods/{pod}/portforward?ports=P`, subprotocol
 * `v4.channel.k8s.io`): every frame starts with its channel byte (0 = data, 1 = error for the first
 * port); the first frame on each channel carries the port number (2 bytes, little-endian); then the
 * data channel carries the TCP stream in both directions. Behaviour copied from the Kubernetes
 * port-forward protocol (kubelet's websocket port-forward, pkg/kubelet/cri/streaming/portforward/websocket.go)
 * and what @kubernetes/client-node's PortForward reads (dist/portforward.js: it drops the first two
 * bytes of each channel). Pods are mapped to local TCP ports; the bearer token is checked.
 */
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { WebSocketServer } from "ws";

export interface FakeKubeApi {
  url: string;
  token: string;
  /** Every port-forward request seen: namespace, pod, port. */
  requests: Array<{ namespace: string; pod: string; port: number }>;
  close(): Promise<void>;
}

export async function startFakeKubeApi(
  pods: Record<string, number>,
  token = "fake-token",
): Promise<FakeKubeApi> {
  const requests: FakeKubeApi["requests"] = [];
  const http: Server = createServer((_req, res) => {
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has("v4.channel.k8s.io") ? "v4.channel.k8s.io" : false),
  });
  http.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
    const port = Number(url.searchParams.get("ports"));
    if (!m || req.headers.authorization !== `Bearer ${token}`) {
      socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    const [, namespace, pod] = m as unknown as [string, string, string];
    const local = pods[`${namespace}/${pod}`];
    if (local === undefined) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    requests.push({ namespace, pod, port });
    wss.handleUpgrade(req, socket, head, (ws) => {
      const portBytes = Buffer.from([port & 0xff, (port >> 8) & 0xff]);
      ws.send(Buffer.concat([Buffer.from([0]), portBytes]));
      ws.send(Buffer.concat([Buffer.from([1]), portBytes]));
      const tcp = connect({ host: "127.0.0.1", port: local });
      tcp.on("data", (chunk) => ws.send(Buffer.concat([Buffer.from([0]), chunk])));
      tcp.on("close", () => ws.close());
      tcp.on("error", (error) => {
        ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(error.message)]));
        ws.close();
      });
      ws.on("message", (data: Buffer) => {
        if (data.length > 0 && data[0] === 0) tcp.write(data.subarray(1));
      });
      ws.on("close", () => tcp.destroy());
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** A kubeconfig for the fake, with a named context. */
export function kubeconfigFor(api: FakeKubeApi, context = "fake"): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    `current-context: ${context}`,
    "clusters:",
    `- name: ${context}`,
    "  cluster:",
    `    server: ${api.url}`,
    // client-node refuses plain HTTP unless TLS verification is explicitly skipped.
    "    insecure-skip-tls-verify: true",
    "contexts:",
    `- name: ${context}`,
    "  context:",
    `    cluster: ${context}`,
    `    user: ${context}`,
    "users:",
    `- name: ${context}`,
    "  user:",
    `    token: ${api.token}`,
    "",
  ].join("\n");
}
