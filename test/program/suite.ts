/**
 * What the program must declare for a stack file, shared by one test file per stack (each its own
 * process: index.ts runs once, on load).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { validateKubernetesResources } from "../support/k8sSchema";
import { isSecret, plaintextSecretLeaks, resolved, unwrapSecrets } from "../support/mocks";
import { type ProgramRun, runProgram } from "./harness";

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
}

const SCHEMA_TYPE = "pulumi-nodejs:dynamic/kato:MongoDatabaseSchema";
const QDRANT_COLLECTION = "pulumi-nodejs:dynamic/kato:QdrantCollection";

export function programSuite(e: StackExpectations): void {
  let run: ProgramRun;
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
      const first = unwrapSecrets(run.harness.ofType(SCHEMA_TYPE)[0]!.inputs);
      // The schema resource keeps collections in a canonical (sorted) order, so state diffs are stable.
      expect(Object.keys(first.collections).sort()).toEqual(
        (e.preset === "guide"
          ? ["patterns", "pattern_metadata", "global_metadata"]
          : ["patterns_kb", "symbols_kb", "associative_action_kb", "predictions_kb", "metadata"]
        ).sort(),
      );
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

      it("declares only Kubernetes objects that are valid against the Kubernetes schema", () => {
        const invalid = validateKubernetesResources(run.harness.resources).filter((v) => v.error);
        expect(invalid).toEqual([]);
      });

      it(`spreads each engine's pods with ${e.antiAffinity} anti-affinity and has a PDB per engine`, () => {
        const sets = run.harness.ofType("kubernetes:apps/v1:StatefulSet");
        expect(sets).toHaveLength(3);
        for (const s of sets) {
          const anti = s.inputs.spec.template.spec.affinity.podAntiAffinity;
          const key =
            e.antiAffinity === "required"
              ? "requiredDuringSchedulingIgnoredDuringExecution"
              : "preferredDuringSchedulingIgnoredDuringExecution";
          expect(anti[key], s.name).toBeDefined();
        }
        expect(run.harness.ofType("kubernetes:policy/v1:PodDisruptionBudget")).toHaveLength(3);
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
