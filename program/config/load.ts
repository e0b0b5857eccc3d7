/**
 * Stack config: every key of the `kato-infra` namespace read at once, parsed, type-checked and
 * merged over the stack's profile, with every problem reported together (field, value, fix) before
 * any resource is declared. Pure: the program passes in what `pulumi.runtime` holds (see ./read.ts).
 */

import type { DataPlaneDockerTarget } from "../../components/dataplane";
import {
  MIGRATION_FIELDS,
  type ResolvedDataPlaneMigration,
  resolveDataPlaneMigrations,
} from "../../components/dataplane/migrations";
import { planeNameFor } from "../../components/dataplane/names";
import { operationsDefaults } from "../../components/dataplane/operationsDefaults";
import {
  type CustomCollection,
  PRESET_MONGO_BASE,
  PRESET_REDIS_BASE,
  planSchema,
  SCHEMA_PRESETS,
  type SchemaPlan,
  type SchemaPreset,
} from "../../components/dataplane/presets";
import {
  PRESET_PROFILING,
  PROFILING_FIELDS,
  type ResolvedDataPlaneProfiling,
  resolveDataPlaneProfiling,
} from "../../components/dataplane/profiling";
import type { IndexSpec } from "../../components/mongodb/schemaSpec";
import {
  MONGO_FIELDS,
  type ResolvedMongoSettings,
  resolveMongoSettings,
} from "../../components/mongodb/settings";
import { MONGO_BACKUP_FIELDS } from "../../components/operations/mongoBackupPlan";
import { DATA_TIER_MONITORING_FIELDS } from "../../components/operations/monitoringPlan";
import { QDRANT_SNAPSHOTS_FIELDS } from "../../components/operations/qdrantSnapshotsPlan";
import { REDIS_BACKUP_FIELDS } from "../../components/operations/redisBackupPlan";
import {
  QDRANT_FIELDS,
  type ResolvedQdrantSettings,
  resolveQdrantSettings,
} from "../../components/qdrant/settings";
import {
  REDIS_FIELDS,
  type ResolvedRedisSettings,
  resolveRedisSettings,
} from "../../components/redis/settings";
import { check, checkKnownKeys, closest, type Problem, problem } from "../../components/shared/problems";
import { isObject } from "../../components/shared/values";
import {
  DOCKER_HOST_PORTS,
  PROFILE_NAMES,
  PROFILES,
  type Profile,
  type ProfileName,
  SINGLE_NODE,
} from "../../stacks/profiles";
import {
  COLLECTION_SETTINGS,
  type ConfigKeyDoc,
  configKeyDocs,
  DOCKER_SETTINGS,
  isDockerNetworkName,
  isNamespaceName,
  KUBERNETES_SETTINGS,
  PROGRAM_SETTINGS,
  PROJECT,
  type ProgramKey,
} from "./fields";
import { type OperationsConfig, resolveOperations } from "./operations";

export const CONFIG_KEYS: readonly ConfigKeyDoc[] = configKeyDocs(
  { mongodb: MONGO_FIELDS, qdrant: QDRANT_FIELDS, redis: REDIS_FIELDS },
  {
    mongoBackup: MONGO_BACKUP_FIELDS,
    qdrantSnapshots: QDRANT_SNAPSHOTS_FIELDS,
    redisBackup: REDIS_BACKUP_FIELDS,
    monitoring: DATA_TIER_MONITORING_FIELDS,
  },
  { profiling: PROFILING_FIELDS, migrations: MIGRATION_FIELDS },
);

/**
 * The `docker` key resolved: the data plane's Docker target (components/shared/target.ts
 * `DockerTarget`, the one shape every component takes) as plain data, with the daemon's address
 * instead of a provider (the program makes the provider: program/program.ts `targetOf`).
 */
export type DockerConfig = Required<
  Pick<DataPlaneDockerTarget, "publishAddress" | "networkName" | "externalNetwork">
