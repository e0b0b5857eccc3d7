/**
 * The Redis backup and restore scripts, run for real against redis-server (loopback only):
 * - the Docker host script (BGSAVE, wait, copy the node's dump file) through a stand-in `docker`
 *   command that runs redis-cli and cp locally, and the Kubernetes script (`redis-cli --rdb`) as is;
 * - the restore script on a data directory that holds an unrelated AOF, then a fresh server started
 *   with `appendonly yes` (as the nodes run) must hold every key equal, TTLs within tolerance.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  redisDockerBackupScript,
  redisRdbStreamScript,
  redisRestoreNodeScript,
} from "../../components/operations/redisBackupPlan";
import { formReplication } from "../../components/redis/replicationExecutor";
import {
  installedRedisVersion,
  type KeySnapshot,
  type RunningRedis,
  snapshotKeys,
  startRedisServer,
} from "../support/redisNodes";
import {
  haveReplicationTools,
  type RedisReplicationSet,
  startReplicationSet,
} from "../support/redisReplication";
import { tempDir } from "../support/tempDir";

const PASSWORD = "s3cretRedisPw";
const ready = installedRedisVersion() !== undefined;
const running: RunningRedis[] = [];
let source: RunningRedis;
let original: Map<string, KeySnapshot>;
let work: string;

/** A `docker` stand-in: `exec` runs the command on 127.0.0.1, `cp` copies the container path locally. */
const DOCKER_SHIM = `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >> "$SHIM_LOG"
cmd=$1; shift
case "$cmd" in
  exec)
    while [ "$1" = "-e" ]; do shift 2; done
    shift # container name: every container is a local server here
    prog=$1; shift
    exec "$prog" -h 127.0.0.1 "$@" ;;
  cp) exec cp "\${1#*:}" "$2" ;;
  *) echo "shim: unexpected docker $cmd" >&2; exit 99 ;;
esac
`;

function run(command: string, args: string[], env: Record<string, string>, input?: string) {
  return spawnSync(command, args, {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    input,
    encoding: "utf8",
    timeout: 120_000,
  });
}

/**
 * Runs a rendered Docker host backup script with the `docker` stand-in first on PATH and the
 * password in its env file; returns the run and the stand-in's log of every docker call.
 */
function runDockerBackup(label: string, script: string, password: string) {
  const bin = join(work, `bin-${label}`);
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "docker"), DOCKER_SHIM);
  chmodSync(join(bin, "docker"), 0o755);
  const envFile = join(work, `${label}.env`);
  writeFileSync(envFile, `REDISCLI_AUTH='${password}'\n`, { mode: 0o600 });
  const backupDir = join(work, `${label}-backups`);
  const file = join(work, `${label}-backup.sh`);
  writeFileSync(file, script);
  const log = join(work, `${label}.log`);
  const result = run("bash", [file], {
    PATH: `${bin}:${process.env.PATH}`,
    KATO_ENV_FILE: envFile,
    KATO_BACKUP_DIR: backupDir,
    SHIM_LOG: log,
  });
  return { result, backupDir, calls: () => readFileSync(log, "utf8") };
}

async function fill(client: RunningRedis["client"]): Promise<void> {
  await client.set("kato:session:plain", JSON.stringify({ user: "a", n: 1 }));
  await client.set("kato:session:ttl", "expires later", "EX", 3600);
  await client.set("kato:session:pttl", "ms ttl", "PX", 7_200_000);
  await client.set("bin", Buffer.from([0, 1, 2, 255, 254, 10, 13]));
  await client.hset("kato:session:node:n1:active", { a: "1", b: "two", "with space": "x y" });
  await client.expire("kato:session:node:n1:active", 1800);
  await client.rpush("list", "one", "two", "three");
  await client.sadd("set", "x", "y", "z");
  await client.zadd("zset", 1, "a", 2.5, "b");
  for (let i = 0; i < 500; i++) {
    if (i % 2) await client.set(`bulk:${i}`, `value-${i}`, "EX", 900 + i);
    else await client.set(`bulk:${i}`, `value-${i}`);
  }
}

