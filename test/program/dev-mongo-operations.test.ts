/**
 * The dev stack with the guide's migration listed and profiling changed, as a developer would
 * (`pulumi config set --path 'kato-infra:migrations[0]' 0001-patterns-version-3.0`...): one
 * MongoMigration after the tenants' schemas, one MongoProfiling, and their outputs (the documents
 * each migration changed, what the last run had to set) as plain stack outputs, no credential in them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { isSecret, plaintextSecretLeaks, resolved, unwrapSecrets } from "../support/mocks";
import { type ProgramRun, runProgram } from "./harness";
import { stackOutputLeaks } from "./operations";

const PROFILING = "pulumi-nodejs:dynamic/kato:MongoProfiling";
const MIGRATION = "pulumi-nodejs:dynamic/kato:MongoMigration";
const SCHEMA = "pulumi-nodejs:dynamic/kato:MongoDatabaseSchema";
const TENANTS = ["node_alpha_kato", "node_beta_kato", "node_demo_kato"];

/** What the providers would answer after `pulumi up`. */
const AFTER_UP = {
  [MIGRATION]: {
    status: "applied",
    appliedAt: "2026-01-01T02:00:00.000Z",
    counts: { total: 12, databases: { node_alpha_kato: 0, node_beta_kato: 5, node_demo_kato: 7 } },
    changedByLastRun: 12,
  },
  [PROFILING]: {
    // Member 1 had restarted: the run set its three databases again.
    changedByLastRun: {
      "kato-dev-mongodb-0:27017": 0,
      "kato-dev-mongodb-1:27017": 3,
      "kato-dev-mongodb-2:27017": 0,
    },
  },
} as Record<string, Record<string, unknown>>;

let run: ProgramRun;
let o: Record<string, any>;

beforeAll(async () => {
  run = await runProgram(
    "dev",
    {
      "kato-infra:nodeIds": ["demo", "alpha", "beta"],
      "kato-infra:profiling": { level: "all", slowms: 50, databases: { node_beta_kato: "off" } },
      "kato-infra:migrations": ["0001-patterns-version-3.0"],
    },
    (args) => AFTER_UP[args.type],
  );
  o = run.outputs as Record<string, any>;
});

describe("dev with the guide's migration and profiling changed", () => {
  it("runs the guide's migration once over every tenant database of the patterns collection, as root", () => {
    const [m, ...more] = run.harness.ofType(MIGRATION);
    expect(more).toEqual([]);
    expect(m!.name).toBe("kato-dev-mongodb-migration-0001-patterns-version-3.0");
    expect(JSON.stringify(m!.inputs.password)).toContain("1b47061264138c4ac30d75fd1eb44270");
    const inputs = unwrapSecrets(m!.inputs);
    expect(inputs).toMatchObject({
      migrationId: "0001-patterns-version-3.0",
      collection: "patterns",
      setIfMissing: { field: "version", value: "3.0" },
      username: "root",
    });
    expect(inputs.databases).toEqual(TENANTS);
    expect(inputs.databasePattern).toBeUndefined();
    expect(inputs.access.members.map((x: any) => x.advertised)).toEqual([
      "kato-dev-mongodb-0:27017",
      "kato-dev-mongodb-1:27017",
      "kato-dev-mongodb-2:27017",
    ]);
  });

  it("runs it after every tenant's schema and the replica set's bootstrap", () => {
    const deps = run.options.find((x) => x.type === MIGRATION)!.dependencies;
    const schemas = run.harness.ofType(SCHEMA).map((s) => s.name);
    expect(schemas).toHaveLength(3);
    for (const name of schemas)
      expect(
        deps.some((d) => d.endsWith(`::${name}`)),
        name,
      ).toBe(true);
    expect(deps.some((d) => d.endsWith("::kato-dev-mongodb-bootstrap"))).toBe(true);
  });

  it("profiles the tenant databases at the stack's level, with its override and threshold", () => {
    const p = unwrapSecrets(run.harness.one(PROFILING).inputs);
    expect(p.databases).toEqual({ node_alpha_kato: 2, node_beta_kato: 0, node_demo_kato: 2 });
    expect(p.slowms).toBe(50);
    // What the guide preset's mongod.conf starts every member with: a restart comes back to it.
    expect(p.serverDefaults).toEqual({ level: 1, slowms: 100, sampleRate: 1 });
  });

  it("exports each migration's record and counts, plainly: counts are no secret", async () => {
    expect(await isSecret(o.migrations)).toBe(false);
    expect(await resolved(o.migrations)).toEqual({
      "0001-patterns-version-3.0": {
        migrationId: "0001-patterns-version-3.0",
        collection: "patterns",
        status: "applied",
        appliedAt: "2026-01-01T02:00:00.000Z",
        counts: { total: 12, databases: { node_alpha_kato: 0, node_beta_kato: 5, node_demo_kato: 7 } },
        changedByLastRun: 12,
      },
    });
  });

  it("exports the declared profiling and what the last run had to set again on each member", async () => {
    expect(await isSecret(o.mongodbProfiling)).toBe(false);
    expect(await resolved(o.mongodbProfiling)).toEqual({
      level: 2,
      slowms: 50,
      sampleRate: 1,
      databases: 3,
      overrides: { node_beta_kato: 0 },
      serverDefaults: { level: 1, slowms: 100 },
      changedByLastRun: {
        "kato-dev-mongodb-0:27017": 0,
        "kato-dev-mongodb-1:27017": 3,
        "kato-dev-mongodb-2:27017": 0,
      },
    });
  });

  it("writes no generated credential in plaintext anywhere, nor into a plain stack output", async () => {
    expect(plaintextSecretLeaks(run.harness)).toEqual([]);
    expect(await stackOutputLeaks(o, run.harness)).toEqual([]);
  });
});
