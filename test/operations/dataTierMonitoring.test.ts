/**
 * DataTierMonitoring under Pulumi mocks on both targets, and its alert rules: every expression
 * parses, reads only metrics the exporters really export, and passes `promtool check rules` when
 * promtool is installed (.ci/run installs Debian's prometheus package for it).
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as random from "@pulumi/random";
import Ajv from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { DataTierMonitoring } from "../../components/operations/dataTierMonitoring";
import {
  alertRules,
  DATA_TIER_MONITORING_FIELDS,
  EXPORTED_METRICS,
  resolveDataTierMonitoringSettings,
} from "../../components/operations/monitoringPlan";
import { checkPromql, isPromDuration } from "../../components/operations/promql";
import { validateKubernetesResources } from "../support/k8sSchema";
import {
  installMocks,
  isSecret,
  plaintextSecretLeaks,
  resolved,
  settle,
  unwrapSecrets,
} from "../support/mocks";
import { tempDir } from "../support/tempDir";

const harness = installMocks();
const ns = "kato";
const mongoMembers = [0, 1, 2].map((i) => `kato-mongo-${i}.kato-mongo-hl.kato.svc.cluster.local:27017`);
const redisNodes = [0, 1, 2, 3, 4, 5].map((i) => `kato-redis-${i}.kato-redis-hl.kato.svc.cluster.local:6379`);
const qdrantPeers = [0, 1, 2].map((i) => `kato-qdrant-${i}.kato-qdrant-hl.kato.svc.cluster.local:6333`);
let k8sMon: DataTierMonitoring;
let dockerMon: DataTierMonitoring;

beforeAll(async () => {
  const mongoPw = new random.RandomPassword("mongo-pw", { length: 24 });
  const redisPw = new random.RandomPassword("redis-pw", { length: 24 });
  const qdrantKey = new random.RandomPassword("qdrant-ro", { length: 24 });
  k8sMon = new DataTierMonitoring("kato-mon", {
    target: { kind: "kubernetes", namespace: ns },
    prometheusOperator: true,
    ruleLabels: { release: "kube-prometheus-stack" },
    prometheusNamespaceLabels: { "kubernetes.io/metadata.name": "monitoring" },
    mongodb: { endpoints: mongoMembers, username: "root", password: mongoPw.result },
    redis: { endpoints: redisNodes, password: redisPw.result },
    qdrant: {
      endpoints: qdrantPeers,
      apiKey: qdrantKey.result,
      podSelector: { "app.kubernetes.io/name": "qdrant", "app.kubernetes.io/instance": "kato-qdrant" },
    },
  });
  new DataTierMonitoring("kato-mon-plain", {
    target: { kind: "kubernetes", namespace: ns },
    redis: { endpoints: redisNodes, password: redisPw.result },
  });
  dockerMon = new DataTierMonitoring("kato-mon-docker", {
    target: { kind: "docker", networkName: "kato-net" },
    mongodb: {
      endpoints: ["kato-mongo-0:27017", "kato-mongo-1:27017", "kato-mongo-2:27017"],
      username: "root",
      password: mongoPw.result,
    },
    redis: { endpoints: ["kato-redis-0:6379", "kato-redis-1:6379"], password: redisPw.result },
    qdrant: { endpoints: ["kato-qdrant-0:6333"], apiKey: qdrantKey.result },
  });
  await settle(k8sMon.exporterEndpoints, dockerMon.exporterEndpoints, dockerMon.scrapeConfigYaml);
});

const crd = (kind: string) =>
  harness.resources
    .filter((r) => r.type === `kubernetes:monitoring.coreos.com/v1:${kind}`)
    .map((r) => unwrapSecrets(r.inputs));

describe("DataTierMonitoring on Kubernetes", () => {
  it("runs one exporter container per member, each on its own port, credentials from the Secret", () => {
    const mongo = unwrapSecrets(
      harness.one("kubernetes:apps/v1:Deployment", "kato-mon-mongodb-exporter").inputs,
    );
    const containers = mongo.spec.template.spec.containers;
    expect(containers).toHaveLength(3);
    expect(containers[1].image).toBe("percona/mongodb_exporter:0.47.0");
    expect(containers[1].args).toEqual([
      `--mongodb.uri=mongodb://${mongoMembers[1]}/admin?directConnection=true`,
      "--compatible-mode",
      "--collector.diagnosticdata",
      "--collector.replicasetstatus",
      "--web.listen-address=:9217",
    ]);
    expect(containers[1].env.map((e: any) => e.name)).toEqual(["MONGODB_USER", "MONGODB_PASSWORD"]);
    expect(containers[1].env[1].valueFrom.secretKeyRef).toEqual({
      name: "kato-mon-exporters",
      key: "mongodb-password",
    });
    const redis = unwrapSecrets(
      harness.one("kubernetes:apps/v1:Deployment", "kato-mon-redis-exporter").inputs,
    );
    expect(redis.spec.template.spec.containers.map((c: any) => c.ports[0].containerPort)).toEqual([
      9121, 9122, 9123, 9124, 9125, 9126,
    ]);
    expect(redis.spec.template.spec.containers[0].args[0]).toBe(`--redis.addr=redis://${redisNodes[0]}`);
    expect(redis.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it("scrapes Qdrant's own /metrics on every peer with the API key as a Bearer token, and lets Prometheus in", () => {
    const svc = unwrapSecrets(harness.one("kubernetes:core/v1:Service", "kato-mon-qdrant-metrics").inputs);
    expect(svc.spec.selector).toEqual({
      "app.kubernetes.io/name": "qdrant",
      "app.kubernetes.io/instance": "kato-qdrant",
    });
    expect(svc.spec.ports[0].port).toBe(6333);
    const qdrantMonitor = crd("ServiceMonitor").find((m) => m.metadata.name === "kato-mon-qdrant-metrics")!;
    expect(qdrantMonitor.spec.endpoints[0].authorization).toEqual({
      type: "Bearer",
      credentials: { name: "kato-mon-exporters", key: "qdrant-api-key" },
    });
    const policy = unwrapSecrets(harness.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs);
    expect(policy.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 6333 }]);
  });

  it("creates ServiceMonitors and a PrometheusRule only when the operator is present", () => {
    const monitors = crd("ServiceMonitor");
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual([
      "kato-mon-mongodb-exporter",
      "kato-mon-qdrant-metrics",
      "kato-mon-redis-exporter",
    ]);
    for (const m of monitors) expect(m.metadata.labels.release).toBe("kube-prometheus-stack");
    const redis = monitors.find((m) => m.metadata.name === "kato-mon-redis-exporter")!;
    expect(redis.spec.endpoints).toHaveLength(6);
    expect(redis.spec.endpoints[5].relabelings).toEqual([
      { action: "replace", targetLabel: "member", replacement: redisNodes[5] },
    ]);
    const rules = crd("PrometheusRule");
    expect(rules.map((r) => r.metadata.name)).toEqual(["kato-mon-alerts"]);
    // The plain stack made exporters but no operator objects.
    expect(harness.ofType("kubernetes:apps/v1:Deployment").map((d) => d.name)).toContain(
      "kato-mon-plain-redis-exporter",
    );
    expect(monitors.some((m) => m.metadata.name.startsWith("kato-mon-plain"))).toBe(false);
  });

  it("the operator objects use only fields of the monitoring.coreos.com/v1 CRDs, with valid types", () => {
    // Transcribed from the prometheus-operator CRDs (ServiceMonitor, PrometheusRule) for the fields used here.
    const duration = {
      type: "string",
      pattern: "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$",
    };
    const labels = { type: "object", additionalProperties: { type: "string" } };
    const secretKey = {
      type: "object",
      required: ["key"],
      additionalProperties: false,
      properties: { name: { type: "string" }, key: { type: "string" } },
    };
    const serviceMonitor = {
      type: "object",
      required: ["apiVersion", "kind", "metadata", "spec"],
      properties: {
        apiVersion: { const: "monitoring.coreos.com/v1" },
        kind: { const: "ServiceMonitor" },
        spec: {
          type: "object",
          required: ["selector", "endpoints"],
          additionalProperties: false,
          properties: {
            selector: { type: "object", additionalProperties: false, properties: { matchLabels: labels } },
            endpoints: {
              type: "array",
              items: {
                type: "object",
                additionalProperties: false,
                properties: {
                  port: { type: "string" },
                  path: { type: "string" },
                  interval: duration,
                  authorization: {
                    type: "object",
                    additionalProperties: false,
                    properties: { type: { type: "string" }, credentials: secretKey },
                  },
                  relabelings: {
                    type: "array",
                    items: {
                      type: "object",
                      additionalProperties: false,
                      properties: {
                        action: {
                          enum: ["replace", "Replace", "keep", "drop", "labelmap", "labeldrop", "labelkeep"],
                        },
                        targetLabel: { type: "string" },
                        replacement: { type: "string" },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    };
    const prometheusRule = {
      type: "object",
      properties: {
        kind: { const: "PrometheusRule" },
        spec: {
          type: "object",
          additionalProperties: false,
          properties: {
            groups: {
              type: "array",
              items: {
                type: "object",
                required: ["name", "rules"],
                additionalProperties: false,
                properties: {
                  name: { type: "string", minLength: 1 },
                  rules: {
                    type: "array",
                    items: {
                      type: "object",
                      required: ["expr"],
                      additionalProperties: false,
                      properties: {
                        alert: { type: "string" },
                        expr: { type: "string" },
                        for: duration,
                        labels,
                        annotations: labels,
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    };
    const ajv = new Ajv({ allErrors: true });
    const sm = ajv.compile(serviceMonitor);
    for (const m of crd("ServiceMonitor")) expect(sm(m) ? [] : sm.errors).toEqual([]);
    const pr = ajv.compile(prometheusRule);
    for (const r of crd("PrometheusRule")) expect(pr(r) ? [] : pr.errors).toEqual([]);
  });

  it("every built-in Kubernetes object is valid against the official schema", () => {
    const builtIn = harness.resources.filter((r) => !r.type.includes("monitoring.coreos.com"));
    const results = validateKubernetesResources(builtIn);
    expect(results.length).toBeGreaterThanOrEqual(9);
    expect(results.filter((r) => r.error)).toEqual([]);
  });
});

describe("DataTierMonitoring on Docker", () => {
  it("runs exporter containers on the data network with ports on 127.0.0.1 and secret env", async () => {
    const containers = harness.ofType("docker:index/container:Container");
    expect(containers.map((c) => c.name).sort()).toEqual([
      "kato-mon-docker-mongodb-exporter-0",
      "kato-mon-docker-mongodb-exporter-1",
      "kato-mon-docker-mongodb-exporter-2",
      "kato-mon-docker-redis-exporter-0",
      "kato-mon-docker-redis-exporter-1",
    ]);
    const m1 = harness.one("docker:index/container:Container", "kato-mon-docker-mongodb-exporter-1").inputs;
    expect(m1.ports).toEqual([{ internal: 9216, external: 9217, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(m1.networksAdvanced).toEqual([{ name: "kato-net" }]);
    expect(m1.command[0]).toBe("--mongodb.uri=mongodb://kato-mongo-1:27017/admin?directConnection=true");
    expect(await resolved(dockerMon.exporterEndpoints)).toEqual([
      "127.0.0.1:9216",
      "127.0.0.1:9217",
      "127.0.0.1:9218",
      "127.0.0.1:9121",
      "127.0.0.1:9122",
    ]);
    for (const image of harness.ofType("docker:index/remoteImage:RemoteImage"))
      expect(image.inputs.name).toMatch(/:v?\d/);
  });

  it("renders a scrape config whose job names match the alert rules", async () => {
    const config = parse((await resolved(dockerMon.scrapeConfigYaml))!);
    expect(config.scrape_configs.map((j: any) => j.job_name)).toEqual([
      "kato-mongodb",
      "kato-redis",
      "kato-qdrant",
    ]);
    expect(config.scrape_configs[2].authorization.credentials_file).toBeDefined();
    const rules = await resolved(dockerMon.alertRules);
    expect(rules.find((r) => r.alert === "KatoRedisNodeDown")!.expr).toContain('job="kato-redis"');
  });

  it("no generated credential appears in plaintext in any input or output", async () => {
    expect(plaintextSecretLeaks(harness)).toEqual([]);
    const m0 = harness.one("docker:index/container:Container", "kato-mon-docker-redis-exporter-0");
    expect(JSON.stringify(m0.inputs.envs)).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(await isSecret(dockerMon.alertRulesYaml)).toBe(false);
  });
});

describe("alert rules", () => {
  const settings = resolveDataTierMonitoringSettings({}).settings!;
  const clusterRules = alertRules(settings, { mongodb: "m", redis: "r", qdrant: "q", qdrantPeers: 3 });
  const replicationRules = alertRules(settings, { redis: "r", redisMode: "replication" });
  const rules = [...clusterRules, ...replicationRules];

  it("replication mode: no primary, failover, two primaries and replica lag instead of the cluster state", () => {
    expect(replicationRules.map((r) => r.alert)).toEqual([
      "KatoRedisNodeDown",
      "KatoRedisMemoryNearMax",
      "KatoRedisNoPrimary",
      "KatoRedisFailover",
      "KatoRedisTwoPrimaries",
      "KatoRedisReplicaLag",
      "KatoRedisReplicaLinkDown",
    ]);
  });

  it("cover member down, replication lag, memory near maxmemory and cluster state", () => {
    expect(clusterRules.map((r) => r.alert)).toEqual([
      "KatoMongoDBMemberDown",
      "KatoMongoDBReplicationLag",
      "KatoRedisNodeDown",
      "KatoRedisMemoryNearMax",
      "KatoRedisClusterStateNotOk",
      "KatoRedisReplicaLinkDown",
      "KatoQdrantPeerDown",
      "KatoQdrantConsensusPending",
      "KatoQdrantPeersMissing",
    ]);
  });

  it("every expression parses and reads only metrics its source really exports", () => {
    for (const rule of rules) {
      const result = checkPromql(rule.expr);
      expect(result, `${rule.alert}: ${rule.expr}`).toMatchObject({ ok: true });
      if (!result.ok) continue;
      const source = rule.alert.startsWith("KatoMongoDB")
        ? "mongodb"
        : rule.alert.startsWith("KatoRedis")
          ? "redis"
          : "qdrant";
      const allowed = [...EXPORTED_METRICS[source], ...EXPORTED_METRICS.prometheus];
      for (const metric of result.metrics) expect(allowed, `${rule.alert} reads ${metric}`).toContain(metric);
      expect(isPromDuration(rule.for)).toBe(true);
      expect(rule.labels.severity).toMatch(/^(critical|warning)$/);
    }
  });

  it("the checker rejects malformed expressions", () => {
    for (const bad of [
      "max by (set (x)",
      'up{job="a"',
      "up{job=a}",
      "rate(x[5])",
      "nosuchfunction(x)",
      "up ==",
      "up == == 0",
      'up{job=~"("}',
      "sum by (a) ()",
    ]) {
      expect(checkPromql(bad), bad).toMatchObject({ ok: false });
    }
  });

  const promtool = spawnSync("promtool", ["--version"], { stdio: "ignore" }).status === 0;
  it.skipIf(!promtool)("the rule file passes promtool check rules", async () => {
    const file = join(tempDir("rules"), "kato.rules.yaml");
    writeFileSync(file, await resolved(k8sMon.alertRulesYaml));
    const r = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: 9 rules found/);
  });

  it.skipIf(!promtool)("the replication-mode rules pass promtool check rules", () => {
    const file = join(tempDir("rules"), "kato.replication.rules.yaml");
    writeFileSync(file, stringify({ groups: [{ name: "kato-data-tier", rules: replicationRules }] }));
    const r = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: 7 rules found/);
  });
});

describe("monitoring settings", () => {
  it("defaults are documented and every problem is reported at once", () => {
    const s = resolveDataTierMonitoringSettings({}).settings!;
    // Groups (`resources`) are documented member by member (`resources.cpu`).
    const documented = new Set(DATA_TIER_MONITORING_FIELDS.map((f) => f.name.split(".")[0]));
    for (const key of Object.keys(s)) expect(documented).toContain(key);
    const { problems } = resolveDataTierMonitoringSettings(
      {
        scrapeInterval: "30 seconds",
        memoryUsedRatio: 2,
        redisExporterImage: "oliver006/redis_exporter",
        ruleLabels: { "bad key!": "x" },
        promethusOperator: true,
      },
      "monitoring",
    );
    expect(problems.map((p) => p.field).sort()).toEqual([
      "monitoring.memoryUsedRatio",
      "monitoring.promethusOperator",
      "monitoring.redisExporterImage",
      "monitoring.ruleLabels.bad key!",
      "monitoring.scrapeInterval",
    ]);
  });

  it("on Docker needs the target's network for the exporters, naming target.networkName", () => {
    expect(
      () =>
        new DataTierMonitoring("kato-mon-nonet", {
          target: { kind: "docker" },
          redis: { endpoints: ["kato-redis-0:6379"], password: "pw" },
        }),
    ).toThrow(
      /kato-mon-nonet\.target\.networkName = \(unset\): is required on Docker\. Fix: set target\.networkName/,
    );
  });

  it("Qdrant on Kubernetes needs the peers' pod selector", () => {
    expect(
      () =>
        new DataTierMonitoring("kato-mon-bad", {
          target: { kind: "kubernetes", namespace: ns },
          qdrant: { endpoints: qdrantPeers, apiKey: "k" },
        }),
    ).toThrow(/qdrant.podSelector/);
  });
});
