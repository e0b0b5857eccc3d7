/**
 * Bytes of the checkpoint a program's resources make, as the engine stores them: for every
 * resource its inputs and its outputs (for a dynamic resource both hold `__provider`: the program
 * sends it as an input and the dynamic-provider host, sdk/nodejs/cmd/dynamic-provider/index.ts of
 * @pulumi/pulumi v3.248.0, writes it back into the outputs), plus the outputs components and the
 * stack register. JSON as the checkpoint writes it; a secret counts as its wrapper around the value
 * (the checkpoint's ciphertext wrapper is of the same order). The outputs are what the mocks answer
 * (test/support/mocks.ts): the inputs plus what they compute.
 */
import type { MockHarness } from "../test/support/mocks";

type Recorded = Pick<MockHarness, "resources" | "outputs">;

export function checkpointBytes(harness: Recorded): number {
  let total = 0;
  for (const r of harness.resources) {
    total += Buffer.byteLength(JSON.stringify(r.inputs)) + Buffer.byteLength(JSON.stringify(r.state ?? {}));
  }
  for (const o of harness.outputs) total += Buffer.byteLength(JSON.stringify(o.outputs));
  return total;
}
