import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseClientInfo,
  parseClusterNodes,
  parseConfigReply,
  parseInfo,
} from "../../components/redis/clusterState";
import {
  describeStep,
  type FormationPlan,
  type FormationStep,
  planFormation,
  STEP_ORDER,
} from "../../components/redis/formationPlan";
import { rangesToSlots, SLOT_COUNT } from "../../components/redis/topology";
import { SimCluster } from "./clusterSim";

/** Plans, applies every step in the executor's order, lets gossip finish; repeats until nothing is left. */
function converge(
  sim: SimCluster,
  maxRounds = 8,
): { rounds: number; last: FormationPlan; applied: FormationStep[] } {
  const applied: FormationStep[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const plan = planFormation(sim.spec, sim.observe());
    if (plan.blockers.length > 0) throw new Error(`blocked: ${plan.blockers.join("; ")}`);
    if (plan.steps.length === 0 && plan.waiting.length === 0) return { rounds: round, last: plan, applied };
    for (const kind of STEP_ORDER) {
      for (const step of plan.steps.filter((s) => s.kind === kind)) {
        sim.apply(step);
        applied.push(step);
      }
    }
    sim.settle();
  }
  throw new Error(
    `no convergence after ${maxRounds} rounds: ${JSON.stringify(planFormation(sim.spec, sim.observe()))}`,
  );
}

function assertFormed(sim: SimCluster): void {
  const owners = sim.nodes.filter((n) => n.slots.size > 0);
  expect(owners).toHaveLength(sim.spec.shards.length);
  const all = owners.flatMap((n) => [...n.slots]).sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: SLOT_COUNT }, (_, i) => i));
  const sizes = owners.map((n) => n.slots.size);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  for (const n of sim.nodes) {
    expect(n.known.size).toBe(sim.nodes.length - 1);
    if (n.slots.size === 0) expect(owners.map((o) => o.id)).toContain(n.masterId);
  }
  const replicasPer = sim.spec.shards[0]!.replicas.length;
  for (const o of owners) expect(sim.nodes.filter((n) => n.masterId === o.id)).toHaveLength(replicasPer);
}

