/**
 * Cluster formation as a pure function: what every node says about the cluster in, the steps that
 * are still missing out (and what there is to wait for, and what no step can fix). The executor
 * (formationExecutor.ts) reads the nodes, calls `planFormation`, applies the steps, and repeats until
 * the plan is empty and nothing is left to wait for. Planning only what is missing makes formation
 * idempotent: a formed cluster plans nothing, and a run that failed halfway resumes where it stopped.
 *
 * Roles follow the live cluster, not the original plan: after a failover the promoted replica stays
 * master (Redis did that on purpose) and the returning node is accepted as its replica.
 *
 * Pure: no Pulumi, no I/O.
 */
import type { ClusterNodeEntry } from "./clusterState";
import { formatSlotRanges, SLOT_COUNT, type SlotRange, slotsToRanges } from "./topology";

export interface FormationSpec {
  /** Every node by its advertised name (`host:port`), in ordinal order. */
  members: string[];
  /** Planned shards: planned master, planned replicas, slots. */
  shards: { master: string; replicas: string[]; slots: SlotRange[] }[];
  /** CONFIG GET values every node must report (drift is repaired with CONFIG SET). */
  expectedConfig: Record<string, string>;
}

export interface UnreachableObservation {
  name: string;
  reachable: false;
  error: string;
  /** The node answered, with an error waiting will not fix (wrong password, cluster mode off). */
  refused?: boolean;
}

export interface ReachableObservation {
  name: string;
  reachable: true;
  /** The node's own CLUSTER NODES entry, with `ip` set to where its peers reach it ("" when unknown). */
  self: ClusterNodeEntry;
  /** Every node this node knows, itself included. */
  view: ClusterNodeEntry[];
  clusterInfo: Record<string, string>;
  replication: Record<string, string>;
  config: Record<string, string>;
}

export type MemberObservation = ReachableObservation | UnreachableObservation;

export type FormationStep =
  | { kind: "set-config-epoch"; member: string; epoch: number }
  | { kind: "add-slots"; member: string; ranges: SlotRange[] }
  | { kind: "meet"; member: string; target: string; ip: string; port: number; cport: number; reason: string }
  | { kind: "replicate"; member: string; master: string; masterId: string }
  | { kind: "forget"; member: string; nodeId: string; reason: string }
  | { kind: "config-set"; member: string; parameter: string; value: string; was: string };

/** Order in which the executor applies steps of one plan (each group in parallel). */
export const STEP_ORDER: readonly FormationStep["kind"][] = [
  "set-config-epoch",
  "add-slots",
  "meet",
  "replicate",
  "forget",
  "config-set",
];

export interface FormationPlan {
  steps: FormationStep[];
  /** Conditions no step can fix; the executor stops and reports them. */
  blockers: string[];
  /** Conditions that resolve by themselves (gossip, failure detection, replica sync); the executor polls. */
  waiting: string[];
  /** Settings that differ from the expected ones (each also has a config-set step). */
  drift: string[];
}

export function describeStep(step: FormationStep): string {
  switch (step.kind) {
    case "set-config-epoch":
      return `CLUSTER SET-CONFIG-EPOCH ${step.epoch} on ${step.member}`;
    case "add-slots":
      return `CLUSTER ADDSLOTSRANGE ${formatSlotRanges(step.ranges)} on ${step.member}`;
    case "meet":
      return `CLUSTER MEET ${step.ip} ${step.port} ${step.cport} on ${step.member} (${step.target}: ${step.reason})`;
    case "replicate":
      return `CLUSTER REPLICATE ${step.masterId} on ${step.member} (replica of ${step.master})`;
    case "forget":
      return `CLUSTER FORGET ${step.nodeId} on ${step.member} (${step.reason})`;
    case "config-set":
      return `CONFIG SET ${step.parameter} "${step.value}" on ${step.member} (was "${step.was}")`;
  }
}

const addr = (e: Pick<ClusterNodeEntry, "ip" | "port" | "cport">) => `${e.ip}:${e.port}@${e.cport}`;
const isHandshake = (e: ClusterNodeEntry) => e.flags.includes("handshake");
const isFailing = (e: ClusterNodeEntry) => e.flags.includes("fail") || e.flags.includes("fail?");
const isReplicaEntry = (e: ClusterNodeEntry) => e.flags.includes("slave") || e.masterId !== undefined;

