/**
 * Child process: runs a Pulumi program the way the Node language host does, under the shared mocks
 * (no engine: the SDK's log.warn/log.error then write `warning: [runtime] ...` / `error: [runtime] ...`
 * to stderr, sdk/nodejs/log/index.ts). Re-stated from pulumi v3.248.0 sdk/nodejs/cmd/run/run.ts:
 * - the program module is `require`d inside `runInPulumiStack` (runtime/stack.ts), whose Stack
 *   resource turns the module's exports into stack outputs (`massage` warns "Undefined value (<key>)
 *   will not show as a stack output." for each top-level undefined);
 * - an error escaping it reaches the `uncaughtException`/`unhandledRejection` handler, which logs a
 *   `RunError` as its message only, and any other error as "Running program '<program>' failed with
 *   an unhandled exception:" followed by its stack (`defaultErrorMessage`).
 *
 * argv: <program module> <stack> <config JSON file>. Exit code 32 when the program failed (as the
 * language host's), 0 otherwise.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, waitForRegistrations } from "../support/mocks";

const [entry, stack, configFile] = process.argv.slice(2);
if (!entry || !stack || !configFile) throw new Error("usage: languageHost <program> <stack> <config>");
const program = resolve(entry);

let failed = false;
const uncaughtHandler = (err: unknown) => {
  if (failed) return; // run.ts reports one error once (isErrorReported)
  failed = true;
  if (pulumi.RunError.isInstance(err)) {
    pulumi.log.error(err.message);
  } else {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    pulumi.log.error(`Running program '${program}' failed with an unhandled exception:\n${text}`);
  }
};
process.on("uncaughtException", uncaughtHandler);
process.on("unhandledRejection", uncaughtHandler);

installMocks({ stack, config: JSON.parse(readFileSync(configFile, "utf8")) });
const { runInPulumiStack } = require("@pulumi/pulumi/runtime/stack") as {
  runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
};
runInPulumiStack(async () => require(program)).then(async () => {
  await waitForRegistrations();
});
process.on("exit", () => {
  if (failed) process.exitCode = 32;
});
