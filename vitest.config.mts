import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/live/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Pulumi mocks are process-global: each test file runs in its own fork.
    pool: "forks",
    // In CI a missing real tool (redis-server, shellcheck, ...) fails the run instead of skipping suites.
    globalSetup: ["test/setup/requiredTools.ts"],
    reporters: ["default", "./test/setup/summaryReporter.ts"],
  },
});
