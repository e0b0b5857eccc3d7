/**
 * The dynamic provider of `QdrantCollection`. The Pulumi dynamic-provider host runs it in its own
 * process, loaded through components/runtime.ts under the name QdrantCollection (state holds only
 * the shim of components/runtimeShim.ts), so it holds no client between calls. The executor works on
 * the flat form of the inputs (components/shared/packedInputs.ts): state written before the
 * `spec` shape keeps working, and outputs are written in the current shape.
 */
import type * as pulumi from "@pulumi/pulumi";
import { pack, packedKey, unpack } from "../shared/packedInputs";
import { COLLECTION_LAYOUT } from "./collection";
import {
  type CollectionInputs,
  checkCollection,
  createCollection,
  deleteCollection,
  diffCollection,
  readCollection,
  updateCollection,
} from "./collectionExecutor";

/** The flat form of inputs or outputs, of the current shape or of an earlier release's. */
const flat = (props: any): Record<string, any> => unpack(COLLECTION_LAYOUT, props ?? {});
/** Outputs in the current shape. */
const packed = (outs: Record<string, any>): any => pack(COLLECTION_LAYOUT, outs);
/** Top-level inputs named by flat keys, each once. */
const inputsOf = (keys: string[]): string[] => [...new Set(keys.map((k) => packedKey(COLLECTION_LAYOUT, k)))];

export const qdrantCollectionProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds, news) {
    const checked = checkCollection(flat(olds), flat(news));
    return {
      inputs: news,
      failures: checked.failures.map((f) => ({ ...f, property: packedKey(COLLECTION_LAYOUT, f.property) })),
    };
  },
  async diff(id, olds, news) {
    const diff = diffCollection(id, flat(olds), flat(news));
    return { ...diff, replaces: inputsOf(diff.replaces), stables: inputsOf(diff.stables) };
  },
  async create(inputs) {
    const created = await createCollection(flat(inputs) as CollectionInputs);
    return { id: created.id, outs: packed(created.outs) };
  },
  async read(id, props) {
    const read = await readCollection(id, flat(props));
    return read.id === "" ? read : { id: read.id, props: packed(read.props) };
  },
  async update(id, olds, news) {
    return { outs: packed((await updateCollection(id, flat(olds), flat(news) as CollectionInputs)).outs) };
  },
  async delete(id, props) {
    await deleteCollection(id, flat(props));
  },
};