function expectSameKeys(restored: Map<string, KeySnapshot>, baseline = original): void {
  expect([...restored.keys()].sort()).toEqual([...baseline.keys()].sort());
  for (const [key, before] of baseline) {
    const after = restored.get(key)!;
    expect({ key, type: after.type, value: after.value }).toEqual({
      key,
      type: before.type,
      value: before.value,
    });
    if (before.pttl < 0) {
      expect({ key, pttl: after.pttl }).toEqual({ key, pttl: before.pttl });
    } else {
      // Expiry is stored as an absolute time: only the seconds the test took may be gone.
      expect(after.pttl).toBeGreaterThan(before.pttl - 120_000);
      expect(after.pttl).toBeLessThanOrEqual(before.pttl);
    }
  }
}

/** Restores `copy` into a data dir that holds someone else's AOF, then starts it as the nodes run. */
async function restoreAndRead(copy: string, label: string): Promise<Map<string, KeySnapshot>> {
  const data = join(work, `restore-${label}`);
  mkdirSync(data);
  // An unrelated AOF and the node's cluster state file: the AOF must be set aside, nodes.conf untouched.
  const stale = await startRedisServer(data, ["--appendonly", "yes", "--save", ""]);
  await stale.client.set("stale-only", "must not survive");
  await stale.stop();
  writeFileSync(join(data, "nodes.conf"), "node identity stays\n");
  const script = join(work, "restore-node.sh");
  writeFileSync(
    script,
    redisRestoreNodeScript({
      dataDir: data,
      dbFilename: "dump.rdb",
      appendDirName: "appendonlydir",
      timeoutSeconds: 60,
    }),
  );
  const result = run("sh", [script, copy], {});
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout).toMatch(/restored \d+ keys/);
  expect(readFileSync(join(data, "nodes.conf"), "utf8")).toBe("node identity stays\n");
  expect(readdirSync(data).some((f) => f.startsWith("before-restore-"))).toBe(true);
  const node = await startRedisServer(data, ["--appendonly", "yes", "--save", "60 1000"]);
  running.push(node);
  return snapshotKeys(node.client);
}

beforeAll(async () => {
  if (!ready) return;
  work = tempDir("redis");
  const dir = join(work, "source");
  mkdirSync(dir);
  source = await startRedisServer(dir, ["--appendonly", "yes", "--save", ""], PASSWORD);
  running.push(source);
  await fill(source.client);
  original = await snapshotKeys(source.client);
});

afterAll(async () => {
  for (const r of running) await r.stop();
});

