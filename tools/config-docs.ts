/**
 * The config reference, generated from the FieldDoc lists the code validates with:
 * - `pulumiYamlConfig()`: the `config:` block of Pulumi.yaml: empty, so the CLI neither requires nor
 *   types any key (see its comment);
 * - `configReference()`: docs/reference.md's tables, one per object.
 * test/config/docs.test.ts fails when Pulumi.yaml or docs/reference.md is out of step;
 * `npm run docs` rewrites both.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { MONGO_FIELDS, MONGO_PORT } from "../components/mongodb/settings";
import { commonBackupFieldDocs } from "../components/operations/backupSettings";
import { MONGO_BACKUP_FIELDS } from "../components/operations/mongoBackupPlan";
import {
  DATA_TIER_MONITORING_FIELDS,
  DATA_TIER_MONITORING_SETTINGS,
  MONGODB_EXPORTER_PORT,
  REDIS_EXPORTER_PORT,
} from "../components/operations/monitoringPlan";
import { QDRANT_SNAPSHOTS_FIELDS } from "../components/operations/qdrantSnapshotsPlan";
import { REDIS_BACKUP_FIELDS } from "../components/operations/redisBackupPlan";
import { QDRANT_FIELDS, QDRANT_GRPC_PORT, QDRANT_HTTP_PORT } from "../components/qdrant/settings";
import { CLIENT_PORT } from "../components/redis/redisConf";
import { REDIS_FIELDS } from "../components/redis/settings";
import type { FieldDoc } from "../components/shared/fields";
import { CONFIG_KEYS, loadStackConfig } from "../program/config/load";
import { DOCKER_HOST_PORTS } from "../stacks/profiles";

/**
 * What Pulumi.yaml declares under `config:`: nothing. The Pulumi CLI (3.248.0,
 * sdk/go/common/workspace/config.go `mergeConfig`) stops `preview`, `up`, `refresh` and `destroy` with
 * "Stack '<stack>' is missing configuration values ..." for every declared key of the project's
 * namespace that the stack does not set and that has no `default` or `value`; every stack here leaves
 * most keys to its profile (a `pr-<N>` stack sets none). A `default` would be written into the stack's
 * config and override the profile layering, and a `type` is checked by the CLI one key at a time
 * before the program runs, hiding the program's report of every problem at once. Keys the project
 * does not declare are accepted as they are; the program checks them all (program/config/load.ts).
 */
export function pulumiYamlConfig(): Record<string, never> {
  return {};
}

