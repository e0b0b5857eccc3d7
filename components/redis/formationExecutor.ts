/**
 * The I/O half of cluster formation: read every node (one pipelined round trip each, all nodes in
 * parallel), ask the planner what is missing, send it, and poll until every node agrees. Used by the
 * `RedisClusterFormation` dynamic provider, the tests and the live suite.
 *
 * Serialized with the dynamic provider: no `@pulumi/*` import, `ioredis` is required inside
 * functions, and no client outlives a call.
 */
import { type RedisClients, redisClients, sendSteps, unreached } from "./clients";
import type { ClusterNodeEntry } from "./clusterState";
import {
  isLoopback,
  parseClientInfo,
  parseClusterNodes,
  parseConfigReply,
  parseInfo,
  splitHostPort,
} from "./clusterState";
import {
  type ClusterSummary,
  describeStep,
  type FormationPlan,
  type FormationSpec,
  type FormationStep,
  isFreshCluster,
  type MemberObservation,
  planFormation,
  STEP_ORDER,
  summarizeCluster,
} from "./formationPlan";

/** A node as the executor reaches it from here. */
export interface FormationMember {
  /** Advertised `host:port` (the name in the spec). */
  advertised: string;
  /** Where to connect from here. */
  host: string;
  port: number;
  /**
   * True when the connection reaches the node without a tunnel (a published Docker port, a test
   * server): then the node's own side of the connection (CLIENT INFO laddr) is the IP its peers use.
   * Through a Kubernetes port-forward it is 127.0.0.1, and the node's announced IP is used instead.
   */
  direct: boolean;
}

export interface FormationOptions {
  password?: string;
  /** Overall bound of a run, connect retries and waiting included. */
  timeoutMs: number;
  /** Pause between reads while waiting for gossip or replicas. Default 50 ms. */
  pollMs?: number;
  /** Per connection attempt and per command. Default 2000 ms. */
  commandTimeoutMs?: number;
  /** Progress lines (applied steps, what is waited for). */
  log?: (line: string) => void;
}

export interface FormationResult {
  summary: ClusterSummary;
  /** Steps sent, as Redis commands. */
  applied: string[];
  /** Settings drift found (and repaired). */
  drift: string[];
  rounds: number;
  elapsedMs: number;
}

export interface Inspection {
  observed: MemberObservation[];
  plan: FormationPlan;
  summary: ClusterSummary;
  converged: boolean;
}

/** The CONFIG GET parameters every read asks for (the planner compares them to the spec). */
function configKeys(spec: FormationSpec): string[] {
  return Object.keys(spec.expectedConfig);
}

/**
 * A Redis error reply that waiting will not change (wrong password, cluster support off, a command
 * refused), as opposed to a node that is down, starting, or loading its data.
 */
function answeredForGood(error: string): boolean {
  if (/^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/.test(error)) return false;
  return /^(ERR|WRONGPASS|NOAUTH|NOPERM|WRONGTYPE)\b/.test(error) || /no 'myself' line/.test(error);
}

async function observeMember(
  pool: RedisClients<FormationMember>,
  member: FormationMember,
  keys: string[],
): Promise<MemberObservation> {
  try {
    const client = await pool.get(member);
    const pipeline = client
      .pipeline()
      .call("CLUSTER", "NODES")
      .call("CLUSTER", "INFO")
      .call("INFO", "replication")
      .call("CLIENT", "INFO");
    if (keys.length > 0) pipeline.call("CONFIG", "GET", ...keys);
    const replies: [Error | null, unknown][] = await pipeline.exec();
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
    const [nodesText, infoText, replText, clientText, configReply] = replies.map(([, v]) => v);
    const view = parseClusterNodes(String(nodesText));
    const mine = view.find((e) => e.flags.includes("myself"));
    if (!mine) throw new Error("CLUSTER NODES has no 'myself' line (is cluster-enabled off?)");
    const laddr = splitHostPort(parseClientInfo(String(clientText)).laddr ?? "");
    // Direct connections land on the node's own address; through a tunnel, trust what it announces.
    const ip =
      member.direct && laddr && (!isLoopback(laddr.host) || isLoopback(member.host)) ? laddr.host : mine.ip;
    const self: ClusterNodeEntry = { ...mine, ip };
    return {
      name: member.advertised,
      reachable: true,
      self,
      view: view.map((e) => (e === mine ? self : e)),
      clusterInfo: parseInfo(String(infoText)),
      replication: parseInfo(String(replText)),
      config: parseConfigReply(configReply),
    };
  } catch (error) {
    return unreached(pool, member, error, answeredForGood);
  }
}

