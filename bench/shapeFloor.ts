/**
 * The least Pulumi itself costs for the program's shape: per tenant, two trivial dynamic resources
 * with as many top-level input properties as the program's two tenant resources have
 * (`MongoDatabaseSchema`: `database`, `spec`, `connection`, `password` and the undefined output
 * `undeclaredIndexes`, plus `__provider`; `QdrantCollection`: `name`, `spec`, `connection`,
 * `apiKey`, plus `__provider`; components/shared/packedInputs.ts), each a small plain value. Same mocks and timing as bench/sdkFloor.ts. The gap between this and
 * bench/sdkFloor.ts is what the SDK charges for the shape alone (per resource and per top-level
 * input: `transferProperties` in @pulumi/pulumi runtime/rpc.js makes four promises per property,
 * each capturing a stack trace in runtime/debuggable.js); the gap between the program and this is
 * the program's own work and its data. Run in a fresh process by bench/run.ts; prints one JSON line.
 */
import * as pulumi from "@pulumi/pulumi";
import { installMocks, waitForRegistrations } from "../test/support/mocks";
import { checkpointBytes } from "./stateBytes";

const trivialProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: any) {
    return { id: String(inputs.k0), outs: inputs };
  },
};

/** Top-level inputs besides `__provider`, as the program's tenant resources have them. */
const SCHEMA_INPUTS = 5;
const COLLECTION_INPUTS = 4;

function props(tenant: number, count: number, undefinedOutput: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let k = 0; k < count; k++) out[`k${k}`] = `${tenant}-${k}`;
  if (undefinedOutput) out[`k${count - 1}`] = undefined;
  return out;
}

class Trivial extends pulumi.dynamic.Resource {
  constructor(name: string, inputs: Record<string, unknown>) {
    super(trivialProvider, name, inputs, {});
  }
}

async function main(): Promise<void> {
  const tenants = Number(process.argv[2] ?? "1");
  const harness = installMocks({ stack: "bench" });
  const started = process.hrtime.bigint();
  const urns: Promise<string>[] = [];
  for (let i = 0; i < tenants; i++) {
    for (const r of [
      new Trivial(`schema-${i}`, props(i, SCHEMA_INPUTS, true)),
      new Trivial(`collection-${i}`, props(i, COLLECTION_INPUTS, false)),
    ]) {
      urns.push(new Promise((resolve) => r.urn.apply(resolve)));
    }
  }
  await Promise.all(urns);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await waitForRegistrations();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const stateBytes = checkpointBytes(harness);
  process.stdout.write(`${JSON.stringify({ ms, peakRssMb, resources: 2 * tenants, stateBytes })}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
