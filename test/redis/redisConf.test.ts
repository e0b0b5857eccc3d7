import { describe, expect, it } from "vitest";
import {
  confToken,
  directiveArgs,
  expectedRuntimeConfig,
  memberDirectives,
  renderAuthConf,
  renderRedisConf,
} from "../../components/redis/redisConf";
import { resolveRedisSettings } from "../../components/redis/settings";
import {
  DIRECTIVES,
  directiveRefusal,
  directivesOf,
  evictionPolicies,
  parseRedisVersion,
} from "../../components/redis/versions";

const settingsFor = (raw: object = {}) => {
  const { settings, problems } = resolveRedisSettings(raw);
  if (!settings) throw new Error(problems.map((p) => p.message).join("; "));
  return settings;
};

const lines = (text: string) => text.split("\n").filter((l) => l && !l.startsWith("#"));

describe("renderRedisConf", () => {
  it("renders a cluster node: cluster on, nodes.conf and data on the volume, persistence and eviction from settings", () => {
    const { text, problems } = renderRedisConf(settingsFor(), { announceHostname: "kato-redis-0" });
    expect(problems).toEqual([]);
    expect(lines(text)).toEqual([
      "port 6379",
      "bind 0.0.0.0",
      "protected-mode yes",
      "daemonize no",
      'logfile ""',
      "dir /data",
      "cluster-enabled yes",
      "cluster-config-file /data/nodes.conf",
      "cluster-node-timeout 5000",
      "cluster-preferred-endpoint-type hostname",
      "appendonly yes",
      "appendfsync everysec",
      "save 60 1000",
      "maxmemory 2gb",
      "maxmemory-policy allkeys-lru",
      "repl-diskless-sync-max-replicas 1",
      "cluster-announce-hostname kato-redis-0",
      "include /etc/redis/auth.conf",
    ]);
  });

  it("never renders the password; the auth file holds requirepass and masterauth", () => {
    const { text } = renderRedisConf(settingsFor(), { announceHostname: "n0" });
    expect(text).not.toMatch(/requirepass|masterauth/);
    expect(renderAuthConf("s3cretPW")).toBe("requirepass s3cretPW\nmasterauth s3cretPW\n");
    expect(renderAuthConf('we"ird pw')).toBe('requirepass "we\\"ird pw"\nmasterauth "we\\"ird pw"\n');
    expect(() => renderAuthConf("two\nlines")).toThrow(/one line/);
    expect(() => renderAuthConf("")).toThrow();
  });

  it('renders snapshots off as save "" and several rules as one line each', () => {
    expect(lines(renderRedisConf(settingsFor({ save: [] })).text)).toContain('save ""');
    const several = lines(
      renderRedisConf(
        settingsFor({
          save: [
            [900, 1],
            [60, 1000],
          ],
        }),
      ).text,
    );
    expect(several.filter((l) => l.startsWith("save "))).toEqual(["save 900 1", "save 60 1000"]);
  });

  it("adds the human node name only from 7.2, where it exists", () => {
    const member = { announceHostname: "n0.example", humanNodename: "n0" };
    expect(renderRedisConf(settingsFor({ version: "7.0.15" }), member).text).not.toContain("human-nodename");
    expect(renderRedisConf(settingsFor({ version: "7.2.4" }), member).text).toContain(
      "cluster-announce-human-nodename n0",
    );
  });

  it("skips repl-diskless-sync-max-replicas when masters have no replicas", () => {
    expect(renderRedisConf(settingsFor({ replicasPerMaster: 0 })).text).not.toContain("max-replicas");
  });

  it("renders extraConfig sorted, after the managed directives and before the include", () => {
    const text = renderRedisConf(
      settingsFor({ extraConfig: { "tcp-keepalive": 60, "notify-keyspace-events": "Ex" } }),
    ).text;
    const l = lines(text);
    expect(l.slice(-3)).toEqual([
      "notify-keyspace-events Ex",
      "tcp-keepalive 60",
      "include /etc/redis/auth.conf",
    ]);
  });

  it("refuses a directive the target version does not know, as a problem naming the version", () => {
    const s = settingsFor({ version: "7.0.15" });
    const withLocale = { ...s, extraConfig: { "locale-collate": "C" } };
    const { problems, text } = renderRedisConf(withLocale);
    expect(text).toBe("");
    expect(problems).toHaveLength(1);
    expect(problems[0]!.field).toBe("redis.extraConfig.locale-collate");
    expect(problems[0]!.message).toMatch(
      /Redis 7\.0 does not know the directive "locale-collate" \(it arrived in 7\.2\)/,
    );
    // and a version too old for the directives kato-infra itself needs
    const six = { ...s, redisVersion: parseRedisVersion("6.2.14")!, version: "6.2.14" };
    const old = renderRedisConf(six, { announceHostname: "n0" }).problems;
    expect(old.map((p) => p.value)).toEqual(["hostname", "1", "n0"]);
    expect(old.every((p) => p.field === "redis.version")).toBe(true);
  });

  it("quotes values the way redis.conf's parser reads them", () => {
    expect(confToken("")).toBe('""');
    expect(confToken("a b")).toBe('"a b"');
    expect(confToken("x\\y")).toBe('"x\\\\y"');
    expect(confToken("10.0.0.1")).toBe("10.0.0.1");
    expect(confToken("$(POD_NAME).h.ns.svc.cluster.local")).toBe("$(POD_NAME).h.ns.svc.cluster.local");
  });

  it("gives Kubernetes the per-pod directives as arguments, checked like the file", () => {
    const v = parseRedisVersion("7.4.5")!;
    const d = memberDirectives(v, {
      announceHostname: "$(POD_NAME).r-headless.$(POD_NAMESPACE).svc.cluster.local",
      humanNodename: "$(POD_NAME)",
      announceIp: "$(POD_IP)",
    });
    expect(directiveArgs(d)).toEqual([
      "--cluster-announce-hostname",
      "$(POD_NAME).r-headless.$(POD_NAMESPACE).svc.cluster.local",
      "--cluster-announce-human-nodename",
      "$(POD_NAME)",
      "--cluster-announce-ip",
      "$(POD_IP)",
    ]);
  });

  it("states the CONFIG GET values a node must report", () => {
    expect(
      expectedRuntimeConfig(
        settingsFor({
          save: [
            [900, 1],
            [60, 1000],
          ],
        }),
      ),
    ).toEqual({
      maxmemory: String(2 * 2 ** 30),
      "maxmemory-policy": "allkeys-lru",
      appendonly: "yes",
      appendfsync: "everysec",
      save: "900 1 60 1000",
      "cluster-node-timeout": "5000",
    });
    expect(expectedRuntimeConfig(settingsFor({ save: [] })).save).toBe("");
  });
});

