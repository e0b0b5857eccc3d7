/** Bootstrap decisions and membership steps: unit cases and properties. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decideBootstrap,
  type MemberProbe,
  nextMembershipStep,
  probeFromHello,
  type ReplicaSetConfig,
} from "../../components/mongodb/replicaSetPlan";

const hosts = ["m0:27017", "m1:27017", "m2:27017", "m3:27017", "m4:27017"];
const uninitiated = (h: string): MemberProbe => ({ advertised: h, state: "uninitiated" });
const member = (h: string, primary = false, set = "rs0"): MemberProbe => ({
  advertised: h,
  state: "member",
  setName: set,
  setVersion: 1,
  hosts: hosts.slice(0, 3),
  isWritablePrimary: primary,
  ...(primary ? { primary: h } : {}),
});

describe("probeFromHello", () => {
  it("tells members, uninitiated members and standalone servers apart", () => {
    expect(
      probeFromHello("a", {
        setName: "rs0",
        hosts: ["a"],
        setVersion: 2,
        isWritablePrimary: true,
        primary: "a",
      }).state,
    ).toBe("member");
    expect(
      probeFromHello("a", {
        isWritablePrimary: false,
        isreplicaset: true,
        info: "Does not have a valid replica set config",
      }).state,
    ).toBe("uninitiated");
    expect(probeFromHello("a", { ismaster: true }).state).toBe("standalone");
  });
});

describe("decideBootstrap", () => {
  it("initiates on member 0 with every declared member when nobody has a config", () => {
    expect(decideBootstrap("rs0", hosts.slice(0, 3), hosts.slice(0, 3).map(uninitiated))).toEqual({
      kind: "initiate",
      on: "m0:27017",
      config: { _id: "rs0", members: hosts.slice(0, 3).map((host, _id) => ({ _id, host })) },
    });
  });

  it("waits while a member is unreachable, rejects the credentials, or runs standalone", () => {
    const probes: MemberProbe[] = [
      uninitiated(hosts[0]!),
      { advertised: hosts[1]!, state: "unreachable", error: "refused" },
      uninitiated(hosts[2]!),
    ];
    expect(decideBootstrap("rs0", hosts.slice(0, 3), probes).kind).toBe("wait");
    expect(
      decideBootstrap("rs0", hosts.slice(0, 1), [{ advertised: hosts[0]!, state: "standalone" }]).kind,
    ).toBe("wait");
  });

  it("lets a member with no config rejoin when a peer has one", () => {
    const decision = decideBootstrap("rs0", hosts.slice(0, 3), [
      uninitiated(hosts[0]!),
      member(hosts[1]!, true),
      member(hosts[2]!),
    ]);
    expect(decision).toEqual({ kind: "existing", rejoining: ["m0:27017"] });
  });

  it("refuses a set with another name and two primaries of disjoint sets", () => {
    expect(decideBootstrap("rs0", [hosts[0]!], [member(hosts[0]!, true, "other")])).toMatchObject({
      kind: "error",
    });
    const a: MemberProbe = { ...(member(hosts[0]!, true) as any), hosts: [hosts[0]!] };
    const b: MemberProbe = { ...(member(hosts[1]!, true) as any), hosts: [hosts[1]!] };
    expect(decideBootstrap("rs0", hosts.slice(0, 2), [a, b])).toMatchObject({
      kind: "error",
      message: expect.stringMatching(/two different sets/),
    });
  });

  it("property: never initiates when any member has a config or any member has not answered", () => {
    const probe = fc.oneof(
      fc.constant<"uninitiated">("uninitiated"),
      fc.constant<"member">("member"),
      fc.constant<"unreachable">("unreachable"),
      fc.constant<"standalone">("standalone"),
    );
    fc.assert(
      fc.property(fc.array(probe, { minLength: 1, maxLength: 5 }), (states) => {
        const desired = hosts.slice(0, states.length);
        const probes = states.map(
          (s, i): MemberProbe =>
            s === "member"
              ? member(desired[i]!, i === 0)
              : s === "unreachable"
                ? { advertised: desired[i]!, state: s, error: "x" }
                : { advertised: desired[i]!, state: s },
        );
        const decision = decideBootstrap("rs0", desired, probes);
        if (decision.kind === "initiate") expect(states.every((s) => s === "uninitiated")).toBe(true);
        if (states.every((s) => s === "uninitiated")) expect(decision.kind).toBe("initiate");
      }),
      { numRuns: 2000 },
    );
  });
});

describe("nextMembershipStep", () => {
  const config = (list: string[]): ReplicaSetConfig => ({
    _id: "rs0",
    version: 3,
    members: list.map((host, _id) => ({ _id, host })),
  });

  it("adds before removing, and removes the highest member first", () => {
    expect(nextMembershipStep(config(hosts.slice(0, 3)), hosts.slice(0, 5), hosts[0])).toMatchObject({
      kind: "add",
      host: "m3:27017",
      config: { version: 4 },
    });
    expect(nextMembershipStep(config(hosts), hosts.slice(0, 3), hosts[0])).toMatchObject({
      kind: "remove",
      host: "m4:27017",
    });
    expect(nextMembershipStep(config(hosts), hosts.slice(0, 3), hosts[4])).toEqual({
      kind: "step-down",
      host: "m4:27017",
    });
    expect(nextMembershipStep(config(hosts.slice(0, 3)), hosts.slice(0, 3), hosts[0])).toBeUndefined();
  });

  it("property: any membership change converges, one voting member per reconfig, never removing the primary", () => {
    fc.assert(
      fc.property(
        fc.subarray(hosts, { minLength: 1 }),
        fc.subarray(hosts, { minLength: 1 }),
        fc.nat(),
        (start, desired, primaryPick) => {
          let current = config(start);
          let primary = start[primaryPick % start.length]!;
          let reconfigs = 0;
          for (let i = 0; i < 20; i++) {
            const step = nextMembershipStep(current, desired, primary);
            if (!step) break;
            if (step.kind === "step-down") {
              primary =
                current.members.map((m) => m.host).find((h) => h !== step.host && desired.includes(h)) ??
                current.members.find((m) => m.host !== step.host)!.host;
              continue;
            }
            const before = new Set(current.members.map((m) => m.host));
            const after = new Set(step.config.members.map((m) => m.host));
            const changed =
              [...before].filter((h) => !after.has(h)).length +
              [...after].filter((h) => !before.has(h)).length;
            expect(changed).toBe(1);
            expect(after.has(primary)).toBe(true);
            expect(step.config.version).toBe(current.version + 1);
            expect(new Set(step.config.members.map((m) => m._id)).size).toBe(step.config.members.length);
            current = step.config;
            reconfigs++;
          }
          expect(current.members.map((m) => m.host).sort()).toEqual([...desired].sort());
          const symmetricDifference =
            start.filter((h) => !desired.includes(h)).length +
            desired.filter((h) => !start.includes(h)).length;
          expect(reconfigs).toBe(symmetricDifference);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
