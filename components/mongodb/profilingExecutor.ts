/**
 * The MongoProfiling executor: the plan's `profile` commands on every member, each reached directly
 * (the level is per mongod and not replicated, so going through the primary would set it on one
 * member only). Members run side by side; within one member at most two commands are in flight (the
 * client pool). A member that does not answer is named in the error, after the others are done.
 *
 * Serialized with the dynamic provider: no `@pulumi/*` import; the driver is required lazily.
 */
import type { ReachableMember } from "../shared/access";
import {
  describeMember,
  errorText,
  isUnreachable,
  type MemberClients,
  type MongoCredentials,
  openMemberClients,
} from "./memberClients";
import {
  applyCommands,
  type MemberObservation,
  type MemberProfilingState,
  observe,
  type ProfileCommand,
  type ResolvedProfiling,
  readCommands,
  resetCommands,
  unreachable,
} from "./profilingPlan";

export interface ProfilingRequest {
  spec: ResolvedProfiling;
  /** Databases the previous declaration had and this one does not (set back to the server default). */
  removed?: string[];
  members: ReachableMember[];
  credentials: MongoCredentials;
  /** Bound of one member's whole run (connect and every command). Default 60 s. */
  timeoutMs?: number;
  /** Bound of one connection attempt. Default min(timeoutMs, 5 s). */
  attemptTimeoutMs?: number;
}

export interface ProfilingApplyResult {
  /** Every member, as it is after this run (each in sync when the run succeeds). */
  members: MemberObservation[];
  /** Per member, the databases whose level this run changed (a restart shows up here). */
  changed: Record<string, string[]>;
}

const IN_FLIGHT_PER_MEMBER = 2;

/** Runs `fn` over `items` with at most `limit` calls pending. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`);
      (error as Error & { timedOut?: boolean }).timedOut = true;
      reject(error);
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One command as the driver sends it: sampleRate as a BSON double (the server refuses an int). */
function wire(command: ProfileCommand["command"]): Record<string, unknown> {
  if (command.sampleRate === undefined) return { ...command };
  const { Double } = require("mongodb") as typeof import("mongodb");
  return { ...command, sampleRate: new Double(command.sampleRate) };
}

interface MemberOutcome {
  member: ReachableMember;
  ok: boolean;
  error?: unknown;
  state?: MemberProfilingState;
  changed: string[];
}

/** Runs `commands` on one member; the reply of `profile` is the state before the command. */
async function runOnMember(
  clients: MemberClients,
  member: ReachableMember,
  commands: ProfileCommand[],
  request: ProfilingRequest,
): Promise<MemberOutcome> {
  const timeoutMs = request.timeoutMs ?? 60_000;
  const changed: string[] = [];
  try {
    const replies = await withDeadline(
      mapLimit(commands, IN_FLIGHT_PER_MEMBER, (c) => clients.command(member, c.database, wire(c.command))),
      timeoutMs,
      `the profile commands on ${describeMember(member)}`,
    );
    const levels: Record<string, number> = {};
    let slowms = 0;
    let sampleRate = 0;
    replies.forEach((reply, i) => {
      const c = commands[i]!;
      const before = Number(reply.was);
      const after = c.command.profile >= 0 && c.command.profile <= 2 ? c.command.profile : before;
      if (i === 0) {
        slowms = c.command.slowms ?? Number(reply.slowms);
        sampleRate = c.command.sampleRate ?? Number(reply.sampleRate);
        return;
      }
      levels[c.database] = after;
      if (after !== before) changed.push(c.database);
    });
    return { member, ok: true, state: { slowms, sampleRate, levels }, changed };
  } catch (error) {
    await clients.reset(member);
    return { member, ok: false, error, changed };
  }
}

async function onEveryMember(
  request: ProfilingRequest,
  commands: ProfileCommand[],
): Promise<MemberOutcome[]> {
  const timeoutMs = request.timeoutMs ?? 60_000;
  const clients = openMemberClients(request.credentials, {
    attemptTimeoutMs: request.attemptTimeoutMs ?? Math.min(timeoutMs, 5_000),
  });
  try {
    return await Promise.all(request.members.map((m) => runOnMember(clients, m, commands, request)));
  } finally {
    await clients.close();
  }
}

function failureLine(o: MemberOutcome, attemptMs: number): string {
  if ((o.error as { timedOut?: boolean })?.timedOut) return `  - ${(o.error as Error).message}`;
  const why = isUnreachable(o.error)
    ? `did not answer within ${Math.max(1, Math.round(attemptMs / 1000))} s (${errorText(o.error)})`
    : `answered with an error: ${errorText(o.error)}`;
  return `  - ${describeMember(o.member)} ${why}`;
}

/** Sets the declared profiling on every member; throws naming each member it could not set. */
export async function applyProfiling(request: ProfilingRequest): Promise<ProfilingApplyResult> {
  const commands = applyCommands(request.spec, request.removed ?? []);
  const outcomes = await onEveryMember(request, commands);
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length > 0) {
    const attemptMs = request.attemptTimeoutMs ?? Math.min(request.timeoutMs ?? 60_000, 5_000);
    const done = outcomes.filter((o) => o.ok).map((o) => o.member.advertised);
    throw new Error(
      [
        `MongoProfiling: could not set profiling on ${failed.length} of ${outcomes.length} member${outcomes.length === 1 ? "" : "s"}:`,
        ...failed.map((o) => failureLine(o, attemptMs)),
        done.length > 0 ? `Set on: ${done.join(", ")}.` : "Set on no member.",
        "The level is kept per member and lost when a member restarts, so every member must be set. Fix: bring the member back (its container or pod, its logs), then run pulumi up again.",
      ].join("\n"),
    );
  }
  const members = outcomes.map((o) => observe(o.member.advertised, request.spec, o.state!));
  const changed: Record<string, string[]> = {};
  for (const o of outcomes) if (o.changed.length > 0) changed[o.member.advertised] = o.changed;
  return { members, changed };
}

/**
 * Reads every member back (refresh). A member that cannot be read is reported as such rather than
 * failing the refresh, so the next preview proposes setting it again.
 */
export async function inspectProfiling(request: ProfilingRequest): Promise<MemberObservation[]> {
  const outcomes = await onEveryMember(request, readCommands(request.spec));
  return outcomes.map((o) =>
    o.ok
      ? observe(o.member.advertised, request.spec, o.state!)
      : unreachable(o.member.advertised, errorText(o.error)),
  );
}

/**
 * Deleting the declaration: every reachable member goes back to the server defaults. A member that
 * does not answer is skipped (it gets the defaults again when it restarts); a member that answers
 * with an error fails the delete.
 */
export async function resetProfiling(request: ProfilingRequest): Promise<{ skipped: string[] }> {
  const outcomes = await onEveryMember(request, resetCommands(request.spec));
  const refused = outcomes.filter((o) => !o.ok && !isUnreachable(o.error));
  if (refused.length > 0) {
    throw new Error(
      [
        "MongoProfiling: could not put the server defaults back on:",
        ...refused.map((o) => failureLine(o, request.attemptTimeoutMs ?? 5_000)),
      ].join("\n"),
    );
  }
  return { skipped: outcomes.filter((o) => !o.ok).map((o) => o.member.advertised) };
}
