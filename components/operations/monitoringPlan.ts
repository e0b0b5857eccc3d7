/**
 * Monitoring of the data tier: which exporters run with which flags, the metrics they export (the
 * ones the alerts read), the alert rules, and the scrape configuration for a Prometheus without the
 * operator. Pure: settings in, plain data out.
 *
 * - MongoDB: percona/mongodb_exporter, one per member (it connects directly to one mongod), with
 *   `--compatible-mode` so replication lag is exported as
 *   `mongodb_mongod_replset_member_replication_lag{set,name,state}` and `--collector.diagnosticdata`.
 * - Redis: oliver006/redis_exporter, one per node; `redis_up`, memory, `redis_cluster_state` (from
 *   CLUSTER INFO: 1 when `ok`), `redis_master_link_up` on replicas.
 * - Qdrant: its own `/metrics` on 6333 (the API key as a Bearer token), scraped per peer.
 */
import type { FieldDoc } from "../shared/fields";
import { asSettingsObject, check, checkKnownKeys, type Problem, problem } from "../shared/problems";
import { parseCpuMillis, parseK8sBytes } from "../shared/quantity";
import { imageProblems } from "./backupSettings";
import { isPromDuration } from "./promql";

export interface DataTierMonitoringSettings {
  /** Run exporters (and, with the operator, ServiceMonitors and alerts). Default true. */
  enabled?: boolean;
  /** The Prometheus operator's CRDs are installed: create ServiceMonitors and a PrometheusRule. Default false. */
  prometheusOperator?: boolean;
  /** Labels on ServiceMonitors and PrometheusRule so a Prometheus selects them (e.g. `release: kube-prometheus-stack`). */
  ruleLabels?: Record<string, string>;
  /** Labels of the namespace Prometheus runs in; when set, a NetworkPolicy lets it reach Qdrant's 6333. */
  prometheusNamespaceLabels?: Record<string, string>;
  /** How often Prometheus scrapes. Default `30s`. */
  scrapeInterval?: string;
  mongodbExporterImage?: string;
  redisExporterImage?: string;
  /** Docker: first host port of the MongoDB exporters (member i on base + i, bound to the target's address). Default 9216. */
  mongodbExporterHostPort?: number;
  /** Docker: first host port of the Redis exporters. Default 9121. */
  redisExporterHostPort?: number;
  /** Alert when a secondary lags the primary by more than this many seconds. Default 30. */
  replicationLagSeconds?: number;
  /** Alert when Redis uses more than this share of maxmemory. Default 0.9. */
  memoryUsedRatio?: number;
  /** How long a condition must hold before an alert fires. Default `5m`. */
  alertFor?: string;
  /** CPU and memory of each exporter container (Kubernetes). Default `10m` / `64Mi`. */
  resources?: { cpu?: string; memory?: string };
}

export interface ResolvedDataTierMonitoringSettings {
  enabled: boolean;
  prometheusOperator: boolean;
  ruleLabels: Record<string, string>;
  prometheusNamespaceLabels?: Record<string, string>;
  scrapeInterval: string;
  mongodbExporterImage: string;
  redisExporterImage: string;
  mongodbExporterHostPort: number;
  redisExporterHostPort: number;
  replicationLagSeconds: number;
  memoryUsedRatio: number;
  alertFor: string;
  resources: { cpu: string; memory: string };
}

export const MONGODB_EXPORTER_PORT = 9216;
export const REDIS_EXPORTER_PORT = 9121;
export const QDRANT_METRICS_PORT = 6333;

const DEFAULTS: ResolvedDataTierMonitoringSettings = {
  enabled: true,
  prometheusOperator: false,
  ruleLabels: {},
  scrapeInterval: "30s",
  mongodbExporterImage: "percona/mongodb_exporter:0.47.0",
  redisExporterImage: "oliver006/redis_exporter:v1.67.0",
  mongodbExporterHostPort: MONGODB_EXPORTER_PORT,
  redisExporterHostPort: REDIS_EXPORTER_PORT,
  replicationLagSeconds: 30,
  memoryUsedRatio: 0.9,
  alertFor: "5m",
  resources: { cpu: "10m", memory: "64Mi" },
};

