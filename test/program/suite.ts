/**
 * What the program must declare for a stack file, shared by one test file per stack (each its own
 * process: index.ts runs once, on load).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { OPERATIONS_POD_LABELS } from "../../components/dataplane/operations";
import { validateKubernetesResources } from "../support/k8sSchema";
import { isSecret, plaintextSecretLeaks, resolved, unwrapSecrets } from "../support/mocks";
import { flatInputs } from "../support/tenantInputs";
import { type ProgramRun, runProgram } from "./harness";
import {
  manifestError,
  OPERATOR_GROUP,
  operatorObjects,
  operatorWiringProblems,
  parseManifests,
  stackOutputLeaks,
} from "./operations";

export interface StackExpectations {
  stack: string;
  target: "docker" | "kubernetes";
  preset: "guide" | "kato-v3";
  /** Database and Qdrant collection of each tenant in the stack file. */
  tenants: Array<[database: string, collection: string]>;
  protect: boolean;
  retainVolumes: boolean;
  /** Kubernetes: the namespace, and whether the stack creates it. */
  namespace?: string;
  createsNamespace?: boolean;
  antiAffinity?: "soft" | "required";
  /** Docker: the network every member joins. */
  network?: string;
  /** Day-2 operations the profile turns on (Kubernetes stacks: CronJobs and exporters). */
  operations: {
    backups: boolean;
    /** Size of each backup PVC. */
    backupVolume?: string;
    monitoring: boolean;
    prometheusOperator: boolean;
  };
  /**
   * MongoDB profiling the preset declares (MongoProfiling): the level of every tenant database, the
   * slowms, and the members' startup level (mongod.conf); undefined: none declared.
   */
  profiling: { level: 0 | 1 | 2; slowms: number; startupLevel: 0 | 1 | 2 } | undefined;
}

const ENGINES = ["mongodb", "qdrant", "redis"] as const;
const DOCKER_HOST_OUTPUTS = ENGINES.flatMap((e) => [
  `${e}BackupScript`,
  `${e}RestoreScript`,
  `${e}BackupCron`,
  `${e}BackupEnv`,
]);

const SCHEMA_TYPE = "pulumi-nodejs:dynamic/kato:MongoDatabaseSchema";
const PROFILING_TYPE = "pulumi-nodejs:dynamic/kato:MongoProfiling";
const MIGRATION_TYPE = "pulumi-nodejs:dynamic/kato:MongoMigration";
const QDRANT_COLLECTION = "pulumi-nodejs:dynamic/kato:QdrantCollection";