/** Sorted, merged copy of slot ranges. */
export function normalizeRanges(ranges: readonly SlotRange[]): SlotRange[] {
  const sorted = ranges.map(([a, b]) => [a, b] as SlotRange).sort((x, y) => x[0] - y[0]);
  const out: SlotRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

/** A slot map as a comparable string: `id:ranges` of each node serving slots, sorted. */
function slotMapSignature(entries: readonly { id: string; slots: SlotRange[] }[]): string {
  const byId = new Map<string, SlotRange[]>();
  for (const e of entries) {
    if (e.slots.length > 0) byId.set(e.id, [...(byId.get(e.id) ?? []), ...e.slots]);
  }
  return [...byId.entries()]
    .map(([id, ranges]) => `${id}:${formatSlotRanges(normalizeRanges(ranges))}`)
    .sort()
    .join("|");
}

/** No node knows another and none serves a slot: nothing has been formed yet. */
export function isFreshCluster(observed: readonly MemberObservation[]): boolean {
  return observed.every((o) => o.reachable && o.view.length === 1 && o.self.slots.length === 0);
}

export function planFormation(spec: FormationSpec, observed: readonly MemberObservation[]): FormationPlan {
  const plan: FormationPlan = { steps: [], blockers: [], waiting: [], drift: [] };
  const byName = new Map(observed.map((o) => [o.name, o]));

  // Every node must answer: formation decisions made on part of the cluster can split it.
  for (const name of spec.members) {
    const o = byName.get(name);
    if (!o) plan.blockers.push(`${name} was not observed.`);
    else if (!o.reachable && o.refused)
      plan.blockers.push(`${name} refused the formation's reads: ${o.error}`);
    else if (!o.reachable) plan.blockers.push(`${name} is not reachable: ${o.error}`);
  }
  if (plan.blockers.length > 0) return plan;
  const nodes = spec.members.map((n) => byName.get(n) as ReachableObservation);

  const nameOfId = new Map<string, string>();
  for (const o of nodes) {
    const other = nameOfId.get(o.self.id);
    if (other) {
      plan.blockers.push(
        `${o.name} and ${other} have the same node id ${o.self.id} (a copied nodes.conf); give one of them an empty volume.`,
      );
    }
    nameOfId.set(o.self.id, o.name);
    if (o.self.ip === "") {
      plan.blockers.push(
        `cannot tell which IP the peers of ${o.name} should use (it announces none and was reached through a tunnel); set cluster-announce-ip for it.`,
      );
    }
  }
  if (plan.blockers.length > 0) return plan;
  const byId = new Map(nodes.map((o) => [o.self.id, o]));
  const memberIds = new Set(byId.keys());

  // Nodes the cluster knows that are not ours: the same address as one of ours (its volume was
  // replaced, so it came back with a new id), failed, or someone else's.
  const ghosts = new Map<string, { entry: ClusterNodeEntry; knownBy: ReachableObservation[] }>();
  for (const o of nodes) {
    for (const e of o.view) {
      if (memberIds.has(e.id)) continue;
      if (isHandshake(e)) {
        plan.waiting.push(`${o.name} is still shaking hands with ${addr(e)}.`);
        continue;
      }
      const g = ghosts.get(e.id) ?? { entry: e, knownBy: [] };
      g.knownBy.push(o);
      if (e.slots.length > 0 && g.entry.slots.length === 0) g.entry = e;
      ghosts.set(e.id, g);
    }
  }
  const ghostSlots = new Set<number>();
  for (const [id, g] of ghosts) {
    const replacedMember = nodes.find((o) => addr(o.self) === addr(g.entry));
    if (g.entry.slots.length > 0) {
      for (const [a, b] of g.entry.slots) for (let s = a; s <= b; s++) ghostSlots.add(s);
      plan.blockers.push(
        `the cluster still assigns slots ${formatSlotRanges(g.entry.slots)} to node ${id} at ${addr(g.entry)}, which is none of this cluster's nodes${replacedMember ? ` (${replacedMember.name} came back with a new id: its data volume was lost)` : ""}. Those keys are gone; move the slots to a live master (redis-cli --cluster fix) and run again.`,
      );
    } else if (replacedMember || isFailing(g.entry) || g.entry.flags.includes("noaddr")) {
      for (const o of g.knownBy) {
        plan.steps.push({
          kind: "forget",
          member: o.name,
          nodeId: id,
          reason: replacedMember
            ? `old identity of ${replacedMember.name}`
            : "failed node that is none of ours",
        });
      }
    } else {
      plan.blockers.push(
        `the cluster has a node kato-infra does not manage: ${id} at ${addr(g.entry)}. Remove it (CLUSTER FORGET ${id} on every node) or add it to the stack's settings.`,
      );
    }
  }

  // Slots: who serves what, by each node's own claim.
  const claim = new Int32Array(SLOT_COUNT).fill(-1);
  nodes.forEach((o, i) => {
    for (const [a, b] of o.self.slots) {
      for (let s = a; s <= b; s++) {
        if (claim[s] !== -1 && claim[s] !== i) {
          plan.waiting.push(
            `slot ${s} is claimed by both ${nodes[claim[s]!]!.name} and ${o.name}; the higher config epoch wins.`,
          );
        }
        claim[s] = i;
      }
    }
  });
  const pendingOwners = new Set<number>();
  const ownerOfShard: number[] = [];
  spec.shards.forEach((shard, k) => {
    const counts = new Map<number, number>();
    const missing: number[] = [];
    for (const [a, b] of shard.slots) {
      for (let s = a; s <= b; s++) {
        const c = claim[s]!;
        if (c >= 0) counts.set(c, (counts.get(c) ?? 0) + 1);
        else if (!ghostSlots.has(s)) missing.push(s);
      }
    }
    let owner = -1;
    for (const [i, n] of counts) if (owner < 0 || n > counts.get(owner)!) owner = i;
    if (owner < 0) owner = spec.members.indexOf(shard.master);
    ownerOfShard[k] = owner;
    if (missing.length === 0) return;
    const target = nodes[owner]!;
    if (target.self.masterId !== undefined && !counts.has(owner)) {
      plan.blockers.push(
        `slots ${formatSlotRanges(slotsToRanges(missing))} of shard ${k} are served by nobody, and its planned master ${target.name} is a replica; assign them to a master (redis-cli --cluster fix).`,
      );
      return;
    }
    pendingOwners.add(owner);
    plan.steps.push({ kind: "add-slots", member: target.name, ranges: slotsToRanges(missing) });
  });
  nodes.forEach((o, i) => {
    if (o.self.slots.length > 0) pendingOwners.add(i);
  });
  if (pendingOwners.size > spec.shards.length) {
    plan.blockers.push(
      `${pendingOwners.size} nodes serve slots but the settings ask for ${spec.shards.length} masters; kato-infra forms clusters but does not reshard them (use redis-cli --cluster reshard / rebalance).`,
    );
  }

  // Fresh cluster: distinct config epochs up front, so no epoch collision has to be resolved later.
  if (isFreshCluster(nodes)) {
    nodes.forEach((o, i) => {
      if (o.self.configEpoch === 0)
        plan.steps.push({ kind: "set-config-epoch", member: o.name, epoch: i + 1 });
    });
  }

  // Membership: the anchor (the node that knows most of the others) meets whoever it does not know
  // at their current address; gossip spreads the rest. A node whose address changed is met again.
  const knows = (o: ReachableObservation, target: ReachableObservation) =>
    o.view.some((e) => e.id === target.self.id && addr(e) === addr(target.self));
  let anchor = nodes[0]!;
  let best = -1;
  for (const o of nodes) {
    const n = nodes.filter((t) => t !== o && knows(o, t)).length;
    if (n > best) {
      best = n;
      anchor = o;
    }
  }
  const meets = new Set<string>();
  const meet = (from: ReachableObservation, to: ReachableObservation, reason: string) => {
    const key = `${from.name}->${to.name}`;
    if (meets.has(key)) return;
    meets.add(key);
    plan.steps.push({
      kind: "meet",
      member: from.name,
      target: to.name,
      ip: to.self.ip,
      port: to.self.port,
      cport: to.self.cport,
      reason,
    });
  };
  for (const o of nodes) {
    if (o === anchor) continue;
    const entry = anchor.view.find((e) => e.id === o.self.id);
    const shaking = anchor.view.some((e) => isHandshake(e) && addr(e) === addr(o.self));
    if (!entry) {
      if (!shaking) meet(anchor, o, "not yet in the cluster");
    } else if (addr(entry) !== addr(o.self)) {
      if (!shaking) meet(anchor, o, `address changed from ${addr(entry)} to ${addr(o.self)}`);
    } else if (
      !o.view.some((e) => e.id === anchor.self.id) &&
      !o.view.some((e) => isHandshake(e) && addr(e) === addr(anchor.self))
    ) {
      meet(o, anchor, "does not know the cluster");
    }
  }
  for (const o of nodes) {
    if (o === anchor) continue;
    for (const t of nodes) {
      if (t === o) continue;
      const entry = o.view.find((e) => e.id === t.self.id);
      if (
        entry &&
        addr(entry) !== addr(t.self) &&
        !o.view.some((e) => isHandshake(e) && addr(e) === addr(t.self))
      ) {
        meet(o, t, `address changed from ${addr(entry)} to ${addr(t.self)}`);
      }
    }
  }

  // Replicas: every node that serves no slots replicates a master; shards get replicasPerMaster each.
  const addingSlots = plan.steps.some((s) => s.kind === "add-slots");
  if (!addingSlots && plan.blockers.length === 0) {
    planReplicas(spec, nodes, ownerOfShard, pendingOwners, plan, meet);
  }

  // Drift of the settings kato-infra owns.
  for (const o of nodes) {
    for (const [parameter, value] of Object.entries(spec.expectedConfig)) {
      const actual = o.config[parameter];
      if (actual !== undefined && actual !== value) {
        plan.drift.push(`${o.name}: ${parameter} is "${actual}", expected "${value}"`);
        plan.steps.push({ kind: "config-set", member: o.name, parameter, value, was: actual });
      }
    }
  }

  if (plan.steps.length === 0 && plan.blockers.length === 0) waitForAgreement(nodes, claim, plan);
  return plan;
}

function planReplicas(
  spec: FormationSpec,
  nodes: ReachableObservation[],
  ownerOfShard: number[],
  owners: Set<number>,
  plan: FormationPlan,
  meet: (from: ReachableObservation, to: ReachableObservation, reason: string) => void,
): void {
  const shardOfOwner = new Map<number, number>();
  ownerOfShard.forEach((owner, k) => {
    if (owners.has(owner) && !shardOfOwner.has(owner)) shardOfOwner.set(owner, k);
  });
  const plannedShard = new Map<string, number>();
  spec.shards.forEach((s, k) => {
    plannedShard.set(s.master, k);
    for (const r of s.replicas) plannedShard.set(r, k);
  });
  const ownerIdx = new Map(nodes.map((o, i) => [o.self.id, i]));
  const replicasOf = new Map<number, number[]>(); // shard -> replica node indexes
  spec.shards.forEach((_, k) => {
    replicasOf.set(k, []);
  });
  const free: number[] = [];
  nodes.forEach((o, i) => {
    if (owners.has(i)) return;
    const masterIdx = o.self.masterId !== undefined ? ownerIdx.get(o.self.masterId) : undefined;
    const shard = masterIdx !== undefined ? shardOfOwner.get(masterIdx) : undefined;
    if (shard !== undefined) replicasOf.get(shard)!.push(i);
    else free.push(i);
  });
  const want = (k: number) => spec.shards[k]!.replicas.length;
  const deficit = (k: number) => want(k) - replicasOf.get(k)!.length;
  const assign = (i: number, k: number) => {
    const o = nodes[i]!;
    const master = nodes[ownerOfShard[k]!]!;
    replicasOf.get(k)!.push(i);
    const known = o.view.some((e) => e.id === master.self.id && !isHandshake(e));
    if (known) {
      plan.steps.push({ kind: "replicate", member: o.name, master: master.name, masterId: master.self.id });
    } else if (o.view.some((e) => isHandshake(e) && addr(e) === addr(master.self))) {
      plan.waiting.push(
        `${o.name} is still shaking hands with ${master.name}, so it cannot replicate it yet.`,
      );
    } else {
      // Gossip would introduce them within a few hundred ms; a direct MEET does it now.
      meet(o, master, "its future master (sooner than gossip)");
    }
  };
  for (const i of free) {
    const planned = plannedShard.get(nodes[i]!.name);
    const shards = spec.shards
      .map((_, k) => k)
      .filter((k) => deficit(k) > 0 && shardOfOwner.has(ownerOfShard[k]!));
    if (shards.length === 0) {
      plan.blockers.push(
        `${nodes[i]!.name} serves no slots and every master already has its replicas; the settings ask for fewer nodes than are running.`,
      );
      continue;
    }
    const k =
      planned !== undefined && shards.includes(planned)
        ? planned
        : shards.reduce((a, b) => (deficit(b) > deficit(a) ? b : a));
    assign(i, k);
  }
  // Rebalance: a shard with too many replicas gives one to a shard with too few.
  for (const k of spec.shards.map((_, k) => k)) {
    while (deficit(k) > 0) {
      const donor = spec.shards.map((_, d) => d).find((d) => deficit(d) < 0);
      if (donor === undefined) break;
      const list = replicasOf.get(donor)!;
      const pick = list.find((i) => plannedShard.get(nodes[i]!.name) === k) ?? list[list.length - 1]!;
      list.splice(list.indexOf(pick), 1);
      assign(pick, k);
    }
    if (deficit(k) > 0 && shardOfOwner.has(ownerOfShard[k]!)) {
      plan.blockers.push(
        `the master of shard ${k} (${nodes[ownerOfShard[k]!]!.name}) has ${replicasOf.get(k)!.length} replica(s) but the settings ask for ${want(k)}, and no node is free to become one.`,
      );
    }
  }
}

/** Nothing left to do: wait until every node sees the same healthy cluster. */
function waitForAgreement(nodes: ReachableObservation[], claim: Int32Array, plan: FormationPlan): void {
  const canonical = slotMapSignature(nodes.map((o) => ({ id: o.self.id, slots: o.self.slots })));
  for (let s = 0; s < SLOT_COUNT; s++) {
    if (claim[s] === -1) {
      plan.waiting.push("not every slot is served yet.");
      break;
    }
  }
  for (const o of nodes) {
    for (const t of nodes) {
      if (t === o) continue;
      const e = o.view.find((x) => x.id === t.self.id);
      if (!e) plan.waiting.push(`${o.name} does not know ${t.name} yet.`);
      else if (isFailing(e)) plan.waiting.push(`${o.name} flags ${t.name} as ${e.flags.join(",")}.`);
      else if (e.linkState !== "connected") plan.waiting.push(`${o.name} has no link to ${t.name} yet.`);
      else if (
        (e.masterId ?? "") !== (t.self.masterId ?? "") ||
        isReplicaEntry(e) !== isReplicaEntry(t.self)
      ) {
        plan.waiting.push(`${o.name} does not know ${t.name}'s role yet.`);
      }
    }
    if (o.clusterInfo.cluster_state !== "ok") {
      plan.waiting.push(`${o.name} reports cluster_state:${o.clusterInfo.cluster_state ?? "unknown"}.`);
    }
    const view = o.view.filter((e) => !isReplicaEntry(e));
    if (slotMapSignature(view) !== canonical)
      plan.waiting.push(`${o.name} does not agree on the slot map yet.`);
    if (o.self.masterId !== undefined) {
      const link = o.replication.master_link_status ?? "unknown";
      if (o.replication.role !== "slave" || link !== "up") {
        plan.waiting.push(`${o.name} replication link to its master is ${link}.`);
      }
    }
  }
}

export interface ObservedShard {
  master: string;
  replicas: string[];
  slots: string;
}

export interface ClusterSummary {
  /** Node id of each node, by advertised name. */
  nodeIds: Record<string, string>;
  /** Shards as they are now (after failovers, roles may differ from the plan). */
  shards: ObservedShard[];
}

/** What a formed cluster looks like, for the resource's outputs. */
export function summarizeCluster(observed: readonly MemberObservation[]): ClusterSummary {
  const nodes = observed.filter((o): o is ReachableObservation => o.reachable);
  const nodeIds: Record<string, string> = {};
  for (const o of nodes) nodeIds[o.name] = o.self.id;
  const shards: ObservedShard[] = nodes
    .filter((o) => o.self.slots.length > 0)
    .sort((a, b) => a.self.slots[0]![0] - b.self.slots[0]![0])
    .map((m) => ({
      master: m.name,
      replicas: nodes.filter((r) => r.self.masterId === m.self.id).map((r) => r.name),
      slots: formatSlotRanges(m.self.slots),
    }));
  for (const shard of shards) shard.replicas.sort();
  return { nodeIds, shards };
}
