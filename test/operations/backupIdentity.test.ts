/**
 * The three backup components (MongoBackup, QdrantSnapshots, RedisBackup) keep, for existing stacks,
 * everything the engine keys on and everything they render: the URN of the component and of every
 * child, each child's inputs (secrets still wrapped), its resource options, and the component's
 * registered outputs and `settings`, on both targets and across the branches (volume, existing
 * claim, S3, restore requests, Qdrant without an API key or without downloads, Redis cluster and
 * replication).
 *
 * fixtures/backupIdentity.json was recorded from the three separate components as they were before
 * they became one component with a strategy per engine (issue 11), with
 * `UPDATE_BACKUP_IDENTITY=1 npx vitest run test/operations/backupIdentity.test.ts`. Regenerate it
 * only for a change meant to be visible; a changed URN replaces (or, for a Secret or PVC, deletes and
 * recreates) a resource in every existing stack.
 *
 * URNs are written as the engine builds them, not as the mocks do: sdk/go/common/resource/urn/urn.go
 * `New` (pulumi v3.248.0) prefixes the child's type with the parent's whole qualified type
 * (`kato:ops:MongoBackup$kubernetes:batch/v1:CronJob`, and deeper chains keep every level), while
 * sdk/nodejs/runtime/mocks.ts `newUrn` keeps only the parent's last type. The hook below rebuilds
 * the engine's form from each registration's parent.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { MongoBackup } from "../../components/operations/mongoBackup";
import { QdrantSnapshots } from "../../components/operations/qdrantSnapshots";
import { RedisBackup } from "../../components/operations/redisBackup";
import { installMocks, resolved, settle } from "../support/mocks";

const FIXTURE = join(__dirname, "fixtures", "backupIdentity.json");
const harness = installMocks({ project: "kato-infra", stack: "dev" });

interface Registration {
  urn: string;
  parent: string;
  type: string;
  name: string;
  custom: boolean;
  options: Record<string, unknown>;
}

const registrations: Registration[] = [];
/** Mock URN -> engine URN (the mocks' parent URNs are mapped back through this). */
const engineUrns = new Map<string, string>();

function mockUrn(parent: string, type: string, name: string): string {
  const t = parent ? `${parent.split("::")[2]!.split("$").pop()}$${type}` : type;
  return `urn:pulumi:dev::kato-infra::${t}::${name}`;
}

