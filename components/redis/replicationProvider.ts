/**
 * The dynamic provider behind `RedisReplicationFormation`, in the pattern of formationProvider.ts:
 * Pulumi serializes this object (and everything it references) and runs it in a separate process,
 * so no `@pulumi/*` import here or in what it imports, `ioredis` is required inside functions, and no
 * client or secret is captured.
 *
 * - check: the inputs describe a replication set (1 + replicas nodes, an odd number of Sentinels, a
 *   quorum that is a majority, a password).
 * - diff: pure, olds against news: an input change, or a `status` other than `formed` recorded by
 *   the last create/update/read (a replica following the wrong node, a Sentinel not monitoring the
 *   primary or with the wrong quorum, settings drift), is a change, so `pulumi preview --refresh`
 *   shows the repair. It reads no server. Never a replacement.
 * - create / update: form or repair, wait until settled (bounded). A changed password is set on
 *   every Sentinel's monitor (SENTINEL SET auth-pass) by the update.
 * - read (refresh): what the servers report now; `status` says whether anything needs repair.
 * - delete: nothing (the servers and their volumes hold the state; Sentinel keeps its own file).
 */
import type * as pulumi from "@pulumi/pulumi";
import { type EngineAccess, withReachableMembers } from "../shared/access";
import { hasUnknown } from "../shared/unknown";
import { formReplication, inspectReplication, type ReplicationMember } from "./replicationExecutor";
import { describeReplicationStep, type ReplicationSpec } from "./replicationPlan";

export interface ReplicationInputs {
  /** How to reach each redis-server from where `pulumi up` runs (advertised names; the first is the planned primary). */
  access: EngineAccess;
  /** How to reach each Sentinel. */
  sentinelAccess: EngineAccess;
  masterName: string;
  quorum: number;
  /** SENTINEL SET values (down-after-milliseconds, failover-timeout, parallel-syncs). */
  sentinelConfig: Record<string, string>;
  /** CONFIG GET values every node must report. */
  expectedConfig: Record<string, string>;
  /** requirepass of the nodes and Sentinels (a secret). */
  password: string;
  timeoutSeconds: number;
}

export interface ReplicationOutputs extends ReplicationInputs {
  /** The node that is primary now (it moves with failovers). */
  primary: string;
  replicas: string[];
  sentinelsMonitoring: number;
  drift: string[];
  /** `formed`, or what the last read found still to do. */
  status: string;
}

function specOf(inputs: ReplicationInputs): ReplicationSpec {
  return {
    masterName: inputs.masterName,
    nodes: inputs.access.members.map((m) => m.advertised),
    sentinels: inputs.sentinelAccess.members.map((m) => m.advertised),
    quorum: inputs.quorum,
    sentinelConfig: inputs.sentinelConfig,
    expectedConfig: inputs.expectedConfig,
  };
}

/** Opens the ways to every node and Sentinel (port-forwards on Kubernetes), runs `fn`, closes them. */
function withServers<T>(
  inputs: ReplicationInputs,
  fn: (nodes: ReplicationMember[], sentinels: ReplicationMember[]) => Promise<T>,
): Promise<T> {
  const nodeNames = new Set(inputs.access.members.map((m) => m.advertised));
  return withReachableMembers(
    { members: [...inputs.access.members, ...inputs.sentinelAccess.members] },
    (reachable) =>
      fn(
        reachable.filter((r) => nodeNames.has(r.advertised)),
        reachable.filter((r) => !nodeNames.has(r.advertised)),
      ),
  );
}

/** Problems with the inputs themselves (run at preview, before any server is touched). */
export function replicationInputProblems(inputs: ReplicationInputs): string[] {
  const problems: string[] = [];
  const nodes = inputs.access?.members?.map((m) => m.advertised) ?? [];
  const sentinels = inputs.sentinelAccess?.members?.map((m) => m.advertised) ?? [];
  if (nodes.length < 2)
    problems.push(`replication needs a primary and at least one replica, got ${nodes.length} node(s).`);
  if (sentinels.length < 3 || sentinels.length % 2 === 0)
    problems.push(`an odd number of Sentinels, at least 3, is needed; got ${sentinels.length}.`);
  const all = [...nodes, ...sentinels];
  if (new Set(all).size !== all.length) problems.push("node and Sentinel names must be unique.");
  const majority = Math.floor(sentinels.length / 2) + 1;
  if (!Number.isInteger(inputs.quorum) || inputs.quorum < majority || inputs.quorum > sentinels.length)
    problems.push(`quorum ${inputs.quorum} must be from ${majority} (a majority) to ${sentinels.length}.`);
  if (typeof inputs.masterName !== "string" || !/^[A-Za-z0-9._-]+$/.test(inputs.masterName))
    problems.push("masterName must be letters, digits, '.', '_' or '-'.");
  if (typeof inputs.password !== "string" || inputs.password.length === 0)
    problems.push("a password is required.");
  if (!(inputs.timeoutSeconds > 0)) problems.push("timeoutSeconds must be positive.");
  return problems;
}

