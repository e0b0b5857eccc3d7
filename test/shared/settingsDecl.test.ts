/**
 * One declaration per setting (components/shared/settingsDecl.ts): the module's own rules, then, for
 * every engine, that what the declarations say (key list, defaults, ranges, allowed values) is what
 * the engine's resolver does.
 */
import { describe, expect, it } from "vitest";
import { MIGRATION_ENTRY_SETTINGS } from "../../components/dataplane/migrations";
import { PROFILING_SETTINGS, resolveDataPlaneProfiling } from "../../components/dataplane/profiling";
import { MONGO_DEFAULTS, MONGO_SETTINGS, resolveMongoSettings } from "../../components/mongodb/settings";
import {
  MONGO_BACKUP_SETTINGS,
  resolveMongoBackupSettings,
} from "../../components/operations/mongoBackupPlan";
import {
  DATA_TIER_MONITORING_SETTINGS,
  resolveDataTierMonitoringSettings,
} from "../../components/operations/monitoringPlan";
import {
  QDRANT_SNAPSHOTS_SETTINGS,
  resolveQdrantSnapshotsSettings,
} from "../../components/operations/qdrantSnapshotsPlan";
import {
  REDIS_BACKUP_SETTINGS,
  resolveRedisBackupSettings,
} from "../../components/operations/redisBackupPlan";
import { QDRANT_DEFAULTS, QDRANT_SETTINGS, resolveQdrantSettings } from "../../components/qdrant/settings";
import { REDIS_DEFAULTS, REDIS_SETTINGS, resolveRedisSettings } from "../../components/redis/settings";
import type { Problem } from "../../components/shared/problems";
import {
  type AnySetting,
  type Declarations,
  type DeclaredSettings,
  declareSettings,
  type SettingsInput,
  type SettingsResolved,
  setting,
} from "../../components/shared/settingsDecl";
import {
  COLLECTION_SETTINGS,
  DOCKER_SETTINGS,
  KUBERNETES_SETTINGS,
  kindOf,
  PROGRAM_SETTINGS,
} from "../../program/config/fields";
import { CONFIG_KEYS, loadStackConfig } from "../../program/config/load";

const demo = declareSettings({
  count: setting.integer({ default: 3, min: 1, max: 9, description: "How many." }),
  label: setting.optionalInteger({ min: 0, max: 5, description: "An optional number." }),
  level: setting.oneOf(["low", "high"], { default: "low", description: "The level.", only: "fancy" }),
  volume: setting.group(
    {
      size: setting.value<string>({
        type: "quantity",
        default: "1Gi",
        rules: "a quantity",
        description: "Size.",
      }),
      keep: setting.boolean({ default: true, description: "Keep it." }),
    },
    { description: "The volume." },
  ),
});

