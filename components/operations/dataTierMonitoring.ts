/**
 * `DataTierMonitoring` (`kato:ops:DataTierMonitoring`): exporters for MongoDB and Redis, Qdrant's own
 * `/metrics`, and, when the Prometheus operator is present, ServiceMonitors and a PrometheusRule.
 *
 * - Kubernetes: one Deployment per engine with one exporter container per member (each on its own
 *   port) and a Service; Qdrant is scraped directly through a metrics Service selecting its pods,
 *   with the API key as a Bearer token from a Secret. ServiceMonitors add a `member` label.
 * - Docker: one exporter container per member on the data network, ports published on the target's
 *   address (127.0.0.1 by default); the component renders a Prometheus scrape config and rule file.
 */
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { containerLabels, dockerChildOptions, pinnedImage, publishedPort } from "../shared/docker";
import { containerSecurityContext, k8sChildOptions, podSecurityContext } from "../shared/k8s";
import { assertNoProblems, type Problem, problem } from "../shared/problems";
import type { KubernetesTarget, Target } from "../shared/target";
import { componentNameProblems, opsLabels, settingsOf } from "./common";
import { credentialsSecret, secretEnv } from "./k8sJobs";
import {
  type AlertJobs,
  type AlertRule,
  alertRules,
  type DataTierMonitoringSettings,
  dockerScrapeConfig,
  MONGODB_EXPORTER_PORT,
  mongodbExporterArgs,
  QDRANT_METRICS_PORT,
  REDIS_EXPORTER_PORT,
  type ResolvedDataTierMonitoringSettings,
  redisExporterArgs,
  resolveDataTierMonitoringSettings,
} from "./monitoringPlan";

export interface DataTierMonitoringArgs extends DataTierMonitoringSettings {
  target: Target;
  /** Replica-set members (`host:port`) and a user with `clusterMonitor` and read on `local` (root works). */
  mongodb?: { endpoints: string[]; username: pulumi.Input<string>; password: pulumi.Input<string> };
  /** Every Redis node (`host:port`) and the password. */
  redis?: { endpoints: string[]; password: pulumi.Input<string>; mode?: "cluster" | "replication" };
  /**
   * Qdrant peers (`host:6333`), the API key when the peers have one (the read-only key is enough;
   * without one, `/metrics` is open like every other endpoint and is scraped without a header) and,
   * on Kubernetes, the peers' pod labels.
   */
  qdrant?: { endpoints: string[]; apiKey?: pulumi.Input<string>; podSelector?: Record<string, string> };
  /** Kubernetes: extra labels on the exporter pods (e.g. what the engines' NetworkPolicies admit). */
  podLabels?: Record<string, string>;
}

const ARG_KEYS = ["target", "mongodb", "redis", "qdrant", "podLabels"];

interface ExporterSpec {
  engine: "mongodb" | "redis";
  image: string;
  port: number;
  endpoints: string[];
  args: (endpoint: string, port: number) => string[];
  /** env name -> Secret key. */
  secretEnv: Record<string, string>;
}

export class DataTierMonitoring extends pulumi.ComponentResource {
  declare readonly settings: ResolvedDataTierMonitoringSettings;
  /** The alert rules (also in the PrometheusRule when the operator is present). */
  declare readonly alertRules: pulumi.Output<AlertRule[]>;
  /** The same rules as a Prometheus rule file. */
  declare readonly alertRulesYaml: pulumi.Output<string>;
  /** Docker: scrape jobs for a Prometheus on the data network. */
  declare readonly scrapeConfigYaml: pulumi.Output<string | undefined>;
  /** Where each exporter answers (Docker: host address; Kubernetes: in-cluster Service address). */
  declare readonly exporterEndpoints: pulumi.Output<string[]>;

