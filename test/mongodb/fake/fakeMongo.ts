/**
 * A strict in-process fake of a MongoDB replica set, speaking the real wire protocol on 127.0.0.1 so
 * the executors run against it unchanged, through the real `mongodb` driver (handshake, SCRAM-SHA-256
 * authentication, directConnection). Every member is its own TCP listener; the replicated state
 * (config, users, roles, collections, indexes, documents) is shared, and each member's own state (up
 * or down, has a config or not, its users before it joined a set, its profiler settings) is kept apart.
 *
 * Which server behaviour it copies, rule by rule with the documentation it follows, is in README.md
 * beside this file. What it does not model: oplog, write concern waits, cursors beyond the first
 * batch, real elections (a primary is picked after `electionDelayMs` among a majority of healthy voting members).
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { BSON } from "mongodb";
import { isSupportedCollationLocale, isSupportedTextLanguage } from "../../../components/mongodb/serverRules";
import {
  applyUpdate,
  cloneDoc,
  type Doc,
  duplicateKeyMessage,
  matches,
  parseUpdate,
  sortDocs,
  uniqueViolation,
  upsertSeed,
} from "./documents";
import { CODES, CommandFailure, fail, failWith, notModeled } from "./errors";
import {
  type ScramConversation,
  type ScramCredential,
  scramContinue,
  scramCredential,
  scramStart,
} from "./scram";
import { encodeReply, type IncomingCommand, readMessages } from "./wire";

export { CODES, CommandFailure };

interface User {
  user: string;
  db: string;
  roles: Array<{ role: string; db: string }>;
  credential: ScramCredential;
}
interface Role {
  role: string;
  db: string;
  privileges: Array<{ resource: Doc; actions: string[] }>;
  roles: Array<{ role: string; db: string }>;
}
interface Collection {
  indexes: Doc[];
  /** Stored documents (insert, update, find); every member sees them at once (no oplog). */
  documents: Doc[];
}

/** A mongod's profiler settings: the level per database, and the process-wide slowms and sampleRate. */
export interface MemberProfiling {
  /** Levels set with the `profile` command since the member started (others have the startup level). */
  levels: Map<string, number>;
  slowms: number;
  sampleRate: number;
  /** Databases where this member created `system.profile` (a local, unreplicated collection). */
  systemProfile: Set<string>;
}

/** What a member starts with (mongod.conf `operationProfiling`: mode, slowOpThresholdMs, slowOpSampleRate). */
export interface ProfilingDefaults {
  level: 0 | 1 | 2;
  slowms: number;
  sampleRate: number;
}

export interface ConfigMember {
  _id: number;
  host: string;
  arbiterOnly: boolean;
  buildIndexes: boolean;
  hidden: boolean;
  priority: number;
  tags: Doc;
  secondaryDelaySecs: number;
  votes: number;
  /** Set by the primary on a voting member a reconfig adds; removed by its automatic reconfig. */
  newlyAdded?: boolean;
}
export interface ReplConfig {
  _id: string;
  version: number;
  term: number;
  members: ConfigMember[];
  protocolVersion: number;
  writeConcernMajorityJournalDefault: boolean;
  settings: Doc;
}

export interface CommandLogEntry {
  member: string;
  db: string;
  command: string;
  /** The collection the command names, when it names one. */
  collection?: string;
  user?: string;
}

export interface Fault {
  /** Member ordinal the fault applies to; any member when unset. */
  member?: number;
  command: string;
  /** Database the command must run against for the fault to fire; any when unset. */
  db?: string;
  /** How many times it fires (default 1; Infinity for always). */
  times?: number;
  /** `step-down`: the member steps down, then the command fails with InterruptedDueToReplStateChange. */
  effect?: "step-down";
  /** Runs before the fault answers (e.g. someone else initiates the set in between). */
  before?: () => void;
  error?: { code: number; codeName: string; errmsg: string };
}

export interface FakeClusterOptions {
  replicaSetName?: string;
  root: { username: string; password: string };
  members: number;
  /** Time between losing a primary and electing one. Default 30 ms. */
  electionDelayMs?: number;
  /** A member that lost its data rejoins by itself on the next heartbeat (default true). */
  autoRejoin?: boolean;
  /** Profiler settings every member starts with (MongoDB's defaults: level 0, 100 ms, 1.0). */
  profiling?: Partial<ProfilingDefaults>;
  /**
   * When the primary drops `newlyAdded` from a member that finished its initial sync (its own
   * reconfig, version + 1): `heartbeat` (default) at the next command any member receives, the way
   * the primary's next heartbeat would; `manual` only when the test calls `completeNewlyAdded()`
   * (e.g. from an injected fault's `before`, to stage the race with a bootstrap's reconfig).
   */
  newlyAddedRemoval?: "heartbeat" | "manual";
}

const BUILTIN_ROLES = new Set([
  "root",
  "readWriteAnyDatabase",
  "readAnyDatabase",
  "dbAdminAnyDatabase",
  "userAdminAnyDatabase",
  "clusterAdmin",
  "clusterMonitor",
  "read",
  "readWrite",
  "dbAdmin",
  "dbOwner",
  "userAdmin",
  "backup",
  "restore",
]);

/** Privilege actions the fake recognises (a subset of https://www.mongodb.com/docs/manual/reference/privilege-actions/). */
const KNOWN_ACTIONS = new Set([
  "find",
  "insert",
  "update",
  "remove",
  "createCollection",
  "createIndex",
  "dropIndex",
  "dropCollection",
  "dropDatabase",
  "listIndexes",
  "listCollections",
  "listDatabases",
  "collMod",
  "collStats",
  "dbStats",
  "createUser",
  "dropUser",
  "grantRole",
  "viewUser",
  "viewRole",
  "createRole",
  "replSetGetConfig",
  "replSetGetStatus",
  "replSetConfigure",
  "replSetStateChange",
  "enableProfiler",
]);

/** The action a command needs (for non-root users), and whether it writes (needs the primary). */
const COMMAND_ACTIONS: Record<string, { action?: string; write: boolean }> = {
  listIndexes: { action: "listIndexes", write: false },
  listCollections: { action: "listCollections", write: false },
  listDatabases: { action: "listDatabases", write: false },
  find: { action: "find", write: false },
  insert: { action: "insert", write: true },
  update: { action: "update", write: true },
  delete: { action: "remove", write: true },
  createIndexes: { action: "createIndex", write: true },
  dropIndexes: { action: "dropIndex", write: true },
  create: { action: "createCollection", write: true },
  collMod: { action: "collMod", write: true },
  dropDatabase: { action: "dropDatabase", write: true },
  createUser: { action: "createUser", write: true },
  updateUser: { action: "createUser", write: true },
  usersInfo: { action: "viewUser", write: false },
  createRole: { action: "createRole", write: true },
  updateRole: { action: "createRole", write: true },
  rolesInfo: { action: "viewRole", write: false },
  replSetGetStatus: { action: "replSetGetStatus", write: false },
  replSetGetConfig: { action: "replSetGetConfig", write: false },
  replSetInitiate: { action: "replSetConfigure", write: false },
  replSetReconfig: { action: "replSetConfigure", write: false },
  replSetStepDown: { action: "replSetStateChange", write: false },
};

const READ_WRITE_ACTIONS = [
  "find",
  "insert",
  "update",
  "remove",
  "createCollection",
  "createIndex",
  "dropIndex",
  "dropCollection",
  "listIndexes",
  "listCollections",
  "collStats",
  "dbStats",
];

const COLLATION_DEFAULTS = {
  caseLevel: false,
  caseFirst: "off",
  strength: 3,
  numericOrdering: false,
  alternate: "non-ignorable",
  maxVariable: "punct",
  normalization: false,
  backwards: false,
  version: "57.1",
};

const INDEX_FIELDS = new Set([
  "key",
  "name",
  "v",
  "unique",
  "sparse",
  "partialFilterExpression",
  "expireAfterSeconds",
  "collation",
  "hidden",
  "weights",
  "default_language",
  "language_override",
  "textIndexVersion",
  "background",
]);
const ID_INDEX_FIELDS = new Set(["key", "name", "v", "collation", "background"]);
const PARTIAL_OPERATORS = new Set(["$eq", "$exists", "$gt", "$gte", "$lt", "$lte", "$type", "$in"]);

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object" && !(value instanceof BSON.ObjectId)) {
    const out: Doc = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical((value as Doc)[k]);
    return out;
  }
  return value;
}
/** Gives a document without `_id` a new ObjectId as its first field, as mongod does. */
function idFirst(doc: Doc): void {
  const rest = { ...doc };
  for (const k of Object.keys(doc)) delete doc[k];
  Object.assign(doc, { _id: new BSON.ObjectId(), ...rest });
}

const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
const show = (d: unknown) => JSON.stringify(d);

