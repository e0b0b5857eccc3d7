/**
 * Pulumi.yaml's config block and docs/reference.md are generated from the same FieldDoc
 * lists the code validates with; these tests fail when either is out of step (fix: `npm run docs`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { MONGO_DEFAULTS, MONGO_FIELDS } from "../../components/mongodb/settings";
import {
  DATA_TIER_MONITORING_FIELDS,
  MONGO_BACKUP_FIELDS,
  QDRANT_SNAPSHOTS_FIELDS,
  REDIS_BACKUP_FIELDS,
} from "../../components/operations";
import { QDRANT_FIELDS } from "../../components/qdrant/settings";
import { REDIS_DEFAULTS, REDIS_FIELDS } from "../../components/redis/settings";
import { CONFIG_KEYS, loadStackConfig } from "../../program/config/load";
import {
  configReference,
  engineTables,
  operationsTables,
  pulumiYamlConfig,
  withFieldTables,
  withHostPortTable,
  withOperationsTables,
  withPulumiConfig,
  withReference,
} from "../../tools/config-docs";

const root = path.join(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

describe("Pulumi.yaml", () => {
  const project = parse(read("Pulumi.yaml"));

  it("declares no config key, as generated (see tools/config-docs.ts pulumiYamlConfig)", () => {
    expect(pulumiYamlConfig()).toEqual({});
    expect(project.config).toBeUndefined();
  });

  it("runs index.ts as the program (package.json's main is the library)", () => {
    expect(project.name).toBe("kato-infra");
    expect(project.main).toBe("index.ts");
    expect(project.runtime).toEqual({
      name: "nodejs",
      options: { typescript: true, tsconfig: "tsconfig.pulumi.json" },
    });
  });

  it("runs the program transpile-only, as the Node language host decides it", () => {
    // Re-stated from pulumi v3.248.0: sdk/nodejs/cmd/pulumi-language-nodejs/main.go passes the
    // `tsconfig` runtime option as PULUMI_NODEJS_TSCONFIG_PATH; sdk/nodejs/cmd/run/run.ts reads that
    // file's own `compilerOptions` (tsutils.loadTypeScriptCompilerOptions: the raw file, `extends` not
    // followed) and, unless PULUMI_NODEJS_TRANSPILE_ONLY is set, registers ts-node with
    // `transpileOnly: compilerOptions.noCheck` (undefined: ts-node type-checks everything it loads).
    const tsconfigPath = project.runtime.options.tsconfig as string;
    const raw = parse(read(tsconfigPath));
    const transpileOnly = raw.compilerOptions?.noCheck;
    expect(transpileOnly).toBe(true);
    // The same compiler options as the ones `tsc --noEmit` checks in CI, which keeps type checking.
    expect(raw.extends).toBe("./tsconfig.json");
    expect(parse(read("tsconfig.json")).compilerOptions.noCheck).toBeUndefined();
  });

  it("compiles the program with swc, through the options the host gives ts-node", () => {
    // Re-stated from pulumi v3.248.0 sdk/nodejs/cmd/run/run.ts: the host calls ts-node's register
    // with `project` (the tsconfig above), `transpileOnly` and its own compilerOptions; ts-node
    // 10 (src/configuration.ts readConfig) layers the file's `ts-node` options under those, so its
    // `swc: true` compiles every module with @swc/core (loading the program: about 1.1 s against
    // 2.4 s with TypeScript's transpiler here, docs/benchmarks.md). The real ts-node decides here.
    const { create } = require("ts-node") as typeof import("ts-node");
    const service = create({
      compiler: "typescript",
      transpileOnly: true,
      project: path.join(root, project.runtime.options.tsconfig as string),
      skipProject: false,
      compilerOptions: {
        target: "ES2020",
        module: "nodenext",
        moduleResolution: "nodenext",
        sourceMap: true,
      },
    });
    expect(service.options.swc).toBe(true);
    // swc's CommonJS output (TypeScript's would read `exports.f = f;`), from the real @swc/core.
    const out = service.compile(
      "export const f = (x: number): number => x + 1;\n",
      path.join(root, "probe.ts"),
    );
    expect(out).toMatch(/Object\.defineProperty\(exports, "f", \{\s*enumerable: true,\s*get:/);
    // A devDependency: the program runs from a clone, installed with `npm ci`.
    expect(JSON.parse(read("package.json")).devDependencies["@swc/core"]).toBeDefined();
  });

  it("is left unchanged by the generator", () => {
    expect(withPulumiConfig(read("Pulumi.yaml"))).toBe(read("Pulumi.yaml"));
  });
});

describe("docs/reference.md", () => {
  const readme = read("docs/reference.md");

  it("is the generated reference", () => {
    expect(readme).toContain(configReference());
    expect(withReference(readme)).toBe(readme);
  });

  it("documents every field of every engine and of the program's objects", () => {
    const reference = configReference();
    for (const doc of CONFIG_KEYS) expect(reference).toContain(`| \`${doc.name}\` |`);
    for (const fields of [
      MONGO_FIELDS,
      QDRANT_FIELDS,
      REDIS_FIELDS,
      MONGO_BACKUP_FIELDS,
      QDRANT_SNAPSHOTS_FIELDS,
      REDIS_BACKUP_FIELDS,
      DATA_TIER_MONITORING_FIELDS,
      ...CONFIG_KEYS.map((k) => k.fields ?? []),
      ...CONFIG_KEYS.flatMap((k) => (k.sections ?? []).map((s) => s.fields)),
    ]) {
      for (const f of fields) expect(reference).toContain(`| \`${f.name}\` |`);
    }
    for (const key of ["backups.mongodb", "backups.qdrant", "backups.redis", "monitoring"]) {
      expect(reference).toContain(`#### \`kato-infra:${key}\``);
    }
  });

  it("shows which profiles back up and monitor, and with what", () => {
    const reference = configReference();
    const section = (key: string) => {
      const start = reference.indexOf(`#### \`kato-infra:${key}\``);
      const end = reference.indexOf("#### ", start + 5);
      return reference.slice(start, end < 0 ? undefined : end);
    };
    for (const engine of ["mongodb", "qdrant", "redis"]) {
      expect(section(`backups.${engine}`)).toMatch(
        /\| `enabled` \| boolean \| false \| true \| true \| false \|/,
      );
      expect(section(`backups.${engine}`)).toMatch(
        /\| `volumeSize` \| quantity \| 10Gi \| 20Gi \| 100Gi \| 10Gi \|/,
      );
    }
    expect(section("backups.mongodb")).toMatch(/\| `image` \| string \| mongo:8\.0\.15 \|/);
    expect(section("monitoring")).toMatch(
      /\| `prometheusOperator` \| boolean \| false \| false \| true \| false \|/,
    );
  });

  it("shows each profile's resolved value for engine fields", () => {
    expect(configReference()).toMatch(/\| `maxmemory` \| [^|]+ \| 256mb \| 1gb \| 2gb \| 256mb \|/);
    expect(configReference()).toMatch(/\| `antiAffinity` \| .+ \| soft \| soft \| required \| soft \|/);
  });
});

describe("docs/operations.md field tables", () => {
  const text = read("docs/operations.md");

  it("are generated from the components' field declarations (run npm run docs after a change)", () => {
    expect(withOperationsTables(text)).toBe(text);
  });

  it("show every field once, the tools images being the engines' own", () => {
    const tables = operationsTables();
    expect(Object.keys(tables)).toEqual([
      "backups-common",
      "backups-mongodb",
      "backups-qdrant",
      "backups-redis",
      "monitoring",
    ]);
    for (const fields of Object.values(tables))
      for (const f of fields) expect(text).toContain(`| \`${f.name}\` |`);
    expect(text).toContain(`| \`image\` | string | \`"${MONGO_DEFAULTS.image}"\` |`);
    expect(text).toContain(`| \`image\` | string | \`"redis:${REDIS_DEFAULTS.version}"\` |`);
  });
});

describe("the engines' settings tables (docs/mongodb.md, docs/qdrant.md, docs/redis.md)", () => {
  it("are generated from the engines' declarations (run npm run docs after a change)", () => {
    for (const [file, tables] of Object.entries(engineTables())) {
      const text = read(file);
      expect(withFieldTables(text, tables, file), file).toBe(text);
    }
  });

  it("show every field with what it accepts", () => {
    for (const [file, tables] of Object.entries(engineTables())) {
      const text = read(file);
      for (const fields of Object.values(tables)) {
        for (const f of fields) {
          const row = text.split("\n").find((line) => line.startsWith(`| \`${f.name}\` |`));
          expect(row, `${file} ${f.name}`).toBeDefined();
          expect(f.rules, `${file} ${f.name}`).toBeTruthy();
          expect(row).toContain(f.rules!.replace(/\|/g, "\\|"));
        }
      }
    }
  });
});

describe("docs/configuration.md's Docker host ports", () => {
  it("is generated from the stacks' bases and the exporters' declared defaults (run npm run docs)", () => {
    const text = read("docs/configuration.md");
    expect(withHostPortTable(text)).toBe(text);
    // The table's defaults are what a dev stack resolves.
    const dev = loadStackConfig({ stack: "dev", config: {} }).config!;
    for (const [key, value] of [
      ["mongodb.hostPortBase", dev.mongodb.hostPortBase],
      ["qdrant.hostPortBase", dev.qdrant.hostPortBase],
      ["qdrant.grpcHostPortBase", dev.qdrant.grpcHostPortBase],
      ["redis.hostPortBase", dev.redis.hostPortBase],
    ] as const) {
      expect(text).toContain(`| \`${key}\` | ${value} |`);
    }
  });
});
