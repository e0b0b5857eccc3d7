import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QDRANT_DEFAULTS, type ResolvedQdrantSettings } from "../../components/qdrant/settings";
import {
  planQdrantDocker,
  planQdrantKubernetes,
  QDRANT_DOCKER_READYZ_SCRIPT,
  renderQdrantConfig,
} from "../../components/qdrant/topology";

const settings = (over: Partial<ResolvedQdrantSettings> = {}): ResolvedQdrantSettings => ({
  ...QDRANT_DEFAULTS,
  ...over,
});

describe("Docker topology", () => {
  it("starts peer 0 with --uri only and every other peer with --bootstrap <peer 0> --uri <own>", () => {
    const plan = planQdrantDocker("kq", settings());
    expect(plan.peers.map((p) => p.args)).toEqual([
      ["--uri", "http://kq-0:6335"],
      ["--bootstrap", "http://kq-0:6335", "--uri", "http://kq-1:6335"],
      ["--bootstrap", "http://kq-0:6335", "--uri", "http://kq-2:6335"],
    ]);
  });

  it("publishes REST at hostPortBase + i and names clients' endpoints by container name", () => {
    const plan = planQdrantDocker("kq", settings({ hostPortBase: 16333 }));
    expect(plan.peers.map((p) => p.hostPort)).toEqual([16333, 16334, 16335]);
    expect(plan.peers.map((p) => p.endpoint)).toEqual(["kq-0:6333", "kq-1:6333", "kq-2:6333"]);
    expect(plan.url).toBe("http://kq-0:6333");
    expect(plan.peers.every((p) => p.grpcHostPort === undefined)).toBe(true);
  });

  it("health check asks /readyz with bash builtins only (the image has no curl or wget)", () => {
    expect(QDRANT_DOCKER_READYZ_SCRIPT).toContain("/dev/tcp/127.0.0.1/6333");
    expect(QDRANT_DOCKER_READYZ_SCRIPT).toContain("GET /readyz");
    expect(QDRANT_DOCKER_READYZ_SCRIPT).not.toMatch(/curl|wget|grep|head/);
  });
});

describe("Kubernetes topology", () => {
  const plan = planQdrantKubernetes("kq", settings(), { namespace: "kato" });

  it("names every peer by its pod DNS name under the headless Service", () => {
    expect(plan.peers.map((p) => p.host)).toEqual([
      "kq-0.kq-headless.kato.svc.cluster.local",
      "kq-1.kq-headless.kato.svc.cluster.local",
      "kq-2.kq-headless.kato.svc.cluster.local",
    ]);
    expect(plan.url).toBe("http://kq.kato.svc.cluster.local:6333");
  });

  it("renders a start script that gives each pod exactly its planned arguments", () => {
    for (const peer of plan.peers) {
      const line = plan.startScript.split("\n").find((l) => l.trim().startsWith(`${peer.name})`));
      expect(line).toBe(
        `  ${peer.name}) exec ./entrypoint.sh ${peer.args.map((a) => `'${a}'`).join(" ")} ;;`,
      );
    }
    expect(plan.startScript).toMatch(/\*\) echo "unexpected pod name/);
  });

  it("uses the cluster domain it is given", () => {
    const p = planQdrantKubernetes("kq", settings({ peers: 1 }), {
      namespace: "n",
      clusterDomain: "corp.local",
    });
    expect(p.peers[0]!.p2pUri).toBe("http://kq-0.kq-headless.n.svc.corp.local:6335");
    expect(p.peers[0]!.args).toEqual(["--uri", "http://kq-0.kq-headless.n.svc.corp.local:6335"]);
  });

  it("for any cluster size, every joiner bootstraps from peer 0 and every peer announces a distinct address", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15 }), fc.constantFrom("docker", "kubernetes"), (peers, kind) => {
        const p =
          kind === "docker"
            ? planQdrantDocker("q", settings({ peers }))
            : planQdrantKubernetes("q", settings({ peers }), { namespace: "ns" });
        expect(p.peers).toHaveLength(peers);
        expect(new Set(p.peers.map((x) => x.p2pUri)).size).toBe(peers);
        expect(p.peers[0]!.args).toEqual(["--uri", p.peers[0]!.p2pUri]);
        for (const peer of p.peers.slice(1)) {
          expect(peer.args).toEqual(["--bootstrap", p.peers[0]!.p2pUri, "--uri", peer.p2pUri]);
        }
      }),
    );
  });
});

describe("config.yaml", () => {
  it("enables the cluster on P2P port 6335, disables gRPC unless asked and holds no API key", () => {
    const yaml = renderQdrantConfig(settings());
    expect(yaml).toContain("cluster:\n  enabled: true\n  p2p:\n    port: 6335");
    expect(yaml).toContain("grpc_port: null");
    expect(yaml).toContain("snapshots_path: /qdrant/snapshots");
    expect(yaml).toContain("telemetry_disabled: true");
    expect(yaml).not.toMatch(/api_key/);
    expect(renderQdrantConfig(settings({ grpc: true }))).toContain("grpc_port: 6334");
  });
});