export function programSuite(e: StackExpectations): void {
  let run: ProgramRun;
  // kato-v3 runs Redis in replication mode (KATO 3.0's client is single-node): one more
  // StatefulSet (the Sentinels), the HAProxy endpoint Deployment, a PDB for each.
  const replication = e.preset === "kato-v3";
  beforeAll(async () => {
    run = await runProgram(e.stack);
  });

  describe(`program of stack ${e.stack}`, () => {
    it("declares one data plane with the three engines", () => {
      const types = run.harness.resources.map((r) => r.type);
      for (const type of [
        "kato:data:KatoDataPlane",
        "kato:data:MongoReplicaSet",
        "kato:data:QdrantCluster",
        "kato:data:RedisCluster",
      ]) {
        expect(
          types.filter((t) => t === type),
          type,
        ).toHaveLength(1);
      }
    });

    it(`declares each tenant's schema from the ${e.preset} preset: one database schema and one collection`, () => {
      const schemas = run.harness.ofType(SCHEMA_TYPE).map((r) => unwrapSecrets(r.inputs).database);
      expect(schemas).toEqual(e.tenants.map(([db]) => db));
      const collections = run.harness
        .ofType(QDRANT_COLLECTION)
        .filter((r) => r.name.startsWith("qdrant-collection-"))
        .map((r) => r.inputs.name);
      expect(collections).toEqual(e.tenants.map(([, c]) => c));
      const first = flatInputs(run.harness.ofType(SCHEMA_TYPE)[0]!);
      // The schema resource keeps collections in a canonical (sorted) order, so state diffs are stable.
      expect(Object.keys(first.collections).sort()).toEqual(
        (e.preset === "guide"
          ? ["patterns", "pattern_metadata", "global_metadata"]
          : ["patterns_kb", "symbols_kb", "associative_action_kb", "predictions_kb", "metadata"]
        ).sort(),
      );
    });

    it("has every tenant schema's data-loss refusal name kato-infra:allowDataLoss, what the stack user sets", () => {
      const schema = [
        ...run.harness.ofType(SCHEMA_TYPE),
        ...run.harness.ofType("pulumi-nodejs:dynamic/kato:QdrantCollection"),
      ];
      expect(schema.length).toBeGreaterThanOrEqual(2);
      for (const r of schema)
        expect(flatInputs(r).dataLossHint, r.name).toMatch(/^set kato-infra:allowDataLoss to true/);
    });

    it(`deploys to ${e.target}`, () => {
      const engines = run.harness.resources.filter((r) => r.custom && !r.type.startsWith("pulumi"));
      const kinds = new Set(engines.map((r) => r.type.split(":")[0]));
      expect(kinds.has(e.target)).toBe(true);
      expect(kinds.has(e.target === "docker" ? "kubernetes" : "docker")).toBe(false);
    });

    it("writes no generated credential in plaintext into any input or output", () => {
      expect(run.harness.generatedSecrets.length).toBeGreaterThan(0);
      expect(plaintextSecretLeaks(run.harness)).toEqual([]);
    });

    it("exports KATO's settings, the ones with credentials as secrets", async () => {
      const o = run.outputs as Record<string, any>;
      expect(await isSecret(o.MONGO_BASE_URL)).toBe(true);
      expect(await isSecret(o.REDIS_URL)).toBe(true);
      expect(await isSecret(o.REDIS_PASSWORD)).toBe(true);
      expect(await isSecret(o.QDRANT_HOST)).toBe(false);
      const url = (await resolved(o.MONGO_BASE_URL)) as string;
      expect(url).toMatch(/^mongodb:\/\/kato:[^@]+@[^/]+\/\?replicaSet=rs0&authSource=admin&w=majority$/);
      expect(await resolved(o.QDRANT_PORT)).toBe(6333);
      expect(((await resolved(o.REDIS_CLUSTER_NODES)) as string).split(",").length).toBeGreaterThanOrEqual(3);
      expect(o.tenants.map((t: any) => [t.database, t.qdrantCollection])).toEqual(e.tenants);
    });

    it(
      replication
        ? "points REDIS_URL at the stable endpoint that always reaches the Redis primary"
        : "points REDIS_URL at the first Redis Cluster node",
      async () => {
        const o = run.outputs as Record<string, any>;
        const url = (await resolved(o.REDIS_URL)) as string;
        const host = /^redis:\/\/:[^@]+@([^:/]+):6379$/.exec(url)?.[1];
        if (!replication) expect(host).toMatch(/^kato(-dev)?-redis-0\b/);
        else if (e.target === "kubernetes") expect(host).toBe(`kato-redis.${e.namespace}.svc.cluster.local`);
        else expect(host).toBe("kato-redis");
      },
    );

    it("writes no generated credential into a stack output that is not a secret", async () => {
      expect(await stackOutputLeaks(run.outputs as Record<string, unknown>, run.harness)).toEqual([]);
    });

    const profiling = e.profiling;
    it(
      profiling
        ? `profiles every tenant database at level ${profiling.level} (slowms ${profiling.slowms}) on every MongoDB member, as root`
        : "declares no MongoDB profiling",
      async () => {
        const declared = run.harness.ofType(PROFILING_TYPE);
        expect(declared).toHaveLength(profiling ? 1 : 0);
        const o = run.outputs as Record<string, any>;
        if (!profiling) {
          // Absent, not an undefined output (which the engine warns about on every run).
          expect(Object.keys(o)).not.toContain("mongodbProfiling");
          return;
        }
        expect(await isSecret(o.mongodbProfiling)).toBe(false);
        const raw = declared[0]!.inputs;
        // The root password reaches the provider only as a secret.
        expect(JSON.stringify(raw.password)).toContain("1b47061264138c4ac30d75fd1eb44270");
        const p = unwrapSecrets(raw);
        expect(p.databases).toEqual(Object.fromEntries(e.tenants.map(([db]) => [db, profiling.level])));
        expect(p.slowms).toBe(profiling.slowms);
        expect(p.serverDefaults).toEqual({ level: profiling.startupLevel, slowms: 100, sampleRate: 1 });
        expect(p.username).toBe("root");
        const members = (await resolved(o.mongoEndpoints)) as string[];
        expect(p.access.members.map((m: any) => m.advertised)).toEqual(members);
        expect(await resolved(o.mongodbProfiling)).toMatchObject({
          level: profiling.level,
          slowms: profiling.slowms,
          databases: e.tenants.length,
          overrides: {},
        });
      },
    );

    it("runs no data migration: none is listed", async () => {
      expect(run.harness.ofType(MIGRATION_TYPE)).toEqual([]);
      expect(await resolved((run.outputs as Record<string, any>).migrations)).toEqual({});
    });

    const ops = e.operations;
    it(`deploys ${ops.backups ? "a backup of each engine" : "no backups"} and ${ops.monitoring ? "monitoring" : "no monitoring"}`, () => {
      const count = (type: string) => run.harness.ofType(type).length;
      expect(count("kato:ops:MongoBackup")).toBe(ops.backups ? 1 : 0);
      expect(count("kato:ops:QdrantSnapshots")).toBe(ops.backups ? 1 : 0);
      expect(count("kato:ops:RedisBackup")).toBe(ops.backups ? 1 : 0);
      expect(count("kato:ops:DataTierMonitoring")).toBe(ops.monitoring ? 1 : 0);
    });

    it(`exports ${ops.backups ? "each backup's schedule, location and restore" : "no backup"}`, async () => {
      const o = run.outputs as Record<string, any>;
      const backups = (await resolved(o.backups)) as Record<string, any>;
      expect(Object.keys(backups).sort()).toEqual(ops.backups ? [...ENGINES] : []);
      for (const engine of Object.keys(backups)) {
        expect(backups[engine]).toMatchObject({ schedule: "0 2 * * *", retentionDays: 7 });
        expect(backups[engine].restore, engine).toMatch(/\S/);
      }
      if (e.target === "kubernetes") {
        for (const name of DOCKER_HOST_OUTPUTS) expect(await resolved(o[name]), name).toBeUndefined();
      }
    });

    if (e.target === "kubernetes") {
      it(
        ops.backups
          ? "runs each backup as a CronJob at 02:00 daily, writing to a retained PVC"
          : "declares no CronJob",
        () => {
          const cronJobs = run.harness
            .ofType("kubernetes:batch/v1:CronJob")
            .map((c) => unwrapSecrets(c.inputs));
          expect(cronJobs.map((c) => c.metadata.name).sort()).toEqual(
            ops.backups ? ["kato-mongodb", "kato-qdrant", "kato-redis"] : [],
          );
          for (const c of cronJobs) {
            expect(c.spec, c.metadata.name).toMatchObject({
              schedule: "0 2 * * *",
              suspend: false,
              concurrencyPolicy: "Forbid",
            });
            const pod = c.spec.jobTemplate.spec.template;
            expect(pod.metadata.labels, c.metadata.name).toMatchObject(OPERATIONS_POD_LABELS);
            const claim = pod.spec.volumes.find((v: any) => v.persistentVolumeClaim)?.persistentVolumeClaim;
            expect(claim?.claimName, c.metadata.name).toBe(`${c.metadata.name}-backups`);
          }
          const claims = run.harness
            .ofType("kubernetes:core/v1:PersistentVolumeClaim")
            .map((c) => unwrapSecrets(c.inputs));
          expect(claims.map((c) => c.metadata.name).sort()).toEqual(
            ops.backups ? ["kato-mongodb-backups", "kato-qdrant-backups", "kato-redis-backups"] : [],
          );
          for (const c of claims) expect(c.spec.resources.requests.storage).toBe(ops.backupVolume);
          for (const o of run.options.filter((x) => x.type === "kubernetes:core/v1:PersistentVolumeClaim")) {
            expect(o.retainOnDelete, o.name).toBe(true);
          }
        },
      );

      if (ops.backups) {
        it("backs up MongoDB as root through the replica set, Qdrant and Redis at every member", async () => {
          const o = run.outputs as Record<string, any>;
          const mongo = (await resolved(o.mongoEndpoints)) as string[];
          const secret = unwrapSecrets(
            run.harness.one("kubernetes:core/v1:Secret", "kato-mongodb-credentials").inputs,
          );
          const uri = secret.stringData["mongodb-uri"] as string;
          expect(uri).toMatch(/^mongodb:\/\/root:[^@]+@/);
          expect(uri).toContain(`@${mongo.join(",")}/?replicaSet=rs0&authSource=admin`);
          const script = (name: string) =>
            unwrapSecrets(run.harness.one("kubernetes:batch/v1:CronJob", name).inputs).spec.jobTemplate.spec
              .template.spec.containers[0].command[2] as string;
          for (const peer of (await resolved(o.qdrantEndpoints)) as string[]) {
            expect(script("kato-qdrant")).toContain(peer);
          }
          for (const node of (await resolved(o.redisEndpoints)) as string[]) {
            expect(script("kato-redis")).toContain(node.split(":")[0]);
          }
        });

        it("lets the operations pods reach each engine's client port, whatever the engines admit", () => {
          const policies = run.harness
            .ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
            .map((p) => unwrapSecrets(p.inputs))
            .filter((p) => p.metadata.name.endsWith("-operations"));
          // Operations pods reach the data nodes, not the Sentinels.
          const sets = run.harness
            .ofType("kubernetes:apps/v1:StatefulSet")
            .map((s) => unwrapSecrets(s.inputs))
            .filter((s) => !s.metadata.name.endsWith("-sentinel"));
          expect(policies).toHaveLength(3);
          for (const set of sets) {
            const policy = policies.find((p) => p.metadata.name === `${set.metadata.name}-operations`)!;
            expect(policy.spec.podSelector.matchLabels, set.metadata.name).toEqual(
              set.spec.selector.matchLabels,
            );
            const rule = policy.spec.ingress[0];
            expect(rule.from).toEqual([{ podSelector: { matchLabels: OPERATIONS_POD_LABELS } }]);
            const clientPort = set.spec.template.spec.containers[0].ports[0].containerPort;
            expect(rule.ports).toEqual([{ protocol: "TCP", port: clientPort }]);
          }
        });

        it("renders a restore Job per Redis node, valid, on that node's own data PVC", async () => {
          const o = run.outputs as Record<string, any>;
          const jobs = parseManifests((await resolved(o.redisRestoreJobs)) as string);
          const redis = unwrapSecrets(run.harness.one("kubernetes:apps/v1:StatefulSet", "kato-redis").inputs);
          expect(jobs).toHaveLength(redis.spec.replicas);
          const template = redis.spec.volumeClaimTemplates[0].metadata.name;
          jobs.forEach((job, i) => {
            expect(manifestError(job), job.metadata.name).toBeUndefined();
            expect(job.metadata.namespace).toBe(e.namespace);
            const claims = job.spec.template.spec.volumes
              .map((v: any) => v.persistentVolumeClaim?.claimName)
              .filter(Boolean);
            expect(claims).toContain(`${template}-${redis.metadata.name}-${i}`);
          });
        });
      } else {
        it("renders no restore Job", async () => {
          expect(await resolved((run.outputs as Record<string, any>).redisRestoreJobs)).toBeUndefined();
        });
      }

      it(
        ops.monitoring
          ? `runs an exporter per member${ops.prometheusOperator ? ", with ServiceMonitors and a PrometheusRule" : ", without operator objects"}`
          : "runs no exporter",
        async () => {
          const deployments = run.harness
            .ofType("kubernetes:apps/v1:Deployment")
            .map((d) => unwrapSecrets(d.inputs));
          expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
            [
              ...(ops.monitoring
                ? ["kato-monitoring-mongodb-exporter", "kato-monitoring-redis-exporter"]
                : []),
              ...(replication ? ["kato-redis-endpoint"] : []),
            ].sort(),
          );
          const sets = run.harness
            .ofType("kubernetes:apps/v1:StatefulSet")
            .map((s) => unwrapSecrets(s.inputs));
          for (const d of deployments.filter((x) => x.metadata.name !== "kato-redis-endpoint")) {
            const engine = d.metadata.name.includes("mongodb") ? "mongodb" : "redis";
            const set = sets.find((s) => s.metadata.labels["app.kubernetes.io/name"] === engine);
            expect(d.spec.template.spec.containers).toHaveLength(set.spec.replicas);
            expect(d.spec.template.metadata.labels).toMatchObject(OPERATIONS_POD_LABELS);
          }
          const kinds = operatorObjects(run.harness).map((x) => x.kind);
          expect(kinds.sort()).toEqual(
            ops.prometheusOperator
              ? ["PrometheusRule", "ServiceMonitor", "ServiceMonitor", "ServiceMonitor"]
              : [],
          );
          expect(operatorWiringProblems(run.harness)).toEqual([]);
          const rules = (await resolved((run.outputs as Record<string, any>).alertRules)) as
            | string
            | undefined;
          if (ops.monitoring) {
            for (const alert of [
              "KatoMongoDBMemberDown",
              ...(replication
                ? ["KatoRedisNoPrimary", "KatoRedisFailover", "KatoRedisReplicaLag"]
                : ["KatoRedisClusterStateNotOk"]),
              "KatoQdrantPeerDown",
            ]) {
              expect(rules).toContain(alert);
            }
            if (replication) expect(rules).not.toContain("KatoRedisClusterStateNotOk");
          } else {
            expect(rules).toBeUndefined();
          }
        },
      );
    }

    it(e.protect ? "protects every stateful resource and nothing else" : "protects nothing", () => {
      const stateful =
        /StatefulSet|PersistentVolumeClaim|:Namespace$|volume:Volume|container:Container|RandomPassword|MongoDatabaseSchema/;
      for (const o of run.options) {
        const isStateful = stateful.test(o.type) || o.name.startsWith("qdrant-collection-");
        expect(o.protect, `${o.type} ${o.name}`).toBe(e.protect && isStateful);
      }
    });

    if (e.target === "kubernetes") {
      it(`puts everything in namespace ${e.namespace}${e.createsNamespace ? ", which it creates" : ", which must exist"}`, () => {
        const namespaces = run.harness.ofType("kubernetes:core/v1:Namespace");
        expect(namespaces.map((n) => n.inputs.metadata.name)).toEqual(
          e.createsNamespace ? [e.namespace] : [],
        );
        for (const r of run.harness.resources.filter(
          (x) => x.type.startsWith("kubernetes:") && !x.type.endsWith(":Namespace"),
        )) {
          expect(r.inputs.metadata?.namespace, `${r.type} ${r.name}`).toBe(e.namespace);
        }
      });

      if (e.createsNamespace) {
        // Deleting a namespace deletes every PVC in it: it goes with the stack only when data loss is allowed.
        it(e.retainVolumes ? "keeps its namespace on destroy" : "deletes its namespace on destroy", () => {
          const namespaces = run.options.filter((o) => o.type === "kubernetes:core/v1:Namespace");
          expect(namespaces).toHaveLength(1);
          expect(namespaces[0]!.retainOnDelete).toBe(e.retainVolumes);
        });
      }

      it("declares only Kubernetes objects that are valid against the Kubernetes schema", () => {
        // The Prometheus operator's objects have no schema there: their wiring is checked above.
        const invalid = validateKubernetesResources(
          run.harness.resources.filter((r) => !r.type.startsWith(OPERATOR_GROUP)),
        ).filter((v) => v.error);
        expect(invalid).toEqual([]);
      });

      it(`spreads each engine's pods with ${e.antiAffinity} anti-affinity and has a PDB per engine`, () => {
        const sets = run.harness.ofType("kubernetes:apps/v1:StatefulSet");
        expect(sets).toHaveLength(replication ? 4 : 3);
        for (const s of sets) {
          const anti = s.inputs.spec.template.spec.affinity.podAntiAffinity;
          const key =
            e.antiAffinity === "required"
              ? "requiredDuringSchedulingIgnoredDuringExecution"
              : "preferredDuringSchedulingIgnoredDuringExecution";
          expect(anti[key], s.name).toBeDefined();
        }
        expect(run.harness.ofType("kubernetes:policy/v1:PodDisruptionBudget")).toHaveLength(
          replication ? 5 : 3,
        );
      });

      it(
        e.retainVolumes
          ? "retains the volumes when the StatefulSets go"
          : "deletes the volumes with the stack",
        () => {
          for (const s of run.harness.ofType("kubernetes:apps/v1:StatefulSet")) {
            const policy = e.retainVolumes ? "Retain" : "Delete";
            expect(s.inputs.spec.persistentVolumeClaimRetentionPolicy, s.name).toEqual({
              whenDeleted: policy,
              whenScaled: policy,
            });
          }
        },
      );
    } else {
      it(`joins every container to the one network ${e.network}`, () => {
        const networks = run.harness.ofType("docker:index/network:Network");
        expect(networks.map((n) => n.inputs.name)).toEqual([e.network]);
        const containers = run.harness.ofType("docker:index/container:Container");
        expect(containers.length).toBeGreaterThan(0);
        for (const c of containers) {
          expect(
            c.inputs.networksAdvanced.map((n: any) => n.name),
            c.name,
          ).toEqual([e.network]);
          for (const p of c.inputs.ports ?? []) expect(p.ip, c.name).toBe("127.0.0.1");
        }
      });

      it(e.retainVolumes ? "keeps the volumes on destroy" : "deletes the volumes on destroy", () => {
        const volumes = run.options.filter((o) => o.type === "docker:index/volume:Volume");
        expect(volumes.length).toBeGreaterThan(0);
        for (const v of volumes) expect(v.retainOnDelete, v.name).toBe(e.retainVolumes);
      });
    }
  });
}

/** The full topology as each profile deploys it, by container or pod counts. */
export function topology(run: ProgramRun): { mongo: number; qdrant: number; redis: number } {
  const sets = run.harness.ofType("kubernetes:apps/v1:StatefulSet");
  if (sets.length > 0) {
    const replicas = (engine: string) =>
      sets.find((s) => s.inputs.metadata.labels["app.kubernetes.io/name"] === engine)?.inputs.spec.replicas;
    return { mongo: replicas("mongodb"), qdrant: replicas("qdrant"), redis: replicas("redis") };
  }
  const containers = run.harness.ofType("docker:index/container:Container").map((c) => c.name);
  const count = (word: string) => containers.filter((n) => n.includes(`-${word}-`)).length;
  return { mongo: count("mongodb"), qdrant: count("qdrant"), redis: count("redis") };
}
