import * as pulumi from "@pulumi/pulumi";
import type { EngineAccess } from "../shared/access";
import { assertNoProblems, type Problem, problem } from "../shared/problems";
import { generatedSecret } from "../shared/secrets";
import type { Target } from "../shared/target";
import { type RedisSettings, type ResolvedRedisSettings, resolveRedisSettings } from "./config";
import { RedisClusterFormation } from "./formation";
import { expectedRuntimeConfig } from "./redisConf";
import { planTopology, type RedisTopology } from "./topology";
import { dockerNodeName, wireDocker, wireKubernetes } from "./wiring";

export type RedisClusterArgs = { target: Target } & RedisSettings & {
    /** Use this password instead of generating one (it is treated as a secret). */
    password?: pulumi.Input<string>;
  };

/**
 * The component name becomes container, pod, Service and volume names (`<name>-<i>`, `<name>-headless`)
 * and the nodes' announced hostnames: it must be a DNS label with room for those suffixes.
 */
export function componentNameProblems(name: string): Problem[] {
  if (/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/.test(name)) return [];
  return [
    problem(
      "name",
      name,
      "is not usable as container, pod and DNS names: lowercase letters, digits and '-', starting with a letter, at most 42 characters.",
      `name the RedisCluster like "kato-redis".`,
    ),
  ];
}

/** Keys of ResolvedRedisSettings that are derived, not settings: accepted (and recomputed) so resolved settings can be passed back in. */
const DERIVED_KEYS = ["redisVersion", "image", "maxmemoryBytes"] as const;

/**
 * A Redis Cluster (masters x (1 + replicasPerMaster) nodes) on Docker or Kubernetes, formed by a
 * `RedisClusterFormation` once the servers run. Auth is on (a generated password for clients and
 * replicas), persistence and eviction come from the settings.
 */
export class RedisCluster extends pulumi.ComponentResource {
  /** Advertised `host:port` of every node, as clients inside the Docker network / the cluster reach them. */
  declare readonly endpoints: pulumi.Output<string[]>;
  /** The endpoints joined by commas: the seed list of a cluster client. */
  declare readonly seedNodes: pulumi.Output<string>;
  /** How executors reach each node from where `pulumi up` runs. */
  declare readonly access: pulumi.Output<EngineAccess>;
  /** requirepass of every node (secret). */
  declare readonly password: pulumi.Output<string>;
  declare readonly settings: ResolvedRedisSettings;
  declare readonly topology: RedisTopology;
  declare readonly formation: RedisClusterFormation;

  constructor(name: string, args: RedisClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("kato:data:RedisCluster", name, {}, opts);
    const { target, password: givenPassword, ...raw } = args;
    const settingsOnly: Record<string, unknown> = { ...raw };
    for (const key of DERIVED_KEYS) delete settingsOnly[key];
    const { settings, problems } = resolveRedisSettings(settingsOnly, "redis");
    assertNoProblems([...componentNameProblems(name), ...problems], `RedisCluster "${name}" settings`);
    const resolved = settings!;

    const password =
      givenPassword !== undefined ? pulumi.secret(givenPassword) : generatedSecret(`${name}-password`, this);
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
    this.access = wired.access;
    this.password = password;
    this.settings = resolved;
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