const KEYS = Object.keys(DEFAULTS).concat("prometheusNamespaceLabels");

export const DATA_TIER_MONITORING_FIELDS: readonly FieldDoc[] = [
  {
    name: "enabled",
    type: "boolean",
    default: true,
    description: "Run the exporters (and the operator objects when present).",
  },
  {
    name: "prometheusOperator",
    type: "boolean",
    default: false,
    description:
      "The Prometheus operator is installed: create ServiceMonitors and a PrometheusRule (Kubernetes).",
  },
  {
    name: "ruleLabels",
    type: "map<string,string>",
    default: {},
    description: "Labels on the ServiceMonitors and PrometheusRule so your Prometheus selects them.",
  },
  {
    name: "prometheusNamespaceLabels",
    type: "map<string,string>",
    default: undefined,
    description: "Labels of Prometheus' namespace; a NetworkPolicy then lets it scrape Qdrant's /metrics.",
  },
  {
    name: "scrapeInterval",
    type: "duration",
    default: "30s",
    description: "Scrape interval of the ServiceMonitors.",
  },
  {
    name: "mongodbExporterImage",
    type: "string",
    default: DEFAULTS.mongodbExporterImage,
    description: "Pinned percona/mongodb_exporter image (one per member, port 9216).",
  },
  {
    name: "redisExporterImage",
    type: "string",
    default: DEFAULTS.redisExporterImage,
    description: "Pinned oliver006/redis_exporter image (one per node, port 9121).",
  },
  {
    name: "mongodbExporterHostPort",
    type: "integer",
    default: MONGODB_EXPORTER_PORT,
    description: "Docker: host port of member 0's exporter; member i uses this + i.",
  },
  {
    name: "redisExporterHostPort",
    type: "integer",
    default: REDIS_EXPORTER_PORT,
    description: "Docker: host port of node 0's exporter; node i uses this + i.",
  },
  {
    name: "replicationLagSeconds",
    type: "integer",
    default: 30,
    description: "Alert when a MongoDB secondary lags the primary by more than this.",
  },
  {
    name: "memoryUsedRatio",
    type: "number",
    default: 0.9,
    description: "Alert when a Redis node uses more than this share of its maxmemory.",
  },
  {
    name: "alertFor",
    type: "duration",
    default: "5m",
    description: "How long a condition holds before alerting.",
  },
  {
    name: "resources",
    type: "{ cpu, memory }",
    default: DEFAULTS.resources,
    description: "Requests (and memory limit) of each exporter container on Kubernetes.",
  },
];

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function labelProblems(field: string, value: unknown): Problem[] {
  if (value === undefined) return [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [
      problem(field, value, "must be a map of label names to values.", `write ${field} as a YAML mapping.`),
    ];
  }
  return Object.entries(value as Record<string, unknown>)
    .filter(([k, v]) => !LABEL_KEY.test(k) || typeof v !== "string" || !LABEL_VALUE.test(v))
    .map(([k, v]) =>
      problem(
        `${field}.${k}`,
        v,
        "is not a valid Kubernetes label.",
        "use label names and values of letters, digits, '-', '_', '.'.",
      ),
    );
}

