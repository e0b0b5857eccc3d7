/**
 * Replication mode's servers on Docker or Kubernetes: the redis-server nodes, the Sentinels and the
 * HAProxy endpoint, all fed by the same plan (resolved settings, the rendered redis.conf,
 * sentinel.conf and haproxy.cfg). The password only travels inside secret Outputs (a Kubernetes
 * Secret, Docker uploads whose content is a secret); HAProxy and Sentinel read it from files.
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
  headlessService,
  k8sChildOptions,
  type Labels,
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
  CLIENT_PORT,
  DATA_DIR,
  directiveArgs,
  memberDirectives,
  renderAuthConf,
  renderRedisConf,
} from "./redisConf";
import {
  ENDPOINT_PASSWORD_ENV,
  ENDPOINT_PORT,
  renderEndpointConf,
  renderSentinelAuth,
  renderSentinelConf,
  SENTINEL_PORT,
} from "./replicationPlan";
import type { ResolvedRedisSettings } from "./settings";
import {
  REDIS_DATA_CLAIM,
  redisHeadlessServiceName,
  redisSentinelHeadlessName,
  redisSentinelName,
} from "./topology";
import {
  DOCKER_CONF_DIR,
  dockerNodeName,
  K8S_AUTH_DIR,
  K8S_CONF_DIR,
  pingCommand,
  REDIS_UID,
} from "./wiring";

/**
 * The endpoint's image, pinned. The same series as Debian bookworm's haproxy (2.6), which the tests
 * run the rendered haproxy.cfg on.
 */
export const ENDPOINT_IMAGE = "haproxy:2.6.12";
/** uid of the `haproxy` user in the official image. */
export const HAPROXY_UID = 99;
/** A Sentinel's state (its rewritten config) is a few kB. */
export const SENTINEL_STORAGE = "100Mi";

export interface WiredReplication {
  /** Advertised `host:port` of each redis-server, in ordinal order (the first is the planned primary). */
  endpoints: pulumi.Output<string[]>;
  access: pulumi.Output<EngineAccess>;
  /** Advertised `host:port` of each Sentinel. */
  sentinelEndpoints: pulumi.Output<string[]>;
  sentinelAccess: pulumi.Output<EngineAccess>;
  /** The stable endpoint: `host:port` that always reaches the current primary. */
  endpoint: pulumi.Output<string>;
  servers: pulumi.Resource[];
}

export const sentinelName = redisSentinelName;

/**
 * Host ports on Docker: node i on hostPortBase + i, the endpoint right after the nodes, then the
 * Sentinels (config.ts checks that they all fit).
 */
export function dockerHostPorts(settings: ResolvedRedisSettings): {
  nodes: number[];
  endpoint: number;
  sentinels: number[];
} {
  const base = settings.hostPortBase;
  return {
    nodes: Array.from({ length: settings.nodes }, (_, i) => base + i),
    endpoint: base + settings.nodes,
    sentinels: Array.from({ length: settings.sentinels }, (_, j) => base + settings.nodes + 1 + j),
  };
}

/**
 * A Sentinel starts from the rendered file plus its announce name and the password the first time;
 * afterwards from the file it rewrote on its volume, so what it learnt (the current primary, the
 * epoch, its peers) survives a restart.
 */
export function sentinelStartScript(confFile: string, authFile: string, dataDir = DATA_DIR): string {
  return [
    `if [ ! -s ${dataDir}/sentinel.conf ]; then`,
    `{ cat ${confFile}; echo "sentinel announce-ip $SENTINEL_ANNOUNCE_IP"; cat ${authFile}; } > ${dataDir}/sentinel.conf;`,
    "fi;",
    `exec redis-sentinel ${dataDir}/sentinel.conf`,
  ].join(" ");
}

/** HAProxy reads the password from a file into its environment; the config names only the variable. */
export function endpointStartScript(confFile: string, passwordFile: string): string {
  return `${ENDPOINT_PASSWORD_ENV}="$(cat ${passwordFile})" exec haproxy -W -db -f ${confFile}`;
}

function renderOrThrow(
  settings: ResolvedRedisSettings,
  member: Parameters<typeof renderRedisConf>[1],
): string {
  const { text, problems } = renderRedisConf(settings, member);
  if (problems.length > 0) throw new Error(problems.map((p) => `${p.field}: ${p.message}`).join("\n"));
  return text;
}

