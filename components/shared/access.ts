/**
 * How schema executors reach the members of an engine from the machine that runs `pulumi up`
 * (a laptop or a CI runner, outside the Docker network or the cluster).
 *
 * - Docker: each member publishes its client port on the Docker host; the executor connects to
 *   `publishAddress:hostPort` and translates the addresses members advertise (container names).
 * - Kubernetes: the executor opens a port-forward to each pod through the Kubernetes API
 *   (`@kubernetes/client-node`), so no Service needs to be exposed outside the cluster.
 *
 * This module is imported by dynamic providers and is serialized with them: no `@pulumi/*` import,
 * client libraries are required inside functions.
 */

export type MemberReach =
  | { kind: "direct"; host: string; port: number }
  | { kind: "port-forward"; namespace: string; pod: string; port: number; context?: string };

export interface MemberAccess {
  /** The address the member advertises to its peers and clients (`host:port`). */
  advertised: string;
  /** How to reach that member from where `pulumi up` runs. */
  reach: MemberReach;
}

export interface EngineAccess {
  members: MemberAccess[];
}

/** A member as the executor can reach it now: `advertised` is what peers use, `host:port` is reachable here. */
export interface ReachableMember {
  advertised: string;
  host: string;
  port: number;
}

/**
 * Opens what is needed to reach every member (nothing for `direct`; a local listener that tunnels
 * each connection through the Kubernetes API for `port-forward`), runs `fn`, and closes everything
 * afterwards, whether `fn` succeeded or not. The port-forward listeners bind 127.0.0.1 only.
 */
export async function withReachableMembers<T>(
  access: EngineAccess,
  fn: (members: ReachableMember[]) => Promise<T>,
): Promise<T> {
  const closers: Array<() => void> = [];
  try {
    const members: ReachableMember[] = [];
    for (const member of access.members) {
      const reach = member.reach;
      if (reach.kind === "direct") {
        members.push({ advertised: member.advertised, host: reach.host, port: reach.port });
      } else {
        const local = await openPortForward(reach);
        closers.push(local.close);
        members.push({ advertised: member.advertised, host: "127.0.0.1", port: local.port });
      }
    }
    return await fn(members);
  } finally {
    for (const close of closers) close();
  }
}

async function openPortForward(
  reach: Extract<MemberReach, { kind: "port-forward" }>,
): Promise<{ port: number; close: () => void }> {
  const net = require("node:net") as typeof import("node:net");
  const k8s = require("@kubernetes/client-node");
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromDefault();
  if (reach.context) kubeConfig.setCurrentContext(reach.context);
  const forward = new k8s.PortForward(kubeConfig);
  const sockets = new Set<import("node:net").Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    forward
      .portForward(reach.namespace, reach.pod, [reach.port], socket, null, socket)
      .catch((error: unknown) => {
        socket.destroy(error instanceof Error ? error : new Error(String(error)));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** Builds the access map of a Docker deployment: member i advertises `advertised[i]` and is published on `hostPorts[i]`. */
export function dockerAccess(
  advertised: string[],
  publishAddress: string,
  hostPorts: number[],
): EngineAccess {
  const host = publishAddress === "0.0.0.0" ? "127.0.0.1" : publishAddress;
  return {
    members: advertised.map((name, i) => ({
      advertised: name,
      reach: { kind: "direct", host, port: hostPorts[i]! },
    })),
  };
}

/** Builds the access map of a Kubernetes deployment: member i is pod `pods[i]`, reached by port-forward. */
export function kubernetesAccess(
  advertised: string[],
  namespace: string,
  pods: string[],
  port: number,
  context?: string,
): EngineAccess {
  return {
    members: advertised.map((name, i) => ({
      advertised: name,
      reach: { kind: "port-forward", namespace, pod: pods[i]!, port, ...(context ? { context } : {}) },
    })),
  };
}

/**
 * A provider's check of its `access` input: the reason it fails, or undefined when it lists
 * members (or is not known yet, at preview: checked at the next run that knows it).
 */
export function accessProblem(access: unknown, pending: boolean): string | undefined {
  if (pending) return undefined;
  const members = (access as Partial<EngineAccess> | undefined)?.members;
  return Array.isArray(members) && members.length > 0
    ? undefined
    : "access must list the replica set's members (MongoReplicaSet.access).";
}
