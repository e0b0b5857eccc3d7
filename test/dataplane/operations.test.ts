/**
 * KatoDataPlane's day-2 operations under Pulumi mocks: the endpoints the operations components get
 * are the engines' own (both targets, a non-default cluster domain), the Redis data PVCs match the
 * StatefulSet's claim naming, every operations child waits for its engine, exporters stay
 * unprotected, a Qdrant without API key is handled, and an S3 destination keeps its credentials
 * secret end to end.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { KatoDataPlane, OPERATIONS_POD_LABELS, REDIS_DATA_CLAIM } from "../../components/dataplane";
import { REDIS_UID } from "../../components/redis/wiring";
import { formatProblem } from "../../components/shared/problems";
import { loadStackConfig } from "../../program/config/load";
import { program } from "../../program/program";
import { recordOptions } from "../program/harness";
import { stackOutputLeaks } from "../program/operations";
import {
  installMocks,
  type MockHarness,
  plaintextSecretLeaks,
  resolved,
  unwrapSecrets,
  waitForRegistrations,
} from "../support/mocks";

const SCHEMA = { preset: "guide" as const, nodeIds: ["a"], serviceName: "kato", vectorSize: 768 };
const ALL_OPS = { backups: { mongodb: {}, qdrant: {}, redis: {} }, monitoring: {} };

/** Records each registration's dependencies (URNs), which the mocks do not show. */
function recordDependencies(): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  const monitor = pulumi.runtime.getMonitor() as any;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    deps.set(`${req.getType()}::${req.getName()}`, req.getDependenciesList());
    return original(req, callback);
  };
  return deps;
}