> & {
  /** Docker daemon to deploy to (`ssh://...`, `tcp://...`); unset: the local one. */
  host?: string;
};

export interface KubernetesConfig {
  namespace: string;
  createNamespace: boolean;
  storageClass?: string;
  clusterDomain: string;
  antiAffinity: "soft" | "required";
  context?: string;
  clientNamespaceLabels?: Record<string, string>;
  clientPodLabels?: Record<string, string>;
}

/** The validated stack config the program builds from. */
export interface StackConfig extends OperationsConfig {
  stack: string;
  profile: ProfileName;
  target: "docker" | "kubernetes";
  docker: DockerConfig;
  kubernetes: KubernetesConfig;
  mongodb: ResolvedMongoSettings;
  qdrant: ResolvedQdrantSettings;
  redis: ResolvedRedisSettings;
  singleNode: boolean;
  allowDataLoss: boolean;
  protect: boolean;
  schemaPreset: SchemaPreset;
  nodeIds: string[];
  serviceName: string;
  vectorSize: number;
  collections: CustomCollection[];
  /** The tenants' schema, planned once here so its problems are reported with the rest. */
  schema: SchemaPlan;
  /** Profiling of the tenant databases (MongoProfiling); `enabled` false: none. */
  profiling: ResolvedDataPlaneProfiling;
  /** Catalogue migrations to run, in order (MongoMigration each). */
  migrations: ResolvedDataPlaneMigration[];
}

export interface ConfigInput {
  /** `pulumi.runtime.allConfig()`: every key of every namespace, values as strings (objects as JSON). */
  config: Record<string, string>;
  /** Stack name (`pulumi.getStack()`). */
  stack: string;
  /** Keys whose values are secrets: their values never appear in messages. */
  secretKeys?: readonly string[];
  /** Text of `Pulumi.<stack>.yaml`, when readable, and the environment: for the secrets provider check. */
  stackFile?: string;
  env?: Record<string, string | undefined>;
}

const field = (key: string): string => `${PROJECT}:${key}`;

/** A top-level key's own check, from its declaration (PROGRAM_SETTINGS), named `kato-infra:<key>`. */
function checkKey(key: ProgramKey, value: unknown): Problem[] {
  return PROGRAM_SETTINGS.declarations[key].check?.(field(key), value) ?? [];
}

/**
 * How to set one field or item of a list or object key from the command line: with `--path`
 * (without it, `pulumi config set` stores the whole text as a string).
 */
function pathFix(doc: ConfigKeyDoc, f: string, raw: string): string {
  if (doc.kind === "object") {
    const first = (doc.fields ?? doc.sections ?? [])[0]?.name ?? "<field>";
    return `set one field at a time with \`pulumi config set --path '${f}.${first}' <value>\``;
  }
  const item = raw.length > 0 && raw.length < 60 ? shellWord(raw) : "<value>";
  return `run \`pulumi config rm ${f}\`, then \`pulumi config set --path '${f}[0]' ${item}\` (one per item)`;
}

/** A value as one shell word. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_.,:/@+-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/**
 * A key set without `--path` (`pulumi config set kato-infra:redis.maxmemory 1gb`) is stored as one
 * key named `redis.maxmemory`: returns the known key it was meant for and the path inside it.
 */