describe.skipIf(!ready)("Redis backup and restore against a real redis-server", () => {
  it("the Docker host script copies the node's own RDB after BGSAVE and restores with every key equal", async () => {
    const savesBefore = Number(/rdb_saves:(\d+)/.exec(await source.client.info("persistence"))![1]);
    const {
      result,
      backupDir,
      calls: readCalls,
    } = runDockerBackup(
      "docker",
      redisDockerBackupScript({
        componentName: "kato-redis-backup",
        nodes: [{ container: "kato-redis-0", port: source.port, endpoint: "kato-redis-0:6379" }],
        hostDirectory: "/nonexistent",
        envFile: "/nonexistent.env",
        saveTimeoutSeconds: 60,
        retentionDays: 7,
      }),
      PASSWORD,
    );
    expect(result.status, result.stderr).toBe(0);
    // It asked for a BGSAVE and waited for that save to complete.
    const calls = readCalls();
    expect(calls).toMatch(/redis-cli --no-auth-warning -p \d+ BGSAVE/);
    expect(calls).toMatch(/^cp kato-redis-0:.*\/dump\.rdb /m);
    expect(calls).not.toContain(PASSWORD);
    const savesAfter = Number(/rdb_saves:(\d+)/.exec(await source.client.info("persistence"))![1]);
    expect(savesAfter).toBeGreaterThan(savesBefore);
    const nodeDir = join(backupDir, "kato-redis-0-6379");
    const copies = readdirSync(nodeDir).filter((f) => /^dump-\d{8}T\d{6}Z\.rdb$/.test(f));
    expect(copies).toHaveLength(1);
    expectSameKeys(await restoreAndRead(join(nodeDir, copies[0]!), "docker"));
  });

  it("the Kubernetes script streams an RDB with redis-cli --rdb and restores with every key equal", async () => {
    const out = join(work, "k8s-backups");
    const script = join(work, "redis-stream.sh");
    writeFileSync(
      script,
      redisRdbStreamScript({ endpoints: [`127.0.0.1:${source.port}`], outDir: out, retentionDays: 7 }),
    );
    const result = run("sh", [script], { REDISCLI_AUTH: PASSWORD });
    expect(result.status, result.stderr).toBe(0);
    const nodeDir = join(out, `127.0.0.1-${source.port}`);
    const copy = readdirSync(nodeDir).find((f) => f.endsWith(".rdb"))!;
    expect(readFileSync(join(nodeDir, copy)).subarray(0, 5).toString()).toBe("REDIS");
    expectSameKeys(await restoreAndRead(join(nodeDir, copy), "k8s"));
  });

  it("retention deletes copies older than retentionDays only after a successful run", () => {
    const out = join(work, "retention");
    const nodeDir = join(out, `127.0.0.1-${source.port}`);
    mkdirSync(nodeDir, { recursive: true });
    const old = join(nodeDir, "dump-20000101T000000Z.rdb");
    const recent = join(nodeDir, "dump-20000102T000000Z.rdb");
    writeFileSync(old, "REDIS-old");
    writeFileSync(recent, "REDIS-recent");
    const now = Date.now() / 1000;
    utimesSync(old, now - 8 * 86400, now - 8 * 86400);
    utimesSync(recent, now - 6 * 86400, now - 6 * 86400);
    const script = join(work, "redis-retention.sh");
    // A run that fails (wrong password) removes nothing.
    writeFileSync(
      script,
      redisRdbStreamScript({ endpoints: [`127.0.0.1:${source.port}`], outDir: out, retentionDays: 7 }),
    );
    const failed = run("sh", [script], { REDISCLI_AUTH: "wrong" });
    expect(failed.status).not.toBe(0);
    expect(existsSync(old)).toBe(true);
    const ok = run("sh", [script], { REDISCLI_AUTH: PASSWORD });
    expect(ok.status, ok.stderr).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(readdirSync(nodeDir).filter((f) => f.endsWith(".rdb"))).toHaveLength(2);
  });

  it("the naive restore (copy dump.rdb, start with appendonly yes) loses the data: why the script exists", async () => {
    const data = join(work, "naive");
    mkdirSync(data);
    const stale = await startRedisServer(data, ["--appendonly", "yes", "--save", ""]);
    await stale.client.set("stale-only", "1");
    await stale.stop();
    const copyDir = join(work, "k8s-backups", `127.0.0.1-${source.port}`);
    const copy = readdirSync(copyDir).find((f) => f.endsWith(".rdb"))!;
    execFileSync("cp", [join(copyDir, copy), join(data, "dump.rdb")]);
    const node = await startRedisServer(data, ["--appendonly", "yes", "--save", ""]);
    running.push(node);
    const keys = await snapshotKeys(node.client);
    expect([...keys.keys()]).toEqual(["stale-only"]);
  });
});

/**
 * Replication mode: every node holds the whole dataset, so a run copies ONE node, an in-sync
 * replica (the primary keeps serving), and the restore loads that copy into every node. On a real
 * primary with two replicas and three Sentinels, formed by the replication executor as `pulumi up`
 * forms them.
 */
