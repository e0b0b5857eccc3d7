/**
 * Replica set bootstrap decisions: from what each member answers to `hello`, whether to initiate a
 * new set, wait, or work with the existing one, and which single membership change comes next.
 * Pure: no Pulumi, no I/O (the MongoReplicaSetBootstrap provider runs it).
 *
 * The rule that protects data (the idea of Bitnami's replica-set scripts): a set is initiated only
 * when every declared member answers and none of them has a replica set config. A member that lost
 * its volume answers "no config", but its peers still list it, so it is left to rejoin (the primary's
 * heartbeats bring it back and it resyncs) instead of starting a second set.
 */

/** What one member said about itself (`hello`), or why it said nothing. */
export type MemberProbe =
  | { advertised: string; state: "unreachable"; error: string }
  | { advertised: string; state: "auth-failed"; error: string }
  /** Running without replication (e.g. the official image's first-start server, bound to localhost). */
  | { advertised: string; state: "standalone" }
  /** Started with a replica set name but never initiated (or lost its data). */
  | { advertised: string; state: "uninitiated" }
  | {
      advertised: string;
      state: "member";
      setName: string;
      setVersion: number;
      hosts: string[];
      primary?: string;
      isWritablePrimary: boolean;
      me?: string;
    };

/** Classifies a `hello` reply. */
export function probeFromHello(advertised: string, hello: Record<string, unknown>): MemberProbe {
  if (typeof hello.setName === "string" && Array.isArray(hello.hosts)) {
    return {
      advertised,
      state: "member",
      setName: hello.setName,
      setVersion: Number(hello.setVersion ?? 0),
      hosts: (hello.hosts as unknown[]).map(String),
      ...(typeof hello.primary === "string" ? { primary: hello.primary } : {}),
      isWritablePrimary: hello.isWritablePrimary === true || hello.ismaster === true,
      ...(typeof hello.me === "string" ? { me: hello.me } : {}),
    };
  }
  if (hello.isreplicaset === true) return { advertised, state: "uninitiated" };
  return { advertised, state: "standalone" };
}

export interface ReplicaSetMemberConfig {
  _id: number;
  host: string;
  [option: string]: unknown;
}

export interface ReplicaSetConfig {
  _id: string;
  version: number;
  members: ReplicaSetMemberConfig[];
  [option: string]: unknown;
}

export type BootstrapDecision =
  /** Not every member answers yet (or one answers as a standalone): keep polling until the deadline. */
  | { kind: "wait"; waitingFor: MemberProbe[] }
  /** No member has a config: initiate on `on` with every declared member. */
  | { kind: "initiate"; on: string; config: { _id: string; members: Array<{ _id: number; host: string }> } }
  /** A set exists: find its primary, then reconcile membership one member at a time. */
  | { kind: "existing"; rejoining: string[] }
  /** Something only a person can sort out. */
  | { kind: "error"; message: string };

const sameHost = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function decideBootstrap(
  replicaSetName: string,
  desired: readonly string[],
  probes: readonly MemberProbe[],
): BootstrapDecision {
  const wrongSet = probes.filter((p) => p.state === "member" && p.setName !== replicaSetName);
  if (wrongSet.length > 0) {
    const p = wrongSet[0] as Extract<MemberProbe, { state: "member" }>;
    return {
      kind: "error",
      message: `member ${p.advertised} belongs to replica set "${p.setName}", but replicaSetName is "${replicaSetName}". A running set cannot be renamed: set replicaSetName back to "${p.setName}", or give this set fresh volumes.`,
    };
  }
  const notReady = probes.filter(
    (p) => p.state === "unreachable" || p.state === "auth-failed" || p.state === "standalone",
  );
  if (notReady.length > 0) return { kind: "wait", waitingFor: notReady };
  const members = probes.filter((p): p is Extract<MemberProbe, { state: "member" }> => p.state === "member");
  if (members.length > 0) {
    const primaries = members.filter((m) => m.isWritablePrimary);
    if (primaries.length > 1) {
      const [a, b] = primaries as [(typeof primaries)[0], (typeof primaries)[0]];
      const disjoint = !a.hosts.some((h) => b.hosts.some((g) => sameHost(h, g)));
      if (disjoint) {
        return {
          kind: "error",
          message: `members ${a.advertised} and ${b.advertised} are primaries of two different sets both named "${replicaSetName}" (hosts ${a.hosts.join(",")} vs ${b.hosts.join(",")}). Merge them by hand (keep the one with the data, resync the other from empty volumes).`,
        };
      }
    }
    const rejoining = probes.filter((p) => p.state === "uninitiated").map((p) => p.advertised);
    return { kind: "existing", rejoining };
  }
  return {
    kind: "initiate",
    on: desired[0]!,
    config: { _id: replicaSetName, members: desired.map((host, i) => ({ _id: i, host })) },
  };
}