function withoutPath(key: string, known: readonly string[]): { key: string; path: string } | undefined {
  const m = /^([A-Za-z0-9]+)([.[].*)$/.exec(key);
  if (!m || !known.includes(m[1]!)) return undefined;
  return { key: m[1]!, path: m[2]! };
}

/** Parses a raw config string according to the key's kind; returns a problem when it does not parse. */
function parseValue(
  doc: ConfigKeyDoc,
  raw: string,
  shown: unknown,
): { value?: unknown; problems: Problem[] } {
  const f = field(doc.name);
  switch (doc.kind) {
    case "string":
      return { value: raw, problems: [] };
    case "boolean":
      if (raw === "true" || raw === "false") return { value: raw === "true", problems: [] };
      return { problems: check.boolean(f, shown) };
    case "integer":
      if (/^-?[0-9]+$/.test(raw.trim())) return { value: Number(raw), problems: [] };
      return {
        problems: [
          problem(
            f,
            shown,
            "must be a whole number.",
            `set ${f} to a number, e.g. pulumi config set ${f} 768.`,
          ),
        ],
      };
    default: {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        const what = doc.kind === "object" ? "a YAML mapping" : "a YAML list";
        return {
          problems: [
            problem(
              f,
              shown,
              `must be ${what}.`,
              `${pathFix(doc, f, raw)} or write ${f} in Pulumi.<stack>.yaml as ${what}.`,
            ),
          ],
        };
      }
      if (doc.kind === "object" && !isObject(value)) {
        return {
          problems: [
            problem(
              f,
              shown,
              "must be a mapping of fields.",
              `${pathFix(doc, f, raw)} or write ${f} as a YAML mapping, e.g. ${f}: { ... }.`,
            ),
          ],
        };
      }
      if (doc.kind !== "object" && !Array.isArray(value)) {
        return {
          problems: [
            problem(f, shown, "must be a list.", `${pathFix(doc, f, raw)} or write ${f} as a YAML list.`),
          ],
        };
      }
      if (doc.kind === "string[]") {
        const bad = (value as unknown[]).findIndex((v) => typeof v !== "string");
        if (bad >= 0) {
          return {
            problems: [
              problem(
                `${f}[${bad}]`,
                (value as unknown[])[bad],
                "must be a string.",
                `quote the value: "${String((value as unknown[])[bad])}".`,
              ),
            ],
          };
        }
      }
      return { value, problems: [] };
    }
  }
}

/** Base and override merged one level deep: nested objects (storage, resources) are merged, not replaced. */
export function mergeSettings(...layers: ReadonlyArray<object | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      out[key] = isObject(out[key]) && isObject(value) ? { ...(out[key] as object), ...value } : value;
    }
  }
  return out;
}

/** The profile of a stack: `kato-infra:profile` if set, else the stack's name (pr-<N> -> pr). */
export function profileOfStack(stack: string): ProfileName | undefined {
  if (/^pr-[A-Za-z0-9-]+$/.test(stack)) return "pr";
  return (PROFILE_NAMES as readonly string[]).includes(stack) ? (stack as ProfileName) : undefined;
}

const SELF_MANAGED_BACKEND = /^(file|s3|gs|azblob|postgres(ql)?):/i;

/**
 * A stack whose config holds encrypted values but names no secrets provider, on a self-managed
 * backend (which, unlike Pulumi Cloud, keeps no key for the stack), cannot decrypt them, and the
 * generated credentials it would write could not be read back. Detectable only in that case.
 */
export function secretsProviderProblems(
  stack: string,
  stackFile: string | undefined,
  env: Record<string, string | undefined>,
): Problem[] {
  if (stackFile === undefined) return [];
  const hasSecure = /\bsecure:\s*[A-Za-z0-9+/=]{8,}/.test(stackFile);
  const hasProvider = /^(encryptionsalt|secretsprovider|encryptedkey):/m.test(stackFile);
  const backend = env.PULUMI_BACKEND_URL ?? "";
  if (hasSecure && !hasProvider && SELF_MANAGED_BACKEND.test(backend)) {
    return [
      problem(
        `Pulumi.${stack}.yaml`,
        "<secrets provider unset>",
        `holds encrypted config values but names no secrets provider, and the backend ${backend.split(":")[0]}: keeps none for the stack.`,
        `run \`pulumi stack change-secrets-provider passphrase\` (with PULUMI_CONFIG_PASSPHRASE set) or re-create the secret values with \`pulumi config set --secret\` on this backend.`,
      ),
    ];
  }
  return [];
}

