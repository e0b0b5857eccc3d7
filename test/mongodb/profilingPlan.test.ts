/** The profiling plan: validation, the commands per member, drift; unit cases and properties. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyCommands,
  driftLines,
  inSync,
  type MemberProfilingState,
  observe,
  type ProfileCommand,
  profilingLevelOf,
  type ResolvedProfiling,
  readCommands,
  removedDatabases,
  resetCommands,
  resolveProfiling,
} from "../../components/mongodb/profilingPlan";
import { formatProblem } from "../../components/shared/problems";

const resolved = (raw: unknown) => {
  const r = resolveProfiling(raw);
  if (!r.spec) throw new Error(r.problems.map(formatProblem).join("\n"));
  return r.spec;
};

/**
 * A model of one mongod's profiler, from the profile command's documentation: levels per database
 * (startup level when never set), slowms and sampleRate per process, the reply holds the settings
 * from before the command, a level outside 0..2 only reads. The fake server has its own copy.
 */
interface ModelMember {
  levels: Map<string, number>;
  slowms: number;
  sampleRate: number;
}
const startup = { level: 0, slowms: 100, sampleRate: 1 };
const fresh = (): ModelMember => ({
  levels: new Map(),
  slowms: startup.slowms,
  sampleRate: startup.sampleRate,
});
function run(m: ModelMember, c: ProfileCommand) {
  const reply = {
    was: m.levels.get(c.database) ?? startup.level,
    slowms: m.slowms,
    sampleRate: m.sampleRate,
  };
  const level = c.command.profile;
  if (level >= 0 && level <= 2) m.levels.set(c.database, level);
  if (c.command.slowms !== undefined) m.slowms = c.command.slowms;
  if (c.command.sampleRate !== undefined) m.sampleRate = c.command.sampleRate;
  return reply;
}
function stateOf(m: ModelMember, spec: ResolvedProfiling): MemberProfilingState {
  const replies = readCommands(spec).map((c) => [c.database, run(m, c)] as const);
  const levels: Record<string, number> = {};
  for (const [db, r] of replies.slice(1)) levels[db] = r.was;
  return { slowms: replies[0]![1].slowms, sampleRate: replies[0]![1].sampleRate, levels };
}

describe("resolveProfiling", () => {
  it("reads a level as 0, 1, 2 or its word, and nothing a plain object inherits", () => {
    expect(profilingLevelOf("p", "slowOp")).toEqual({ level: 1, problems: [] });
    expect(profilingLevelOf("p", 2)).toEqual({ level: 2, problems: [] });
    for (const inherited of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
      const { level, problems } = profilingLevelOf("p", inherited);
      expect(level, inherited).toBeUndefined();
      expect(problems.map(formatProblem).join("\n"), inherited).toMatch(/\[profiling-level\]/);
    }
    // The program's declaration reads levels with the same function.
    expect(() => resolved({ databases: { node_a_kato: "toString" } })).toThrow(
      /node_a_kato = "toString": \[profiling-level\]/,
    );
  });

  it("takes the guide's declaration: level 1 and 100 ms per tenant database", () => {
    expect(resolved({ databases: { node_b_kato: 1, node_a_kato: "slowOp" }, slowms: 100 })).toEqual({
      databases: { node_a_kato: 1, node_b_kato: 1 },
      slowms: 100,
      sampleRate: 1,
      serverDefaults: { level: 0, slowms: 100, sampleRate: 1 },
    });
  });

  it("reports every problem at once, each naming its rule and the fix", () => {
    const { spec, problems } = resolveProfiling({
      databases: { "bad.name": 1, admin: 2, node_x_kato: 3 },
      slowms: -1,
      sampleRate: 1.5,
      serverDefaults: { level: "sometimes" },
      slowMs: 5,
    });
    expect(spec).toBeUndefined();
    const text = problems.map(formatProblem).join("\n");
    expect(text).toMatch(/profiling\.slowMs .*did you mean profiling\.slowms/);
    expect(text).toMatch(/\[database-name\] contains "\."/);
    expect(text).toMatch(/\[database-name\] admin is a MongoDB system database/);
    expect(text).toMatch(/databases\.node_x_kato = 3: \[profiling-level\].*Fix: set .* to 0, 1 or 2/);
    expect(text).toMatch(/slowms = -1: \[profiling-slowms\]/);
    expect(text).toMatch(/sampleRate = 1\.5: \[profiling-sample-rate\].*0\.0 to 1\.0/);
    expect(text).toMatch(/serverDefaults\.level = "sometimes": \[profiling-level\]/);
  });

  it("refuses a missing database map", () => {
    expect(resolveProfiling({ slowms: 100 }).problems.map(formatProblem).join()).toMatch(
      /\[profiling-databases\]/,
    );
  });
});