export type MembershipStep =
  | { kind: "add"; host: string; config: ReplicaSetConfig }
  | { kind: "remove"; host: string; config: ReplicaSetConfig }
  /** The member to remove is the primary: step it down first, then plan again. */
  | { kind: "step-down"; host: string };

/**
 * The next single membership change (MongoDB 4.4+ accepts at most one voting member added or
 * removed per non-forced reconfig). Adds come before removals so a majority is never lost.
 */
export function nextMembershipStep(
  config: ReplicaSetConfig,
  desired: readonly string[],
  primary: string | undefined,
): MembershipStep | undefined {
  const hosts = config.members.map((m) => m.host);
  const toAdd = desired.filter((d) => !hosts.some((h) => sameHost(h, d)));
  const toRemove = hosts.filter((h) => !desired.some((d) => sameHost(h, d)));
  const version = Number(config.version) + 1;
  if (toAdd.length > 0) {
    const host = toAdd[0]!;
    const used = new Set(config.members.map((m) => Number(m._id)));
    let id = desired.findIndex((d) => sameHost(d, host));
    if (id < 0 || used.has(id)) id = Math.max(-1, ...used) + 1;
    return {
      kind: "add",
      host,
      config: { ...config, version, members: [...config.members, { _id: id, host }] },
    };
  }
  if (toRemove.length > 0) {
    // Remove the last one first: on scale-down those are the highest ordinals.
    const host = toRemove[toRemove.length - 1]!;
    if (primary !== undefined && sameHost(primary, host)) return { kind: "step-down", host };
    return {
      kind: "remove",
      host,
      config: { ...config, version, members: config.members.filter((m) => !sameHost(m.host, host)) },
    };
  }
  return undefined;
}

/** The custom role that lets the application drop the databases it creates. */
export const DROP_DATABASE_ROLE = {
  name: "katoDropDatabase",
  /**
   * `{ db: "", collection: "" }` is every database's non-system resources
   * (https://www.mongodb.com/docs/manual/reference/resource-document/), and dropDatabase is a
   * database action (https://www.mongodb.com/docs/manual/reference/privilege-actions/#mongodb-authaction-dropDatabase).
   */
  privileges: [{ resource: { db: "", collection: "" }, actions: ["dropDatabase"] }],
} as const;

/** KATO reads and writes databases it creates at run time and drops a node's database on clear-all. */
export const APP_USER_ROLES = [
  { role: "readWriteAnyDatabase", db: "admin" },
  { role: DROP_DATABASE_ROLE.name, db: "admin" },
] as const;

/** Error codes a bootstrap treats specially (https://www.mongodb.com/docs/manual/reference/error-codes/). */
export const MONGO_ERRORS = {
  AuthenticationFailed: 18,
  AlreadyInitialized: 23,
  NotYetInitialized: 94,
  NodeNotFound: 74,
  ConfigurationInProgress: 109,
  CurrentConfigNotCommittedYet: 308,
  NewReplicaSetConfigurationIncompatible: 103,
  InvalidReplicaSetConfig: 93,
  NotWritablePrimary: 10107,
  NotPrimaryNoSecondaryOk: 13435,
  NotPrimaryOrSecondary: 13436,
  PrimarySteppedDown: 189,
  InterruptedDueToReplStateChange: 11602,
  ShutdownInProgress: 91,
  NamespaceNotFound: 26,
  NamespaceExists: 48,
  UserNotFound: 11,
  RoleNotFound: 31,
  DuplicateKey: 11000,
} as const;

/** Errors after which the right move is to find the (new) primary and try again. */
export const RETRY_ON_NEW_PRIMARY: readonly number[] = [
  MONGO_ERRORS.NotWritablePrimary,
  MONGO_ERRORS.NotPrimaryNoSecondaryOk,
  MONGO_ERRORS.NotPrimaryOrSecondary,
  MONGO_ERRORS.PrimarySteppedDown,
  MONGO_ERRORS.InterruptedDueToReplStateChange,
  MONGO_ERRORS.ShutdownInProgress,
];
