/**
 * Test bodies for the MongoProfiling executor that hold against any replica set: they run against
 * the fake (test/mongodb/profiling.fake.test.ts) and against a real server (test/live/mongodb.test.ts).
 * Each test puts the members back to the server defaults at its end (slowms is process-wide).
 */
import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import {
  applyProfiling,
  inspectProfiling,
  type ProfilingRequest,
  resetProfiling,
} from "../../../components/mongodb/profilingExecutor";
import { type ProfilingSettings, resolveProfiling } from "../../../components/mongodb/profilingPlan";
import type { ReachableMember } from "../../../components/shared/access";

export interface ProfilingHarness {
  members(): ReachableMember[];
  credentials: { username: string; password: string };
  /** A fresh database name per call. */
  database(): string;
  /** `profile` commands a member received for a database, when countable. */
  count?(member: string, database: string): number;
}

export function profilingRequest(
  h: ProfilingHarness,
  settings: ProfilingSettings,
  removed: string[] = [],
): ProfilingRequest {
  const { spec, problems } = resolveProfiling(settings);
  if (!spec) throw new Error(JSON.stringify(problems));
  return {
    spec,
    removed,
    members: h.members(),
    credentials: h.credentials,
    timeoutMs: 20_000,
    attemptTimeoutMs: 2_000,
  };
}

/** `profile: -1` on one member, through its own direct connection. */
export async function levelOn(h: ProfilingHarness, member: ReachableMember, database: string) {
  const client = new MongoClient(`mongodb://${member.host}:${member.port}/?directConnection=true`, {
    auth: h.credentials,
    authSource: "admin",
    serverSelectionTimeoutMS: 5000,
  });
  try {
    return await client.db(database).command({ profile: -1 });
  } finally {
    await client.close();
  }
}

export async function setLevelOn(
  h: ProfilingHarness,
  member: ReachableMember,
  database: string,
  level: number,
) {
  const client = new MongoClient(`mongodb://${member.host}:${member.port}/?directConnection=true`, {
    auth: h.credentials,
    authSource: "admin",
    serverSelectionTimeoutMS: 5000,
  });
  try {
    await client.db(database).command({ profile: level });
  } finally {
    await client.close();
  }
}

export function profilingContract(harness: () => Promise<ProfilingHarness>): void {
  describe("MongoProfiling executor", () => {
    it("sets each declared level and the process-wide slowms on every member, each reached directly", async () => {
      const h = await harness();
      const [a, b] = [h.database(), h.database()];
      const settings = { databases: { [a]: 1 as const, [b]: 2 as const }, slowms: 150 };
      try {
        const result = await applyProfiling(profilingRequest(h, settings));
        expect(result.members.map((m) => m.member)).toEqual(h.members().map((m) => m.advertised));
        for (const o of result.members)
          expect(o).toMatchObject({ reachable: true, slowms: 150, mismatched: {} });
        for (const member of h.members()) {
          expect(await levelOn(h, member, a)).toMatchObject({ was: 1, slowms: 150 });
          expect(await levelOn(h, member, b)).toMatchObject({ was: 2 });
          if (h.count) expect(h.count(member.advertised, a)).toBeGreaterThanOrEqual(1);
        }
        expect(Object.keys(result.changed).sort()).toEqual(
          h
            .members()
            .map((m) => m.advertised)
            .sort(),
        );
      } finally {
        await resetProfiling(profilingRequest(h, settings));
      }
    });

    it("changes nothing on a second run, and reads every member back in sync", async () => {
      const h = await harness();
      const a = h.database();
      const settings = { databases: { [a]: 1 as const } };
      try {
        await applyProfiling(profilingRequest(h, settings));
        const again = await applyProfiling(profilingRequest(h, settings));
        expect(again.changed).toEqual({});
        const read = await inspectProfiling(profilingRequest(h, settings));
        for (const o of read)
          expect(o).toMatchObject({ reachable: true, slowms: 100, sampleRate: 1, mismatched: {} });
      } finally {
        await resetProfiling(profilingRequest(h, settings));
      }
    });

    it("reports a member whose level was changed behind its back, and sets it again", async () => {
      const h = await harness();
      const a = h.database();
      const settings = { databases: { [a]: 1 as const } };
      const last = h.members()[h.members().length - 1]!;
      try {
        await applyProfiling(profilingRequest(h, settings));
        await setLevelOn(h, last, a, 0);
        const read = await inspectProfiling(profilingRequest(h, settings));
        const drifted = read.filter((o) => Object.keys(o.mismatched).length > 0);
        expect(drifted).toEqual([
          { member: last.advertised, reachable: true, slowms: 100, sampleRate: 1, mismatched: { [a]: 0 } },
        ]);
        const fixed = await applyProfiling(profilingRequest(h, settings));
        expect(fixed.changed).toEqual({ [last.advertised]: [a] });
        expect(await levelOn(h, last, a)).toMatchObject({ was: 1 });
      } finally {
        await resetProfiling(profilingRequest(h, settings));
      }
    });

    it("sets a database no longer declared back to the server default, and delete resets the rest", async () => {
      const h = await harness();
      const [a, b] = [h.database(), h.database()];
      const both = { databases: { [a]: 1 as const, [b]: 1 as const }, slowms: 120 };
      await applyProfiling(profilingRequest(h, both));
      await applyProfiling(profilingRequest(h, { databases: { [a]: 1 }, slowms: 120 }, [b]));
      for (const member of h.members()) expect(await levelOn(h, member, b)).toMatchObject({ was: 0 });
      await resetProfiling(profilingRequest(h, both));
      for (const member of h.members())
        expect(await levelOn(h, member, a)).toMatchObject({ was: 0, slowms: 100 });
    });
  });
}
