/**
 * A small model of Redis Cluster for planner tests: nodes with an id, an address, the nodes they
 * know, their slots and their master. `settle()` plays gossip to the end (everyone connected learns
 * everyone and the true slot map), `observe()` answers what the executor would read, and `apply()`
 * does what each formation step does on a real node, including Redis's refusals.
 */
import type { ClusterNodeEntry } from "../../components/redis/clusterState";
import type { FormationSpec, FormationStep, MemberObservation } from "../../components/redis/formationPlan";
import { planTopology, rangesToSlots, type SlotRange, slotsToRanges } from "../../components/redis/topology";

export interface SimNode {
  name: string;
  id: string;
  ip: string;
  port: number;
  up: boolean;
  epoch: number;
  slots: Set<number>;
  masterId?: string;
  /** Ids this node knows, with the address it has for each. */
  known: Map<string, string>;
  config: Record<string, string>;
  /** Whether the replication link is established (settle sets it). */
  linkUp: boolean;
}

export const EXPECTED_CONFIG = { maxmemory: "2147483648", "maxmemory-policy": "allkeys-lru" };

export class SimCluster {
  nodes: SimNode[];
  spec: FormationSpec;
  private nextId = 0;
  /** Identities that no longer exist (a node lost its volume) and the slots the cluster still gives them. */
  ghosts = new Map<string, { address: string; slots: number[] }>();

  constructor(masters: number, replicas: number) {
    const names = Array.from({ length: masters * (1 + replicas) }, (_, i) => `r-${i}:6379`);
    const t = planTopology(masters, replicas, names);
    this.spec = {
      members: names,
      shards: t.shards.map((s) => ({ master: s.master, replicas: s.replicas, slots: s.slots })),
      expectedConfig: { ...EXPECTED_CONFIG },
    };
    this.nodes = names.map((name, i) => ({
      name,
      id: this.newId(),
      ip: `10.0.0.${i + 1}`,
      port: 6379,
      up: true,
      epoch: 0,
      slots: new Set(),
      known: new Map(),
      config: { ...EXPECTED_CONFIG },
      linkUp: false,
    }));
  }

  newId(): string {
    return (this.nextId++).toString(16).padStart(40, "0");
  }

  /** The node lost its volume: it comes back empty with a new id; the others remember the old one. */
  replaceIdentity(name: string): string {
    const n = this.node(name);
    const oldId = n.id;
    this.ghosts.set(oldId, { address: this.addr(n), slots: [...n.slots] });
    n.id = this.newId();
    n.known = new Map();
    n.masterId = undefined;
    n.slots = new Set();
    n.epoch = 0;
    n.linkUp = false;
    return oldId;
  }

  node(name: string): SimNode {
    return this.nodes.find((n) => n.name === name)!;
  }

  addr(n: SimNode): string {
    return `${n.ip}:${n.port}@${n.port + 10000}`;
  }

  apply(step: FormationStep): void {
    const n = this.node(step.member);
    if (!n.up) throw new Error(`${n.name} is down`);
    switch (step.kind) {
      case "set-config-epoch":
        if (n.known.size > 0)
          throw new Error(
            "ERR The user can assign a config epoch only when the node does not know any other node.",
          );
        if (n.epoch !== 0) throw new Error("ERR Node config epoch is already non-zero");
        n.epoch = step.epoch;
        return;
      case "add-slots":
        for (const s of rangesToSlots(step.ranges)) {
          if (this.nodes.some((o) => o.slots.has(s))) throw new Error(`ERR Slot ${s} is already busy`);
        }
        if (n.masterId) throw new Error("ERR a replica cannot serve slots");
        for (const s of rangesToSlots(step.ranges)) n.slots.add(s);
        return;
      case "meet": {
        const target = this.nodes.find((o) => o.ip === step.ip && o.port === step.port && o.up);
        if (!target) return; // a MEET to nowhere just times out in handshake
        n.known.set(target.id, this.addr(target));
        target.known.set(n.id, this.addr(n));
        return;
      }
      case "replicate": {
        if (n.slots.size > 0)
          throw new Error("ERR To set a master the node must be empty and without assigned slots.");
        if (!n.known.has(step.masterId)) throw new Error(`ERR Unknown node ${step.masterId}`);
        const master = this.nodes.find((o) => o.id === step.masterId)!;
        if (master.masterId) throw new Error("ERR I can only replicate a master, not a replica.");
        n.masterId = step.masterId;
        n.linkUp = false;
        return;
      }
      case "forget":
        if (step.nodeId === n.id) throw new Error("ERR I tried hard but I can't forget myself...");
        if (step.nodeId === n.masterId) throw new Error("ERR Can't forget my master!");
        n.known.delete(step.nodeId);
        return;
      case "config-set":
        n.config[step.parameter] = step.value;
        return;
    }
  }

