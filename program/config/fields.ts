/**
 * Documentation of every stack config key of the `kato-infra` namespace and of the fields of the
 * program's own objects (`docker`, `kubernetes`, `collections`). Pulumi.yaml's `config:` block and
 * the README's reference are checked against these lists by test/config/docs.test.ts.
 * Pure data.
 */

import { INDEX_KEY_DIRECTIONS, INDEX_OPTION_KEYS } from "../../components/mongodb/schemaSpec";
import type { FieldDoc } from "../../components/shared/fields";
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_PUBLISH_ADDRESS } from "../../components/shared/target";

/** The project name, which is also the config namespace (`kato-infra:<key>`). */
export const PROJECT = "kato-infra";

/**
 * The shape of a key's value. Pulumi.yaml can type `string`, `integer`, `boolean` and arrays of
 * those; objects and lists of objects cannot be typed there and are declared with a description only.
 */
export type ConfigValueKind = "string" | "integer" | "boolean" | "string[]" | "object" | "object[]";

export interface ConfigKeyDoc extends FieldDoc {
  /** The value's shape: how it is declared in Pulumi.yaml and parsed from the stack config. */
  kind: ConfigValueKind;
  /** For objects: the fields, documented in the README's reference table for the key. */
  fields?: readonly FieldDoc[];
  /** For objects of objects (`backups`): one reference table per inner object. */
  sections?: readonly ConfigSectionDoc[];
  /**
   * What the reference table's value columns follow: each profile's value (the default), or each
   * schema preset's, for keys whose defaults come with the preset (`profiling`).
   */
  defaultsBy?: "profile" | "preset";
}

/** An object inside an object key, e.g. `backups.mongodb`. */
export interface ConfigSectionDoc {
  name: string;
  description: string;
  fields: readonly FieldDoc[];
}

export const DOCKER_FIELDS: readonly FieldDoc[] = [
  {
    name: "publishAddress",
    type: "string",
    default: DEFAULT_PUBLISH_ADDRESS,
    description:
      "Host address the members' client ports are published on. The default keeps them unreachable from other machines; `0.0.0.0` publishes on every interface.",
  },
  {
    name: "networkName",
    type: "string",
    default: "kato-<stack>",
    description:
      "User-defined Docker network every member joins and advertises itself on. Created by the stack unless `externalNetwork` is true.",
  },
  {
    name: "externalNetwork",
    type: "boolean",
    default: false,
    description:
      "The network `networkName` already exists (e.g. the one KATO's own containers use); the stack joins it instead of creating it.",
  },
  {
    name: "host",
    type: "string",
    default: "(the local daemon)",
    description:
      "Docker daemon to deploy to, e.g. `ssh://deploy@db-host` or `tcp://10.0.0.5:2376`. Default: `DOCKER_HOST` or the local socket. A remote daemon needs `publishAddress` set to an address of that host reachable from where `pulumi up` runs (docs/configuration.md).",
  },
];

export const KUBERNETES_FIELDS: readonly FieldDoc[] = [
  {
    name: "namespace",
    type: "string",
    default: "kato-<stack>",
    description: "Namespace of every workload. pr stacks: `kato-pr-<N>`.",
  },
  {
    name: "createNamespace",
    type: "boolean",
    default: "true for pr and staging, false for prod",
    description:
      "Create the namespace with the stack. It is kept when the stack is destroyed (with its PVCs) unless allowDataLoss is true. When false the namespace must exist.",
  },
  {
    name: "storageClass",
    type: "string",
    default: "(the cluster's default class)",
    description: "StorageClass of every volume, unless an engine's `storage.storageClass` names another.",
  },
  {
    name: "clusterDomain",
    type: "string",
    default: DEFAULT_CLUSTER_DOMAIN,
    description:
      "Cluster DNS domain in the members' stable names (`<pod>.<service>.<namespace>.svc.<domain>`).",
  },
  {
    name: "antiAffinity",
    type: '"soft" | "required"',
    default: "soft (prod: required)",
    description:
      "Spread the members of each engine over nodes: preferred (`soft`) or mandatory (`required`, needs as many nodes as members).",
  },
  {
    name: "context",
    type: "string",
    default: "(the kubeconfig's current context)",
    description:
      "Kubeconfig context to deploy to; the schema resources port-forward through the same context.",
  },
  {
    name: "clientNamespaceLabels",
    type: "map of string",
    default: "(only the stack's namespace)",
    description: "Labels of the namespaces whose pods may reach the client ports (e.g. KATO's namespace).",
  },
  {
    name: "clientPodLabels",
    type: "map of string",
    default: "(every pod)",
    description: "Labels of the pods that may reach the client ports, within the allowed namespaces.",
  },
];

