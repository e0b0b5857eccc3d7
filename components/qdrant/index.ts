export { QDRANT_UID, QdrantCluster, type QdrantClusterArgs } from "./cluster";
export {
  planQdrantDocker,
  planQdrantKubernetes,
  type QdrantClusterPlan,
  type QdrantKubernetesPlan,
  type QdrantPeerPlan,
  renderQdrantConfig,
} from "./cluster-plan";
export { QdrantCollection, type QdrantCollectionArgs } from "./collection";
export {
  type CollectionPlan,
  type CollectionStep,
  createCollectionBody,
  observeCollection,
  planCollection,
  summarizeObserved,
} from "./collection-plan";
export {
  checkCollectionSpec,
  collectionNameProblems,
  type HnswSpec,
  type OptimizersSpec,
  type PayloadIndexSpec,
  type QdrantCollectionSpec,
  type QuantizationSpec,
  type VectorSpec,
} from "./collection-spec";
export type { QdrantConnection, RetryPolicy } from "./executor";
export {
  QDRANT_DEFAULT_IMAGE,
  QDRANT_DEFAULTS,
  QDRANT_FIELDS,
  type QdrantSettings,
  type ResolvedQdrantSettings,
  resolveQdrantSettings,
} from "./settings";
