import { describe, expect, it } from "vitest";
import { REDIS_DEFAULTS, REDIS_FIELDS, resolveRedisSettings } from "../../components/redis/settings";
import { formatProblem } from "../../components/shared/problems";

const fields = (raw: unknown, base?: any) =>
  resolveRedisSettings(raw, "redis", base).problems.map((p) => p.field);

describe("resolveRedisSettings", () => {
  it("resolves an empty object to the guide's cluster: 3 masters, 1 replica each, 2gb allkeys-lru, AOF + save 60 1000", () => {
    const { settings, problems } = resolveRedisSettings({});
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({
      masters: 3,
      replicasPerMaster: 1,
      nodes: 6,
      image: `redis:${REDIS_DEFAULTS.version}`,
      maxmemory: "2gb",
      maxmemoryBytes: 2 * 2 ** 30,
      maxmemoryPolicy: "allkeys-lru",
      appendonly: true,
      appendfsync: "everysec",
      save: [[60, 1000]],
      storage: { size: "8Gi", retainOnDelete: true },
      resources: { cpu: "500m", memory: "3Gi" },
      hostPortBase: 7000,
    });
  });

  it("accepts undefined as 'all defaults'", () => {
    expect(resolveRedisSettings(undefined).problems).toEqual([]);
  });

  it("layers user over profile base over defaults, nested objects key by key", () => {
    const { settings } = resolveRedisSettings({ masters: 4, storage: { size: "20Gi" } }, "redis", {
      masters: 5,
      replicasPerMaster: 2,
      storage: { retainOnDelete: false, size: "9Gi" },
    });
    expect(settings).toMatchObject({ masters: 4, replicasPerMaster: 2, nodes: 12 });
    expect(settings?.storage).toEqual({ size: "20Gi", retainOnDelete: false });
  });

  it("reports every problem at once, each naming field, value and fix", () => {
    const { problems, settings } = resolveRedisSettings({
      masters: 2,
      replicasPerMaster: -1,
      maxmemory: "lots",
      maxmemoryPolicy: "allkeys-random-ish",
      appendfsync: "sometimes",
      save: [[60]],
      clusterNodeTimeoutMs: 5,
      storage: { size: "big" },
      resources: { cpu: "fast", memory: "much" },
      hostPortBase: 80,
      formationTimeoutSeconds: 0,
    });
    expect(settings).toBeUndefined();
    expect(problems.map((p) => p.field).sort()).toEqual(
      [
        "redis.masters",
        "redis.replicasPerMaster",
        "redis.maxmemory",
        "redis.maxmemoryPolicy",
        "redis.appendfsync",
        "redis.save[0]",
        "redis.clusterNodeTimeoutMs",
        "redis.storage.size",
        "redis.resources.cpu",
        "redis.resources.memory",
        "redis.hostPortBase",
        "redis.formationTimeoutSeconds",
      ].sort(),
    );
    for (const p of problems) {
      expect(p.message.length).toBeGreaterThan(5);
      expect(p.fix.length).toBeGreaterThan(5);
      expect(formatProblem(p)).toContain(p.field);
    }
  });

  it("rejects unknown keys at every level, suggesting the likely typo", () => {
    const { problems } = resolveRedisSettings({
      maxmemoryPolcy: "allkeys-lru",
      storage: { sise: "10Gi" },
      resources: { memroy: "1Gi" },
    });
    expect(problems.map((p) => p.field)).toEqual([
      "redis.maxmemoryPolcy",
      "redis.storage.sise",
      "redis.resources.memroy",
    ]);
    expect(problems[0]!.fix).toContain("did you mean redis.maxmemoryPolicy");
    expect(problems[1]!.fix).toContain("redis.storage.size");
  });

  it("rejects a node count that does not fit masters x (1 + replicas)", () => {
    const { problems } = resolveRedisSettings({ masters: 3, replicasPerMaster: 1, nodes: 7 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: "redis.nodes", value: 7 });
    expect(problems[0]!.message).toContain("6 nodes");
    expect(problems[0]!.fix).toContain("set redis.nodes to 6");
    expect(resolveRedisSettings({ masters: 3, replicasPerMaster: 1, nodes: 6 }).problems).toEqual([]);
  });

  it("refuses a maxmemory above 75% of the container memory limit and says how to fix either side", () => {
    const { problems } = resolveRedisSettings({ maxmemory: "2gb", resources: { memory: "2Gi" } });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.field).toBe("redis.maxmemory");
    expect(problems[0]!.message).toContain("headroom");
    expect(problems[0]!.fix).toMatch(/at most 1536mb.*at least 2731Mi/);
    expect(resolveRedisSettings({ maxmemory: "1536mb", resources: { memory: "2Gi" } }).problems).toEqual([]);
  });

  it("refuses maxmemory 0 (no limit) and unparseable sizes", () => {
    expect(fields({ maxmemory: "0" })).toEqual(["redis.maxmemory"]);
    expect(fields({ maxmemory: "2 GB" })).toEqual(["redis.maxmemory"]);
    expect(fields({ maxmemory: "2Gi" })).toEqual(["redis.maxmemory"]);
    expect(resolveRedisSettings({ maxmemory: "1g" }).settings?.maxmemoryBytes).toBe(1e9);
  });

  it("validates the eviction policy against the version's real list (the lrm pair only from 8.6)", () => {
    expect(fields({ maxmemoryPolicy: "allkeys-lrm" })).toEqual(["redis.maxmemoryPolicy"]);
    const msg = resolveRedisSettings({ maxmemoryPolicy: "allkeys-lrm" }).problems[0]!.message;
    expect(msg).toContain("8.6");
    expect(fields({ maxmemoryPolicy: "allkeys-lrm", version: "8.6.0" })).toEqual([]);
    for (const policy of [
      "volatile-lru",
      "volatile-lfu",
      "volatile-random",
      "volatile-ttl",
      "allkeys-lfu",
      "allkeys-random",
      "noeviction",
    ]) {
      expect(fields({ maxmemoryPolicy: policy })).toEqual([]);
    }
  });

  it("needs a pinned 7.0+ version: 6.2 cannot announce hostnames, 7.4 is a moving tag, 9.0 is unknown", () => {
    const six = resolveRedisSettings({ version: "6.2.14" }).problems;
    expect(six.map((p) => p.field)).toContain("redis.version");
    expect(six[0]!.message).toContain("cluster-announce-hostname");
    expect(resolveRedisSettings({ version: "7.4" }).problems[0]!.message).toContain("moving tag");
    expect(resolveRedisSettings({ version: "9.0.0" }).problems[0]!.message).toContain("newer");
    expect(resolveRedisSettings({ version: "7.1.0" }).problems[0]!.message).toContain(
      "not a released series",
    );
    expect(fields({ version: "latest" })).toEqual(["redis.version"]);
    expect(fields({ version: "7.0.15" })).toEqual([]);
    expect(fields({ version: "8.2.1-alpine" })).toEqual([]);
    expect(resolveRedisSettings({ version: "8.2.1-alpine" }).settings?.image).toBe("redis:8.2.1-alpine");
  });

  it("needs the volume to hold twice maxmemory when persistence is on, not when it is off", () => {
    expect(fields({ storage: { size: "3Gi" } })).toEqual(["redis.storage.size"]);
    expect(fields({ storage: { size: "3Gi" }, appendonly: false, save: [] })).toEqual([]);
  });

  it("checks extraConfig directives against the version and refuses ones kato-infra manages", () => {
    const { problems } = resolveRedisSettings({
      version: "7.0.15",
      extraConfig: { "locale-collate": "C", maxmemory: "1gb", "not-a-directive": 1, "tcp-keepalive": 60 },
    });
    expect(problems.map((p) => p.field).sort()).toEqual([
      "redis.extraConfig.locale-collate",
      "redis.extraConfig.maxmemory",
      "redis.extraConfig.not-a-directive",
    ]);
    const locale = problems.find((p) => p.field.endsWith("locale-collate"))!;
    expect(locale.message).toContain("7.2");
    expect(problems.find((p) => p.field.endsWith("maxmemory"))!.fix).toContain("redis.maxmemory");
    const ok = resolveRedisSettings({
      version: "7.2.5",
      extraConfig: { "locale-collate": "C", activedefrag: true },
    });
    expect(ok.problems).toEqual([]);
    expect(ok.settings?.extraConfig).toEqual({ "locale-collate": "C", activedefrag: "yes" });
  });

  it("refuses a multi-line extraConfig value (it would inject directives)", () => {
    expect(fields({ extraConfig: { "notify-keyspace-events": "Ex\nrequirepass x" } })).toEqual([
      "redis.extraConfig.notify-keyspace-events",
    ]);
  });

  it("names problems with the caller's field prefix", () => {
    expect(resolveRedisSettings({ masters: 1 }, "kato-infra:redis").problems[0]!.field).toBe(
      "kato-infra:redis.masters",
    );
  });

  it("reports a non-object as one problem", () => {
    expect(resolveRedisSettings("six nodes").problems.map((p) => p.field)).toEqual(["redis"]);
  });
});

