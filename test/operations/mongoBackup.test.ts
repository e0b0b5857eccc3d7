/**
 * MongoBackup under Pulumi mocks on both targets, its settings, and its scripts: the Kubernetes
 * objects are valid against the official schema, the commands carry the flags a consistent dump and
 * restore need, no credential appears in plaintext anywhere, and the container script behaves
 * (config file, retention) when run with a stand-in mongodump.
 */
import { spawnSync } from "node:child_process";
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
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { beforeAll, describe, expect, it } from "vitest";
import { MongoBackup } from "../../components/operations/mongoBackup";
import {
  MONGO_BACKUP_FIELDS,
  mongoBackupContainerScript,
  resolveMongoBackupSettings,
} from "../../components/operations/mongoBackupPlan";
import { cronProblem } from "../../components/operations/schedule";
import { ConfigError } from "../../components/shared/problems";
import { validateKubernetesResources } from "../support/k8sSchema";
import {
  installMocks,
  isSecret,
  plaintextSecretLeaks,
  resolved,
  settle,
  unwrapSecrets,
} from "../support/mocks";
import { tempDir } from "../support/tempDir";
import { shellcheckFindings, syntaxErrors } from "./scriptCheck";

const harness = installMocks();
const k8sTarget = { kind: "kubernetes" as const, namespace: "kato" };
let dockerBackup: MongoBackup;
let uri: pulumi.Output<string>;

beforeAll(async () => {
  const pw = new random.RandomPassword("mongo-root", { length: 24 });
  uri = pulumi.secret(
    pulumi.interpolate`mongodb://root:${pw.result}@m-0:27017,m-1:27017/?replicaSet=rs0&authSource=admin`,
  );
  const s3pw = new random.RandomPassword("s3-secret", { length: 30 });
  const vol = new MongoBackup("mongo-vol", {
    target: k8sTarget,
    uri,
    restoreFrom: "mongo-vol-20260101T020000Z.archive.gz",
  });
  const s3 = new MongoBackup("mongo-s3", {
    target: k8sTarget,
    uri,
    destination: "s3",
    s3: { bucket: "kato-backups", endpoint: "https://minio.example:9000" },
    s3Credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: s3pw.result },
    restoreFrom: "mongo-s3-20260101T020000Z.archive.gz",
    schedule: "30 3 * * *",
    retentionDays: 14,
  });
  new MongoBackup("mongo-paused", {
    target: k8sTarget,
    uri,
    enabled: false,
    timeZone: "Europe/Berlin",
    existingClaim: "shared-backups",
  });
  dockerBackup = new MongoBackup("mongo-docker", {
    target: { kind: "docker", networkName: "kato-net" },
    uri,
  });
  await settle(
    vol.cronJobName,
    s3.restoreJobName,
    dockerBackup.hostBackupScript,
    dockerBackup.credentialsEnvFile,
    dockerBackup.cronLine,
  );
});

const cronJob = (name: string) => unwrapSecrets(harness.one("kubernetes:batch/v1:CronJob", name).inputs);
const podOf = (job: any) => job.spec.jobTemplate.spec.template.spec;