describe.each([
  ["kubernetes", { kind: "kubernetes" as const, namespace: "data", clusterDomain: "example.local" }],
  ["docker", { kind: "docker" as const, networkName: "kato-lib" }],
])("operations of a plane on %s", (kind, target) => {
  let h: MockHarness;
  let plane: KatoDataPlane;
  let deps: Map<string, string[]>;
  beforeAll(async () => {
    h = installMocks({ stack: "lib" });
    deps = recordDependencies();
    plane = new KatoDataPlane("kato", { target, schema: SCHEMA, ...ALL_OPS });
    await waitForRegistrations();
  });

  it("deploys the four operations components when asked, named after the plane", () => {
    const ops = plane.operations;
    expect([ops.mongoBackup, ops.qdrantSnapshots, ops.redisBackup, ops.monitoring].every(Boolean)).toBe(true);
    expect(h.ofType("kato:ops:MongoBackup").map((r) => r.name)).toEqual(["kato-mongodb"]);
    expect(h.ofType("kato:ops:DataTierMonitoring").map((r) => r.name)).toEqual(["kato-monitoring"]);
  });

  it("hands the operations the members' endpoints exactly as the engines advertise them", async () => {
    const [mongo, qdrant, redis] = (await Promise.all([
      resolved(plane.mongodb.endpoints),
      resolved(plane.qdrant.endpoints),
      resolved(plane.redis.endpoints),
    ])) as string[][];
    if (kind === "kubernetes") expect(mongo[0]).toContain(".data.svc.example.local:27017");
    const cron = (name: string) =>
      unwrapSecrets(h.one("kubernetes:batch/v1:CronJob", name).inputs).spec.jobTemplate.spec.template.spec
        .containers[0].command[2] as string;
    const text = async (o: pulumi.Output<string | undefined>) => (await resolved(o)) as string;
    const qdrantScript =
      kind === "kubernetes"
        ? cron("kato-qdrant")
        : await text(plane.operations.qdrantSnapshots!.hostBackupScript);
    const redisScript =
      kind === "kubernetes" ? cron("kato-redis") : await text(plane.operations.redisBackup!.hostBackupScript);
    for (const peer of qdrant!) expect(qdrantScript).toContain(peer);
    for (const node of redis!)
      expect(redisScript).toContain(kind === "kubernetes" ? node : node.split(":")[0]);
    const exporterArgs =
      kind === "kubernetes"
        ? unwrapSecrets(
            h.one("kubernetes:apps/v1:Deployment", "kato-monitoring-mongodb-exporter").inputs,
          ).spec.template.spec.containers.map((c: any) => c.args[0])
        : h
            .ofType("docker:index/container:Container")
            .filter((c) => c.name.startsWith("kato-monitoring-mongodb-exporter-"))
            .map((c) => unwrapSecrets(c.inputs).command[0]);
    expect(exporterArgs).toEqual(
      mongo!.map((m) => `--mongodb.uri=mongodb://${m}/admin?directConnection=true`),
    );
  });

  it("backs up with the engines' images and the Redis server's uid", () => {
    expect(plane.operations.mongoBackup!.settings.image).toBe(plane.mongodb.settings.image);
    expect(plane.operations.redisBackup!.settings.image).toBe(plane.redis.settings.image);
    expect(plane.operations.redisBackup!.settings.uid).toBe(REDIS_UID);
    expect(plane.operations.qdrantSnapshots!.settings.snapshotsPath).toBe(
      plane.qdrant.settings.snapshots.path,
    );
  });

  it("makes every operations child wait for its engine (restores into a fresh cluster, exporters)", () => {
    // A child of each engine that exists only once the engine is up.
    const ready = {
      mongodb: "::kato-mongodb-bootstrap",
      qdrant: kind === "kubernetes" ? "StatefulSet::kato-qdrant" : "container:Container::kato-qdrant-0",
      redis: "::kato-redis-formation",
      collections: "::qdrant-collection-vectors_a",
    };
    const waitsFor = (key: string, engine: keyof typeof ready) => {
      const list = deps.get(key);
      expect(list, key).toBeDefined();
      expect(
        list!.some((urn) => urn.endsWith(ready[engine])),
        `${key} waits for ${engine}`,
      ).toBe(true);
    };
    if (kind === "kubernetes") {
      waitsFor("kubernetes:batch/v1:CronJob::kato-mongodb", "mongodb");
      waitsFor("kubernetes:core/v1:Secret::kato-mongodb-credentials", "mongodb");
      waitsFor("kubernetes:core/v1:PersistentVolumeClaim::kato-qdrant-backups", "qdrant");
      waitsFor("kubernetes:batch/v1:CronJob::kato-redis", "redis");
      // A snapshot restore needs the tenants' collections to exist.
      waitsFor("kubernetes:batch/v1:CronJob::kato-qdrant", "collections");
      for (const engine of ["mongodb", "qdrant", "redis"] as const) {
        waitsFor("kubernetes:apps/v1:Deployment::kato-monitoring-redis-exporter", engine);
      }
    } else {
      for (const engine of ["mongodb", "qdrant", "redis"] as const) {
        waitsFor("docker:index/container:Container::kato-monitoring-mongodb-exporter-0", engine);
      }
    }
  });

  if (kind === "kubernetes") {
    it("gives the Redis restore Jobs each node's own data PVC, as the StatefulSet names it", () => {
      const sts = unwrapSecrets(h.one("kubernetes:apps/v1:StatefulSet", "kato-redis").inputs);
      expect(sts.spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual([REDIS_DATA_CLAIM]);
      const claims = Array.from(
        { length: sts.spec.replicas },
        (_, i) => `${REDIS_DATA_CLAIM}-${sts.metadata.name}-${i}`,
      );
      expect(claims[0]).toBe("data-kato-redis-0");
    });

    it("labels every operations pod so the engines' operations policies admit it", () => {
      const templates = [
        ...h
          .ofType("kubernetes:batch/v1:CronJob")
          .map((c) => unwrapSecrets(c.inputs).spec.jobTemplate.spec.template),
        ...h.ofType("kubernetes:apps/v1:Deployment").map((d) => unwrapSecrets(d.inputs).spec.template),
      ];
      expect(templates).toHaveLength(5);
      for (const t of templates) expect(t.metadata.labels).toMatchObject(OPERATIONS_POD_LABELS);
    });
  }
});

describe("a library plane with no operations asked for", () => {
  it("deploys none", async () => {
    const h = installMocks({ stack: "lib" });
    const plane = new KatoDataPlane("kato", { target: { kind: "docker", networkName: "n" }, schema: SCHEMA });
    await waitForRegistrations();
    expect(plane.operations).toEqual({});
    expect(h.resources.filter((r) => r.type.startsWith("kato:ops:"))).toEqual([]);
  });

  it("deploys none of what is disabled", async () => {
    const h = installMocks({ stack: "lib" });
    new KatoDataPlane("kato", {
      target: { kind: "docker", networkName: "n" },
      schema: SCHEMA,
      backups: { mongodb: { enabled: false }, redis: {} },
      monitoring: { enabled: false },
    });
    await waitForRegistrations();
    expect(h.resources.filter((r) => r.type.startsWith("kato:ops:")).map((r) => r.type)).toEqual([
      "kato:ops:RedisBackup",
    ]);
  });
});

describe("protect with monitoring on Docker", () => {
  it("protects the engines' containers, not the exporters'", async () => {
    installMocks({ stack: "lib" });
    const options = recordOptions();
    new KatoDataPlane("kato", {
      target: { kind: "docker", networkName: "n" },
      schema: SCHEMA,
      monitoring: {},
      protect: true,
    });
    await waitForRegistrations();
    const containers = options.filter((o) => o.type === "docker:index/container:Container");
    const exporters = containers.filter((o) => o.name.includes("-exporter-"));
    expect(exporters).toHaveLength(9);
    for (const c of containers) expect(c.protect, c.name).toBe(!c.name.includes("-exporter-"));
  });
});

describe("a Qdrant cluster without API key", () => {
  it("snapshots it without a key: no key in the job, none sent (the NetworkPolicy is the guard)", async () => {
    const h = installMocks({ stack: "lib" });
    new KatoDataPlane("kato", {
      target: { kind: "kubernetes", namespace: "data" },
      qdrant: { apiKey: false },
      schema: SCHEMA,
      backups: { qdrant: {} },
    });
    await waitForRegistrations();
    const cron = h.ofType("kubernetes:batch/v1:CronJob").find((r) => /qdrant/.test(r.name))!;
    const container = (cron.inputs as any).spec.jobTemplate.spec.template.spec.containers[0];
    expect(container.env ?? []).toEqual([]);
    expect(container.command.join("\n")).not.toMatch(/QDRANT_API_KEY|api-key/);
  });

  it("is scraped without a key (its /metrics is as open as its API), with no warning", async () => {
    const h = installMocks({ stack: "lib" });
    const warn = vi.spyOn(pulumi.log, "warn");
    warn.mockClear();
    new KatoDataPlane("kato", {
      target: { kind: "kubernetes", namespace: "data" },
      qdrant: { apiKey: false },
      schema: SCHEMA,
      monitoring: { prometheusOperator: true },
    });
    await waitForRegistrations();
    expect(warn.mock.calls.map((c) => String(c[0])).filter((m) => /Qdrant/.test(m))).toEqual([]);
    expect(h.resources.filter((r) => r.name === "kato-monitoring-qdrant-metrics")).toHaveLength(2);
    const monitor = h
      .ofType("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
      .find((r) => r.name === "kato-monitoring-qdrant-metrics")!;
    const endpoint = (monitor.inputs as any).spec.endpoints[0];
    expect(endpoint.path).toBe("/metrics");
    expect(endpoint.authorization).toBeUndefined();
    const secret = h.ofType("kubernetes:core/v1:Secret").find((r) => r.name === "kato-monitoring-exporters")!;
    expect(Object.keys(unwrapSecrets(secret.inputs).stringData)).not.toContain("qdrant-api-key");
    expect(h.ofType("kubernetes:apps/v1:Deployment")).toHaveLength(2);
  });

  it("is scraped without a key on Docker too: the scrape job sends no Authorization header", async () => {
    installMocks({ stack: "lib" });
    const plane = new KatoDataPlane("kato", {
      target: { kind: "docker", networkName: "kato-data" },
      qdrant: { apiKey: false },
      schema: SCHEMA,
      monitoring: {},
    });
    await waitForRegistrations();
    const yaml = await resolved(plane.operations.monitoring!.scrapeConfigYaml);
    const job = parse(yaml!).scrape_configs.find((j: any) => j.job_name === "kato-qdrant");
    expect(job.static_configs[0].targets.length).toBeGreaterThan(0);
    expect(job.authorization).toBeUndefined();
  });
});

describe("backups to S3 from a stack", () => {
  const SECRET = "s3-secret-value-XYZ";
  let h: MockHarness;
  let outputs: ReturnType<typeof program>;
  beforeAll(async () => {
    h = installMocks({ stack: "staging" });
    const { config, problems } = loadStackConfig({
      stack: "staging",
      config: {
        "kato-infra:backups": JSON.stringify({
          mongodb: {
            destination: "s3",
            s3: { bucket: "kato-backups", endpoint: "https://minio.example:9000" },
          },
        }),
        "kato-infra:backupS3AccessKeyId": "AKIAEXAMPLE",
        "kato-infra:backupS3SecretAccessKey": SECRET,
      },
      secretKeys: ["kato-infra:backupS3SecretAccessKey"],
    });
    expect(problems.map(formatProblem)).toEqual([]);
    outputs = program(config!);
    await waitForRegistrations();
  });

  it("uploads the MongoDB dump with rclone under the stack's prefix; the other engines keep their PVCs", () => {
    const cron = unwrapSecrets(h.one("kubernetes:batch/v1:CronJob", "kato-mongodb").inputs);
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.containers[0].name).toBe("upload");
    expect(pod.containers[0].command[2]).toContain("kato/staging/mongodb");
    expect(
      h
        .ofType("kubernetes:core/v1:PersistentVolumeClaim")
        .map((c) => c.inputs.metadata.name)
        .sort(),
    ).toEqual(["kato-qdrant-backups", "kato-redis-backups"]);
  });

  it("keeps the bucket credentials secret everywhere", async () => {
    const secret = h.one("kubernetes:core/v1:Secret", "kato-mongodb-credentials");
    expect(unwrapSecrets(secret.inputs).stringData["s3-secret-access-key"]).toBe(SECRET);
    h.generatedSecrets.push(SECRET, "AKIAEXAMPLE");
    expect(plaintextSecretLeaks(h)).toEqual([]);
    expect(await stackOutputLeaks(outputs as unknown as Record<string, unknown>, h)).toEqual([]);
    const backups = (await resolved(outputs.backups)) as Record<string, any>;
    expect(backups.mongodb.location).toBe("s3://kato-backups/kato/staging/mongodb/");
  });
});