function resolveDocker(
  raw: unknown,
  profile: Profile,
  stack: string,
): { value: DockerConfig; problems: Problem[] } {
  const f = field("docker");
  const user = isObject(raw) ? raw : {};
  const problems = isObject(raw) || raw === undefined ? [] : checkKnownKeys(f, raw, DOCKER_SETTINGS.keys);
  problems.push(...DOCKER_SETTINGS.unknownKeys(f, user));
  const merged = DOCKER_SETTINGS.layer(user, profile.docker as Record<string, unknown> | undefined);
  problems.push(...DOCKER_SETTINGS.checkEach(f, merged));
  // The network's default and fix name the stack.
  const networkName = merged.networkName ?? `kato-${stack}`;
  if (!isDockerNetworkName(networkName)) {
    problems.push(
      problem(
        `${f}.networkName`,
        networkName,
        "must be a Docker network name (letters, digits, _ . -).",
        `set ${f}.networkName to e.g. kato-${stack}.`,
      ),
    );
  }
  const { publishAddress, externalNetwork, host } = merged;
  problems.push(...remoteDaemonProblems(f, host, publishAddress));
  return {
    value: {
      publishAddress: publishAddress as string,
      networkName: networkName as string,
      externalNetwork: externalNetwork as boolean,
      ...(typeof host === "string" ? { host } : {}),
    },
    problems,
  };
}

const LOCAL_HOSTS = /^(localhost|127(\.[0-9]{1,3}){3}|\[?::1\]?)$/i;
const ANY_OR_LOOPBACK = /^(0\.0\.0\.0|::|127(\.[0-9]{1,3}){3}|::1)$/;

/**
 * The members are published on the Docker host, and the program's executors (replica-set bootstrap,
 * Redis formation, tenant schema) connect to `publishAddress:hostPort` from where `pulumi up` runs.
 * With a remote daemon (`ssh://`, or `tcp://` to another machine), a loopback or wildcard publish
 * address names this machine, not the Docker host: the bootstrap would wait out its timeout.
 */
function remoteDaemonProblems(f: string, host: unknown, publishAddress: unknown): Problem[] {
  if (typeof host !== "string" || typeof publishAddress !== "string") return [];
  const m = /^(ssh|tcp):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)/.exec(host);
  if (!m || LOCAL_HOSTS.test(m[2]!) || !ANY_OR_LOOPBACK.test(publishAddress)) return [];
  const daemon = m[2]!;
  return [
    problem(
      `${f}.host`,
      host,
      `is a remote Docker daemon, but the members are published on ${publishAddress} of that host (${f}.publishAddress), which pulumi up cannot reach from here: the replica-set bootstrap, the Redis formation and the tenant schema connect to the published ports and would time out.`,
      `set ${f}.publishAddress to an address of ${daemon} that this machine reaches (pulumi config set --path '${f}.publishAddress' <address of ${daemon}>; the ports are then open on that interface, so firewall them), or run pulumi up on ${daemon} itself without ${f}.host.`,
    ),
  ];
}

