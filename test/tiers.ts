/**
 * The suite's tiers, one vitest project each (vitest.config.mts):
 * - `pure`: in-process only (Pulumi mocks, the MongoDB and Qdrant fakes, plans): no child process
 *   and no real server. `npm run test:fast` runs it alone, in well under a minute.
 * - `process`: fresh Node processes as Pulumi runs them (the dynamic-provider host harness,
 *   ts-node programs, the language host, `npm pack` and install).
 * - `real`: programs from Debian's packages (redis-server, redis-sentinel, haproxy, redis-py,
 *   promtool, shellcheck, busybox); test/setup/requiredTools.ts fails CI when one is missing.
 * A test file is `pure` unless listed here. test/meta/tiers.test.ts reads what each file does
 * (test/meta/tierOf.ts) and fails when a file is listed in the wrong tier or missing from its list.
 */

export const PROCESS_TESTS: readonly string[] = [
  "test/dataplane/placement.test.ts",
  "test/mongodb/profilingMigration.provider.process.test.ts",
  "test/mongodb/provider.process.test.ts",
  "test/mongodb/serialization.node.test.ts",
  "test/package/install.test.ts",
  "test/program/languageHost.node.test.ts",
  "test/program/mongo-operations.node.test.ts",
  "test/qdrant/provider-process.test.ts",
  "test/serialization/providers.test.ts",
  "test/serialization/runtime.test.ts",
  "test/serialization/stateSize.test.ts",
  "test/support/support.test.ts",
  "test/tools/preview-summary.test.ts",
];

export const REAL_TESTS: readonly string[] = [
  "test/faults/redis.fault.test.ts",
  "test/operations/dataTierMonitoring.test.ts",
  "test/operations/mongoBackup.test.ts",
  "test/operations/qdrantSnapshots.test.ts",
  "test/operations/redisBackup.test.ts",
  "test/operations/redisBackupRestore.test.ts",
  "test/operations/schedule.test.ts",
  "test/program/dev-operations.test.ts",
  "test/redis/formation.partial.real.test.ts",
  "test/redis/formation.real.test.ts",
  "test/redis/formation.startup.real.test.ts",
  "test/redis/kato.cluster.real.test.ts",
  "test/redis/provider.real.test.ts",
  "test/redis/redisConf.real.test.ts",
  "test/redis/replication.real.test.ts",
  "test/redis/replicationPlan.test.ts",
  "test/redis/replicationProvider.real.test.ts",
  "test/redis/sentinelStart.real.test.ts",
  "test/shared/access.test.ts",
];
