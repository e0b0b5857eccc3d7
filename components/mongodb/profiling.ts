/**
 * MongoProfiling: the profiling level of each declared database and the process-wide slowms and
 * sampleRate, on every member of a replica set. One resource per replica set (not one per tenant
 * database), so a program with 1000 tenants adds one resource, not 1000.
 *
 * Diff rules (also in docs/mongodb.md):
 * - a changed declaration (levels, slowms, sampleRate, server defaults), members, credentials or
 *   timeout: update in place (every member is set again);
 * - no declaration change, but the last refresh found a member that is not as declared (it restarted
 *   and lost its levels, someone changed them by hand, it could not be read): update in place;
 * - a database removed from the declaration is set back to `serverDefaults.level` on every member;
 * - delete puts every reachable member back to the server defaults (a member that does not answer
 *   gets them when it restarts).
 */
import * as pulumi from "@pulumi/pulumi";
import { runtimeShim } from "../runtimeShim";
import type { EngineAccess } from "../shared/access";
import type { MemberObservation, ProfilingLevelInput } from "./profilingPlan";

export interface MongoProfilingArgs {
  /** Level of each database: 0 (off), 1 (slow operations), 2 (all); or "off", "slowOp", "all". */
  databases: pulumi.Input<Record<string, pulumi.Input<ProfilingLevelInput>>>;
  /** Slow-operation threshold (ms) of every member, for all its databases. Default 100. */
  slowms?: pulumi.Input<number>;
  /** Fraction of slow operations profiled and logged (0 to 1). Default 1. */
  sampleRate?: pulumi.Input<number>;
  /**
   * What members start with (mongod.conf `operationProfiling`): the level a database goes back to
   * when it is no longer declared, and the slowms/sampleRate delete puts back. Default 0, 100, 1.
   */
  serverDefaults?: pulumi.Input<{ level?: ProfilingLevelInput; slowms?: number; sampleRate?: number }>;
  /** The replica set's members (MongoReplicaSet.access). */
  access: pulumi.Input<EngineAccess>;
  /** A user allowed to run `profile` (the enableProfiler action) on every database: the root user. */
  username: pulumi.Input<string>;
  password: pulumi.Input<string>;
  /** Bound of each member's run (connection and every command). Default 60. */
  timeoutSeconds?: pulumi.Input<number>;
}
/** Declared profiling of a replica set's databases, kept on every member. */
export class MongoProfiling extends pulumi.dynamic.Resource {
  /** Per member, as of the last create, update or refresh: what differs from the declaration. */
  declare readonly members: pulumi.Output<MemberObservation[]>;
  /** Per member, how many databases' levels the last create or update changed. */
  declare readonly changedByLastRun: pulumi.Output<Record<string, number>>;

  constructor(name: string, args: MongoProfilingArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      runtimeShim("MongoProfiling"),
      name,
      { ...args, members: undefined, changedByLastRun: undefined },
      { ...opts, additionalSecretOutputs: ["password"] },
      "kato",
      "MongoProfiling",
    );
  }
}
