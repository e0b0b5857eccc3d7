/**
 * The bad-input catalogue: every kind of input kato-infra refuses, each run through the real code
 * path that refuses it (stack config at preview, schema checks, the diff that guards data). The
 * docs/bad-input.md table is generated from these cases and their actual messages
 * (`npm run catalogue`), and refusals.test.ts fails when that page and the code disagree.
 */

import { placementProblem } from "../../components/dataplane/placement";
import { patternsVersionMigration } from "../../components/mongodb/migrationPlan";
import { migrationProvider } from "../../components/mongodb/migrationProvider";
import { schemaProvider } from "../../components/mongodb/schemaProvider";
import { diffCollection } from "../../components/qdrant/collectionExecutor";
import { checkCollectionSpec } from "../../components/qdrant/collectionSpec";
import { formatProblem } from "../../components/shared/problems";
import { loadStackConfig } from "../../program/config/load";
import { DATA_LOSS_HINT } from "../../program/program";
import { stackConfig } from "../stacks/stackFiles";

export interface RefusalCase {
  /** Where the refusal happens, as a user meets it. */
  stage: "preview: stack config" | "preview: schema check" | "preview: diff" | "preview: placement check";
  /** What the user wrote (YAML or the change), short. */
  input: string;
  /** Runs the real code and returns every message it produced (empty: not refused). */
  refuse: () => Promise<string[]>;
  /** A fragment every run must contain (the rule named). */
  expect: RegExp;
}

const NS = "kato-infra";