describe("MongoBackup on Kubernetes", () => {
  it("declares a CronJob that never overlaps, runs non-root and dumps the whole set with --oplog --gzip --archive", () => {
    const job = cronJob("mongo-vol");
    expect(job.spec.schedule).toBe("0 2 * * *");
    expect(job.spec.concurrencyPolicy).toBe("Forbid");
    const pod = podOf(job);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999 });
    const [container] = pod.containers;
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(container.resources.requests).toEqual({ cpu: "100m", memory: "256Mi" });
    const script: string = container.command[2];
    expect(script).toMatch(
      /mongodump --config="\$cfg" --oplog --gzip --archive="\$partial" --readPreference=secondaryPreferred/,
    );
    expect(script).not.toMatch(/--db|--collection/);
    expect(script).toMatch(/-name 'mongo-vol-\*\.archive\.gz' -mmin \+10080 -print -delete/);
  });

  it("reads the connection string from a Secret through env, never from the command line", () => {
    const container = podOf(cronJob("mongo-vol")).containers[0];
    expect(container.env).toContainEqual({
      name: "MONGODB_URI",
      valueFrom: { secretKeyRef: { name: "mongo-vol-credentials", key: "mongodb-uri" } },
    });
    expect(container.command.join(" ")).not.toMatch(/mongodb:\/\//);
    for (const secret of harness.generatedSecrets) expect(JSON.stringify(container)).not.toContain(secret);
  });

  it("keeps copies on a retained PVC mounted at /backups", () => {
    const pvc = harness.one("kubernetes:core/v1:PersistentVolumeClaim", "mongo-vol-backups").inputs;
    expect(pvc.spec.resources.requests.storage).toBe("10Gi");
    const pod = podOf(cronJob("mongo-vol"));
    expect(pod.volumes).toContainEqual({
      name: "backups",
      persistentVolumeClaim: { claimName: "mongo-vol-backups", readOnly: false },
    });
  });

  it("with destination s3, dumps in an init container and uploads and prunes with rclone", () => {
    const job = cronJob("mongo-s3");
    expect(job.spec.schedule).toBe("30 3 * * *");
    const pod = podOf(job);
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(["mongodump"]);
    expect(pod.initContainers[0].command[2]).toMatch(/--archive="\$partial"/);
    expect(pod.initContainers[0].command[2]).not.toMatch(/-delete/);
    const upload = pod.containers[0];
    expect(upload.image).toMatch(/^rclone\/rclone:\d/);
    expect(upload.command[2]).toMatch(
      /rclone copy \/work backup:kato-backups\/kato\/mongodb --include 'mongo-s3-\*\.archive\.gz'/,
    );
    expect(upload.command[2]).toMatch(/rclone delete backup:kato-backups\/kato\/mongodb .*--min-age 20160m/);
    expect(upload.env).toContainEqual({
      name: "RCLONE_CONFIG_BACKUP_ENDPOINT",
      value: "https://minio.example:9000",
    });
    expect(upload.env).toContainEqual({
      name: "RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY",
      valueFrom: { secretKeyRef: { name: "mongo-s3-credentials", key: "s3-secret-access-key" } },
    });
  });

  it("restoreFrom creates one restore Job per archive with mongorestore --oplogReplay --gzip --archive", () => {
    const jobs = harness.ofType("kubernetes:batch/v1:Job").map((r) => unwrapSecrets(r.inputs));
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual([
      expect.stringMatching(/^mongo-s3-restore-[0-9a-f]{8}$/),
      expect.stringMatching(/^mongo-vol-restore-[0-9a-f]{8}$/),
    ]);
    const vol = jobs.find((j) => j.metadata.name.startsWith("mongo-vol"))!;
    const restore = vol.spec.template.spec.containers[0];
    expect(restore.command[2]).toMatch(
      /mongorestore --config="\$cfg" --oplogReplay --gzip --archive="\$archive" --drop/,
    );
    expect(restore.command[2]).toContain("archive=/backups/mongo-vol/mongo-vol-20260101T020000Z.archive.gz");
    expect(restore.env[0].valueFrom.secretKeyRef.key).toBe("mongodb-restore-uri");
    expect(vol.spec.template.spec.volumes[0].persistentVolumeClaim.readOnly).toBe(true);
    const s3 = jobs.find((j) => j.metadata.name.startsWith("mongo-s3"))!;
    expect(s3.spec.template.spec.initContainers[0].command[2]).toContain(
      "rclone copyto backup:kato-backups/kato/mongodb/mongo-s3-20260101T020000Z.archive.gz /work/mongo-s3-20260101T020000Z.archive.gz",
    );
  });

  it("enabled: false suspends the CronJob; timeZone and an existing claim are used as given", () => {
    const job = cronJob("mongo-paused");
    expect(job.spec).toMatchObject({ suspend: true, timeZone: "Europe/Berlin" });
    expect(podOf(job).volumes[0].persistentVolumeClaim.claimName).toBe("shared-backups");
    expect(podOf(job).containers[0].command[2]).toContain("archive=/backups/mongo-paused/mongo-paused-");
    expect(harness.ofType("kubernetes:core/v1:PersistentVolumeClaim").map((r) => r.name)).not.toContain(
      "shared-backups",
    );
  });

  it("every Kubernetes object is valid against the official schema", () => {
    const results = validateKubernetesResources(harness.resources);
    expect(results.map((r) => r.type.split(":")[2]).sort()).toEqual([
      "CronJob",
      "CronJob",
      "CronJob",
      "Job",
      "Job",
      "PersistentVolumeClaim",
      "Secret",
      "Secret",
      "Secret",
    ]);
    expect(results.filter((r) => r.error)).toEqual([]);
  });
});