function resolveKubernetes(
  raw: unknown,
  profile: Profile,
  stack: string,
): { value: KubernetesConfig; problems: Problem[] } {
  const f = field("kubernetes");
  const user = isObject(raw) ? raw : {};
  const problems = isObject(raw) || raw === undefined ? [] : checkKnownKeys(f, raw, KUBERNETES_SETTINGS.keys);
  problems.push(...KUBERNETES_SETTINGS.unknownKeys(f, user));
  const merged = KUBERNETES_SETTINGS.layer(user, profile.kubernetes as Record<string, unknown> | undefined);
  problems.push(...KUBERNETES_SETTINGS.checkEach(f, merged));
  // The namespace's default and fix name the stack.
  const namespace = merged.namespace ?? `kato-${stack.toLowerCase()}`;
  if (!isNamespaceName(namespace)) {
    problems.push(
      problem(
        `${f}.namespace`,
        namespace,
        "is not a Kubernetes namespace name (lower-case letters, digits and -, at most 63).",
        `set ${f}.namespace to e.g. kato-${stack.toLowerCase().replace(/[^a-z0-9-]/g, "-")}.`,
      ),
    );
  }
  const optional = (key: string) => (merged[key] !== undefined ? { [key]: merged[key] } : {});
  return {
    value: {
      namespace: namespace as string,
      createNamespace: merged.createNamespace as boolean,
      clusterDomain: merged.clusterDomain as string,
      antiAffinity: merged.antiAffinity as "soft" | "required",
      ...optional("storageClass"),
      ...optional("context"),
      ...optional("clientNamespaceLabels"),
      ...optional("clientPodLabels"),
    },
    problems,
  };
}

/**
 * Shape of custom collections. Index keys may be written as a YAML mapping (`{ created_at: -1 }`, in
 * order) or as `[field, direction]` pairs; they become pairs, the MongoDB engine's form. Every rule on
 * index options is the MongoDB engine's validator's, run on the merged schema by the planner.
 */
function resolveCollections(raw: unknown): { value: CustomCollection[]; problems: Problem[] } {
  const f = field("collections");
  if (raw === undefined) return { value: [], problems: [] };
  const problems: Problem[] = [];
  const out: CustomCollection[] = [];
  (raw as unknown[]).forEach((entry, i) => {
    const cf = `${f}[${i}]`;
    if (!isObject(entry)) {
      problems.push(...checkKnownKeys(cf, entry, COLLECTION_SETTINGS.keys));
      return;
    }
    const layered = COLLECTION_SETTINGS.layer(entry) as { name: string; indexes: unknown[] };
    const own = [
      ...COLLECTION_SETTINGS.unknownKeys(cf, entry),
      ...COLLECTION_SETTINGS.checkEach(cf, layered),
    ];
    problems.push(...own);
    if (own.length > 0) return;
    const indexes = layered.indexes.map((index) =>
      isObject(index) && isObject(index.keys) ? { ...index, keys: Object.entries(index.keys) } : index,
    ) as IndexSpec[];
    out.push({ name: layered.name, indexes });
  });
  return { value: out, problems };
}

/**
 * Reads every `kato-infra:*` key, rejects unknown ones (with the nearest known key), parses and checks
 * each, resolves each engine over the profile, plans the tenants' schema, and returns every problem.
 */
