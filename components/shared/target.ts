import type * as docker from "@pulumi/docker";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Where a component runs. Every component takes one `target`; the engine code is the same for both
 * kinds and only the wiring differs (README "Architecture": the target is an argument, not a second class tree).
 */
export type Target = DockerTarget | KubernetesTarget;

/** Where Docker publishes ports unless told otherwise: this host only. */
export const DEFAULT_PUBLISH_ADDRESS = "127.0.0.1";
/** The cluster DNS domain of stable pod names unless told otherwise. */
export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";

export interface DockerTarget {
  kind: "docker";
  /**
   * Name of the user-defined Docker network the members join and advertise themselves on
   * (container names resolve on it). When unset the component creates `<component>-net`.
   */
  networkName?: pulumi.Input<string>;
  /** Host address the published ports bind to. Default `127.0.0.1`: nothing is reachable from other hosts. */
  publishAddress?: string;
  /** Docker provider for a remote host (`docker.Provider` with `host: "ssh://..."`); default: the ambient one. */
  provider?: docker.Provider;
}

export interface KubernetesTarget {
  kind: "kubernetes";
  /** Namespace the workloads go in; it must exist (KatoDataPlane creates it for its stacks). */
  namespace: pulumi.Input<string>;
  /** Cluster DNS domain for stable pod names. Default `cluster.local`. */
  clusterDomain?: string;
  /** Pod anti-affinity between members of one engine: `soft` (preferred, default) or `required`. */
  antiAffinity?: "soft" | "required";
  /**
   * Labels of client pods (in any namespace whose labels match `clientNamespaceLabels`) the NetworkPolicy
   * lets reach the client ports. Default: every pod in the component's namespace.
   */
  clientPodLabels?: Record<string, string>;
  /** Namespace labels whose pods may reach the client ports. Default: only the component's namespace. */
  clientNamespaceLabels?: Record<string, string>;
  /** Kubernetes provider (kubeconfig/context); default: the ambient one. */
  provider?: k8s.Provider;
  /** Kubeconfig context the schema resources use to port-forward; default: the current context. */
  kubeconfigContext?: string;
}

/** Persistent storage of one member. */
export interface StorageArgs {
  /** Volume size as a Kubernetes quantity, e.g. `10Gi`. */
  size?: string;
  /** Kubernetes StorageClass; default: the cluster's default class. Ignored on Docker. */
  storageClass?: string;
  /**
   * Keep the volumes when the component is deleted or scaled down. Default true: nothing destroys data
   * unless a stack sets `allowDataLoss`.
   */
  retainOnDelete?: boolean;
}

/** CPU and memory of one member. Limits equal requests for memory (no overcommit of a database). */
export interface ResourceArgs {
  /** CPU request, Kubernetes quantity (`500m`, `2`). */
  cpu?: string;
  /** Memory request and limit, Kubernetes quantity (`1Gi`). */
  memory?: string;
  /** CPU limit; default: none on Kubernetes (throttling a database hurts more than it helps). */
  cpuLimit?: string;
}
