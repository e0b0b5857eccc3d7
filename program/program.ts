/**
 * The program as a function of the validated stack config: providers for the chosen target, the
 * KatoDataPlane, and the stack outputs KATO needs. index.ts calls it with `readStackConfig()`.
 */
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type DataPlaneDockerTarget,
  type DataPlaneKubernetesTarget,
  KatoDataPlane,
} from "../components/dataplane/index";
import { type MongoOperationsOutputs, mongoOperationsOutputs } from "../components/dataplane/mongoOperations";
import { planeNameFor } from "../components/dataplane/names";
import type { StackConfig } from "./config/load";
import { type OperationsOutputs, operationsOutputs } from "./operationsOutputs";

export interface ProgramOutputs extends OperationsOutputs, MongoOperationsOutputs {
  MONGO_BASE_URL: pulumi.Output<string>;
  QDRANT_HOST: pulumi.Output<string>;
  QDRANT_PORT: pulumi.Output<number>;
  /** Absent when the Qdrant API key is off (`kato-infra:qdrant.apiKey: false`). */
  QDRANT_API_KEY?: pulumi.Output<string | undefined>;
  REDIS_URL: pulumi.Output<string>;
  REDIS_CLUSTER_NODES: pulumi.Output<string>;
  REDIS_PASSWORD: pulumi.Output<string>;
  mongoEndpoints: pulumi.Output<string[]>;
  qdrantEndpoints: pulumi.Output<string[]>;
  redisEndpoints: pulumi.Output<string[]>;
  placement: pulumi.Output<string>;
  tenants: { nodeId: string; database: string; qdrantCollection: string }[];
}

/** The target as KatoDataPlane takes it, with a provider when the stack names a Docker host or a kube context. */
export function targetOf(config: StackConfig): DataPlaneDockerTarget | DataPlaneKubernetesTarget {
  if (config.target === "docker") {
    const d = config.docker;
    return {
      kind: "docker",
      networkName: d.networkName,
      externalNetwork: d.externalNetwork,
      publishAddress: d.publishAddress,
      ...(d.host ? { provider: new docker.Provider("docker", { host: d.host }) } : {}),
    };
  }
  const k = config.kubernetes;
  return {
    kind: "kubernetes",
    namespace: k.namespace,
    createNamespace: k.createNamespace,
    clusterDomain: k.clusterDomain,
    antiAffinity: k.antiAffinity,
    ...(k.clientNamespaceLabels ? { clientNamespaceLabels: k.clientNamespaceLabels } : {}),
    ...(k.clientPodLabels ? { clientPodLabels: k.clientPodLabels } : {}),
    ...(k.context
      ? { provider: new k8s.Provider("kubernetes", { context: k.context }), kubeconfigContext: k.context }
      : {}),
  };
}

/**
 * Docker names containers after the component, and one Docker host may run several stacks: the
 * plane is `kato-<stack>` there. A Kubernetes namespace separates stacks already: the plane is `kato`.
 */
export function planeName(config: StackConfig): string {
  return planeNameFor(config.target, config.stack);
}

/** What a refused data-losing schema change tells the stack's user to do. */
export const DATA_LOSS_HINT =
  "set kato-infra:allowDataLoss to true (pulumi config set kato-infra:allowDataLoss true), run pulumi up, then set it back to false";

export function program(config: StackConfig): ProgramOutputs {
  const name = planeName(config);
  const s3 = config.backupS3Credentials;
  const plane = new KatoDataPlane(name, {
    target: targetOf(config),
    mongodb: config.mongodb,
    qdrant: config.qdrant,
    redis: config.redis,
    schema: config.schema,
    allowDataLoss: config.allowDataLoss,
    // Refusals name what the stack's user can set, not the library arguments it becomes.
    dataLossHint: DATA_LOSS_HINT,
    namespaceField: "kato-infra:kubernetes.namespace",
    targetField: "kato-infra:target",
    protect: config.protect,
    // Each engine's backup and the monitoring are deployed unless their `enabled` is false.
    backups: {
      ...config.backups,
      ...(s3
        ? {
            s3Credentials: {
              accessKeyId: pulumi.secret(s3.accessKeyId),
              secretAccessKey: pulumi.secret(s3.secretAccessKey),
            },
          }
        : {}),
    },
    monitoring: config.monitoring,
    // Declared unless `enabled` is false (the kato-v3 preset's default).
    profiling: config.profiling,
    migrations: config.migrations,
  });
  const { QDRANT_API_KEY, ...kato } = plane.kato;
  return definedOutputs({
    ...kato,
    ...(config.qdrant.apiKey ? { QDRANT_API_KEY } : {}),
    ...operationsOutputs(config, name, plane.operations),
    ...mongoOperationsOutputs(plane.mongoOperations),
    mongoEndpoints: plane.mongodb.endpoints,
    qdrantEndpoints: plane.qdrant.endpoints,
    redisEndpoints: plane.redis.endpoints,
    placement: plane.placement,
    tenants: plane.tenants.map(({ nodeId, database, qdrantCollection }) => ({
      nodeId,
      database,
      qdrantCollection,
    })),
  });
}

/**
 * The outputs without the ones that do not apply to this stack: the engine warns "Undefined value
 * (<name>) will not show as a stack output" for each undefined one (pulumi v3.248.0
 * sdk/nodejs/runtime/stack.ts `massage`), a warning the stack's user can do nothing about.
 */
export function definedOutputs<T extends object>(outputs: T): T {
  return Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined)) as T;
}