  constructor(name: string, args: DataTierMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kato:ops:DataTierMonitoring", name, {}, opts);
    const resolved = resolveDataTierMonitoringSettings(settingsOf(args, ARG_KEYS), name);
    const problems: Problem[] = [...componentNameProblems("DataTierMonitoring", name), ...resolved.problems];
    const network = args.target.kind === "docker" ? args.target.networkName : undefined;
    if (args.target.kind === "docker" && network === undefined && (args.mongodb || args.redis)) {
      problems.push(
        problem(
          `${name}.target.networkName`,
          undefined,
          "is required on Docker.",
          "set target.networkName to the data network's name.",
        ),
      );
    }
    if (args.target.kind === "kubernetes" && args.qdrant && !args.qdrant.podSelector) {
      problems.push(
        problem(
          `${name}.qdrant.podSelector`,
          undefined,
          "is required on Kubernetes to scrape each Qdrant peer.",
          "pass the Qdrant pods' selector labels.",
        ),
      );
    }
    assertNoProblems(problems, `DataTierMonitoring ${name}`);
    const s = resolved.settings!;
    this.settings = s;

    const exporters: ExporterSpec[] = [];
    if (args.mongodb) {
      exporters.push({
        engine: "mongodb",
        image: s.mongodbExporterImage,
        port: MONGODB_EXPORTER_PORT,
        endpoints: args.mongodb.endpoints,
        args: mongodbExporterArgs,
        secretEnv: { MONGODB_USER: "mongodb-user", MONGODB_PASSWORD: "mongodb-password" },
      });
    }
    if (args.redis) {
      exporters.push({
        engine: "redis",
        image: s.redisExporterImage,
        port: REDIS_EXPORTER_PORT,
        endpoints: args.redis.endpoints,
        args: redisExporterArgs,
        secretEnv: { REDIS_PASSWORD: "redis-password" },
      });
    }

    let jobs: AlertJobs = {};
    let endpoints: pulumi.Input<string[]> = [];
    let scrapeConfigYaml: pulumi.Input<string | undefined>;
    if (s.enabled && args.target.kind === "kubernetes") {
      ({ jobs, endpoints } = this.kubernetes(name, args, args.target, s, exporters));
    } else if (s.enabled) {
      const out = this.docker(name, args, s, exporters, network);
      jobs = out.jobs;
      endpoints = out.endpoints;
      scrapeConfigYaml = out.scrapeConfigYaml;
    }

    if (args.redis?.mode && jobs.redis) jobs = { ...jobs, redisMode: args.redis.mode };
    const rules = alertRules(s, jobs);
    this.alertRules = pulumi.output(rules);
    this.alertRulesYaml = pulumi.output(stringify({ groups: [{ name: "kato-data-tier", rules }] }));
    this.scrapeConfigYaml = pulumi.output(scrapeConfigYaml);
    this.exporterEndpoints = pulumi.output(endpoints);
    this.registerOutputs({
      alertRules: this.alertRules,
      alertRulesYaml: this.alertRulesYaml,
      scrapeConfigYaml: this.scrapeConfigYaml,
      exporterEndpoints: this.exporterEndpoints,
    });
  }

