import { defineConfig } from "vitest/config";
import { PROCESS_TESTS, REAL_TESTS } from "./test/tiers";

// Three tiers (test/tiers.ts says what each may do). `npm test` runs them all (CI); `npm run
// test:fast` runs `pure` alone.
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