function dockerResources(settings: ResolvedRedisSettings) {
  const memoryMb = Math.ceil(parseK8sBytes(settings.resources.memory)! / 2 ** 20);
  const cpuMillis = parseCpuMillis(settings.resources.cpu)!;
  const cpuLimitMillis = settings.resources.cpuLimit
    ? parseCpuMillis(settings.resources.cpuLimit)
    : undefined;
  return {
    memory: memoryMb,
    cpuShares: Math.max(2, Math.round((cpuMillis * 1024) / 1000)),
    ...(cpuLimitMillis ? { cpus: String(cpuLimitMillis / 1000) } : {}),
  };
}

// ---------------------------------------------------------------- Docker

export function wireReplicationDocker(
  name: string,
  parent: pulumi.Resource,
  target: DockerTarget,
  settings: ResolvedRedisSettings,
  password: pulumi.Output<string>,
): WiredReplication {
  const labels = { "kato.dev/engine": "redis", "kato.dev/instance": name };
  const network = dockerNetworkName(name, parent, target);
  const image = pinnedImage(`${name}-image`, settings.image, parent, target);
  const authConf = pulumi.secret(password.apply(renderAuthConf));
  const sentinelAuth = pulumi.secret(password.apply(renderSentinelAuth));
  const ports = dockerHostPorts(settings);
  const secretFile = (
    file: string,
    content: pulumi.Output<string>,
    uid = REDIS_UID,
  ): docker.types.input.ContainerUpload => ({
    file,
    content,
    owner: String(uid),
    group: String(uid),
    permissions: "0400",
  });
  const servers: pulumi.Resource[] = [];

  const nodeNames: string[] = [];
  for (let i = 0; i < settings.nodes; i++) {
    const node = dockerNodeName(name, i);
    nodeNames.push(`${node}:${CLIENT_PORT}`);
    const volume = dockerVolume(`${node}-data`, labels, settings.storage.retainOnDelete, parent, target);
    const conf = renderOrThrow(settings, {
      replicaAnnounceIp: node,
      replicaAnnouncePort: CLIENT_PORT,
      authFile: `${DOCKER_CONF_DIR}/auth.conf`,
    });
    servers.push(
      new docker.Container(
        node,
        {
          name: node,
          hostname: node,
          image: image.imageId,
          command: ["redis-server", `${DOCKER_CONF_DIR}/redis.conf`],
          networksAdvanced: [{ name: network, aliases: [node] }],
          ports: [publishedPort(target, CLIENT_PORT, ports.nodes[i]!)],
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
          ...dockerResources(settings),
          labels: containerLabels(labels),
        },
        dockerChildOptions(parent, target, { dependsOn: [volume] }),
      ),
    );
  }

  const sentinelConf = renderSentinelConf(settings);
  const sentinelNames: string[] = [];
  for (let j = 0; j < settings.sentinels; j++) {
    const sentinel = sentinelName(name, j);
    sentinelNames.push(`${sentinel}:${SENTINEL_PORT}`);
    const volume = dockerVolume(`${sentinel}-data`, labels, settings.storage.retainOnDelete, parent, target);
    servers.push(
      new docker.Container(
        sentinel,
        {
          name: sentinel,
          hostname: sentinel,
          image: image.imageId,
          user: `${REDIS_UID}:${REDIS_UID}`,
          command: [
            "sh",
            "-c",
            sentinelStartScript(`${DOCKER_CONF_DIR}/sentinel.conf`, `${DOCKER_CONF_DIR}/sentinel-auth.conf`),
          ],
          envs: [`SENTINEL_ANNOUNCE_IP=${sentinel}`],
          networksAdvanced: [{ name: network, aliases: [sentinel] }],
          ports: [publishedPort(target, SENTINEL_PORT, ports.sentinels[j]!)],
          volumes: [{ volumeName: volume.name, containerPath: DATA_DIR }],
          uploads: [
            { file: `${DOCKER_CONF_DIR}/sentinel.conf`, content: sentinelConf, permissions: "0444" },
            secretFile(`${DOCKER_CONF_DIR}/sentinel-auth.conf`, sentinelAuth),
            secretFile(`${DOCKER_CONF_DIR}/password`, password),
          ],
          healthcheck: healthCheck([
            "sh",
            "-c",
            `REDISCLI_AUTH="$(cat ${DOCKER_CONF_DIR}/password)" redis-cli -p ${SENTINEL_PORT} ping | grep -q PONG`,
          ]),
          wait: true,
          waitTimeout: 120,
          restart: "unless-stopped",
          memory: 128,
          labels: containerLabels(labels),
        },
        dockerChildOptions(parent, target, { dependsOn: [volume] }),
      ),
    );
  }

  // The endpoint: one HAProxy named after the component, so REDIS_URL reads redis://...@<name>:6379.
  const endpointImage = pinnedImage(`${name}-endpoint-image`, ENDPOINT_IMAGE, parent, target);
  const cfg = renderEndpointConf({
    servers: Array.from({ length: settings.nodes }, (_, i) => ({
      id: dockerNodeName(name, i),
      host: dockerNodeName(name, i),
      port: CLIENT_PORT,
    })),
    resolveNames: true,
  });
  const haproxyDir = "/usr/local/etc/haproxy";
  servers.push(
    new docker.Container(
      `${name}-endpoint`,
      {
        name,
        hostname: name,
        image: endpointImage.imageId,
        command: ["sh", "-c", endpointStartScript(`${haproxyDir}/haproxy.cfg`, `${haproxyDir}/password`)],
        networksAdvanced: [{ name: network, aliases: [name] }],
        ports: [publishedPort(target, ENDPOINT_PORT, ports.endpoint)],
        uploads: [
          { file: `${haproxyDir}/haproxy.cfg`, content: cfg, permissions: "0444" },
          secretFile(`${haproxyDir}/password`, password, HAPROXY_UID),
        ],
        restart: "unless-stopped",
        memory: 128,
        labels: containerLabels(labels),
      },
      dockerChildOptions(parent, target),
    ),
  );

  const publish = target.publishAddress ?? DEFAULT_PUBLISH_ADDRESS;
  return {
    endpoints: pulumi.output(nodeNames),
    access: pulumi.output(dockerAccess(nodeNames, publish, ports.nodes)),
    sentinelEndpoints: pulumi.output(sentinelNames),
    sentinelAccess: pulumi.output(dockerAccess(sentinelNames, publish, ports.sentinels)),
    endpoint: pulumi.output(`${name}:${ENDPOINT_PORT}`),
    servers,
  };
}