describe.skipIf(!haveReplicationTools())(
  "Redis backup and restore in replication mode, on a real set",
  () => {
    let set: RedisReplicationSet;
    let baseline: Map<string, KeySnapshot>;
    let copy: string;
    const out = () => join(work, "replication-backups");
    const nodeClient = (i: number) => {
      const Redis = require("ioredis");
      const c = new Redis({ port: set.nodes[i]!.port, password: set.password, lazyConnect: true });
      c.on("error", () => {});
      return c;
    };
    const form = () =>
      formReplication(set.spec(), set.nodeMembers(), set.sentinelMembers(), {
        password: set.password,
        timeoutMs: 30_000,
      });
    const forks = async (i: number): Promise<number> => {
      const c = nodeClient(i);
      try {
        return Number(/total_forks:(\d+)/.exec(await c.info("stats"))![1]);
      } finally {
        c.disconnect();
      }
    };
    const backup = () => {
      const script = join(work, "redis-replication-stream.sh");
      writeFileSync(
        script,
        redisRdbStreamScript({
          endpoints: set.spec().nodes,
          outDir: out(),
          retentionDays: 7,
          mode: "replication",
        }),
      );
      return run("sh", [script], { REDISCLI_AUTH: set.password });
    };

    beforeAll(async () => {
      set = await startReplicationSet();
      await form();
      const primary = nodeClient(0);
      await fill(primary);
      // Both replicas have every write before the copy is taken (WAIT: acknowledged by 2 replicas).
      expect(await primary.wait(2, 10_000)).toBe(2);
      baseline = await snapshotKeys(primary);
      primary.disconnect();
    }, 120_000);

    afterAll(async () => {
      await set?.destroy();
    });

    it("copies one node, a replica in sync with its primary: the primary does not fork", async () => {
      const primaryForks = await forks(0);
      const result = backup();
      expect(result.status, result.stderr).toBe(0);
      const source = /copying from (\S+) \((.*)\)/.exec(result.stdout)!;
      expect(source[2]).toMatch(/^replica in sync with its primary \(master_link_status:up, offset \d+\)$/);
      expect(set.spec().nodes.slice(1)).toContain(source[1]);
      expect(await forks(0)).toBe(primaryForks);
      const files = readdirSync(join(out(), "dataset"));
      expect(files.filter((f) => f.endsWith(".rdb"))).toHaveLength(1);
      copy = join(out(), "dataset", files.find((f) => f.endsWith(".rdb"))!);
      expect(readFileSync(copy).subarray(0, 5).toString()).toBe("REDIS");
      // Only the dataset directory: not one copy per node.
      expect(readdirSync(out())).toEqual(["dataset"]);
    });

    it("the Docker host script too: BGSAVE and docker cp on a replica only", async () => {
      const primaryForks = await forks(0);
      const {
        result,
        backupDir,
        calls: readCalls,
      } = runDockerBackup(
        "replication-docker",
        redisDockerBackupScript({
          componentName: "kato-redis",
          nodes: set.nodes.map((n, i) => ({
            container: `kato-redis-${i}`,
            port: n.port,
            endpoint: `kato-redis-${i}:6379`,
          })),
          hostDirectory: "/nonexistent",
          envFile: "/nonexistent.env",
          saveTimeoutSeconds: 60,
          retentionDays: 7,
          mode: "replication",
        }),
        set.password,
      );
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/copying from kato-redis-[12]:\d+ \(replica in sync with its primary/);
      const calls = readCalls();
      expect(calls.match(/ BGSAVE$/gm)).toHaveLength(1);
      expect(calls).not.toContain(`-p ${set.nodes[0]!.port} BGSAVE`);
      expect(await forks(0)).toBe(primaryForks);
      const copies = readdirSync(join(backupDir, "dataset")).filter((f) =>
        /^dump-\d{8}T\d{6}Z\.rdb$/.test(f),
      );
      expect(copies).toHaveLength(1);
      expect(readdirSync(backupDir)).toEqual(["dataset"]);
    });

    it("restores the copy into every node: after the next formation, primary and replicas hold it exactly", async () => {
      // What happens after the copy must be undone by the restore.
      const primary = nodeClient(0);
      await primary.set("written-after-the-backup", "must not survive");
      await primary.del("kato:session:plain");
      await primary.wait(2, 10_000);
      primary.disconnect();
      for (let i = 0; i < set.nodes.length; i++) await set.stopNode(i);
      const script = join(work, "restore-replication-node.sh");
      for (const node of set.nodes) {
        writeFileSync(
          script,
          redisRestoreNodeScript({
            dataDir: node.dir,
            dbFilename: "dump.rdb",
            appendDirName: "appendonlydir",
            timeoutSeconds: 60,
          }),
        );
        const result = run("sh", [script, copy], {});
        expect(result.status, result.stderr).toBe(0);
      }
      for (let i = 0; i < set.nodes.length; i++) await set.startNode(i);
      const formed = await form();
      expect(formed.summary.primary).toBe(set.spec().nodes[0]);
      const c = nodeClient(0);
      expect(await c.wait(2, 10_000)).toBe(2);
      c.disconnect();
      for (let i = 0; i < set.nodes.length; i++) {
        const node = nodeClient(i);
        expectSameKeys(await snapshotKeys(node), baseline);
        node.disconnect();
      }
    });

    it("falls back to the primary when no replica is in sync, and says so", async () => {
      await set.stopNode(1);
      await set.stopNode(2);
      const result = backup();
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain(`copying from ${set.spec().nodes[0]} (primary: no replica is in sync)`);
      expect(
        readdirSync(join(out(), "dataset")).filter((f) => f.endsWith(".rdb")).length,
      ).toBeGreaterThanOrEqual(1);
    });
  },
);
