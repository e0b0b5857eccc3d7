/**
 * Documentation of every stack config key of the `kato-infra` namespace and of the fields of the
 * program's own objects (`docker`, `kubernetes`, `collections`). Pulumi.yaml's `config:` block and
 * the README's reference are checked against these lists by test/config/docs.test.ts.
 * Pure data.
 */

import { SCHEMA_PRESETS } from "../../components/dataplane/presets";
import { INDEX_KEY_DIRECTIONS, INDEX_OPTION_KEYS } from "../../components/mongodb/schemaSpec";
import type { FieldDoc } from "../../components/shared/fields";
import { type Problem, problem } from "../../components/shared/problems";
import { declareSettings, setting } from "../../components/shared/settingsDecl";
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_PUBLISH_ADDRESS } from "../../components/shared/target";
import { isObject } from "../../components/shared/values";
import { PROFILE_NAMES } from "../../stacks/profiles";

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

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DOCKER_NETWORK = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function labelsProblems(f: string, value: unknown): Problem[] {
  if (value === undefined) return [];
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== "string")) {
    return [
      problem(
        f,
        value,
        "must be a mapping of label names to string values.",
        `write ${f} like { kubernetes.io/metadata.name: kato }.`,
      ),
    ];
  }
  return [];
}

function optionalStringProblems(f: string, value: unknown): Problem[] {
  if (value === undefined || (typeof value === "string" && value.length > 0)) return [];
  return [
    problem(f, value, "must be a non-empty string.", `set ${f} to a value, or remove it for the default.`),
  ];
}

const optionalString = (rules: string, description: string) =>
  setting.value<string | undefined>({ type: "string", rules, description, check: optionalStringProblems });

const labels = (description: string, defaultText: string) =>
  setting.value<Record<string, string> | undefined>({
    type: "map of string",
    defaultText,
    rules: "label names to string values",
    description,
    check: labelsProblems,
  });

/**
 * The `docker` key's fields, each declared once (components/shared/settingsDecl.ts). Defaults that
 * depend on the stack's name are resolved by program/config/load.ts (`resolveDocker`), which also
 * checks what relates fields (a remote daemon against the publish address).
 */
export const DOCKER_SETTINGS = declareSettings({
  publishAddress: setting.pattern({
    default: DEFAULT_PUBLISH_ADDRESS,
    pattern: /^([0-9]{1,3}\.){3}[0-9]{1,3}$|^[0-9a-fA-F:]+$/,
    what: "an IP address",
    fix: (f) => `set ${f} to 127.0.0.1 (this machine only) or 0.0.0.0.`,
    description:
      "Host address the members' client ports are published on. The default keeps them unreachable from other machines; `0.0.0.0` publishes on every interface.",
  }),
  networkName: setting.value<string>({
    type: "string",
    defaultText: "kato-<stack>",
    rules: "a Docker network name (letters, digits, _ . -)",
    description:
      "User-defined Docker network every member joins and advertises itself on. Created by the stack unless `externalNetwork` is true.",
  }),
  externalNetwork: setting.boolean({
    default: false,
    description:
      "The network `networkName` already exists (e.g. the one KATO's own containers use); the stack joins it instead of creating it.",
  }),
  host: setting.value<string | undefined>({
    type: "string",
    defaultText: "(the local daemon)",
    rules: "unix://, tcp://, ssh:// or npipe:// address; a remote one needs a reachable publishAddress",
    description:
      "Docker daemon to deploy to, e.g. `ssh://deploy@db-host` or `tcp://10.0.0.5:2376`. Default: `DOCKER_HOST` or the local socket. A remote daemon needs `publishAddress` set to an address of that host reachable from where `pulumi up` runs (docs/configuration.md).",
    check: (f, host) =>
      host !== undefined && (typeof host !== "string" || !/^(unix|tcp|ssh|npipe):\/\/\S+$/.test(host))
        ? [
            problem(
              f,
              host,
              "is not a Docker host address.",
              `write ${f} like ssh://user@host or tcp://host:2376, or remove it for the local daemon.`,
            ),
          ]
        : [],
  }),
});

export const DOCKER_FIELDS: readonly FieldDoc[] = DOCKER_SETTINGS.fields();

/** Whether `name` is a Docker network name. */
export function isDockerNetworkName(name: unknown): boolean {
  return typeof name === "string" && DOCKER_NETWORK.test(name);
}

