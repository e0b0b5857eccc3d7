/**
 * A data plane's MongoDB day-2 resources: the profiling declaration and the migration catalogue
 * (pure), and KatoDataPlane wiring one MongoProfiling and one MongoMigration per listed migration
 * from the replica set's members and root user, in order, after the tenants' schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CatalogueMigration,
  KatoDataPlane,
  MIGRATION_CATALOGUE,
  migrationSpec,
  PRESET_PATTERNS_COLLECTION,
  planSchema,
  presetDatabasePattern,
  profilingDeclaration,
  resolveDataPlaneMigrations,
  resolveDataPlaneProfiling,
} from "../../components/dataplane";
import { validateMigration } from "../../components/mongodb/migrationPlan";
import { resolveProfiling } from "../../components/mongodb/profilingPlan";
import { recordOptions } from "../program/harness";
import {
  installMocks,
  type MockHarness,
  plaintextSecretLeaks,
  resolved,
  unwrapSecrets,
  waitForRegistrations,
} from "../support/mocks";

const PROFILING = "pulumi-nodejs:dynamic/kato:MongoProfiling";
const MIGRATION = "pulumi-nodejs:dynamic/kato:MongoMigration";
const SCHEMA = "pulumi-nodejs:dynamic/kato:MongoDatabaseSchema";

const plan = (preset: "guide" | "kato-v3", nodeIds: string[], serviceName = "kato") =>
  planSchema({ preset, nodeIds, serviceName, vectorSize: 768 });

describe("the migration catalogue", () => {
  it("starts with the guide's migration: version 3.0 on every pattern lacking it", () => {
    expect(MIGRATION_CATALOGUE.map((m) => m.id)).toEqual(["0001-patterns-version-3.0"]);
    expect(MIGRATION_CATALOGUE[0]!.definition({ preset: "guide" })).toMatchObject({
      migrationId: "0001-patterns-version-3.0",
      collection: "patterns",
      setIfMissing: { field: "version", value: "3.0" },
    });
  });

  it("uses each preset's patterns collection, and records it under an id naming that collection", () => {
    const v3 = MIGRATION_CATALOGUE[0]!.definition({ preset: "kato-v3" });
    expect(v3.collection).toBe(PRESET_PATTERNS_COLLECTION["kato-v3"]);
    expect(v3.collection).toBe("patterns_kb");
    expect(v3.migrationId).toBe("0001-patterns_kb-version-3.0");
  });

  it("has unique ids, and every entry is a valid migration for both presets", () => {
    const ids = MIGRATION_CATALOGUE.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const preset of ["guide", "kato-v3"] as const) {
      for (const m of MIGRATION_CATALOGUE) {
        const spec = migrationSpec({ id: m.id }, plan(preset, ["a", "b"]))!;
        expect(validateMigration(spec), `${m.id} ${preset}`).toEqual([]);
      }
    }
  });

  it("runs on the declared tenant databases, or on a pattern's matches", () => {
    const p = plan("kato-v3", ["a", "b-2"]);
    expect(migrationSpec({ id: "0001-patterns-version-3.0" }, p)?.databases).toEqual(["a_kato", "b_2_kato"]);
    const byPattern = migrationSpec({ id: "0001-patterns-version-3.0", databasePattern: "^.+_kato$" }, p)!;
    expect(byPattern.databasePattern).toBe("^.+_kato$");
    expect(byPattern.databases).toBeUndefined();
  });

  it("suggests for each preset a pattern that matches every tenant database it names", () => {
    const nodeIds = ["a", "team.b", "x".repeat(70)];
    const guide = new RegExp(presetDatabasePattern("guide", "kato"));
    for (const t of plan("guide", ["a", "b_2"]).tenants) expect(t.database).toMatch(guide);
    for (const service of ["kato", "my-svc.v2"]) {
      const re = new RegExp(presetDatabasePattern("kato-v3", service));
      for (const t of plan("kato-v3", nodeIds, service).tenants) expect(t.database, service).toMatch(re);
      expect("kato_infra").not.toMatch(re);
    }
  });
});

describe("the profiling declaration", () => {
  const tenants = plan("guide", ["b", "a", "c"]).tenants;

  it("sets every tenant database to the level, overrides aside, and the members' startup values as server defaults", () => {
    const settings = resolveDataPlaneProfiling({ level: 1, databases: { node_c_kato: 2 } }, "profiling", {
      tenants,
    }).settings!;
    const declared = profilingDeclaration(settings, tenants, {
      profiling: { mode: "slowOp", slowOpThresholdMs: 200 },
    });
    expect(declared).toEqual({
      databases: { node_a_kato: 1, node_b_kato: 1, node_c_kato: 2 },
      slowms: 100,
      sampleRate: 1,
      serverDefaults: { level: 1, slowms: 200, sampleRate: 1 },
    });
    // What the MongoProfiling resource accepts as is.
    expect(resolveProfiling(declared, "").problems).toEqual([]);
  });

  it("is checked by the same resolver a stack's config goes through, unknown fields included", () => {
    const { problems } = resolveDataPlaneProfiling({ levle: 1, databases: { node_z_kato: 1 } }, "profiling", {
      tenants,
    });
    expect(problems.map((p) => p.field)).toEqual(["profiling.levle", "profiling.databases.node_z_kato"]);
  });

  it("resolves a migration list the same way: ids, duplicates, scope", () => {
    const p = plan("guide", []);
    expect(resolveDataPlaneMigrations(undefined, "migrations", p)).toEqual({ settings: [], problems: [] });
    expect(resolveDataPlaneMigrations([42], "migrations", p).problems.map((x) => x.field)).toEqual([
      "migrations[0]",
    ]);
  });
});

describe("migrations listed in order", () => {
  const catalogue = MIGRATION_CATALOGUE as CatalogueMigration[];
  const second: CatalogueMigration = {
    id: "0002-test-flag",
    summary: "test only",
    definition: () => ({
      migrationId: "0002-test-flag",
      collection: "pattern_metadata",
      setIfMissing: { field: "flag", value: true },
    }),
  };
  let h: MockHarness;
  let options: ReturnType<typeof recordOptions>;
  beforeAll(async () => {
    catalogue.push(second);
    h = installMocks({ stack: "order" });
    options = recordOptions();
    new KatoDataPlane("kato", {
      target: { kind: "docker", networkName: "n" },
      schema: { preset: "guide", nodeIds: ["a"], serviceName: "kato", vectorSize: 768 },
      migrations: ["0002-test-flag", "0001-patterns-version-3.0"],
    });
    await waitForRegistrations();
  });
  afterAll(() => {
    catalogue.splice(catalogue.indexOf(second), 1);
  });

  it("run one after the other, in the listed order", () => {
    expect(h.ofType(MIGRATION).map((r) => r.name)).toEqual([
      "kato-mongodb-migration-0002-test-flag",
      "kato-mongodb-migration-0001-patterns-version-3.0",
    ]);
    const deps = (name: string) => options.find((o) => o.name === name)!.dependencies;
    expect(deps("kato-mongodb-migration-0001-patterns-version-3.0")).toContainEqual(
      expect.stringMatching(/::kato-mongodb-migration-0002-test-flag$/),
    );
    expect(deps("kato-mongodb-migration-0002-test-flag")).not.toContainEqual(
      expect.stringMatching(/::kato-mongodb-migration-0001/),
    );
  });
});

describe("KatoDataPlane with profiling and migrations", () => {
  let h: MockHarness;
  let plane: KatoDataPlane;
  let options: ReturnType<typeof recordOptions>;
  beforeAll(async () => {
    h = installMocks({
      stack: "lib",
      state: (args) =>
        args.type === MIGRATION
          ? { status: "applied", counts: { total: 4, databases: { node_a_kato: 3, node_b_kato: 1 } } }
          : args.type === PROFILING
            ? { changedByLastRun: { "kato-mongodb-0.kato-mongodb-headless.data.svc.cluster.local:27017": 2 } }
            : undefined,
    });
    options = recordOptions();
    plane = new KatoDataPlane("kato", {
      target: { kind: "kubernetes", namespace: "data" },
      mongodb: { profiling: { mode: "off", slowOpThresholdMs: 300 } },
      schema: { preset: "guide", nodeIds: ["a", "b"], serviceName: "kato", vectorSize: 768 },
      profiling: { databases: { node_b_kato: "all" } },
      migrations: ["0001-patterns-version-3.0"],
    });
    await waitForRegistrations();
  });

  it("declares one MongoProfiling for the replica set and one MongoMigration per migration", () => {
    expect(h.ofType(PROFILING).map((r) => r.name)).toEqual(["kato-mongodb-profiling"]);
    expect(h.ofType(MIGRATION).map((r) => r.name)).toEqual([
      "kato-mongodb-migration-0001-patterns-version-3.0",
    ]);
  });

  it("profiles every tenant database on every member, as root, over the members' startup settings", () => {
    const p = unwrapSecrets(h.one(PROFILING).inputs);
    expect(p.databases).toEqual({ node_a_kato: 1, node_b_kato: 2 });
    // A library user given no slowms gets the replica set's own threshold.
    expect(p.slowms).toBe(300);
    expect(p.serverDefaults).toEqual({ level: 0, slowms: 300, sampleRate: 1 });
    expect(p.username).toBe("root");
    expect(p.access.members.map((m: any) => m.reach.pod)).toEqual([
      "kato-mongodb-0",
      "kato-mongodb-1",
      "kato-mongodb-2",
    ]);
  });

  it("runs the migration on the tenant databases after their schemas, with the password secret", () => {
    const m = unwrapSecrets(h.one(MIGRATION).inputs);
    expect(m).toMatchObject({
      migrationId: "0001-patterns-version-3.0",
      collection: "patterns",
      setIfMissing: { field: "version", value: "3.0" },
      databases: ["node_a_kato", "node_b_kato"],
      username: "root",
    });
    expect(JSON.stringify(h.one(MIGRATION).inputs.password)).toContain("1b47061264138c4ac30d75fd1eb44270");
    const deps = options.find((o) => o.type === MIGRATION)!.dependencies;
    for (const schema of h.ofType(SCHEMA))
      expect(deps.some((d) => d.endsWith(`::${schema.name}`))).toBe(true);
    expect(deps.some((d) => d.endsWith("::kato-mongodb-bootstrap"))).toBe(true);
    expect(plaintextSecretLeaks(h)).toEqual([]);
  });

  it("keeps the resources it made, with their counts", async () => {
    const [m] = plane.mongoOperations.migrations;
    expect(m?.migrationId).toBe("0001-patterns-version-3.0");
    expect(await resolved(m!.resource.counts)).toEqual({
      total: 4,
      databases: { node_a_kato: 3, node_b_kato: 1 },
    });
    expect(plane.mongoOperations.profiling).toBeDefined();
  });

  it("declares neither without profiling or migrations, or with profiling enabled: false", async () => {
    const h2 = installMocks({ stack: "lib2" });
    new KatoDataPlane("p", {
      target: { kind: "docker", networkName: "n" },
      schema: { preset: "guide", nodeIds: ["a"], serviceName: "kato", vectorSize: 768 },
      profiling: { enabled: false },
    });
    await waitForRegistrations();
    expect(h2.ofType(PROFILING)).toEqual([]);
    expect(h2.ofType(MIGRATION)).toEqual([]);
  });
  // Last: the refused plane's component stays registered with the mocks it was declared under.
  it("refuses bad profiling and migrations before declaring anything, listing every problem", () => {
    expect(
      () =>
        new KatoDataPlane("bad", {
          target: { kind: "docker", networkName: "x" },
          schema: { preset: "guide", nodeIds: ["a"], serviceName: "kato", vectorSize: 768 },
          profiling: { level: 7 as never },
          migrations: ["0009-unknown", "0001-patterns-version-3.0", "0001-patterns-version-3.0"],
        }),
    ).toThrow(/KatoDataPlane bad has 3 problems/);
  });
});