// ---------------------------------------------------------------- Kubernetes

export function replicationHeadlessNames(component: string): { nodes: string; sentinels: string } {
  return { nodes: redisHeadlessServiceName(component), sentinels: redisSentinelHeadlessName(component) };
}

/** Ingress to `selector` pods on `ports` from the given peers. */
function networkPolicy(
  name: string,
  namespace: pulumi.Input<string>,
  labels: Labels,
  selector: Labels,
  rules: { ports: number[]; from: k8s.types.input.networking.v1.NetworkPolicyPeer[] }[],
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    name,
    {
      metadata: { name, namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress"],
        ingress: rules.map((r) => ({
          from: r.from,
          ports: r.ports.map((port) => ({ protocol: "TCP", port })),
        })),
      },
    },
    opts,
  );
}

export function wireReplicationKubernetes(
  name: string,
  parent: pulumi.Resource,
  target: KubernetesTarget,
  settings: ResolvedRedisSettings,
  password: pulumi.Output<string>,
): WiredReplication {
  const namespace = target.namespace;
  const domain = target.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const opts = (extra: pulumi.CustomResourceOptions = {}) => k8sChildOptions(parent, target, extra);
  const headless = replicationHeadlessNames(name);
  const sentinelSet = `${name}-sentinel`;
  const endpointName = `${name}-endpoint`;
  const nodeSelector = selectorLabels("redis", name);
  const sentinelSelector = selectorLabels("redis-sentinel", name);
  const endpointSelector = selectorLabels("redis-endpoint", name);
  const nodeLabels = engineLabels("redis", name, settings.version);
  const sentinelLabels = engineLabels("redis-sentinel", name, settings.version);
  const endpointLabels = engineLabels("redis-endpoint", name, ENDPOINT_IMAGE.split(":")[1]);
  const conf = renderOrThrow(settings, { authFile: `${K8S_AUTH_DIR}/auth.conf` });
  const sentinelConf = renderSentinelConf(settings);
  // Fully qualified names: HAProxy's run-time resolvers do not apply resolv.conf's search domains.
  const cfg = pulumi.output(namespace).apply((ns) =>
    renderEndpointConf({
      servers: Array.from({ length: settings.nodes }, (_, i) => ({
        id: `${name}-${i}`,
        host: podDnsName(name, i, headless.nodes, ns, domain),
        port: CLIENT_PORT,
      })),
      resolveNames: true,
    }),
  );
  const fieldEnv = (envName: string, fieldPath: string) => ({
    name: envName,
    valueFrom: { fieldRef: { fieldPath } },
  });
  const podEnv = [fieldEnv("POD_NAME", "metadata.name"), fieldEnv("POD_NAMESPACE", "metadata.namespace")];

  const config = new k8s.core.v1.ConfigMap(
    `${name}-config`,
    {
      metadata: { name: `${name}-config`, namespace, labels: nodeLabels },
      data: { "redis.conf": conf, "sentinel.conf": sentinelConf, "haproxy.cfg": cfg },
    },
    opts(),
  );
  const auth = new k8s.core.v1.Secret(
    `${name}-auth`,
    {
      metadata: { name: `${name}-auth`, namespace, labels: nodeLabels },
      type: "Opaque",
      stringData: pulumi.secret(
        password.apply(
          (pw): Record<string, string> => ({
            "auth.conf": renderAuthConf(pw),
            "sentinel-auth.conf": renderSentinelAuth(pw),
            password: pw,
          }),
        ),
      ),
    },
    opts(),
  );
  const serverHash = createHash("sha256").update(conf).update(sentinelConf).digest("hex");
  const endpointHash = cfg.apply((text) => createHash("sha256").update(text).digest("hex"));
  const probe = (command: string[], extra: Partial<k8s.types.input.core.v1.Probe>) => ({
    exec: { command },
    timeoutSeconds: 5,
    ...extra,
  });
  const volumes = [
    { name: "config", configMap: { name: config.metadata.name } },
    { name: "auth", secret: { secretName: auth.metadata.name, defaultMode: 0o440 } },
  ];
  const mounts = [
    { name: "data", mountPath: DATA_DIR },
    { name: "config", mountPath: K8S_CONF_DIR, readOnly: true },
    { name: "auth", mountPath: K8S_AUTH_DIR, readOnly: true },
  ];

  // Nodes: each announces its stable pod DNS name as a replica (Sentinel resolves names).
  const nodesHeadless = headlessService(
    headless.nodes,
    { namespace, labels: nodeLabels, selector: nodeSelector, ports: [{ name: "redis", port: CLIENT_PORT }] },
    opts(),
  );
  const nodeArgs = directiveArgs(
    memberDirectives(settings.redisVersion, {
      replicaAnnounceIp: `$(POD_NAME).${headless.nodes}.$(POD_NAMESPACE).svc.${domain}`,
      replicaAnnouncePort: CLIENT_PORT,
    }),
  );
  const ping = (accept: string) => pingCommand(`${K8S_AUTH_DIR}/password`, accept);
  const nodes = new k8s.apps.v1.StatefulSet(
    name,
    {
      metadata: { name, namespace, labels: nodeLabels },
      spec: {
        serviceName: headless.nodes,
        replicas: settings.nodes,
        podManagementPolicy: "Parallel",
        selector: { matchLabels: nodeSelector },
        persistentVolumeClaimRetentionPolicy: pvcRetentionPolicy(settings.storage.retainOnDelete),
        updateStrategy: { type: "RollingUpdate" },
        template: {
          metadata: { labels: nodeLabels, annotations: { "kato.dev/redis-conf-sha256": serverHash } },
          spec: {
            affinity: podAntiAffinity(target.antiAffinity ?? "soft", nodeSelector),
            securityContext: podSecurityContext(REDIS_UID),
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: "redis",
                image: settings.image,
                imagePullPolicy: "IfNotPresent",
                command: ["redis-server"],
                args: [`${K8S_CONF_DIR}/redis.conf`, ...nodeArgs],
                env: podEnv,
                ports: [{ name: "redis", containerPort: CLIENT_PORT }],
                resources: containerResources(settings.resources),
                securityContext: { ...containerSecurityContext(), readOnlyRootFilesystem: true },
                startupProbe: probe(ping("PONG|LOADING"), { periodSeconds: 10, failureThreshold: 60 }),
                livenessProbe: probe(ping("PONG|LOADING"), { periodSeconds: 15, failureThreshold: 4 }),
                readinessProbe: probe(ping("PONG"), { periodSeconds: 5, failureThreshold: 3 }),
                volumeMounts: mounts,
              },
            ],
            volumes,
          },
        },
        volumeClaimTemplates: [volumeClaimTemplate(REDIS_DATA_CLAIM, settings.storage)],
      },
    },
    opts({ dependsOn: [nodesHeadless] }),
  );

  // Sentinels: a StatefulSet too, for stable names (announce-hostnames) and a volume for their state.
  const sentinelsHeadless = headlessService(
    headless.sentinels,
    {
      namespace,
      labels: sentinelLabels,
      selector: sentinelSelector,
      ports: [{ name: "sentinel", port: SENTINEL_PORT }],
    },
    opts(),
  );
  const sentinelPing = [
    "sh",
    "-c",
    `REDISCLI_AUTH="$(cat ${K8S_AUTH_DIR}/password)" redis-cli -p ${SENTINEL_PORT} ping | grep -q PONG`,
  ];
  const sentinels = new k8s.apps.v1.StatefulSet(
    sentinelSet,
    {
      metadata: { name: sentinelSet, namespace, labels: sentinelLabels },
      spec: {
        serviceName: headless.sentinels,
        replicas: settings.sentinels,
        podManagementPolicy: "Parallel",
        selector: { matchLabels: sentinelSelector },
        persistentVolumeClaimRetentionPolicy: pvcRetentionPolicy(settings.storage.retainOnDelete),
        template: {
          metadata: { labels: sentinelLabels, annotations: { "kato.dev/redis-conf-sha256": serverHash } },
          spec: {
            affinity: podAntiAffinity(target.antiAffinity ?? "soft", sentinelSelector),
            securityContext: podSecurityContext(REDIS_UID),
            containers: [
              {
                name: "sentinel",
                image: settings.image,
                imagePullPolicy: "IfNotPresent",
                command: [
                  "sh",
                  "-c",
                  sentinelStartScript(`${K8S_CONF_DIR}/sentinel.conf`, `${K8S_AUTH_DIR}/sentinel-auth.conf`),
                ],
                env: [
                  ...podEnv,
                  {
                    name: "SENTINEL_ANNOUNCE_IP",
                    value: `$(POD_NAME).${headless.sentinels}.$(POD_NAMESPACE).svc.${domain}`,
                  },
                ],
                ports: [{ name: "sentinel", containerPort: SENTINEL_PORT }],
                resources: {
                  requests: { cpu: "50m", memory: "64Mi" },
                  limits: { memory: "128Mi" },
                },
                securityContext: { ...containerSecurityContext(), readOnlyRootFilesystem: true },
                livenessProbe: probe(sentinelPing, { periodSeconds: 15, failureThreshold: 4 }),
                readinessProbe: probe(sentinelPing, { periodSeconds: 5, failureThreshold: 3 }),
                volumeMounts: mounts,
              },
            ],
            volumes,
          },
        },
        volumeClaimTemplates: [volumeClaimTemplate("data", { ...settings.storage, size: SENTINEL_STORAGE })],
      },
    },
    opts({ dependsOn: [sentinelsHeadless] }),
  );

  // The endpoint: HAProxy pods behind the Service named after the component.
  const haproxyDir = "/usr/local/etc/haproxy";
  const endpointPods = new k8s.apps.v1.Deployment(
    endpointName,
    {
      metadata: { name: endpointName, namespace, labels: endpointLabels },
      spec: {
        replicas: settings.endpointReplicas,
        selector: { matchLabels: endpointSelector },
        template: {
          metadata: { labels: endpointLabels, annotations: { "kato.dev/haproxy-cfg-sha256": endpointHash } },
          spec: {
            affinity: podAntiAffinity(target.antiAffinity ?? "soft", endpointSelector),
            securityContext: podSecurityContext(HAPROXY_UID),
            containers: [
              {
                name: "haproxy",
                image: ENDPOINT_IMAGE,
                imagePullPolicy: "IfNotPresent",
                command: [
                  "sh",
                  "-c",
                  endpointStartScript(`${haproxyDir}/haproxy.cfg`, `${K8S_AUTH_DIR}/password`),
                ],
                ports: [{ name: "redis", containerPort: ENDPOINT_PORT }],
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                securityContext: { ...containerSecurityContext(), readOnlyRootFilesystem: true },
                livenessProbe: { tcpSocket: { port: ENDPOINT_PORT }, periodSeconds: 10, failureThreshold: 3 },
                readinessProbe: { tcpSocket: { port: ENDPOINT_PORT }, periodSeconds: 5 },
                volumeMounts: [
                  { name: "config", mountPath: haproxyDir, readOnly: true },
                  { name: "auth", mountPath: K8S_AUTH_DIR, readOnly: true },
                ],
              },
            ],
            volumes: [
              {
                name: "config",
                configMap: {
                  name: config.metadata.name,
                  items: [{ key: "haproxy.cfg", path: "haproxy.cfg" }],
                },
              },
              { name: "auth", secret: { secretName: auth.metadata.name, defaultMode: 0o440 } },
            ],
          },
        },
      },
    },
    opts(),
  );
  const endpointSvc = clientService(
    name,
    {
      namespace,
      labels: endpointLabels,
      selector: endpointSelector,
      ports: [{ name: "redis", port: ENDPOINT_PORT }],
    },
    opts(),
  );

  const pdbs = [
    podDisruptionBudget(
      name,
      { namespace, labels: nodeLabels, selector: nodeSelector, maxUnavailable: 1 },
      opts(),
    ),
    podDisruptionBudget(
      sentinelSet,
      { namespace, labels: sentinelLabels, selector: sentinelSelector, maxUnavailable: 1 },
      opts(),
    ),
    podDisruptionBudget(
      endpointName,
      { namespace, labels: endpointLabels, selector: endpointSelector, maxUnavailable: 1 },
      opts(),
    ),
  ];

  // NetworkPolicies: clients (KATO, the backup jobs and exporters) reach the endpoint, the nodes and
  // the Sentinels; nodes also take replication and checks from each other, the Sentinels and HAProxy;
  // Sentinels talk to each other.
  const clientPeer: k8s.types.input.networking.v1.NetworkPolicyPeer = {
    podSelector: { matchLabels: target.clientPodLabels ?? {} },
    ...(target.clientNamespaceLabels
      ? { namespaceSelector: { matchLabels: target.clientNamespaceLabels } }
      : {}),
  };
  const peers = [nodeSelector, sentinelSelector, endpointSelector].map((matchLabels) => ({
    podSelector: { matchLabels },
  }));
  const policies = [
    networkPolicy(
      name,
      namespace,
      nodeLabels,
      nodeSelector,
      [
        { ports: [CLIENT_PORT], from: [clientPeer] },
        { ports: [CLIENT_PORT], from: peers },
      ],
      opts(),
    ),
    networkPolicy(
      sentinelSet,
      namespace,
      sentinelLabels,
      sentinelSelector,
      [
        { ports: [SENTINEL_PORT], from: [clientPeer] },
        { ports: [SENTINEL_PORT], from: [{ podSelector: { matchLabels: sentinelSelector } }] },
      ],
      opts(),
    ),
    networkPolicy(
      endpointName,
      namespace,
      endpointLabels,
      endpointSelector,
      [{ ports: [ENDPOINT_PORT], from: [clientPeer] }],
      opts(),
    ),
  ];

  const nodePods = Array.from({ length: settings.nodes }, (_, i) => `${name}-${i}`);
  const sentinelPods = Array.from({ length: settings.sentinels }, (_, j) => sentinelName(name, j));
  const endpoints = pulumi
    .output(namespace)
    .apply((ns) =>
      nodePods.map((_, i) => `${podDnsName(name, i, headless.nodes, ns, domain)}:${CLIENT_PORT}`),
    );
  const sentinelEndpoints = pulumi
    .output(namespace)
    .apply((ns) =>
      sentinelPods.map(
        (_, j) => `${podDnsName(sentinelSet, j, headless.sentinels, ns, domain)}:${SENTINEL_PORT}`,
      ),
    );
  const access = pulumi
    .all([namespace, endpoints])
    .apply(([ns, names]) => kubernetesAccess(names, ns, nodePods, CLIENT_PORT, target.kubeconfigContext));
  const sentinelAccess = pulumi
    .all([namespace, sentinelEndpoints])
    .apply(([ns, names]) =>
      kubernetesAccess(names, ns, sentinelPods, SENTINEL_PORT, target.kubeconfigContext),
    );
  return {
    endpoints,
    access,
    sentinelEndpoints,
    sentinelAccess,
    endpoint: pulumi.output(namespace).apply((ns) => `${name}.${ns}.svc.${domain}:${ENDPOINT_PORT}`),
    servers: [
      nodes,
      sentinels,
      endpointPods,
      endpointSvc,
      nodesHeadless,
      sentinelsHeadless,
      ...pdbs,
      ...policies,
    ],
  };
}
