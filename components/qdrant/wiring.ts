/**
 * The QdrantCluster's servers on each target: `wireDocker` and `wireKubernetes`, with the same
 * parameters in every engine (name, parent, target, resolved settings, secrets).
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
  podSecurityContext,
  pvcRetentionPolicy,
  selectorLabels,
  volumeClaimTemplate,
} from "../shared/k8s";
import { parseCpuMillis, parseK8sBytes } from "../shared/quantity";
import type { DockerTarget, KubernetesTarget } from "../shared/target";
import { DEFAULT_PUBLISH_ADDRESS } from "../shared/target";
import {
  QDRANT_GRPC_PORT,
  QDRANT_HTTP_PORT,
  QDRANT_P2P_PORT,
  QDRANT_STORAGE_PATH,
  type ResolvedQdrantSettings,
} from "./settings";
import {
  planQdrantDocker,
  planQdrantKubernetes,
  QDRANT_API_KEY_ENV,
  QDRANT_CONFIG_FILE,
  QDRANT_DOCKER_READYZ_SCRIPT,
  QDRANT_INIT_DIR,
  QDRANT_READ_ONLY_API_KEY_ENV,
  QDRANT_START_SCRIPT_FILE,
  qdrantKubernetesNames,
} from "./topology";

/** Non-root user of the pods (the uid of Qdrant's unprivileged image). */
export const QDRANT_UID = 1000;

export interface Keys {
  apiKey: pulumi.Output<string>;
  readOnlyApiKey: pulumi.Output<string>;
}

export interface Wired {
  endpoints: pulumi.Output<string[]>;
  url: pulumi.Output<string>;
  host: pulumi.Output<string>;
  access: pulumi.Output<EngineAccess>;
}

export function wireDocker(
  name: string,
  parent: pulumi.Resource,
  target: DockerTarget,
  settings: ResolvedQdrantSettings,
  keys: Keys | undefined,
): Wired {
  const plan = planQdrantDocker(name, settings);
  const labels = engineLabels("qdrant", name, settings.image.split(":").pop());
  const network = dockerNetworkName(name, parent, target);
  const image = pinnedImage(`${name}-image`, settings.image, parent, target);
  // The keys reach the container only through its environment, and the whole list is a secret.
  const envs = keys
    ? pulumi.secret(
        pulumi
          .all([keys.apiKey, keys.readOnlyApiKey])
          .apply(([rw, ro]) => [`${QDRANT_API_KEY_ENV}=${rw}`, `${QDRANT_READ_ONLY_API_KEY_ENV}=${ro}`]),
      )
    : [];
  const memoryMb = Math.ceil(parseK8sBytes(settings.resources.memory)! / 2 ** 20);
  const cpuLimit = settings.resources.cpuLimit ? parseCpuMillis(settings.resources.cpuLimit) : undefined;
  const containers: docker.Container[] = [];
  for (const peer of plan.peers) {
    const storage = dockerVolume(
      `${peer.name}-storage`,
      labels,
      settings.storage.retainOnDelete,
      parent,
      target,
    );
    const snapshots = dockerVolume(
      `${peer.name}-snapshots`,
      labels,
      settings.storage.retainOnDelete,
      parent,
      target,
    );
    const ports = [publishedPort(target, QDRANT_HTTP_PORT, peer.hostPort!)];
    if (peer.grpcHostPort !== undefined)
      ports.push(publishedPort(target, QDRANT_GRPC_PORT, peer.grpcHostPort));
    const container = new docker.Container(
      peer.name,
      {
        name: peer.name,
        hostname: peer.name,
        image: image.imageId,
        command: ["./entrypoint.sh", ...peer.args],
        envs,
        uploads: [{ file: QDRANT_CONFIG_FILE, content: plan.configYaml }],
        networksAdvanced: [{ name: network, aliases: [peer.name] }],
        // REST (and gRPC) only; the P2P port stays on the private network.
        ports,
        volumes: [
          { volumeName: storage.name, containerPath: QDRANT_STORAGE_PATH },
          { volumeName: snapshots.name, containerPath: settings.snapshots.path },
        ],
        healthcheck: healthCheck(["bash", "-c", QDRANT_DOCKER_READYZ_SCRIPT], 30),
        memory: memoryMb,
        ...(cpuLimit ? { cpus: String(cpuLimit / 1000) } : {}),
        restart: "unless-stopped",
        labels: containerLabels(labels),
        wait: true,
        waitTimeout: 180,
        mustRun: true,
      },
      // Peers 1.. bootstrap from peer 0, so peer 0 is up first.
      dockerChildOptions(parent, target, containers.length > 0 ? { dependsOn: [containers[0]!] } : {}),
    );
    containers.push(container);
  }
  const publish = target.publishAddress ?? DEFAULT_PUBLISH_ADDRESS;
  const ready = pulumi.all(containers.map((c) => c.id));
  return {
    endpoints: ready.apply(() => plan.peers.map((p) => p.endpoint)),
    url: ready.apply(() => plan.url),
    host: ready.apply(() => plan.clientHost),
    access: ready.apply(() =>
      dockerAccess(
        plan.peers.map((p) => p.endpoint),
        publish,
        plan.peers.map((p) => p.hostPort!),
      ),
    ),
  };
}

