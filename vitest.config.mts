import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Four tiers (docs/testing.md): `pure` (no Pulumi, no process: plans, settings, the MongoDB and Qdrant
// fakes), `mocks` (Pulumi programs and components under Pulumi's mocks, in-process), `process` (fresh
// Node processes as Pulumi runs them), `real` (programs from Debian's packages). A test file is `pure`
// unless test/tiers.json lists it; test/meta/tiers.test.ts checks each file is where what it loads
// and runs puts it. `npm test` runs all four (CI); `npm run test:fast` runs `pure` alone.
// vitest runs from the project root (npm test), where this file is.
const tiers: { mocks: string[]; process: string[]; real: string[] } = JSON.parse(
  readFileSync("test/tiers.json", "utf8"),
);
const LISTED = [...tiers.mocks, ...tiers.process, ...tiers.real];
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Pulumi mocks are process-global: each file of the other tiers runs in its own fork.
    pool: "forks",
    reporters: ["default", "./test/setup/summaryReporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "pure",
          include: ["test/**/*.test.ts"],
          exclude: ["test/live/**", ...LISTED],
          // Nothing here holds process-global state (no Pulumi mocks): the files share worker
          // threads and their loaded modules, which is what makes this tier fast.
          pool: "threads",
          isolate: false,
        },
      },
      { extends: true, test: { name: "mocks", include: [...tiers.mocks] } },
      { extends: true, test: { name: "process", include: [...tiers.process] } },
      {
        extends: true,
        test: {
          name: "real",
          include: [...tiers.real],
          // In CI a missing real tool (redis-server, shellcheck, ...) fails the run instead of skipping suites.
          globalSetup: ["test/setup/requiredTools.ts"],
        },
      },
    ],
  },
});
