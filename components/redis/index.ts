/**
 * Redis: settings, plans, the component (cluster or replication mode) and the formation resources.
 * The providers and executors are not re-exported: only the provider runtime (components/runtime.ts)
 * loads them, in the Pulumi dynamic-provider host, so the program does not.
 */

export { RedisCluster, type RedisClusterArgs } from "./component";
export { RedisClusterFormation, type RedisClusterFormationArgs } from "./formation";
export { expectedRuntimeConfig, renderAuthConf, renderRedisConf } from "./redisConf";
export { RedisReplicationFormation, type RedisReplicationFormationArgs } from "./replication";
export {
  planReplication,
  type ReplicationSpec,
  renderEndpointConf,
  renderSentinelAuth,
  renderSentinelConf,
} from "./replicationPlan";
export {
  type AppendFsync,
  MAXMEMORY_SHARE_OF_LIMIT,
  REDIS_DEFAULTS,
  REDIS_FIELDS,
  type RedisMode,
  type RedisSettings,
  type ResolvedRedisSettings,
  resolveRedisSettings,
  type SaveRule,
} from "./settings";
export { evenSlotRanges, planTopology, type RedisTopology, SLOT_COUNT } from "./topology";
export { parseRedisVersion, type RedisVersion } from "./versions";
