/**
 * kato-infra as another Pulumi project gets it: `npm pack` (its `prepack` builds dist/ afresh), the
 * tarball installed into a fresh consumer project next to the peer dependencies a Pulumi program
 * has, the library example of docs/library.md type-checked and run there under Pulumi's mocks, and every
 * dynamic provider it declares loaded by the real Pulumi dynamic-provider host started from the
 * consumer's directory, as `pulumi up` would.
 *
 * One pack and one install per run (beforeAll). The registry must be reachable (`--prefer-offline`
 * uses npm's cache first). The test depends only on the host's contract (`__provider` is a module
 * text whose `handler()` returns the provider), so it holds for closure-serialized providers and
 * for a small shim that `require`s a runtime module from the installed package alike.
 */
import { type SpawnOptions, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDynamicProviderHost } from "./dynamicProviderHost";

const ROOT = resolve(__dirname, "..", "..");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  files: string[];
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const PEERS = ["@pulumi/pulumi", "@pulumi/docker", "@pulumi/kubernetes", "@pulumi/random"];
/** The size bound of the package, unpacked (today about 1.1 MB). */
const MAX_UNPACKED_BYTES = 2 * 1024 * 1024;
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const STALE = join("dist", "components", "stale-from-an-earlier-build.js");

interface PackResult {
  filename: string;
  unpackedSize: number;
  files: Array<{ path: string }>;
}
interface Recorded {
  resources: Array<{ type: string; name: string; inputs: Record<string, any> }>;
  exported: string[];
  errors: string[];
}

let work: string;
let consumer: string;
let packed: PackResult;
let example: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "kato-pack-"));
  // A file an earlier build left in dist/: prepack must rebuild dist/ from scratch, not ship it.
  mkdirSync(join(ROOT, dirname(STALE)), { recursive: true });
  writeFileSync(join(ROOT, STALE), "module.exports = 'stale';\n");

  const pack = await run("npm", ["pack", "--json", "--pack-destination", work], ROOT);
  packed = parsePackJson(pack.stdout);

  consumer = join(work, "consumer");
  mkdirSync(consumer);
  // A Pulumi TypeScript project: its own @pulumi/pulumi and provider SDKs (at the versions this
  // repository tests), TypeScript and @types/node; kato-infra from the tarball.
  const version = (name: string) => {
    const v = PKG.devDependencies[name];
    if (!v) throw new Error(`package.json devDependencies has no ${name}`);
    return v;
  };
  writeJson(join(consumer, "package.json"), {
    name: "kato-consumer",
    version: "0.0.0",
    private: true,
    dependencies: {
      [PKG.name]: `file:${join(work, packed.filename)}`,
      ...Object.fromEntries(PEERS.map((p) => [p, version(p)])),
    },
    devDependencies: { typescript: version("typescript"), "@types/node": version("@types/node") },
  });
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], consumer);

  example = libraryExample();
  writeFileSync(join(consumer, "index.ts"), example);
  // The settings of a `pulumi new typescript` project: strict, CommonJS, classic node resolution,
  // and no skipLibCheck (so kato-infra's declaration files are checked too).
  writeJson(join(consumer, "tsconfig.json"), {
    compilerOptions: {
      strict: true,
      outDir: "bin",
      target: "es2020",
      module: "commonjs",
      moduleResolution: "node",
      sourceMap: true,
      experimentalDecorators: true,
      noFallthroughCasesInSwitch: true,
      noImplicitReturns: true,
      forceConsistentCasingInFileNames: true,
    },
    files: ["index.ts"],
  });
  // node16 resolution honours package.json `exports`: the main entry must stay importable.
  writeJson(join(consumer, "tsconfig.node16.json"), {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: "es2020",
      module: "node16",
      moduleResolution: "node16",
      skipLibCheck: true,
    },
    files: ["index.ts"],
  });
  copyFileSync(join(__dirname, "consumer", "run-under-mocks.cjs"), join(consumer, "run-under-mocks.cjs"));
}, 900_000);

