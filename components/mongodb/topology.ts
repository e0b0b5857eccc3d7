/**
 * Where each member lives and what it tells its peers, and the mongod.conf every member runs with.
 * Pure: no Pulumi, no I/O.
 */
import { MONGO_PORT, type ResolvedMongoSettings } from "./settings";

/** Where the keyFile and the config end up inside a member (see the wiring for how they get there). */
export const MONGO_PATHS = {
  dataDir: "/data/db",
  configFile: "/etc/kato-mongo/mongod.conf",
  /** Docker uploads the keyFile here owned by 999:999 with mode 0400. */
  dockerKeyFile: "/etc/kato-mongo/keyfile",
  /**
   * Kubernetes: the Secret is mounted read-only at `secretDir`; fsGroup makes its files group-readable
   * (0440), which mongod refuses for a keyFile, so the container copies it to `kubernetesKeyFile`
   * (an in-memory emptyDir) with mode 0400 before exec'ing the image's entrypoint.
   */
  secretDir: "/etc/kato-mongo-secret",
  kubernetesKeyFile: "/var/run/kato-mongo/keyfile",
} as const;

/** The official image runs mongod as this user and group. */
export const MONGO_UID = 999;

export type TopologyTarget =
  | { kind: "docker" }
  | { kind: "kubernetes"; namespace: string; clusterDomain: string };

export interface MongoMember {
  ordinal: number;
  /** Container name (Docker) or pod name (Kubernetes). */
  name: string;
  /** `host:port` the member advertises to peers and clients; used in the replica set config. */
  advertised: string;
}

export interface MongoTopology {
  replicaSetName: string;
  members: MongoMember[];
  /** Kubernetes: StatefulSet and Service names. */
  statefulSet: string;
  headlessService: string;
  clientService: string;
}

/** Names of the Kubernetes objects of a component named `name`. */
export function kubernetesNames(name: string): {
  statefulSet: string;
  headlessService: string;
  clientService: string;
} {
  return { statefulSet: name, headlessService: `${name}-headless`, clientService: name };
}

/**
 * Docker: member i is container `<name>-<i>` on the component's user-defined network, where its
 * container name resolves. Kubernetes: member i is pod `<sts>-<i>` with the stable DNS name
 * `<sts>-<i>.<headless>.<ns>.svc.<clusterDomain>` under a headless Service that publishes
 * not-ready addresses (members must find each other before any is ready).
 */
export function mongoTopology(
  name: string,
  settings: ResolvedMongoSettings,
  target: TopologyTarget,
): MongoTopology {
  const k = kubernetesNames(name);
  const members: MongoMember[] = [];
  for (let i = 0; i < settings.members; i++) {
    if (target.kind === "docker") {
      const container = `${name}-${i}`;
      members.push({ ordinal: i, name: container, advertised: `${container}:${MONGO_PORT}` });
    } else {
      const pod = `${k.statefulSet}-${i}`;
      members.push({
        ordinal: i,
        name: pod,
        advertised: `${pod}.${k.headlessService}.${target.namespace}.svc.${target.clusterDomain}:${MONGO_PORT}`,
      });
    }
  }
  return { replicaSetName: settings.replicaSetName, members, ...k };
}

/** Docker host ports: member i publishes on `hostPortBase + i`. */
export function dockerHostPorts(settings: ResolvedMongoSettings): number[] {
  return Array.from({ length: settings.members }, (_, i) => settings.hostPortBase + i);
}

/** A client URI (without credentials when `credentials` is omitted). */
export function mongoUri(
  advertised: readonly string[],
  replicaSetName: string,
  credentials?: { username: string; password: string },
): string {
  const auth = credentials
    ? `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@`
    : "";
  return `mongodb://${auth}${advertised.join(",")}/?replicaSet=${encodeURIComponent(replicaSetName)}&authSource=admin&w=majority`;
}

/**
 * mongod.conf for every member. YAML written by hand (strings JSON-quoted, which YAML accepts) so the
 * plan needs no YAML library at run time.
 */
export function renderMongodConf(settings: ResolvedMongoSettings, keyFile: string): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    "# Rendered by kato-infra (components/mongodb/topology.ts). Do not edit: the next `pulumi up` rewrites it.",
    "net:",
    `  port: ${MONGO_PORT}`,
    "  bindIpAll: true",
    "replication:",
    `  replSetName: ${q(settings.replicaSetName)}`,
    "security:",
    `  keyFile: ${q(keyFile)}`,
    "  authorization: enabled",
    "storage:",
    `  dbPath: ${q(MONGO_PATHS.dataDir)}`,
    "  wiredTiger:",
    "    engineConfig:",
    `      cacheSizeGB: ${settings.wiredTigerCacheSizeGb}`,
    "operationProfiling:",
    `  mode: ${settings.profiling.mode}`,
    `  slowOpThresholdMs: ${settings.profiling.slowOpThresholdMs}`,
    "",
  ].join("\n");
}

/**
 * Health check / readiness: answers as soon as mongod accepts connections, whether or not the set is
 * initiated yet (ping needs no authentication and no replica set config).
 */
export const MONGO_PING_COMMAND = [
  "mongosh",
  "--quiet",
  "--norc",
  "--eval",
  "db.adminCommand({ ping: 1 }).ok",
];
