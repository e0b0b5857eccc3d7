/**
 * QdrantSnapshots: the snapshot and restore scripts run under busybox sh (as in the curl image) with
 * the real curl against three fake peers that enforce Qdrant's OpenAPI contract, and the component
 * under Pulumi mocks on both targets.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as random from "@pulumi/random";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QdrantSnapshots } from "../../components/operations/qdrantSnapshots";
import {
  QDRANT_SNAPSHOTS_FIELDS,
  qdrantRestoreScript,
  qdrantSnapshotScript,
  resolveQdrantSnapshotsSettings,
} from "../../components/operations/qdrantSnapshotsPlan";
import * as model from "../qdrant/fake/model";
import { startFakeQdrant } from "../qdrant/fake/server";
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

const API_KEY = "qdrant-test-key-123";

/** One Qdrant peer: the engine's fake (test/qdrant/fake), seen as the snapshot scripts use it. */
type FakePeer = Awaited<ReturnType<typeof startFakePeer>>;

/** A peer with `collections`, each seeded with snapshots taken `seededAgesDays` days ago. */
async function startFakePeer(
  apiKey: string | undefined,
  peerId: number,
  collections: string[],
  seededAgesDays: number[],
) {
  const fake = await startFakeQdrant({ ...(apiKey ? { apiKey } : {}), peerId });
  for (const c of collections) {
    const created = model.createCollection(fake.state, c, { vectors: { size: 4, distance: "Cosine" } });
    if (created.status !== 200) throw new Error(`cannot seed ${c}: ${created.error}`);
    for (const days of seededAgesDays)
      model.seedSnapshot(fake.state, c, new Date(Date.now() - days * 86400_000));
  }
  return {
    url: fake.url,
    endpoint: `${fake.host}:${fake.port}`,
    peerId,
    violations: fake.violations,
    snapshots: fake.state.snapshots,
    recovered: fake.state.recovered,
    /** `METHOD /path?query` of every request. */
    get calls() {
      return fake.requests.map((r) => {
        const query = new URLSearchParams(r.query).toString();
        return `${r.method} ${r.path}${query ? `?${query}` : ""}`;
      });
    },
    /** Requests that carried an `api-key` or `Authorization` header. */
    get keyHeaders() {
      return fake.requests.filter((r) => r.sentKey).length;
    },
    close: () => fake.close(),
  };
}
const busybox = spawnSync("busybox", ["--list"], { encoding: "utf8" });
const curl = spawnSync("curl", ["--version"], { stdio: "ignore" });
const canRun = busybox.status === 0 && curl.status === 0;
const peers: FakePeer[] = [];
/** Peers of a Qdrant without an API key (KATO 3.0.0 sends none). */
const keyless: FakePeer[] = [];
let work: string;
let bin: string;

/** A PATH with only busybox applets and curl, like the curlimages/curl image. */
function curlImagePath(): string {
  const dir = join(work, "bin");
  mkdirSync(dir, { recursive: true });
  for (const applet of busybox.stdout.split("\n").filter(Boolean)) {
    if (!existsSync(join(dir, applet))) symlinkSync("/usr/bin/busybox", join(dir, applet));
  }
  if (!existsSync(join(dir, "curl")))
    symlinkSync(
      spawnSync("sh", ["-c", "command -v curl"], { encoding: "utf8" }).stdout.trim(),
      join(dir, "curl"),
    );
  return dir;
}

