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
import { asSettingsObject, type Problem, problem } from "../shared/problems";
import { toolResourcesSetting } from "../shared/resources";
import { declareSettings, type SettingsInput, type SettingsResolved, setting } from "../shared/settingsDecl";
import { imageProblems } from "./backupSettings";
import { isPromDuration } from "./promql";

export const MONGODB_EXPORTER_PORT = 9216;
export const REDIS_EXPORTER_PORT = 9121;
export const QDRANT_METRICS_PORT = 6333;

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

const labels = (description: string, dflt?: Record<string, string>) =>
  setting.value<Record<string, string>>({
    type: "map<string,string>",
    ...(dflt ? { default: dflt } : {}),
    rules: "Kubernetes label names and values",
    description,
    check: labelProblems,
  });

const duration = (dflt: string, description: string) =>
  setting.value<string>({
    type: "duration",
    default: dflt,
    rules: "a Prometheus duration (30s, 5m)",
    description,
    check: (f, v) =>
      isPromDuration(v) ? [] : [problem(f, v, "is not a Prometheus duration.", `write e.g. "30s" or "5m".`)],
  });

const image = (dflt: string, description: string) =>
  setting.value<string>({
    type: "string",
    default: dflt,
    rules: "pinned by a version tag or a digest",
    description,
    check: imageProblems,
  });

/** DataTierMonitoring's settings, each declared once (components/shared/settingsDecl.ts). */
export const DATA_TIER_MONITORING_SETTINGS = declareSettings({
  enabled: setting.boolean({
    default: true,
    description: "Run the exporters (and the operator objects when present).",
  }),
  prometheusOperator: setting.boolean({
    default: false,
    description:
      "The Prometheus operator is installed: create ServiceMonitors and a PrometheusRule (Kubernetes).",
  }),
  ruleLabels: labels(
    "Labels on the ServiceMonitors and PrometheusRule so your Prometheus selects them (e.g. release: kube-prometheus-stack).",
    {},
  ),
  prometheusNamespaceLabels: setting.value<Record<string, string> | undefined>({
    type: "map<string,string>",
    rules: "Kubernetes label names and values",
    description: "Labels of Prometheus' namespace; a NetworkPolicy then lets it scrape Qdrant's /metrics.",
    check: labelProblems,
  }),
  scrapeInterval: duration("30s", "Scrape interval of the ServiceMonitors."),
  mongodbExporterImage: image(
    "percona/mongodb_exporter:0.47.0",
    `percona/mongodb_exporter image (one per member, port ${MONGODB_EXPORTER_PORT}).`,
  ),
  redisExporterImage: image(
    "oliver006/redis_exporter:v1.67.0",
    `oliver006/redis_exporter image (one per node, port ${REDIS_EXPORTER_PORT}).`,
  ),
  mongodbExporterHostPort: setting.integer({
    default: MONGODB_EXPORTER_PORT,
    min: 1024,
    max: 65000,
    description: "Docker: host port of member 0's exporter; member i uses this + i.",
  }),
  redisExporterHostPort: setting.integer({
    default: REDIS_EXPORTER_PORT,
    min: 1024,
    max: 65000,
    description: "Docker: host port of node 0's exporter; node i uses this + i.",
  }),
  replicationLagSeconds: setting.integer({
    default: 30,
    min: 1,
    max: 86400,
    unit: "s",
    description: "Alert when a MongoDB secondary lags the primary by more than this.",
  }),
  memoryUsedRatio: setting.number({
    default: 0.9,
    min: 0.1,
    max: 1,
    description: "Alert when a Redis node uses more than this share of its maxmemory.",
  }),
  alertFor: duration("5m", "How long a condition holds before alerting."),
  resources: toolResourcesSetting({ cpu: "10m", memory: "64Mi", of: "exporter container" }),
});

export type DataTierMonitoringSettings = SettingsInput<typeof DATA_TIER_MONITORING_SETTINGS.declarations>;
export type ResolvedDataTierMonitoringSettings = SettingsResolved<
  typeof DATA_TIER_MONITORING_SETTINGS.declarations
>;

export const DATA_TIER_MONITORING_FIELDS: readonly FieldDoc[] = DATA_TIER_MONITORING_SETTINGS.fields();

export function resolveDataTierMonitoringSettings(
  raw: unknown,
  field = "monitoring",
  base: Partial<DataTierMonitoringSettings> = {},
): { settings?: ResolvedDataTierMonitoringSettings; problems: Problem[] } {
  const obj = asSettingsObject(field, raw);
  const declared = DATA_TIER_MONITORING_SETTINGS;
  const s = declared.layer(obj.value, base as Record<string, unknown>);
  const problems: Problem[] = [
    ...obj.problems,
    ...declared.unknownKeys(field, obj.value),
    ...declared.checkEach(field, s),
  ];
  if (problems.length > 0) return { problems };
  return { settings: s as ResolvedDataTierMonitoringSettings, problems };
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