export class FakeMember {
  port = 0;
  up = false;
  hasConfig = false;
  /**
   * The config a member holds after a reconfig removed it (REMOVED): it keeps it, so
   * `replSetInitiate` answers AlreadyInitialized while `hello` reports no valid config.
   */
  heldConfig?: ReplConfig;
  /** `standalone`: running without replication (the image's first-start server). */
  mode: "replica" | "standalone" = "replica";
  localUsers = new Map<string, User>();
  stepDownUntil = 0;
  /** Profiler state of this mongod process: reset by every (re)start, never replicated. */
  profiling: MemberProfiling = { levels: new Map(), slowms: 100, sampleRate: 1, systemProfile: new Set() };
  server?: Server;
  sockets = new Set<Socket>();
  constructor(
    readonly ordinal: number,
    readonly advertised: string,
  ) {}
}

export class FakeMongoCluster {
  readonly replicaSetName: string;
  readonly members: FakeMember[] = [];
  readonly log: CommandLogEntry[] = [];
  config?: ReplConfig;
  primary?: FakeMember;
  private primaryLostAt = 0;
  private preferredPrimary?: FakeMember;
  private committed = true;
  private replicaSetId?: BSON.ObjectId;
  setUsers = new Map<string, User>();
  roles = new Map<string, Role>();
  data = new Map<string, Map<string, Collection>>();
  private faults: Fault[] = [];
  private connectionIds = 1;
  readonly electionDelayMs: number;
  autoRejoin: boolean;
  readonly newlyAddedRemoval: "heartbeat" | "manual";
  readonly profilingDefaults: ProfilingDefaults;

  constructor(private readonly options: FakeClusterOptions) {
    this.replicaSetName = options.replicaSetName ?? "rs0";
    this.electionDelayMs = options.electionDelayMs ?? 30;
    this.autoRejoin = options.autoRejoin ?? true;
    this.newlyAddedRemoval = options.newlyAddedRemoval ?? "heartbeat";
    this.profilingDefaults = { level: 0, slowms: 100, sampleRate: 1, ...options.profiling };
    for (let i = 0; i < options.members; i++) this.addMember();
  }

  /** Adds a member (not started). Its advertised name is `mongo-<i>:27017`, like a container name. */
  addMember(): FakeMember {
    const member = new FakeMember(this.members.length, `mongo-${this.members.length}:27017`);
    this.firstStart(member, this.options.root.password);
    this.members.push(member);
    return member;
  }

  /** What the official image does on an empty data directory: create the root user locally. */
  private firstStart(member: FakeMember, rootPassword: string): void {
    member.localUsers = new Map([
      [
        `admin.${this.options.root.username}`,
        {
          user: this.options.root.username,
          db: "admin",
          roles: [{ role: "root", db: "admin" }],
          credential: scramCredential(rootPassword),
        },
      ],
    ]);
    member.hasConfig = false;
    member.heldConfig = undefined;
    member.profiling.systemProfile = new Set();
  }

  async start(): Promise<void> {
    for (const m of this.members) if (!m.up) await this.startMember(m.ordinal);
  }