describe("commands", () => {
  const spec = resolved({ databases: { a: 1, b: 2 }, slowms: 50, sampleRate: 0.5 });

  it("sets the process-wide settings once, then each database's level", () => {
    expect(applyCommands(spec)).toEqual([
      { database: "admin", command: { profile: -1, slowms: 50, sampleRate: 0.5 } },
      { database: "a", command: { profile: 1 } },
      { database: "b", command: { profile: 2 } },
    ]);
  });

  it("sets a database no longer declared back to the server default", () => {
    const before = resolved({ databases: { a: 1, b: 2, c: 1 } });
    const after = resolved({ databases: { a: 1 }, serverDefaults: { level: "slowOp" } });
    expect(removedDatabases(before, after)).toEqual(["b", "c"]);
    expect(applyCommands(after, removedDatabases(before, after)).slice(-2)).toEqual([
      { database: "b", command: { profile: 1 } },
      { database: "c", command: { profile: 1 } },
    ]);
  });

  it("reads without changing anything, and resets to the server defaults on delete", () => {
    expect(readCommands(spec).every((c) => c.command.profile === -1 && c.command.slowms === undefined)).toBe(
      true,
    );
    const m = fresh();
    for (const c of applyCommands(spec)) run(m, c);
    for (const c of resetCommands(spec)) run(m, c);
    expect(m).toEqual({
      levels: new Map([
        ["a", 0],
        ["b", 0],
      ]),
      slowms: 100,
      sampleRate: 1,
    });
  });
});

describe("drift", () => {
  const spec = resolved({ databases: { node_a_kato: 1, node_b_kato: 1 }, slowms: 100 });

  it("reports a member that restarted with every database it lost", () => {
    const o = observe("mongo-1:27017", spec, {
      slowms: 100,
      sampleRate: 1,
      levels: { node_a_kato: 0, node_b_kato: 1 },
    });
    expect(o.mismatched).toEqual({ node_a_kato: 0 });
    expect(inSync(spec, o)).toBe(false);
    expect(driftLines(spec, [o])).toEqual(["mongo-1:27017: 1 database: node_a_kato at level 0 (declared 1)"]);
  });

  it("reports slowms set by hand and a member that could not be read", () => {
    const lines = driftLines(spec, [
      observe("m0", spec, { slowms: 5, sampleRate: 1, levels: { node_a_kato: 1, node_b_kato: 1 } }),
      { member: "m1", reachable: false, error: "connection refused", mismatched: {} },
    ]);
    expect(lines).toEqual(["m0: slowms 5 (declared 100)", "m1: not read (connection refused)"]);
  });
});

const dbName = fc
  .stringMatching(/^[a-z][a-z0-9_]{0,10}$/)
  .filter((n) => !["admin", "local", "config"].includes(n));
const level = fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2>;
const declaration = fc.record({
  databases: fc.dictionary(dbName, level, { maxKeys: 8 }),
  slowms: fc.integer({ min: 0, max: 10_000 }),
  sampleRate: fc.constantFrom(0, 0.25, 0.5, 1),
});
const memberBefore = fc.record({
  levels: fc.dictionary(dbName, level, { maxKeys: 8 }),
  slowms: fc.integer({ min: 0, max: 10_000 }),
  sampleRate: fc.constantFrom(0, 0.5, 1),
});

describe("properties", () => {
  it("applying the commands to a member in any state leaves it in sync, and a second run changes nothing", () => {
    fc.assert(
      fc.property(declaration, memberBefore, (d, before) => {
        const spec = resolved(d);
        const m: ModelMember = {
          levels: new Map(Object.entries(before.levels)),
          slowms: before.slowms,
          sampleRate: before.sampleRate,
        };
        for (const c of applyCommands(spec)) run(m, c);
        expect(inSync(spec, observe("m", spec, stateOf(m, spec)))).toBe(true);
        const changedAgain = applyCommands(spec)
          .slice(1)
          .filter((c) => run(m, c).was !== c.command.profile);
        expect(changedAgain).toEqual([]);
      }),
    );
  });

  it("after a restart, drift names exactly the declared databases whose level differs from the startup level", () => {
    fc.assert(
      fc.property(declaration, (d) => {
        const spec = resolved(d);
        const m = fresh();
        for (const c of applyCommands(spec)) run(m, c);
        const restarted = fresh();
        const o = observe("m", spec, stateOf(restarted, spec));
        const expected = Object.entries(spec.databases)
          .filter(([, l]) => l !== startup.level)
          .map(([db]) => db);
        expect(Object.keys(o.mismatched).sort()).toEqual(expected.sort());
        const globalsMatch = spec.slowms === startup.slowms && spec.sampleRate === startup.sampleRate;
        expect(inSync(spec, o)).toBe(expected.length === 0 && globalsMatch);
      }),
    );
  });

  it("a removed database ends at the server default and the declared ones at their level", () => {
    fc.assert(
      fc.property(declaration, declaration, (a, b) => {
        const before = resolved(a);
        const after = resolved(b);
        const m = fresh();
        for (const c of applyCommands(before)) run(m, c);
        for (const c of applyCommands(after, removedDatabases(before, after))) run(m, c);
        for (const db of Object.keys(before.databases)) {
          const want = db in after.databases ? after.databases[db] : after.serverDefaults.level;
          expect(m.levels.get(db)).toBe(want);
        }
      }),
    );
  });
});