describe("declareSettings", () => {
  it("derives the defaults, the key list and the keys of a condition", () => {
    expect(demo.defaults).toEqual({ count: 3, level: "low", volume: { size: "1Gi", keep: true } });
    expect(demo.keys).toEqual(["count", "label", "level", "volume"]);
    expect(demo.keysOnly("fancy")).toEqual(["level"]);
    // The types come from the same declarations (compile-time: tsc --noEmit checks these lines).
    const input: SettingsInput<typeof demo.declarations> = { volume: { size: "2Gi" } };
    const resolved: SettingsResolved<typeof demo.declarations> = { ...demo.defaults, label: 2 };
    expect(input.volume?.size).toBe("2Gi");
    expect(resolved.volume.keep).toBe(true);
  });

  it("layers the user over the base over the defaults, groups member by member", () => {
    expect(demo.layer({ volume: { size: "5Gi" } }, { count: 7, volume: { keep: false } })).toEqual({
      count: 7,
      level: "low",
      volume: { size: "5Gi", keep: false },
    });
    // A group that is not an object is kept as written, for its check to report.
    expect(demo.layer({ volume: "big" }).volume).toBe("big");
  });

  it("checks every field against its declaration, groups included, and reports typos in groups", () => {
    const problems = demo.checkEach(
      "demo",
      demo.layer({ count: 10, label: 9, level: "mid", volume: { keep: "y" } }),
    );
    expect(problems.map((p) => p.field)).toEqual([
      "demo.count",
      "demo.label",
      "demo.level",
      "demo.volume.keep",
    ]);
    expect(problems[0]!.message).toBe("must be a whole number from 1 to 9.");
    expect(demo.checkEach("demo", demo.layer({ volume: "big" }))[0]).toMatchObject({
      field: "demo.volume",
      message: "must be an object.",
      fix: "write demo.volume as { size, keep }.",
    });
    expect(demo.unknownKeys("demo", { cont: 1, volume: { sise: "1Gi" } }).map((p) => p.field)).toEqual([
      "demo.cont",
      "demo.volume.sise",
    ]);
    expect(demo.checkEach("demo", demo.layer({ count: 10 }), ["count"])).toEqual([]);
  });

  it("documents each field once, groups flattened, with its range and condition", () => {
    expect(demo.fields()).toEqual([
      { name: "count", type: "integer", default: 3, rules: "1 to 9", description: "How many." },
      {
        name: "label",
        type: "integer",
        default: undefined,
        rules: "0 to 5",
        description: "An optional number.",
      },
      {
        name: "level",
        type: '"low" | "high"',
        default: "low",
        rules: "one of low, high",
        description: "fancy only: The level.",
      },
      { name: "volume.size", type: "quantity", default: "1Gi", rules: "a quantity", description: "Size." },
      {
        name: "volume.keep",
        type: "boolean",
        default: true,
        rules: "true or false",
        description: "Keep it.",
      },
    ]);
  });
});

/** Each engine: its declarations and its resolver (which adds only cross-field rules). */
const ENGINES: Array<{
  name: string;
  declared: DeclaredSettings<Declarations>;
  defaults: Record<string, unknown>;
  resolve: (raw: unknown) => { problems: Problem[] };
  /** Settings the mode under test leaves unchecked (the other mode's), with the raw that selects it. */
  modes: Array<{ raw: Record<string, unknown>; unchecked: readonly string[] }>;
}> = [
  {
    name: "mongodb",
    declared: MONGO_SETTINGS as unknown as DeclaredSettings<Declarations>,
    defaults: MONGO_DEFAULTS,
    resolve: (raw) => resolveMongoSettings(raw, "mongodb"),
    modes: [{ raw: {}, unchecked: [] }],
  },
  {
    name: "qdrant",
    declared: QDRANT_SETTINGS as unknown as DeclaredSettings<Declarations>,
    defaults: QDRANT_DEFAULTS,
    resolve: (raw) => resolveQdrantSettings(raw, "qdrant"),
    modes: [{ raw: {}, unchecked: [] }],
  },
  {
    name: "redis",
    declared: REDIS_SETTINGS as unknown as DeclaredSettings<Declarations>,
    defaults: REDIS_DEFAULTS,
    resolve: (raw) => resolveRedisSettings(raw, "redis"),
    modes: [
      { raw: { mode: "cluster" }, unchecked: REDIS_SETTINGS.keysOnly("replication") },
      { raw: { mode: "replication" }, unchecked: ["masters", "replicasPerMaster", "clusterNodeTimeoutMs"] },
    ],
  },
  ...(
    [
      ["backups.mongodb", MONGO_BACKUP_SETTINGS, resolveMongoBackupSettings],
      ["backups.qdrant", QDRANT_SNAPSHOTS_SETTINGS, resolveQdrantSnapshotsSettings],
      ["backups.redis", REDIS_BACKUP_SETTINGS, resolveRedisBackupSettings],
    ] as const
  ).map(([name, declared, resolve]) => ({
    name,
    declared: declared as unknown as DeclaredSettings<Declarations>,
    defaults: declared.defaults as Record<string, unknown>,
    resolve: (raw: unknown) => resolve(raw, name),
    // The bucket's members are checked only when it is used (destination s3): a cross-field rule.
    modes: [{ raw: {}, unchecked: ["s3"] }],
  })),
  ...(
    [
      ["docker", DOCKER_SETTINGS, "dev"],
      ["kubernetes", KUBERNETES_SETTINGS, "staging"],
    ] as const
  ).map(([key, declared, stack]) => ({
    name: `kato-infra:${key}`,
    declared: declared as unknown as DeclaredSettings<Declarations>,
    defaults: declared.defaults as Record<string, unknown>,
    // Through the whole stack config, as Pulumi hands it to the program.
    resolve: (raw: unknown) =>
      loadStackConfig({ stack, config: { [`kato-infra:${key}`]: JSON.stringify(raw) } }),
    modes: [{ raw: {}, unchecked: [] }],
  })),
  {
    name: "profiling",
    declared: PROFILING_SETTINGS as unknown as DeclaredSettings<Declarations>,
    defaults: PROFILING_SETTINGS.defaults,
    resolve: (raw) => resolveDataPlaneProfiling(raw, "profiling"),
    modes: [{ raw: {}, unchecked: [] }],
  },
  {
    name: "monitoring",
    declared: DATA_TIER_MONITORING_SETTINGS as unknown as DeclaredSettings<Declarations>,
    defaults: DATA_TIER_MONITORING_SETTINGS.defaults,
    resolve: (raw) => resolveDataTierMonitoringSettings(raw, "monitoring"),
    modes: [{ raw: {}, unchecked: [] }],
  },
];

