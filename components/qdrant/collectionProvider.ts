/**
 * The dynamic provider of `QdrantCollection`. The Pulumi dynamic-provider host runs it in its own
 * process, loaded through components/runtime.ts under the name QdrantCollection (state holds only
 * the shim of components/runtimeShim.ts), so it holds no client between calls.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  checkCollection,
  createCollection,
  deleteCollection,
  diffCollection,
  readCollection,
  updateCollection,
} from "./collectionExecutor";

export const qdrantCollectionProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds, news) {
    return checkCollection(olds, news);
  },
  async diff(id, olds, news) {
    return diffCollection(id, olds, news);
  },
  async create(inputs) {
    return createCollection(inputs);
  },
  async read(id, props) {
    return readCollection(id, props ?? {});
  },
  async update(id, olds, news) {
    return updateCollection(id, olds, news);
  },
  async delete(id, props) {
    await deleteCollection(id, props);
  },
};