async function form(inputs: ReplicationInputs, resetAuth: boolean): Promise<ReplicationOutputs> {
  const result = await withServers(inputs, async (nodes, sentinels) => {
    if (resetAuth) await setAuthPass(inputs, sentinels);
    return formReplication(specOf(inputs), nodes, sentinels, {
      password: inputs.password,
      timeoutMs: inputs.timeoutSeconds * 1000,
    });
  });
  return {
    ...inputs,
    primary: result.summary.primary ?? "",
    replicas: result.summary.replicas,
    sentinelsMonitoring: result.summary.sentinelsMonitoring,
    drift: result.drift,
    status: "formed",
  };
}

/**
 * A changed password: every Sentinel that monitors the master gets the new auth-pass (Sentinel
 * cannot report the one it has, so the plan cannot see this drift). Best effort: a Sentinel that does
 * not monitor yet gets it with its monitor.
 */
async function setAuthPass(inputs: ReplicationInputs, sentinels: ReplicationMember[]): Promise<void> {
  const Redis = require("ioredis");
  await Promise.all(
    sentinels.map(async (s) => {
      const client = new Redis({
        host: s.host,
        port: s.port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
        connectTimeout: 2000,
        commandTimeout: 2000,
      });
      client.on("error", () => {});
      try {
        await client.connect();
        await client.call("AUTH", inputs.password);
        await client.call("SENTINEL", "SET", inputs.masterName, "auth-pass", inputs.password);
      } catch {
        // not monitoring yet, or unreachable: the formation reports it
      } finally {
        client.disconnect();
      }
    }),
  );
}

/** Inputs that change what the set should be (the time bound does not). */
function meaningfulInputs(inputs: ReplicationInputs): string {
  return JSON.stringify([
    inputs.access,
    inputs.sentinelAccess,
    inputs.masterName,
    inputs.quorum,
    inputs.sentinelConfig,
    inputs.expectedConfig,
    inputs.password,
  ]);
}

export const redisReplicationProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: ReplicationInputs, news: ReplicationInputs) {
    if (hasUnknown(news)) return { inputs: news };
    return {
      inputs: news,
      failures: replicationInputProblems(news).map((reason) => ({ property: "access", reason })),
    };
  },

  async diff(_id: string, olds: ReplicationOutputs, news: ReplicationInputs) {
    if (hasUnknown(news)) return { changes: true, replaces: [], deleteBeforeReplace: false };
    if (meaningfulInputs(olds) !== meaningfulInputs(news) || (olds.status ?? "formed") !== "formed") {
      return { changes: true, replaces: [], deleteBeforeReplace: false };
    }
    // A pure plan of olds against news: what the last create, update or read observed (its
    // `status`) stands for the live servers. Drift shows once a refresh has read it
    // (`pulumi preview --refresh`, `pulumi refresh`), the same for every kato-infra provider.
    return { changes: false, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs: ReplicationInputs) {
    const outs = await form(inputs, false);
    return { id: `redis-replication-${inputs.masterName}-${inputs.access.members[0]!.advertised}`, outs };
  },

  async update(_id: string, olds: ReplicationOutputs, news: ReplicationInputs) {
    return { outs: await form(news, olds.password !== news.password) };
  },

  async read(id: string, props: ReplicationOutputs) {
    const seen = await withServers(props, (nodes, sentinels) =>
      inspectReplication(specOf(props), nodes, sentinels, { password: props.password, timeoutMs: 10_000 }),
    );
    const todo = [
      ...seen.plan.blockers,
      ...seen.plan.steps.map(describeReplicationStep),
      ...seen.plan.waiting,
    ];
    return {
      id,
      props: {
        ...props,
        primary: seen.summary.primary ?? "",
        replicas: seen.summary.replicas,
        sentinelsMonitoring: seen.summary.sentinelsMonitoring,
        drift: seen.plan.drift,
        status: todo.length === 0 ? "formed" : `needs repair: ${todo.slice(0, 5).join("; ")}`,
      },
    };
  },

  async delete() {
    // Nothing to undo: see the module comment.
  },
};