/** Every declared setting as [path, declaration], group members as `group.member`. */
function leaves(declared: DeclaredSettings<Declarations>): Array<[string[], AnySetting]> {
  return declared.keys.flatMap((key) => {
    const s = declared.declarations[key]!;
    return s.members
      ? Object.entries(s.members).map(([m, ms]) => [[key, m], ms] as [string[], AnySetting])
      : [[[key], s] as [string[], AnySetting]];
  });
}

function at(path: string[], value: unknown): Record<string, unknown> {
  return path.length === 1 ? { [path[0]!]: value } : { [path[0]!]: { [path[1]!]: value } };
}

describe.each(ENGINES)("$name: the declarations are what the resolver does", (engine) => {
  it("resolves the declared defaults with no problem, and knows only the declared keys", () => {
    expect(engine.resolve({}).problems).toEqual([]);
    for (const key of engine.declared.keys) {
      const d = engine.declared.declarations[key]!;
      if (d.default !== undefined) expect(engine.defaults[key], key).toEqual(d.default);
    }
    const typo = engine.resolve({ notAField: 1 }).problems.map((p) => p.field);
    expect(typo).toEqual([`${engine.name}.notAField`]);
  });

  it("refuses a value just outside each declared integer range", () => {
    for (const mode of engine.modes) {
      for (const [path, s] of leaves(engine.declared)) {
        if (!s.range || mode.unchecked.includes(path[0]!)) continue;
        const name = `${engine.name}.${path.join(".")}`;
        for (const outside of [s.range.min - 1, s.range.max + 1]) {
          const fields = engine.resolve({ ...mode.raw, ...at(path, outside) }).problems.map((p) => p.field);
          expect(fields, `${name} = ${outside}`).toContain(name);
        }
      }
    }
  });

  it("refuses a value outside each declared list of allowed values", () => {
    for (const mode of engine.modes) {
      for (const [path, s] of leaves(engine.declared)) {
        if (!s.rules.startsWith("one of ") || mode.unchecked.includes(path[0]!)) continue;
        const name = `${engine.name}.${path.join(".")}`;
        const problems = engine.resolve({ ...mode.raw, ...at(path, "not-a-value") }).problems;
        expect(
          problems.find((p) => p.field === name),
          name,
        ).toMatchObject({ message: expect.stringContaining("must be one of") });
      }
    }
  });

  it("documents every setting with its type, what it accepts and what it does", () => {
    for (const f of engine.declared.fields()) {
      expect(f.type, f.name).toBeTruthy();
      expect(f.rules, f.name).toBeTruthy();
      expect(f.description.length, f.name).toBeGreaterThan(10);
    }
  });
});

