/**
 * Redis Cluster servers on Docker or Kubernetes: one function per target, both fed by the same plan
 * (resolved settings, topology, rendered redis.conf). The password only ever travels inside secret
 * Outputs: a Kubernetes Secret, Docker uploads whose content is a secret.
 */

import { createHash } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dockerAccess, type EngineAccess, kubernetesAccess } from "../shared/access";
import {
  containerLabels,
  dockerChildOptions,
  dockerNetworkName,
  dockerVolume,
  healthCheck,
  pinnedImage,
  publishedPort,
} from "../shared/docker";
import {
  clientService,
  containerResources,
  containerSecurityContext,
  engineLabels,
  engineNetworkPolicy,
  headlessService,
  k8sChildOptions,
  podAntiAffinity,
  podDisruptionBudget,
  podDnsName,
  podSecurityContext,
  pvcRetentionPolicy,
  selectorLabels,
  volumeClaimTemplate,
} from "../shared/k8s";
import { parseCpuMillis, parseK8sBytes } from "../shared/quantity";
import type { DockerTarget, KubernetesTarget } from "../shared/target";
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_PUBLISH_ADDRESS } from "../shared/target";
import {
  BUS_PORT_OFFSET,
  CLIENT_PORT,
  DATA_DIR,
  directiveArgs,
  memberDirectives,
  renderAuthConf,
  renderRedisConf,
} from "./redisConf";
import type { ResolvedRedisSettings } from "./settings";
import { REDIS_DATA_CLAIM, REDIS_UID, redisHeadlessServiceName, redisNodeName } from "./topology";

export const BUS_PORT = CLIENT_PORT + BUS_PORT_OFFSET;
export { REDIS_UID } from "./topology";

export interface WiredServers {
  /** Advertised `host:port` of each node, in ordinal order. */
  endpoints: pulumi.Output<string[]>;
  access: pulumi.Output<EngineAccess>;
  /** What the formation must wait for. */
  servers: pulumi.Resource[];
}

/** A probe command that authenticates with the password file, so the password is never in the pod spec or the container config. */
export function pingCommand(passwordFile: string, accept: string): string[] {
  return [
    "sh",
    "-c",
    `REDISCLI_AUTH="$(cat ${passwordFile})" redis-cli -p ${CLIENT_PORT} ping | grep -Eq '${accept}'`,
  ];
}

function renderOrThrow(
  settings: ResolvedRedisSettings,
  member: Parameters<typeof renderRedisConf>[1],
): string {
  const { text, problems } = renderRedisConf(settings, member);
  if (problems.length > 0) throw new Error(problems.map((p) => `${p.field}: ${p.message}`).join("\n"));
  return text;
}

// ---------------------------------------------------------------- Docker

export const DOCKER_CONF_DIR = "/etc/redis";

/** Node i's container name: components/redis/topology.ts (one declaration of the names). */
export const dockerNodeName = redisNodeName;

