/**
 * The MongoReplicaSetBootstrap executor: waits for every member, initiates the set only when no
 * member has a config, reconciles membership one member at a time, and makes sure the application
 * user exists with the roles KATO needs. Every wait is bounded and names the member it waited for.
 *
 * Serialized with the dynamic provider: no `@pulumi/*` import; the driver is required lazily (in
 * memberClients.ts).
 */
import type { ReachableMember } from "../shared/access";
import {
  describeMember,
  errorCode,
  errorText,
  isUnreachable,
  type MemberClients,
  type MongoCredentials,
  openMemberClients,
  retryOnNewPrimary,
  sleep,
} from "./memberClients";
import {
  APP_USER_ROLES,
  DROP_DATABASE_ROLE,
  decideBootstrap,
  type MemberProbe,
  MONGO_ERRORS,
  nextMembershipStep,
  probeFromHello,
  RETRY_ON_NEW_PRIMARY,
  type ReplicaSetConfig,
} from "./replicaSetPlan";

export interface BootstrapRequest {
  replicaSetName: string;
  /** The declared members, in order (member 0 first), as reachable from here. */
  members: ReachableMember[];
  /** Members of the previous declaration that are no longer declared (reachable for removal). */
  leaving?: ReachableMember[];
  root: MongoCredentials;
  app: MongoCredentials;
  /** Bound of each wait (members answering, a primary being elected). */
  timeoutMs: number;
  /** Pause between polls. Default 500 ms. */
  pollMs?: number;
  /** One attempt's bound (connect + answer). Default 3000 ms. */
  attemptTimeoutMs?: number;
}

export interface BootstrapResult {
  /** This run initiated the set. */
  initiated: boolean;
  /** Members added and removed by this run, in order. */
  added: string[];
  removed: string[];
  /** Declared members that answered without a config while the set existed (they resync). */
  rejoining: string[];
  /** Advertised name of the primary at the end. */
  primary: string;
  /** Hosts of the replica set config at the end. */
  members: string[];
}

const MAX_MEMBERSHIP_STEPS = 16;
/**
 * How many times in a row a reconfig may meet 103 NewReplicaSetConfigurationIncompatible before the
 * run gives up. The primary bumps the config version on its own (it drops `newlyAdded` from a member
 * that finished its initial sync), so a reconfig built from the config read just before can be one
 * version behind: the config is read again and the step retried.
 */
const MAX_STALE_CONFIG_RETRIES = 5;

export async function bootstrapReplicaSet(request: BootstrapRequest): Promise<BootstrapResult> {
  const clients = openMemberClients(request.root, { attemptTimeoutMs: request.attemptTimeoutMs });
  try {
    return await runBootstrap(request, clients);
  } finally {
    await clients.close();
  }
}