  private kubernetes(
    name: string,
    args: DataTierMonitoringArgs,
    target: KubernetesTarget,
    s: ResolvedDataTierMonitoringSettings,
    exporters: ExporterSpec[],
  ): { jobs: AlertJobs; endpoints: pulumi.Input<string[]> } {
    const ns = target.namespace;
    const secretName = `${name}-exporters`;
    const { labels } = opsLabels("kato-monitoring", name);
    credentialsSecret(
      secretName,
      ns,
      labels,
      {
        ...(args.mongodb
          ? { "mongodb-user": args.mongodb.username, "mongodb-password": args.mongodb.password }
          : {}),
        ...(args.redis ? { "redis-password": args.redis.password } : {}),
        ...(args.qdrant?.apiKey ? { "qdrant-api-key": args.qdrant.apiKey } : {}),
      },
      this,
      target,
    );
    const jobs: AlertJobs = {};
    const endpoints: pulumi.Output<string>[] = [];
    const monitors: {
      service: string;
      selector: Record<string, string>;
      endpoints: Record<string, unknown>[];
    }[] = [];

    for (const ex of exporters) {
      const component = `${name}-${ex.engine}-exporter`;
      const selector = {
        "app.kubernetes.io/name": `kato-${ex.engine}-exporter`,
        "app.kubernetes.io/instance": name,
      };
      const podLabels = { ...labels, ...selector, ...(args.podLabels ?? {}) };
      const ports = ex.endpoints.map((_, i) => ({ name: `metrics-${i}`, port: ex.port + i }));
      new k8s.apps.v1.Deployment(
        component,
        {
          metadata: { name: component, namespace: ns, labels: { ...labels, ...selector } },
          spec: {
            replicas: 1,
            selector: { matchLabels: selector },
            template: {
              metadata: { labels: podLabels },
              spec: {
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: podSecurityContext(65534),
                containers: ex.endpoints.map((endpoint, i) => ({
                  name: `member-${i}`,
                  image: ex.image,
                  imagePullPolicy: "IfNotPresent",
                  args: ex.args(endpoint, ports[i]!.port),
                  env: secretEnv(secretName, ex.secretEnv),
                  ports: [{ name: ports[i]!.name, containerPort: ports[i]!.port, protocol: "TCP" }],
                  readinessProbe: { tcpSocket: { port: ports[i]!.port }, periodSeconds: 10 },
                  resources: {
                    requests: { cpu: s.resources.cpu, memory: s.resources.memory },
                    limits: { memory: s.resources.memory },
                  },
                  securityContext: { ...containerSecurityContext(), readOnlyRootFilesystem: true },
                })),
              },
            },
          },
        },
        k8sChildOptions(this, target),
      );
      const serviceLabels = { ...labels, ...selector, "kato.dev/metrics": ex.engine };
      new k8s.core.v1.Service(
        component,
        {
          metadata: { name: component, namespace: ns, labels: serviceLabels },
          spec: {
            type: "ClusterIP",
            selector,
            ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: "TCP" })),
          },
        },
        k8sChildOptions(this, target),
      );
      jobs[ex.engine] = component;
      for (const p of ports) endpoints.push(pulumi.interpolate`${component}.${ns}.svc:${p.port}`);
      monitors.push({
        service: component,
        selector: { "kato.dev/metrics": ex.engine, "app.kubernetes.io/instance": name },
        endpoints: ex.endpoints.map((endpoint, i) => ({
          port: ports[i]!.name,
          path: "/metrics",
          interval: s.scrapeInterval,
          relabelings: [{ action: "replace", targetLabel: "member", replacement: endpoint }],
        })),
      });
    }

    if (args.qdrant?.podSelector) {
      const component = `${name}-qdrant-metrics`;
      const serviceLabels = { ...labels, "kato.dev/metrics": "qdrant" };
      new k8s.core.v1.Service(
        component,
        {
          metadata: { name: component, namespace: ns, labels: serviceLabels },
          spec: {
            type: "ClusterIP",
            clusterIP: "None",
            selector: args.qdrant.podSelector,
            ports: [
              { name: "http", port: QDRANT_METRICS_PORT, targetPort: QDRANT_METRICS_PORT, protocol: "TCP" },
            ],
          },
        },
        k8sChildOptions(this, target),
      );
      jobs.qdrant = component;
      jobs.qdrantPeers = args.qdrant.endpoints.length;
      for (const e of args.qdrant.endpoints) endpoints.push(pulumi.output(`${e}/metrics`));
      monitors.push({
        service: component,
        selector: { "kato.dev/metrics": "qdrant", "app.kubernetes.io/instance": name },
        endpoints: [
          {
            port: "http",
            path: "/metrics",
            interval: s.scrapeInterval,
            ...(args.qdrant.apiKey
              ? {
                  authorization: { type: "Bearer", credentials: { name: secretName, key: "qdrant-api-key" } },
                }
              : {}),
          },
        ],
      });
      if (s.prometheusNamespaceLabels) {
        // NetworkPolicies add up: this one only opens 6333 of the Qdrant pods to Prometheus' namespace.
        new k8s.networking.v1.NetworkPolicy(
          component,
          {
            metadata: { name: component, namespace: ns, labels },
            spec: {
              podSelector: { matchLabels: args.qdrant.podSelector },
              policyTypes: ["Ingress"],
              ingress: [
                {
                  from: [{ namespaceSelector: { matchLabels: s.prometheusNamespaceLabels } }],
                  ports: [{ protocol: "TCP", port: QDRANT_METRICS_PORT }],
                },
              ],
            },
          },
          k8sChildOptions(this, target),
        );
      }
    }

    if (s.prometheusOperator) {
      for (const m of monitors) {
        new k8s.apiextensions.CustomResource(
          m.service,
          {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: { name: m.service, namespace: ns, labels: { ...labels, ...s.ruleLabels } },
            spec: { selector: { matchLabels: m.selector }, endpoints: m.endpoints },
          },
          k8sChildOptions(this, target),
        );
      }
      new k8s.apiextensions.CustomResource(
        `${name}-alerts`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: { name: `${name}-alerts`, namespace: ns, labels: { ...labels, ...s.ruleLabels } },
          spec: {
            groups: [
              {
                name: "kato-data-tier",
                rules: alertRules(
                  s,
                  args.redis?.mode && jobs.redis ? { ...jobs, redisMode: args.redis.mode } : jobs,
                ),
              },
            ],
          },
        },
        k8sChildOptions(this, target),
      );
    }
    return { jobs, endpoints: pulumi.all(endpoints) };
  }

  private docker(
    name: string,
    args: DataTierMonitoringArgs,
    s: ResolvedDataTierMonitoringSettings,
    exporters: ExporterSpec[],
    network: pulumi.Input<string> | undefined,
  ): { jobs: AlertJobs; endpoints: pulumi.Input<string[]>; scrapeConfigYaml: string } {
    const target = args.target as Extract<Target, { kind: "docker" }>;
    const host =
      target.publishAddress === undefined || target.publishAddress === "0.0.0.0"
        ? "127.0.0.1"
        : target.publishAddress;
    const jobs: AlertJobs = {};
    const endpoints: string[] = [];
    const targets: Record<string, string[]> = {};
    for (const ex of exporters) {
      const image = pinnedImage(`${name}-${ex.engine}-exporter-image`, ex.image, this, target);
      const base = ex.engine === "mongodb" ? s.mongodbExporterHostPort : s.redisExporterHostPort;
      const env =
        ex.engine === "mongodb"
          ? pulumi
              .all([args.mongodb!.username, args.mongodb!.password])
              .apply(([u, p]) => [`MONGODB_USER=${u}`, `MONGODB_PASSWORD=${p}`])
          : pulumi.output(args.redis!.password).apply((p) => [`REDIS_PASSWORD=${p}`]);
      targets[ex.engine] = [];
      ex.endpoints.forEach((endpoint, i) => {
        const containerName = `${name}-${ex.engine}-exporter-${i}`;
        new docker.Container(
          containerName,
          {
            name: containerName,
            image: image.imageId,
            command: ex.args(endpoint, ex.port),
            envs: pulumi.secret(env),
            networksAdvanced: [{ name: network! }],
            ports: [publishedPort(target, ex.port, base + i)],
            restart: "unless-stopped",
            labels: containerLabels({
              "kato.dev/component": name,
              "kato.dev/metrics": ex.engine,
              "kato.dev/member": endpoint,
            }),
          },
          dockerChildOptions(this, target),
        );
        endpoints.push(`${host}:${base + i}`);
        targets[ex.engine]!.push(`${containerName}:${ex.port}`);
      });
    }
    if (args.mongodb) jobs.mongodb = "kato-mongodb";
    if (args.redis) jobs.redis = "kato-redis";
    if (args.qdrant) {
      jobs.qdrant = "kato-qdrant";
      jobs.qdrantPeers = args.qdrant.endpoints.length;
    }
    const scrape = dockerScrapeConfig({
      interval: s.scrapeInterval,
      ...(targets.mongodb ? { mongodbTargets: targets.mongodb } : {}),
      ...(targets.redis ? { redisTargets: targets.redis } : {}),
      ...(args.qdrant
        ? { qdrantTargets: args.qdrant.endpoints, ...(args.qdrant.apiKey ? {} : { qdrantKeyFile: null }) }
        : {}),
    });
    return { jobs, endpoints, scrapeConfigYaml: stringify({ scrape_configs: scrape }) };
  }
}
