/**
 * The MongoReplicaSet's servers on each target: `wireDocker` and `wireKubernetes`, with the same
 * parameters in every engine (name, parent, target, resolved settings, secrets).
 */
import { createHash } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dockerAccess, kubernetesAccess } from "../shared/access";
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
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_PUBLISH_ADDRESS } from "../shared/target";
import { MONGO_PORT, type ResolvedMongoSettings } from "./settings";
import {
  dockerHostPorts,
  MONGO_PATHS,
  MONGO_PING_COMMAND,
  MONGO_UID,
  mongoTopology,
  renderMongodConf,
} from "./topology";

/** The file of the root password in the servers' secret directory. */
const ROOT_PASSWORD_FILE = "root-password";

/** The generated secrets the servers are started with. */
export interface MongoSecrets {
  rootPassword: pulumi.Output<string>;
  keyFile: pulumi.Output<string>;
}

export function wireDocker(
  name: string,
  parent: pulumi.Resource,
  target: DockerTarget,
  s: ResolvedMongoSettings,
  { rootPassword, keyFile }: MongoSecrets,
) {
  const topology = mongoTopology(name, s, { kind: "docker" });
  const network = dockerNetworkName(name, parent, target);
  const image = pinnedImage(`${name}-image`, s.image, parent, target);
  const conf = renderMongodConf(s, MONGO_PATHS.dockerKeyFile);
  const hostPorts = dockerHostPorts(s);
  const labels = {
    "app.kubernetes.io/name": "mongodb",
    "app.kubernetes.io/instance": name,
    "kato.dev/part-of": "kato",
  };
  const secretDir = MONGO_PATHS.dockerKeyFile.slice(0, MONGO_PATHS.dockerKeyFile.lastIndexOf("/"));
  const owned = { owner: String(MONGO_UID), group: String(MONGO_UID) };
  const memoryMb = Math.floor(parseK8sBytes(s.resources.memory)! / 2 ** 20);
  const servers = topology.members.map((member, i) => {
    const volume = dockerVolume(`${name}-data-${i}`, labels, s.storage.retainOnDelete, parent, target);
    return new docker.Container(
      member.name,
      {
        name: member.name,
        hostname: member.name,
        image: image.imageId,
        // The image's entrypoint creates the root user from these on an empty data directory only.
        command: ["mongod", "--config", MONGO_PATHS.configFile],
        envs: [
          `MONGO_INITDB_ROOT_USERNAME=${s.rootUsername}`,
          `MONGO_INITDB_ROOT_PASSWORD_FILE=${secretDir}/${ROOT_PASSWORD_FILE}`,
          // mongosh (health checks) writes its logs under $HOME: keep them off the data volume.
          "HOME=/tmp",
        ],
        uploads: [
          { file: MONGO_PATHS.configFile, content: conf, ...owned, permissions: "0444" },
          // mongod refuses a keyFile readable by group or others; the image runs mongod as 999.
          { file: MONGO_PATHS.dockerKeyFile, content: keyFile, ...owned, permissions: "0400" },
          {
            file: `${secretDir}/${ROOT_PASSWORD_FILE}`,
            content: rootPassword,
            ...owned,
            permissions: "0400",
          },
        ],
        networksAdvanced: [{ name: network, aliases: [member.name] }],
        ports: [publishedPort(target, MONGO_PORT, hostPorts[i]!)],
        volumes: [{ volumeName: volume.name, containerPath: MONGO_PATHS.dataDir }],
        healthcheck: healthCheck(MONGO_PING_COMMAND, 60),
        memory: memoryMb,
        // Docker has no CPU request; a limit applies only when the stack sets one.
        ...(s.resources.cpuLimit ? { cpus: String(parseCpuMillis(s.resources.cpuLimit)! / 1000) } : {}),
        restart: "unless-stopped",
        wait: true,
        waitTimeout: s.bootstrapTimeoutSeconds,
        labels: containerLabels({ ...labels, "kato.dev/member": String(i) }),
      },
      dockerChildOptions(parent, target),
    );
  });
  const advertised = topology.members.map((m) => m.advertised);
  return {
    servers,
    endpoints: pulumi.output(advertised),
    access: pulumi.output(
      dockerAccess(advertised, target.publishAddress ?? DEFAULT_PUBLISH_ADDRESS, hostPorts),
    ),
    revision: pulumi.output(image.imageId).apply((id) => revision(conf, id ?? s.image)),
  };
}

