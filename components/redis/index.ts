/** Redis Cluster: settings, plans, the cluster component and its formation executor. */

export { RedisCluster, type RedisClusterArgs } from "./component";
export {
  type AppendFsync,
  MAXMEMORY_SHARE_OF_LIMIT,
  REDIS_DEFAULTS,
  REDIS_FIELDS,
  type RedisSettings,
  type ResolvedRedisSettings,
  resolveRedisSettings,
  type SaveRule,
} from "./config";
export { RedisClusterFormation, type RedisClusterFormationArgs } from "./formation";
export { type FormationResult, formCluster, inspectCluster } from "./formationExecutor";
export { type FormationInputs, redisFormationProvider } from "./formationProvider";
export { expectedRuntimeConfig, renderAuthConf, renderRedisConf } from "./redisConf";
export { evenSlotRanges, planTopology, type RedisTopology, SLOT_COUNT } from "./topology";
export { parseRedisVersion, type RedisVersion } from "./versions";
