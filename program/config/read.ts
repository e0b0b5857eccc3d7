/**
 * Reads the stack config from the Pulumi runtime and validates it (./load.ts), throwing one
 * StackConfigError with every problem before the program declares anything.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type Problem } from "../../components/shared/problems";
import { loadStackConfig, type StackConfig } from "./load";

/** Config keys holding secrets, as the CLI lists them for the program (never shown in messages). */
function secretKeys(): string[] {
  const fromRuntime = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean })
    .isConfigSecret;
  const keys = Object.keys(pulumi.runtime.allConfig());
  if (fromRuntime) return keys.filter((k) => fromRuntime(k));
  try {
    const listed = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
    return Array.isArray(listed) ? listed : [];
  } catch {
    return [];
  }
}

function stackFileText(stack: string): string | undefined {
  // The project's directory; under test mocks the runtime has none (and may answer a placeholder).
  const fromRuntime = pulumi.runtime.getRootDirectory();
  const root = fromRuntime && path.isAbsolute(fromRuntime) ? fromRuntime : process.cwd();
  try {
    return fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8");
  } catch {
    return undefined;
  }
}

/**
 * The program's refusal of a stack's config: a Pulumi `RunError`, which the Node language host
 * (pulumi v3.248.0 sdk/nodejs/cmd/run/run.ts, `uncaughtHandler`) prints as its message only, once,
 * without "failed with an unhandled exception" and without a stack trace. The message is the list of
 * problems, as ConfigError words it.
 */
export class StackConfigError extends pulumi.RunError {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[], stack: string) {
    super(new ConfigError(problems, `kato-infra configuration of stack ${stack}`).message);
    this.name = "StackConfigError";
    this.problems = problems;
  }
}

export function readStackConfig(): StackConfig {
  const stack = pulumi.getStack();
  const { config, problems } = loadStackConfig({
    config: pulumi.runtime.allConfig(),
    stack,
    secretKeys: secretKeys(),
    stackFile: stackFileText(stack),
    env: process.env,
  });
  if (problems.length > 0 || !config) throw new StackConfigError(problems, stack);
  return config;
}