describe("MongoBackup on Docker", () => {
  it("renders a host script running a one-shot tools container on the set's network, and a valid crontab line", async () => {
    expect(harness.resources.filter((r) => r.type.startsWith("docker:"))).toEqual([]);
    const script = (await resolved(dockerBackup.hostBackupScript))!;
    expect(script).toMatch(
      /docker run --rm -i --network "\$NETWORK" -e MONGODB_URI -v "\$BACKUP_DIR:\/backups"/,
    );
    expect(script).toContain("NETWORK=kato-net");
    expect(script).toMatch(/--oplog --gzip --archive=/);
    expect(script).toContain("-mmin +10080");
    expect(syntaxErrors(script)).toBe("");
    expect(shellcheckFindings(script)).toBe("");
    const line = (await resolved(dockerBackup.cronLine))!;
    expect(line).toBe(
      "0 2 * * * /usr/local/sbin/mongo-docker-backup.sh >> /var/log/kato/mongo-docker.log 2>&1",
    );
    expect(cronProblem(line.split(" ").slice(0, 5).join(" "))).toBeUndefined();
    const restore = (await resolved(dockerBackup.hostRestoreScript))!;
    expect(restore).toMatch(
      /mongorestore --config="\$cfg" --oplogReplay --gzip --archive="\$archive" --drop/,
    );
    expect(syntaxErrors(restore)).toBe("");
    expect(shellcheckFindings(restore)).toBe("");
  });

  it("puts the connection string only in the secret env-file output", async () => {
    expect(await isSecret(dockerBackup.credentialsEnvFile)).toBe(true);
    expect(await resolved(dockerBackup.credentialsEnvFile)).toMatch(/^MONGODB_URI='mongodb:\/\/root:GEN/);
  });
});

describe("MongoBackup secrets and settings", () => {
  it("no generated credential appears in plaintext in any input or output", () => {
    expect(harness.generatedSecrets.length).toBeGreaterThanOrEqual(2);
    expect(plaintextSecretLeaks(harness)).toEqual([]);
  });

  it("documents every setting the resolver accepts", () => {
    const resolvedDefaults = resolveMongoBackupSettings({}).settings!;
    const top = new Set(MONGO_BACKUP_FIELDS.map((f) => f.name.split(".")[0]));
    for (const key of Object.keys(resolvedDefaults)) expect(top).toContain(key);
    expect(resolvedDefaults).toMatchObject({
      schedule: "0 2 * * *",
      retentionDays: 7,
      readPreference: "secondaryPreferred",
    });
  });

  it("reports every bad field at once, each with the field, the value and a fix", () => {
    const { settings, problems } = resolveMongoBackupSettings(
      {
        schedule: "0 25 * * *",
        retentionDays: 0,
        destination: "s3",
        readPreference: "fastest",
        image: "mongo:latest",
        restoreFrom: "../etc/passwd",
        retension: 3,
      },
      "backups.mongodb",
    );
    expect(settings).toBeUndefined();
    expect(problems.map((p) => p.field).sort()).toEqual(
      [
        "backups.mongodb.image",
        "backups.mongodb.readPreference",
        "backups.mongodb.restoreFrom",
        "backups.mongodb.retension",
        "backups.mongodb.retentionDays",
        "backups.mongodb.s3.bucket",
        "backups.mongodb.schedule",
      ].sort(),
    );
    expect(problems.find((p) => p.field.endsWith("retension"))!.fix).toMatch(/retentionDays/);
    for (const p of problems) expect(p.fix.length).toBeGreaterThan(5);
  });

  it("the component throws a ConfigError naming the problem (destination s3 is Kubernetes-only)", () => {
    expect(
      () =>
        new MongoBackup("mongo-bad", {
          target: { kind: "docker", networkName: "n" },
          uri: "x",
          destination: "s3",
          s3: { bucket: "b-1" },
        }),
    ).toThrow(ConfigError);
    expect(() => new MongoBackup("Bad_Name", { target: k8sTarget, uri: "x" })).toThrow(/DNS label/);
  });
});

describe("the MongoDB backup container script, run with a stand-in mongodump", () => {
  const FAKE_MONGODUMP = `#!/usr/bin/env bash
printf '%s\\n' "$@" > "$FAKE_LOG"
for a in "$@"; do case "$a" in --config=*) cp "\${a#--config=}" "$FAKE_LOG.config"; stat -c %a "\${a#--config=}" > "$FAKE_LOG.mode";; --archive=*) out="\${a#--archive=}";; esac; done
printf 'fake-archive' > "$out"
`;

  it("writes the URI to a 0600 config file, never to argv, keeps new archives and prunes old ones", () => {
    const dir = tempDir("mongo");
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "mongodump"), FAKE_MONGODUMP);
    chmodSync(join(bin, "mongodump"), 0o755);
    const out = join(dir, "out");
    mkdirSync(out);
    const old = join(out, "kato-20000101T000000Z.archive.gz");
    writeFileSync(old, "old");
    const t = Date.now() / 1000 - 8 * 86400;
    utimesSync(old, t, t);
    const script = mongoBackupContainerScript({
      filePrefix: "kato",
      outDir: out,
      readPreference: "secondaryPreferred",
      retentionDays: 7,
      scratchDir: join(dir, "scratch"),
    });
    expect(shellcheckFindings(script)).toBe("");
    const log = join(dir, "log");
    const uriValue = "mongodb://root:pa55word@m-0:27017/?replicaSet=rs0&authSource=admin";
    const r = spawnSync("bash", ["-c", script], {
      env: { PATH: `${bin}:${process.env.PATH}`, MONGODB_URI: uriValue, FAKE_LOG: log },
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const argv = readFileSync(log, "utf8").trim().split("\n");
    expect(argv).toEqual([
      expect.stringMatching(/^--config=.*tools-\d+\.yaml$/),
      "--oplog",
      "--gzip",
      expect.stringMatching(/^--archive=.*\/kato-\d{8}T\d{6}Z\.archive\.gz\.partial$/),
      "--readPreference=secondaryPreferred",
    ]);
    expect(argv.join(" ")).not.toContain("pa55word");
    expect(readFileSync(`${log}.config`, "utf8")).toBe(`uri: "${uriValue}"\n`);
    expect(readFileSync(`${log}.mode`, "utf8").trim()).toBe("600");
    expect(existsSync(old)).toBe(false);
    const archives = readdirSync(out);
    expect(archives).toEqual([expect.stringMatching(/^kato-\d{8}T\d{6}Z\.archive\.gz$/)]);
    // The config file does not outlive the run.
    expect(readdirSync(join(dir, "scratch"))).toEqual([]);
  });

  it("a failed dump leaves neither a partial archive nor the config file, and prunes nothing", () => {
    const dir = tempDir("mongo-fail");
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "mongodump"), "#!/usr/bin/env bash\nexit 1\n");
    chmodSync(join(bin, "mongodump"), 0o755);
    const out = join(dir, "out");
    mkdirSync(out);
    const old = join(out, "kato-20000101T000000Z.archive.gz");
    writeFileSync(old, "old");
    const t = Date.now() / 1000 - 30 * 86400;
    utimesSync(old, t, t);
    const script = mongoBackupContainerScript({
      filePrefix: "kato",
      outDir: out,
      readPreference: "primary",
      retentionDays: 7,
      scratchDir: join(dir, "scratch"),
    });
    const r = spawnSync("bash", ["-c", script], {
      env: { PATH: `${bin}:${process.env.PATH}`, MONGODB_URI: "mongodb://x" },
      encoding: "utf8",
    });
    expect(r.status).not.toBe(0);
    expect(readdirSync(out)).toEqual(["kato-20000101T000000Z.archive.gz"]);
    expect(readdirSync(join(dir, "scratch"))).toEqual([]);
  });
});
