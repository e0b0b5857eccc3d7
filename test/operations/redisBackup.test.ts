/**
 * RedisBackup under Pulumi mocks on both targets: valid Kubernetes objects and rendered restore
 * Jobs, the password only through env from a Secret, scripts that parse and pass ShellCheck, and
 * settings validation. (The scripts' behaviour against a real server: redisBackupRestore.test.ts.)
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { RedisBackup } from "../../components/operations/redisBackup";
import { REDIS_BACKUP_FIELDS, resolveRedisBackupSettings } from "../../components/operations/redisBackupPlan";
import { validateKubernetesResources } from "../support/k8sSchema";
import {
  installMocks,
  isSecret,
  plaintextSecretLeaks,
  resolved,
  settle,
  unwrapSecrets,
} from "../support/mocks";
import { shellcheckFindings, syntaxErrors } from "./scriptCheck";

const harness = installMocks();
const endpoints = [0, 1, 2, 3, 4, 5].map((i) => `kato-redis-${i}.kato-redis-hl.kato.svc.cluster.local:6379`);
let k8sBackup: RedisBackup;
let s3Backup: RedisBackup;
let dockerBackup: RedisBackup;
let k8sReplication: RedisBackup;
let dockerReplication: RedisBackup;
const replicationNodes = [0, 1, 2].map((i) => `kato-redis-${i}.kato-redis-hl.kato.svc.cluster.local:6379`);

beforeAll(async () => {
  const pw = new random.RandomPassword("redis-pw", { length: 32 });
  const s3pw = new random.RandomPassword("s3-pw", { length: 30 });
  k8sBackup = new RedisBackup("redis-vol", {
    target: { kind: "kubernetes", namespace: "kato" },
    endpoints,
    password: pw.result,
    dataClaims: endpoints.map((_, i) => `data-kato-redis-${i}`),
    retentionDays: 3,
  });
  s3Backup = new RedisBackup("redis-s3", {
    target: { kind: "kubernetes", namespace: "kato" },
    endpoints,
    password: pw.result,
    destination: "s3",
    s3: { bucket: "kato-backups" },
    s3Credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: s3pw.result },
    dataClaims: endpoints.map((_, i) => `data-kato-redis-${i}`),
  });
  dockerBackup = new RedisBackup("redis-docker", {
    target: { kind: "docker", networkName: "kato-net" },
    endpoints: ["kato-redis-0:6379", "kato-redis-1:6379", "kato-redis-2:6379"],
    password: pw.result,
  });
  k8sReplication = new RedisBackup("redis-repl", {
    target: { kind: "kubernetes", namespace: "kato" },
    endpoints: replicationNodes,
    password: pw.result,
    dataClaims: replicationNodes.map((_, i) => `data-kato-redis-${i}`),
    mode: "replication",
  });
  dockerReplication = new RedisBackup("redis-repl-docker", {
    target: { kind: "docker", networkName: "kato-net" },
    endpoints: ["kato-redis-0:6379", "kato-redis-1:6379", "kato-redis-2:6379"],
    password: pw.result,
    mode: "replication",
  });
  await settle(
    k8sReplication.restoreJobManifests,
    dockerReplication.hostBackupScript,
    k8sBackup.restoreJobManifests,
    s3Backup.restoreJobManifests,
    dockerBackup.hostBackupScript,
    dockerBackup.credentialsEnvFile,
  );
});

const cron = (name: string) => unwrapSecrets(harness.one("kubernetes:batch/v1:CronJob", name).inputs);

describe("RedisBackup on Kubernetes", () => {
  it("copies every node's RDB with redis-cli --rdb, the password read from the Secret by redis-cli itself", () => {
    const pod = cron("redis-vol").spec.jobTemplate.spec.template.spec;
    const c = pod.containers[0];
    expect(c.env).toEqual([
      {
        name: "REDISCLI_AUTH",
        valueFrom: { secretKeyRef: { name: "redis-vol-credentials", key: "redis-password" } },
      },
    ]);
    const script: string = c.command[2];
    expect(script).toContain('--rdb "$partial"');
    for (const e of endpoints) expect(script).toContain(e);
    expect(script).toMatch(/-mmin \+4320 -print -delete/);
    expect(syntaxErrors(script, "sh")).toBe("");
    expect(shellcheckFindings(script, "sh")).toBe("");
    expect(pod.securityContext.runAsUser).toBe(999);
  });

  it("with S3, stages the copies and uploads dump and CLUSTER NODES files with rclone", () => {
    const pod = cron("redis-s3").spec.jobTemplate.spec.template.spec;
    expect(pod.initContainers[0].command[2]).not.toContain("-delete");
    expect(pod.containers[0].command[2]).toContain("--include '{dump-*.rdb,nodes-*.txt}'");
  });

  it("renders one restore Job per node that mounts the node's PVC and runs the AOF-safe restore", async () => {
    const manifests = (await resolved(k8sBackup.restoreJobManifests))!;
    expect(manifests).toHaveLength(6);
    const job = parse(manifests[2]!);
    expect(job.metadata).toMatchObject({ name: "redis-vol-restore-2", namespace: "kato" });
    const pod = job.spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: "node-data",
      persistentVolumeClaim: { claimName: "data-kato-redis-2" },
    });
    const main = pod.containers[0];
    expect(main.command.at(-1)).toBe(`/backups/redis-vol/${endpoints[2]!.replace(":", "-")}/dump-STAMP.rdb`);
    expect(main.command[2]).toContain("CONFIG SET appendonly yes");
    expect(main.volumeMounts).toContainEqual({ name: "node-data", mountPath: "/data" });
    const { Job } = require("kubernetes-models/batch/v1/Job");
    const { apiVersion: _a, kind: _k, ...body } = job;
    expect(() => new Job(body).validate()).not.toThrow();
    const s3Job = parse((await resolved(s3Backup.restoreJobManifests))![0]!);
    expect(s3Job.spec.template.spec.initContainers[0].command[2]).toContain("rclone copyto");
    expect(() => new Job((({ apiVersion, kind, ...b }) => b)(s3Job)).validate()).not.toThrow();
  });

  it("every Kubernetes object is valid against the official schema", () => {
    const results = validateKubernetesResources(harness.resources);
    expect(results.length).toBeGreaterThanOrEqual(5);
    expect(results.filter((r) => r.error)).toEqual([]);
  });
});

describe("RedisBackup on Docker", () => {
  it("renders a BGSAVE-and-copy host script for every container and a restore script that set AOF aside", async () => {
    const script = (await resolved(dockerBackup.hostBackupScript))!;
    for (const c of ["kato-redis-0 6379 kato-redis-0-6379", "kato-redis-2 6379 kato-redis-2-6379"]) {
      expect(script).toContain(`'${c}'`);
    }
    expect(script).toContain("BGSAVE");
    expect(script).toContain("rdb_saves");
    expect(script).toContain("LASTSAVE");
    expect(script).toMatch(/docker cp "\$container:\$dir\/\$file"/);
    expect(syntaxErrors(script)).toBe("");
    expect(shellcheckFindings(script)).toBe("");
    const restore = (await resolved(dockerBackup.hostRestoreScript))!;
    expect(restore).toMatch(/docker run --rm -i --network none --user 999:999 --volumes-from "\$container"/);
    expect(syntaxErrors(restore)).toBe("");
    expect(shellcheckFindings(restore)).toBe("");
    expect(shellcheckFindings(await resolved(dockerBackup.restoreNodeScript), "sh")).toBe("");
    expect(await resolved(dockerBackup.cronLine)).toBe(
      "0 2 * * * /usr/local/sbin/redis-docker-backup.sh >> /var/log/kato/redis-docker.log 2>&1",
    );
  });

  it("keeps the password in the secret env-file output only", async () => {
    expect(await isSecret(dockerBackup.credentialsEnvFile)).toBe(true);
    expect(plaintextSecretLeaks(harness)).toEqual([]);
  });
});

describe("RedisBackup in replication mode (every node holds the whole dataset)", () => {
  it("Kubernetes: one copy per run into dataset/, from an in-sync replica, else the primary", () => {
    const script: string = cron("redis-repl").spec.jobTemplate.spec.template.spec.containers[0].command[2];
    expect(script).toContain("pick_source");
    expect(script).toContain("master_link_status");
    expect(script).toContain(`nodes='${replicationNodes.join(" ")}'`);
    expect(script).toContain("dir=/backups/redis-repl/dataset");
    // One --rdb stream, not one per node.
    expect(script.match(/--rdb/g)).toHaveLength(1);
    expect(syntaxErrors(script, "sh")).toBe("");
    expect(shellcheckFindings(script, "sh")).toBe("");
  });

  it("Kubernetes: every node's restore Job loads the same dataset copy", async () => {
    const manifests = (await resolved(k8sReplication.restoreJobManifests))!;
    expect(manifests).toHaveLength(3);
    for (const [i, manifest] of manifests.entries()) {
      const pod = parse(manifest).spec.template.spec;
      expect(pod.containers[0].command.at(-1)).toBe("/backups/redis-repl/dataset/dump-STAMP.rdb");
      expect(pod.volumes).toContainEqual({
        name: "node-data",
        persistentVolumeClaim: { claimName: `data-kato-redis-${i}` },
      });
    }
  });

  it("Docker: the host script copies one node, and the restore loads the copy into every container", async () => {
    const script = (await resolved(dockerReplication.hostBackupScript))!;
    expect(script).toContain("nodes='kato-redis-0:6379 kato-redis-1:6379 kato-redis-2:6379'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    expect(script).toContain('backup_node "${source%:*}" "${source##*:}" dataset');
    expect(syntaxErrors(script)).toBe("");
    expect(shellcheckFindings(script)).toBe("");
    const restore = (await resolved(dockerReplication.hostRestoreScript))!;
    expect(restore).toContain("containers=(kato-redis-0 kato-redis-1 kato-redis-2)");
    expect(restore).toContain("usage: $0 <dataset/dump-STAMP.rdb>");
    expect(syntaxErrors(restore)).toBe("");
    expect(shellcheckFindings(restore)).toBe("");
  });

  it("refuses an unknown mode", () => {
    expect(
      () =>
        new RedisBackup("redis-bad-mode", {
          target: { kind: "docker", networkName: "kato-net" },
          endpoints: ["kato-redis-0:6379"],
          password: "x",
          mode: "sentinel" as any,
        }),
    ).toThrow(/redis-bad-mode.mode = "sentinel": must be cluster or replication/);
  });
});

describe("RedisBackup settings", () => {
  it("defaults match the guide (02:00 daily, 7 days) and every field is documented", () => {
    const s = resolveRedisBackupSettings({}).settings!;
    expect(s).toMatchObject({
      schedule: "0 2 * * *",
      retentionDays: 7,
      dataDir: "/data",
      appendDirName: "appendonlydir",
    });
    const documented = new Set(REDIS_BACKUP_FIELDS.map((f) => f.name.split(".")[0]));
    for (const key of Object.keys(s)) expect(documented).toContain(key);
  });

  it("rejects mismatched node lists and bad paths, all at once", () => {
    expect(
      () =>
        new RedisBackup("redis-bad", {
          target: { kind: "kubernetes", namespace: "kato" },
          endpoints: ["a:6379", "b:notaport"],
          password: pulumi.secret("x"),
          dataClaims: ["only-one"],
          dataDir: "data",
        }),
    ).toThrow(/redis-bad.dataDir[\s\S]*redis-bad.endpoints = "b:notaport"[\s\S]*redis-bad.dataClaims/);
  });
});
