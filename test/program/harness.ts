/**
 * Runs the real program (index.ts) under Pulumi mocks with a stack file's config, and records the
 * resource options the engine would receive (protect, retainOnDelete), which the shared harness does
 * not keep.
 */
import * as pulumi from "@pulumi/pulumi";
import { stackConfig } from "../stacks/stackFiles";
import { installMocks, type MockHarness, type MockOptions, waitForRegistrations } from "../support/mocks";

export interface RecordedOptions {
  type: string;
  name: string;
  protect: boolean;
  retainOnDelete: boolean;
  /** URNs of every resource this one waits for (dependsOn, components expanded to their resources). */
  dependencies: string[];
}

export interface ProgramRun {
  harness: MockHarness;
  options: RecordedOptions[];
  outputs: Record<string, pulumi.Output<unknown> | unknown>;
}

/** Wraps the mock monitor so every registration's options are recorded. */
export function recordOptions(): RecordedOptions[] {
  const recorded: RecordedOptions[] = [];
  const monitor = pulumi.runtime.getMonitor() as any;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    recorded.push({
      type: req.getType(),
      name: req.getName(),
      protect: req.getProtect() === true,
      retainOnDelete: req.getRetainondelete?.() === true,
      dependencies: req.getDependenciesList?.() ?? [],
    });
    return original(req, callback);
  };
  return recorded;
}

/**
 * The program of `stack` as `pulumi up -s <stack>` runs it: the stack file's config (plus
 * `overrides`) fed to the mocks, then index.ts loaded. Once per test file (index.ts runs on load).
 * `state` stands for what providers would answer (outputs computed by create).
 */
export async function runProgram(
  stack: string,
  overrides: Record<string, unknown> = {},
  state?: MockOptions["state"],
): Promise<ProgramRun> {
  const config: Record<string, unknown> = { ...stackConfig(stack), ...overrides };
  const harness = installMocks({ stack, config, ...(state ? { state } : {}) });
  const options = recordOptions();
  // index.ts exports its outputs object (`export =`); vitest's module runner also offers it as default.
  const mod = (await import("../../index")) as Record<string, unknown>;
  const outputs = (mod.default ?? mod) as Record<string, unknown>;
  await waitForRegistrations();
  return { harness, options, outputs };
}
