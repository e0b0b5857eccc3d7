/**
 * A tenant resource's recorded inputs in the flat form its provider reads. Kept out of mocks.ts,
 * which the benchmark's SDK floor loads: the floor stays free of kato's modules.
 */
import { SCHEMA_LAYOUT } from "../../components/mongodb/schema";
import { COLLECTION_LAYOUT } from "../../components/qdrant/collection";
import { type InputLayout, unpack } from "../../components/shared/packedInputs";
import { type RecordedResource, unwrapSecrets } from "./mocks";

const LAYOUTS: Record<string, InputLayout> = {
  "pulumi-nodejs:dynamic/kato:MongoDatabaseSchema": SCHEMA_LAYOUT,
  "pulumi-nodejs:dynamic/kato:QdrantCollection": COLLECTION_LAYOUT,
};

/**
 * `spec` and `connection` decoded from their JSON text (components/shared/packedInputs.ts), secrets
 * unwrapped.
 */
export function flatInputs(record: Pick<RecordedResource, "type" | "inputs">): Record<string, any> {
  const layout = LAYOUTS[record.type];
  if (!layout) throw new Error(`flatInputs: ${record.type} has no packed layout`);
  return unpack(layout, unwrapSecrets(record.inputs));
}