export function wireKubernetes(
  name: string,
  parent: pulumi.Resource,
  target: KubernetesTarget,
  s: ResolvedMongoSettings,
  { rootPassword, keyFile }: MongoSecrets,
) {
  const clusterDomain = target.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const namespace = pulumi.output(target.namespace);
  const topology = namespace.apply((ns) =>
    mongoTopology(name, s, { kind: "kubernetes", namespace: ns, clusterDomain }),
  );
  const names = mongoTopology(name, s, { kind: "kubernetes", namespace: "_", clusterDomain });
  const labels = engineLabels("mongodb", name, s.version);
  const selector = selectorLabels("mongodb", name);
  const conf = renderMongodConf(s, MONGO_PATHS.kubernetesKeyFile);
  const opts = k8sChildOptions(parent, target);

  const secret = new k8s.core.v1.Secret(
    `${name}-auth`,
    {
      metadata: { name: `${name}-auth`, namespace: target.namespace, labels },
      type: "Opaque",
      stringData: { keyfile: keyFile, [ROOT_PASSWORD_FILE]: rootPassword },
    },
    opts,
  );
  const config = new k8s.core.v1.ConfigMap(
    `${name}-config`,
    {
      metadata: { name: `${name}-config`, namespace: target.namespace, labels },
      data: { "mongod.conf": conf },
    },
    opts,
  );
  const ports = [{ name: "mongodb", port: MONGO_PORT }];
  const headless = headlessService(
    names.headlessService,
    { namespace: target.namespace, labels, selector, ports },
    opts,
  );
  clientService(names.clientService, { namespace: target.namespace, labels, selector, ports }, opts);
  // One member down at a time keeps a majority for any odd member count from 3 up.
  podDisruptionBudget(name, { namespace: target.namespace, labels, selector, maxUnavailable: 1 }, opts);
  engineNetworkPolicy(
    name,
    {
      namespace: target.namespace,
      labels,
      selector,
      clientPorts: [MONGO_PORT],
      peerPorts: [MONGO_PORT],
      clients: target,
    },
    opts,
  );

  const keyDir = MONGO_PATHS.kubernetesKeyFile.slice(0, MONGO_PATHS.kubernetesKeyFile.lastIndexOf("/"));
  const configDir = MONGO_PATHS.configFile.slice(0, MONGO_PATHS.configFile.lastIndexOf("/"));
  // fsGroup makes Secret files group-readable (0440) and mongod refuses such a keyFile: copy it to
  // an in-memory emptyDir with mode 0400 (owned by uid 999, the user the pod runs as), then start
  // the image's own entrypoint.
  const start = [
    "set -e",
    `install -m 0400 ${MONGO_PATHS.secretDir}/keyfile ${MONGO_PATHS.kubernetesKeyFile}`,
    `exec docker-entrypoint.sh mongod --config ${MONGO_PATHS.configFile}`,
  ].join("\n");
  const statefulSet = new k8s.apps.v1.StatefulSet(
    names.statefulSet,
    {
      metadata: { name: names.statefulSet, namespace: target.namespace, labels },
      spec: {
        serviceName: headless.metadata.name,
        replicas: s.members,
        // Members must all start for the set to form; none waits for another to be ready.
        podManagementPolicy: "Parallel",
        selector: { matchLabels: selector },
        persistentVolumeClaimRetentionPolicy: pvcRetentionPolicy(s.storage.retainOnDelete),
        volumeClaimTemplates: [volumeClaimTemplate("data", s.storage)],
        template: {
          metadata: {
            labels,
            annotations: { "kato.dev/mongod-conf-sha256": createHash("sha256").update(conf).digest("hex") },
          },
          spec: {
            securityContext: podSecurityContext(MONGO_UID),
            affinity: podAntiAffinity(target.antiAffinity ?? "soft", selector),
            terminationGracePeriodSeconds: 60,
            containers: [
              {
                name: "mongod",
                image: s.image,
                command: ["bash", "-c", start],
                env: [
                  { name: "MONGO_INITDB_ROOT_USERNAME", value: s.rootUsername },
                  {
                    name: "MONGO_INITDB_ROOT_PASSWORD_FILE",
                    value: `${MONGO_PATHS.secretDir}/${ROOT_PASSWORD_FILE}`,
                  },
                  { name: "HOME", value: "/tmp" },
                ],
                ports: [{ name: "mongodb", containerPort: MONGO_PORT }],
                resources: containerResources(s.resources),
                securityContext: { ...containerSecurityContext(), readOnlyRootFilesystem: true },
                volumeMounts: [
                  { name: "data", mountPath: MONGO_PATHS.dataDir },
                  { name: "config", mountPath: configDir, readOnly: true },
                  { name: "secret", mountPath: MONGO_PATHS.secretDir, readOnly: true },
                  { name: "keyfile", mountPath: keyDir },
                  { name: "tmp", mountPath: "/tmp" },
                ],
                startupProbe: { tcpSocket: { port: MONGO_PORT }, periodSeconds: 10, failureThreshold: 30 },
                // ping answers before the set is initiated: the bootstrap needs every pod ready first.
                readinessProbe: {
                  exec: { command: MONGO_PING_COMMAND },
                  periodSeconds: 10,
                  timeoutSeconds: 10,
                  failureThreshold: 3,
                },
                livenessProbe: { tcpSocket: { port: MONGO_PORT }, periodSeconds: 20, failureThreshold: 6 },
              },
            ],
            volumes: [
              { name: "config", configMap: { name: config.metadata.name } },
              { name: "secret", secret: { secretName: secret.metadata.name, defaultMode: 0o440 } },
              { name: "keyfile", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
              { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
            ],
          },
        },
      },
    },
    opts,
  );

  const context = target.kubeconfigContext;
  const access = pulumi.all([topology, namespace]).apply(([t, ns]) =>
    kubernetesAccess(
      t.members.map((m) => m.advertised),
      ns,
      t.members.map((m) => m.name),
      MONGO_PORT,
      context,
    ),
  );
  return {
    servers: [statefulSet],
    endpoints: topology.apply((t) => t.members.map((m) => m.advertised)),
    access,
    revision: pulumi.output(revision(conf, s.image)),
  };
}

function revision(conf: string, image: string): string {
  return createHash("sha256").update(image).update("\n").update(conf).digest("hex").slice(0, 16);
}
