import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { parseCpuMillis, parseK8sBytes } from "./quantity";
import type { KubernetesTarget } from "./target";
import { DEFAULT_CLUSTER_DOMAIN } from "./target";

/**
 * Kubernetes wiring shared by the three engines: what a careful operator gives every stateful
 * engine (stable pod DNS names, PDB, anti-affinity, non-root pods, NetworkPolicy, retained volumes).
 * Each engine builds its own StatefulSet with these pieces.
 */

export type Labels = Record<string, string>;

/** Recommended labels; `selectorLabels` is the subset used in selectors (must never change). */
export function engineLabels(engine: string, instance: string, version?: string): Labels {
  return {
    ...selectorLabels(engine, instance),
    "app.kubernetes.io/part-of": "kato",
    "app.kubernetes.io/managed-by": "pulumi",
    ...(version ? { "app.kubernetes.io/version": sanitizeLabelValue(version) } : {}),
  };
}

export function selectorLabels(engine: string, instance: string): Labels {
  return { "app.kubernetes.io/name": engine, "app.kubernetes.io/instance": instance };
}

function sanitizeLabelValue(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 63);
}

/** Stable DNS name of pod `ordinal` of StatefulSet `statefulSet` under headless Service `headless`. */
export function podDnsName(
  statefulSet: string,
  ordinal: number,
  headless: string,
  namespace: string,
  clusterDomain = DEFAULT_CLUSTER_DOMAIN,
): string {
  return `${statefulSet}-${ordinal}.${headless}.${namespace}.svc.${clusterDomain}`;
}

/** Spreads members over nodes: preferred (`soft`) or required (`required`) per hostname. */
export function podAntiAffinity(mode: "soft" | "required", labels: Labels): k8s.types.input.core.v1.Affinity {
  const term = { labelSelector: { matchLabels: labels }, topologyKey: "kubernetes.io/hostname" };
  return mode === "required"
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
    : {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }],
        },
      };
}

/** Non-root pod: the engine's own uid/gid, volumes group-owned by it. */
export function podSecurityContext(uid: number, gid = uid): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function containerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
  return { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true };
}

export interface ResolvedResources {
  cpu: string;
  memory: string;
  cpuLimit?: string;
}

/** Requests = what the engine needs; memory limit = request (a database must not be overcommitted). */
export function containerResources(res: ResolvedResources): k8s.types.input.core.v1.ResourceRequirements {
  return {
    requests: { cpu: res.cpu, memory: res.memory },
    limits: { memory: res.memory, ...(res.cpuLimit ? { cpu: res.cpuLimit } : {}) },
  };
}

/** True when both quantities parse (engines validate before wiring; this guards library misuse). */
export function resourcesParse(res: ResolvedResources): boolean {
  return (
    parseCpuMillis(res.cpu) !== undefined &&
    parseK8sBytes(res.memory) !== undefined &&
    (res.cpuLimit === undefined || parseCpuMillis(res.cpuLimit) !== undefined)
  );
}

export interface ResolvedStorage {
  size: string;
  storageClass?: string;
  retainOnDelete: boolean;
}

export function volumeClaimTemplate(
  name: string,
  storage: ResolvedStorage,
): k8s.types.input.core.v1.PersistentVolumeClaim {
  return {
    metadata: { name },
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(storage.storageClass ? { storageClassName: storage.storageClass } : {}),
      resources: { requests: { storage: storage.size } },
    },
  };
}

/** Kubernetes 1.27+: keep PVCs when the StatefulSet is deleted or scaled down unless data loss is allowed. */
export function pvcRetentionPolicy(
  retain: boolean,
): k8s.types.input.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy {
  const policy = retain ? "Retain" : "Delete";
  return { whenDeleted: policy, whenScaled: policy };
}

export interface ServicePort {
  name: string;
  port: number;
}

interface CommonArgs {
  namespace: pulumi.Input<string>;
  labels: Labels;
  selector: Labels;
}

/** Headless Service giving each pod a stable DNS name, published before the pod is ready (peers must find each other to become ready). */
export function headlessService(
  name: string,
  args: CommonArgs & { ports: ServicePort[] },
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service {
  return new k8s.core.v1.Service(
    name,
    {
      metadata: { name, namespace: args.namespace, labels: args.labels },
      spec: {
        clusterIP: "None",
        publishNotReadyAddresses: true,
        selector: args.selector,
        ports: args.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port })),
      },
    },
    opts,
  );
}

/** ClusterIP Service for clients (only ready pods). */
export function clientService(
  name: string,
  args: CommonArgs & { ports: ServicePort[] },
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service {
  return new k8s.core.v1.Service(
    name,
    {
      metadata: { name, namespace: args.namespace, labels: args.labels },
      spec: {
        type: "ClusterIP",
        selector: args.selector,
        ports: args.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port })),
      },
    },
    opts,
  );
}

/**
 * At most `maxUnavailable` members voluntarily down at once (a drain must not take a quorum away).
 * `AlwaysAllow` lets a drain evict a member that is already unhealthy.
 */
export function podDisruptionBudget(
  name: string,
  args: CommonArgs & { maxUnavailable: number },
  opts: pulumi.CustomResourceOptions,
): k8s.policy.v1.PodDisruptionBudget {
  return new k8s.policy.v1.PodDisruptionBudget(
    name,
    {
      metadata: { name, namespace: args.namespace, labels: args.labels },
      spec: {
        maxUnavailable: args.maxUnavailable,
        selector: { matchLabels: args.selector },
        unhealthyPodEvictionPolicy: "AlwaysAllow",
      },
    },
    opts,
  );
}

/**
 * Ingress to an engine's pods: client ports from the allowed clients (default: pods of the same
 * namespace), peer ports only from the engine's own pods. Egress is left open (DNS, peers).
 */
export function engineNetworkPolicy(
  name: string,
  args: CommonArgs & {
    clientPorts: number[];
    peerPorts: number[];
    clients: Pick<KubernetesTarget, "clientPodLabels" | "clientNamespaceLabels">;
  },
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  const clientPeer: k8s.types.input.networking.v1.NetworkPolicyPeer = {
    podSelector: { matchLabels: args.clients.clientPodLabels ?? {} },
    ...(args.clients.clientNamespaceLabels
      ? { namespaceSelector: { matchLabels: args.clients.clientNamespaceLabels } }
      : {}),
  };
  const ingress: k8s.types.input.networking.v1.NetworkPolicyIngressRule[] = [];
  if (args.clientPorts.length > 0) {
    ingress.push({ from: [clientPeer], ports: args.clientPorts.map((port) => ({ protocol: "TCP", port })) });
  }
  if (args.peerPorts.length > 0) {
    ingress.push({
      from: [{ podSelector: { matchLabels: args.selector } }],
      ports: args.peerPorts.map((port) => ({ protocol: "TCP", port })),
    });
  }
  return new k8s.networking.v1.NetworkPolicy(
    name,
    {
      metadata: { name, namespace: args.namespace, labels: args.labels },
      spec: { podSelector: { matchLabels: args.selector }, policyTypes: ["Ingress"], ingress },
    },
    opts,
  );
}

/** Resource options for a Kubernetes child: parent, the target's provider, and protection of stateful things. */
export function k8sChildOptions(
  parent: pulumi.Resource,
  target: KubernetesTarget,
  extra: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  return { parent, ...(target.provider ? { provider: target.provider } : {}), ...extra };
}