  /** Gossip to the end: connected nodes learn each other (current addresses), replicas sync. */
  settle(): void {
    const up = this.nodes.filter((n) => n.up);
    // components of the "knows" graph among live nodes, by id
    const byId = new Map(up.map((n) => [n.id, n]));
    const seen = new Set<string>();
    for (const start of up) {
      if (seen.has(start.id)) continue;
      const component: SimNode[] = [];
      const stack = [start];
      seen.add(start.id);
      while (stack.length) {
        const n = stack.pop()!;
        component.push(n);
        for (const id of n.known.keys()) {
          const m = byId.get(id);
          if (m && !seen.has(id)) {
            seen.add(id);
            stack.push(m);
          }
        }
        for (const m of up) {
          if (!seen.has(m.id) && m.known.has(n.id)) {
            seen.add(m.id);
            stack.push(m);
          }
        }
      }
      if (component.length > 1) {
        for (const a of component) for (const b of component) if (a !== b) a.known.set(b.id, this.addr(b));
      }
    }
    for (const n of up) {
      const master = n.masterId ? byId.get(n.masterId) : undefined;
      n.linkUp = master !== undefined && n.known.has(master.id);
    }
  }

  private ranges = new Map<SimNode, SlotRange[]>();

  private entry(of: SimNode, viewer: SimNode): ClusterNodeEntry {
    const address = of === viewer ? this.addr(of) : (viewer.known.get(of.id) ?? this.addr(of));
    const m = /^(.*):(\d+)@(\d+)$/.exec(address)!;
    const isSelf = of === viewer;
    return {
      id: of.id,
      ip: m[1]!,
      port: Number(m[2]),
      cport: Number(m[3]),
      hostname: of.name.split(":")[0]!,
      flags: [...(isSelf ? ["myself"] : []), of.masterId ? "slave" : "master", ...(of.up ? [] : ["fail"])],
      ...(of.masterId ? { masterId: of.masterId } : {}),
      configEpoch: of.epoch,
      linkState: of.up ? "connected" : "disconnected",
      slots: this.ranges.get(of) ?? slotsToRanges(of.slots),
    };
  }

  observe(): MemberObservation[] {
    const all = new Map(this.nodes.map((n) => [n.id, n]));
    this.ranges = new Map(this.nodes.map((n) => [n, slotsToRanges(n.slots)]));
    return this.nodes.map((n): MemberObservation => {
      if (!n.up) return { name: n.name, reachable: false, error: "connect ECONNREFUSED" };
      const view = [
        this.entry(n, n),
        ...[...n.known.keys()].filter((id) => all.has(id)).map((id) => this.entry(all.get(id)!, n)),
        // nodes known by id that no longer exist (a replaced identity) keep their last address
        ...[...n.known.entries()]
          .filter(([id]) => !all.has(id))
          .map(([id, address]) => {
            const m = /^(.*):(\d+)@(\d+)$/.exec(address)!;
            const ghost = this.ghosts.get(id);
            return {
              id,
              ip: m[1]!,
              port: Number(m[2]),
              cport: Number(m[3]),
              flags: ["master", "fail"],
              configEpoch: 0,
              linkState: "disconnected" as const,
              slots: ghost ? slotsToRanges(ghost.slots) : [],
            };
          }),
      ];
      // slots are disjoint (add-slots refuses busy ones), so sizes add up
      const covered = this.nodes
        .filter((o) => n === o || n.known.has(o.id))
        .reduce((sum, o) => sum + o.slots.size, 0);
      return {
        name: n.name,
        reachable: true,
        self: this.entry(n, n),
        view,
        clusterInfo: { cluster_state: covered === 16384 ? "ok" : "fail" },
        replication: n.masterId
          ? { role: "slave", master_link_status: n.linkUp ? "up" : "down" }
          : { role: "master" },
        config: { ...n.config },
      };
    });
  }
}