afterAll(() => {
  rmSync(join(ROOT, STALE), { force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("builds dist/ afresh and ships only the built library, its types, README and the user docs", () => {
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths).not.toContain(STALE.split(sep).join("/"));

    // The bound: exactly a .js and a .d.ts per library module (components/: the stack program's
    // program/ and stacks/ are not part of the library), plus package.json, README.md, LICENSE if there is one, the docs listed
    // in "files"; under MAX_UNPACKED_BYTES unpacked. No tests, bench, tools, fixtures, sources or maps.
    const modules = sourceFiles("components");
    const built = modules.flatMap((m) => {
      const base = `dist/${m.slice(0, -".ts".length)}`;
      return [`${base}.js`, `${base}.d.ts`];
    });
    const docs = PKG.files.filter((f) => f.endsWith(".md"));
    for (const doc of docs) expect(existsSync(join(ROOT, doc)), `${doc} listed in files`).toBe(true);
    const fixed = [
      "runtime.js",
      "package.json",
      "README.md",
      ...docs,
      ...(existsSync(join(ROOT, "LICENSE")) ? ["LICENSE"] : []),
    ];
    expect(paths).toEqual([...built, ...fixed].sort());
    expect(packed.unpackedSize).toBeLessThanOrEqual(MAX_UNPACKED_BYTES);
  });

  it("declares @pulumi/pulumi and the provider SDKs as peer ranges, kept exact for this repository", () => {
    for (const peer of PEERS) {
      expect(PKG.dependencies[peer], `${peer} in dependencies`).toBeUndefined();
      const exact = PKG.devDependencies[peer];
      expect(exact, `${peer} in devDependencies`).toMatch(/^\d+\.\d+\.\d+$/);
      expect(PKG.peerDependencies[peer]).toBe(`^${exact}`);
    }
    expect(Object.keys(PKG.peerDependencies).sort()).toEqual([...PEERS].sort());
  });
});

describe("installed into a fresh consumer project", () => {
  it("holds exactly the packed files", () => {
    const installed = walk(join(consumer, "node_modules", PKG.name)).sort();
    expect(installed).toEqual(packed.files.map((f) => f.path).sort());
  });

  it("declares every package its built code requires, and requires every package it declares", () => {
    const dir = join(consumer, "node_modules", PKG.name);
    const required = new Set<string>();
    for (const file of walk(dir).filter((f) => f.endsWith(".js"))) {
      const text = readFileSync(join(dir, file), "utf8");
      for (const m of text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
        const spec = m[1]!;
        // runtime.js requires ts-node only in a clone (next to components/runtime.ts), where it is a
        // devDependency; an installed package has no TypeScript sources and loads dist/.
        if (file === "runtime.js" && spec === "ts-node") continue;
        if (spec.startsWith(".") || spec.startsWith("node:") || builtinModules.includes(spec)) continue;
        const parts = spec.split("/");
        required.add(spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
      }
    }
    const declared = new Set([...Object.keys(PKG.dependencies), ...Object.keys(PKG.peerDependencies)]);
    expect([...required].filter((r) => !declared.has(r))).toEqual([]);
    expect([...declared].filter((d) => !required.has(d))).toEqual([]);
  });

  it("shares the consumer's single copy of @pulumi/pulumi and the provider SDKs", () => {
    const fromConsumer = createRequire(join(consumer, "package.json"));
    const fromLibrary = createRequire(fromConsumer.resolve(PKG.name));
    for (const peer of PEERS) {
      expect(fromLibrary.resolve(peer), peer).toBe(fromConsumer.resolve(peer));
    }
  });

  it("type-checks the library example of docs/library.md with a Pulumi project's settings", async () => {
    expect(example).toMatch(/from "kato-infra"/);
    await run(process.execPath, [tscOf(consumer), "-p", "tsconfig.json"], consumer);
    expect(existsSync(join(consumer, "bin", "index.js"))).toBe(true);
  }, 600_000);

  it("type-checks it with node16 resolution too (which reads package.json exports)", async () => {
    await run(process.execPath, [tscOf(consumer), "-p", "tsconfig.node16.json"], consumer);
  }, 600_000);

  let recorded: Recorded;
  it("runs the example under Pulumi mocks with the consumer's @pulumi/pulumi", async () => {
    const out = join(consumer, "recorded.json");
    const ran = await run(process.execPath, ["run-under-mocks.cjs", join("bin", "index.js"), out], consumer, {
      allowFailure: true,
    });
    if (!existsSync(out)) throw new Error(`the example recorded nothing:\n${ran.stdout}\n${ran.stderr}`);
    recorded = JSON.parse(readFileSync(out, "utf8"));
    expect(recorded.errors).toEqual([]);
    expect(ran.code, ran.stderr).toBe(0);
    const exportNames = [...example.matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
    expect(recorded.exported.sort()).toEqual(exportNames.sort());
    const types = new Set(recorded.resources.map((r) => r.type));
    for (const component of ["KatoDataPlane", "MongoReplicaSet", "QdrantCluster", "RedisCluster"]) {
      expect(
        [...types].some((t) => t.endsWith(`:${component}`)),
        component,
      ).toBe(true);
    }
    expect(dynamicResources(recorded).length).toBeGreaterThan(0);
  }, 300_000);

  it("loads each dynamic provider in the real Pulumi host from the consumer's directory; check answers", async () => {
    expect(recorded, "the example ran").toBeDefined();
    const byText = new Map<string, Recorded["resources"][number]>();
    for (const r of dynamicResources(recorded))
      if (!byText.has(r.inputs.__provider)) byText.set(r.inputs.__provider, r);
    expect(byText.size).toBeGreaterThan(0);
    for (const [text, resource] of byText) {
      // Nothing points back into this repository: what it needs comes from the consumer's install.
      expect(text, resource.name).not.toContain(ROOT);
      const urn = `urn:pulumi:dev::kato-consumer::${resource.type}::${resource.name}`;
      const host = await startDynamicProviderHost(consumer);
      try {
        await host.configure();
        const news = plain(resource.inputs);
        const answer = await host.check(urn, {}, news);
        expect(answer.failures, `${resource.name}: check of its recorded inputs`).toEqual([]);
        expect(answer.inputs.__provider).toBe(text);
        // The host passes inputs through without failures when a provider has no check: failures
        // on empty inputs prove the library's own check ran.
        const empty = await host.check(urn, {}, { __provider: text });
        expect(empty.failures.length, `${resource.name}: check of empty inputs`).toBeGreaterThan(0);
      } catch (error) {
        throw new Error(
          `${resource.name} (${resource.type}): ${String(error)}\nhost stderr:\n${host.stderr()}`,
        );
      } finally {
        await host.close();
      }
    }
  }, 300_000);
});

function dynamicResources(r: Recorded): Recorded["resources"] {
  return r.resources.filter(
    (x) => x.type.startsWith("pulumi-nodejs:dynamic") && typeof x.inputs.__provider === "string",
  );
}

/** Inputs as the engine sends them to the host, which accepts no secrets: wrappers removed. */
function plain(value: unknown): any {
  if (value && typeof value === "object" && (value as any)[SIG_KEY] === SECRET_SIG) {
    return plain((value as any).value);
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, plain(v)]),
    );
  }
  return value;
}

