import * as pulumi from "@pulumi/pulumi";
import type { EngineAccess } from "../shared/access";
import { componentNameProblems } from "../shared/names";
import { assertNoProblems } from "../shared/problems";
import { generatedSecret } from "../shared/secrets";
import type { Target } from "../shared/target";
import { RedisClusterFormation } from "./formation";
import { expectedRuntimeConfig } from "./redisConf";
import { RedisReplicationFormation } from "./replication";
import { DEFAULT_MASTER_NAME, sentinelMasterConfig } from "./replicationPlan";
import { wireReplicationDocker, wireReplicationKubernetes } from "./replicationWiring";
import {
  CLUSTER_KEYS,
  REPLICATION_KEYS,
  type RedisSettings,
  type ResolvedRedisSettings,
  resolveRedisSettings,
} from "./settings";
import { planTopology, type RedisTopology } from "./topology";
import { dockerNodeName, wireDocker, wireKubernetes } from "./wiring";

export type RedisClusterArgs = { target: Target } & RedisSettings & {
    /** Use this password instead of generating one (it is treated as a secret). */
    password?: pulumi.Input<string>;
  };

/** Keys of ResolvedRedisSettings that are derived, not settings: accepted (and recomputed) so resolved settings can be passed back in. */
const DERIVED_KEYS = ["redisVersion", "image", "maxmemoryBytes"] as const;

/**
 * Redis on Docker or Kubernetes, in the settings' mode. `cluster`: a Redis Cluster (masters x (1 +
 * replicasPerMaster) nodes) formed by a `RedisClusterFormation` once the servers run. `replication`:
 * one primary with replicas, Sentinels and an HAProxy endpoint, formed by a
 * `RedisReplicationFormation`. Auth is on (a generated password for clients, replicas and
 * Sentinels), persistence and eviction come from the settings.
 */
export class RedisCluster extends pulumi.ComponentResource {
  /** Advertised `host:port` of every node, as clients inside the Docker network / the cluster reach them. */
  declare readonly endpoints: pulumi.Output<string[]>;
  /** The endpoints joined by commas: the seed list of a cluster client. */
  declare readonly seedNodes: pulumi.Output<string>;
  /**
   * The one `host:port` a single-node client uses. replication: the stable endpoint that always
   * reaches the current primary. cluster: the first node (a cluster client then follows MOVED).
   */
  declare readonly endpoint: pulumi.Output<string>;
  /** replication: advertised `host:port` of every Sentinel (empty in cluster mode). */
  declare readonly sentinelEndpoints: pulumi.Output<string[]>;
  /** How executors reach each node from where `pulumi up` runs. */
  declare readonly access: pulumi.Output<EngineAccess>;
  /** requirepass of every node (secret). */
  declare readonly password: pulumi.Output<string>;
  declare readonly settings: ResolvedRedisSettings;
  declare readonly topology: RedisTopology;
  /** The formation resource: RedisClusterFormation (cluster) or RedisReplicationFormation (replication). */
  declare readonly formation: RedisClusterFormation | RedisReplicationFormation;

  constructor(name: string, args: RedisClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("kato:data:RedisCluster", name, {}, opts);
    const { target, password: givenPassword, ...raw } = args;
    const settingsOnly: Record<string, unknown> = { ...raw };
    // Resolved settings passed back carry both modes' fields (the other mode's as resolution left
    // them); a user's own object is checked as written.
    if ("redisVersion" in settingsOnly) {
      const foreign = settingsOnly.mode === "replication" ? CLUSTER_KEYS : REPLICATION_KEYS;
      for (const key of foreign) delete settingsOnly[key];
    }
    for (const key of DERIVED_KEYS) delete settingsOnly[key];
    const { settings, problems } = resolveRedisSettings(settingsOnly, "redis");
    assertNoProblems(
      [...componentNameProblems("RedisCluster name", name, "kato-redis"), ...problems],
      `RedisCluster "${name}" settings`,
    );
    const resolved = settings!;

    const password =
      givenPassword !== undefined ? pulumi.secret(givenPassword) : generatedSecret(`${name}-password`, this);
    this.password = password;
    this.settings = resolved;
    if (resolved.mode === "replication") {
      const wiredReplication =
        target.kind === "docker"
          ? wireReplicationDocker(name, this, target, resolved, password)
          : wireReplicationKubernetes(name, this, target, resolved, password);
      this.topology = planTopology(
        1,
        resolved.replicas,
        Array.from({ length: resolved.nodes }, (_, i) => dockerNodeName(name, i)),
      );
      this.formation = new RedisReplicationFormation(
        `${name}-replication`,
        {
          access: wiredReplication.access,
          sentinelAccess: wiredReplication.sentinelAccess,
          masterName: DEFAULT_MASTER_NAME,
          quorum: resolved.sentinelQuorum,
          sentinelConfig: sentinelMasterConfig(resolved),
          expectedConfig: expectedRuntimeConfig(resolved),
          password,
          timeoutSeconds: resolved.formationTimeoutSeconds,
        },
        { parent: this, dependsOn: wiredReplication.servers },
      );
      this.endpoints = wiredReplication.endpoints;
      this.seedNodes = wiredReplication.endpoints.apply((e) => e.join(","));
      this.endpoint = wiredReplication.endpoint;
      this.sentinelEndpoints = wiredReplication.sentinelEndpoints;
      this.access = wiredReplication.access;
      this.registerOutputs({
        endpoints: this.endpoints,
        endpoint: this.endpoint,
        sentinelEndpoints: this.sentinelEndpoints,
        access: this.access,
        password: this.password,
      });
      return;
    }
    const wired =
      target.kind === "docker"
        ? wireDocker(name, this, target, resolved, password)
        : wireKubernetes(name, this, target, resolved, password);

    // Roles are planned on the container / pod names (node i is `<name>-i` on both targets). On one
    // Docker host every replica shares its master's host; on Kubernetes anti-affinity spreads the pods.
    const topology = planTopology(
      resolved.masters,
      resolved.replicasPerMaster,
      Array.from({ length: resolved.nodes }, (_, i) => dockerNodeName(name, i)),
      target.kind === "docker" ? Array(resolved.nodes).fill("docker-host") : undefined,
    );
    const ordinalOf = new Map(topology.members.map((m) => [m.name, m.ordinal]));
    const shards = wired.endpoints.apply((endpoints) =>
      topology.shards.map((s) => ({
        master: endpoints[ordinalOf.get(s.master)!]!,
        replicas: s.replicas.map((r) => endpoints[ordinalOf.get(r)!]!),
        slots: s.slots,
      })),
    );

    const formation = new RedisClusterFormation(
      `${name}-formation`,
      {
        access: wired.access,
        shards,
        expectedConfig: expectedRuntimeConfig(resolved),
        password,
        timeoutSeconds: resolved.formationTimeoutSeconds,
      },
      { parent: this, dependsOn: wired.servers },
    );

    this.endpoints = wired.endpoints;
    this.seedNodes = wired.endpoints.apply((e) => e.join(","));
    this.endpoint = wired.endpoints.apply((e) => e[0]!);
    this.sentinelEndpoints = pulumi.output([]);
    this.access = wired.access;
    this.topology = topology;
    this.formation = formation;
    this.registerOutputs({
      endpoints: this.endpoints,
      seedNodes: this.seedNodes,
      access: this.access,
      password: this.password,
    });
  }
}