export function loadStackConfig(input: ConfigInput): { config?: StackConfig; problems: Problem[] } {
  const problems: Problem[] = [];
  const secret = new Set(input.secretKeys ?? []);
  const known = CONFIG_KEYS.map((k) => k.name);
  const values: Record<string, unknown> = {};

  for (const [fullKey, raw] of Object.entries(input.config)) {
    const colon = fullKey.indexOf(":");
    if (fullKey.slice(0, colon) !== PROJECT) continue;
    const key = fullKey.slice(colon + 1);
    const shown = secret.has(fullKey) ? "<secret>" : raw;
    const doc = CONFIG_KEYS.find((k) => k.name === key);
    const meant = doc ? undefined : withoutPath(key, known);
    if (meant) {
      const secretFlag = secret.has(fullKey) ? "--secret " : "";
      const value = secret.has(fullKey) ? "<value>" : shellWord(raw);
      problems.push(
        problem(
          fullKey,
          shown,
          `is not a known config key: it was set without --path, so Pulumi stored a key named "${key}" instead of ${field(meant.key)}${meant.path.startsWith("[") ? meant.path : ` field ${meant.path.slice(1)}`}.`,
          `run \`pulumi config rm '${fullKey}'\`, then \`pulumi config set ${secretFlag}--path '${fullKey}' ${value}\`.`,
        ),
      );
      continue;
    }
    if (!doc) {
      const near = closest(key, known);
      problems.push(
        problem(
          fullKey,
          shown,
          "is not a known config key.",
          near
            ? `did you mean ${field(near)}? Remove ${fullKey} with \`pulumi config rm ${fullKey}\`.`
            : `remove it with \`pulumi config rm ${fullKey}\`; known keys: ${known.join(", ")}.`,
        ),
      );
      continue;
    }
    const parsed = parseValue(doc, raw, shown);
    problems.push(...parsed.problems);
    if (parsed.value !== undefined) values[key] = parsed.value;
  }

  // Profile, then target: every other default depends on them.
  let profileName = profileOfStack(input.stack);
  if (values.profile !== undefined) {
    const p = checkKey("profile", values.profile);
    problems.push(...p);
    if (p.length === 0) profileName = values.profile as ProfileName;
  } else if (profileName === undefined) {
    problems.push(
      problem(
        field("profile"),
        undefined,
        `is needed: the stack name ${JSON.stringify(input.stack)} is not a profile name (dev, staging, prod, pr-<N>).`,
        `run \`pulumi config set ${field("profile")} dev\` (or staging, prod, pr).`,
      ),
    );
  }
  const profile = PROFILES[profileName ?? "dev"];

  const target = values.target ?? profile.target;
  problems.push(...checkKey("target", target));

  const docker = resolveDocker(values.docker, profile, input.stack);
  const kubernetes = resolveKubernetes(values.kubernetes, profile, input.stack);
  problems.push(...(target === "kubernetes" ? kubernetes.problems : docker.problems));
  // Settings of the other target are still checked for unknown keys (a typo is a typo).
  problems.push(
    ...(target === "kubernetes" ? docker.problems : kubernetes.problems).filter(
      (p) => p.message === "is not a known field.",
    ),
  );

  const flag = (key: string, dflt: boolean): boolean => {
    const v = values[key];
    return typeof v === "boolean" ? v : dflt;
  };
  const singleNode = flag("singleNode", PROGRAM_SETTINGS.defaults.singleNode);
  const allowDataLoss = flag("allowDataLoss", profile.allowDataLoss);
  const protect = flag("protect", profile.protect);

  const schemaPreset = values.schemaPreset ?? PROGRAM_SETTINGS.defaults.schemaPreset;
  problems.push(...checkKey("schemaPreset", schemaPreset));

  // Engines: engine defaults <- preset <- profile <- singleNode <- data-loss policy and storage class <- user.
  const storageBase: Record<string, unknown> = {
    retainOnDelete: !allowDataLoss,
    ...(target === "kubernetes" && kubernetes.value.storageClass
      ? { storageClass: kubernetes.value.storageClass }
      : {}),
  };
  const engine = <R>(
    key: "mongodb" | "qdrant" | "redis",
    resolve: (raw: unknown, f: string, base?: any) => { settings?: R; problems: Problem[] },
  ): R | undefined => {
    const base = mergeSettings(
      DOCKER_HOST_PORTS[key],
      key === "mongodb"
        ? PRESET_MONGO_BASE[schemaPreset as SchemaPreset]
        : key === "redis"
          ? PRESET_REDIS_BASE[schemaPreset as SchemaPreset]
          : undefined,
      profile[key],
      singleNode ? SINGLE_NODE[key] : undefined,
      { storage: storageBase },
    );
    const user = values[key] as Record<string, unknown> | undefined;
    // Nested objects of the user's settings are completed from the base, so `storage: { size }` keeps the base's retainOnDelete.
    const raw = user === undefined ? undefined : mergeSettings(pickObjects(base, user), user);
    const result = resolve(raw, field(key), base);
    problems.push(...result.problems);
    return result.settings;
  };
  const mongodb = engine("mongodb", resolveMongoSettings);
  const qdrant = engine("qdrant", resolveQdrantSettings);
  const redis = engine("redis", resolveRedisSettings);

  const serviceName = values.serviceName ?? PROGRAM_SETTINGS.defaults.serviceName;
  problems.push(...checkKey("serviceName", serviceName));
  const vectorSize = values.vectorSize ?? PROGRAM_SETTINGS.defaults.vectorSize;
  const vectorSizeProblems = checkKey("vectorSize", vectorSize);
  problems.push(...vectorSizeProblems);
  const nodeIds = (values.nodeIds as string[] | undefined) ?? [];
  const collections = resolveCollections(values.collections);
  problems.push(...collections.problems);

  let schema: SchemaPlan | undefined;
  if (
    SCHEMA_PRESETS.includes(schemaPreset as SchemaPreset) &&
    typeof serviceName === "string" &&
    vectorSizeProblems.length === 0
  ) {
    schema = planSchema({
      preset: schemaPreset as SchemaPreset,
      nodeIds,
      serviceName,
      vectorSize: vectorSize as number,
      customCollections: collections.value,
    });
    problems.push(
      ...schema.problems.map((p) => ({
        ...p,
        field: p.field.startsWith("nodeIds")
          ? `${PROJECT}:${p.field}`
          : `${field("collections")} (${p.field})`,
      })),
    );
  }

  // MongoDB day-2: profiling defaults come with the preset (slowms with the members' own threshold);
  // migrations run on the planned tenants. Checked only once the schema is planned.
  let profiling: ResolvedDataPlaneProfiling | undefined;
  let migrations: ResolvedDataPlaneMigration[] | undefined;
  if (schema) {
    const p = resolveDataPlaneProfiling(values.profiling, field("profiling"), {
      tenants: schema.tenants,
      base: { ...PRESET_PROFILING[schema.preset], slowms: mongodb?.profiling.slowOpThresholdMs },
    });
    problems.push(...p.problems);
    profiling = p.settings;
    const m = resolveDataPlaneMigrations(values.migrations, field("migrations"), schema);
    problems.push(...m.problems);
    migrations = m.settings;
  }

  // Day-2 operations, over what the engines imply (their images, file locations) and the profile.
  const operations = resolveOperations({
    backups: values.backups,
    monitoring: values.monitoring,
    backupS3AccessKeyId: values.backupS3AccessKeyId,
    backupS3SecretAccessKey: values.backupS3SecretAccessKey,
    secretAccessKeyIsSecret: secret.has(field("backupS3SecretAccessKey")),
    profile,
    derived: operationsDefaults(
      planeNameFor(target === "kubernetes" ? "kubernetes" : "docker", input.stack),
      input.stack,
      { mongodb, qdrant, redis },
      target === "kubernetes" ? kubernetes.value.storageClass : undefined,
    ),
    target: target === "kubernetes" ? "kubernetes" : "docker",
    qdrantApiKey: qdrant?.apiKey,
  });
  problems.push(...operations.problems);

  if (target === "docker") {
    // With what resolved: an engine with its own problem is left out, the others still checked.
    problems.push(...hostPortProblems({ mongodb, qdrant, redis, monitoring: operations.value?.monitoring }));
  }

  problems.push(...secretsProviderProblems(input.stack, input.stackFile, input.env ?? {}));

  if (
    problems.length > 0 ||
    !mongodb ||
    !qdrant ||
    !redis ||
    !schema ||
    !operations.value ||
    !profiling ||
    !migrations
  ) {
    return { problems };
  }
  return {
    problems,
    config: {
      stack: input.stack,
      profile: profile.name,
      target: target as "docker" | "kubernetes",
      docker: docker.value,
      kubernetes: kubernetes.value,
      mongodb,
      qdrant,
      redis,
      singleNode,
      allowDataLoss,
      protect,
      schemaPreset: schemaPreset as SchemaPreset,
      nodeIds,
      serviceName: serviceName as string,
      vectorSize: vectorSize as number,
      collections: collections.value,
      schema,
      profiling,
      migrations,
      ...operations.value,
    },
  };
}

