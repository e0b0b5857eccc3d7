/**
 * No provider code in state: each dynamic resource's `__provider` is the shim of
 * components/runtimeShim.ts, which loads components/runtime.ts (a clone, through ts-node) or
 * `kato-infra/runtime` (an installed package, the built dist/). Proved as Pulumi runs it: the
 * resources are declared by a program in a plain Node process with ts-node (test/support/nodeProgram.ts)
 * and each shim is loaded as the dynamic-provider host loads it, in a fresh plain `node` process
 * whose working directory is the project (test/support/providerProcess.ts).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providers } from "../../components/runtime";
import { dynamicResources, type NodeProgramRun, runProgramUnderNode } from "../support/nodeProgram";
import { loadProviderInFreshProcess } from "../support/providerProcess";

const ROOT = resolve(__dirname, "..", "..");
const FIXTURE = "test/serialization/fixtures/allResources.ts";
const NAMES: Record<string, string> = {
  bootstrap: "MongoReplicaSetBootstrap",
  schema: "MongoDatabaseSchema",
  profiling: "MongoProfiling",
  migration: "MongoMigration",
  collection: "QdrantCollection",
  formation: "RedisClusterFormation",
  replication: "RedisReplicationFormation",
  placement: "DataTierPlacement",
};
/**
 * Bound of one `__provider`. The host stores it twice per resource (inputs and outputs) and a
 * tenant has two dynamic resources, so 4 copies of it are in each tenant's share of the 16 KB state
 * budget (issue 9): 2.5 KB keeps them under 10 KB, and the tenant's own settings (about 1.2 KB per
 * resource in prod, twice) get the rest. The shim measures about 2.4 KB: six method wrappers of the
 * closure serializer (about 250 bytes each), the loader (about 550) and the serializer's frame.
 */
const SHIM_BOUND = 2560;

let dir: string;
let original: NodeProgramRun;
let edited: NodeProgramRun;
let consumer: string;