/** Runs a script under busybox sh without blocking: the fake peers live in this process. */
function runSh(
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  // An `undefined` value removes the variable (a keyless run has no QDRANT_API_KEY at all).
  const merged = Object.fromEntries(
    Object.entries({ PATH: bin, QDRANT_API_KEY: API_KEY, TMPDIR: work, ...env }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  const file = join(work, `script-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, script);
  return new Promise((resolveRun) => {
    const child = spawn("/usr/bin/busybox", ["sh", file, ...args], {
      env: merged,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += String(d);
    });
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolveRun({ status, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  if (!canRun) return;
  work = tempDir("qdrant");
  bin = curlImagePath();
  for (let i = 0; i < 3; i++) {
    peers.push(await startFakePeer(API_KEY, 1000 + i, ["vectors_a_kato", "vectors_b_kato"], [30, 1]));
  }
  for (let i = 0; i < 2; i++) {
    keyless.push(await startFakePeer(undefined, 2000 + i, ["vectors_a_kato"], [30, 1]));
  }
});

afterAll(async () => {
  for (const p of [...peers, ...keyless]) await p.close();
});

describe.skipIf(!canRun)(
  "Qdrant snapshot scripts against contract-checked fake peers (busybox sh + curl)",
  () => {
    let runDir: string;

    it("snapshots every collection on every peer at that peer's own address, downloads each, prunes old ones", async () => {
      const out = join(work, "backups");
      const script = qdrantSnapshotScript({
        peers: peers.map((p) => p.endpoint),
        outDir: out,
        download: true,
        retentionDays: 7,
        pruneLocal: true,
        timeoutSeconds: 30,
      });
      expect(syntaxErrors(script, "sh")).toBe("");
      expect(shellcheckFindings(script, "sh")).toBe("");
      const r = await runSh(script, []);
      expect(r.status, r.stderr + r.stdout).toBe(0);
      for (const p of peers) {
        expect(p.violations).toEqual([]);
        const creates = p.calls.filter((c) => c.startsWith("POST ") && c.includes("/snapshots?wait=true"));
        expect(creates.sort()).toEqual([
          "POST /collections/vectors_a_kato/snapshots?wait=true",
          "POST /collections/vectors_b_kato/snapshots?wait=true",
        ]);
        // 30-day-old snapshots deleted; the 1-day-old one and the new one kept.
        for (const list of p.snapshots.values()) expect(list).toHaveLength(2);
        expect(p.calls.filter((c) => c.startsWith("DELETE "))).toHaveLength(2);
      }
      const runs = readdirSync(out);
      expect(runs).toEqual([expect.stringMatching(/^\d{8}T\d{6}Z$/)]);
      runDir = join(out, runs[0]!);
      const manifest = readFileSync(join(runDir, "manifest.tsv"), "utf8").trim().split("\n");
      expect(manifest).toHaveLength(6);
      for (const [i, p] of peers.entries()) {
        for (const c of ["vectors_a_kato", "vectors_b_kato"]) {
          const line = manifest.find((l) => l.startsWith(`${i}\t${p.url}\t${c}\t`))!;
          const snapshotName = line.split("\t")[3];
          expect(readFileSync(join(runDir, `peer-${i}`, `${c}.snapshot`), "utf8")).toBe(
            `SNAPSHOT ${p.peerId} ${c} ${snapshotName}`,
          );
        }
      }
    });

    it("restores each peer from its own downloaded snapshot with priority=snapshot", async () => {
      const script = qdrantRestoreScript({ snapshotsPath: "/qdrant/snapshots", timeoutSeconds: 30 });
      expect(shellcheckFindings(script, "sh")).toBe("");
      const r = await runSh(script, [runDir, "backup"]);
      expect(r.status, r.stderr).toBe(0);
      for (const p of peers) {
        expect(p.violations).toEqual([]);
        const uploads = p.recovered.filter((x) => x.via === "upload");
        expect(uploads).toHaveLength(2);
        for (const u of uploads) {
          expect(u.priority).toBe("snapshot");
          expect(u.detail).toMatch(new RegExp(`^SNAPSHOT ${p.peerId} ${u.collection} `));
        }
      }
    });

    it("or recovers the copies still on the peers: PUT .../snapshots/recover with a file:// location and priority snapshot", async () => {
      const script = qdrantRestoreScript({ snapshotsPath: "/qdrant/snapshots", timeoutSeconds: 30 });
      const r = await runSh(script, [runDir, "peer"]);
      expect(r.status, r.stderr).toBe(0);
      for (const p of peers) {
        expect(p.violations).toEqual([]);
        const recovers = p.recovered.filter((x) => x.via === "recover");
        expect(recovers).toHaveLength(2);
        for (const x of recovers) {
          expect(x.priority).toBe("snapshot");
          expect(x.detail).toMatch(
            new RegExp(
              `^file:///qdrant/snapshots/${x.collection}/${x.collection}-${p.peerId}-.*\\.snapshot$`,
            ),
          );
        }
      }
    });

    it("a peer that is down fails the run and removes no old run directory", async () => {
      const out = join(work, "backups");
      const script = qdrantSnapshotScript({
        peers: [...peers.map((p) => p.endpoint), "127.0.0.1:1"],
        outDir: out,
        download: true,
        retentionDays: 7,
        pruneLocal: true,
        timeoutSeconds: 5,
      });
      const r = await runSh(script, []);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/FAILED to list the collections of http:\/\/127\.0\.0\.1:1/);
      expect(existsSync(runDir)).toBe(true);
    });

    it("a wrong API key is refused and reported", async () => {
      const script = qdrantSnapshotScript({
        peers: [peers[0]!.endpoint],
        outDir: join(work, "wrong-key"),
        download: true,
        retentionDays: 7,
        pruneLocal: true,
        timeoutSeconds: 5,
      });
      const r = await runSh(script, [], { QDRANT_API_KEY: "wrong" });
      expect(r.status).not.toBe(0);
    });
  },
);

