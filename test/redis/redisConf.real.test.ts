/**
 * The renderer against the real server: every profile's redis.conf (rendered for the installed
 * version, 7.0 here) starts redis-server and reads back with CONFIG GET as the settings say; the
 * directive table agrees with what that server knows; and a directive the renderer refuses for the
 * version is one the server really refuses.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedRuntimeConfig, renderRedisConf } from "../../components/redis/redisConf";
import { type RedisSettings, resolveRedisSettings } from "../../components/redis/settings";
import { DIRECTIVES, directiveRefusal, parseRedisVersion } from "../../components/redis/versions";
import { PROFILE_NAMES, PROFILES } from "../../stacks/profiles";
import { installedRedisVersion, type RedisTestCluster, startRedisNodes } from "../support/redisNodes";

const version = installedRedisVersion();
if (!version) console.warn("redis-server is not installed: skipping the real-server redis.conf tests");

async function readBack(settingsRaw: RedisSettings, base: RedisSettings = {}) {
  const { settings, problems } = resolveRedisSettings({ ...settingsRaw, version }, "redis", base);
  if (!settings) throw new Error(problems.map((p) => `${p.field}: ${p.message}`).join("\n"));
  const c = await startRedisNodes({ count: 1, settings });
  const Redis = require("ioredis");
  const client = new Redis({ port: c.nodes[0]!.port, password: c.password, lazyConnect: true });
  try {
    await client.connect();
    const names = [
      ...Object.keys(expectedRuntimeConfig(settings)),
      "cluster-enabled",
      "cluster-config-file",
      "cluster-announce-hostname",
      "cluster-preferred-endpoint-type",
      "dir",
      "repl-diskless-sync-max-replicas",
      "protected-mode",
      ...Object.keys(settings.extraConfig),
    ];
    const reply: string[] = await client.config("GET", ...names);
    const got: Record<string, string> = {};
    for (let i = 0; i < reply.length; i += 2) got[reply[i]!] = reply[i + 1]!;
    return { settings, got, cluster: c, text: c.configText(0) };
  } finally {
    client.disconnect();
    await c.destroy();
  }
}

describe.skipIf(!version)(`rendered redis.conf on a real redis-server ${version}`, () => {
  for (const profile of PROFILE_NAMES) {
    it(`starts with the ${profile} profile's settings and reports them back`, async () => {
      const { settings, got, cluster, text } = await readBack({}, PROFILES[profile].redis);
      expect(got).toMatchObject(expectedRuntimeConfig(settings));
      expect(got).toMatchObject({
        "cluster-enabled": "yes",
        "cluster-config-file": `${cluster.nodes[0]!.dir}/nodes.conf`,
        "cluster-announce-hostname": "redis-test-0",
        "cluster-preferred-endpoint-type": "hostname",
        dir: cluster.nodes[0]!.dir,
        "repl-diskless-sync-max-replicas": "1",
        "protected-mode": "yes",
      });
      expect(text).not.toContain("cluster-announce-human-nodename"); // 7.2+ only
    });
  }

  it('starts with persistence off (save "", appendonly no) and several save rules', async () => {
    const off = await readBack({
      appendonly: false,
      save: [],
      maxmemory: "64mb",
      resources: { memory: "256Mi" },
    });
    expect(off.got).toMatchObject({ appendonly: "no", save: "" });
    const several = await readBack({
      save: [
        [900, 1],
        [300, 10],
        [60, 10000],
      ],
      appendfsync: "always",
      maxmemoryPolicy: "volatile-ttl",
      maxmemory: "64mb",
      resources: { memory: "256Mi" },
      storage: { size: "1Gi" },
      replicasPerMaster: 2,
      extraConfig: { "tcp-keepalive": 120, "notify-keyspace-events": "Ex", "lazyfree-lazy-user-del": true },
    });
    expect(several.got).toMatchObject({
      save: "900 1 300 10 60 10000",
      appendfsync: "always",
      "maxmemory-policy": "volatile-ttl",
      "repl-diskless-sync-max-replicas": "2",
      "tcp-keepalive": "120",
      "notify-keyspace-events": "xE",
      "lazyfree-lazy-user-del": "yes",
    });
  });
});

describe.skipIf(!version)(`directive table vs redis-server ${version}`, () => {
  let cluster: RedisTestCluster;
  let known: Set<string>;
  beforeAll(async () => {
    cluster = await startRedisNodes({ count: 1 });
    const Redis = require("ioredis");
    const client = new Redis({ port: cluster.nodes[0]!.port, password: cluster.password });
    const all: string[] = await client.config("GET", "*");
    client.disconnect();
    known = new Set(all.filter((_, i) => i % 2 === 0));
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it("lists exactly the directives this server knows as accepted by its version", () => {
    const v = parseRedisVersion(version!)!;
    const claimedKnown = Object.keys(DIRECTIVES).filter((d) => d !== "include" && !directiveRefusal(d, v));
    const claimedUnknown = Object.keys(DIRECTIVES).filter((d) => directiveRefusal(d, v));
    expect(claimedKnown.filter((d) => !known.has(d))).toEqual([]);
    expect(claimedUnknown.filter((d) => known.has(d))).toEqual([]);
    expect(claimedUnknown).toContain("locale-collate");
  });

  it("the directive the renderer refuses for this version is one this server refuses to start with", () => {
    const base = resolveRedisSettings({ version, extraConfig: { "locale-collate": "C" } });
    expect(base.problems.map((p) => p.field)).toEqual(["redis.extraConfig.locale-collate"]);
    // Rendered anyway for 7.2 (which knows it) and fed to this server:
    const newer = resolveRedisSettings({ version: "7.2.5", extraConfig: { "locale-collate": "C" } })
      .settings!;
    const dir = mkdtempSync(join(tmpdir(), "kato-redis-refuse-"));
    try {
      const { text } = renderRedisConf(newer, { port: 0, bind: ["127.0.0.1"], dir, authFile: null });
      writeFileSync(join(dir, "redis.conf"), text);
      const run = spawnSync("redis-server", [join(dir, "redis.conf")], { encoding: "utf8", timeout: 10_000 });
      expect(run.status).not.toBe(0);
      expect(`${run.stdout}${run.stderr}`).toMatch(
        /'locale-collate C'\s+Bad directive or wrong number of arguments/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