describe("REDIS_FIELDS", () => {
  it("documents every settings field with its dev default", () => {
    const names = REDIS_FIELDS.map((f) => f.name);
    for (const key of [
      "masters",
      "replicasPerMaster",
      "nodes",
      "version",
      "maxmemory",
      "maxmemoryPolicy",
      "appendonly",
      "appendfsync",
      "save",
      "clusterNodeTimeoutMs",
      "storage.size",
      "storage.storageClass",
      "storage.retainOnDelete",
      "resources.cpu",
      "resources.memory",
      "resources.cpuLimit",
      "hostPortBase",
      "extraConfig",
      "formationTimeoutSeconds",
    ]) {
      expect(names).toContain(key);
    }
    const byName = Object.fromEntries(REDIS_FIELDS.map((f) => [f.name, f.default]));
    expect(byName.masters).toBe(REDIS_DEFAULTS.masters);
    expect(byName.maxmemory).toBe(REDIS_DEFAULTS.maxmemory);
    expect(byName["storage.size"]).toBe(REDIS_DEFAULTS.storage.size);
    for (const f of REDIS_FIELDS) expect(f.description.length).toBeGreaterThan(20);
  });

  it("has no field the resolver would reject as unknown", () => {
    const topLevel = [...new Set(REDIS_FIELDS.map((f) => f.name.split(".")[0]!))];
    const raw = Object.fromEntries(topLevel.map((k) => [k, undefined]));
    expect(resolveRedisSettings(raw).problems).toEqual([]);
  });
});
