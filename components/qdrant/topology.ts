import { DEFAULT_CLUSTER_DOMAIN } from "../shared/target";
import {
  QDRANT_GRPC_PORT,
  QDRANT_HTTP_PORT,
  QDRANT_P2P_PORT,
  QDRANT_STORAGE_PATH,
  type ResolvedQdrantSettings,
} from "./settings";

export interface QdrantPeerPlan {
  ordinal: number;
  /** Container name (Docker) or pod name (Kubernetes). */
  name: string;
  /** DNS name peers and clients use for this peer. */
  host: string;
  /** `http://<host>:6335`, the address this peer announces to the others. */
  p2pUri: string;
  /** Arguments after the image's `./entrypoint.sh`. */
  args: string[];
  /** `host:6333`, as clients inside the network see it. */
  endpoint: string;
  /** Docker only: host port of REST (and gRPC when enabled). */
  hostPort?: number;
  grpcHostPort?: number;
}

export interface QdrantClusterPlan {
  peers: QdrantPeerPlan[];
  /** Contents of /qdrant/config/production.yaml (no secret in it: API keys come from the environment). */
  configYaml: string;
  /** Where clients inside the network connect (a peer on Docker, the client Service on Kubernetes). */
  clientHost: string;
  clientPort: number;
  url: string;
  /** Container ports: REST, gRPC when enabled, P2P. */
  containerPorts: { name: string; port: number }[];
}

export interface QdrantKubernetesNames {
  statefulSet: string;
  headlessService: string;
  clientService: string;
  configMap: string;
  secret: string;
  podDisruptionBudget: string;
  networkPolicy: string;
}

export interface QdrantKubernetesPlan extends QdrantClusterPlan {
  names: QdrantKubernetesNames;
  /** Bash script run as the container command: picks the arguments of the pod it runs in. */
  startScript: string;
}

/** Environment variables Qdrant reads the API keys from (QDRANT__SECTION__KEY overrides config.yaml). */
export const QDRANT_API_KEY_ENV = "QDRANT__SERVICE__API_KEY";
export const QDRANT_READ_ONLY_API_KEY_ENV = "QDRANT__SERVICE__READ_ONLY_API_KEY";

/** Where the rendered config and the start script are mounted (the image runs with RUN_MODE=production). */
export const QDRANT_CONFIG_FILE = "/qdrant/config/production.yaml";
export const QDRANT_START_SCRIPT_FILE = "/qdrant/config/start.sh";
/** The image's entrypoint writes an "initialized" marker; with a read-only root it goes to a scratch volume. */
export const QDRANT_INIT_DIR = "/qdrant/init";

/**
 * Docker health check: the image ships bash but neither curl nor wget (maintainers keep it minimal,
 * qdrant/qdrant#3491, #4250), so the probe speaks HTTP over bash's /dev/tcp using builtins only and
 * passes when /readyz answers 200. /readyz needs no API key.
 */
export const QDRANT_DOCKER_READYZ_SCRIPT = [
  `exec 3<>/dev/tcp/127.0.0.1/${QDRANT_HTTP_PORT}`,
  `printf 'GET /readyz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3`,
  `read -r -t 5 status <&3`,
  `[[ "$status" == *" 200 "* ]]`,
].join(" && ");

function p2pUri(host: string): string {
  return `http://${host}:${QDRANT_P2P_PORT}`;
}

function startArgs(ordinal: number, own: string, first: string): string[] {
  return ordinal === 0 ? ["--uri", own] : ["--bootstrap", first, "--uri", own];
}

/** Renders Qdrant's config.yaml. Every value here is validated (enums, numbers, absolute paths). */
export function renderQdrantConfig(settings: ResolvedQdrantSettings): string {
  return [
    `log_level: ${settings.logLevel}`,
    "storage:",
    `  storage_path: ${QDRANT_STORAGE_PATH}`,
    `  snapshots_path: ${settings.snapshots.path}`,
    "service:",
    "  host: 0.0.0.0",
    `  http_port: ${QDRANT_HTTP_PORT}`,
    `  grpc_port: ${settings.grpc ? QDRANT_GRPC_PORT : "null"}`,
    "  enable_cors: false",
    "cluster:",
    "  enabled: true",
    "  p2p:",
    `    port: ${QDRANT_P2P_PORT}`,
    "  consensus:",
    `    tick_period_ms: ${settings.consensusTickPeriodMs}`,
    `telemetry_disabled: ${settings.telemetryDisabled}`,
    "",
  ].join("\n");
}