const monitor = pulumi.runtime.getMonitor() as any;
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (req: any, callback: any) => {
  const parentMock: string = req.getParent();
  const parent = parentMock ? (engineUrns.get(parentMock) ?? parentMock) : "";
  const type: string = req.getType();
  const name: string = req.getName();
  const qualified = parent ? `${parent.split("::")[2]}$${type}` : type;
  const urn = `urn:pulumi:dev::kato-infra::${qualified}::${name}`;
  engineUrns.set(mockUrn(parentMock, type, name), urn);
  const timeouts = req.getCustomtimeouts?.();
  registrations.push({
    urn,
    parent,
    type,
    name,
    custom: req.getCustom(),
    options: {
      protect: req.getProtect(),
      retainOnDelete: req.getRetainondelete(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      ignoreChanges: req.getIgnorechangesList(),
      replaceOnChanges: req.getReplaceonchangesList(),
      aliases: (req.getAliasesList?.() ?? []).map((a: any) => a.toObject()),
      dependencies: req.getDependenciesList().map((d: string) => engineUrns.get(d) ?? d),
      customTimeouts: timeouts
        ? { create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() }
        : undefined,
    },
  });
  return register(req, callback);
};

/** JSON with object keys sorted (the engine does not keep key order; the comparison must not either). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const k8s = { kind: "kubernetes" as const, namespace: "kato" };
const docker = { kind: "docker" as const, networkName: "kato-net" };
const s3Credentials = {
  accessKeyId: "AKIAEXAMPLE",
  secretAccessKey: pulumi.secret("s3-secret-access-key-value"),
};
const mongoUri = pulumi.secret("mongodb://root:mongo-root-pw@m-0:27017,m-1:27017/?replicaSet=rs0");
const qdrantKey = pulumi.secret("qdrant-rw-key-value");
const redisPw = pulumi.secret("redis-password-value");
const podLabels = { "kato.dev/data-client": "operations" };
const redisK8s = [0, 1, 2].map((i) => `kato-redis-${i}.kato-redis-hl.kato.svc.cluster.local:6379`);
const qdrantK8s = [0, 1, 2].map((i) => `kato-qdrant-${i}.kato-qdrant-hl.kato.svc.cluster.local:6333`);

type AnyBackup = MongoBackup | QdrantSnapshots | RedisBackup;
const components: Record<string, AnyBackup> = {};

beforeAll(async () => {
  // MongoDB
  components["mongo-vol"] = new MongoBackup("mongo-vol", {
    target: k8s,
    uri: mongoUri,
    restoreUri: pulumi.secret("mongodb://restorer:pw@m-0:27017/?replicaSet=rs0"),
    restoreFrom: "mongo-vol-20260101T020000Z.archive.gz",
    podLabels,
  });
  components["mongo-s3"] = new MongoBackup("mongo-s3", {
    target: k8s,
    uri: mongoUri,
    destination: "s3",
    s3: { bucket: "kato-backups", endpoint: "https://minio.example:9000", prefix: "kato/dev/mongodb" },
    s3Credentials,
    restoreFrom: "mongo-s3-20260101T020000Z.archive.gz",
    restoreDrop: false,
    readPreference: "secondary",
    schedule: "30 3 * * *",
    retentionDays: 14,
  });
  components["mongo-claim"] = new MongoBackup("mongo-claim", {
    target: k8s,
    uri: mongoUri,
    enabled: false,
    timeZone: "Europe/Berlin",
    existingClaim: "shared-backups",
    resources: { cpu: "250m", memory: "1Gi" },
  });
  components["mongo-docker"] = new MongoBackup("mongo-docker", { target: docker, uri: mongoUri });
  components["mongo-docker-restore"] = new MongoBackup("mongo-docker-restore", {
    // The network comes from the target (before: a separate `network` argument, same resources).
    target: { ...docker, networkName: pulumi.output("other-net") },
    uri: mongoUri,
    restoreUri: pulumi.secret("mongodb://restorer:pw@m-0:27017/?replicaSet=rs0"),
    restoreFrom: "mongo-docker-restore-20260101T020000Z.archive.gz",
    hostDirectory: "/srv/backups/mongo",
  });

  // Qdrant
  components["qdrant-vol"] = new QdrantSnapshots("qdrant-vol", {
    target: k8s,
    endpoints: qdrantK8s,
    apiKey: qdrantKey,
    restoreFrom: "20260101T020000Z",
    podLabels,
  });
  components["qdrant-s3"] = new QdrantSnapshots("qdrant-s3", {
    target: k8s,
    endpoints: qdrantK8s,
    apiKey: qdrantKey,
    destination: "s3",
    s3: { bucket: "kato-backups", region: "eu-west-1" },
    s3Credentials,
    restoreFrom: "20260101T020000Z",
    restoreSource: "peer",
    requestTimeoutSeconds: 600,
  });
  components["qdrant-peers"] = new QdrantSnapshots("qdrant-peers", {
    target: k8s,
    endpoints: qdrantK8s,
    download: false,
    snapshotsPath: "/data/snapshots/",
  });
  components["qdrant-docker"] = new QdrantSnapshots("qdrant-docker", {
    target: docker,
    endpoints: ["kato-qdrant-0:6333", "kato-qdrant-1:6333"],
    apiKey: qdrantKey,
    restoreFrom: "20260101T020000Z",
  });
  components["qdrant-docker-open"] = new QdrantSnapshots("qdrant-docker-open", {
    target: docker,
    endpoints: ["http://kato-qdrant-0:6333/"],
    download: false,
    enabled: false,
  });

  // Redis
  components["redis-vol"] = new RedisBackup("redis-vol", {
    target: k8s,
    endpoints: redisK8s,
    password: redisPw,
    dataClaims: redisK8s.map((_, i) => `data-kato-redis-${i}`),
    retentionDays: 3,
    podLabels,
  });
  components["redis-s3-repl"] = new RedisBackup("redis-s3-repl", {
    target: k8s,
    endpoints: redisK8s,
    password: redisPw,
    mode: "replication",
    destination: "s3",
    s3: { bucket: "kato-backups" },
    s3Credentials,
    dataClaims: redisK8s.map((_, i) => `data-kato-redis-${i}`),
    uid: 1001,
  });
  components["redis-claim"] = new RedisBackup("redis-claim", {
    target: k8s,
    endpoints: redisK8s,
    password: redisPw,
    existingClaim: "shared-backups",
    storageClass: "fast",
  });
  components["redis-docker"] = new RedisBackup("redis-docker", {
    target: docker,
    endpoints: ["kato-redis-0:6379", "kato-redis-1:6380"],
    containers: ["redis-a", "redis-b"],
    password: redisPw,
  });
  components["redis-docker-repl"] = new RedisBackup("redis-docker-repl", {
    target: docker,
    endpoints: ["kato-redis-0:6379", "kato-redis-1:6379", "kato-redis-2:6379"],
    password: redisPw,
    mode: "replication",
    dataDir: "/var/lib/redis",
    saveTimeoutSeconds: 120,
  });
  await settle(...Object.values(components).map((c) => c.urn));
  await settle(...Object.values(components).map((c) => c.location));
});

/** Everything recorded about one component: its URN, its children's URNs, inputs and options, its outputs. */
async function snapshotOf(name: string): Promise<unknown> {
  const component = components[name]!;
  const own = registrations.find((r) => r.name === name && !r.custom)!;
  const tree = registrations.filter((r) => r.urn === own.urn || isUnder(r, own.urn));
  const outputs = harness.outputs.filter((o) => engineUrns.get(o.urn) === own.urn).map((o) => o.outputs);
  return canonical({
    resources: tree.map((r) => ({
      ...r,
      inputs: r.custom ? harness.one(r.type, r.name).inputs : undefined,
    })),
    outputs,
    settings: await resolved(pulumi.output((component as { settings: unknown }).settings)),
  });
}

function isUnder(r: Registration, root: string): boolean {
  let parent = r.parent;
  while (parent) {
    if (parent === root) return true;
    parent = registrations.find((x) => x.urn === parent)?.parent ?? "";
  }
  return false;
}

describe("backup components keep their identity and rendering (issue 11)", () => {
  it("records every component (fixture written from the components before the refactor)", async () => {
    const all: Record<string, unknown> = {};
    for (const name of Object.keys(components)) all[name] = await snapshotOf(name);
    if (process.env.UPDATE_BACKUP_IDENTITY === "1") {
      mkdirSync(dirname(FIXTURE), { recursive: true });
      writeFileSync(FIXTURE, `${JSON.stringify(all, null, 1)}\n`);
    }
    expect(existsSync(FIXTURE)).toBe(true);
    const recorded = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, any>;
    expect(Object.keys(all).sort()).toEqual(Object.keys(recorded).sort());
  });

  for (const [engine, names] of Object.entries({
    MongoBackup: ["mongo-vol", "mongo-s3", "mongo-claim", "mongo-docker", "mongo-docker-restore"],
    QdrantSnapshots: ["qdrant-vol", "qdrant-s3", "qdrant-peers", "qdrant-docker", "qdrant-docker-open"],
    RedisBackup: ["redis-vol", "redis-s3-repl", "redis-claim", "redis-docker", "redis-docker-repl"],
  })) {
    describe(engine, () => {
      for (const name of names) {
        it(`${name}: the same URNs for the component and every child`, async () => {
          const recorded = JSON.parse(readFileSync(FIXTURE, "utf8"))[name];
          const now = (await snapshotOf(name)) as typeof recorded;
          const urns = (s: { resources: Array<{ urn: string }> }) => s.resources.map((r) => r.urn).sort();
          expect(urns(now)).toEqual(urns(recorded));
          expect(urns(now)).toContain(`urn:pulumi:dev::kato-infra::kato:ops:${engine}::${name}`);
        });
        it(`${name}: the same inputs, resource options, outputs and settings`, async () => {
          const recorded = JSON.parse(readFileSync(FIXTURE, "utf8"))[name];
          const now = (await snapshotOf(name)) as typeof recorded;
          const byUrn = (s: { resources: Array<{ urn: string }> }) =>
            Object.fromEntries(s.resources.map((r) => [r.urn, r]));
          expect(byUrn(now)).toEqual(byUrn(recorded));
          expect(now.outputs).toEqual(recorded.outputs);
          expect(now.settings).toEqual(recorded.settings);
        });
      }
    });
  }
});

describe("the Docker network comes from the target, as for the engines (issue 11: one Docker target shape)", () => {
  it("is refused at preview when a Docker target names none, naming target.networkName", () => {
    const bare = { kind: "docker" as const };
    expect(() => new MongoBackup("mongo-nonet", { target: bare, uri: mongoUri })).toThrow(
      /mongo-nonet\.target\.networkName = \(unset\): is required on Docker\. Fix: set target\.networkName/,
    );
    expect(
      () => new QdrantSnapshots("qdrant-nonet", { target: bare, endpoints: ["p-0:6333"], apiKey: qdrantKey }),
    ).toThrow(/qdrant-nonet\.target\.networkName = \(unset\): is required on Docker/);
  });

  it("renders the target's network into the host scripts", async () => {
    const scripts = await resolved(components["mongo-docker-restore"]!.hostBackupScript);
    expect(scripts).toContain("NETWORK=other-net");
  });
});
