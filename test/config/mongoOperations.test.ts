/**
 * `kato-infra:profiling` and `kato-infra:migrations` in the stack config: each preset's and profile's
 * defaults, the stack's overrides, and refusals with their messages (all at once, unknown fields with
 * the nearest name).
 */
import { describe, expect, it } from "vitest";
import { formatProblem } from "../../components/shared/problems";
import { type ConfigInput, loadStackConfig } from "../../program/config/load";

function input(stack: string, config: Record<string, unknown> = {}): ConfigInput {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    all[`kato-infra:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return { config: all, stack };
}

function ok(stack: string, config: Record<string, unknown> = {}) {
  const { config: resolved, problems } = loadStackConfig(input(stack, config));
  expect(problems.map(formatProblem)).toEqual([]);
  return resolved!;
}

function problems(stack: string, config: Record<string, unknown>): string[] {
  const { config: resolved, problems } = loadStackConfig(input(stack, config));
  expect(resolved).toBeUndefined();
  return problems.map(formatProblem);
}

const GUIDE_PROFILING = { enabled: true, level: 1, slowms: 100, sampleRate: 1, databases: {} };

describe("profiling defaults", () => {
  it.each(["dev", "staging", "prod", "pr-4"])(
    "%s with the guide preset profiles every tenant database at level 1, slowms 100 (the guide's setProfilingLevel)",
    (stack) => {
      expect(ok(stack, { nodeIds: ["a"] }).profiling).toEqual(GUIDE_PROFILING);
    },
  );

  it.each(["dev", "staging", "prod", "pr-4"])(
    "%s with the kato-v3 preset declares no profiling, as KATO 3.0.0 sets none",
    (stack) => {
      expect(ok(stack, { schemaPreset: "kato-v3" }).profiling.enabled).toBe(false);
    },
  );

  it("turns on for kato-v3 with the guide's level and threshold", () => {
    expect(ok("prod", { schemaPreset: "kato-v3", profiling: { enabled: true } }).profiling).toEqual(
      GUIDE_PROFILING,
    );
  });

  it("takes slowms from the members' own threshold (mongod.conf), so a restart keeps it", () => {
    const c = ok("dev", { mongodb: { profiling: { slowOpThresholdMs: 250 } } });
    expect(c.mongodb.profiling.slowOpThresholdMs).toBe(250);
    expect(c.profiling.slowms).toBe(250);
    expect(
      ok("dev", { mongodb: { profiling: { slowOpThresholdMs: 250 } }, profiling: { slowms: 50 } }).profiling
        .slowms,
    ).toBe(50);
  });

  it("accepts MongoDB's level words and per-database overrides of tenant databases", () => {
    const c = ok("dev", {
      nodeIds: ["a", "b"],
      profiling: { level: "off", sampleRate: 0.5, databases: { node_b_kato: "all" } },
    });
    expect(c.profiling).toEqual({
      enabled: true,
      level: 0,
      slowms: 100,
      sampleRate: 0.5,
      databases: { node_b_kato: 2 },
    });
  });
});

describe("migrations", () => {
  it.each(["dev", "staging", "prod", "pr-4"])("%s runs none unless the stack lists them", (stack) => {
    expect(ok(stack, { nodeIds: ["a"] }).migrations).toEqual([]);
  });

  it("takes ids, or ids with a database pattern", () => {
    expect(ok("dev", { nodeIds: ["a"], migrations: ["0001-patterns-version-3.0"] }).migrations).toEqual([
      { id: "0001-patterns-version-3.0" },
    ]);
    expect(
      ok("staging", {
        schemaPreset: "kato-v3",
        migrations: [{ id: "0001-patterns-version-3.0", databasePattern: "^.+_kato$" }],
      }).migrations,
    ).toEqual([{ id: "0001-patterns-version-3.0", databasePattern: "^.+_kato$" }]);
  });
});

describe("refused profiling and migrations", () => {
  it("an unknown profiling field, with the nearest one", () => {
    expect(problems("dev", { profiling: { slowMs: 50 } })).toEqual([
      "kato-infra:profiling.slowMs = 50: is not a known field. Fix: did you mean kato-infra:profiling.slowms? Known fields: enabled, level, slowms, sampleRate, databases.",
    ]);
  });

  it("a level MongoDB does not have", () => {
    expect(problems("dev", { profiling: { level: 3 } })).toEqual([
      'kato-infra:profiling.level = 3: [profiling-level] MongoDB\'s profiling levels are 0 (off), 1 (slow operations) and 2 (every operation). Fix: set kato-infra:profiling.level to 0, 1 or 2 (or "off", "slowOp", "all").',
    ]);
  });

  it("a sample rate above 1 and a negative slowms", () => {
    const found = problems("dev", { profiling: { sampleRate: 2, slowms: -1 } });
    expect(found).toHaveLength(2);
    expect(found.join("\n")).toMatch(/kato-infra:profiling\.sampleRate = 2: \[profiling-sample-rate\]/);
    expect(found.join("\n")).toMatch(/kato-infra:profiling\.slowms = -1: \[profiling-slowms\]/);
  });

  it("an override of a database that is not a tenant's: a level would create it on every member", () => {
    expect(problems("dev", { nodeIds: ["demo"], profiling: { databases: { node_dmeo_kato: 2 } } })).toEqual([
      "kato-infra:profiling.databases.node_dmeo_kato = 2: is not a tenant database of this stack: a level above 0 would create that database on every member. Fix: did you mean kato-infra:profiling.databases.node_demo_kato?",
    ]);
  });

  it("an override keyed by node id is pointed at the tenant's database", () => {
    expect(
      problems("staging", {
        schemaPreset: "kato-v3",
        nodeIds: ["qa-team"],
        profiling: { databases: { "qa-team": 2 } },
      }).join("\n"),
    ).toMatch(/did you mean kato-infra:profiling\.databases\.qa_team_kato\?/);
  });

  it("profiling written as a list or with a non-boolean enabled", () => {
    expect(problems("dev", { profiling: [1] }).join("\n")).toMatch(
      /kato-infra:profiling = .*must be a mapping of fields/,
    );
    expect(problems("dev", { profiling: { enabled: "yes" } })).toEqual([
      'kato-infra:profiling.enabled = "yes": must be true or false. Fix: set kato-infra:profiling.enabled to true or false.',
    ]);
  });

  it("a migration id not in the catalogue, with the nearest one", () => {
    expect(problems("dev", { nodeIds: ["a"], migrations: ["0001-patterns-version-3"] })).toEqual([
      'kato-infra:migrations[0] = "0001-patterns-version-3": is not a migration of the catalogue (components/dataplane/migrations.ts). Fix: did you mean 0001-patterns-version-3.0? Known migrations: 0001-patterns-version-3.0.',
    ]);
  });

  it("a migration listed twice", () => {
    expect(
      problems("dev", {
        nodeIds: ["a"],
        migrations: ["0001-patterns-version-3.0", { id: "0001-patterns-version-3.0" }],
      }),
    ).toEqual([
      'kato-infra:migrations[1].id = "0001-patterns-version-3.0": is listed twice (also kato-infra:migrations[0]): a migration runs once. Fix: remove kato-infra:migrations[1].',
    ]);
  });

  it("a migration over the declared tenants when the stack declares none", () => {
    expect(problems("pr-4", { migrations: ["0001-patterns-version-3.0"] })).toEqual([
      'kato-infra:migrations[0] = "0001-patterns-version-3.0": runs on the tenant databases in kato-infra:nodeIds, and it lists none. Fix: list the tenants in kato-infra:nodeIds, or give kato-infra:migrations[0] a databasePattern to run it on every database whose name matches, e.g. { id: 0001-patterns-version-3.0, databasePattern: "^node_.+_kato$" }.',
    ]);
  });

  it("a database pattern that is not a regular expression, and an unknown entry field", () => {
    const found = problems("dev", {
      migrations: [{ id: "0001-patterns-version-3.0", databasePattern: "^node_(.*_kato$", dryRun: true }],
    });
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^kato-infra:migrations\[0\]\.dryRun = true: is not a known field\./);
    expect(found[1]).toMatch(
      /^kato-infra:migrations\[0\]\.databasePattern = "\^node_\(\.\*_kato\$": \[migration-pattern\] is not a valid regular expression/,
    );
  });

  it("migrations written as one id instead of a list", () => {
    expect(problems("dev", { migrations: "0001-patterns-version-3.0" })).toEqual([
      "kato-infra:migrations = \"0001-patterns-version-3.0\": must be a YAML list. Fix: run `pulumi config rm kato-infra:migrations`, then `pulumi config set --path 'kato-infra:migrations[0]' 0001-patterns-version-3.0` (one per item) or write kato-infra:migrations in Pulumi.<stack>.yaml as a YAML list.",
    ]);
  });

  it("reports every problem of both keys at once, with the rest of the config", () => {
    const found = problems("dev", {
      mongodb: { members: 4 },
      profiling: { level: 5, sampelRate: 1 },
      migrations: ["0002-nothing"],
    });
    expect(found).toHaveLength(4);
  });
});
