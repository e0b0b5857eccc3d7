/**
 * `QdrantCollection`: one Qdrant collection declared as a resource (dynamic provider in
 * provider.ts). Its settings are checked at preview; settings Qdrant can change in place are
 * patched; changes that would delete points are refused unless `allowRecreate` is set, and a
 * rebuild shows in the preview as a replacement.
 */
import * as pulumi from "@pulumi/pulumi";
import { runtimeShim } from "../runtimeShim";
import { type InputLayout, unpack } from "../shared/packedInputs";
import { textIfKnown, textInput } from "../shared/textInputs";
import type { QdrantConnection, RetryPolicy } from "./collectionExecutor";
import type {
  HnswSpec,
  OptimizersSpec,
  PayloadIndexSpec,
  QuantizationSpec,
  VectorSpec,
} from "./collectionSpec";
import type { QdrantCluster } from "./component";

/**
 * Its inputs as the resource registers them (components/shared/packedInputs.ts): `name`, the secret
 * `apiKey`, `connection` (a value of its own) and `spec` (every other setting), the last two as JSON
 * text.
 */
export const COLLECTION_LAYOUT: InputLayout = {
  top: ["name", "apiKey", "connection"],
  groups: {},
  text: ["connection"],
};

/** What `spec` holds: the collection's settings and how this resource treats them. */
export type QdrantCollectionSettings = Omit<
  QdrantCollectionArgs,
  "name" | "cluster" | "connection" | "apiKey"
>;

/** What `settings` gives: the settings as last applied, with the shard count the server chose. */
export type CollectionSettingsOutput = QdrantCollectionSettings & { shardNumber?: number };

export interface QdrantCollectionArgs {
  /** Collection name; default: the resource name. */
  name?: pulumi.Input<string>;
  vectors: pulumi.Input<VectorSpec | Record<string, VectorSpec>>;
  hnsw?: pulumi.Input<HnswSpec>;
  optimizers?: pulumi.Input<OptimizersSpec>;
  quantization?: pulumi.Input<QuantizationSpec>;
  shardNumber?: pulumi.Input<number>;
  replicationFactor?: pulumi.Input<number>;
  writeConsistencyFactor?: pulumi.Input<number>;
  onDiskPayload?: pulumi.Input<boolean>;
  payloadIndexes?: pulumi.Input<PayloadIndexSpec[]>;
  aliases?: pulumi.Input<string[]>;
  /** Allow rebuilding the collection (or dropping a named vector) when a change needs it: points are lost. */
  allowRecreate?: pulumi.Input<boolean>;
  /**
   * How a refusal tells the reader to allow data loss when they cannot set `allowRecreate` themselves
   * (a program passes e.g. "set kato-infra:allowDataLoss to true"). Default: "set allowRecreate: true
   * on this collection".
   */
  dataLossHint?: pulumi.Input<string>;
  /** Drop the collection when this resource is deleted. Default false: it is kept. */
  dropOnDelete?: pulumi.Input<boolean>;
  /** The cluster it lives in (its `access` and API key are used); or give `connection` (+ `apiKey`). */
  cluster?: QdrantCluster;
  connection?: pulumi.Input<QdrantConnection>;
  apiKey?: pulumi.Input<string | undefined>;
  retry?: pulumi.Input<RetryPolicy>;
}

export class QdrantCollection extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  /**
   * The collection's settings as last applied (or refreshed), plus the shard count the server chose
   * when none was declared, as state stores them: JSON text (components/shared/packedInputs.ts).
   * `settings` gives the object.
   */
  declare readonly spec: pulumi.Output<string>;

  /** `spec` decoded: the settings as last applied, with the shard count the server chose. */
  get settings(): pulumi.Output<CollectionSettingsOutput> {
    return this.spec.apply((s) => unpack(COLLECTION_LAYOUT, { spec: s }) as CollectionSettingsOutput);
  }

  constructor(name: string, args: QdrantCollectionArgs, opts: pulumi.CustomResourceOptions = {}) {
    const { cluster, connection, apiKey, name: collectionName, ...spec } = args;
    const key = apiKey ?? cluster?.apiKey;
    const reach = connection ?? cluster?.access.apply((access) => ({ access }));
    super(
      runtimeShim("QdrantCollection"),
      name,
      {
        name: collectionName ?? name,
        spec: textIfKnown(spec),
        connection: reach === undefined ? undefined : textInput(reach),
        // The key is only ever a secret, in inputs and in state.
        apiKey: key === undefined ? undefined : pulumi.secret(key),
      },
      {
        ...opts,
        additionalSecretOutputs: ["apiKey"],
        ...(cluster ? { dependsOn: [cluster, ...toArray(opts.dependsOn)] } : {}),
      },
      "kato",
      "QdrantCollection",
    );
  }
}

function toArray(value: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value as pulumi.Input<pulumi.Resource>];
}
