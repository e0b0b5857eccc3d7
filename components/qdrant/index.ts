export { QdrantCollection, type QdrantCollectionArgs } from "./collection";
export type { QdrantConnection, RetryPolicy } from "./collectionExecutor";
export {
  type CollectionPlan,
  type CollectionStep,
  createCollectionBody,
  observeCollection,
  planCollection,
  summarizeObserved,
} from "./collectionPlan";
export {
  checkCollectionSpec,
  collectionNameProblems,
  type HnswSpec,
  type OptimizersSpec,
  type PayloadIndexSpec,
  type QdrantCollectionSpec,
  type QuantizationSpec,
  type VectorSpec,
} from "./collectionSpec";
export { QDRANT_UID, QdrantCluster, type QdrantClusterArgs } from "./component";
export {
  QDRANT_DEFAULT_IMAGE,
  QDRANT_DEFAULTS,
  QDRANT_FIELDS,
  type QdrantSettings,
  type ResolvedQdrantSettings,
  resolveQdrantSettings,
} from "./settings";
export {
  planQdrantDocker,
  planQdrantKubernetes,
  type QdrantClusterPlan,
  type QdrantKubernetesPlan,
  type QdrantPeerPlan,
  renderQdrantConfig,
} from "./topology";