describe("the program's top-level keys: the declarations are what loadStackConfig does", () => {
  const load = (config: Record<string, string>, stack = "dev") => loadStackConfig({ stack, config });
  const fieldsOf = (config: Record<string, string>) => load(config).problems.map((p) => p.field);

  it("resolves the declared defaults that no profile changes", () => {
    const { config, problems } = load({});
    expect(problems).toEqual([]);
    for (const key of ["singleNode", "schemaPreset", "nodeIds", "serviceName", "vectorSize"] as const) {
      expect(config![key], key).toEqual(PROGRAM_SETTINGS.defaults[key]);
    }
  });

  it("parses each key by the kind its declared type gives", () => {
    const kinds = Object.fromEntries(
      PROGRAM_SETTINGS.keys.map((k) => [k, kindOf(PROGRAM_SETTINGS.declarations[k])]),
    );
    expect(kinds).toMatchObject({
      singleNode: "boolean",
      vectorSize: "integer",
      nodeIds: "string[]",
      serviceName: "string",
    });
    for (const doc of CONFIG_KEYS.filter((d) =>
      (PROGRAM_SETTINGS.keys as readonly string[]).includes(d.name),
    )) {
      expect(doc.kind, doc.name).toBe(kinds[doc.name]);
    }
    expect(fieldsOf({ "kato-infra:vectorSize": "a lot" })).toEqual(["kato-infra:vectorSize"]);
    expect(fieldsOf({ "kato-infra:singleNode": "yes" })).toEqual(["kato-infra:singleNode"]);
  });

  it("refuses a value just outside each declared range and outside each declared list", () => {
    for (const key of PROGRAM_SETTINGS.keys) {
      const s = PROGRAM_SETTINGS.declarations[key] as AnySetting;
      const bad = s.range
        ? [String(s.range.min - 1), String(s.range.max + 1)]
        : s.rules.startsWith("one of ")
          ? ["not-a-value"]
          : [];
      for (const value of bad) {
        expect(fieldsOf({ [`kato-infra:${key}`]: value }), `${key} = ${value}`).toContain(
          `kato-infra:${key}`,
        );
      }
    }
    expect(fieldsOf({ "kato-infra:serviceName": "has space" })).toEqual(["kato-infra:serviceName"]);
  });

  it("documents every top-level key, custom collection and migration field with what it accepts", () => {
    const rows = [...CONFIG_KEYS, ...COLLECTION_SETTINGS.fields(), ...MIGRATION_ENTRY_SETTINGS.fields()];
    for (const f of rows) {
      expect(f.rules, f.name).toBeTruthy();
      expect(f.description.length, f.name).toBeGreaterThan(10);
    }
  });

  it("takes the entries' keys and one-field checks of collections and migrations from their declarations", () => {
    const problems = load({
      "kato-infra:collections": JSON.stringify([{ name: "", indexes: {} }, { nmae: "x" }]),
      "kato-infra:nodeIds": JSON.stringify(["t1"]),
      "kato-infra:migrations": JSON.stringify([{ id: "0001-patterns-version-3.0", pattern: "^x$" }]),
    }).problems.map((p) => p.field);
    expect(problems).toEqual(
      expect.arrayContaining([
        "kato-infra:collections[0].name",
        "kato-infra:collections[0].indexes",
        "kato-infra:collections[1].nmae",
        "kato-infra:collections[1].name",
        "kato-infra:migrations[0].pattern",
      ]),
    );
  });
});
