/**
 * Who is master of which slots and who replicates whom, decided before any server exists.
 * Pure: no Pulumi, no I/O.
 */

import { CLIENT_PORT } from "./redisConf";

/** uid/gid of the `redis` user in the official images (Debian and Alpine). */
export const REDIS_UID = 999;

export const SLOT_COUNT = 16384;

/** An inclusive range of hash slots, `[first, last]`. */
export type SlotRange = [first: number, last: number];

export interface ShardPlan {
  index: number;
  /** Name of the node planned as this shard's master. */
  master: string;
  /** Names of the nodes planned as its replicas. */
  replicas: string[];
  /** The slots this shard serves. */
  slots: SlotRange[];
}

export interface MemberPlan {
  ordinal: number;
  name: string;
  role: "master" | "replica";
  shard: number;
  domain: string;
}

export interface RedisTopology {
  members: MemberPlan[];
  shards: ShardPlan[];
  /** Replicas that had to share their master's failure domain (a host or node) because no other domain was free. */
  colocated: string[];
}

/** Splits the 16384 slots into `masters` contiguous ranges whose sizes differ by at most one. */
export function evenSlotRanges(masters: number): SlotRange[] {
  if (!Number.isInteger(masters) || masters < 1 || masters > SLOT_COUNT) {
    throw new Error(`cannot split ${SLOT_COUNT} slots over ${masters} masters`);
  }
  const base = Math.floor(SLOT_COUNT / masters);
  const extra = SLOT_COUNT % masters;
  const out: SlotRange[] = [];
  let next = 0;
  for (let i = 0; i < masters; i++) {
    const size = base + (i < extra ? 1 : 0);
    out.push([next, next + size - 1]);
    next += size;
  }
  return out;
}

/**
 * Plans roles for `names` (ordinal order). `domains[i]` is the failure domain of node i (its Docker
 * host, its Kubernetes node) when known; unknown domains count as distinct. Masters are spread over
 * domains first; then replicas are matched to shards so that, whenever any assignment allows it, no
 * replica sits in its master's domain (maximum bipartite matching). Without domains, node i < masters
 * is master of shard i and node `masters + j*masters + s` is replica j of shard s.
 */
export function planTopology(
  masters: number,
  replicasPerMaster: number,
  names: readonly string[],
  domains?: readonly string[],
): RedisTopology {
  const nodes = masters * (1 + replicasPerMaster);
  if (names.length !== nodes) {
    throw new Error(
      `planTopology: ${names.length} names for ${masters} masters x (1 + ${replicasPerMaster}) nodes`,
    );
  }
  if (new Set(names).size !== names.length) throw new Error("planTopology: node names must be unique");
  if (domains && domains.length !== nodes) throw new Error("planTopology: one domain per node");
  const domainOf = (i: number): string => domains?.[i] ?? `node:${names[i]}`;

  // Masters: round-robin over domains (in order of first appearance), lowest ordinal first in each.
  const byDomain = new Map<string, number[]>();
  names.forEach((_, i) => {
    const d = domainOf(i);
    byDomain.set(d, [...(byDomain.get(d) ?? []), i]);
  });
  const queues = [...byDomain.values()].map((q) => [...q]);
  const masterOrdinals: number[] = [];
  while (masterOrdinals.length < masters) {
    for (const q of queues) {
      if (masterOrdinals.length < masters && q.length > 0) masterOrdinals.push(q.shift()!);
    }
  }
  masterOrdinals.sort((a, b) => a - b);
  const isMaster = new Set(masterOrdinals);
  const candidates = names.map((_, i) => i).filter((i) => !isMaster.has(i));

  // Replica seats: seat (round j, shard s), in that order; matched to candidates in a different domain.
  const seats: number[] = [];
  for (let j = 0; j < replicasPerMaster; j++) for (let s = 0; s < masters; s++) seats.push(s);
  const seatOf = new Map<number, number>(); // candidate ordinal -> seat index
  const allowed = (seat: number, candidate: number) =>
    domainOf(candidate) !== domainOf(masterOrdinals[seats[seat]!]!);
  const tryAssign = (seat: number, visited: Set<number>): boolean => {
    // A free candidate first (keeps the plain ordinal layout when nothing conflicts), then augment.
    const direct = candidates.find((c) => allowed(seat, c) && !seatOf.has(c));
    if (direct !== undefined) {
      seatOf.set(direct, seat);
      return true;
    }
    for (const c of candidates) {
      if (!allowed(seat, c) || visited.has(c)) continue;
      visited.add(c);
      const holder = seatOf.get(c);
      if (holder === undefined || tryAssign(holder, visited)) {
        seatOf.set(c, seat);
        return true;
      }
    }
    return false;
  };
  const unmatched: number[] = [];
  seats.forEach((_, seat) => {
    if (!tryAssign(seat, new Set())) unmatched.push(seat);
  });
  // Seats nobody outside the master's domain could take get the leftovers.
  const free = candidates.filter((c) => !seatOf.has(c));
  const colocatedOrdinals: number[] = [];
  for (const seat of unmatched) {
    const c = free.shift()!;
    seatOf.set(c, seat);
    colocatedOrdinals.push(c);
  }

  const ranges = evenSlotRanges(masters);
  const shardOfCandidate = (c: number) => seats[seatOf.get(c)!]!;
  const shards: ShardPlan[] = masterOrdinals.map((m, s) => ({
    index: s,
    master: names[m]!,
    replicas: candidates
      .filter((c) => shardOfCandidate(c) === s)
      .sort((a, b) => seatOf.get(a)! - seatOf.get(b)!)
      .map((c) => names[c]!),
    slots: [ranges[s]!],
  }));
  const members: MemberPlan[] = names.map((name, i) => ({
    ordinal: i,
    name,
    role: isMaster.has(i) ? "master" : "replica",
    shard: isMaster.has(i) ? masterOrdinals.indexOf(i) : shardOfCandidate(i),
    domain: domainOf(i),
  }));
  return { members, shards, colocated: colocatedOrdinals.sort((a, b) => a - b).map((c) => names[c]!) };
}