/** The base's nested objects for the keys where the user also wrote an object. */
function pickObjects(base: Record<string, unknown>, user: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user)) {
    if (isObject(value) && isObject(base[key])) out[key] = base[key];
  }
  return out;
}

interface HostPortRange {
  /** The key a stack user sets to move the range. */
  field: string;
  first: number;
  last: number;
  /** What publishes them, e.g. "3 MongoDB members". */
  what: string;
}

/**
 * Docker: every host port the stack publishes (MongoDB members, Qdrant REST and gRPC, Redis nodes,
 * the exporters) is bound on the same address, so two ranges that overlap make `pulumi up` fail
 * halfway, when Docker refuses the second container. Each overlap is one problem naming both keys.
 */
export function hostPortProblems(engines: {
  mongodb?: ResolvedMongoSettings | undefined;
  qdrant?: ResolvedQdrantSettings | undefined;
  redis?: ResolvedRedisSettings | undefined;
  monitoring?:
    | { enabled: boolean; mongodbExporterHostPort: number; redisExporterHostPort: number }
    | undefined;
}): Problem[] {
  const { mongodb, qdrant, redis, monitoring } = engines;
  const range = (key: string, base: number, count: number, what: string): HostPortRange => ({
    field: field(key),
    first: base,
    last: base + count - 1,
    what,
  });
  const ranges: HostPortRange[] = [];
  if (mongodb) {
    const n = mongodb.members;
    ranges.push(range("mongodb.hostPortBase", mongodb.hostPortBase, n, `${n} MongoDB member(s)`));
  }
  if (qdrant) {
    const n = qdrant.peers;
    ranges.push(range("qdrant.hostPortBase", qdrant.hostPortBase, n, `${n} Qdrant peer(s), REST`));
    if (qdrant.grpc) {
      ranges.push(range("qdrant.grpcHostPortBase", qdrant.grpcHostPortBase, n, `${n} Qdrant peer(s), gRPC`));
    }
  }
  if (redis) {
    // Replication mode publishes the endpoint and the Sentinels right after the nodes
    // (components/redis/replicationWiring.ts, dockerHostPorts).
    const replication = redis.mode === "replication";
    const count = replication ? redis.nodes + 1 + redis.sentinels : redis.nodes;
    const what = replication
      ? `${redis.nodes} Redis node(s), the endpoint and ${redis.sentinels} Sentinel(s)`
      : `${redis.nodes} Redis node(s)`;
    ranges.push(range("redis.hostPortBase", redis.hostPortBase, count, what));
  }
  if (monitoring?.enabled) {
    if (mongodb) {
      const n = mongodb.members;
      ranges.push(
        range(
          "monitoring.mongodbExporterHostPort",
          monitoring.mongodbExporterHostPort,
          n,
          `${n} mongodb_exporter(s)`,
        ),
      );
    }
    if (redis) {
      const n = redis.nodes;
      ranges.push(
        range(
          "monitoring.redisExporterHostPort",
          monitoring.redisExporterHostPort,
          n,
          `${n} redis_exporter(s)`,
        ),
      );
    }
  }
  const span = (r: HostPortRange) => (r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`);
  const problems: Problem[] = [];
  ranges.forEach((r, i) => {
    for (const other of ranges.slice(0, i)) {
      if (r.first > other.last || other.first > r.last) continue;
      const free = Math.max(...ranges.map((x) => x.last)) + 1;
      problems.push(
        problem(
          r.field,
          r.first,
          `publishes host ports ${span(r)} (${r.what}), which overlap ${span(other)} of ${other.field} (${other.what}): Docker would refuse the second container halfway through pulumi up.`,
          `move one of them: e.g. set ${r.field} to ${free} (pulumi config set --path '${r.field}' ${free}), or change ${other.field}.`,
        ),
      );
    }
  });
  return problems;
}
