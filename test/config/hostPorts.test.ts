/**
 * Docker: the host ports every engine publishes never overlap (refused at preview, naming both keys),
 * the defaults are not the engines' other well-known ports, and a remote Docker daemon is refused
 * with a publish address pulumi up cannot reach.
 */
import { describe, expect, it } from "vitest";
import { formatProblem } from "../../components/shared/problems";
import { loadStackConfig } from "../../program/config/load";

const problemsOf = (stack: string, config: Record<string, unknown>) =>
  loadStackConfig({
    stack,
    config: Object.fromEntries(
      Object.entries(config).map(([k, v]) => [
        `kato-infra:${k}`,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
    ),
  }).problems.map(formatProblem);

describe("Docker host ports", () => {
  it("by default publish disjoint ranges, none on Qdrant's gRPC or P2P port or Redis's own ports", () => {
    const { config, problems } = loadStackConfig({
      stack: "dev",
      config: {
        "kato-infra:qdrant": JSON.stringify({ grpc: true, peers: 15 }),
        "kato-infra:mongodb": JSON.stringify({ members: 7 }),
        "kato-infra:monitoring": JSON.stringify({ enabled: true }),
      },
    });
    expect(problems.map(formatProblem)).toEqual([]);
    const c = config!;
    const ports = (base: number, n: number) => Array.from({ length: n }, (_, i) => base + i);
    const published = [
      ...ports(c.mongodb.hostPortBase, c.mongodb.members),
      ...ports(c.qdrant.hostPortBase, c.qdrant.peers),
      ...ports(c.qdrant.grpcHostPortBase, c.qdrant.peers),
      ...ports(c.redis.hostPortBase, c.redis.nodes),
      ...ports(c.monitoring.mongodbExporterHostPort, c.mongodb.members),
      ...ports(c.monitoring.redisExporterHostPort, c.redis.nodes),
    ];
    expect(new Set(published).size).toBe(published.length);
    for (const wellKnown of [6334, 6335, 6379, 16379]) expect(published).not.toContain(wellKnown);
    expect(c.qdrant.hostPortBase).toBe(16333);
  });

  it("refuses MongoDB members on the Redis nodes' ports, naming both keys and a free base", () => {
    expect(problemsOf("dev", { mongodb: { hostPortBase: 7000 } })).toEqual([
      expect.stringMatching(
        /^kato-infra:redis\.hostPortBase = 7000: publishes host ports 7000-7005 \(6 Redis node\(s\)\), which overlap 7000-7002 of kato-infra:mongodb\.hostPortBase \(3 MongoDB member\(s\)\).* Fix: move one of them: e\.g\. set kato-infra:redis\.hostPortBase to \d+ /,
      ),
    ]);
  });

  it("refuses Qdrant gRPC on the REST range, and exporters on each other, all at once", () => {
    const found = problemsOf("dev", {
      qdrant: { grpc: true, grpcHostPortBase: 16334 },
      monitoring: { enabled: true, redisExporterHostPort: 9214 },
    });
    expect(found).toHaveLength(2);
    // Qdrant's own settings check refuses gRPC on its REST range; the exporters are still checked.
    expect(found[0]).toMatch(
      /^kato-infra:qdrant\.grpcHostPortBase = 16334: overlaps the REST host ports 16333\.\.16335\./,
    );
    expect(found[1]).toMatch(
      /^kato-infra:monitoring\.redisExporterHostPort = 9214: .*overlap 9216-9218 of kato-infra:monitoring\.mongodbExporterHostPort/,
    );
  });

  it("counts replication mode's endpoint and Sentinels after the nodes", () => {
    // dev, replication: 3 nodes, the endpoint and 3 Sentinels from the base: 7 ports.
    const { config, problems } = loadStackConfig({
      stack: "dev",
      config: { "kato-infra:redis": JSON.stringify({ mode: "replication" }) },
    });
    expect(problems.map(formatProblem)).toEqual([]);
    const last = config!.redis.hostPortBase + config!.redis.nodes + config!.redis.sentinels;
    const found = problemsOf("dev", { redis: { mode: "replication" }, mongodb: { hostPortBase: last } });
    expect(found).toEqual([
      expect.stringMatching(
        new RegExp(
          `^kato-infra:(redis|mongodb)\\.hostPortBase = \\d+: publishes host ports .*the endpoint and ${config!.redis.sentinels} Sentinel\\(s\\)`,
        ),
      ),
    ]);
  });

  it("ignores gRPC ports while gRPC is off, and every port on Kubernetes", () => {
    expect(problemsOf("dev", { qdrant: { grpcHostPortBase: 16334 } })).toEqual([]);
    expect(problemsOf("staging", { mongodb: { hostPortBase: 7000 } })).toEqual([]);
  });
});

describe("a remote Docker daemon", () => {
  it("is refused with the loopback publish address, with the ways out", () => {
    expect(problemsOf("dev", { docker: { host: "ssh://deploy@db-host" } })).toEqual([
      expect.stringMatching(
        /^kato-infra:docker\.host = "ssh:\/\/deploy@db-host": is a remote Docker daemon, but the members are published on 127\.0\.0\.1 of that host .* Fix: set kato-infra:docker\.publishAddress to an address of db-host .* or run pulumi up on db-host itself without kato-infra:docker\.host\./,
      ),
    ]);
    expect(
      problemsOf("dev", { docker: { host: "tcp://10.0.0.5:2376", publishAddress: "0.0.0.0" } }),
    ).toHaveLength(1);
  });

  it("is accepted with a publish address of the Docker host, and a local daemon as before", () => {
    expect(
      problemsOf("dev", { docker: { host: "ssh://deploy@db-host", publishAddress: "10.0.0.5" } }),
    ).toEqual([]);
    expect(problemsOf("dev", { docker: { host: "tcp://127.0.0.1:2375" } })).toEqual([]);
    expect(problemsOf("dev", { docker: { host: "unix:///var/run/docker.sock" } })).toEqual([]);
  });
});
