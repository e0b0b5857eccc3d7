/**
 * Runs a Pulumi program (or a fixture that declares resources) the way `pulumi up` runs it: a plain
 * Node process with ts-node's CommonJS compile, under the shared mocks. Use it wherever what is being
 * proved depends on the real module system, above all the serialization of dynamic providers.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type RecordedOutputs, type RecordedResource, unwrapSecrets } from "./mocks";

export interface NodeProgramRun {
  resources: RecordedResource[];
  outputs: RecordedOutputs[];
  /** Errors thrown or rejected while the program ran (a serialization failure shows up here). */
  errors: string[];
}

const ROOT = resolve(__dirname, "..", "..");

export function runProgramUnderNode(
  entry: string,
  options: {
    stack: string;
    config?: Record<string, unknown>;
    exportName?: string;
    timeoutMs?: number;
    /** Run under the preview-mode mocks: outputs other resources compute are unknown. */
    preview?: boolean;
    env?: Record<string, string>;
  },
): NodeProgramRun {
  const dir = mkdtempSync(join(tmpdir(), "kato-program-"));
  try {
    const configFile = join(dir, "config.json");
    const outFile = join(dir, "out.json");
    writeFileSync(configFile, JSON.stringify(options.config ?? {}));
    const args = [
      "-r",
      "ts-node/register",
      join(__dirname, "recordProgram.ts"),
      resolve(ROOT, entry),
      options.stack,
      configFile,
      outFile,
    ];
    if (options.exportName) args.push(options.exportName);
    const result = spawnSync(process.execPath, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        // Pulumi.yaml's tsconfig, as the Node language host registers ts-node with it (`project`).
        TS_NODE_PROJECT: join(ROOT, "tsconfig.pulumi.json"),
        TS_NODE_TRANSPILE_ONLY: "1",
        KATO_MOCKS_PREVIEW: options.preview ? "1" : "0",
        ...options.env,
      },
      encoding: "utf8",
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    if (result.status !== 0) {
      throw new Error(`program ${entry} exited with ${result.status}: ${result.stderr.slice(-4000)}`);
    }
    return JSON.parse(readFileSync(outFile, "utf8")) as NodeProgramRun;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The dynamic resources of a run: name, serialized provider text, and inputs as the engine sends them. */
export function dynamicResources(
  run: NodeProgramRun,
): Array<{ name: string; providerText: string; inputs: Record<string, any> }> {
  return run.resources
    .filter((r) => typeof r.inputs.__provider === "string")
    .map((r) => {
      const { __provider, ...inputs } = unwrapSecrets(r.inputs);
      return { name: r.name, providerText: __provider as string, inputs };
    });
}