export function resolveDataTierMonitoringSettings(
  raw: unknown,
  field = "monitoring",
  base: Partial<DataTierMonitoringSettings> = {},
): { settings?: ResolvedDataTierMonitoringSettings; problems: Problem[] } {
  const obj = asSettingsObject(field, raw);
  const problems: Problem[] = [...obj.problems, ...checkKnownKeys(field, raw, KEYS)];
  const user = obj.value;
  const b = base as Record<string, unknown>;
  const pick = <T>(key: string, fallback: T): T => (user[key] ?? b[key] ?? fallback) as T;
  const f = (name: string) => `${field}.${name}`;
  const s = {
    enabled: pick("enabled", DEFAULTS.enabled),
    prometheusOperator: pick("prometheusOperator", DEFAULTS.prometheusOperator),
    ruleLabels: pick("ruleLabels", DEFAULTS.ruleLabels),
    prometheusNamespaceLabels: pick<Record<string, string> | undefined>(
      "prometheusNamespaceLabels",
      undefined,
    ),
    scrapeInterval: pick("scrapeInterval", DEFAULTS.scrapeInterval),
    mongodbExporterImage: pick("mongodbExporterImage", DEFAULTS.mongodbExporterImage),
    redisExporterImage: pick("redisExporterImage", DEFAULTS.redisExporterImage),
    mongodbExporterHostPort: pick("mongodbExporterHostPort", DEFAULTS.mongodbExporterHostPort),
    redisExporterHostPort: pick("redisExporterHostPort", DEFAULTS.redisExporterHostPort),
    replicationLagSeconds: pick("replicationLagSeconds", DEFAULTS.replicationLagSeconds),
    memoryUsedRatio: pick("memoryUsedRatio", DEFAULTS.memoryUsedRatio),
    alertFor: pick("alertFor", DEFAULTS.alertFor),
    resources: { ...DEFAULTS.resources, ...(b.resources as object), ...(user.resources as object) },
  };
  problems.push(...check.boolean(f("enabled"), s.enabled));
  problems.push(...check.boolean(f("prometheusOperator"), s.prometheusOperator));
  problems.push(...labelProblems(f("ruleLabels"), s.ruleLabels));
  problems.push(...labelProblems(f("prometheusNamespaceLabels"), s.prometheusNamespaceLabels));
  for (const key of ["scrapeInterval", "alertFor"] as const) {
    if (!isPromDuration(s[key])) {
      problems.push(problem(f(key), s[key], "is not a Prometheus duration.", `write e.g. "30s" or "5m".`));
    }
  }
  problems.push(...imageProblems(f("mongodbExporterImage"), s.mongodbExporterImage));
  problems.push(...imageProblems(f("redisExporterImage"), s.redisExporterImage));
  problems.push(...check.integer(f("mongodbExporterHostPort"), s.mongodbExporterHostPort, 1024, 65000));
  problems.push(...check.integer(f("redisExporterHostPort"), s.redisExporterHostPort, 1024, 65000));
  problems.push(...check.integer(f("replicationLagSeconds"), s.replicationLagSeconds, 1, 86400));
  problems.push(...check.number(f("memoryUsedRatio"), s.memoryUsedRatio, 0.1, 1));
  problems.push(...checkKnownKeys(f("resources"), user.resources, ["cpu", "memory"]));
  if (typeof s.resources.cpu !== "string" || parseCpuMillis(s.resources.cpu) === undefined) {
    problems.push(
      problem(f("resources.cpu"), s.resources.cpu, "is not a CPU quantity.", `write e.g. "10m".`),
    );
  }
  if (typeof s.resources.memory !== "string" || parseK8sBytes(s.resources.memory) === undefined) {
    problems.push(
      problem(f("resources.memory"), s.resources.memory, "is not a memory quantity.", `write e.g. "64Mi".`),
    );
  }
  if (problems.length > 0) return { problems };
  const { prometheusNamespaceLabels, ...rest } = s;
  return {
    settings: {
      ...(rest as ResolvedDataTierMonitoringSettings),
      ...(prometheusNamespaceLabels ? { prometheusNamespaceLabels } : {}),
    },
    problems,
  };
}

/**
 * Metrics the alert rules may read, by source, as the exporters really export them:
 * - percona/mongodb_exporter: `mongodb_up` (general collector, always on);
 *   `mongodb_mongod_replset_member_replication_lag` (compatible mode, from replSetGetStatus).
 * - oliver006/redis_exporter: `redis_up`; `redis_memory_used_bytes` (used_memory) and
 *   `redis_memory_max_bytes` (maxmemory); `redis_cluster_state` (CLUSTER INFO cluster_state, 1 = ok);
 *   `redis_master_link_up` (replicas only).
 * - Qdrant /metrics: `cluster_peers_total`, `cluster_pending_operations_total` (distributed mode).
 * - Prometheus itself: `up` for every scrape target.
 */