/** Renders ranges as Redis prints them: `0-5460 5462`. */
export function formatSlotRanges(ranges: readonly SlotRange[]): string {
  return ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(" ");
}

/** Merges a sorted or unsorted list of slots into contiguous ranges. */
export function slotsToRanges(slots: Iterable<number>): SlotRange[] {
  const sorted = [...new Set(slots)].sort((a, b) => a - b);
  const out: SlotRange[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === s - 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}

/** Every slot of the ranges, in order. */
export function rangesToSlots(ranges: readonly SlotRange[]): number[] {
  const out: number[] = [];
  for (const [a, b] of ranges) for (let s = a; s <= b; s++) out.push(s);
  return out;
}

// ---------------------------------------------------------------- names and endpoints (pure)

/** The data volumeClaimTemplate of the nodes' StatefulSet: node i's PVC is `<claim>-<component>-<i>`. */
export const REDIS_DATA_CLAIM = "data";

/** Node i's container (Docker) or pod (Kubernetes, StatefulSet `<component>`) name. */
export function redisNodeName(component: string, ordinal: number): string {
  return `${component}-${ordinal}`;
}

/** The nodes' headless Service (Kubernetes), in both modes. */
export function redisHeadlessServiceName(component: string): string {
  return `${component}-headless`;
}

/** Sentinel j's container or pod name (replication mode). */
export function redisSentinelName(component: string, ordinal: number): string {
  return `${component}-sentinel-${ordinal}`;
}

/** The Sentinels' headless Service (Kubernetes, replication mode). */
export function redisSentinelHeadlessName(component: string): string {
  return `${component}-sentinel-headless`;
}

export type RedisPlacement =
  | { kind: "docker" }
  | { kind: "kubernetes"; namespace: string; clusterDomain: string };

/**
 * Every node's advertised `host:port` (the names the nodes announce and clients use) and, on
 * Kubernetes, its data PVC: what the component wires, and what operations (backups, exporters)
 * reach. One function for all of them, so they cannot disagree.
 */
export function redisEndpoints(
  component: string,
  settings: { nodes: number },
  where: RedisPlacement,
): { nodes: string[]; dataClaims: string[] } {
  const ordinals = Array.from({ length: settings.nodes }, (_, i) => i);
  const host = (i: number) =>
    where.kind === "docker"
      ? redisNodeName(component, i)
      : `${redisNodeName(component, i)}.${redisHeadlessServiceName(component)}.${where.namespace}.svc.${where.clusterDomain}`;
  return {
    nodes: ordinals.map((i) => `${host(i)}:${CLIENT_PORT}`),
    dataClaims: ordinals.map((i) => `${REDIS_DATA_CLAIM}-${component}-${i}`),
  };
}