export function wireDocker(
  name: string,
  parent: pulumi.Resource,
  target: DockerTarget,
  settings: ResolvedRedisSettings,
  password: pulumi.Output<string>,
): WiredServers {
  const labels = { "kato.dev/engine": "redis", "kato.dev/instance": name };
  const network = dockerNetworkName(name, parent, target);
  const image = pinnedImage(`${name}-image`, settings.image, parent, target);
  const authConf = pulumi.secret(password.apply(renderAuthConf));
  const memoryMb = Math.ceil(parseK8sBytes(settings.resources.memory)! / 2 ** 20);
  const cpuMillis = parseCpuMillis(settings.resources.cpu)!;
  const cpuLimitMillis = settings.resources.cpuLimit
    ? parseCpuMillis(settings.resources.cpuLimit)
    : undefined;
  const names: string[] = [];
  const hostPorts: number[] = [];
  const containers: docker.Container[] = [];
  for (let i = 0; i < settings.nodes; i++) {
    const node = dockerNodeName(name, i);
    const hostPort = settings.hostPortBase + i;
    names.push(`${node}:${CLIENT_PORT}`);
    hostPorts.push(hostPort);
    const volume = dockerVolume(`${node}-data`, labels, settings.storage.retainOnDelete, parent, target);
    const conf = renderOrThrow(settings, {
      announceHostname: node,
      humanNodename: node,
      authFile: `${DOCKER_CONF_DIR}/auth.conf`,
    });
    const secretFile = (
      file: string,
      content: pulumi.Output<string>,
    ): docker.types.input.ContainerUpload => ({
      file,
      content,
      owner: String(REDIS_UID),
      group: String(REDIS_UID),
      permissions: "0400",
    });
    containers.push(
      new docker.Container(
        node,
        {
          name: node,
          hostname: node,
          image: image.imageId,
          command: ["redis-server", `${DOCKER_CONF_DIR}/redis.conf`],
          networksAdvanced: [{ name: network, aliases: [node] }],
          ports: [publishedPort(target, CLIENT_PORT, hostPort)],
          volumes: [{ volumeName: volume.name, containerPath: DATA_DIR }],
          uploads: [
            { file: `${DOCKER_CONF_DIR}/redis.conf`, content: conf, permissions: "0444" },
            secretFile(`${DOCKER_CONF_DIR}/auth.conf`, authConf),
            secretFile(`${DOCKER_CONF_DIR}/password`, password),
          ],
          healthcheck: healthCheck(pingCommand(`${DOCKER_CONF_DIR}/password`, "PONG")),
          wait: true,
          waitTimeout: 120,
          restart: "unless-stopped",
          memory: memoryMb,
          cpuShares: Math.max(2, Math.round((cpuMillis * 1024) / 1000)),
          ...(cpuLimitMillis ? { cpus: String(cpuLimitMillis / 1000) } : {}),
          labels: containerLabels(labels),
        },
        dockerChildOptions(parent, target, { dependsOn: [volume] }),
      ),
    );
  }
  return {
    endpoints: pulumi.output(names),
    access: pulumi.output(dockerAccess(names, target.publishAddress ?? DEFAULT_PUBLISH_ADDRESS, hostPorts)),
    servers: containers,
  };
}

// ---------------------------------------------------------------- Kubernetes

export const K8S_CONF_DIR = "/etc/redis";
export const K8S_AUTH_DIR = "/etc/redis-auth";

export const headlessServiceName = redisHeadlessServiceName;