function containerPorts(settings: ResolvedQdrantSettings): { name: string; port: number }[] {
  return [
    { name: "http", port: QDRANT_HTTP_PORT },
    ...(settings.grpc ? [{ name: "grpc", port: QDRANT_GRPC_PORT }] : []),
    { name: "p2p", port: QDRANT_P2P_PORT },
  ];
}

/** Docker: peer i is container `<name>-<i>` on the private network, REST published at hostPortBase + i. */
export function planQdrantDocker(name: string, settings: ResolvedQdrantSettings): QdrantClusterPlan {
  const hosts = Array.from({ length: settings.peers }, (_, i) => `${name}-${i}`);
  const first = p2pUri(hosts[0]!);
  const peers = hosts.map((host, ordinal) => ({
    ordinal,
    name: host,
    host,
    p2pUri: p2pUri(host),
    args: startArgs(ordinal, p2pUri(host), first),
    endpoint: `${host}:${QDRANT_HTTP_PORT}`,
    hostPort: settings.hostPortBase + ordinal,
    ...(settings.grpc ? { grpcHostPort: settings.grpcHostPortBase + ordinal } : {}),
  }));
  return {
    peers,
    configYaml: renderQdrantConfig(settings),
    clientHost: hosts[0]!,
    clientPort: QDRANT_HTTP_PORT,
    url: `http://${hosts[0]}:${QDRANT_HTTP_PORT}`,
    containerPorts: containerPorts(settings),
  };
}

export function qdrantKubernetesNames(name: string): QdrantKubernetesNames {
  return {
    statefulSet: name,
    headlessService: `${name}-headless`,
    clientService: name,
    configMap: `${name}-config`,
    secret: `${name}-api-keys`,
    podDisruptionBudget: name,
    networkPolicy: name,
  };
}

/**
 * Kubernetes: a StatefulSet whose pod i is `<name>-<i>`, reachable at
 * `<name>-<i>.<name>-headless.<namespace>.svc.<clusterDomain>`. The start script maps the pod's
 * hostname to its arguments, so every pod's `--uri` and `--bootstrap` are fixed at plan time.
 */
export function planQdrantKubernetes(
  name: string,
  settings: ResolvedQdrantSettings,
  where: { namespace: string; clusterDomain?: string },
): QdrantKubernetesPlan {
  const names = qdrantKubernetesNames(name);
  const domain = where.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const pods = Array.from({ length: settings.peers }, (_, i) => `${names.statefulSet}-${i}`);
  const hosts = pods.map((pod) => `${pod}.${names.headlessService}.${where.namespace}.svc.${domain}`);
  const first = p2pUri(hosts[0]!);
  const peers = pods.map((pod, ordinal) => ({
    ordinal,
    name: pod,
    host: hosts[ordinal]!,
    p2pUri: p2pUri(hosts[ordinal]!),
    args: startArgs(ordinal, p2pUri(hosts[ordinal]!), first),
    endpoint: `${hosts[ordinal]}:${QDRANT_HTTP_PORT}`,
  }));
  const clientHost = `${names.clientService}.${where.namespace}.svc.${domain}`;
  return {
    peers,
    names,
    configYaml: renderQdrantConfig(settings),
    startScript: renderStartScript(peers),
    clientHost,
    clientPort: QDRANT_HTTP_PORT,
    url: `http://${clientHost}:${QDRANT_HTTP_PORT}`,
    containerPorts: containerPorts(settings),
  };
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function renderStartScript(peers: QdrantPeerPlan[]): string {
  const cases = peers.map(
    (peer) => `  ${peer.name}) exec ./entrypoint.sh ${peer.args.map(shellQuote).join(" ")} ;;`,
  );
  return [
    "#!/bin/bash",
    "# Each pod starts with fixed arguments: pod 0 founds the cluster (--uri), the others join it",
    "# through pod 0 (--bootstrap). A pod that already has Raft state ignores --bootstrap.",
    "set -euo pipefail",
    "cd /qdrant",
    'case "$HOSTNAME" in',
    ...cases,
    '  *) echo "unexpected pod name $HOSTNAME" >&2; exit 1 ;;',
    "esac",
    "",
  ].join("\n");
}
