/**
 * The program (index.ts) run in a fresh Node process the way the Pulumi Node language host runs it
 * (./languageHost.ts re-states sdk/nodejs/cmd/run/run.ts and runtime/stack.ts of pulumi v3.248.0),
 * judged by what a stack user would read on the console:
 * - a config problem prints as a RunError does: the list of problems, once, no trace;
 * - a clean run of every shipped stack (and of a pr-<N> stack with no file) prints no warning at all,
 *   in particular no "Undefined value (...) will not show as a stack output".
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { stackConfig, stackNames } from "../stacks/stackFiles";

const ROOT = resolve(__dirname, "..", "..");

function runLikePulumi(
  stack: string,
  config: Record<string, string>,
): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "kato-host-"));
  try {
    const configFile = join(dir, "config.json");
    writeFileSync(configFile, JSON.stringify(config));
    const result = spawnSync(
      process.execPath,
      ["-r", "ts-node/register", join(__dirname, "languageHost.ts"), "index.ts", stack, configFile],
      {
        cwd: ROOT,
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" },
        encoding: "utf8",
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the program as the language host runs it", () => {
  it("prints a config problem as a RunError: the problems once, no trace, no 'unhandled exception'", () => {
    const { status, output } = runLikePulumi("dev", {
      ...stackConfig("dev"),
      "kato-infra:mongodb": JSON.stringify({ members: 4 }),
      "kato-infra:nodeIDs": JSON.stringify(["a"]),
    });
    expect(status).toBe(32);
    expect(output).toMatch(/^error: \[runtime\] kato-infra configuration of stack dev has 2 problems:\n/);
    expect(output.match(/kato-infra:mongodb\.members = 4: must be odd/g)).toHaveLength(1);
    expect(output.match(/kato-infra:nodeIDs = /g)).toHaveLength(1);
    expect(output).not.toMatch(/unhandled exception/);
    expect(output).not.toMatch(/^\s+at /m);
  }, 150_000);

  it.each([...stackNames(), "pr-123"])(
    "prints no warning on a clean run of stack %s",
    (stack) => {
      const config = stack === "pr-123" ? {} : stackConfig(stack);
      const { status, output } = runLikePulumi(stack, config);
      expect(output).not.toMatch(/^error:/m);
      expect(status).toBe(0);
      expect(output.split("\n").filter((line) => /warn/i.test(line))).toEqual([]);
    },
    150_000,
  );
});