export function wireKubernetes(
  name: string,
  parent: pulumi.Resource,
  target: KubernetesTarget,
  settings: ResolvedRedisSettings,
  password: pulumi.Output<string>,
): WiredServers {
  const namespace = target.namespace;
  const domain = target.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const labels = engineLabels("redis", name, settings.version);
  const selector = selectorLabels("redis", name);
  const headless = headlessServiceName(name);
  const opts = (extra: pulumi.CustomResourceOptions = {}) => k8sChildOptions(parent, target, extra);
  const conf = renderOrThrow(settings, { authFile: `${K8S_AUTH_DIR}/auth.conf` });
  // The per-pod directives are arguments: the kubelet expands $(POD_NAME), $(POD_NAMESPACE), $(POD_IP).
  const podArgs = directiveArgs(
    memberDirectives(settings.redisVersion, {
      announceHostname: `$(POD_NAME).${headless}.$(POD_NAMESPACE).svc.${domain}`,
      humanNodename: "$(POD_NAME)",
      // Peers need the pod's IP (MEET takes an IP); the executor, behind a port-forward, reads it here.
      announceIp: "$(POD_IP)",
    }),
  );

  const config = new k8s.core.v1.ConfigMap(
    `${name}-config`,
    { metadata: { name: `${name}-config`, namespace, labels }, data: { "redis.conf": conf } },
    opts(),
  );
  const auth = new k8s.core.v1.Secret(
    `${name}-auth`,
    {
      metadata: { name: `${name}-auth`, namespace, labels },
      type: "Opaque",
      stringData: pulumi.secret(
        password.apply((pw): Record<string, string> => ({ "auth.conf": renderAuthConf(pw), password: pw })),
      ),
    },
    opts(),
  );
  const headlessSvc = headlessService(
    headless,
    {
      namespace,
      labels,
      selector,
      ports: [
        { name: "redis", port: CLIENT_PORT },
        { name: "cluster-bus", port: BUS_PORT },
      ],
    },
    opts(),
  );
  const clientSvc = clientService(
    name,
    { namespace, labels, selector, ports: [{ name: "redis", port: CLIENT_PORT }] },
    opts(),
  );
  const probe = (accept: string, extra: Partial<k8s.types.input.core.v1.Probe>) => ({
    exec: { command: pingCommand(`${K8S_AUTH_DIR}/password`, accept) },
    timeoutSeconds: 5,
    ...extra,
  });
  const fieldEnv = (envName: string, fieldPath: string) => ({
    name: envName,
    valueFrom: { fieldRef: { fieldPath } },
  });
  const statefulSet = new k8s.apps.v1.StatefulSet(
    name,
    {
      metadata: { name, namespace, labels },
      spec: {
        serviceName: headless,
        replicas: settings.nodes,
        // Every node starts at once: a cluster node needs no peer to start, formation comes after.
        podManagementPolicy: "Parallel",
        selector: { matchLabels: selector },
        persistentVolumeClaimRetentionPolicy: pvcRetentionPolicy(settings.storage.retainOnDelete),
        updateStrategy: { type: "RollingUpdate" },
        template: {
          metadata: {
            labels,
            annotations: { "kato.dev/redis-conf-sha256": createHash("sha256").update(conf).digest("hex") },
          },
          spec: {
            affinity: podAntiAffinity(target.antiAffinity ?? "soft", selector),
            securityContext: podSecurityContext(REDIS_UID),
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: "redis",
                image: settings.image,
                imagePullPolicy: "IfNotPresent",
                command: ["redis-server"],
                args: [`${K8S_CONF_DIR}/redis.conf`, ...podArgs],
                env: [
                  fieldEnv("POD_NAME", "metadata.name"),
                  fieldEnv("POD_NAMESPACE", "metadata.namespace"),
                  fieldEnv("POD_IP", "status.podIP"),
                ],
                ports: [
                  { name: "redis", containerPort: CLIENT_PORT },
                  { name: "cluster-bus", containerPort: BUS_PORT },
                ],
                resources: containerResources(settings.resources),
                securityContext: { ...containerSecurityContext(), readOnlyRootFilesystem: true },
                // Loading a large AOF answers LOADING for a while: startup allows 10 minutes,
                // liveness accepts LOADING, readiness wants PONG.
                startupProbe: probe("PONG|LOADING", { periodSeconds: 10, failureThreshold: 60 }),
                livenessProbe: probe("PONG|LOADING", { periodSeconds: 15, failureThreshold: 4 }),
                readinessProbe: probe("PONG", { periodSeconds: 5, failureThreshold: 3 }),
                volumeMounts: [
                  { name: "data", mountPath: DATA_DIR },
                  { name: "config", mountPath: K8S_CONF_DIR, readOnly: true },
                  { name: "auth", mountPath: K8S_AUTH_DIR, readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: "config", configMap: { name: config.metadata.name } },
              { name: "auth", secret: { secretName: auth.metadata.name, defaultMode: 0o440 } },
            ],
          },
        },
        volumeClaimTemplates: [volumeClaimTemplate(REDIS_DATA_CLAIM, settings.storage)],
      },
    },
    opts({ dependsOn: [headlessSvc] }),
  );
  const pdb = podDisruptionBudget(name, { namespace, labels, selector, maxUnavailable: 1 }, opts());
  const policy = engineNetworkPolicy(
    name,
    {
      namespace,
      labels,
      selector,
      clientPorts: [CLIENT_PORT],
      // Replicas sync from their master's client port; the bus port is only ever between members.
      peerPorts: [CLIENT_PORT, BUS_PORT],
      clients: target,
    },
    opts(),
  );
  const pods = Array.from({ length: settings.nodes }, (_, i) => `${name}-${i}`);
  const endpoints = pulumi
    .output(namespace)
    .apply((ns) => pods.map((_, i) => `${podDnsName(name, i, headless, ns, domain)}:${CLIENT_PORT}`));
  const access = pulumi
    .all([namespace, endpoints])
    .apply(([ns, names]) => kubernetesAccess(names, ns, pods, CLIENT_PORT, target.kubeconfigContext));
  return { endpoints, access, servers: [statefulSet, headlessSvc, clientSvc, pdb, policy] };
}