function cell(value: unknown): string {
  const text = value === undefined ? "(unset)" : typeof value === "string" ? value : JSON.stringify(value);
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function table(fields: readonly FieldDoc[]): string[] {
  const withRules = fields.some((f) => f.rules !== undefined);
  return [
    `| field | type | default |${withRules ? " accepted |" : ""} description |`,
    `| --- | --- | --- |${withRules ? " --- |" : ""} --- |`,
    ...fields.map(
      (f) =>
        `| \`${f.name}\` | ${cell(f.type)} | ${cell(f.defaultText ?? f.default)} |${withRules ? ` ${cell(f.rules ?? "")} |` : ""} ${cell(f.description)} |`,
    ),
  ];
}

const PROFILE_STACKS: ReadonlyArray<[string, string]> = [
  ["dev", "dev"],
  ["staging", "staging"],
  ["prod", "prod"],
  ["pr", "pr-<N>"],
];

/** Each profile's resolved config, as the program sees it for a stack with no overrides. */
function resolvedProfiles(): Array<Record<string, unknown>> {
  return PROFILE_STACKS.map(([, stack]) => resolved(stack.replace("<N>", "1"), {}));
}

const PRESETS = ["guide", "kato-v3"] as const;

/** Each schema preset's resolved config (dev stack, no other override), for keys whose defaults come with the preset. */
function resolvedPresets(): Array<Record<string, unknown>> {
  return PRESETS.map((preset) => resolved("dev", { "kato-infra:schemaPreset": preset }));
}

function resolved(stack: string, config: Record<string, string>): Record<string, unknown> {
  const { config: out, problems } = loadStackConfig({ stack, config });
  if (!out) throw new Error(`${stack} does not resolve: ${problems.map((p) => p.message).join("; ")}`);
  return out as unknown as Record<string, unknown>;
}

function lookup(root: unknown, dotted: string): unknown {
  let cur = root;
  for (const part of dotted.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * A table of an object key's fields with the value each profile (or preset) resolves to, so it
 * cannot drift; `key` is dotted for an object inside a key (`backups.mongodb`).
 */
function profileTable(
  key: string,
  fields: readonly FieldDoc[],
  profiles: Array<Record<string, unknown>>,
  columns: readonly string[] = PROFILE_STACKS.map(([name]) => name),
): string[] {
  const values = (f: FieldDoc) =>
    profiles
      .map((p) => cell(lookup(lookup(p, key), f.name.replace(/\.\d+$/, "")) ?? f.defaultText ?? f.default))
      .join(" | ");
  const withRules = fields.some((f) => f.rules !== undefined);
  return [
    `| field | type | ${columns.join(" | ")} |${withRules ? " accepted |" : ""} description |`,
    `| --- | --- | ${columns.map(() => "---").join(" | ")} |${withRules ? " --- |" : ""} --- |`,
    ...fields.map(
      (f) =>
        `| \`${f.name}\` | ${cell(f.type)} | ${values(f)} |${withRules ? ` ${cell(f.rules ?? "")} |` : ""} ${cell(f.description)} |`,
    ),
  ];
}

export const REFERENCE_START = "<!-- config-reference:start (generated by `npm run docs`) -->";
export const REFERENCE_END = "<!-- config-reference:end -->";

/** The config reference (docs/reference.md): every key, then a table per object key. */
export function configReference(): string {
  const profiles = resolvedProfiles();
  const presets = resolvedPresets();
  const lines: string[] = [REFERENCE_START, "", "#### Keys (`kato-infra:<key>`)", "", ...table(CONFIG_KEYS)];
  for (const doc of CONFIG_KEYS.filter((d) => d.fields || d.sections)) {
    if (doc.sections) {
      for (const section of doc.sections) {
        const key = `${doc.name}.${section.name}`;
        const rows = profileTable(key, section.fields, profiles);
        lines.push("", `#### \`kato-infra:${key}\``, "", section.description, "", ...rows);
      }
      continue;
    }
    const rows =
      doc.kind !== "object"
        ? table(doc.fields!)
        : doc.defaultsBy === "preset"
          ? profileTable(doc.name, doc.fields!, presets, PRESETS)
          : profileTable(doc.name, doc.fields!, profiles);
    lines.push("", `#### \`kato-infra:${doc.name}\``, "", doc.description, "", ...rows);
  }
  lines.push("", REFERENCE_END);
  return lines.join("\n");
}

/** docs/reference.md text with its reference section replaced by the generated one. */
export function withReference(readme: string): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error("docs/reference.md has no config reference markers");
  return readme.slice(0, start) + configReference() + readme.slice(end + REFERENCE_END.length);
}

/**
 * docs/operations.md's field tables, one per operations component, between
 * `<!-- fields:<name>:start (generated by npm run docs) -->` and `<!-- fields:<name>:end -->`:
 * the settings every backup shares, then each engine's own, then the monitoring's.
 */
export function operationsTables(): Record<string, readonly FieldDoc[]> {
  const common = commonBackupFieldDocs("<engine>");
  const own = (fields: readonly FieldDoc[]) => fields.filter((f) => !common.some((c) => c.name === f.name));
  return {
    "backups-common": common,
    "backups-mongodb": own(MONGO_BACKUP_FIELDS),
    "backups-qdrant": own(QDRANT_SNAPSHOTS_FIELDS),
    "backups-redis": own(REDIS_BACKUP_FIELDS),
    monitoring: DATA_TIER_MONITORING_FIELDS,
  };
}

/** The settings tables of the engines' pages, each generated from the engine's declarations. */
export function engineTables(): Record<string, Record<string, readonly FieldDoc[]>> {
  return {
    "docs/mongodb.md": { mongodb: MONGO_FIELDS },
    "docs/qdrant.md": { qdrant: QDRANT_FIELDS },
    "docs/redis.md": { redis: REDIS_FIELDS },
  };
}

const fieldsStart = (name: string) => `<!-- fields:${name}:start (generated by npm run docs) -->`;
const fieldsEnd = (name: string) => `<!-- fields:${name}:end -->`;

/** A generated field table: field, type, default, what is accepted (when declared) and what it does. */
export function fieldTable(fields: readonly FieldDoc[]): string[] {
  const withRules = fields.some((f) => f.rules !== undefined);
  const defaultCell = (f: FieldDoc) =>
    f.defaultText !== undefined
      ? cell(f.defaultText)
      : f.default === undefined
        ? "(unset)"
        : `\`${JSON.stringify(f.default).replace(/\|/g, "\\|")}\``;
  return [
    `| field | type | default |${withRules ? " accepted |" : ""} what it does |`,
    `|---|---|---|${withRules ? "---|" : ""}---|`,
    ...fields.map(
      (f) =>
        `| \`${f.name}\` | ${cell(f.type)} | ${defaultCell(f)} |${withRules ? ` ${cell(f.rules ?? "")} |` : ""} ${cell(f.description)} |`,
    ),
  ];
}

/** `text` with each named generated table replaced by what the declarations say today. */
export function withFieldTables(
  text: string,
  tables: Record<string, readonly FieldDoc[]>,
  file: string,
): string {
  let out = text;
  for (const [name, fields] of Object.entries(tables)) {
    const start = out.indexOf(fieldsStart(name));
    const end = out.indexOf(fieldsEnd(name));
    if (start < 0 || end < start) throw new Error(`${file} has no markers for the ${name} table`);
    out = `${out.slice(0, start)}${fieldsStart(name)}\n${fieldTable(fields).join("\n")}\n${out.slice(end)}`;
  }
  return out;
}

/** docs/operations.md text with each generated table replaced by what the declarations say today. */
export function withOperationsTables(text: string): string {
  return withFieldTables(text, operationsTables(), "docs/operations.md");
}

export const HOST_PORTS_START = "<!-- host-ports:start (generated by npm run docs) -->";
export const HOST_PORTS_END = "<!-- host-ports:end -->";

/**
 * docs/configuration.md's table of Docker host ports: each base as the stacks set it
 * (DOCKER_HOST_PORTS in stacks/profiles.ts, the exporters' declared defaults) and the container port
 * behind it (the engines' constants).
 */
export function hostPortTable(): string[] {
  const monitoring = DATA_TIER_MONITORING_SETTINGS.defaults;
  const rows: Array<[string, string, unknown, string]> = [
    ["MongoDB members", "mongodb.hostPortBase", DOCKER_HOST_PORTS.mongodb.hostPortBase, `${MONGO_PORT}`],
    ["Qdrant REST", "qdrant.hostPortBase", DOCKER_HOST_PORTS.qdrant.hostPortBase, `${QDRANT_HTTP_PORT}`],
    [
      "Qdrant gRPC (with `qdrant.grpc`)",
      "qdrant.grpcHostPortBase",
      DOCKER_HOST_PORTS.qdrant.grpcHostPortBase,
      `${QDRANT_GRPC_PORT}`,
    ],
    [
      "Redis nodes",
      "redis.hostPortBase",
      DOCKER_HOST_PORTS.redis.hostPortBase,
      `${CLIENT_PORT} (the bus port is not published)`,
    ],
    [
      "mongodb_exporter (with monitoring)",
      "monitoring.mongodbExporterHostPort",
      monitoring.mongodbExporterHostPort,
      `${MONGODB_EXPORTER_PORT}`,
    ],
    [
      "redis_exporter (with monitoring)",
      "monitoring.redisExporterHostPort",
      monitoring.redisExporterHostPort,
      `${REDIS_EXPORTER_PORT}`,
    ],
  ];
  return [
    "| what | key | default | container port |",
    "| --- | --- | --- | --- |",
    ...rows.map(([what, key, base, port]) => `| ${what} | \`${key}\` | ${cell(base)} | ${port} |`),
  ];
}

/** docs/configuration.md text with its host-port table as generated. */
export function withHostPortTable(text: string): string {
  const start = text.indexOf(HOST_PORTS_START);
  const end = text.indexOf(HOST_PORTS_END);
  if (start < 0 || end < start) throw new Error("docs/configuration.md has no host-ports markers");
  return `${text.slice(0, start)}${HOST_PORTS_START}\n${hostPortTable().join("\n")}\n${text.slice(end)}`;
}

/** Pulumi.yaml text with its `config:` block as generated: none (see pulumiYamlConfig; comments kept). */
export function withPulumiConfig(pulumiYaml: string): string {
  const doc = parseDocument(pulumiYaml);
  const declared = pulumiYamlConfig();
  if (Object.keys(declared).length === 0) doc.delete("config");
  else doc.set("config", declared);
  return doc.toString({ lineWidth: 0 });
}

if (require.main === module) {
  const root = path.join(__dirname, "..");
  const referencePath = path.join(root, "docs", "reference.md");
  const pulumiPath = path.join(root, "Pulumi.yaml");
  fs.writeFileSync(referencePath, withReference(fs.readFileSync(referencePath, "utf8")));
  fs.writeFileSync(pulumiPath, withPulumiConfig(fs.readFileSync(pulumiPath, "utf8")));
  const operationsPath = path.join(root, "docs", "operations.md");
  fs.writeFileSync(operationsPath, withOperationsTables(fs.readFileSync(operationsPath, "utf8")));
  for (const [file, tables] of Object.entries(engineTables())) {
    const at = path.join(root, file);
    fs.writeFileSync(at, withFieldTables(fs.readFileSync(at, "utf8"), tables, file));
  }
  const configurationPath = path.join(root, "docs", "configuration.md");
  fs.writeFileSync(configurationPath, withHostPortTable(fs.readFileSync(configurationPath, "utf8")));
  process.stdout.write(
    "docs/reference.md, the settings tables of docs/operations.md, mongodb.md, qdrant.md and redis.md, the host ports of docs/configuration.md, and Pulumi.yaml regenerated.\n",
  );
}