export function wireKubernetes(
  name: string,
  parent: pulumi.Resource,
  target: KubernetesTarget,
  settings: ResolvedQdrantSettings,
  keys: Keys | undefined,
): Wired {
  const names = qdrantKubernetesNames(name);
  const namespace = target.namespace;
  const labels = engineLabels("qdrant", name, settings.image.split(":").pop());
  const selector = selectorLabels("qdrant", name);
  const plan = pulumi
    .output(namespace)
    .apply((ns) =>
      planQdrantKubernetes(name, settings, { namespace: ns, clusterDomain: target.clusterDomain }),
    );
  const opts = (extra: pulumi.CustomResourceOptions = {}) => k8sChildOptions(parent, target, extra);

  const config = new k8s.core.v1.ConfigMap(
    names.configMap,
    {
      metadata: { name: names.configMap, namespace, labels },
      data: { "production.yaml": plan.configYaml, "start.sh": plan.startScript },
    },
    opts(),
  );
  const secret = keys
    ? new k8s.core.v1.Secret(
        names.secret,
        {
          metadata: { name: names.secret, namespace, labels },
          type: "Opaque",
          stringData: {
            "api-key": pulumi.secret(keys.apiKey),
            "read-only-api-key": pulumi.secret(keys.readOnlyApiKey),
          },
        },
        opts(),
      )
    : undefined;

  const peerPorts = [
    { name: "http", port: QDRANT_HTTP_PORT },
    ...(settings.grpc ? [{ name: "grpc", port: QDRANT_GRPC_PORT }] : []),
    { name: "p2p", port: QDRANT_P2P_PORT },
  ];
  const clientPorts = peerPorts.filter((p) => p.name !== "p2p");
  const headless = headlessService(
    names.headlessService,
    { namespace, labels, selector, ports: peerPorts },
    opts(),
  );
  const client = clientService(
    names.clientService,
    { namespace, labels, selector, ports: clientPorts },
    opts(),
  );
  podDisruptionBudget(names.podDisruptionBudget, { namespace, labels, selector, maxUnavailable: 1 }, opts());
  engineNetworkPolicy(
    names.networkPolicy,
    {
      namespace,
      labels,
      selector,
      clientPorts: clientPorts.map((p) => p.port),
      peerPorts: [QDRANT_P2P_PORT],
      clients: target,
    },
    opts(),
  );

  const keyEnv = (env: string, key: string) => ({
    name: env,
    valueFrom: { secretKeyRef: { name: names.secret, key } },
  });
  // Pods restart when the rendered config or start script changes.
  const checksum = plan.apply((p) =>
    createHash("sha256").update(p.configYaml).update(p.startScript).digest("hex"),
  );
  const statefulSet = new k8s.apps.v1.StatefulSet(
    names.statefulSet,
    {
      metadata: { name: names.statefulSet, namespace, labels },
      spec: {
        serviceName: names.headlessService,
        replicas: settings.peers,
        // Every pod starts at once: peers >0 must reach pod 0 before any of them is ready (qdrant-helm does the same).
        podManagementPolicy: "Parallel",
        selector: { matchLabels: selector },
        persistentVolumeClaimRetentionPolicy: pvcRetentionPolicy(settings.storage.retainOnDelete),
        updateStrategy: { type: "RollingUpdate" },
        template: {
          metadata: { labels, annotations: { "kato.dev/config-checksum": checksum } },
          spec: {
            securityContext: podSecurityContext(QDRANT_UID),
            affinity: podAntiAffinity(target.antiAffinity ?? "soft", selector),
            terminationGracePeriodSeconds: 60,
            containers: [
              {
                name: "qdrant",
                image: settings.image,
                command: ["/bin/bash", QDRANT_START_SCRIPT_FILE],
                ports: peerPorts.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" })),
                env: [
                  { name: "QDRANT_INIT_FILE_PATH", value: `${QDRANT_INIT_DIR}/.qdrant-initialized` },
                  ...(keys
                    ? [
                        keyEnv(QDRANT_API_KEY_ENV, "api-key"),
                        keyEnv(QDRANT_READ_ONLY_API_KEY_ENV, "read-only-api-key"),
                      ]
                    : []),
                ],
                // /readyz and /livez answer without an API key.
                readinessProbe: {
                  httpGet: { path: "/readyz", port: "http" },
                  periodSeconds: 5,
                  timeoutSeconds: 2,
                  failureThreshold: 6,
                },
                livenessProbe: {
                  httpGet: { path: "/livez", port: "http" },
                  periodSeconds: 10,
                  timeoutSeconds: 2,
                  failureThreshold: 6,
                },
                startupProbe: {
                  httpGet: { path: "/livez", port: "http" },
                  periodSeconds: 5,
                  timeoutSeconds: 2,
                  failureThreshold: 60,
                },
                resources: containerResources(settings.resources),
                securityContext: { ...containerSecurityContext(), readOnlyRootFilesystem: true },
                volumeMounts: [
                  { name: "storage", mountPath: QDRANT_STORAGE_PATH },
                  { name: "snapshots", mountPath: settings.snapshots.path },
                  {
                    name: "config",
                    mountPath: QDRANT_CONFIG_FILE,
                    subPath: "production.yaml",
                    readOnly: true,
                  },
                  {
                    name: "config",
                    mountPath: QDRANT_START_SCRIPT_FILE,
                    subPath: "start.sh",
                    readOnly: true,
                  },
                  { name: "init", mountPath: QDRANT_INIT_DIR },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volumes: [
              { name: "config", configMap: { name: names.configMap } },
              { name: "init", emptyDir: {} },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
        volumeClaimTemplates: [
          volumeClaimTemplate("storage", settings.storage),
          volumeClaimTemplate("snapshots", {
            size: settings.snapshots.size,
            storageClass: settings.snapshots.storageClass,
            retainOnDelete: settings.storage.retainOnDelete,
          }),
        ],
      },
    },
    opts({ dependsOn: [config, headless, ...(secret ? [secret] : [])] }),
  );
  const ready = pulumi.all([statefulSet.id, client.id, plan]).apply(([, , p]) => p);
  return {
    endpoints: ready.apply((p) => p.peers.map((peer) => peer.endpoint)),
    url: ready.apply((p) => p.url),
    host: ready.apply((p) => p.clientHost),
    access: pulumi.all([ready, namespace]).apply(([p, ns]) =>
      kubernetesAccess(
        p.peers.map((peer) => peer.endpoint),
        ns,
        p.peers.map((peer) => peer.name),
        QDRANT_HTTP_PORT,
        target.kubeconfigContext,
      ),
    ),
  };
}
