/**
 * The dev stack with backups and monitoring turned on, as a developer would
 * (`pulumi config set --path kato-infra:backups.mongodb.enabled true`...): Docker has no scheduler,
 * so the program renders each engine's host scripts and crontab line as stack outputs, the
 * credentials only in a secret env-file output, and runs an exporter per member.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { shellcheckFindings, syntaxErrors } from "../operations/scriptCheck";
import { isSecret, plaintextSecretLeaks, resolved, unwrapSecrets } from "../support/mocks";
import { type ProgramRun, runProgram } from "./harness";
import { stackOutputLeaks } from "./operations";

const ENGINES = ["mongodb", "qdrant", "redis"] as const;
let run: ProgramRun;
let o: Record<string, any>;

beforeAll(async () => {
  run = await runProgram("dev", {
    "kato-infra:backups": {
      mongodb: { enabled: true },
      qdrant: { enabled: true, schedule: "30 3 * * *" },
      redis: { enabled: true, retentionDays: 3 },
    },
    "kato-infra:monitoring": { enabled: true },
  });
  o = run.outputs as Record<string, any>;
});

describe("dev with backups and monitoring on", () => {
  it("deploys the three backups and the monitoring, and no Kubernetes object", () => {
    for (const type of [
      "kato:ops:MongoBackup",
      "kato:ops:QdrantSnapshots",
      "kato:ops:RedisBackup",
      "kato:ops:DataTierMonitoring",
    ]) {
      expect(run.harness.ofType(type), type).toHaveLength(1);
    }
    expect(run.harness.resources.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
  });

  it("renders each engine's crontab line for the host's root crontab, at its schedule", async () => {
    expect(await resolved(o.mongodbBackupCron)).toBe(
      "0 2 * * * /usr/local/sbin/kato-dev-mongodb-backup.sh >> /var/log/kato/kato-dev-mongodb.log 2>&1",
    );
    expect(await resolved(o.qdrantBackupCron)).toBe(
      "30 3 * * * /usr/local/sbin/kato-dev-qdrant-backup.sh >> /var/log/kato/kato-dev-qdrant.log 2>&1",
    );
    expect(await resolved(o.redisBackupCron)).toMatch(
      /^0 2 \* \* \* \/usr\/local\/sbin\/kato-dev-redis-backup\.sh /,
    );
  });

  it("renders host scripts that parse, pass ShellCheck, hold no credential and target the stack's members", async () => {
    const mongo = (await resolved(o.mongoEndpoints)) as string[];
    const qdrant = (await resolved(o.qdrantEndpoints)) as string[];
    const redis = (await resolved(o.redisEndpoints)) as string[];
    for (const engine of ENGINES) {
      for (const kind of ["BackupScript", "RestoreScript"]) {
        const name = `${engine}${kind}`;
        expect(await isSecret(o[name]), name).toBe(false);
        const script = (await resolved(o[name])) as string;
        expect(syntaxErrors(script), name).toBe("");
        expect(shellcheckFindings(script), name).toBe("");
        // Redis restores run offline on the node's files: no credential needed.
        if (name !== "redisRestoreScript") expect(script, name).toContain(`/etc/kato/kato-dev-${engine}.env`);
        expect(script, name).toContain(`/var/backups/kato-dev/${engine}`);
        for (const secret of run.harness.generatedSecrets) expect(script).not.toContain(secret);
      }
    }
    const backup = async (engine: string) => (await resolved(o[`${engine}BackupScript`])) as string;
    expect(await backup("mongodb")).toContain("NETWORK=kato-dev");
    // The image of the server: tools and server versions match.
    expect(await backup("mongodb")).toContain("IMAGE=mongo:8.0.15");
    for (const peer of qdrant) expect(await backup("qdrant")).toContain(peer);
    for (const node of redis) expect(await backup("redis")).toContain(node.split(":")[0]);
    expect(mongo).toHaveLength(3);
  });

  it("puts the credentials only in the env-file outputs, which are secrets: root's URI for MongoDB", async () => {
    for (const engine of ENGINES) expect(await isSecret(o[`${engine}BackupEnv`]), engine).toBe(true);
    const env = (await resolved(o.mongodbBackupEnv)) as string;
    expect(env).toMatch(
      /^MONGODB_URI='mongodb:\/\/root:[^@]+@kato-dev-mongodb-0:27017,kato-dev-mongodb-1:27017,kato-dev-mongodb-2:27017\/\?replicaSet=rs0&authSource=admin/,
    );
    expect((await resolved(o.redisBackupEnv)) as string).toMatch(/^REDISCLI_AUTH=\S+\n$/);
    expect((await resolved(o.qdrantBackupEnv)) as string).toMatch(/^QDRANT_API_KEY=\S+\n$/);
    expect(await stackOutputLeaks(o, run.harness)).toEqual([]);
    // The check would see one: the same value, unmarked.
    expect(await stackOutputLeaks({ leaked: pulumi.unsecret(o.redisBackupEnv) }, run.harness)).toEqual([
      "leaked",
    ]);
    expect(plaintextSecretLeaks(run.harness)).toEqual([]);
  });

  it("summarises each backup: host directory, files to install, how to restore", async () => {
    const backups = (await resolved(o.backups)) as Record<string, any>;
    expect(backups.mongodb).toMatchObject({
      schedule: "0 2 * * *",
      retentionDays: 7,
      location: "docker-host:/var/backups/kato-dev/mongodb/",
      hostFiles: {
        backupScript: "/usr/local/sbin/kato-dev-mongodb-backup.sh",
        restoreScript: "/usr/local/sbin/kato-dev-mongodb-restore.sh",
        envFile: "/etc/kato/kato-dev-mongodb.env",
      },
    });
    expect(backups.mongodb.restore).toMatch(
      /^sudo \/usr\/local\/sbin\/kato-dev-mongodb-restore\.sh <archive/,
    );
    expect(backups.qdrant.restore).toMatch(/kato-dev-qdrant-restore\.sh <run stamp.*\[backup\|peer\]/);
    expect(backups.redis.retentionDays).toBe(3);
    expect(await resolved(o.redisRestoreJobs)).toBeUndefined();
  });

  it("runs one exporter container per member on the stack's network, published on 127.0.0.1", async () => {
    const exporters = run.harness
      .ofType("docker:index/container:Container")
      .filter((c) => c.name.includes("-exporter-"))
      .map((c) => unwrapSecrets(c.inputs));
    expect(exporters.map((c) => c.name).sort()).toEqual([
      ...[0, 1, 2].map((i) => `kato-dev-monitoring-mongodb-exporter-${i}`),
      ...[0, 1, 2, 3, 4, 5].map((i) => `kato-dev-monitoring-redis-exporter-${i}`),
    ]);
    for (const c of exporters) {
      expect(c.networksAdvanced.map((n: any) => n.name)).toEqual(["kato-dev"]);
      expect(c.ports[0].ip).toBe("127.0.0.1");
    }
    expect(await resolved(o.exporterEndpoints)).toContain("127.0.0.1:9216");
    const scrape = (await resolved(o.prometheusScrapeConfig)) as string;
    for (const job of ["kato-mongodb", "kato-redis", "kato-qdrant"]) expect(scrape).toContain(job);
    expect((await resolved(o.alertRules)) as string).toContain("KatoRedisMemoryNearMax");
  });
});