/** loadStackConfig on the dev stack file plus `overrides`, as `pulumi preview -s dev` would read it. */
function configCase(
  input: string,
  overrides: Record<string, unknown>,
  expect: RegExp,
  extra: { stackFile?: string; env?: Record<string, string> } = {},
): RefusalCase {
  return {
    stage: "preview: stack config",
    input,
    expect,
    refuse: async () => {
      const config = { ...stackConfig("dev") };
      for (const [key, value] of Object.entries(overrides)) {
        config[`${NS}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
      }
      const { problems } = loadStackConfig({ config, stack: "dev", ...extra });
      return problems.map(formatProblem);
    },
  };
}

const oneCollection = (indexes: unknown[]) => [{ name: "patterns", indexes }];

export const CASES: RefusalCase[] = [
  configCase("mongodb: { members: 4 }", { mongodb: { members: 4 } }, /members/),
  configCase(
    "redis: { masters: 3, replicasPerMaster: 1, nodes: 5 }",
    { redis: { masters: 3, replicasPerMaster: 1, nodes: 5 } },
    /nodes/,
  ),
  configCase("redis: { masters: 2 }", { redis: { masters: 2 } }, /masters/),
  configCase(
    'redis: { maxmemory: "4gb", resources: { memory: "2Gi" } }',
    { redis: { maxmemory: "4gb", resources: { memory: "2Gi" } } },
    /maxmemory/,
  ),
  configCase('redis: { maxmemoryPolicy: "lru" }', { redis: { maxmemoryPolicy: "lru" } }, /maxmemoryPolicy/),
  configCase('redis: { maxmemory: "2 gigs" }', { redis: { maxmemory: "2 gigs" } }, /maxmemory/),
  configCase(
    'mongodb: { storage: { size: "10 gigs" } }',
    { mongodb: { storage: { size: "10 gigs" } } },
    /storage\.size/,
  ),
  configCase(
    'qdrant: { storage: { size: "big" } }',
    { qdrant: { storage: { size: "big" } } },
    /storage\.size/,
  ),
  configCase("qdrant: { peers: 0 }", { qdrant: { peers: 0 } }, /peers/),
  configCase("mongodb: { memebers: 3 } (typo)", { mongodb: { memebers: 3 } }, /memebers/),
  configCase("kato-infra:mongdb (unknown key)", { mongdb: { members: 3 } }, /mongdb/),
  configCase('kato-infra:allowDataLoss: "maybe"', { allowDataLoss: "maybe" }, /allowDataLoss/),
  configCase('kato-infra:target: "swarm"', { target: "swarm" }, /target/),
  configCase(
    "pulumi config set kato-infra:redis.maxmemory 1gb (without --path)",
    { "redis.maxmemory": "1gb" },
    /--path 'kato-infra:redis\.maxmemory'/,
  ),
  configCase('nodeIds: ["demo", ""]', { nodeIds: ["demo", ""] }, /is empty/),
  configCase(
    "mongodb: { hostPortBase: 7000 } (the Redis nodes' ports)",
    { mongodb: { hostPortBase: 7000 } },
    /overlap .*kato-infra:mongodb\.hostPortBase/,
  ),
  configCase(
    'docker: { host: "ssh://deploy@db-host" }',
    { docker: { host: "ssh://deploy@db-host" } },
    /remote Docker daemon/,
  ),
  configCase(
    'nodeIds: ["team/a"] with the guide preset',
    { nodeIds: ["team/a"], schemaPreset: "guide" },
    /nodeIds/,
  ),
  configCase(
    "collections: two text indexes on one collection",
    {
      collections: oneCollection([{ keys: { title: "text" } }, { keys: { body: "text" } }]),
    },
    /text/i,
  ),
  configCase(
    "collections: an index both sparse and partial",
    {
      collections: oneCollection([
        { keys: { tag: 1 }, sparse: true, partialFilterExpression: { tag: { $exists: true } } },
      ]),
    },
    /sparse/,
  ),
  configCase(
    "collections: a TTL on a compound index",
    { collections: oneCollection([{ keys: { a: 1, b: 1 }, expireAfterSeconds: 60 }]) },
    /expireAfterSeconds/,
  ),
  configCase(
    "collections: a collation locale and a text language MongoDB does not know",
    {
      collections: oneCollection([
        { keys: { title: 1 }, collation: { locale: "en_UK" } },
        { keys: { notes: "text" }, default_language: "englsh" },
      ]),
    },
    /collation-locale[\s\S]*text-language/,
  ),
  configCase("profiling: { level: 3 }", { profiling: { level: 3 } }, /profiling-level/),
  configCase("profiling: { slowMs: 50 } (typo)", { profiling: { slowMs: 50 } }, /slowms/),
  configCase(
    "profiling: { databases: { node_dmeo_kato: 2 } } (no such tenant)",
    { profiling: { databases: { node_dmeo_kato: 2 } } },
    /node_demo_kato/,
  ),
  configCase(
    'migrations: ["0001-patterns-version-3"] (not in the catalogue)',
    { migrations: ["0001-patterns-version-3"] },
    /0001-patterns-version-3\.0/,
  ),
  configCase(
    'migrations: ["0001-patterns-version-3.0"] with no nodeIds',
    { nodeIds: [], migrations: ["0001-patterns-version-3.0"] },
    /databasePattern/,
  ),
  configCase(
    "Pulumi.dev.yaml with secure: values, no secrets provider, file backend",
    {},
    /secrets provider/,
    {
      stackFile: "config:\n  kato-infra:x:\n    secure: AAABAJxyzxyzxyzxyz\n",
      env: { PULUMI_BACKEND_URL: "file://~" },
    },
  ),
  {
    stage: "preview: schema check",
    input: "Qdrant collection with hnsw: { m: -1 } and the guide's search-time ef: 128",
    expect: /ef/,
    refuse: async () =>
      checkCollectionSpec({
        name: "vectors_a",
        vectors: { size: 768, distance: "Cosine" },
        hnsw: { m: -1, ef: 128 },
      }).map(formatProblem),
  },
  {
    stage: "preview: schema check",
    input: 'Qdrant collection named "a/b"',
    expect: /a\/b/,
    refuse: async () =>
      checkCollectionSpec({ name: "a/b", vectors: { size: 8, distance: "Dot" } }).map(formatProblem),
  },
  {
    stage: "preview: diff",
    input: "MongoDB index {name: 1} changed to unique, without allowIndexRebuild",
    expect: /allowIndexRebuild/,
    refuse: async () => {
      const olds = {
        database: "a_kato",
        collections: { patterns_kb: { indexes: [{ keys: [["name", 1]], name: "name_1" }] } },
      };
      const news = {
        ...olds,
        collections: { patterns_kb: { indexes: [{ keys: [["name", 1]], name: "name_1", unique: true }] } },
      };
      try {
        await schemaProvider.diff!("a_kato", olds, news);
        return [];
      } catch (error) {
        return [(error as Error).message];
      }
    },
  },
  {
    stage: "preview: diff",
    input: "Qdrant vectors.size 768 -> 1024, without allowRecreate",
    expect: /allowRecreate/,
    refuse: async () => {
      const olds = { name: "vectors_a", vectors: { size: 768, distance: "Cosine" } };
      try {
        diffCollection("vectors_a", olds, { ...olds, vectors: { size: 1024, distance: "Cosine" } });
        return [];
      } catch (error) {
        return [(error as Error).message];
      }
    },
  },
  {
    stage: "preview: diff",
    input: "MongoMigration 0001-patterns-version-3.0 given another value under the same id",
    expect: /migration-changed/,
    refuse: async () => {
      const olds = { ...patternsVersionMigration("patterns"), databases: ["node_a_kato"], status: "applied" };
      const news = { ...olds, setIfMissing: { field: "version", value: "3.1" } };
      try {
        await migrationProvider.diff!("0001-patterns-version-3.0", olds, news);
        return [];
      } catch (error) {
        return [(error as Error).message];
      }
    },
  },
  {
    stage: "preview: placement check",
    input: "kubernetes: { namespace: kato-staging-2 } on a stack deployed in kato-staging",
    expect: /kato-infra:kubernetes\.namespace/,
    refuse: async () => {
      const olds = { placement: { kind: "kubernetes" as const, namespace: "kato-staging" } };
      const news = {
        placement: { kind: "kubernetes" as const, namespace: "kato-staging-2" },
        allowDataLoss: false,
        namespaceField: "kato-infra:kubernetes.namespace",
        dataLossHint: DATA_LOSS_HINT,
      };
      const problem = placementProblem(olds, news);
      return problem ? [formatProblem(problem)] : [];
    },
  },
];

/** The docs/bad-input.md table: one row per case, with every message the code produced, in one line each. */
export async function renderCatalogue(): Promise<string> {
  const rows = ["| where | input | refused with |", "|---|---|---|"];
  for (const c of CASES) {
    const messages = await c.refuse();
    const text = messages.map((m) => m.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|")).join("<br>");
    rows.push(`| ${c.stage} | \`${c.input.replace(/\|/g, "\\|").replace(/`/g, "'")}\` | ${text} |`);
  }
  return rows.join("\n");
}

export const START = "<!-- bad-input-catalogue:start (generated by npm run catalogue; do not edit) -->";
export const END = "<!-- bad-input-catalogue:end -->";
