/** Redis: settings, plans, the component (cluster or replication mode) and the formation executors. */

export { RedisCluster, type RedisClusterArgs } from "./component";
export { RedisClusterFormation, type RedisClusterFormationArgs } from "./formation";
export { type FormationResult, formCluster, inspectCluster } from "./formationExecutor";
export { type FormationInputs, redisFormationProvider } from "./formationProvider";
export { expectedRuntimeConfig, renderAuthConf, renderRedisConf } from "./redisConf";
export { RedisReplicationFormation, type RedisReplicationFormationArgs } from "./replication";
export {
  formReplication,
  inspectReplication,
  type ReplicationResult,
} from "./replicationExecutor";
export {
  planReplication,
  type ReplicationSpec,
  renderEndpointConf,
  renderSentinelAuth,
  renderSentinelConf,
} from "./replicationPlan";
export { type ReplicationInputs, redisReplicationProvider } from "./replicationProvider";
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
