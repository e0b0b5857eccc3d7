/**
 * The MongoProfiling executor against the strict fake replica set, through the real driver: the
 * shared contract bodies, then what only a fake can stage (a member restarting, a member down, a
 * member refusing).
 */
import { afterEach, describe, expect, it } from "vitest";
import { applyProfiling, inspectProfiling, resetProfiling } from "../../components/mongodb/profilingExecutor";
import { driftLines, inSync } from "../../components/mongodb/profilingPlan";
import { profilingContract, profilingRequest } from "./contracts/profilingContract";
import { FakeMongoCluster } from "./fake/fakeMongo";

const root = { username: "root", password: "root-password" };
const clusters: FakeMongoCluster[] = [];

async function cluster(members = 3): Promise<FakeMongoCluster> {
  const c = new FakeMongoCluster({ members, root });
  clusters.push(c);
  await c.start();
  c.initiateNow();
  return c;
}

afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
});

let n = 0;
const harnessOf = (c: FakeMongoCluster) => ({
  members: () => c.reachable(),
  credentials: root,
  database: () => `node_${n++}_kato`,
  count: (member: string, database: string) => c.countCommands("profile", { member, db: database }),
});

describe("against the fake: shared contract", () => {
  profilingContract(async () => harnessOf(await cluster()));
});

describe("MongoProfiling against the fake", () => {
  const tenants = { node_a_kato: 1 as const, node_b_kato: 1 as const, node_c_kato: 2 as const };

  it("sends one profile command per declared database to every member, plus one for slowms and sampleRate", async () => {
    const c = await cluster();
    await applyProfiling(profilingRequest(harnessOf(c), { databases: tenants, slowms: 100 }));
    for (const m of c.members) {
      expect(c.countCommands("profile", { member: m.advertised })).toBe(4);
      expect(c.countCommands("profile", { member: m.advertised, db: "admin" })).toBe(1);
      for (const [db, level] of Object.entries(tenants)) expect(c.profilingLevel(m.ordinal, db)).toBe(level);
    }
  });

  it("a member that restarts loses its levels: refresh reports it alone, and the next run sets it again", async () => {
    const c = await cluster();
    const h = harnessOf(c);
    const request = () => profilingRequest(h, { databases: tenants, slowms: 250 });
    await applyProfiling(request());
    await c.restartMember(1);

    const read = await inspectProfiling(request());
    expect(read.map((o) => inSync(request().spec, o))).toEqual([true, false, true]);
    expect(read[1]).toEqual({
      member: "mongo-1:27017",
      reachable: true,
      slowms: 100,
      sampleRate: 1,
      mismatched: { node_a_kato: 0, node_b_kato: 0, node_c_kato: 0 },
    });
    expect(driftLines(request().spec, read)).toEqual([
      "mongo-1:27017: slowms 100 (declared 250); 3 databases: node_a_kato at level 0 (declared 1), node_b_kato at level 0 (declared 1), node_c_kato at level 0 (declared 2)",
    ]);

    const fixed = await applyProfiling(request());
    expect(fixed.changed).toEqual({ "mongo-1:27017": ["node_a_kato", "node_b_kato", "node_c_kato"] });
    expect((await inspectProfiling(request())).every((o) => inSync(request().spec, o))).toBe(true);
  });

  it("a member that is down: the others are set, and the error names it within the bound", async () => {
    const c = await cluster();
    await c.stopMember(2);
    const started = Date.now();
    const error = await applyProfiling({
      ...profilingRequest(harnessOf(c), { databases: tenants }),
      attemptTimeoutMs: 300,
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /could not set profiling on 1 of 3 members:\n {2}- mongo-2:27017 \(reached at 127\.0\.0\.1:\d+\) did not answer within 1 s[\s\S]*Set on: mongo-0:27017, mongo-1:27017\.[\s\S]*Fix: bring the member back/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(c.profilingLevel(0, "node_a_kato")).toBe(1);
    expect(c.profilingLevel(1, "node_c_kato")).toBe(2);

    // Refresh does not fail: it reports the member it could not read, so preview proposes an update.
    const read = await inspectProfiling({
      ...profilingRequest(harnessOf(c), { databases: tenants }),
      attemptTimeoutMs: 300,
    });
    expect(read[2]).toMatchObject({
      member: "mongo-2:27017",
      reachable: false,
      error: expect.stringMatching(/.+/),
    });
    // Delete skips it (it gets the defaults when it starts again).
    const reset = await resetProfiling({
      ...profilingRequest(harnessOf(c), { databases: tenants }),
      attemptTimeoutMs: 300,
    });
    expect(reset.skipped).toEqual(["mongo-2:27017"]);
    expect(c.profilingLevel(0, "node_a_kato")).toBe(0);
  });

  it("a member that refuses (not authorized) is named with the server's error", async () => {
    const c = await cluster();
    c.inject({
      member: 1,
      command: "profile",
      times: Number.POSITIVE_INFINITY,
      error: {
        code: 13,
        codeName: "Unauthorized",
        errmsg: "not authorized on node_a_kato to execute command",
      },
    });
    await expect(applyProfiling(profilingRequest(harnessOf(c), { databases: tenants }))).rejects.toThrow(
      /mongo-1:27017 .*answered with an error: not authorized .*\(code 13 Unauthorized\)/,
    );
  });

  it("works on members in any state: secondaries and a member with no config yet", async () => {
    const c = new FakeMongoCluster({ members: 2, root });
    clusters.push(c);
    await c.start(); // never initiated
    const result = await applyProfiling(profilingRequest(harnessOf(c), { databases: { node_a_kato: 1 } }));
    expect(result.members.every((o) => o.reachable && Object.keys(o.mismatched).length === 0)).toBe(true);
  });
});