const byName = (run: NodeProgramRun) => new Map(dynamicResources(run).map((d) => [d.name, d]));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kato-runtime-"));
  original = runProgramUnderNode(FIXTURE, { stack: "test" });

  // A copy of the components with the providers and an executor edited.
  const tree = join(dir, "tree");
  cpSync(join(ROOT, "components"), join(tree, "components"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"), "dir");
  cpSync(join(ROOT, "tsconfig.json"), join(tree, "tsconfig.json"));
  const schema = join(tree, "components", "mongodb", "schemaProvider.ts");
  const schemaText = readFileSync(schema, "utf8");
  expect(schemaText).toContain("async check(_olds: any, inputs: any) {");
  writeFileSync(
    schema,
    schemaText.replace(
      "async check(_olds: any, inputs: any) {",
      'async check(_olds: any, inputs: any) {\n    void "edited";',
    ),
  );
  const executor = join(tree, "components", "mongodb", "schemaExecutor.ts");
  const executorText = readFileSync(executor, "utf8");
  const at = executorText.indexOf("{\n", executorText.indexOf("export async function applySchema("));
  expect(at).toBeGreaterThan(0);
  writeFileSync(executor, `${executorText.slice(0, at + 2)}  void "edited";\n${executorText.slice(at + 2)}`);
  edited = runProgramUnderNode(FIXTURE, { stack: "test", env: { KATO_COMPONENTS_ROOT: tree } });

  // A project that installed kato-infra: package.json (with its exports) and the built dist/.
  consumer = join(dir, "consumer");
  const pkg = join(consumer, "node_modules", "kato-infra");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "kato-consumer", private: true }));
  cpSync(join(ROOT, "package.json"), join(pkg, "package.json"));
  cpSync(join(ROOT, "runtime.js"), join(pkg, "runtime.js"));
  symlinkSync(join(ROOT, "node_modules"), join(pkg, "node_modules"), "dir");
  const build = spawnSync(
    process.execPath,
    [
      join(ROOT, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      join(ROOT, "tsconfig.build.json"),
      "--outDir",
      join(pkg, "dist"),
      "--sourceMap",
      "false",
      "--declaration",
      "false",
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  expect(build.status, build.stdout + build.stderr).toBe(0);
}, 600_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("__provider of every dynamic resource", () => {
  it("covers every provider the runtime exports (a new one cannot escape these checks)", () => {
    expect(Object.values(NAMES).sort()).toEqual(Object.keys(providers).sort());
  });

  it("is the runtime shim: small, the same for every resource but its name, no path, nothing inlined", () => {
    expect(original.errors).toEqual([]);
    const found = byName(original);
    const shapes = new Set<string>();
    for (const [resource, name] of Object.entries(NAMES)) {
      const text = found.get(resource)?.providerText ?? "";
      expect(text.length, resource).toBeGreaterThan(0);
      expect(text.length, resource).toBeLessThanOrEqual(SHIM_BOUND);
      expect(text).toContain(`n: "${name}"`);
      expect(text).not.toContain(ROOT);
      expect(text).not.toMatch(/\/(home|Users|tmp|work|root)\//);
      expect([...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(["node:module"]);
      shapes.add(text.replaceAll(`"${name}"`, '"NAME"'));
    }
    expect(shapes.size).toBe(1);
  });

  it("stays identical after an edit of a provider and of an executor (whose code the old __provider inlined)", () => {
    expect(edited.errors).toEqual([]);
    const before = byName(original);
    const after = byName(edited);
    for (const resource of Object.keys(NAMES)) {
      expect(after.get(resource)?.providerText, resource).toBe(before.get(resource)?.providerText);
    }
    // The control: the provider object itself, serialized, carries the edit and is large.
    const inlineBefore = before.get("inline-schema")!.providerText;
    const inlineAfter = after.get("inline-schema")!.providerText;
    expect(inlineAfter).not.toBe(inlineBefore);
    expect(inlineAfter).toContain('void "edited"');
    expect(inlineBefore.length).toBeGreaterThan(10 * SHIM_BOUND);
  });

  const checks = async (cwd: string) => {
    for (const d of dynamicResources(original).filter((r) => r.name in NAMES)) {
      const provider = await loadProviderInFreshProcess(d.providerText, { cwd });
      try {
        expect(provider.methods.sort()).toEqual(["check", "create", "delete", "diff", "read", "update"]);
        const ok = await provider.call("check", {}, d.inputs);
        expect(ok.failures, d.name).toEqual([]);
        if (d.name === "schema") {
          // The real provider answers: a database name MongoDB refuses is a failure.
          const bad = await provider.call("check", {}, { ...d.inputs, database: "no/slash" });
          expect(bad.failures.map((f: { property: string }) => f.property)).toContain("database");
        }
      } finally {
        await provider.close();
      }
    }
  };

  it("loads from a clone: the project's components/runtime.ts through its ts-node", async () => {
    await checks(ROOT);
  }, 300_000);

  it("loads from a project that installed kato-infra: kato-infra/runtime, the built dist/", async () => {
    await checks(consumer);
  }, 300_000);

  it("says what is wrong where neither is found", async () => {
    const elsewhere = join(dir, "elsewhere");
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, "package.json"), JSON.stringify({ name: "other" }));
    const d = byName(original).get("schema")!;
    const provider = await loadProviderInFreshProcess(d.providerText, { cwd: elsewhere });
    try {
      await expect(provider.call("check", {}, d.inputs)).rejects.toThrow(
        /no provider MongoDatabaseSchema from .*elsewhere: Cannot find module 'kato-infra\/runtime'/,
      );
    } finally {
      await provider.close();
    }
  });
});

describe("RedisClusterFormation", () => {
  it("has a type name like the other resources, with an alias to its old type so stacks keep it", () => {
    const formation = original.resources.find((r) => r.name === "formation")!;
    expect(formation.type).toBe("pulumi-nodejs:dynamic/kato:RedisClusterFormation");
    expect(formation.aliases).toContainEqual({
      spec: expect.objectContaining({ type: "pulumi-nodejs:dynamic:Resource" }),
    });
  });
});
