/**
 * Replication mode, the pure half: settings and their problems, the rendered redis.conf /
 * sentinel.conf / haproxy.cfg, and the planner on hand-written observations. The rendered haproxy.cfg
 * is also checked by the real HAProxy (`haproxy -c`) when it is installed.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectedRuntimeConfig, renderRedisConf } from "../../components/redis/redisConf";
import {
  type NodeObservation,
  planReplication,
  type ReplicationSpec,
  renderEndpointConf,
  renderSentinelAuth,
  renderSentinelConf,
  type SentinelObservation,
} from "../../components/redis/replicationPlan";
import { resolveRedisSettings } from "../../components/redis/settings";

const resolve = (raw: unknown) => resolveRedisSettings(raw, "kato-infra:redis");
const fields = (raw: unknown) => resolve(raw).problems.map((p) => p.field);

describe("replication settings", () => {
  it("defaults: one primary, two replicas, three Sentinels with a majority quorum, the split-brain guard on", () => {
    const { settings } = resolve({ mode: "replication" });
    expect(settings).toMatchObject({
      mode: "replication",
      replicas: 2,
      nodes: 3,
      masters: 1,
      sentinels: 3,
      sentinelQuorum: 2,
      downAfterMs: 5000,
      failoverTimeoutMs: 10_000,
      minReplicasToWrite: 1,
      minReplicasMaxLagSeconds: 10,
    });
    expect(resolve({}).settings!.mode).toBe("cluster");
  });

  it("reports every problem at once, each naming kato-infra:redis.<field>", () => {
    expect(
      fields({
        mode: "replication",
        sentinels: 4,
        minReplicasToWrite: 3,
        masters: 3,
        clusterNodeTimeoutMs: 5000,
        downAfterMs: 10,
      }).sort(),
    ).toEqual([
      "kato-infra:redis.clusterNodeTimeoutMs",
      "kato-infra:redis.downAfterMs",
      "kato-infra:redis.masters",
      "kato-infra:redis.minReplicasToWrite",
      "kato-infra:redis.sentinels",
    ]);
    const quorum = resolve({ mode: "replication", sentinels: 5, sentinelQuorum: 2 }).problems;
    expect(quorum).toHaveLength(1);
    expect(quorum[0]!.fix).toMatch(/from 3 \(a majority of 5 Sentinels\) to 5/);
    expect(fields({ mode: "sentinel" })).toEqual(["kato-infra:redis.mode"]);
    expect(fields({ replicas: 2, sentinels: 3 })).toEqual([
      "kato-infra:redis.replicas",
      "kato-infra:redis.sentinels",
    ]);
    expect(resolve({ replicas: 2 }).problems[0]!.fix).toMatch(/set kato-infra:redis.mode to replication/);
    expect(fields({ mode: "replication", replicas: 0 })).toEqual(["kato-infra:redis.replicas"]);
    expect(fields({ mode: "replication", nodes: 4 })).toEqual(["kato-infra:redis.nodes"]);
  });

  it("a profile's cluster fields do not trouble a stack that switches to replication", () => {
    const { settings, problems } = resolveRedisSettings({ mode: "replication" }, "redis", {
      masters: 3,
      replicasPerMaster: 1,
    });
    expect(problems).toEqual([]);
    expect(settings!.nodes).toBe(3);
  });
});

describe("rendered configuration", () => {
  const settings = resolve({ mode: "replication", version: "7.0.15" }).settings!;

  it("redis.conf: no cluster directives, the split-brain guard, the stable replica name", () => {
    const { text, problems } = renderRedisConf(settings, {
      replicaAnnounceIp: "kato-redis-1",
      replicaAnnouncePort: 6379,
    });
    expect(problems).toEqual([]);
    expect(text).not.toMatch(/^cluster-/m);
    expect(text).not.toMatch(/^replicaof/m);
    expect(text).toMatch(/^min-replicas-to-write 1$/m);
    expect(text).toMatch(/^min-replicas-max-lag 10$/m);
    expect(text).toMatch(/^replica-announce-ip kato-redis-1$/m);
    expect(expectedRuntimeConfig(settings)).not.toHaveProperty("cluster-node-timeout");
    const refused = resolve({ mode: "replication", extraConfig: { replicaof: "x 6379" } }).problems;
    expect(refused.map((p) => p.field)).toEqual(["kato-infra:redis.extraConfig.replicaof"]);
  });

  it("sentinel.conf holds no secret and no monitor; the auth part is separate", () => {
    const conf = renderSentinelConf(settings, { announceHostname: "kato-redis-sentinel-0.x.svc" });
    expect(conf).toMatch(/^sentinel resolve-hostnames yes$/m);
    expect(conf).toMatch(/^sentinel announce-hostnames yes$/m);
    expect(conf).toMatch(/^sentinel announce-ip kato-redis-sentinel-0.x.svc$/m);
    expect(conf).not.toMatch(/^(sentinel monitor|requirepass|sentinel (auth|sentinel)-pass)/m);
    expect(renderSentinelAuth("s3cret")).toBe("requirepass s3cret\nsentinel sentinel-pass s3cret\n");
    expect(() => renderSentinelAuth("a\nb")).toThrow(/one line/);
  });

  it("haproxy.cfg routes to role:master with a replica, reads the password from the environment", () => {
    const cfg = renderEndpointConf({
      servers: [
        { id: "r0", host: "kato-redis-0.h.ns.svc.cluster.local", port: 6379 },
        { id: "r1", host: "kato-redis-1.h.ns.svc.cluster.local", port: 6379 },
      ],
      resolveNames: true,
    });
    // HAProxy expands ${REDIS_PASSWORD} inside double quotes when it reads the file.
    expect(cfg).toContain(`tcp-check send "AUTH \${REDIS_PASSWORD}\\r\\n"`);
    expect(cfg).toContain('tcp-check expect rstring "role:master\\r\\nconnected_slaves:[1-9]"');
    expect(cfg).toContain("on-marked-down shutdown-sessions");
    expect(cfg).toContain("resolvers dns");
    let haproxy = true;
    try {
      execFileSync("haproxy", ["-v"], { stdio: "ignore" });
    } catch {
      haproxy = false;
    }
    if (!haproxy) return;
    const dir = mkdtempSync(join(tmpdir(), "kato-haproxy-"));
    try {
      writeFileSync(join(dir, "haproxy.cfg"), cfg);
      // -c: parse and check only. The real HAProxy accepts what kato-infra renders.
      const out = execFileSync("haproxy", ["-c", "-f", join(dir, "haproxy.cfg")], {
        env: { ...process.env, REDIS_PASSWORD: "x" },
        encoding: "utf8",
      });
      expect(out).toMatch(/valid/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("planReplication", () => {
  const spec: ReplicationSpec = {
    masterName: "kato",
    nodes: ["r0:6379", "r1:6379", "r2:6379"],
    sentinels: ["s0:26379", "s1:26379", "s2:26379"],
    quorum: 2,
    sentinelConfig: { "down-after-milliseconds": "5000" },
    expectedConfig: {},
  };
  const master = (name: string, replicas: number): NodeObservation => ({
    name,
    reachable: true,
    replication: { role: "master", connected_slaves: String(replicas) },
    config: {},
  });
  const replica = (name: string, of: string): NodeObservation => {
    const [h, p] = of.split(":");
    return {
      name,
      reachable: true,
      replication: { role: "slave", master_host: h!, master_port: p!, master_link_status: "up" },
      config: {},
    };
  };
  const watching = (
    name: string,
    primary: string,
    extra: Record<string, string> = {},
  ): SentinelObservation => {
    const [ip, port] = primary.split(":");
    return {
      name,
      reachable: true,
      master: {
        name: "kato",
        ip: ip!,
        port: port!,
        flags: "master",
        quorum: "2",
        "down-after-milliseconds": "5000",
        ...extra,
      },
      replicas: spec.nodes
        .filter((n) => n !== primary)
        .map((n) => ({ ip: n.split(":")[0]!, port: "6379", flags: "slave" })),
      sentinels: spec.sentinels
        .filter((s) => s !== name)
        .map((s) => ({ ip: s.split(":")[0]!, port: "26379", flags: "sentinel" })),
    };
  };

  it("follows the Sentinels' primary after a failover, and plans nothing when all agree", () => {
    const plan = planReplication(
      spec,
      [replica("r0:6379", "r1:6379"), master("r1:6379", 2), replica("r2:6379", "r1:6379")],
      spec.sentinels.map((s) => watching(s, "r1:6379")),
    );
    expect(plan).toEqual({
      primary: "r1:6379",
      primaryFrom: "sentinels",
      steps: [],
      blockers: [],
      waiting: [],
      drift: [],
    });
  });

  it("a returning former primary is told to follow the current one", () => {
    const plan = planReplication(
      spec,
      [master("r0:6379", 0), master("r1:6379", 1), replica("r2:6379", "r1:6379")],
      spec.sentinels.map((s) => watching(s, "r1:6379")),
    );
    expect(plan.steps).toEqual([
      {
        kind: "replicaof",
        node: "r0:6379",
        primary: "r1:6379",
        host: "r1",
        port: 6379,
        was: "primary of its own data",
      },
    ]);
  });

  it("two primaries with replicas and no Sentinel majority: refuses to pick one", () => {
    const plan = planReplication(
      spec,
      [master("r0:6379", 1), master("r1:6379", 1), replica("r2:6379", "r1:6379")],
      spec.sentinels.map(
        (s) => ({ name: s, reachable: true, replicas: [], sentinels: [] }) as SentinelObservation,
      ),
    );
    // r0 has a replica count but none of ours follows it: r1 is the one followed.
    expect(plan.primary).toBe("r1:6379");
    const split = planReplication(
      { ...spec, nodes: [...spec.nodes, "r3:6379"] },
      [
        master("r0:6379", 1),
        master("r1:6379", 1),
        replica("r2:6379", "r1:6379"),
        replica("r3:6379", "r0:6379"),
      ],
      spec.sentinels.map(
        (s) => ({ name: s, reachable: true, replicas: [], sentinels: [] }) as SentinelObservation,
      ),
    );
    expect(split.blockers.join()).toMatch(/r0:6379 and r1:6379 each have replicas/);
    expect(split.steps).toEqual([]);
  });

  it("a Sentinel that flags the reachable primary down gets the password again; a wrong quorum is drift", () => {
    const plan = planReplication(
      spec,
      [master("r0:6379", 2), replica("r1:6379", "r0:6379"), replica("r2:6379", "r0:6379")],
      [
        watching("s0:26379", "r0:6379", { flags: "master,s_down" }),
        watching("s1:26379", "r0:6379", { quorum: "3" }),
        watching("s2:26379", "r0:6379"),
      ],
    );
    expect(plan.steps.map((s) => `${s.kind} ${(s as any).field ?? ""}`)).toEqual([
      "sentinel-set auth-pass",
      "sentinel-set quorum",
    ]);
    expect(plan.drift).toEqual(["Sentinel s1:26379: quorum is 3, expected 2"]);
  });

  it("sends nothing while the Sentinels' primary still reports itself a replica", () => {
    const plan = planReplication(
      spec,
      [replica("r0:6379", "r1:6379"), replica("r1:6379", "r2:6379"), master("r2:6379", 1)],
      spec.sentinels.map((s) => watching(s, "r1:6379")),
    );
    expect(plan.steps).toEqual([]);
    expect(plan.waiting).toEqual(["r1:6379 is the Sentinels' primary but still reports role slave."]);
  });

  it("waits while a failover is in progress, and blocks while a server does not answer", () => {
    const busy = planReplication(
      spec,
      [master("r0:6379", 2), replica("r1:6379", "r0:6379"), replica("r2:6379", "r0:6379")],
      spec.sentinels.map((s) => watching(s, "r0:6379", { flags: "master,failover_in_progress" })),
    );
    expect(busy.waiting.join()).toMatch(/failing over kato/);
    const down = planReplication(
      spec,
      [
        { name: "r0:6379", reachable: false, error: "ECONNREFUSED" },
        replica("r1:6379", "r0:6379"),
        replica("r2:6379", "r0:6379"),
      ],
      spec.sentinels.map((s) => watching(s, "r0:6379")),
    );
    expect(down.blockers).toEqual(["r0:6379 is not reachable: ECONNREFUSED"]);
  });
});