async function observeAll(
  pool: RedisClients<FormationMember>,
  members: FormationMember[],
  spec: FormationSpec,
): Promise<MemberObservation[]> {
  const keys = configKeys(spec);
  return Promise.all(members.map((m) => observeMember(pool, m, keys)));
}

function commandOf(step: FormationStep): (string | number)[] {
  switch (step.kind) {
    case "set-config-epoch":
      return ["CLUSTER", "SET-CONFIG-EPOCH", step.epoch];
    case "add-slots":
      return ["CLUSTER", "ADDSLOTSRANGE", ...step.ranges.flat()];
    case "meet":
      return ["CLUSTER", "MEET", step.ip, step.port, step.cport];
    case "replicate":
      return ["CLUSTER", "REPLICATE", step.masterId];
    case "forget":
      return ["CLUSTER", "FORGET", step.nodeId];
    case "config-set":
      return ["CONFIG", "SET", step.parameter, step.value];
  }
}

/** Refusals that mean the step is already done or moot (another run got there first). */
function harmless(step: FormationStep, error: string): boolean {
  if (step.kind === "set-config-epoch")
    return /already non-zero|does not know any other node|know other nodes/i.test(error);
  if (step.kind === "forget") return /Unknown node/i.test(error);
  return false;
}

function applySteps(
  pool: RedisClients<FormationMember>,
  byName: Map<string, FormationMember>,
  steps: FormationStep[],
  log: (line: string) => void,
): Promise<string[]> {
  return sendSteps(
    pool,
    steps,
    {
      order: STEP_ORDER,
      kindOf: (step) => step.kind,
      serverOf: (step) => byName.get(step.member)!,
      commandOf,
      describe: describeStep,
      harmless,
      failure: { what: "Redis cluster formation", resumesFrom: "the nodes" },
    },
    log,
  );
}

/**
 * cluster-node-timeout while a fresh cluster forms. A master that has just left a minority (every
 * fresh master is one until its slots are assigned) reports cluster_state:fail for its node timeout
 * (clamped to 0.5..5 s) before it accepts writes, and peers ping each other at half the node timeout.
 * With the configured 5-15 s formation would wait that long for nothing; fresh nodes hold no data, so
 * a short timeout risks nothing, and it is put back as soon as every node agrees.
 */
export const FORMING_NODE_TIMEOUT_MS = 500;

function formingSpec(spec: FormationSpec): FormationSpec {
  const configured = Number(spec.expectedConfig["cluster-node-timeout"]);
  if (!(configured > FORMING_NODE_TIMEOUT_MS)) return spec;
  return {
    ...spec,
    expectedConfig: { ...spec.expectedConfig, "cluster-node-timeout": String(FORMING_NODE_TIMEOUT_MS) },
  };
}