async function runBootstrap(request: BootstrapRequest, clients: MemberClients): Promise<BootstrapResult> {
  const pollMs = request.pollMs ?? 500;
  const desired = request.members.map((m) => m.advertised);
  const result: BootstrapResult = {
    initiated: false,
    added: [],
    removed: [],
    rejoining: [],
    primary: "",
    members: [],
  };

  // 1. Every declared member answers, and we know what each has (a config or not).
  const deadline = Date.now() + request.timeoutMs;
  let decision = decideBootstrap(request.replicaSetName, desired, await probeAll(clients, request.members));
  while (decision.kind === "wait") {
    if (Date.now() > deadline) throw new Error(neverAnswered(decision.waitingFor, request));
    await sleep(pollMs);
    decision = decideBootstrap(request.replicaSetName, desired, await probeAll(clients, request.members));
  }
  if (decision.kind === "error") throw new Error(`MongoReplicaSetBootstrap: ${decision.message}`);

  // 2. Initiate only a set nobody has. A member removed from a set answers hello like a fresh one
  // but keeps that set's config: never start a second set from it.
  if (decision.kind === "initiate") {
    const removed = await removedMembers(clients, request.members);
    if (removed.length > 0) throw new Error(removedMembersMessage(removed, request));
    const first = request.members.find((m) => m.advertised === decision.on)!;
    try {
      await clients.command(first, "admin", { replSetInitiate: decision.config });
      result.initiated = true;
    } catch (error) {
      if (errorCode(error) !== MONGO_ERRORS.AlreadyInitialized) {
        throw new Error(
          `MongoReplicaSetBootstrap: replSetInitiate on ${describeMember(first)} failed: ${errorText(error)}`,
        );
      }
      // Someone initiated in between (then the member now reports the set), or the member holds
      // the config of a set that removed it (it still reports no valid config).
      const again = await probe(clients, first);
      if (again.state === "uninitiated") throw new Error(removedMembersMessage([first], request));
    }
  } else {
    result.rejoining = decision.rejoining;
  }

  // 3. Membership: one member added or removed per reconfig, each waiting for a primary.
  const known = [...request.members, ...(request.leaving ?? [])];
  let primary = await waitForPrimary(clients, known, request);
  let staleConfigRetries = 0;
  for (let step = 0; step < MAX_MEMBERSHIP_STEPS; step++) {
    const config = await getConfig(clients, primary);
    const next = nextMembershipStep(config, desired, primary.advertised);
    if (!next) break;
    if (next.kind === "step-down") {
      await clients
        .command(primary, "admin", { replSetStepDown: 60, secondaryCatchUpPeriodSecs: 10 })
        .catch(() => undefined);
      await clients.reset(primary);
      primary = await waitForPrimary(clients, known, request, next.host);
      continue;
    }
    const sent = { ...next.config };
    delete sent.term;
    try {
      await clients.command(primary, "admin", { replSetReconfig: sent });
      if (next.kind === "add") result.added.push(next.host);
      else result.removed.push(next.host);
      staleConfigRetries = 0;
    } catch (error) {
      const code = errorCode(error);
      if (
        code === MONGO_ERRORS.NewReplicaSetConfigurationIncompatible &&
        staleConfigRetries < MAX_STALE_CONFIG_RETRIES
      ) {
        // The config changed since it was read (e.g. the primary's own reconfig dropping
        // newlyAdded): read it again and retry this step.
        staleConfigRetries++;
        continue;
      }
      const busy =
        code === MONGO_ERRORS.ConfigurationInProgress || code === MONGO_ERRORS.CurrentConfigNotCommittedYet;
      if (!busy && !RETRY_ON_NEW_PRIMARY.includes(code ?? -1) && !isUnreachable(error)) {
        throw new Error(
          `MongoReplicaSetBootstrap: replSetReconfig to ${next.kind} ${next.host} on ${describeMember(primary)} failed: ${errorText(error)}`,
        );
      }
      await sleep(pollMs);
    }
    primary = await waitForPrimary(clients, known, request);
  }

  // 4. The application user and its drop-database role (root comes from the image's first start).
  primary = await onPrimary(clients, known, request, primary, async (p) => {
    await ensureRole(clients, p);
    await ensureAppUser(clients, p, request.app, request.attemptTimeoutMs);
  });
  const finalConfig = await getConfig(clients, primary);
  const leftover = nextMembershipStep(finalConfig, desired, undefined);
  if (leftover) {
    throw new Error(
      `MongoReplicaSetBootstrap: membership did not converge after ${MAX_MEMBERSHIP_STEPS} reconfigs; ${leftover.kind} ${leftover.host} is still pending. Check the replica set with rs.status() and run pulumi up again.`,
    );
  }
  result.primary = primary.advertised;
  result.members = finalConfig.members.map((m) => m.host);
  return result;
}

/** Declared members that hold the config of a set that removed them (replSetGetStatus answers 93). */
async function removedMembers(
  clients: MemberClients,
  members: ReachableMember[],
): Promise<ReachableMember[]> {
  const out: ReachableMember[] = [];
  for (const member of members) {
    try {
      await clients.command(member, "admin", { replSetGetStatus: 1 });
    } catch (error) {
      if (errorCode(error) === MONGO_ERRORS.InvalidReplicaSetConfig) out.push(member);
    }
  }
  return out;
}

function removedMembersMessage(removed: ReachableMember[], request: BootstrapRequest): string {
  return [
    `MongoReplicaSetBootstrap: no declared member of replica set ${request.replicaSetName} is in a set, but ${removed.map(describeMember).join(", ")} ${removed.length === 1 ? "was" : "were"} removed from one and still ${removed.length === 1 ? "holds" : "hold"} its config (replSetGetStatus: "Our replica set config is invalid or we are not a member of it"; replSetInitiate would answer AlreadyInitialized). Nothing was initiated: starting a new set from such a member would leave two sets with the same name.`,
    "Fix: declare the set's current members again (with them, this run re-adds the removed member and it resyncs), or, to start a new set on purpose, give the removed member an empty data volume.",
  ].join("\n");
}