describe.skipIf(!canRun)("Qdrant snapshot scripts for a Qdrant without an API key", () => {
  let runDir: string;

  it("snapshot, download and prune with no key in the environment and no key header on any request", async () => {
    const out = join(work, "keyless");
    const script = qdrantSnapshotScript({
      peers: keyless.map((p) => p.endpoint),
      outDir: out,
      download: true,
      retentionDays: 7,
      pruneLocal: true,
      timeoutSeconds: 30,
      apiKey: false,
    });
    expect(script).not.toContain("QDRANT_API_KEY");
    expect(syntaxErrors(script, "sh")).toBe("");
    expect(shellcheckFindings(script, "sh")).toBe("");
    const r = await runSh(script, [], { QDRANT_API_KEY: undefined });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    for (const p of keyless) {
      expect(p.violations).toEqual([]);
      expect(p.keyHeaders).toBe(0);
      expect(p.calls.filter((c) => c.startsWith("POST "))).toEqual([
        "POST /collections/vectors_a_kato/snapshots?wait=true",
      ]);
      expect(p.calls.filter((c) => c.startsWith("DELETE "))).toHaveLength(1);
    }
    const runs = readdirSync(out);
    runDir = join(out, runs[0]!);
    expect(readFileSync(join(runDir, "manifest.tsv"), "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("restores from the downloaded copies and from the peers without a key", async () => {
    const script = qdrantRestoreScript({
      snapshotsPath: "/qdrant/snapshots",
      timeoutSeconds: 30,
      apiKey: false,
    });
    expect(shellcheckFindings(script, "sh")).toBe("");
    for (const source of ["backup", "peer"]) {
      const r = await runSh(script, [runDir, source], { QDRANT_API_KEY: undefined });
      expect(r.status, r.stderr).toBe(0);
    }
    for (const p of keyless) {
      expect(p.violations).toEqual([]);
      expect(p.keyHeaders).toBe(0);
      expect(p.recovered.map((x) => x.via).sort()).toEqual(["recover", "upload"]);
    }
  });

  it("the keyless script really sends no key: a Qdrant that has one refuses it (401)", async () => {
    const script = qdrantSnapshotScript({
      peers: [peers[0]!.endpoint],
      outDir: join(work, "keyless-vs-key"),
      download: false,
      retentionDays: 7,
      pruneLocal: false,
      timeoutSeconds: 5,
      apiKey: false,
    });
    const r = await runSh(script, []);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/401/);
  });
});

describe("QdrantSnapshots component", () => {
  const harness = installMocks();
  const endpoints = [0, 1, 2].map((i) => `kato-qdrant-${i}.kato-qdrant-hl.kato.svc.cluster.local:6333`);
  let k8s: QdrantSnapshots;
  let docker: QdrantSnapshots;
  let dockerKeyless: QdrantSnapshots;

  beforeAll(async () => {
    const key = new random.RandomPassword("qdrant-key", { length: 32 });
    k8s = new QdrantSnapshots("qdrant-snap", {
      target: { kind: "kubernetes", namespace: "kato" },
      endpoints,
      apiKey: key.result,
      restoreFrom: "20260101T020000Z",
    });
    new QdrantSnapshots("qdrant-s3", {
      target: { kind: "kubernetes", namespace: "kato" },
      endpoints,
      apiKey: key.result,
      destination: "s3",
      s3: { bucket: "kato-backups" },
      s3Credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: key.result },
      restoreFrom: "20260101T020000Z",
      restoreSource: "peer",
    });
    docker = new QdrantSnapshots("qdrant-docker", {
      target: { kind: "docker", networkName: "kato-net" },
      endpoints: ["kato-qdrant-0:6333", "kato-qdrant-1:6333"],
      apiKey: key.result,
    });
    new QdrantSnapshots("qdrant-nokey", {
      target: { kind: "kubernetes", namespace: "kato" },
      endpoints,
      restoreFrom: "20260101T020000Z",
    });
    dockerKeyless = new QdrantSnapshots("qdrant-docker-nokey", {
      target: { kind: "docker", networkName: "kato-net" },
      endpoints: ["kato-qdrant-0:6333"],
    });
    await settle(
      k8s.restoreJobName,
      docker.hostBackupScript,
      docker.credentialsEnvFile,
      dockerKeyless.hostBackupScript,
    );
  });

  it("without an API key: no key in the Secret, the CronJob or the restore Job, and no api-key header in the scripts", () => {
    const job = unwrapSecrets(harness.one("kubernetes:batch/v1:CronJob", "qdrant-nokey").inputs);
    const c = job.spec.jobTemplate.spec.template.spec.containers[0];
    expect(c.env ?? []).toEqual([]);
    expect(c.command[2]).not.toContain("QDRANT_API_KEY");
    expect(c.command[2]).not.toContain("api-key");
    const secret = unwrapSecrets(harness.one("kubernetes:core/v1:Secret", "qdrant-nokey-credentials").inputs);
    expect(Object.keys(secret.stringData ?? {})).toEqual([]);
    const restore = harness
      .ofType("kubernetes:batch/v1:Job")
      .map((r) => unwrapSecrets(r.inputs))
      .find((j) => j.metadata.name.startsWith("qdrant-nokey-restore-"))!;
    expect(restore.spec.template.spec.containers[0].env ?? []).toEqual([]);
  });

  it("without an API key on Docker: no env file, no key passed to the container, scripts pass ShellCheck", async () => {
    const backup = (await resolved(dockerKeyless.hostBackupScript))!;
    expect(backup).not.toContain("QDRANT_API_KEY");
    expect(backup).not.toContain("ENV_FILE");
    expect(syntaxErrors(backup)).toBe("");
    expect(shellcheckFindings(backup)).toBe("");
    const restore = (await resolved(dockerKeyless.hostRestoreScript))!;
    expect(restore).not.toContain("QDRANT_API_KEY");
    expect(shellcheckFindings(restore)).toBe("");
    expect(await resolved(dockerKeyless.credentialsEnvFile)).toBeUndefined();
  });

  it("declares a CronJob that snapshots through each peer's own address, the key from a Secret", () => {
    const job = unwrapSecrets(harness.one("kubernetes:batch/v1:CronJob", "qdrant-snap").inputs);
    expect(job.spec.concurrencyPolicy).toBe("Forbid");
    const c = job.spec.jobTemplate.spec.template.spec.containers[0];
    for (const e of endpoints) expect(c.command[2]).toContain(`http://${e}`);
    expect(c.command[2]).toContain('api -X POST "$2/collections/$3/snapshots?wait=true"');
    expect(c.env).toEqual([
      {
        name: "QDRANT_API_KEY",
        valueFrom: { secretKeyRef: { name: "qdrant-snap-credentials", key: "qdrant-api-key" } },
      },
    ]);
  });

  it("restoreFrom creates a restore Job passing the run directory and source to the script", () => {
    const jobs = harness.ofType("kubernetes:batch/v1:Job").map((r) => unwrapSecrets(r.inputs));
    const vol = jobs.find((j) => j.metadata.name.startsWith("qdrant-snap-restore-"))!;
    expect(vol.spec.template.spec.containers[0].command.slice(3)).toEqual([
      "recover",
      "/backups/qdrant-snap/20260101T020000Z",
      "backup",
    ]);
    const s3 = jobs.find((j) => j.metadata.name.startsWith("qdrant-s3-restore-"))!;
    expect(s3.spec.template.spec.initContainers[0].command[2]).toContain(
      "rclone copy backup:kato-backups/kato/qdrant/20260101T020000Z /work/20260101T020000Z",
    );
    expect(s3.spec.template.spec.containers[0].command.at(-1)).toBe("peer");
  });

  it("every Kubernetes object is valid against the official schema and no secret leaks", () => {
    const results = validateKubernetesResources(harness.resources);
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(6);
    expect(plaintextSecretLeaks(harness)).toEqual([]);
  });

  it("on Docker renders host scripts that parse and pass ShellCheck, and the key only in a secret output", async () => {
    const backup = (await resolved(docker.hostBackupScript))!;
    expect(backup).toMatch(
      /docker run --rm -i --network "\$NETWORK" --user "\$\(id -u\):\$\(id -g\)" -e QDRANT_API_KEY/,
    );
    expect(backup).toContain("for peer in http://kato-qdrant-0:6333 http://kato-qdrant-1:6333; do");
    expect(syntaxErrors(backup)).toBe("");
    expect(shellcheckFindings(backup)).toBe("");
    const restore = (await resolved(docker.hostRestoreScript))!;
    expect(syntaxErrors(restore)).toBe("");
    expect(shellcheckFindings(restore)).toBe("");
    expect(await isSecret(docker.credentialsEnvFile)).toBe(true);
    expect(await resolved(docker.snapshotEndpoints)).toEqual([
      "POST http://kato-qdrant-0:6333/collections/{collection_name}/snapshots",
      "POST http://kato-qdrant-1:6333/collections/{collection_name}/snapshots",
    ]);
  });

  it("settings: defaults, docs for every field, every problem at once", () => {
    const s = resolveQdrantSnapshotsSettings({}).settings!;
    expect(s).toMatchObject({
      schedule: "0 2 * * *",
      retentionDays: 7,
      download: true,
      restoreSource: "backup",
    });
    const documented = new Set(QDRANT_SNAPSHOTS_FIELDS.map((f) => f.name.split(".")[0]));
    for (const key of Object.keys(s)) expect(documented).toContain(key);
    const { problems } = resolveQdrantSnapshotsSettings(
      { download: false, restoreFrom: "yesterday", schedule: "* * * *", image: "curlimages/curl" },
      "backups.qdrant",
    );
    expect(problems.map((p) => p.field).sort()).toEqual([
      "backups.qdrant.image",
      "backups.qdrant.restoreFrom",
      "backups.qdrant.restoreFrom",
      "backups.qdrant.schedule",
    ]);
  });
});