/**
 * The library example: the ```ts block right after the `library-example` marker in docs/library.md
 * (a marker, so another TypeScript block on that page cannot be taken for it).
 */
function libraryExample(): string {
  const page = readFileSync(join(ROOT, "docs", "library.md"), "utf8");
  const m = /<!-- library-example[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(page);
  if (!m || !m[1]!.includes(`from "${PKG.name}"`)) {
    throw new Error(
      `docs/library.md has no \`\`\`ts block importing from "${PKG.name}" after its <!-- library-example --> marker`,
    );
  }
  return m[1]!;
}

function tscOf(project: string): string {
  return createRequire(join(project, "package.json")).resolve("typescript/bin/tsc");
}

function sourceFiles(folder: string): string[] {
  return walk(join(ROOT, folder))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => `${folder}/${f}`);
}

/** Files under dir, relative, with forward slashes. */
function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) visit(full);
      else out.push(relative(dir, full).split(sep).join("/"));
    }
  };
  visit(dir);
  return out;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** `npm pack --json` output; lifecycle-script output, where an npm version prints it, comes first. */
function parsePackJson(stdout: string): PackResult {
  const start = stdout.search(/^\[/m);
  if (start < 0) throw new Error(`npm pack printed no JSON:\n${stdout}`);
  const [result] = JSON.parse(stdout.slice(start)) as PackResult[];
  if (!result) throw new Error(`npm pack packed nothing:\n${stdout}`);
  return result;
}

/**
 * Runs a command to completion, failing with its output unless allowFailure. npm's own lifecycle
 * variables are removed so a child npm works on its cwd, not on the package running `npm test`.
 */
function run(
  command: string,
  args: string[],
  cwd: string,
  options: { allowFailure?: boolean } = {},
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$|config_call$)/i.test(key)) delete env[key];
  }
  delete env.NODE_ENV;
  delete env.INIT_CWD;
  const spawnOptions: SpawnOptions = { cwd, env, stdio: ["ignore", "pipe", "pipe"] };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, spawnOptions);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => {
      stdout += String(d);
    });
    child.stderr?.on("data", (d) => {
      stderr += String(d);
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0 || options.allowFailure) resolvePromise({ stdout, stderr, code });
      else
        reject(
          new Error(
            `${command} ${args.join(" ")} (in ${cwd}) exited ${code}\n${stdout.slice(-6000)}\n${stderr.slice(-6000)}`,
          ),
        );
    });
  });
}