export const COLLECTION_FIELDS: readonly FieldDoc[] = [
  {
    name: "name",
    type: "string",
    default: "(required)",
    description:
      "Collection name in every tenant database. A preset collection of that name gets the indexes added.",
  },
  {
    name: "indexes",
    type: "list of index",
    default: [],
    // From the schema check's own declarations, so the reference lists what the check accepts.
    description: `Indexes: \`keys\` (ordered map of field to ${INDEX_KEY_DIRECTIONS.join(", ")}) and the options ${INDEX_OPTION_KEYS.filter(
      (k) => k !== "keys",
    )
      .map((k) => `\`${k}\``)
      .join(", ")}.`,
  },
];

/** The operations fields as the program sets them: some defaults depend on the stack. */
function programDefaults(fields: readonly FieldDoc[], engine: string): FieldDoc[] {
  return fields.map((f) =>
    f.name === "s3.prefix"
      ? {
          ...f,
          default: `kato/<stack>/${engine}`,
          description: `${f.description} The stack's name keeps stacks sharing a bucket apart.`,
        }
      : f,
  );
}

/** Every key of the namespace, in the order the README and Pulumi.yaml list them. */
export function configKeyDocs(
  engines: {
    mongodb: readonly FieldDoc[];
    qdrant: readonly FieldDoc[];
    redis: readonly FieldDoc[];
  },
  operations: {
    mongoBackup: readonly FieldDoc[];
    qdrantSnapshots: readonly FieldDoc[];
    redisBackup: readonly FieldDoc[];
    monitoring: readonly FieldDoc[];
  },
  mongoOperations: { profiling: readonly FieldDoc[]; migrations: readonly FieldDoc[] },
): ConfigKeyDoc[] {
  return [
    {
      name: "profile",
      type: '"dev" | "staging" | "prod" | "pr"',
      default: "from the stack name (`pr-<N>` is pr)",
      kind: "string",
      description:
        "Environment profile from `stacks/`: the target and the defaults of every other key. Stacks named dev, staging or prod get that profile, pr-<N> gets pr.",
    },
    {
      name: "target",
      type: '"docker" | "kubernetes"',
      default: "docker (staging, prod, pr: kubernetes)",
      kind: "string",
      description: "Where the data tier runs.",
    },
    {
      name: "docker",
      type: "object",
      default: {},
      kind: "object",
      fields: DOCKER_FIELDS,
      description: "Docker target settings (used when target is docker).",
    },
    {
      name: "kubernetes",
      type: "object",
      default: {},
      kind: "object",
      fields: KUBERNETES_FIELDS,
      description: "Kubernetes target settings (used when target is kubernetes).",
    },
    {
      name: "mongodb",
      type: "object",
      default: {},
      kind: "object",
      fields: engines.mongodb,
      description: "MongoDB replica set settings, over the profile's. See docs/mongodb.md.",
    },
    {
      name: "qdrant",
      type: "object",
      default: {},
      kind: "object",
      fields: engines.qdrant,
      description: "Qdrant cluster settings, over the profile's. See docs/qdrant.md.",
    },
    {
      name: "redis",
      type: "object",
      default: {},
      kind: "object",
      fields: engines.redis,
      description: "Redis Cluster settings, over the profile's. See docs/redis.md.",
    },
    {
      name: "singleNode",
      type: "boolean",
      default: false,
      kind: "boolean",
      description:
        "Small laptops: one MongoDB member, one Qdrant peer and the smallest Redis Cluster, with small memory. Explicit engine settings still win.",
    },
    {
      name: "allowDataLoss",
      type: "boolean",
      default: "false (pr: true)",
      kind: "boolean",
      description:
        "Allow what loses data: volumes deleted with the stack (retainOnDelete false), index rebuilds and collection recreation. Off by default: nothing destroys data.",
    },
    {
      name: "protect",
      type: "boolean",
      default: "false (prod: true)",
      kind: "boolean",
      description:
        "Mark the stateful resources (volumes, StatefulSets, containers, schema) `protect`ed so no `pulumi up` or `destroy` can delete them.",
    },
    {
      name: "schemaPreset",
      type: '"guide" | "kato-v3"',
      default: "guide",
      kind: "string",
      description:
        "Schema of each tenant: `guide` (the database guide's layout) or `kato-v3` (what KATO 3.0.0's code creates).",
    },
    {
      name: "nodeIds",
      type: "list of string",
      default: [],
      kind: "string[]",
      description: "Tenants (KATO node ids). Each gets one MongoDB database and one Qdrant collection.",
    },
    {
      name: "serviceName",
      type: "string",
      default: "kato",
      kind: "string",
      description:
        "KATO's SERVICE_NAME, part of every kato-v3 name. Never change it for a running deployment: every tenant's names change with it.",
    },
    {
      name: "vectorSize",
      type: "integer",
      default: 768,
      kind: "integer",
      description:
        "Dimensions of the tenants' Qdrant vectors (1 to 65536). Must match KATO's embedding model.",
    },
    {
      name: "collections",
      type: "list of collection",
      default: [],
      kind: "object[]",
      fields: COLLECTION_FIELDS,
      description:
        "Extra MongoDB collections and indexes for every tenant database, merged with the preset's.",
    },
    {
      name: "backups",
      type: "object",
      default: "on in staging and prod (daily 02:00, 7 days), off in dev and pr",
      kind: "object",
      sections: [
        {
          name: "mongodb",
          description:
            "MongoBackup: `mongodump --oplog --gzip --archive` of the replica set as root. See docs/operations.md.",
          fields: programDefaults(operations.mongoBackup, "mongodb"),
        },
        {
          name: "qdrant",
          description:
            "QdrantSnapshots: a snapshot of every collection on every peer, copied off the peers. Needs `qdrant.apiKey`. See docs/operations.md.",
          fields: programDefaults(operations.qdrantSnapshots, "qdrant"),
        },
        {
          name: "redis",
          description:
            "RedisBackup: a copy of every node's RDB (the nodes keep their own AOF and RDB). See docs/operations.md.",
          fields: programDefaults(operations.redisBackup, "redis"),
        },
      ],
      description:
        "Scheduled backups of each engine with retention, and their restores. `enabled: false` deploys nothing for that engine. Kubernetes: CronJobs; Docker: host scripts and crontab lines as stack outputs.",
    },
    {
      name: "backupS3AccessKeyId",
      type: "string",
      default: undefined,
      kind: "string",
      description:
        "Access key id of the bucket, needed when a backup's `destination` is `s3`; shared by the three engines.",
    },
    {
      name: "backupS3SecretAccessKey",
      type: "string (secret)",
      default: undefined,
      kind: "string",
      description:
        "Secret access key of the bucket (`pulumi config set --secret`), needed when a backup's `destination` is `s3`.",
    },
    {
      name: "monitoring",
      type: "object",
      default: "on in staging and prod (prod: with the Prometheus operator), off in dev and pr",
      kind: "object",
      fields: operations.monitoring,
      description:
        "Exporters (mongodb_exporter, redis_exporter), Qdrant's /metrics and alert rules; with `prometheusOperator`, ServiceMonitors and a PrometheusRule. `enabled: false` deploys nothing. See docs/operations.md.",
    },
    {
      name: "profiling",
      type: "object",
      default: "guide preset: level 1, slowms 100 on every tenant database; kato-v3: off",
      kind: "object",
      fields: mongoOperations.profiling,
      defaultsBy: "preset",
      description:
        "Profiling of every tenant database, applied on every MongoDB member (MongoProfiling); `pulumi refresh` shows a member that lost it, `pulumi up` sets it again. `enabled: false` declares nothing. Defaults follow the schema preset, in every profile.",
    },
    {
      name: "migrations",
      type: "list of migration",
      default: "[] (none: a data migration is an explicit decision)",
      kind: "object[]",
      fields: mongoOperations.migrations,
      description:
        "Catalogue migrations to run once each, in this order, across the tenant databases (MongoMigration), recorded in kato_infra.migrations. Entries: an id, or { id, databasePattern }.",
    },
  ];
}
