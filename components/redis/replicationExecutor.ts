/**
 * The I/O half of replication formation: read every node (INFO replication, CONFIG GET) and every
 * Sentinel (SENTINEL MASTER / REPLICAS / SENTINELS), ask the planner (replicationPlan.ts) what is
 * missing, send it, and poll until the plan is empty. A converged set costs one round of reads.
 *
 * Serialized with the dynamic provider: no `@pulumi/*` import, `ioredis` is required inside
 * functions, and no client outlives a call.
 */
import { type RedisClients, redisClients, sendSteps, unreached } from "./clients";
import { parseConfigReply, parseInfo } from "./clusterState";
import {
  describeReplicationStep,
  type NodeObservation,
  planReplication,
  REPLICATION_STEP_ORDER,
  type ReplicationPlan,
  type ReplicationSpec,
  type ReplicationStep,
  type ReplicationSummary,
  type SentinelObservation,
  summarizeReplication,
} from "./replicationPlan";

/** A node or Sentinel as the executor reaches it from here. */
export interface ReplicationMember {
  /** Advertised `host:port` (the name in the spec). */
  advertised: string;
  host: string;
  port: number;
}

export interface ReplicationOptions {
  /** requirepass of the nodes, auth-pass of the Sentinels' monitor, and the Sentinels' own password. */
  password: string;
  timeoutMs: number;
  pollMs?: number;
  commandTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ReplicationInspection {
  nodes: NodeObservation[];
  sentinels: SentinelObservation[];
  plan: ReplicationPlan;
  summary: ReplicationSummary;
  converged: boolean;
}

export interface ReplicationResult {
  summary: ReplicationSummary;
  /** Steps sent (the password never appears). */
  applied: string[];
  drift: string[];
  rounds: number;
  elapsedMs: number;
}

function answeredForGood(error: string): boolean {
  if (/^(LOADING|BUSY|MASTERDOWN|TRYAGAIN)\b/.test(error)) return false;
  return /^(ERR|WRONGPASS|NOAUTH|NOPERM|WRONGTYPE)\b/.test(error);
}

/** A flat `[field, value, field, value...]` reply as a record. */
function pairs(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}

async function observeNode(
  pool: RedisClients<ReplicationMember>,
  member: ReplicationMember,
  keys: string[],
): Promise<NodeObservation> {
  try {
    const client = await pool.get(member);
    const pipeline = client.pipeline().call("INFO", "replication");
    if (keys.length > 0) pipeline.call("CONFIG", "GET", ...keys);
    const replies: [Error | null, unknown][] = await pipeline.exec();
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
    return {
      name: member.advertised,
      reachable: true,
      replication: parseInfo(String(replies[0]![1])),
      config: keys.length > 0 ? parseConfigReply(replies[1]![1]) : {},
    };
  } catch (error) {
    return unreached(pool, member, error, answeredForGood);
  }
}

async function observeSentinel(
  pool: RedisClients<ReplicationMember>,
  member: ReplicationMember,
  masterName: string,
): Promise<SentinelObservation> {
  try {
    const client = await pool.get(member);
    const masters: unknown[] = await client.call("SENTINEL", "MASTERS");
    const monitored = masters.map(pairs).find((m) => m.name === masterName);
    if (!monitored) return { name: member.advertised, reachable: true, replicas: [], sentinels: [] };
    const [replicas, sentinels] = await Promise.all([
      client.call("SENTINEL", "REPLICAS", masterName) as Promise<unknown[]>,
      client.call("SENTINEL", "SENTINELS", masterName) as Promise<unknown[]>,
    ]);
    return {
      name: member.advertised,
      reachable: true,
      master: monitored,
      replicas: replicas.map(pairs),
      sentinels: sentinels.map(pairs),
    };
  } catch (error) {
    return unreached(pool, member, error, answeredForGood);
  }
}

async function observeAll(
  pool: RedisClients<ReplicationMember>,
  spec: ReplicationSpec,
  nodes: ReplicationMember[],
  sentinels: ReplicationMember[],
): Promise<{ nodes: NodeObservation[]; sentinels: SentinelObservation[] }> {
  const keys = Object.keys(spec.expectedConfig);
  const [n, s] = await Promise.all([
    Promise.all(nodes.map((m) => observeNode(pool, m, keys))),
    Promise.all(sentinels.map((m) => observeSentinel(pool, m, spec.masterName))),
  ]);
  return { nodes: n, sentinels: s };
}

function commandOf(step: ReplicationStep, password: string): (string | number)[] {
  switch (step.kind) {
    case "replicaof":
      return ["REPLICAOF", step.host, step.port];
    case "config-set":
      return ["CONFIG", "SET", step.parameter, step.value];
    case "sentinel-remove":
      return ["SENTINEL", "REMOVE", step.masterName];
    case "sentinel-monitor":
      return ["SENTINEL", "MONITOR", step.masterName, step.host, step.port, step.quorum];
    case "sentinel-set":
      return [
        "SENTINEL",
        "SET",
        step.masterName,
        step.field,
        step.field === "auth-pass" ? password : step.value,
      ];
    case "sentinel-reset":
      return ["SENTINEL", "RESET", step.masterName];
  }
}

function targetOf(step: ReplicationStep): string {
  return step.kind === "replicaof" || step.kind === "config-set" ? step.node : step.sentinel;
}

/** Refusals that mean the step is already done (another run or Sentinel got there first). */
function harmless(step: ReplicationStep, error: string): boolean {
  if (step.kind === "sentinel-remove") return /No such master/i.test(error);
  if (step.kind === "sentinel-monitor") return /Duplicated master name/i.test(error);
  return false;
}

function applySteps(
  pool: RedisClients<ReplicationMember>,
  byName: Map<string, ReplicationMember>,
  steps: ReplicationStep[],
  options: ReplicationOptions,
  log: (line: string) => void,
): Promise<string[]> {
  // Steps of one kind go out in parallel; one Sentinel's steps in their plan order.
  return sendSteps(
    pool,
    steps,
    {
      order: REPLICATION_STEP_ORDER,
      kindOf: (step) => step.kind,
      serverOf: (step) => byName.get(targetOf(step))!,
      commandOf: (step) => commandOf(step, options.password),
      describe: describeReplicationStep,
      harmless,
      failure: { what: "Redis replication formation", resumesFrom: "the nodes and Sentinels" },
    },
    log,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One round of reads and a plan; changes nothing (diff, read). */
export async function inspectReplication(
  spec: ReplicationSpec,
  nodes: ReplicationMember[],
  sentinels: ReplicationMember[],
  options: ReplicationOptions,
): Promise<ReplicationInspection> {
  const pool = redisClients<ReplicationMember>(options);
  try {
    const seen = await observeAll(pool, spec, nodes, sentinels);
    const plan = planReplication(spec, seen.nodes, seen.sentinels);
    return {
      ...seen,
      plan,
      summary: summarizeReplication(spec, plan, seen.nodes, seen.sentinels),
      converged: plan.blockers.length === 0 && plan.steps.length === 0 && plan.waiting.length === 0,
    };
  } finally {
    pool.close();
  }
}

/**
 * Forms or repairs replication: observe, plan, apply, repeat until nothing is missing and nothing is
 * left to wait for, within `timeoutMs`. Throws with the servers' own words otherwise.
 */
export async function formReplication(
  spec: ReplicationSpec,
  nodes: ReplicationMember[],
  sentinels: ReplicationMember[],
  options: ReplicationOptions,
): Promise<ReplicationResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const log = options.log ?? (() => {});
  const byName = new Map([...nodes, ...sentinels].map((m) => [m.advertised, m]));
  for (const name of [...spec.nodes, ...spec.sentinels]) {
    if (!byName.has(name)) throw new Error(`Redis replication formation: no way to reach ${name} was given.`);
  }
  const pool = redisClients<ReplicationMember>(options);
  const applied: string[] = [];
  const drift: string[] = [];
  let rounds = 0;
  let lastWaiting = "";
  try {
    for (;;) {
      rounds++;
      const seen = await observeAll(pool, spec, nodes, sentinels);
      const refused = [...seen.nodes, ...seen.sentinels].filter((o) => !o.reachable && o.refused);
      if (refused.length > 0) {
        throw new Error(
          `Redis replication formation cannot read ${refused.length} server(s):\n  - ${refused
            .map((o) => `${o.name} answered ${(o as { error: string }).error}`)
            .join("\n  - ")}\nCheck the password.`,
        );
      }
      const plan = planReplication(spec, seen.nodes, seen.sentinels);
      const unreachable = [...seen.nodes, ...seen.sentinels].filter((o) => !o.reachable);
      if (unreachable.length > 0 || plan.blockers.length > 0) {
        if (unreachable.length === 0 || Date.now() >= deadline) {
          throw new Error(
            `Redis replication formation cannot continue:\n  - ${plan.blockers.join("\n  - ")}\nEvery node and Sentinel must answer before roles are changed; start them and run \`pulumi up\` again.`,
          );
        }
        await sleep((options.pollMs ?? 100) * 2);
        continue;
      }
      drift.push(...plan.drift.filter((d) => !drift.includes(d)));
      if (plan.steps.length > 0) {
        if (Date.now() >= deadline) {
          throw new Error(
            `Redis replication formation did not finish within ${Math.round(options.timeoutMs / 1000)} s; still to do: ${plan.steps.map(describeReplicationStep).join("; ")}`,
          );
        }
        applied.push(...(await applySteps(pool, byName, plan.steps, options, log)));
        continue;
      }
      if (plan.waiting.length === 0) {
        return {
          summary: summarizeReplication(spec, plan, seen.nodes, seen.sentinels),
          applied,
          drift,
          rounds,
          elapsedMs: Date.now() - started,
        };
      }
      if (plan.waiting.join() !== lastWaiting) log(`waiting: ${plan.waiting.join(" ")}`);
      lastWaiting = plan.waiting.join();
      if (Date.now() >= deadline) {
        throw new Error(
          `Redis replication formation: not settled within ${Math.round(options.timeoutMs / 1000)} s. Still waiting for:\n  - ${plan.waiting.join("\n  - ")}\nRun \`pulumi up\` again once the servers are healthy; formation resumes from what they report.`,
        );
      }
      await sleep(options.pollMs ?? 100);
    }
  } finally {
    pool.close();
  }
}