/** Best effort after a failed fresh formation; a later run repairs whatever this could not reach. */
async function restoreNodeTimeout(
  pool: RedisClients<FormationMember>,
  members: FormationMember[],
  spec: FormationSpec,
): Promise<void> {
  const value = spec.expectedConfig["cluster-node-timeout"];
  if (value === undefined) return;
  await Promise.all(
    members.map(async (m) => {
      try {
        const client = await pool.get(m);
        await client.call("CONFIG", "SET", "cluster-node-timeout", value);
      } catch {
        // unreachable: the next run reports and repairs the drift
      }
    }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads every node once and plans, without changing anything (diff, read, checks). */
export async function inspectCluster(
  spec: FormationSpec,
  members: FormationMember[],
  options: FormationOptions,
): Promise<Inspection> {
  const pool = redisClients<FormationMember>(options);
  try {
    const observed = await observeAll(pool, members, spec);
    const plan = planFormation(spec, observed);
    return {
      observed,
      plan,
      summary: summarizeCluster(observed),
      converged: plan.blockers.length === 0 && plan.steps.length === 0 && plan.waiting.length === 0,
    };
  } finally {
    pool.close();
  }
}

/**
 * Forms or repairs the cluster: observe, plan, apply, repeat until every node agrees, within
 * `timeoutMs`. Throws with the nodes' own words when a node stays unreachable, a step fails, the
 * planner finds something it must not fix, or the nodes do not agree in time.
 */
export async function formCluster(
  spec: FormationSpec,
  members: FormationMember[],
  options: FormationOptions,
): Promise<FormationResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const log = options.log ?? (() => {});
  const byName = new Map(members.map((m) => [m.advertised, m]));
  for (const name of spec.members) {
    if (!byName.has(name)) throw new Error(`Redis cluster formation: no way to reach ${name} was given.`);
  }
  const pool = redisClients<FormationMember>(options);
  const applied: string[] = [];
  const drift: string[] = [];
  let rounds = 0;
  let lastWaiting: string[] = [];
  // While a fresh cluster forms, the nodes run with a short node timeout (see FORMING_NODE_TIMEOUT_MS);
  // `working` is the spec asking for it, `spec` the one restored once every node agrees.
  let working = spec;
  let restoring = false;
  let decided = false;
  try {
    for (;;) {
      rounds++;
      const observed = await observeAll(pool, members, working);
      // Decided once, on the first round where every node answers.
      if (!decided && observed.every((o) => o.reachable)) {
        decided = true;
        if (isFreshCluster(observed)) working = formingSpec(spec);
      }
      const plan = planFormation(working, observed);
      const refused = observed.filter((o) => !o.reachable && o.refused);
      if (refused.length > 0) {
        throw new Error(
          `Redis cluster formation cannot read ${refused.length} node(s):\n  - ${refused
            .map((o) => `${o.name} answered ${(o as { error: string }).error}`)
            .join("\n  - ")}\nCheck the password and that the node runs with cluster-enabled yes.`,
        );
      }
      const unreachable = observed.filter((o) => !o.reachable);
      if (unreachable.length > 0) {
        if (Date.now() >= deadline) {
          throw new Error(
            `Redis cluster formation: ${unreachable.length} of ${members.length} node(s) did not answer within ${Math.round(options.timeoutMs / 1000)} s:\n  - ${unreachable
              .map((o) => `${o.name} (${(o as { error: string }).error})`)
              .join(
                "\n  - ",
              )}\nEvery node must answer before the cluster is changed. Start the node(s) and run \`pulumi up\` again; formation resumes from what the nodes report.`,
          );
        }
        lastWaiting = unreachable.map((o) => `${o.name} to answer`);
        await sleep(Math.min(options.pollMs ?? 50, 250) * 4);
        continue;
      }
      if (plan.blockers.length > 0) {
        throw new Error(`Redis cluster formation cannot continue:\n  - ${plan.blockers.join("\n  - ")}`);
      }
      // The node timeout changes made for a fresh formation are ours, not drift.
      const ours = (d: string) => (working !== spec || restoring) && d.includes(": cluster-node-timeout is ");
      drift.push(...plan.drift.filter((d) => !drift.includes(d) && !ours(d)));
      if (plan.steps.length > 0) {
        if (Date.now() >= deadline) {
          throw new Error(
            `Redis cluster formation did not finish within ${Math.round(options.timeoutMs / 1000)} s; still to do: ${plan.steps.map(describeStep).join("; ")}`,
          );
        }
        applied.push(...(await applySteps(pool, byName, plan.steps, log)));
        continue;
      }
      if (plan.waiting.length === 0) {
        if (working !== spec) {
          // Formed: give the nodes their configured node timeout back (the next round plans the CONFIG SET).
          working = spec;
          restoring = true;
          continue;
        }
        return {
          summary: summarizeCluster(observed),
          applied,
          drift,
          rounds,
          elapsedMs: Date.now() - started,
        };
      }
      if (plan.waiting.join() !== lastWaiting.join()) log(`waiting: ${plan.waiting.join(" ")}`);
      lastWaiting = plan.waiting;
      if (Date.now() >= deadline) {
        throw new Error(
          `Redis cluster formation: the nodes did not agree within ${Math.round(options.timeoutMs / 1000)} s. Still waiting for:\n  - ${plan.waiting.join("\n  - ")}\nRun \`pulumi up\` again once the nodes are healthy; formation resumes from what they report.`,
        );
      }
      await sleep(options.pollMs ?? 50);
    }
  } catch (error) {
    if (working !== spec) await restoreNodeTimeout(pool, members, spec);
    throw error;
  } finally {
    pool.close();
  }
}
