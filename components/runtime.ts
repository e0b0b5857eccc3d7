/**
 * The provider runtime: every dynamic provider of kato-infra under the stable name its resources'
 * `__provider` shim (runtimeShim.ts) asks for. Loaded by the Pulumi dynamic-provider host through
 * that shim: from a clone, this file through ts-node; from an installed package,
 * `kato-infra/runtime` (dist/components/runtime.js).
 *
 * Compatibility contract: state written by any release holds a shim that calls
 * `providers[<name>].<method>(...)`. A future release must keep every name below with the dynamic
 * provider methods (check, diff, create, read, update, delete) and their signatures, and its
 * `read`, `diff`, `update` and `delete` must accept the outputs earlier releases wrote.
 */
import type * as pulumi from "@pulumi/pulumi";
import { placementProvider } from "./dataplane/placement";
import { bootstrapProvider } from "./mongodb/bootstrapProvider";
import { migrationProvider } from "./mongodb/migrationProvider";
import { profilingProvider } from "./mongodb/profilingProvider";
import { schemaProvider } from "./mongodb/schemaProvider";
import { qdrantCollectionProvider } from "./qdrant/collectionProvider";
import { redisFormationProvider } from "./redis/formationProvider";
import { redisReplicationProvider } from "./redis/replicationProvider";
import type { RuntimeProviderName } from "./runtimeShim";

/** Version of this contract; a release that breaks it must change its package's major version. */
export const runtimeContract = 1;

export const providers: Record<RuntimeProviderName, pulumi.dynamic.ResourceProvider> = {
  MongoReplicaSetBootstrap: bootstrapProvider,
  MongoDatabaseSchema: schemaProvider,
  MongoProfiling: profilingProvider,
  MongoMigration: migrationProvider,
  QdrantCollection: qdrantCollectionProvider,
  RedisClusterFormation: redisFormationProvider,
  RedisReplicationFormation: redisReplicationProvider,
  DataTierPlacement: placementProvider,
};