  async startMember(ordinal: number): Promise<void> {
    const member = this.members[ordinal]!;
    const server = createServer((socket) => this.accept(member, socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(member.port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    member.port = typeof address === "object" && address ? address.port : 0;
    member.server = server;
    member.up = true;
    // A new mongod process: profiling levels set with the profile command are gone, slowms and
    // sampleRate are back to their startup values (https://www.mongodb.com/docs/manual/reference/method/db.setProfilingLevel/).
    member.profiling.levels = new Map();
    member.profiling.slowms = this.profilingDefaults.slowms;
    member.profiling.sampleRate = this.profilingDefaults.sampleRate;
  }

  /** The member's mongod restarts with its data (same port): everything it only kept in memory is gone. */
  async restartMember(ordinal: number): Promise<void> {
    await this.stopMember(ordinal);
    await this.startMember(ordinal);
  }

  /** The profiling level a database has on a member now. */
  profilingLevel(ordinal: number, db: string): number {
    const m = this.members[ordinal]!;
    return m.profiling.levels.get(db) ?? this.profilingDefaults.level;
  }

  async stopMember(ordinal: number): Promise<void> {
    const member = this.members[ordinal]!;
    member.up = false;
    for (const s of member.sockets) s.destroy();
    member.sockets.clear();
    await new Promise<void>((resolve) => (member.server ? member.server.close(() => resolve()) : resolve()));
    member.server = undefined;
    if (this.primary === member) this.losePrimary();
  }

  /** The member's volume is lost: it restarts empty, and the image creates root again. */
  async wipeMember(ordinal: number, options: { rootPassword?: string } = {}): Promise<void> {
    await this.stopMember(ordinal);
    this.firstStart(this.members[ordinal]!, options.rootPassword ?? this.options.root.password);
    await this.startMember(ordinal);
  }

  async stop(): Promise<void> {
    for (const m of this.members) if (m.up) await this.stopMember(m.ordinal);
  }

  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Initiates the set on member 0 with `ordinals` (default all) and elects member `primary` at once. */
  initiateNow(ordinals?: number[], primary = 0): void {
    const list = ordinals ?? this.members.map((m) => m.ordinal);
    this.replSetInitiate(this.members[list[0]!]!, {
      _id: this.replicaSetName,
      members: list.map((i) => ({ _id: i, host: this.members[i]!.advertised })),
    });
    this.forcePrimary(primary);
  }

  /** Makes member `ordinal` the primary now (as if it had won an election). */
  forcePrimary(ordinal: number): void {
    this.primary = this.members[ordinal];
    if (this.config) this.config.term += 1;
  }

  /** Members as the executors reach them. */
  reachable(ordinals?: number[]): Array<{ advertised: string; host: string; port: number }> {
    const list = ordinals ? ordinals.map((i) => this.members[i]!) : this.members;
    return list.map((m) => ({ advertised: m.advertised, host: "127.0.0.1", port: m.port }));
  }

  countCommands(command: string, filter: Partial<CommandLogEntry> = {}): number {
    return this.log.filter(
      (e) => e.command === command && Object.entries(filter).every(([k, v]) => (e as any)[k] === v),
    ).length;
  }

  stateOf(ordinal: number): "PRIMARY" | "SECONDARY" | "UNINITIATED" | "REMOVED" | "DOWN" {
    const m = this.members[ordinal]!;
    if (!m.up) return "DOWN";
    if (!m.hasConfig) return "UNINITIATED";
    if (!this.inConfig(m)) return "REMOVED";
    return this.primary === m ? "PRIMARY" : "SECONDARY";
  }

  /** Initial sync and elections happen here, the way heartbeats would drive them. */
  tick(): void {
    if (!this.config) return;
    if (this.primary && (!this.primary.up || !this.primary.hasConfig)) this.losePrimary();
    if (this.autoRejoin) this.heartbeat();
    if (this.newlyAddedRemoval === "heartbeat") this.completeNewlyAdded();
    const voting = this.votingMembers();
    const healthy = voting.filter((m) => m.up && m.hasConfig);
    const majority = Math.floor(voting.length / 2) + 1;
    if (!this.committed && healthy.length >= majority) this.committed = true;
    if (
      !this.primary &&
      Date.now() - this.primaryLostAt >= this.electionDelayMs &&
      healthy.length >= majority
    ) {
      const now = Date.now();
      const eligible = healthy.filter((m) => m.stepDownUntil <= now);
      const pick =
        this.preferredPrimary && eligible.includes(this.preferredPrimary)
          ? this.preferredPrimary
          : eligible[0];
      if (pick) {
        this.primary = pick;
        this.preferredPrimary = undefined;
        this.config.term += 1;
      }
    }
  }

  /** Members listed in the config that are up but have no config adopt it (initial sync). */
  heartbeat(): void {
    if (!this.config || !this.primary) return;
    for (const m of this.members) {
      if (m.up && !m.hasConfig && m.mode === "replica" && this.inConfig(m)) m.hasConfig = true;
    }
  }

  /**
   * The primary's automatic reconfig (4.4+): for each member marked `newlyAdded` that is now
   * SECONDARY (up, synced), the primary removes the field and bumps the config version by one
   * (replication_coordinator_impl_heartbeat.cpp, `_handleHeartbeatResponse` scheduling
   * `_reconfigToRemoveNewlyAddedField`). One reconfig per member, as the server does.
   */
  completeNewlyAdded(): void {
    if (!this.config || !this.primary) return;
    for (const c of this.config.members) {
      const m = this.memberByHost(c.host);
      if (c.newlyAdded && m?.up && m.hasConfig) {
        delete c.newlyAdded;
        this.config.version += 1;
      }
    }
  }

  private losePrimary(): void {
    this.primary = undefined;
    this.primaryLostAt = Date.now();
  }

  private inConfig(m: FakeMember): boolean {
    return !!this.config?.members.some((c) => c.host === m.advertised);
  }

  private votingMembers(): FakeMember[] {
    if (!this.config) return [];
    return this.config.members
      .filter((c) => c.votes > 0)
      .map((c) => this.members.find((m) => m.advertised === c.host))
      .filter((m): m is FakeMember => m !== undefined);
  }

  private usersOf(member: FakeMember): Map<string, User> {
    // A REMOVED member keeps its data, so the set's users (as far as this model goes).
    return member.hasConfig ? this.setUsers : member.localUsers;
  }

  // ------------------------------------------------------------------------------------------
  // Connections
  // ------------------------------------------------------------------------------------------

  private accept(member: FakeMember, socket: Socket): void {
    member.sockets.add(socket);
    socket.on("close", () => member.sockets.delete(socket));
    socket.on("error", () => undefined);
    const session = {
      connectionId: this.connectionIds++,
      user: undefined as User | undefined,
      sasl: undefined as ScramConversation | undefined,
    };
    readMessages(socket, (request) => {
      let reply: Doc;
      try {
        reply = { ...this.dispatch(member, session, request), ok: 1 };
      } catch (error) {
        if (error instanceof CommandFailure) {
          reply = { ok: 0, errmsg: error.message, code: error.code, codeName: error.codeName };
        } else {
          reply = { ok: 0, errmsg: String(error), code: 1, codeName: "InternalError" };
        }
      }
      if (!socket.destroyed) socket.write(encodeReply(request, reply));
    });
  }

  private dispatch(
    member: FakeMember,
    session: { connectionId: number; user?: User; sasl?: ScramConversation },
    request: IncomingCommand,
  ): Doc {
    this.tick();
    const body = request.body;
    const name = Object.keys(body)[0] ?? "";
    const db = request.db;
    const target = typeof body[name] === "string" ? (body[name] as string) : undefined;
    this.log.push({
      member: member.advertised,
      db,
      command: name,
      ...(target ? { collection: target } : {}),
      ...(session.user ? { user: session.user.user } : {}),
    });

    switch (name) {
      case "hello":
      case "isMaster":
      case "ismaster":
        return this.hello(member, session.connectionId, body, name !== "hello");
      case "ping":
      case "buildInfo":
      case "endSessions":
        return name === "buildInfo" ? { version: "8.0.15", versionArray: [8, 0, 15, 0] } : {};
      case "saslStart":
        return this.saslStart(member, session, body);
      case "saslContinue":
        return this.saslContinue(member, session, body);
    }
    if (!session.user) failWith(CODES.Unauthorized, `Command ${name} requires authentication`);
    const fault = this.faults.find(
      (f) =>
        f.command === name &&
        (f.member === undefined || f.member === member.ordinal) &&
        (f.db === undefined || f.db === db) &&
        (f.times ?? 1) > 0,
    );
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      fault.before?.();
      if (fault.effect === "step-down" && this.primary === member) {
        member.stepDownUntil = Date.now() + 1000;
        this.losePrimary();
        failWith(
          CODES.InterruptedDueToReplStateChange,
          "operation was interrupted because of a replication state change",
        );
      }
      if (fault.error) fail(fault.error.code, fault.error.codeName, fault.error.errmsg);
    }
    // profile runs on any member, in any state (per-mongod settings, not replicated).
    if (name === "profile") return this.profile(member, session.user!, db, request);
    const rule = COMMAND_ACTIONS[name];
    if (rule?.action) this.authorize(session.user!, rule.action, db, name);
    if (rule?.write && member.mode === "replica" && this.primary !== member) {
      failWith(CODES.NotWritablePrimary, "not primary");
    }
    if (rule && !rule.write && member.mode === "replica" && this.primary !== member && member.hasConfig) {
      const mode = body.$readPreference?.mode;
      if (
        !name.startsWith("replSet") &&
        !name.endsWith("Info") &&
        (mode === undefined || mode === "primary")
      ) {
        failWith(CODES.NotPrimaryNoSecondaryOk, "not primary and secondaryOk=false");
      }
    }
    switch (name) {
      case "replSetInitiate":
        return this.replSetInitiate(member, body.replSetInitiate);
      case "replSetGetConfig":
        return { config: this.requireConfig(member) };
      case "replSetGetStatus":
        return this.replSetGetStatus(member);
      case "replSetReconfig":
        return this.replSetReconfig(member, body.replSetReconfig);
      case "replSetStepDown":
        return this.replSetStepDown(member, Number(body.replSetStepDown ?? 60));
      case "usersInfo":
        return this.usersInfo(member, db, body.usersInfo);
      case "createUser":
        return this.createUser(member, db, body);
      case "updateUser":
        return this.updateUser(member, db, body);
      case "rolesInfo":
        return this.rolesInfo(db, body.rolesInfo, body.showPrivileges === true);
      case "createRole":
        return this.createRole(db, body);
      case "updateRole":
        return this.updateRole(db, body);
      case "listDatabases":
        return this.listDatabases(member, db, body);
      case "find":
        return this.find(db, body);
      case "insert":
        return this.insert(db, body);
      case "update":
        return this.update(db, body);
      case "delete":
        return this.delete(db, body);
      case "listCollections":
        return this.listCollections(db, body.filter);
      case "create":
        return this.create(db, body.create);
      case "dropDatabase":
        this.data.delete(db);
        return { dropped: db };
      case "listIndexes":
        return this.listIndexes(db, body.listIndexes);
      case "createIndexes":
        return this.createIndexes(db, body.createIndexes, body.indexes);
      case "dropIndexes":
        return this.dropIndexes(db, body.dropIndexes, body.index);
      case "collMod":
        return this.collMod(db, body.collMod, body.index);
      default:
        return failWith(CODES.CommandNotFound, `no such command: '${name}'`);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Handshake and authentication
  // ------------------------------------------------------------------------------------------

  private hello(member: FakeMember, connectionId: number, body: Doc, legacy: boolean): Doc {
    const common: Doc = {
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId,
      minWireVersion: 0,
      maxWireVersion: 25,
      readOnly: false,
    };
    if (body.helloOk === true) common.helloOk = true;
    if (typeof body.saslSupportedMechs === "string") {
      const key = body.saslSupportedMechs as string;
      if (this.usersOf(member).has(key)) common.saslSupportedMechs = ["SCRAM-SHA-256"];
    }
    const writable = (v: boolean) => (legacy ? { ismaster: v } : { isWritablePrimary: v });
    if (member.mode === "standalone") return { ...writable(true), ...common };
    if (member.hasConfig && this.config && this.inConfig(member)) {
      const isPrimary = this.primary === member;
      return {
        ...writable(isPrimary),
        secondary: !isPrimary,
        setName: this.config._id,
        setVersion: this.config.version,
        hosts: this.config.members.filter((c) => !c.hidden && !c.arbiterOnly).map((c) => c.host),
        ...(this.primary ? { primary: this.primary.advertised } : {}),
        me: member.advertised,
        ...common,
      };
    }
    return {
      ...writable(false),
      secondary: false,
      info: "Does not have a valid replica set config",
      isreplicaset: true,
      ...common,
    };
  }

  private saslStart(member: FakeMember, session: { sasl?: ScramConversation; user?: User }, body: Doc): Doc {
    if (body.mechanism !== "SCRAM-SHA-256") {
      fail(
        334,
        "MechanismUnavailable",
        `Received authentication for mechanism ${body.mechanism} which is not enabled`,
      );
    }
    const payload = Buffer.from((body.payload as BSON.Binary).buffer).toString("utf8");
    const lookup = (user: string) => this.usersOf(member).get(`admin.${user}`)?.credential;
    const started = scramStart(payload, lookup);
    if ("error" in started) return failWith(CODES.AuthenticationFailed, "Authentication failed.");
    session.sasl = started.conversation;
    return { conversationId: 1, done: false, payload: new BSON.Binary(Buffer.from(started.reply)) };
  }

  private saslContinue(
    member: FakeMember,
    session: { sasl?: ScramConversation; user?: User },
    body: Doc,
  ): Doc {
    const conversation = session.sasl;
    if (!conversation) return failWith(CODES.AuthenticationFailed, "Authentication failed.");
    const users = this.usersOf(member);
    if (conversation.verified) {
      session.user = users.get(`admin.${conversation.user}`);
      return { conversationId: 1, done: true, payload: new BSON.Binary(Buffer.alloc(0)) };
    }
    const payload = Buffer.from((body.payload as BSON.Binary).buffer).toString("utf8");
    const result = scramContinue(conversation, payload, (u) => users.get(`admin.${u}`)?.credential);
    if ("error" in result) {
      session.sasl = undefined;
      return failWith(CODES.AuthenticationFailed, "Authentication failed.");
    }
    const skipEmpty = body.options?.skipEmptyExchange === true;
    if (skipEmpty) session.user = users.get(`admin.${conversation.user}`);
    return { conversationId: 1, done: skipEmpty, payload: new BSON.Binary(Buffer.from(result.reply)) };
  }

  /** A tiny model of role-based access: root does everything; other roles grant actions. */
  private authorize(user: User, action: string, db: string, command: string): void {
    const actions = new Set<string>();
    const visit = (role: { role: string; db: string }) => {
      if (role.role === "root") {
        actions.add("*");
        return;
      }
      if (role.role === "readWriteAnyDatabase" && !["local", "config"].includes(db)) {
        for (const a of READ_WRITE_ACTIONS) actions.add(a);
        actions.add("listDatabases");
      }
      const custom = this.roles.get(`${role.db}.${role.role}`);
      if (custom) {
        for (const p of custom.privileges) {
          const r = p.resource;
          const matches =
            r.anyResource === true ||
            (r.db === "" && !["admin", "local", "config"].includes(db)) ||
            r.db === db;
          if (matches) for (const a of p.actions) actions.add(a);
        }
        custom.roles.forEach(visit);
      }
    };
    user.roles.forEach(visit);
    if (command === "usersInfo" || command === "rolesInfo") return;
    if (!actions.has("*") && !actions.has(action)) {
      failWith(CODES.Unauthorized, `not authorized on ${db} to execute command { ${command}: ... }`);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Replication commands
  // ------------------------------------------------------------------------------------------

  private memberByHost(host: string): FakeMember | undefined {
    return this.members.find((m) => m.advertised.toLowerCase() === host.toLowerCase());
  }

  private requireConfig(member: FakeMember): ReplConfig {
    if (member.mode === "standalone")
      return failWith([76, "NoReplicationEnabled"], "not running with --replSet");
    if (!member.hasConfig || !this.config) {
      return failWith(CODES.NotYetInitialized, "no replset config has been received");
    }
    // replSetGetConfig without includeNewlyAdded hides the field (repl_set_get_config.idl).
    const copy = structuredClone(this.inConfig(member) ? this.config : member.heldConfig!);
    for (const c of copy.members) delete c.newlyAdded;
    copy.settings.replicaSetId = this.replicaSetId;
    return copy;
  }

  private normalizeMembers(raw: unknown): ConfigMember[] {
    if (!Array.isArray(raw) || raw.length === 0) {
      return failWith(
        CODES.InvalidReplicaSetConfig,
        "replica set configuration must have a non-empty members array",
      );
    }
    const ids = new Set<number>();
    const hosts = new Set<string>();
    return raw.map((m: Doc) => {
      if (typeof m?.host !== "string" || typeof m?._id !== "number") {
        return failWith(CODES.InvalidReplicaSetConfig, `member ${show(m)} needs a numeric _id and a host`);
      }
      if (ids.has(m._id))
        failWith(
          CODES.InvalidReplicaSetConfig,
          `Found two member configurations with same _id field, members.${m._id}._id == ${m._id}`,
        );
      if (hosts.has(m.host.toLowerCase()))
        failWith(
          CODES.InvalidReplicaSetConfig,
          `Found two member configurations with same host field, ${m.host}`,
        );
      ids.add(m._id);
      hosts.add(m.host.toLowerCase());
      return {
        _id: m._id,
        host: m.host,
        arbiterOnly: m.arbiterOnly ?? false,
        buildIndexes: m.buildIndexes ?? true,
        hidden: m.hidden ?? false,
        priority: m.priority ?? 1,
        tags: m.tags ?? {},
        secondaryDelaySecs: Number(m.secondaryDelaySecs ?? 0),
        votes: m.votes ?? 1,
      };
    });
  }

  /** https://www.mongodb.com/docs/manual/reference/command/replSetInitiate/ */
  private replSetInitiate(member: FakeMember, raw: Doc): Doc {
    if (member.mode === "standalone")
      failWith([76, "NoReplicationEnabled"], "This node was not started with replication enabled.");
    // A member that has a config answers AlreadyInitialized, REMOVED ones included: they keep
    // the config that removed them (replication_coordinator_impl.cpp, processReplSetInitiate).
    if (member.hasConfig) failWith(CODES.AlreadyInitialized, "already initialized");
    if (!raw || typeof raw !== "object")
      failWith(
        CODES.InvalidReplicaSetConfig,
        "replSetInitiate needs a config (kato-infra never relies on the default config)",
      );
    if (raw._id !== this.replicaSetName) {
      failWith(
        CODES.InvalidReplicaSetConfig,
        `Attempting to initiate a replica set with name ${raw._id}, but command line reports ${this.replicaSetName}; rejecting`,
      );
    }
    const members = this.normalizeMembers(raw.members);
    if (!members.some((m) => m.host.toLowerCase() === member.advertised.toLowerCase())) {
      failWith(
        CODES.InvalidReplicaSetConfig,
        `No host described in new configuration with {version: 1, term: 0} for replica set ${this.replicaSetName} maps to this node`,
      );
    }
    for (const m of members) {
      const other = this.memberByHost(m.host);
      if (other === member) continue;
      if (!other?.up) {
        failWith(
          CODES.NodeNotFound,
          `replSetInitiate quorum check failed because not all proposed set members responded affirmatively: ${m.host} failed with Connection refused`,
        );
      }
      if (other!.hasConfig) {
        // A REMOVED member answers the quorum heartbeat with an error (topology_coordinator.cpp,
        // prepareHeartbeatResponseV1); a member of a set reports that it has data.
        const why = this.inConfig(other!)
          ? "has data already, cannot initiate set"
          : "failed with Our replica set configuration is invalid or does not include us";
        failWith(
          CODES.NodeNotFound,
          `replSetInitiate quorum check failed because not all proposed set members responded affirmatively: ${m.host} ${why}`,
        );
      }
    }
    this.replicaSetId = new BSON.ObjectId();
    this.config = {
      _id: this.replicaSetName,
      version: 1,
      term: 0,
      members,
      protocolVersion: 1,
      writeConcernMajorityJournalDefault: true,
      settings: { chainingAllowed: true, heartbeatIntervalMillis: 2000, electionTimeoutMillis: 10000 },
    };
    // The initiator's data (its root user) becomes the set's; the others resync from it.
    this.setUsers = new Map(member.localUsers);
    for (const m of members) this.memberByHost(m.host)!.hasConfig = true;
    this.preferredPrimary = member;
    this.losePrimary();
    return {};
  }

  private replSetGetStatus(member: FakeMember): Doc {
    const config = this.requireConfig(member);
    if (!this.inConfig(member)) {
      // REMOVED (topology_coordinator.cpp, prepareStatusResponse).
      failWith(
        CODES.InvalidReplicaSetConfig,
        "Our replica set config is invalid or we are not a member of it",
      );
    }
    const stateOf = (host: string) => {
      const m = this.memberByHost(host);
      if (!m?.up) return [8, "(not reachable/healthy)"] as const;
      if (!m.hasConfig) return [0, "STARTUP"] as const;
      return this.primary === m ? ([1, "PRIMARY"] as const) : ([2, "SECONDARY"] as const);
    };
    return {
      set: config._id,
      date: new Date(),
      myState: stateOf(member.advertised)[0],
      term: config.term,
      members: config.members.map((c) => {
        const [state, stateStr] = stateOf(c.host);
        return {
          _id: c._id,
          name: c.host,
          health: state === 8 ? 0 : 1,
          state,
          stateStr,
          ...(c.host === member.advertised ? { self: true } : {}),
        };
      }),
    };
  }

  /** https://www.mongodb.com/docs/manual/reference/command/replSetReconfig/ */
  private replSetReconfig(member: FakeMember, raw: Doc): Doc {
    const current = this.requireConfig(member);
    if (this.primary !== member) {
      failWith(
        CODES.NotWritablePrimary,
        "replSetReconfig should only be run on a writable PRIMARY. Current state SECONDARY;",
      );
    }
    if (!this.committed) {
      failWith(
        CODES.CurrentConfigNotCommittedYet,
        "Cannot run replSetReconfig because the current config is not majority committed.",
      );
    }
    if (raw?._id !== current._id) {
      failWith(
        CODES.NewReplicaSetConfigurationIncompatible,
        `New and old configurations differ in replica set name; old was ${current._id}, and new is ${raw?._id}`,
      );
    }
    if (typeof raw.version !== "number" || raw.version <= current.version) {
      failWith(
        CODES.NewReplicaSetConfigurationIncompatible,
        `New replica set configuration version must be greater than old, but ${raw.version} is not greater than ${current.version} for replica set ${current._id}`,
      );
    }
    const newId = raw.settings?.replicaSetId;
    if (newId !== undefined && this.replicaSetId && String(newId) !== String(this.replicaSetId)) {
      failWith(
        CODES.NewReplicaSetConfigurationIncompatible,
        "New and old configurations differ in replica set ID",
      );
    }
    const members = this.normalizeMembers(raw.members);
    const votingHosts = (ms: ConfigMember[]) =>
      new Set(ms.filter((m) => m.votes > 0).map((m) => m.host.toLowerCase()));
    const before = votingHosts(this.config!.members);
    const after = votingHosts(members);
    const added = [...after].filter((h) => !before.has(h));
    const removed = [...before].filter((h) => !after.has(h));
    if (added.length + removed.length > 1) {
      failWith(
        CODES.NewReplicaSetConfigurationIncompatible,
        "Non force replica set reconfig can only add or remove at most 1 voting member.",
      );
    }
    if (!after.has(member.advertised.toLowerCase())) {
      failWith(
        CODES.NodeNotFound,
        `No host described in new configuration with {version: ${raw.version}, term: ${current.term}} for replica set ${current._id} maps to this node`,
      );
    }
    for (const host of added) {
      const m = this.memberByHost(host);
      if (!m?.up) {
        failWith(
          CODES.NodeNotFound,
          `Quorum check failed because not enough voting nodes responded; required ${Math.floor(after.size / 2) + 1} but ${host} failed with Connection refused`,
        );
      }
    }
    // A voting member the reconfig adds is marked newlyAdded (not counted as a voter until the
    // primary's own reconfig drops the mark); a mark already set is kept across user reconfigs
    // (replication_coordinator_impl.cpp, processReplSetReconfig; SERVER-46351).
    const previous = this.config!.members;
    for (const m of members) {
      const old = previous.find((o) => o.host.toLowerCase() === m.host.toLowerCase());
      if (old?.newlyAdded || (!old && m.votes > 0)) m.newlyAdded = true;
    }
    this.config = { ...this.config!, version: raw.version, members };
    for (const host of removed) {
      const m = this.memberByHost(host);
      // REMOVED: hello reports no valid config, but the member keeps the config that removed it.
      if (m) m.heldConfig = structuredClone(this.config);
    }
    for (const host of added) {
      const m = this.memberByHost(host)!;
      m.hasConfig = true; // initial sync (a REMOVED member adopts the new config)
      m.heldConfig = undefined;
    }
    const healthy = this.votingMembers().filter((m) => m.up && m.hasConfig).length;
    this.committed = healthy >= Math.floor(after.size / 2) + 1;
    return {};
  }

  private replSetStepDown(member: FakeMember, seconds: number): Doc {
    this.requireConfig(member);
    if (this.primary !== member) failWith(CODES.NotWritablePrimary, "not primary so can't step down");
    member.stepDownUntil = Date.now() + seconds * 1000;
    this.losePrimary();
    return {};
  }

  // ------------------------------------------------------------------------------------------
  // Users and roles (https://www.mongodb.com/docs/manual/reference/command/createUser/ and siblings)
  // ------------------------------------------------------------------------------------------

  private checkRoles(roles: unknown, db: string): Array<{ role: string; db: string }> {
    if (!Array.isArray(roles)) return failWith(CODES.BadValue, "roles must be an array");
    return roles.map((r) => {
      const role = typeof r === "string" ? { role: r, db } : { role: String(r.role), db: String(r.db) };
      if (!BUILTIN_ROLES.has(role.role) && !this.roles.has(`${role.db}.${role.role}`)) {
        failWith(CODES.RoleNotFound, `Could not find role: ${role.role}@${role.db}`);
      }
      return role;
    });
  }

  private usersInfo(member: FakeMember, db: string, arg: unknown): Doc {
    const users = [...this.usersOf(member).values()].filter((u) => {
      if (arg === 1) return u.db === db;
      if (typeof arg === "string") return u.user === arg && u.db === db;
      if (arg && typeof arg === "object") return u.user === (arg as Doc).user && u.db === (arg as Doc).db;
      return false;
    });
    return {
      users: users.map((u) => ({
        _id: `${u.db}.${u.user}`,
        user: u.user,
        db: u.db,
        roles: u.roles,
        mechanisms: ["SCRAM-SHA-256"],
      })),
    };
  }

  private createUser(member: FakeMember, db: string, body: Doc): Doc {
    const users = this.usersOf(member);
    const key = `${db}.${body.createUser}`;
    if (users.has(key)) fail(...CODES.DuplicateUser, `User "${body.createUser}@${db}" already exists`);
    if (typeof body.pwd !== "string" || body.pwd.length === 0)
      failWith(
        CODES.BadValue,
        "Must provide a 'pwd' field for all user documents, except those with '$external' as the user's source db",
      );
    const roles = this.checkRoles(body.roles, db);
    users.set(key, { user: body.createUser, db, roles, credential: scramCredential(body.pwd) });
    return {};
  }

  private updateUser(member: FakeMember, db: string, body: Doc): Doc {
    const users = this.usersOf(member);
    const key = `${db}.${body.updateUser}`;
    const user = users.get(key);
    if (!user) return failWith(CODES.UserNotFound, `Could not find user "${body.updateUser}" for db "${db}"`);
    if (body.roles !== undefined) user.roles = this.checkRoles(body.roles, db);
    if (body.pwd !== undefined) user.credential = scramCredential(String(body.pwd));
    return {};
  }

  /** Privileges are reported only with `showPrivileges: true` (role_management_commands / rolesInfo). */
  private rolesInfo(db: string, arg: unknown, showPrivileges: boolean): Doc {
    const wanted = typeof arg === "string" ? { role: arg, db } : (arg as Doc);
    const role = this.roles.get(`${wanted?.db}.${wanted?.role}`);
    return {
      roles: role
        ? [
            {
              _id: `${role.db}.${role.role}`,
              role: role.role,
              db: role.db,
              isBuiltin: false,
              roles: role.roles,
              inheritedRoles: role.roles,
              ...(showPrivileges ? { privileges: role.privileges } : {}),
            },
          ]
        : [],
    };
  }

  private checkPrivileges(privileges: unknown): Role["privileges"] {
    if (!Array.isArray(privileges)) return failWith(CODES.BadValue, "privileges must be an array");
    return privileges.map((p: Doc) => {
      const r = p?.resource;
      const validResource =
        r &&
        ((typeof r.db === "string" && typeof r.collection === "string") ||
          r.cluster === true ||
          r.anyResource === true);
      if (!validResource)
        failWith(
          CODES.BadValue,
          `resource must specify db and collection, cluster, or anyResource: ${show(r)}`,
        );
      if (!Array.isArray(p.actions) || p.actions.length === 0)
        failWith(CODES.BadValue, "privilege needs a non-empty actions array");
      for (const a of p.actions)
        if (!KNOWN_ACTIONS.has(a)) failWith(CODES.BadValue, `Unrecognized action privilege string: ${a}`);
      return { resource: { ...r }, actions: [...p.actions] };
    });
  }

  private createRole(db: string, body: Doc): Doc {
    const key = `${db}.${body.createRole}`;
    if (this.roles.has(key) || BUILTIN_ROLES.has(body.createRole))
      fail(...CODES.DuplicateRole, `Role "${body.createRole}@${db}" already exists`);
    this.roles.set(key, {
      role: body.createRole,
      db,
      privileges: this.checkPrivileges(body.privileges),
      roles: this.checkRoles(body.roles ?? [], db),
    });
    return {};
  }

  private updateRole(db: string, body: Doc): Doc {
    const role = this.roles.get(`${db}.${body.updateRole}`);
    if (!role) return failWith(CODES.RoleNotFound, `Role ${body.updateRole}@${db} not found`);
    if (body.privileges !== undefined) role.privileges = this.checkPrivileges(body.privileges);
    if (body.roles !== undefined) role.roles = this.checkRoles(body.roles, db);
    return {};
  }

  // ------------------------------------------------------------------------------------------
  // Collections and indexes
  // ------------------------------------------------------------------------------------------

  private checkNamespace(db: string, collection: unknown): string {
    if (
      typeof collection !== "string" ||
      collection.length === 0 ||
      collection.includes("$") ||
      collection.includes("\0")
    ) {
      return failWith(CODES.InvalidNamespace, `Invalid namespace specified '${db}.${String(collection)}'`);
    }
    if (/[/\\. "$*<>:|?]/.test(db) || db.length === 0 || Buffer.byteLength(db) >= 64) {
      return failWith(CODES.InvalidNamespace, `Invalid database name: '${db}'`);
    }
    if (Buffer.byteLength(`${db}.${collection}`) > 255) {
      return failWith(
        CODES.InvalidNamespace,
        `Fully qualified namespace is too long. Namespace: ${db}.${collection} Max: 255`,
      );
    }
    return collection;
  }

  private collection(db: string, name: string): Collection | undefined {
    return this.data.get(db)?.get(name);
  }

  private createCollection(db: string, name: string): Collection {
    let collections = this.data.get(db);
    if (!collections) {
      collections = new Map();
      this.data.set(db, collections);
    }
    const c: Collection = { indexes: [{ v: 2, key: { _id: 1 }, name: "_id_" }], documents: [] };
    collections.set(name, c);
    return c;
  }

  private listCollections(db: string, filter: Doc | undefined): Doc {
    const names = [...(this.data.get(db)?.keys() ?? [])].filter((n) => !filter?.name || filter.name === n);
    return {
      cursor: {
        id: BSON.Long.fromNumber(0),
        ns: `${db}.$cmd.listCollections`,
        firstBatch: names.map((name) => ({
          name,
          type: "collection",
          options: {},
          info: { readOnly: false, uuid: new BSON.UUID(randomUUID()) },
        })),
      },
    };
  }

  private create(db: string, name: unknown): Doc {
    const coll = this.checkNamespace(db, name);
    if (this.collection(db, coll))
      failWith(CODES.NamespaceExists, `Collection ${db}.${coll} already exists.`);
    this.createCollection(db, coll);
    return {};
  }

  private listIndexes(db: string, name: unknown): Doc {
    const coll = this.checkNamespace(db, name);
    const c = this.collection(db, coll);
    if (!c) return failWith(CODES.NamespaceNotFound, `ns does not exist: ${db}.${coll}`);
    return {
      cursor: { id: BSON.Long.fromNumber(0), ns: `${db}.${coll}`, firstBatch: structuredClone(c.indexes) },
    };
  }

  /** Validation of one index specification, in the order and with the codes mongod uses. */
  private validateIndex(raw: Doc): Doc {
    if (!raw || typeof raw !== "object")
      return failWith(CODES.TypeMismatch, "index specification must be an object");
    if (!raw.key || typeof raw.key !== "object" || Object.keys(raw.key).length === 0) {
      failWith(CODES.FailedToParse, "The 'key' field is a required property of an index specification");
    }
    if (typeof raw.name !== "string" || raw.name.length === 0) {
      failWith(CODES.FailedToParse, "The 'name' field is a required property of an index specification");
    }
    if (raw.name === "*") failWith(CODES.BadValue, "The index name '*' is not valid.");
    const isId = Object.keys(raw.key).length === 1 && raw.key._id !== undefined;
    for (const field of Object.keys(raw)) {
      if (!INDEX_FIELDS.has(field)) {
        failWith(
          CODES.InvalidIndexSpecificationOption,
          `The field '${field}' is not valid for an index specification. Specification: ${show(raw)}`,
        );
      }
      if (isId && !ID_INDEX_FIELDS.has(field)) {
        failWith(
          CODES.InvalidIndexSpecificationOption,
          `The field '${field}' is not valid for an _id index specification. Specification: ${show(raw)}`,
        );
      }
    }
    let text = false;
    for (const [field, dir] of Object.entries(raw.key)) {
      if (field.startsWith("$") || field.split(".").some((p) => p.length === 0)) {
        failWith(CODES.CannotCreateIndex, `Index key contains an illegal field name: ${show(field)}`);
      }
      if (dir === "text") text = true;
      else if (typeof dir === "string") failWith(CODES.CannotCreateIndex, `Unknown index plugin '${dir}'`);
      else if (typeof dir !== "number" || dir === 0)
        failWith(
          CODES.CannotCreateIndex,
          `Values in the index key pattern can't be all zero: ${show(raw.key)}`,
        );
    }
    for (const flag of ["unique", "sparse", "hidden"]) {
      if (raw[flag] !== undefined && typeof raw[flag] !== "boolean")
        failWith(CODES.TypeMismatch, `The field '${flag}' must be a bool`);
    }
    if (raw.sparse !== undefined && raw.partialFilterExpression !== undefined) {
      failWith(CODES.CannotCreateIndex, 'cannot mix "partialFilterExpression" and "sparse" options');
    }
    if (raw.partialFilterExpression !== undefined) {
      this.checkPartialFilter(raw.partialFilterExpression);
      const depth = this.filterDepth(raw.partialFilterExpression);
      if (depth > 4) failWith(CODES.CannotCreateIndex, "partialFilterExpression depth may not exceed 4");
    }
    if (raw.expireAfterSeconds !== undefined) {
      // index_key_validate.cpp, validateIndexSpecTTL: range and single field, both CannotCreateIndex.
      const ttl = raw.expireAfterSeconds;
      if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl < 0 || ttl > 2147483647) {
        failWith(
          CODES.CannotCreateIndex,
          "TTL index 'expireAfterSeconds' option must be within an acceptable range, try a lower number",
        );
      }
      if (Object.keys(raw.key).length !== 1 || text) {
        failWith(
          CODES.CannotCreateIndex,
          `TTL indexes are single-field indexes, compound indexes do not support TTL. Index spec: ${show(raw)}`,
        );
      }
    }
    if (text && raw.default_language !== undefined) {
      if (typeof raw.default_language !== "string")
        failWith(CODES.CannotCreateIndex, "default_language needs a string type");
      if (!isSupportedTextLanguage(raw.default_language))
        failWith(CODES.CannotCreateIndex, "default_language is not valid");
    }
    const out: Doc = { v: 2, key: {}, name: raw.name };
    if (text) {
      const weights: Doc = {};
      let folded = false;
      for (const [field, dir] of Object.entries(raw.key)) {
        if (dir === "text") {
          weights[field] = Number(raw.weights?.[field] ?? 1);
          if (!folded) {
            out.key._fts = "text";
            out.key._ftsx = 1;
            folded = true;
          }
        } else out.key[field] = dir;
      }
      for (const [field, w] of Object.entries(raw.weights ?? {})) weights[field] = Number(w);
      out.weights = weights;
      out.default_language = raw.default_language ?? "english";
      out.language_override = raw.language_override ?? "language";
      out.textIndexVersion = 3;
    } else {
      out.key = { ...raw.key };
    }
    if (raw.collation !== undefined && raw.collation.locale !== "simple") {
      if (typeof raw.collation?.locale !== "string")
        failWith(CODES.BadValue, 'Missing expected field "locale"');
      if (!isSupportedCollationLocale(raw.collation.locale))
        failWith(CODES.BadValue, `Field 'locale' is invalid in: ${show(raw.collation)}`);
      if (text)
        failWith(
          CODES.CannotCreateIndex,
          `Index type 'text' does not support collation: ${show(raw.collation)}`,
        );
      out.collation = { locale: raw.collation.locale, ...COLLATION_DEFAULTS, ...raw.collation };
    }
    for (const flag of ["unique", "sparse", "hidden"]) if (raw[flag] === true) out[flag] = true;
    if (raw.partialFilterExpression !== undefined) out.partialFilterExpression = raw.partialFilterExpression;
    if (raw.expireAfterSeconds !== undefined) out.expireAfterSeconds = raw.expireAfterSeconds;
    return out;
  }

  private checkPartialFilter(filter: unknown, depth = 0): void {
    if (!filter || typeof filter !== "object" || Array.isArray(filter))
      failWith(CODES.TypeMismatch, "partialFilterExpression must be an object");
    for (const [key, value] of Object.entries(filter as Doc)) {
      if (key === "$and" || key === "$or") {
        if (!Array.isArray(value)) failWith(CODES.BadValue, `${key} must be an array`);
        for (const sub of value as unknown[]) this.checkPartialFilter(sub, depth + 1);
        continue;
      }
      if (key.startsWith("$"))
        failWith(CODES.CannotCreateIndex, `Expression not supported in partial index: ${show(filter)}`);
      if (
        value &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        Object.keys(value).some((k) => k.startsWith("$"))
      ) {
        for (const [op, arg] of Object.entries(value)) {
          if (!PARTIAL_OPERATORS.has(op) || (op === "$exists" && arg !== true)) {
            failWith(
              CODES.CannotCreateIndex,
              `Expression not supported in partial index: ${show({ [key]: { [op]: arg } })}`,
            );
          }
        }
      }
    }
  }

  /**
   * Depth of the match expression tree the server parses a partial filter into (several conditions
   * in one document: an AND node; one condition: that condition; $and/$or: a node over their
   * documents; field operators: leaves), as index_catalog_impl.cpp's _checkValidFilterExpressions
   * walks it.
   */
  private filterDepth(filter: Doc): number {
    const children: number[] = [];
    for (const [key, value] of Object.entries(filter)) {
      if (key === "$and" || key === "$or") {
        children.push(1 + Math.max(0, ...(value as Doc[]).map((d) => this.filterDepth(d))));
      } else if (
        value &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        Object.keys(value).some((k) => k.startsWith("$"))
      ) {
        children.push(...Object.keys(value).map(() => 1));
      } else {
        children.push(1);
      }
    }
    return children.length === 1 ? children[0]! : 1 + Math.max(0, ...children);
  }

  private identity(ix: Doc): string {
    return JSON.stringify(
      canonical({
        key: Object.entries(ix.key),
        collation: ix.collation ?? null,
        partial: ix.partialFilterExpression ?? null,
        unique: ix.unique === true,
        sparse: ix.sparse === true,
      }),
    );
  }

  private createIndexes(db: string, name: unknown, indexes: unknown): Doc {
    const coll = this.checkNamespace(db, name);
    if (!Array.isArray(indexes) || indexes.length === 0)
      failWith(CODES.BadValue, "Must specify at least one index to create");
    const specs = (indexes as Doc[]).map((ix) => this.validateIndex(ix));
    const existing = this.collection(db, coll)?.indexes ?? [{ v: 2, key: { _id: 1 }, name: "_id_" }];
    const before = existing.length;
    const pending = [...existing];
    const toAdd: Doc[] = [];
    for (const spec of specs) {
      const sameName = pending.find((ix) => ix.name === spec.name);
      if (sameName) {
        if (same(sameName, spec)) continue;
        // IndexDescriptor::compareIndexOptions: key pattern, unique, sparse, collation or partial
        // filter differ -> kDifferent (86); only other options differ -> kEquivalent (85).
        if (this.identity(sameName) !== this.identity(spec)) {
          failWith(
            CODES.IndexKeySpecsConflict,
            `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${show(spec)}, existing index: ${show(sameName)}`,
          );
        }
        failWith(
          CODES.IndexOptionsConflict,
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${show(spec)}, existing index: ${show(sameName)}`,
        );
      }
      const twin = pending.find((ix) => this.identity(ix) === this.identity(spec));
      if (twin) {
        const { name: _a, ...a } = twin;
        const { name: _b, ...b } = spec;
        if (same(a, b))
          failWith(CODES.IndexOptionsConflict, `Index already exists with a different name: ${twin.name}`);
        failWith(
          CODES.IndexOptionsConflict,
          `An equivalent index already exists with a different name and options. Requested index: ${show(spec)}, existing index: ${show(twin)}`,
        );
      }
      if (spec.key._fts !== undefined) {
        const otherText = pending.find((ix) => ix.key._fts !== undefined);
        if (otherText)
          failWith(
            CODES.IndexOptionsConflict,
            `only one text index per collection allowed, found existing text index "${otherText.name}"`,
          );
      }
      if (pending.length >= 64)
        failWith(
          CODES.CannotCreateIndex,
          `add index fails, too many indexes for ${db}.${coll} key:${show(spec.key)}`,
        );
      pending.push(spec);
      toAdd.push(spec);
    }
    // A unique index cannot be built over documents that already break it.
    const docs = this.collection(db, coll)?.documents ?? [];
    for (const spec of toAdd) {
      if (spec.unique !== true) continue;
      for (const [i, d] of docs.entries()) {
        const clash = uniqueViolation([spec], docs.slice(0, i), d);
        if (clash)
          fail(
            CODES.DuplicateKey[0],
            CODES.DuplicateKey[1],
            duplicateKeyMessage(`${db}.${coll}`, spec, clash.dup),
          );
      }
    }
    let created = false;
    let c = this.collection(db, coll);
    if (!c) {
      c = this.createCollection(db, coll);
      created = true;
    }
    c.indexes.push(...toAdd);
    return {
      numIndexesBefore: before,
      numIndexesAfter: c.indexes.length,
      createdCollectionAutomatically: created,
      ...(toAdd.length === 0 ? { note: "all indexes already exist" } : { commitQuorum: "votingMembers" }),
    };
  }

  private dropIndexes(db: string, name: unknown, index: unknown): Doc {
    const coll = this.checkNamespace(db, name);
    const c = this.collection(db, coll);
    if (!c) return failWith(CODES.NamespaceNotFound, `ns not found ${db}.${coll}`);
    const before = c.indexes.length;
    if (index === "*") {
      c.indexes = c.indexes.filter((ix) => ix.name === "_id_");
      return { nIndexesWas: before, msg: "non-_id indexes dropped for collection" };
    }
    const names = Array.isArray(index) ? index : [index];
    const victims = names.map((n) => {
      const found =
        typeof n === "string"
          ? c.indexes.find((ix) => ix.name === n)
          : c.indexes.find((ix) => same(Object.entries(ix.key), Object.entries(n as Doc)));
      if (!found)
        return failWith(
          CODES.IndexNotFound,
          `index not found with name [${typeof n === "string" ? n : show(n)}]`,
        );
      if (found.name === "_id_") return failWith(CODES.InvalidOptions, "cannot drop _id index");
      return found;
    });
    c.indexes = c.indexes.filter((ix) => !victims.includes(ix));
    return { nIndexesWas: before };
  }

  /** https://www.mongodb.com/docs/manual/reference/command/collMod/#change-index-properties */
  private collMod(db: string, name: unknown, index: Doc | undefined): Doc {
    const coll = this.checkNamespace(db, name);
    const c = this.collection(db, coll);
    if (!c) return failWith(CODES.NamespaceNotFound, `ns does not exist: ${db}.${coll}`);
    if (!index) return {};
    const ix = c.indexes.find((i) =>
      index.name !== undefined
        ? i.name === index.name
        : same(Object.entries(i.key), Object.entries(index.keyPattern ?? {})),
    );
    if (!ix)
      return failWith(
        CODES.IndexNotFound,
        `cannot find index ${index.name ?? show(index.keyPattern)} for ns ${db}.${coll}`,
      );
    const out: Doc = {};
    if (index.hidden !== undefined) {
      if (ix.name === "_id_") failWith(CODES.BadValue, "can't hide _id index");
      out.hidden_old = ix.hidden === true;
      out.hidden_new = index.hidden === true;
      if (index.hidden) ix.hidden = true;
      else delete ix.hidden;
    }
    if (index.expireAfterSeconds !== undefined) {
      if (Object.keys(ix.key).length !== 1 || ix.name === "_id_" || ix.key._fts !== undefined) {
        failWith(
          CODES.InvalidOptions,
          "TTL indexes are single-field indexes; cannot set expireAfterSeconds on this index",
        );
      }
      const ttl = index.expireAfterSeconds;
      if (typeof ttl !== "number" || ttl < 0 || ttl > 2147483647) {
        failWith(
          CODES.InvalidOptions,
          "TTL index 'expireAfterSeconds' option must be within an acceptable range, try a lower number",
        );
      }
      if (ix.expireAfterSeconds !== undefined) out.expireAfterSeconds_old = ix.expireAfterSeconds;
      out.expireAfterSeconds_new = ttl;
      ix.expireAfterSeconds = ttl;
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // Profiler (https://www.mongodb.com/docs/manual/reference/command/profile/)
  // ------------------------------------------------------------------------------------------

  /**
   * `profile` as mongod runs it: the level is per database and per mongod (not replicated, lost on
   * restart), slowms and sampleRate are process-wide; the reply holds the settings from before the
   * command; a level outside 0..2 only reads; a level above 0 creates `system.profile` (and the
   * database) on that member only.
   */
  private profile(member: FakeMember, user: User, db: string, request: IncomingCommand): Doc {
    this.checkDatabaseName(db);
    const raw = BSON.deserialize(request.rawBody, { promoteValues: false }) as Doc;
    const level = this.safeInt64(raw.profile, "profile");
    const slowms = raw.slowms === undefined ? undefined : this.safeInt64(raw.slowms, "slowms");
    let sampleRate: number | undefined;
    if (raw.sampleRate !== undefined) {
      // IDL type `double`: an int is refused (send 1.0 as a BSON double).
      if (raw.sampleRate?._bsontype !== "Double") {
        failWith(
          CODES.TypeMismatch,
          `BSON field 'profile.sampleRate' is the wrong type '${this.bsonTypeName(raw.sampleRate)}', expected type 'double'`,
        );
      }
      sampleRate = Number(raw.sampleRate.valueOf());
      if (!(sampleRate >= 0 && sampleRate <= 1)) {
        failWith(CODES.BadValue, "'sampleRate' must be between 0.0 and 1.0 inclusive");
      }
    }
    if (raw.filter !== undefined) notModeled("profile filters");
    if (request.body.writeConcern !== undefined) {
      failWith(CODES.InvalidOptions, "Command does not support writeConcern");
    }
    const readOnly = (level < 0 || level > 2) && slowms === undefined && sampleRate === undefined;
    this.authorize(user, readOnly ? "find" : "enableProfiler", db, "profile");
    const p = member.profiling;
    const previous = {
      was: p.levels.get(db) ?? this.profilingDefaults.level,
      slowms: p.slowms,
      sampleRate: new BSON.Double(p.sampleRate),
    };
    if (level >= 0 && level <= 2) {
      p.levels.set(db, level);
      if (level > 0) p.systemProfile.add(db);
    }
    if (slowms !== undefined) p.slowms = slowms;
    if (sampleRate !== undefined) p.sampleRate = sampleRate;
    return previous;
  }

  /** IDL `safeInt64`: int, long, double or decimal; anything else is 14 TypeMismatch. */
  private safeInt64(value: any, field: string): number {
    const type = value?._bsontype;
    if (type === "Int32" || type === "Double" || type === "Long" || type === "Decimal128") {
      return Math.trunc(Number(type === "Decimal128" ? value.toString() : value.valueOf()));
    }
    return failWith(
      CODES.TypeMismatch,
      `BSON field 'profile.${field}' is the wrong type '${this.bsonTypeName(value)}', expected types '[long, int, decimal, double]'`,
    );
  }

  private bsonTypeName(value: any): string {
    const type = value?._bsontype;
    if (type === "Int32") return "int";
    if (type === "Double") return "double";
    if (type === "Long") return "long";
    if (typeof value === "string") return "string";
    if (typeof value === "boolean") return "bool";
    if (value === null) return "null";
    return Array.isArray(value) ? "array" : "object";
  }

  private checkDatabaseName(db: string): void {
    if (/[/\\. "$*<>:|?]/.test(db) || db.length === 0 || Buffer.byteLength(db) >= 64) {
      failWith(CODES.InvalidNamespace, `Invalid database name: '${db}'`);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Databases and documents
  // ------------------------------------------------------------------------------------------

  /**
   * https://www.mongodb.com/docs/manual/reference/command/listDatabases/: admin only; admin, config
   * and local are always there; a database exists while it has a collection (this member's own
   * `system.profile` counts); `filter` matches the output documents; `nameOnly` returns names only.
   */
  private listDatabases(member: FakeMember, db: string, body: Doc): Doc {
    if (db !== "admin")
      failWith(CODES.Unauthorized, "listDatabases may only be run against the admin database.");
    const names = new Set<string>(["admin", "config", "local"]);
    for (const [name, collections] of this.data) if (collections.size > 0) names.add(name);
    for (const name of member.profiling.systemProfile) names.add(name);
    const all = [...names].sort().map((name) => ({ name, sizeOnDisk: 8192, empty: false }));
    const listed = all.filter((d) => matches(d, body.filter));
    if (body.nameOnly === true) return { databases: listed.map((d) => ({ name: d.name })) };
    const total = listed.reduce((n, d) => n + d.sizeOnDisk, 0);
    return { databases: listed, totalSize: total, totalSizeMb: Math.floor(total / (1024 * 1024)) };
  }

  /** https://www.mongodb.com/docs/manual/reference/command/find/ (every result in the first batch). */
  private find(db: string, body: Doc): Doc {
    const coll = this.checkNamespace(db, body.find);
    if (body.projection !== undefined && Object.keys(body.projection).length > 0) notModeled("projections");
    const docs = this.collection(db, coll)?.documents ?? [];
    let found = sortDocs(
      docs.filter((d) => matches(d, body.filter ?? {})),
      body.sort,
    );
    if (typeof body.skip === "number") found = found.slice(body.skip);
    if (typeof body.limit === "number" && body.limit !== 0) found = found.slice(0, Math.abs(body.limit));
    return {
      cursor: { id: BSON.Long.fromNumber(0), ns: `${db}.${coll}`, firstBatch: found.map((d) => cloneDoc(d)) },
    };
  }

  /**
   * https://www.mongodb.com/docs/manual/reference/command/insert/: `_id` added when missing, unique
   * indexes enforced (11000, reported in `writeErrors` with ok: 1), ordered stops at the first error.
   */
  private insert(db: string, body: Doc): Doc {
    const coll = this.checkNamespace(db, body.insert);
    if (coll.startsWith("system.")) failWith(CODES.InvalidNamespace, `cannot write to '${db}.${coll}'`);
    const documents = body.documents;
    if (!Array.isArray(documents) || documents.length === 0) {
      failWith(CODES.InvalidOptions, "Write batch sizes must be between 1 and 100000. Got 0 operations.");
    }
    const ordered = body.ordered !== false;
    const c = this.collection(db, coll) ?? this.createCollection(db, coll);
    const writeErrors: Doc[] = [];
    let n = 0;
    for (const [index, raw] of (documents as Doc[]).entries()) {
      const doc = cloneDoc(raw);
      if (doc._id === undefined) idFirst(doc);
      if (Array.isArray(doc._id)) {
        writeErrors.push({
          index,
          code: 53,
          codeName: "InvalidIdField",
          errmsg: "can't use an array for _id",
        });
        if (ordered) break;
        continue;
      }
      const clash = uniqueViolation(c.indexes, c.documents, doc);
      if (clash) {
        writeErrors.push({
          index,
          code: CODES.DuplicateKey[0],
          errmsg: duplicateKeyMessage(`${db}.${coll}`, clash.index, clash.dup),
          keyPattern: clash.index.key,
          keyValue: clash.dup,
        });
        if (ordered) break;
        continue;
      }
      c.documents.push(doc);
      n++;
    }
    return { n, ...(writeErrors.length ? { writeErrors } : {}) };
  }

  /**
   * https://www.mongodb.com/docs/manual/reference/command/update/: statements `{q, u, multi, upsert}`;
   * `n` counts matched (and upserted) documents, `nModified` only those that changed; an upsert
   * that matched nothing inserts the query's equality fields plus the update and reports
   * `upserted: [{index, _id}]`; errors per statement go in `writeErrors` (ok: 1); ordered stops there.
   */
  private update(db: string, body: Doc): Doc {
    const coll = this.checkNamespace(db, body.update);
    if (coll.startsWith("system.")) failWith(CODES.InvalidNamespace, `cannot write to '${db}.${coll}'`);
    const statements = body.updates;
    if (!Array.isArray(statements) || statements.length === 0) {
      failWith(CODES.InvalidOptions, "Write batch sizes must be between 1 and 100000. Got 0 operations.");
    }
    const ordered = body.ordered !== false;
    let n = 0;
    let nModified = 0;
    const upserted: Doc[] = [];
    const writeErrors: Doc[] = [];
    for (const [index, st] of (statements as Doc[]).entries()) {
      try {
        for (const k of Object.keys(st)) {
          if (!["q", "u", "multi", "upsert", "collation", "arrayFilters", "hint"].includes(k)) {
            failWith(CODES.FailedToParse, `BSON field 'update.updates.${k}' is an unknown field.`);
          }
        }
        if (st.q === undefined)
          failWith(CODES.FailedToParse, "BSON field 'update.updates.q' is missing but a required field");
        if (st.u === undefined)
          failWith(CODES.FailedToParse, "BSON field 'update.updates.u' is missing but a required field");
        if (st.collation !== undefined || st.arrayFilters !== undefined)
          notModeled("collation and arrayFilters in updates");
        const multi = st.multi === true;
        const parsed = parseUpdate(st.u, multi);
        const c = this.collection(db, coll);
        const docs = c?.documents ?? [];
        const matched = docs.filter((d) => matches(d, st.q));
        const targets = multi ? matched : matched.slice(0, 1);
        if (targets.length === 0 && st.upsert === true) {
          const seed = upsertSeed(st.q);
          const doc = applyUpdate(seed, parsed, true);
          if (doc._id === undefined) idFirst(doc);
          const target = c ?? this.createCollection(db, coll);
          const clash = uniqueViolation(target.indexes, target.documents, doc);
          if (clash)
            fail(
              CODES.DuplicateKey[0],
              CODES.DuplicateKey[1],
              duplicateKeyMessage(`${db}.${coll}`, clash.index, clash.dup),
            );
          target.documents.push(doc);
          n++;
          upserted.push({ index, _id: doc._id });
          continue;
        }
        // Compute every new version first: a statement that fails changes nothing.
        const next = targets.map((d) => applyUpdate(d, parsed, false));
        for (const [i, d] of next.entries()) {
          const others = docs.filter((o) => o !== targets[i]);
          const clash = uniqueViolation(c!.indexes, others, d);
          if (clash)
            fail(
              CODES.DuplicateKey[0],
              CODES.DuplicateKey[1],
              duplicateKeyMessage(`${db}.${coll}`, clash.index, clash.dup),
            );
        }
        for (const [i, d] of next.entries()) {
          const old = targets[i]!;
          n++;
          if (Buffer.from(BSON.serialize(old)).equals(Buffer.from(BSON.serialize(d)))) continue;
          c!.documents[c!.documents.indexOf(old)] = d;
          nModified++;
        }
      } catch (error) {
        if (!(error instanceof CommandFailure)) throw error;
        writeErrors.push({ index, code: error.code, codeName: error.codeName, errmsg: error.message });
        if (ordered) break;
      }
    }
    return {
      n,
      nModified,
      ...(upserted.length ? { upserted } : {}),
      ...(writeErrors.length ? { writeErrors } : {}),
    };
  }

  /** https://www.mongodb.com/docs/manual/reference/command/delete/: statements `{q, limit: 0 | 1}`. */
  private delete(db: string, body: Doc): Doc {
    const coll = this.checkNamespace(db, body.delete);
    const statements = body.deletes;
    if (!Array.isArray(statements) || statements.length === 0) {
      failWith(CODES.InvalidOptions, "Write batch sizes must be between 1 and 100000. Got 0 operations.");
    }
    const c = this.collection(db, coll);
    let n = 0;
    for (const st of statements as Doc[]) {
      if (st.limit !== 0 && st.limit !== 1) {
        failWith(CODES.FailedToParse, "The limit field in delete objects must be 0 or 1.");
      }
      if (!c) continue;
      const victims = c.documents.filter((d) => matches(d, st.q));
      const removed = st.limit === 1 ? victims.slice(0, 1) : victims;
      c.documents = c.documents.filter((d) => !removed.includes(d));
      n += removed.length;
    }
    return { n };
  }
}
