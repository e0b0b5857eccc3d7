/**
 * The program as a function of the validated stack config: providers for the chosen target, the
 * KatoDataPlane, and the stack outputs KATO needs. index.ts calls it with `readStackConfig()`.
 */
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/load";
import { type DataPlaneDockerTarget, type DataPlaneKubernetesTarget, KatoDataPlane } from "./index";

export interface ProgramOutputs {
  MONGO_BASE_URL: pulumi.Output<string>;
  QDRANT_HOST: pulumi.Output<string>;
  QDRANT_PORT: pulumi.Output<number>;
  QDRANT_API_KEY: pulumi.Output<string | undefined>;
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
  if (config.target === "kubernetes") return "kato";
  // Component names become container names and must be short DNS labels.
  const stack = config.stack
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 24)
    .replace(/-+$/, "");
  return stack ? `kato-${stack}` : "kato";
}

export function program(config: StackConfig): ProgramOutputs {
  const plane = new KatoDataPlane(planeName(config), {
    target: targetOf(config),
    mongodb: config.mongodb,
    qdrant: config.qdrant,
    redis: config.redis,
    schema: config.schema,
    allowDataLoss: config.allowDataLoss,
    protect: config.protect,
  });
  return {
    ...plane.kato,
    mongoEndpoints: plane.mongodb.endpoints,
    qdrantEndpoints: plane.qdrant.endpoints,
    redisEndpoints: plane.redis.endpoints,
    placement: plane.placement,
    tenants: plane.tenants.map(({ nodeId, database, qdrantCollection }) => ({
      nodeId,
      database,
      qdrantCollection,
    })),
  };
}