async function probeAll(clients: MemberClients, members: ReachableMember[]): Promise<MemberProbe[]> {
  return Promise.all(members.map((m) => probe(clients, m)));
}

async function probe(clients: MemberClients, member: ReachableMember): Promise<MemberProbe> {
  try {
    return probeFromHello(member.advertised, await clients.hello(member));
  } catch (error) {
    await clients.reset(member);
    const code = errorCode(error);
    if (code === MONGO_ERRORS.AuthenticationFailed || code === MONGO_ERRORS.UserNotFound) {
      return { advertised: member.advertised, state: "auth-failed", error: errorText(error) };
    }
    return { advertised: member.advertised, state: "unreachable", error: errorText(error) };
  }
}

function neverAnswered(waiting: MemberProbe[], request: BootstrapRequest): string {
  const seconds = Math.round(request.timeoutMs / 1000);
  const lines = waiting.map((p) => {
    const member = request.members.find((m) => m.advertised === p.advertised)!;
    if (p.state === "auth-failed") {
      return `  - ${describeMember(member)} rejects the root credentials (${p.error}). The image sets the root password only on an empty data directory: this volume was initialised with another password.`;
    }
    if (p.state === "standalone") {
      return `  - ${describeMember(member)} answers as a standalone server (no replication): it is still running its first-start initialisation, or it was not started with replication.replSetName.`;
    }
    return `  - ${describeMember(member)} never answered: ${p.state === "unreachable" ? p.error : p.state}.`;
  });
  return [
    `MongoReplicaSetBootstrap: not every member of replica set ${request.replicaSetName} answered within ${seconds} s, so nothing was initiated or changed:`,
    ...lines,
    "Fix: check that member's container or pod (logs, health), then run pulumi up again; raise bootstrapTimeoutSeconds if it is only slow.",
  ].join("\n");
}

/** Polls every known member until one says it is the writable primary (and is not `excluding`). */
async function waitForPrimary(
  clients: MemberClients,
  known: ReachableMember[],
  request: BootstrapRequest,
  excluding?: string,
): Promise<ReachableMember> {
  const deadline = Date.now() + request.timeoutMs;
  let last: MemberProbe[] = [];
  for (;;) {
    last = await probeAll(clients, known);
    const found = last.find(
      (p) =>
        p.state === "member" &&
        p.isWritablePrimary &&
        p.setName === request.replicaSetName &&
        p.advertised !== excluding,
    );
    if (found) return known.find((m) => m.advertised === found.advertised)!;
    const reported = last.find((p) => p.state === "member" && p.primary && p.primary !== excluding) as
      | Extract<MemberProbe, { state: "member" }>
      | undefined;
    if (
      reported?.primary &&
      !known.some((m) => m.advertised.toLowerCase() === reported.primary!.toLowerCase())
    ) {
      throw new Error(
        `MongoReplicaSetBootstrap: the primary of ${request.replicaSetName} is ${reported.primary}, which is neither a declared member nor a previous one, so it cannot be reached from here. Fix: declare it again, or step it down by hand (rs.stepDown()) and run pulumi up again.`,
      );
    }
    if (Date.now() > deadline) {
      const states = last.map(
        (p) =>
          `${p.advertised}: ${p.state === "member" ? (p.isWritablePrimary ? "primary" : "secondary") : p.state}`,
      );
      throw new Error(
        `MongoReplicaSetBootstrap: replica set ${request.replicaSetName} had no writable primary within ${Math.round(request.timeoutMs / 1000)} s (${states.join("; ")}). A primary needs a majority of voting members up and able to reach each other. Fix: bring the members back, then run pulumi up again.`,
      );
    }
    await sleep(request.pollMs ?? 500);
  }
}

async function getConfig(clients: MemberClients, primary: ReachableMember): Promise<ReplicaSetConfig> {
  const reply = await clients.command(primary, "admin", { replSetGetConfig: 1 });
  return reply.config as ReplicaSetConfig;
}

/** Runs `fn` on the primary; when the primary changes under it, finds the new one and runs it again. */
async function onPrimary(
  clients: MemberClients,
  known: ReachableMember[],
  request: BootstrapRequest,
  primary: ReachableMember,
  fn: (primary: ReachableMember) => Promise<void>,
): Promise<ReachableMember> {
  const { target } = await retryOnNewPrimary(
    clients,
    primary,
    {
      memberOf: (p) => p,
      next: () => waitForPrimary(clients, known, request),
      failed: (p, error) =>
        new Error(
          `MongoReplicaSetBootstrap: creating the application user on ${describeMember(p)} failed: ${errorText(error)}`,
        ),
    },
    fn,
  );
  return target;
}