/** Whether `name` is a Kubernetes namespace name. */
export function isNamespaceName(name: unknown): boolean {
  return typeof name === "string" && name.length <= 63 && DNS_LABEL.test(name);
}

/**
 * The `kubernetes` key's fields, each declared once. Defaults that depend on the stack or its profile
 * (namespace, createNamespace, antiAffinity in prod) come from the profile and program/config/load.ts.
 */
export const KUBERNETES_SETTINGS = declareSettings({
  namespace: setting.value<string>({
    type: "string",
    defaultText: "kato-<stack>",
    rules: "a namespace name (lower-case letters, digits and -, at most 63)",
    description: "Namespace of every workload. pr stacks: `kato-pr-<N>`.",
  }),
  createNamespace: setting.boolean({
    default: false,
    defaultText: "true for pr and staging, false for prod",
    description:
      "Create the namespace with the stack. It is kept when the stack is destroyed (with its PVCs) unless allowDataLoss is true. When false the namespace must exist.",
  }),
  storageClass: optionalString(
    "a StorageClass name",
    "StorageClass of every volume, unless an engine's `storage.storageClass` names another; the cluster's default class when unset.",
  ),
  clusterDomain: setting.pattern({
    default: DEFAULT_CLUSTER_DOMAIN,
    pattern: /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    what: "a DNS domain",
    fix: (f) => `set ${f} to your cluster's domain (usually cluster.local).`,
    description:
      "Cluster DNS domain in the members' stable names (`<pod>.<service>.<namespace>.svc.<domain>`).",
  }),
  antiAffinity: setting.oneOf(["soft", "required"], {
    default: "soft",
    defaultText: "soft (prod: required)",
    description:
      "Spread the members of each engine over nodes: preferred (`soft`) or mandatory (`required`, needs as many nodes as members).",
  }),
  context: optionalString(
    "a kubeconfig context name",
    "Kubeconfig context to deploy to (the kubeconfig's current one when unset); the schema resources port-forward through the same context.",
  ),
  clientNamespaceLabels: labels(
    "Labels of the namespaces whose pods may reach the client ports (e.g. KATO's namespace).",
    "(only the stack's namespace)",
  ),
  clientPodLabels: labels(
    "Labels of the pods that may reach the client ports, within the allowed namespaces.",
    "(every pod)",
  ),
});

export const KUBERNETES_FIELDS: readonly FieldDoc[] = KUBERNETES_SETTINGS.fields();

/**
 * The program's own top-level keys (not objects), each declared once: type, default, what it accepts,
 * description and one-field check. program/config/load.ts parses each by its kind (`kindOf`),
 * checks it with its declaration and takes the profile's value where the default depends on the
 * profile (`target`, `allowDataLoss`, `protect`: `defaultText` says so); the reference rows come from
 * here (`configKeyDocs`).
 */
export const PROGRAM_SETTINGS = declareSettings({
  profile: setting.oneOf(PROFILE_NAMES, {
    defaultText: "from the stack name (`pr-<N>` is pr)",
    description:
      "Environment profile from `stacks/`: the target and the defaults of every other key. Stacks named dev, staging or prod get that profile, pr-<N> gets pr.",
  }),
  target: setting.oneOf(["docker", "kubernetes"], {
    default: "docker",
    defaultText: "docker (staging, prod, pr: kubernetes)",
    description: "Where the data tier runs.",
  }),
  singleNode: setting.boolean({
    default: false,
    description:
      "Small laptops: one MongoDB member, one Qdrant peer and the smallest Redis Cluster, with small memory. Explicit engine settings still win.",
  }),
  allowDataLoss: setting.boolean({
    default: false,
    defaultText: "false (pr: true)",
    description:
      "Allow what loses data: volumes deleted with the stack (retainOnDelete false), index rebuilds and collection recreation. Off by default: nothing destroys data.",
  }),
  protect: setting.boolean({
    default: false,
    defaultText: "false (prod: true)",
    description:
      "Mark the stateful resources (volumes, StatefulSets, containers, schema) `protect`ed so no `pulumi up` or `destroy` can delete them.",
  }),
  schemaPreset: setting.oneOf(SCHEMA_PRESETS, {
    default: "guide",
    description:
      "Schema of each tenant: `guide` (the database guide's layout) or `kato-v3` (what KATO 3.0.0's code creates).",
  }),
  nodeIds: setting.value<string[]>({
    type: "list of string",
    default: [],
    rules: "KATO node ids (each becomes a database and a collection name)",
    description: "Tenants (KATO node ids). Each gets one MongoDB database and one Qdrant collection.",
  }),
  serviceName: setting.pattern({
    default: "kato",
    pattern: /^[A-Za-z0-9_.-]{1,30}$/,
    what: "1 to 30 letters, digits, _ . or -",
    fix: (f) => `set ${f} to KATO's SERVICE_NAME (default kato).`,
    description:
      "KATO's SERVICE_NAME, part of every kato-v3 name. Never change it for a running deployment: every tenant's names change with it.",
  }),
  vectorSize: setting.integer({
    default: 768,
    min: 1,
    max: 65536,
    description: "Dimensions of the tenants' Qdrant vectors. Must match KATO's embedding model.",
  }),
  backupS3AccessKeyId: setting.value<string | undefined>({
    type: "string",
    rules: "an access key id",
    description:
      "Access key id of the bucket, needed when a backup's `destination` is `s3`; shared by the three engines.",
  }),
  backupS3SecretAccessKey: setting.value<string | undefined>({
    type: "string (secret)",
    rules: "a secret access key, set with --secret",
    description:
      "Secret access key of the bucket (`pulumi config set --secret`), needed when a backup's `destination` is `s3`.",
  }),
});

