/**
 * The kato-infra program: read and check the stack config (every problem at once, before any
 * resource), deploy KATO's data tier with the tenants' schema, and export what KATO reads.
 * `pulumi stack output` lists these; `--show-secrets` reveals the ones carrying credentials.
 */
import { readStackConfig } from "./components/config";
import { program } from "./components/dataplane/program";

const outputs = program(readStackConfig());

export const MONGO_BASE_URL = outputs.MONGO_BASE_URL;
export const QDRANT_HOST = outputs.QDRANT_HOST;
export const QDRANT_PORT = outputs.QDRANT_PORT;
export const QDRANT_API_KEY = outputs.QDRANT_API_KEY;
export const REDIS_URL = outputs.REDIS_URL;
export const REDIS_CLUSTER_NODES = outputs.REDIS_CLUSTER_NODES;
export const REDIS_PASSWORD = outputs.REDIS_PASSWORD;
export const mongoEndpoints = outputs.mongoEndpoints;
export const qdrantEndpoints = outputs.qdrantEndpoints;
export const redisEndpoints = outputs.redisEndpoints;
export const placement = outputs.placement;
export const tenants = outputs.tenants;