export const EXPORTED_METRICS: Record<"mongodb" | "redis" | "qdrant" | "prometheus", readonly string[]> = {
  mongodb: ["mongodb_up", "mongodb_mongod_replset_member_replication_lag"],
  redis: [
    "redis_up",
    "redis_memory_used_bytes",
    "redis_memory_max_bytes",
    "redis_cluster_state",
    "redis_master_link_up",
    // replication mode (oliver006/redis_exporter exporter/redis.go metric descriptions): INFO's role as
    // a label of redis_instance_info, connected_slaves, and each replica's lag as its primary reports it.
    "redis_instance_info",
    "redis_connected_slaves",
    "redis_connected_slave_lag_seconds",
  ],
  qdrant: ["cluster_peers_total", "cluster_pending_operations_total", "cluster_enabled"],
  prometheus: ["up"],
};

/** Flags of each exporter; credentials come from env (MONGODB_USER/MONGODB_PASSWORD, REDIS_PASSWORD). */
export function mongodbExporterArgs(member: string, port: number): string[] {
  return [
    `--mongodb.uri=mongodb://${member}/admin?directConnection=true`,
    "--compatible-mode",
    "--collector.diagnosticdata",
    "--collector.replicasetstatus",
    `--web.listen-address=:${port}`,
  ];
}

export function redisExporterArgs(node: string, port: number): string[] {
  return [`--redis.addr=redis://${node}`, `--web.listen-address=:${port}`];
}

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: "critical" | "warning" };
  annotations: { summary: string; description: string };
}

export interface AlertJobs {
  /** Prometheus `job` label of each source's scrape targets; unset sources get no rules. */
  mongodb?: string;
  redis?: string;
  /** Redis's mode: replication gets the primary/failover/lag rules instead of the cluster state one. */
  redisMode?: "cluster" | "replication";
  qdrant?: string;
  /** Number of Qdrant peers the cluster should have. */
  qdrantPeers?: number;
}

/** The alert rules: member down, replication lag, memory near maxmemory, cluster state not ok. */
export function alertRules(settings: ResolvedDataTierMonitoringSettings, jobs: AlertJobs): AlertRule[] {
  const rules: AlertRule[] = [];
  const sel = (job: string) => `{job="${job}"}`;
  const rule = (
    alert: string,
    expr: string,
    severity: "critical" | "warning",
    summary: string,
    description: string,
    forDuration = settings.alertFor,
  ) =>
    rules.push({
      alert,
      expr,
      for: forDuration,
      labels: { severity },
      annotations: { summary, description },
    });
  if (jobs.mongodb) {
    const j = sel(jobs.mongodb);
    rule(
      "KatoMongoDBMemberDown",
      `mongodb_up${j} == 0 or up${j} == 0`,
      "critical",
      "A MongoDB replica-set member is down",
      "The exporter of {{ $labels.instance }} cannot reach its mongod, or cannot be scraped.",
      "2m",
    );
    rule(
      "KatoMongoDBReplicationLag",
      `max by (set, name) (mongodb_mongod_replset_member_replication_lag${j}) > ${settings.replicationLagSeconds}`,
      "warning",
      "A MongoDB secondary lags the primary",
      `{{ $labels.name }} in {{ $labels.set }} is {{ $value }}s behind the primary (threshold ${settings.replicationLagSeconds}s).`,
    );
  }
  if (jobs.redis) {
    const j = sel(jobs.redis);
    rule(
      "KatoRedisNodeDown",
      `redis_up${j} == 0 or up${j} == 0`,
      "critical",
      "A Redis node is down",
      "The exporter of {{ $labels.instance }} cannot reach its Redis node, or cannot be scraped.",
      "2m",
    );
    rule(
      "KatoRedisMemoryNearMax",
      `redis_memory_used_bytes${j} / (redis_memory_max_bytes${j} > 0) > ${settings.memoryUsedRatio}`,
      "warning",
      "A Redis node is close to maxmemory",
      `{{ $labels.instance }} uses {{ $value | humanizePercentage }} of maxmemory; past it keys are evicted or writes refused.`,
    );
    if (jobs.redisMode === "replication") {
      const master = `{job="${jobs.redis}",role="master"}`;
      rule(
        "KatoRedisNoPrimary",
        `(count(redis_connected_slaves${j} > 0 and on (instance) redis_instance_info${master}) or vector(0)) < 1`,
        "critical",
        "Redis has no primary the endpoint can route to",
        "No node is a primary with a replica connected: REDIS_URL refuses clients until Sentinel promotes one.",
        "1m",
      );
      rule(
        "KatoRedisFailover",
        `count(redis_instance_info${master} unless redis_instance_info${master} offset 10m) > 0`,
        "warning",
        "Redis failed over to a new primary",
        "{{ $value }} node(s) became primary in the last 10 minutes: Sentinel failed the primary over. Writes acknowledged just before may be lost (replication is asynchronous).",
        "0m",
      );
      rule(
        "KatoRedisTwoPrimaries",
        `count(redis_instance_info${master}) > 1`,
        "critical",
        "Two Redis nodes say they are primary",
        "A former primary came back and Sentinel has not turned it into a replica yet, or the nodes are split: the endpoint routes only to a primary with replicas.",
        "2m",
      );
      rule(
        "KatoRedisReplicaLag",
        `max by (instance, slave_ip, slave_port) (redis_connected_slave_lag_seconds${j}) > ${settings.replicationLagSeconds}`,
        "warning",
        "A Redis replica lags the primary",
        `{{ $labels.slave_ip }}:{{ $labels.slave_port }} last acknowledged {{ $value }}s ago (threshold ${settings.replicationLagSeconds}s); past min-replicas-max-lag it no longer counts for writes.`,
      );
    } else {
      rule(
        "KatoRedisClusterStateNotOk",
        `redis_cluster_state${j} == 0`,
        "critical",
        "Redis Cluster state is not ok",
        "{{ $labels.instance }} reports cluster_state:fail: some slots are not served.",
        "2m",
      );
    }
    rule(
      "KatoRedisReplicaLinkDown",
      `redis_master_link_up${j} == 0`,
      "warning",
      "A Redis replica lost its master",
      "{{ $labels.instance }} has no link to its master {{ $labels.master_host }}.",
    );
  }
  if (jobs.qdrant) {
    const j = sel(jobs.qdrant);
    rule(
      "KatoQdrantPeerDown",
      `up${j} == 0`,
      "critical",
      "A Qdrant peer is down",
      "{{ $labels.instance }} cannot be scraped.",
      "2m",
    );
    rule(
      "KatoQdrantConsensusPending",
      `cluster_pending_operations_total${j} > 0`,
      "warning",
      "Qdrant consensus operations are not being applied",
      "{{ $labels.instance }} has had pending cluster operations for a long time: the cluster state is not settling.",
      "15m",
    );
    if (jobs.qdrantPeers) {
      rule(
        "KatoQdrantPeersMissing",
        `cluster_peers_total${j} < ${jobs.qdrantPeers}`,
        "warning",
        "The Qdrant cluster has fewer peers than deployed",
        `{{ $labels.instance }} knows {{ $value }} peers; ${jobs.qdrantPeers} are deployed.`,
      );
    }
  }
  return rules;
}