export type ProgramKey = (typeof PROGRAM_SETTINGS.keys)[number];

/**
 * How a top-level key's value is parsed from the stack config, from its declared type: Pulumi hands
 * every value over as a string (objects and lists as JSON).
 */
export function kindOf(s: { type: string }): ConfigValueKind {
  if (s.type === "boolean") return "boolean";
  if (s.type.startsWith("integer")) return "integer";
  if (s.type === "list of string") return "string[]";
  return "string";
}

/**
 * An entry of `collections`, each field declared once. The checks that need the merged schema (index
 * options, names against the preset's) are the planner's (components/dataplane/presets.ts).
 */
export const COLLECTION_SETTINGS = declareSettings({
  name: setting.value<string>({
    type: "string",
    defaultText: "(required)",
    rules: "a MongoDB collection name",
    description:
      "Collection name in every tenant database. A preset collection of that name gets the indexes added.",
    check: (f, v) =>
      typeof v === "string" && v.length > 0
        ? []
        : [problem(f, v, "must be a collection name.", `give ${f.replace(/\.name$/, "")} a name.`)],
  }),
  indexes: setting.value<unknown[]>({
    type: "list of index",
    default: [],
    rules: `\`keys\` (ordered map of field to ${INDEX_KEY_DIRECTIONS.join(", ")}) and index options`,
    // From the schema check's own declarations, so the reference lists what the check accepts.
    description: `Indexes: \`keys\` (ordered map of field to ${INDEX_KEY_DIRECTIONS.join(", ")}) and the options ${INDEX_OPTION_KEYS.filter(
      (k) => k !== "keys",
    )
      .map((k) => `\`${k}\``)
      .join(", ")}.`,
    check: (f, v) =>
      Array.isArray(v)
        ? []
        : [
            problem(
              f,
              v,
              "must be a list of indexes.",
              `write ${f} as a YAML list of { keys: {...}, ...options }.`,
            ),
          ],
  }),
});

export const COLLECTION_FIELDS: readonly FieldDoc[] = COLLECTION_SETTINGS.fields();

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

/** A top-level key's reference row, from its declaration (PROGRAM_SETTINGS). */
const PROGRAM_ROWS = PROGRAM_SETTINGS.fields();

function scalar(key: ProgramKey): ConfigKeyDoc {
  const row = PROGRAM_ROWS.find((f) => f.name === key)!;
  return { ...row, kind: kindOf(PROGRAM_SETTINGS.declarations[key]) };
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
  // What an object or list key accepts is its fields, each documented in the key's own table.
  const accepted = (doc: ConfigKeyDoc): ConfigKeyDoc =>
    doc.rules !== undefined
      ? doc
      : {
          ...doc,
          rules:
            doc.kind === "object"
              ? "a mapping of the fields in its table"
              : "a list of entries with the fields in its table",
        };
  const docs: ConfigKeyDoc[] = [
    scalar("profile"),
    scalar("target"),
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
    scalar("singleNode"),
    scalar("allowDataLoss"),
    scalar("protect"),
    scalar("schemaPreset"),
    scalar("nodeIds"),
    scalar("serviceName"),
    scalar("vectorSize"),
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
    scalar("backupS3AccessKeyId"),
    scalar("backupS3SecretAccessKey"),
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
  return docs.map(accepted);
}