describe("planFormation on a fresh cluster", () => {
  it("plans distinct epochs, one slot range per planned master and MEETs from the anchor, then replicas", () => {
    const sim = new SimCluster(3, 1);
    const first = planFormation(sim.spec, sim.observe());
    expect(first.blockers).toEqual([]);
    expect(first.steps.filter((s) => s.kind === "set-config-epoch").map((s) => (s as any).epoch)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    expect(first.steps.filter((s) => s.kind === "add-slots")).toEqual([
      { kind: "add-slots", member: "r-0:6379", ranges: [[0, 5461]] },
      { kind: "add-slots", member: "r-1:6379", ranges: [[5462, 10922]] },
      { kind: "add-slots", member: "r-2:6379", ranges: [[10923, 16383]] },
    ]);
    const meets = first.steps.filter((s) => s.kind === "meet");
    expect(meets.map((m) => [m.member, (m as any).target])).toEqual(
      [1, 2, 3, 4, 5].map((i) => ["r-0:6379", `r-${i}:6379`]),
    );
    expect(first.steps.some((s) => s.kind === "replicate")).toBe(false);
    const { applied } = converge(sim);
    expect(applied.filter((s) => s.kind === "replicate").map((s) => [s.member, (s as any).master])).toEqual([
      ["r-3:6379", "r-0:6379"],
      ["r-4:6379", "r-1:6379"],
      ["r-5:6379", "r-2:6379"],
    ]);
    assertFormed(sim);
  });

  it("describes each step as the Redis command it sends", () => {
    const sim = new SimCluster(3, 1);
    const text = planFormation(sim.spec, sim.observe()).steps.map(describeStep);
    expect(text).toContain("CLUSTER ADDSLOTSRANGE 0-5461 on r-0:6379");
    expect(text).toContain("CLUSTER SET-CONFIG-EPOCH 1 on r-0:6379");
    expect(text.find((t) => t.startsWith("CLUSTER MEET 10.0.0.2 6379 16379 on r-0:6379"))).toBeDefined();
  });
});

describe("planFormation on a formed cluster", () => {
  it("plans nothing and waits for nothing", () => {
    const sim = new SimCluster(3, 1);
    converge(sim);
    const again = planFormation(sim.spec, sim.observe());
    expect(again).toEqual({ steps: [], blockers: [], waiting: [], drift: [] });
  });

  it("accepts a failover: the promoted replica stays master, the old master is its replica", () => {
    const sim = new SimCluster(3, 1);
    converge(sim);
    const oldMaster = sim.node("r-0:6379");
    const promoted = sim.node("r-3:6379");
    promoted.slots = oldMaster.slots;
    oldMaster.slots = new Set();
    promoted.masterId = undefined;
    oldMaster.masterId = promoted.id;
    sim.settle();
    expect(planFormation(sim.spec, sim.observe())).toEqual({
      steps: [],
      blockers: [],
      waiting: [],
      drift: [],
    });
  });

  it("re-MEETs a node whose address changed (pod restarted with a new IP)", () => {
    const sim = new SimCluster(3, 1);
    converge(sim);
    sim.node("r-4:6379").ip = "10.0.9.9";
    const plan = planFormation(sim.spec, sim.observe());
    const meets = plan.steps.filter((s) => s.kind === "meet");
    expect(meets.length).toBeGreaterThan(0);
    expect(meets.every((m) => (m as any).target === "r-4:6379" && (m as any).ip === "10.0.9.9")).toBe(true);
    expect((meets[0] as any).reason).toContain(
      "address changed from 10.0.0.5:6379@16379 to 10.0.9.9:6379@16379",
    );
    converge(sim);
    assertFormed(sim);
  });

  it("repairs settings drift with CONFIG SET and reports it", () => {
    const sim = new SimCluster(3, 1);
    converge(sim);
    sim.node("r-2:6379").config["maxmemory-policy"] = "noeviction";
    const plan = planFormation(sim.spec, sim.observe());
    expect(plan.drift).toEqual(['r-2:6379: maxmemory-policy is "noeviction", expected "allkeys-lru"']);
    expect(plan.steps).toEqual([
      {
        kind: "config-set",
        member: "r-2:6379",
        parameter: "maxmemory-policy",
        value: "allkeys-lru",
        was: "noeviction",
      },
    ]);
  });

  it("forgets the old identity of a node that came back with an empty volume, and takes it back as a replica", () => {
    const sim = new SimCluster(3, 1);
    converge(sim);
    const oldId = sim.replaceIdentity("r-5:6379");
    const plan = planFormation(sim.spec, sim.observe());
    const forgets = plan.steps.filter((s) => s.kind === "forget");
    expect(forgets.map((f) => (f as any).nodeId)).toEqual(Array(5).fill(oldId));
    expect((forgets[0] as any).reason).toContain("old identity of r-5:6379");
    converge(sim);
    assertFormed(sim);
    expect(sim.nodes.every((n) => !n.known.has(oldId))).toBe(true);
  });

  it("stops with a clear blocker when slots belong to a node that is gone (its data went with its volume)", () => {
    const sim = new SimCluster(3, 0);
    converge(sim);
    const oldId = sim.replaceIdentity("r-1:6379");
    const plan = planFormation(sim.spec, sim.observe());
    expect(plan.steps.filter((s) => s.kind === "add-slots")).toEqual([]);
    expect(plan.blockers).toHaveLength(1);
    expect(plan.blockers[0]).toContain(`slots 5462-10922 to node ${oldId} at 10.0.0.2:6379@16379`);
    expect(plan.blockers[0]).toContain("r-1:6379 came back with a new id");
    expect(plan.blockers[0]).toContain("redis-cli --cluster fix");
  });

  it("refuses to forget a node it does not manage", () => {
    const sim = new SimCluster(3, 0);
    converge(sim);
    sim.ghosts.set("e".repeat(40), { address: "10.9.9.9:6379@16379", slots: [] });
    sim.node("r-0:6379").known.set("e".repeat(40), "10.9.9.9:6379@16379");
    const obs = sim.observe();
    // a healthy foreign node: not failing
    for (const o of obs) {
      if (o.reachable) for (const e of o.view) if (e.id === "e".repeat(40)) e.flags = ["master"];
    }
    const plan = planFormation(sim.spec, obs);
    expect(plan.steps.filter((s) => s.kind === "forget")).toEqual([]);
    expect(plan.blockers[0]).toContain("does not manage");
  });

  it("refuses to act while a node is unreachable, naming it", () => {
    const sim = new SimCluster(3, 1);
    sim.node("r-2:6379").up = false;
    const plan = planFormation(sim.spec, sim.observe());
    expect(plan.steps).toEqual([]);
    expect(plan.blockers).toEqual(["r-2:6379 is not reachable: connect ECONNREFUSED"]);
  });

  it("refuses to reshard: more masters serving slots than the settings ask for", () => {
    const sim = new SimCluster(4, 1);
    converge(sim);
    const fewer = new SimCluster(3, 1);
    const spec = { ...fewer.spec, members: sim.spec.members.slice(0, 8) };
    const plan = planFormation(spec, sim.observe());
    expect(plan.blockers.join(" ")).toContain("does not reshard");
  });

  it("refuses two members with the same node id", () => {
    const sim = new SimCluster(3, 1);
    sim.node("r-1:6379").id = sim.node("r-0:6379").id;
    expect(planFormation(sim.spec, sim.observe()).blockers[0]).toContain("same node id");
  });

  it("refuses a node it cannot address (no announced IP behind a tunnel)", () => {
    const sim = new SimCluster(3, 1);
    const obs = sim.observe();
    (obs[0] as any).self = { ...(obs[0] as any).self, ip: "" };
    expect(planFormation(sim.spec, obs).blockers[0]).toContain("cluster-announce-ip");
  });
});

describe("planFormation converges from any partial formation (property)", () => {
  const references = new Map<string, FormationStep[]>();
  it("applying a plan then planning again gives no steps; slots cover 0..16383 exactly once, balanced", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 6 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 200 }),
        fc.boolean(),
        (masters, replicas, cut, settleAfterCut) => {
          // Run a full formation once to learn the full step list, then replay only a prefix of it
          // on a fresh cluster (a run that failed halfway), and converge from there.
          const key = `${masters}x${replicas}`;
          if (!references.has(key)) references.set(key, converge(new SimCluster(masters, replicas)).applied);
          const applied = references.get(key)!;
          const sim = new SimCluster(masters, replicas);
          for (const step of applied.slice(0, Math.min(cut, applied.length))) {
            try {
              sim.apply(step);
            } catch {
              // a step that needs gossip first fails here as it would on Redis; the re-run fixes it
            }
          }
          if (settleAfterCut) sim.settle();
          converge(sim);
          assertFormed(sim);
          expect(planFormation(sim.spec, sim.observe()).steps).toEqual([]);
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe("parsers", () => {
  it("reads CLUSTER NODES of Redis 7.0 (hostname after the address, empty IP before the first MEET)", () => {
    const nodes = parseClusterNodes(
      [
        "45b5320ec89f34a9f6f6d96d6b3e5a16691a80b4 127.0.0.1:17001@27001,node-17001.example myself,master - 0 0 1 connected 0-100 200-300",
        "34bf1ecb34ae906a9842bbc2482703543a49df26 127.0.0.1:17002@27002,node-17002.example slave 45b5320ec89f34a9f6f6d96d6b3e5a16691a80b4 0 1795828842775 0 connected",
        "aaaa000000000000000000000000000000000000 :17003@27003 myself,master - 0 0 0 connected [93->-34bf1ecb34ae906a9842bbc2482703543a49df26] 7",
        "bbbb000000000000000000000000000000000000 10.0.0.4:6379@16379,r-3,shard-id=abc master,fail - 1 1 2 disconnected",
      ].join("\n"),
    );
    expect(nodes[0]).toEqual({
      id: "45b5320ec89f34a9f6f6d96d6b3e5a16691a80b4",
      ip: "127.0.0.1",
      port: 17001,
      cport: 27001,
      hostname: "node-17001.example",
      flags: ["myself", "master"],
      configEpoch: 1,
      linkState: "connected",
      slots: [
        [0, 100],
        [200, 300],
      ],
    });
    expect(nodes[1]!.masterId).toBe("45b5320ec89f34a9f6f6d96d6b3e5a16691a80b4");
    expect(nodes[2]).toMatchObject({ ip: "", port: 17003, slots: [[7, 7]] });
    expect(nodes[2]!.hostname).toBeUndefined();
    expect(nodes[3]).toMatchObject({ hostname: "r-3", flags: ["master", "fail"], linkState: "disconnected" });
  });

  it("reads INFO, CLIENT INFO and CONFIG GET replies", () => {
    expect(parseInfo("# Replication\r\nrole:slave\r\nmaster_link_status:up\r\n")).toEqual({
      role: "slave",
      master_link_status: "up",
    });
    expect(parseClientInfo("id=4 addr=127.0.0.1:53140 laddr=172.18.0.3:6379 fd=9 name=")).toMatchObject({
      laddr: "172.18.0.3:6379",
      name: "",
    });
    expect(parseConfigReply(["maxmemory", "0", "save", ""])).toEqual({ maxmemory: "0", save: "" });
  });

  it("handles the whole slot space in ranges", () => {
    expect(
      rangesToSlots(parseClusterNodes("x 1.2.3.4:1@2 master - 0 0 1 connected 0-16383")[0]!.slots),
    ).toHaveLength(SLOT_COUNT);
  });
});