/** Prometheus scrape jobs for a Prometheus on the Docker network (no operator). */
export function dockerScrapeConfig(opts: {
  interval: string;
  mongodbTargets?: string[];
  redisTargets?: string[];
  qdrantTargets?: string[];
  /**
   * File on the Prometheus host holding the Qdrant API key; `null` when Qdrant runs without a key
   * (then the job sends no Authorization header). Default /etc/prometheus/kato-qdrant-api-key.
   */
  qdrantKeyFile?: string | null;
}): Record<string, unknown>[] {
  const jobs: Record<string, unknown>[] = [];
  if (opts.mongodbTargets?.length) {
    jobs.push({
      job_name: "kato-mongodb",
      scrape_interval: opts.interval,
      static_configs: [{ targets: opts.mongodbTargets }],
    });
  }
  if (opts.redisTargets?.length) {
    jobs.push({
      job_name: "kato-redis",
      scrape_interval: opts.interval,
      static_configs: [{ targets: opts.redisTargets }],
    });
  }
  if (opts.qdrantTargets?.length) {
    jobs.push({
      job_name: "kato-qdrant",
      scrape_interval: opts.interval,
      metrics_path: "/metrics",
      ...(opts.qdrantKeyFile === null
        ? {}
        : {
            authorization: {
              type: "Bearer",
              credentials_file: opts.qdrantKeyFile ?? "/etc/prometheus/kato-qdrant-api-key",
            },
          }),
      static_configs: [{ targets: opts.qdrantTargets }],
    });
  }
  return jobs;
}
