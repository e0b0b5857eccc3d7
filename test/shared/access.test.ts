/**
 * How executors reach members from where `pulumi up` runs: direct (Docker's published ports) and
 * through a Kubernetes port-forward, here through a fake API server that speaks the real
 * port-forward WebSocket protocol to a real redis-server.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerAccess, kubernetesAccess, withReachableMembers } from "../../components/shared/access";
import { type FakeKubeApi, kubeconfigFor, startFakeKubeApi } from "../support/fakeKubeApi";
import { installedRedisVersion, type RedisTestCluster, startRedisNodes } from "../support/redisNodes";

const haveRedis = installedRedisVersion() !== undefined;
let nodes: RedisTestCluster;
let api: FakeKubeApi;
let dir: string;
const savedKubeconfig = process.env.KUBECONFIG;

describe("access maps", () => {
  it("Docker: each member is reached on its published port; 0.0.0.0 is reached on loopback", () => {
    const access = dockerAccess(["m-0:27017", "m-1:27017"], "0.0.0.0", [27017, 27018]);
    expect(access.members[1]).toEqual({
      advertised: "m-1:27017",
      reach: { kind: "direct", host: "127.0.0.1", port: 27018 },
    });
  });

  it("Kubernetes: each member is a pod reached by port-forward, with the context when given", () => {
    const access = kubernetesAccess(["a:6379"], "data", ["redis-0"], 6379, "prod");
    expect(access.members[0]!.reach).toEqual({
      kind: "port-forward",
      namespace: "data",
      pod: "redis-0",
      port: 6379,
      context: "prod",
    });
  });
});

describe.skipIf(!haveRedis)("reaching a member through a Kubernetes port-forward", () => {
  beforeAll(async () => {
    nodes = await startRedisNodes({ count: 2 });
    api = await startFakeKubeApi({
      "data/redis-0": nodes.nodes[0]!.port,
      "data/redis-1": nodes.nodes[1]!.port,
    });
    dir = mkdtempSync(join(tmpdir(), "kato-kube-"));
    writeFileSync(join(dir, "config"), kubeconfigFor(api));
    process.env.KUBECONFIG = join(dir, "config");
  });

  afterAll(async () => {
    process.env.KUBECONFIG = savedKubeconfig;
    await api?.close();
    await nodes?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("tunnels each member's connection to its own pod and closes the tunnels afterwards", async () => {
    const access = kubernetesAccess(
      ["redis-0:6379", "redis-1:6379"],
      "data",
      ["redis-0", "redis-1"],
      6379,
      "fake",
    );
    let local: number[] = [];
    const answers = await withReachableMembers(access, async (members) => {
      local = members.map((m) => m.port);
      expect(members.map((m) => [m.advertised, m.host])).toEqual([
        ["redis-0:6379", "127.0.0.1"],
        ["redis-1:6379", "127.0.0.1"],
      ]);
      return Promise.all(
        members.map(async (m) => {
          const client = new Redis({
            host: m.host,
            port: m.port,
            password: nodes.password,
            lazyConnect: true,
          });
          try {
            await client.connect();
            return await client.call("CLUSTER", "MYID");
          } finally {
            client.disconnect();
          }
        }),
      );
    });
    // Two different nodes answered: each tunnel reached its own pod.
    expect(new Set(answers).size).toBe(2);
    expect(api.requests.map((r) => `${r.namespace}/${r.pod}:${r.port}`)).toEqual(
      expect.arrayContaining(["data/redis-0:6379", "data/redis-1:6379"]),
    );
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: local[0]! });
      socket.once("error", () => resolve(true));
      socket.once("connect", () => {
        socket.destroy();
        resolve(false);
      });
    });
    expect(refused).toBe(true);
  });

  it("closes the tunnels when the work fails, and passes the failure on", async () => {
    const access = kubernetesAccess(["redis-0:6379"], "data", ["redis-0"], 6379);
    let port = 0;
    await expect(
      withReachableMembers(access, async (members) => {
        port = members[0]!.port;
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("error", () => resolve(true));
      socket.once("connect", () => {
        socket.destroy();
        resolve(false);
      });
    });
    expect(refused).toBe(true);
  });
});
