/**
 * The dynamic provider behind `RedisClusterFormation`. The Pulumi dynamic-provider host runs it in a
 * separate process at preview/up/refresh/destroy, loaded through components/runtime.ts under the
 * name RedisClusterFormation (state holds only the shim of components/runtimeShim.ts), so: `ioredis`
 * is required inside functions, and no client or secret is kept between calls.
 *
 * - check: the inputs describe a cluster (every node once, slots covering 0..16383 once).
 * - diff: pure, olds against news: an input change, or a `status` other than `formed` recorded by
 *   the last create/update/read (a node the cluster lost, an address that changed, a missing
 *   replica, settings drift), is a change, so `pulumi preview --refresh` shows the repair and
 *   `pulumi up` runs it. It reads no server. Never a replacement.
 * - create / update: form or repair, wait until every node agrees (bounded).
 * - read (refresh): what the nodes report now; `status` says whether anything needs repair.
 * - delete: nothing. The servers hold their cluster state in nodes.conf on their volumes; the cluster
 *   disappears with them (and stays formed if the volumes are kept), so forgetting nodes would only
 *   destroy state.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type EngineAccess, withReachableMembers } from "../shared/access";
import { hasUnknown } from "../shared/unknown";
import { type FormationMember, formCluster, inspectCluster } from "./formationExecutor";
import { describeStep, type FormationSpec, type ObservedShard } from "./formationPlan";
import { SLOT_COUNT, type SlotRange } from "./topology";

export interface FormationInputs {
  /** How to reach each node from where `pulumi up` runs (advertised names, in ordinal order). */
  access: EngineAccess;
  /** Planned shards by advertised name. */
  shards: { master: string; replicas: string[]; slots: SlotRange[] }[];
  /** CONFIG GET values every node must report. */
  expectedConfig: Record<string, string>;
  /** requirepass of the nodes (a secret). */
  password: string;
  /** Bound of one formation run, in seconds. */
  timeoutSeconds: number;
}

export interface FormationOutputs extends FormationInputs {
  /** Node id of each node, by advertised name. */
  nodeIds: Record<string, string>;
  /** Shards as the nodes report them (roles move with failovers). */
  observedShards: ObservedShard[];
  /** Settings drift found at the last create/update/read. */
  drift: string[];
  /** `formed`, or what the last read found still to do. */
  status: string;
}

function specOf(inputs: FormationInputs): FormationSpec {
  return {
    members: inputs.access.members.map((m) => m.advertised),
    shards: inputs.shards,
    expectedConfig: inputs.expectedConfig,
  };
}

/** Opens the ways to the nodes (port-forwards on Kubernetes), runs `fn`, closes them. */
function withMembers<T>(inputs: FormationInputs, fn: (members: FormationMember[]) => Promise<T>): Promise<T> {
  const direct = new Map(inputs.access.members.map((m) => [m.advertised, m.reach.kind === "direct"]));
  return withReachableMembers(inputs.access, (reachable) =>
    fn(reachable.map((r) => ({ ...r, direct: direct.get(r.advertised) ?? true }))),
  );
}

/** Problems with the inputs themselves (run at preview, before any server is touched). */
export function formationInputProblems(inputs: FormationInputs): string[] {
  const problems: string[] = [];
  const names = inputs.access?.members?.map((m) => m.advertised) ?? [];
  if (names.length < 3) problems.push(`a Redis Cluster needs at least 3 nodes, got ${names.length}.`);
  if (new Set(names).size !== names.length) problems.push("node names must be unique.");
  const placed = new Map<string, number>();
  for (const shard of inputs.shards ?? []) {
    for (const n of [shard.master, ...shard.replicas]) placed.set(n, (placed.get(n) ?? 0) + 1);
  }
  for (const n of names) {
    if (placed.get(n) !== 1)
      problems.push(`${n} must be in exactly one shard (found in ${placed.get(n) ?? 0}).`);
  }
  for (const n of placed.keys()) if (!names.includes(n)) problems.push(`shard member ${n} is not a node.`);
  const covered = new Uint8Array(SLOT_COUNT);
  for (const shard of inputs.shards ?? []) {
    for (const [a, b] of shard.slots) {
      for (let s = a; s <= b; s++) {
        if (s < 0 || s >= SLOT_COUNT || covered[s]) {
          problems.push(`slot ${s} is out of range or in two shards.`);
          return problems;
        }
        covered[s] = 1;
      }
    }
  }
  if (covered.some((c) => c === 0)) problems.push(`the shards' slots must cover 0..${SLOT_COUNT - 1}.`);
  if (typeof inputs.password !== "string" || inputs.password.length === 0)
    problems.push("a password is required.");
  if (!(inputs.timeoutSeconds > 0)) problems.push("timeoutSeconds must be positive.");
  return problems;
}

async function form(inputs: FormationInputs): Promise<FormationOutputs> {
  const result = await withMembers(inputs, (members) =>
    formCluster(specOf(inputs), members, {
      password: inputs.password,
      timeoutMs: inputs.timeoutSeconds * 1000,
    }),
  );
  return {
    ...inputs,
    nodeIds: result.summary.nodeIds,
    observedShards: result.summary.shards,
    drift: result.drift,
    status: "formed",
  };
}

/** Inputs that change what the cluster should be (the time bound does not). */
function meaningfulInputs(inputs: FormationInputs): string {
  return JSON.stringify([inputs.access, inputs.shards, inputs.expectedConfig, inputs.password]);
}

export const redisFormationProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: FormationInputs, news: FormationInputs) {
    if (hasUnknown(news)) return { inputs: news };
    const problems = formationInputProblems(news);
    return {
      inputs: news,
      failures: problems.map((reason) => ({ property: "shards", reason })),
    };
  },

  async diff(_id: string, olds: FormationOutputs, news: FormationInputs) {
    if (hasUnknown(news)) return { changes: true, replaces: [], deleteBeforeReplace: false };
    if (meaningfulInputs(olds) !== meaningfulInputs(news) || (olds.status ?? "formed") !== "formed") {
      return { changes: true, replaces: [], deleteBeforeReplace: false };
    }
    // A pure plan of olds against news: what the last create, update or read observed (its
    // `status`) stands for the live servers. Drift shows once a refresh has read it
    // (`pulumi preview --refresh`, `pulumi refresh`), the same for every kato-infra provider.
    return { changes: false, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs: FormationInputs) {
    const outs = await form(inputs);
    const first = inputs.access.members[0]!.advertised;
    return { id: `redis-cluster-${outs.nodeIds[first]}`, outs };
  },

  async update(_id: string, _olds: FormationOutputs, news: FormationInputs) {
    return { outs: await form(news) };
  },

  async read(id: string, props: FormationOutputs) {
    const seen = await withMembers(props, (members) =>
      inspectCluster(specOf(props), members, { password: props.password, timeoutMs: 10_000 }),
    );
    const todo = [...seen.plan.blockers, ...seen.plan.steps.map(describeStep), ...seen.plan.waiting];
    return {
      id,
      props: {
        ...props,
        nodeIds: seen.summary.nodeIds,
        observedShards: seen.summary.shards,
        drift: seen.plan.drift,
        status: todo.length === 0 ? "formed" : `needs repair: ${todo.slice(0, 5).join("; ")}`,
      },
    };
  },

  async delete() {
    // Nothing to undo: see the module comment.
  },
};
