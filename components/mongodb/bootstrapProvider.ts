/**
 * The dynamic provider of the resource in bootstrap.ts. The Pulumi dynamic-provider host runs it in its
 * own process, loaded through components/runtime.ts (state holds only the shim of
 * components/runtimeShim.ts); the program never loads it, nor the executor it drives.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type EngineAccess, withReachableMembers } from "../shared/access";
import { UNKNOWN } from "../shared/unknown";
import { bootstrapReplicaSet, readReplicaSetMembers } from "./bootstrapExecutor";

interface BootstrapInputs {
  replicaSetName: string;
  access: EngineAccess;
  rootUsername: string;
  rootPassword: string;
  appUsername: string;
  appPassword: string;
  timeoutSeconds?: number;
  serverRevision?: string;
}

interface BootstrapOutputs extends BootstrapInputs {
  members: string[];
  primary: string;
}

/** Runs the executor with every member reachable (port-forwards opened and closed around it). */
async function run(inputs: BootstrapInputs, leaving: EngineAccess["members"] = []) {
  const all: EngineAccess = { members: [...inputs.access.members, ...leaving] };
  return withReachableMembers(all, (reachable) => {
    const declared = reachable.slice(0, inputs.access.members.length);
    return bootstrapReplicaSet({
      replicaSetName: inputs.replicaSetName,
      members: declared,
      leaving: reachable.slice(inputs.access.members.length),
      root: { username: inputs.rootUsername, password: inputs.rootPassword },
      app: { username: inputs.appUsername, password: inputs.appPassword },
      timeoutMs: (inputs.timeoutSeconds ?? 300) * 1000,
    });
  });
}

function outputs(inputs: BootstrapInputs, result: { members: string[]; primary: string }): BootstrapOutputs {
  return { ...inputs, members: result.members, primary: result.primary };
}

const WATCHED: Array<keyof BootstrapInputs> = [
  "access",
  "rootUsername",
  "rootPassword",
  "appUsername",
  "appPassword",
  "timeoutSeconds",
  "serverRevision",
];

export const bootstrapProvider: pulumi.dynamic.ResourceProvider = {
  // A value not known yet (at preview) is checked at the next preview or up that knows it.
  async check(olds: any, news: any) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const nameKnown = news.replicaSetName !== UNKNOWN;
    if (nameKnown && (typeof news.replicaSetName !== "string" || news.replicaSetName.length === 0)) {
      failures.push({ property: "replicaSetName", reason: "replicaSetName must be a non-empty string." });
    }
    if (nameKnown && olds?.replicaSetName !== undefined && news.replicaSetName !== olds.replicaSetName) {
      failures.push({
        property: "replicaSetName",
        reason: `replicaSetName cannot change on a running set (was "${olds.replicaSetName}", now "${news.replicaSetName}"): every member keeps the name in its data. Fix: set it back, or give the set fresh volumes.`,
      });
    }
    const members = news.access === UNKNOWN ? undefined : news.access?.members;
    if (Array.isArray(members)) {
      if (members.length === 0)
        failures.push({ property: "access", reason: "a replica set needs at least one member." });
      // Only names known now can collide; unknown ones are compared when they are known.
      const names = members
        .map((m: { advertised?: unknown }) => m?.advertised)
        .filter((n: unknown): n is string => typeof n === "string" && n !== UNKNOWN)
        .map((n: string) => n.toLowerCase());
      if (new Set(names).size !== names.length) {
        failures.push({
          property: "access",
          reason: `two members advertise the same address: ${names.join(", ")}.`,
        });
      }
    }
    // Kubernetes removes the pods before the bootstrap can reconfigure them out (Docker deletes
    // containers last), so a scale-down there must leave a majority of the current set running.
    const before = olds?.access?.members?.length;
    const after = Array.isArray(members) ? members.length : undefined;
    const podsGoFirst =
      Array.isArray(members) &&
      members.some((m: { reach?: { kind?: string } }) => m?.reach?.kind === "port-forward");
    if (
      podsGoFirst &&
      typeof before === "number" &&
      typeof after === "number" &&
      after < before &&
      after <= before / 2
    ) {
      failures.push({
        property: "access",
        reason: `going from ${before} to ${after} members at once stops a majority of the current set before it can be reconfigured, leaving no primary. Fix: scale down in steps that keep more than half of the current members (e.g. 7 -> 5 -> 3), one pulumi up each; to go from 3 to 1, remove the leaving members on the primary first (rs.remove("<host:port>")), then run pulumi up.`,
      });
    }
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: any, news: any) {
    const changed = WATCHED.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs: any) {
    const result = await run(inputs);
    return { id: `${inputs.replicaSetName}`, outs: outputs(inputs, result) };
  },

  async update(_id: string, olds: any, news: any) {
    const stillDeclared = new Set(
      news.access.members.map((m: { advertised: string }) => m.advertised.toLowerCase()),
    );
    const leaving = (olds.access?.members ?? []).filter(
      (m: { advertised: string }) => !stillDeclared.has(m.advertised.toLowerCase()),
    );
    const result = await run(news, leaving);
    return { outs: outputs(news, result) };
  },

  async read(id: string, props: any) {
    const members = await withReachableMembers(props.access, (reachable) =>
      readReplicaSetMembers({
        replicaSetName: props.replicaSetName,
        members: reachable,
        root: { username: props.rootUsername, password: props.rootPassword },
        app: { username: props.appUsername, password: props.appPassword },
        timeoutMs: 30_000,
      }),
    );
    return { id, props: { ...props, members } };
  },

  // Nothing to undo: the set lives in the members' data, which the servers' own resources keep or delete.
  async delete() {},
};
