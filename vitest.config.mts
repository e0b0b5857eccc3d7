import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Three tiers (docs/testing.md): `pure` (in-process only: plans, Pulumi mocks, the fakes), `process`
// (fresh Node processes as Pulumi runs them), `real` (programs from Debian's packages). A test file
// is `pure` unless test/tiers.json lists it; test/meta/tiers.test.ts checks each file is where what
// it runs puts it. `npm test` runs all three (CI); `npm run test:fast` runs `pure` alone.
// vitest runs from the project root (npm test), where this file is.
const tiers: { process: string[]; real: string[] } = JSON.parse(readFileSync("test/tiers.json", "utf8"));
const PROCESS_TESTS = tiers.process;
const REAL_TESTS = tiers.real;
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Pulumi mocks are process-global: each test file runs in its own fork.
    pool: "forks",
    reporters: ["default", "./test/setup/summaryReporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "pure",
          include: ["test/**/*.test.ts"],
          exclude: ["test/live/**", ...PROCESS_TESTS, ...REAL_TESTS],
        },
      },
      { extends: true, test: { name: "process", include: [...PROCESS_TESTS] } },
      {
        extends: true,
        test: {
          name: "real",
          include: [...REAL_TESTS],
          // In CI a missing real tool (redis-server, shellcheck, ...) fails the run instead of skipping suites.
          globalSetup: ["test/setup/requiredTools.ts"],
        },
      },
    ],
  },
});
