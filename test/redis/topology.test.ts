import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  evenSlotRanges,
  formatSlotRanges,
  planTopology,
  rangesToSlots,
  SLOT_COUNT,
  slotsToRanges,
} from "../../components/redis/topology";

const names = (n: number) => Array.from({ length: n }, (_, i) => `r-${i}:6379`);

describe("evenSlotRanges", () => {
  it("splits 16384 slots over 3 masters as redis-cli does: 5462, 5461, 5461", () => {
    expect(evenSlotRanges(3)).toEqual([
      [0, 5461],
      [5462, 10922],
      [10923, 16383],
    ]);
  });

  it("covers every slot exactly once, in balanced contiguous ranges (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), (masters) => {
        const ranges = evenSlotRanges(masters);
        expect(ranges).toHaveLength(masters);
        const slots = rangesToSlots(ranges);
        expect(slots).toHaveLength(SLOT_COUNT);
        expect(slots.every((s, i) => s === i)).toBe(true);
        const sizes = ranges.map(([a, b]) => b - a + 1);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses impossible splits", () => {
    expect(() => evenSlotRanges(0)).toThrow();
    expect(() => evenSlotRanges(SLOT_COUNT + 1)).toThrow();
  });
});

describe("slot range helpers", () => {
  it("merge slots into ranges and print them as Redis does", () => {
    expect(slotsToRanges([5, 1, 2, 3, 9, 10])).toEqual([
      [1, 3],
      [5, 5],
      [9, 10],
    ]);
    expect(formatSlotRanges(slotsToRanges([5, 1, 2, 3]))).toBe("1-3 5");
  });

  it("round-trip any set of slots (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: SLOT_COUNT - 1 }), { maxLength: 300 }),
        (slots) => {
          expect(rangesToSlots(slotsToRanges(slots))).toEqual([...slots].sort((a, b) => a - b));
        },
      ),
    );
  });
});

describe("planTopology", () => {
  it("makes nodes 0..2 masters and 3..5 their replicas when nothing is known about hosts", () => {
    const t = planTopology(3, 1, names(6));
    expect(t.shards.map((s) => [s.master, s.replicas])).toEqual([
      ["r-0:6379", ["r-3:6379"]],
      ["r-1:6379", ["r-4:6379"]],
      ["r-2:6379", ["r-5:6379"]],
    ]);
    expect(t.members.map((m) => m.role)).toEqual([
      "master",
      "master",
      "master",
      "replica",
      "replica",
      "replica",
    ]);
    expect(t.colocated).toEqual([]);
  });

  it("places node masters + j*masters + s as replica j of shard s", () => {
    const t = planTopology(3, 2, names(9));
    expect(t.shards.map((s) => s.replicas)).toEqual([
      ["r-3:6379", "r-6:6379"],
      ["r-4:6379", "r-7:6379"],
      ["r-5:6379", "r-8:6379"],
    ]);
  });

  it("keeps each replica off its master's host when hosts are paired (greedy would fail the last shard)", () => {
    const t = planTopology(3, 1, names(6), ["a", "a", "b", "b", "c", "c"]);
    expect(t.colocated).toEqual([]);
    for (const shard of t.shards) {
      const dm = t.members.find((m) => m.name === shard.master)!.domain;
      for (const r of shard.replicas) expect(t.members.find((m) => m.name === r)!.domain).not.toBe(dm);
    }
  });

  it("reports replicas that must share their master's host when there is only one host", () => {
    const t = planTopology(3, 1, names(6), Array(6).fill("docker-host"));
    expect(t.colocated).toEqual(["r-3:6379", "r-4:6379", "r-5:6379"]);
  });

  it("rejects a name count that does not match the topology", () => {
    expect(() => planTopology(3, 1, names(5))).toThrow(/5 names/);
    expect(() => planTopology(3, 0, ["a", "a", "b"])).toThrow(/unique/);
  });

  it("gives every shard one master and its replicas, every node one role, slots covering 0..16383 once (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 12 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 6 }),
        (masters, replicas, hostCount) => {
          const n = masters * (1 + replicas);
          const domains = Array.from({ length: n }, (_, i) => `h${i % hostCount}`);
          const t = planTopology(masters, replicas, names(n), domains);
          const seen = new Set<string>();
          for (const s of t.shards) {
            for (const name of [s.master, ...s.replicas]) {
              expect(seen.has(name)).toBe(false);
              seen.add(name);
            }
            expect(s.replicas).toHaveLength(replicas);
          }
          expect(seen.size).toBe(n);
          const slots = rangesToSlots(t.shards.flatMap((s) => s.slots));
          expect(slots.length === SLOT_COUNT && slots.every((s, i) => s === i)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("colocates a replica with its master only when no assignment avoids it (property, checked by brute force)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 5 }),
        fc.array(fc.constantFrom("a", "b", "c"), { minLength: 10, maxLength: 10 }),
        (masters, pool) => {
          const n = masters * 2;
          const domains = pool.slice(0, n);
          const t = planTopology(masters, 1, names(n), domains);
          const masterDomains = t.shards.map((s) => t.members.find((m) => m.name === s.master)!.domain);
          const replicaDomains = t.members.filter((m) => m.role === "replica").map((m) => m.domain);
          // best possible: try every permutation of the replicas over the shards
          const best = minColocated(masterDomains, replicaDomains);
          expect(t.colocated.length).toBe(best);
        },
      ),
      { numRuns: 300 },
    );
  });
});

function minColocated(masterDomains: string[], replicaDomains: string[]): number {
  let best = Number.POSITIVE_INFINITY;
  const permute = (rest: string[], i: number, count: number) => {
    if (count >= best) return;
    if (i === masterDomains.length) {
      best = count;
      return;
    }
    for (let j = 0; j < rest.length; j++) {
      const next = [...rest.slice(0, j), ...rest.slice(j + 1)];
      permute(next, i + 1, count + (rest[j] === masterDomains[i] ? 1 : 0));
    }
  };
  permute(replicaDomains, 0, 0);
  return best;
}