describe("directive table", () => {
  it("knows what each series added: hostnames in 7.0, locale-collate in 7.2, slot stats in 8.2", () => {
    const v = (t: string) => parseRedisVersion(t)!;
    expect(directiveRefusal("cluster-announce-hostname", v("6.2.14"))).toMatch(/7\.0/);
    expect(directiveRefusal("cluster-announce-hostname", v("7.0.0"))).toBeUndefined();
    expect(directiveRefusal("locale-collate", v("7.0.15"))).toMatch(/7\.2/);
    expect(directiveRefusal("locale-collate", v("7.2.0"))).toBeUndefined();
    expect(directiveRefusal("cluster-slot-stats-enabled", v("8.0.2"))).toMatch(/8\.2/);
    expect(directiveRefusal("cluster-slot-stats-enabled", v("8.10.0"))).toBeUndefined();
    expect(directiveRefusal("no-such-thing", v("8.0.0"))).toMatch(/not a redis.conf directive/);
  });

  it("lists more directives for every newer series (nothing known was removed)", () => {
    const series = ["6.2.0", "7.0.0", "7.2.0", "7.4.0", "8.0.0", "8.2.0", "8.6.0"].map(
      (t) => directivesOf(parseRedisVersion(t)!).length,
    );
    for (let i = 1; i < series.length; i++) expect(series[i]).toBeGreaterThanOrEqual(series[i - 1]!);
    expect(Object.keys(DIRECTIVES).length).toBeGreaterThan(80);
  });

  it("lists the eviction policies per version", () => {
    expect(evictionPolicies(parseRedisVersion("7.4.5")!)).toHaveLength(8);
    expect(evictionPolicies(parseRedisVersion("8.6.0")!)).toContain("allkeys-lrm");
  });
});