const MAJORITY = { w: "majority", wtimeout: 60_000 };

/** Order-free form of role privileges or role lists, for comparing what the server holds with what we want. */
function canonicalList(list: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v))
      return v
        .map(norm)
        .map((x) => JSON.stringify(x))
        .sort();
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, norm((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(list ?? []));
}

/**
 * The drop-database role: created when missing, updated only when its privileges or inherited roles
 * differ from the declaration. A converged set costs one `rolesInfo` (a read).
 */
async function ensureRole(clients: MemberClients, primary: ReachableMember): Promise<void> {
  const info = await clients.command(primary, "admin", {
    rolesInfo: { role: DROP_DATABASE_ROLE.name, db: "admin" },
    showPrivileges: true,
  });
  const body = { privileges: DROP_DATABASE_ROLE.privileges, roles: [], writeConcern: MAJORITY };
  const existing = (info.roles ?? [])[0] as { privileges?: unknown; roles?: unknown } | undefined;
  if (!existing) {
    await clients.command(primary, "admin", { createRole: DROP_DATABASE_ROLE.name, ...body });
    return;
  }
  const same =
    canonicalList(existing.privileges) === canonicalList(DROP_DATABASE_ROLE.privileges) &&
    canonicalList(existing.roles) === canonicalList([]);
  if (!same) await clients.command(primary, "admin", { updateRole: DROP_DATABASE_ROLE.name, ...body });
}

/**
 * The application user: created when missing; otherwise its roles are compared with `usersInfo` and
 * its password is checked by authenticating with it (SCRAM, the server's own check), so a converged
 * set costs reads only. `updateUser` runs only for what differs, and only with `pwd` when the
 * password no longer authenticates: sending `pwd` makes the server derive new salted credentials,
 * a write replicated to every member. Authenticating is used rather than comparing stored keys
 * (`usersInfo` with `showCredentials`) because it needs no SCRAM arithmetic here and holds for
 * whichever mechanisms the server keeps for the user.
 */
async function ensureAppUser(
  clients: MemberClients,
  primary: ReachableMember,
  app: MongoCredentials,
  attemptTimeoutMs: number | undefined,
): Promise<void> {
  const info = await clients.command(primary, "admin", { usersInfo: { user: app.username, db: "admin" } });
  const existing = (info.users ?? [])[0] as { roles?: unknown } | undefined;
  if (!existing) {
    await clients.command(primary, "admin", {
      createUser: app.username,
      pwd: app.password,
      roles: APP_USER_ROLES,
      writeConcern: MAJORITY,
    });
    return;
  }
  const update: Record<string, unknown> = {};
  if (canonicalList(existing.roles) !== canonicalList(APP_USER_ROLES)) update.roles = APP_USER_ROLES;
  if (!(await authenticates(primary, app, attemptTimeoutMs))) update.pwd = app.password;
  if (Object.keys(update).length > 0) {
    await clients.command(primary, "admin", { updateUser: app.username, ...update, writeConcern: MAJORITY });
  }
}

/** Whether `credentials` authenticate on `member` (false on AuthenticationFailed; other errors propagate). */
async function authenticates(
  member: ReachableMember,
  credentials: MongoCredentials,
  attemptTimeoutMs: number | undefined,
): Promise<boolean> {
  const probe = openMemberClients(credentials, { attemptTimeoutMs });
  try {
    await probe.command(member, "admin", { ping: 1 });
    return true;
  } catch (error) {
    if (errorCode(error) === MONGO_ERRORS.AuthenticationFailed) return false;
    throw error;
  } finally {
    await probe.close();
  }
}

/** The replica set config's hosts, read from whichever member is primary (for the provider's read). */
export async function readReplicaSetMembers(request: BootstrapRequest): Promise<string[]> {
  const clients = openMemberClients(request.root, { attemptTimeoutMs: request.attemptTimeoutMs });
  try {
    const known = [...request.members, ...(request.leaving ?? [])];
    const primary = await waitForPrimary(clients, known, request);
    return (await getConfig(clients, primary)).members.map((m) => m.host);
  } finally {
    await clients.close();
  }
}
