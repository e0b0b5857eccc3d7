/**
 * Some suites run real programs (redis-server, redis-cli, redis-sentinel, haproxy, python3 with redis-py,
 * shellcheck, busybox sh with curl, promtool)
 * and skip with a warning on a developer machine without them. In CI (`CI` set, as .ci/run runs) a
 * missing tool must fail the run instead, or a green CI would hide skipped tests.
 */
import { spawnSync } from "node:child_process";

const TOOLS: Array<{ command: string; args: string[]; apt: string }> = [
  { command: "redis-server", args: ["--version"], apt: "redis-server" },
  { command: "redis-cli", args: ["--version"], apt: "redis-tools" },
  { command: "redis-sentinel", args: ["--version"], apt: "redis-sentinel" },
  { command: "haproxy", args: ["-v"], apt: "haproxy" },
  // KATO's own client library for the replication tests; Debian's python3 (a pyenv python3 on PATH
  // does not see Debian's dist-packages, see test/support/redisReplication.ts pythonWithRedis).
  { command: "/usr/bin/python3", args: ["-c", "import redis.asyncio"], apt: "python3-redis" },
  { command: "shellcheck", args: ["--version"], apt: "shellcheck" },
  { command: "busybox", args: ["--list"], apt: "busybox" },
  { command: "curl", args: ["--version"], apt: "curl" },
  { command: "promtool", args: ["--version"], apt: "prometheus" },
];

export default function requiredTools(): void {
  const missing = TOOLS.filter((t) => spawnSync(t.command, t.args, { stdio: "ignore" }).status !== 0);
  if (missing.length === 0) return;
  const list = missing.map((t) => `${t.command} (apt-get install -y ${t.apt})`).join(", ");
  if (process.env.CI) {
    throw new Error(`CI is missing tools the suite runs for real: ${list}. Install them in .ci/run.`);
  }
  console.warn(`Not installed here, so the suites that run them are skipped: ${list}.`);
}
