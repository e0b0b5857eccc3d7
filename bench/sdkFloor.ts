/**
 * The least Pulumi itself costs for N tenants: one trivial dynamic resource per tenant under the
 * same mocks the program benchmark uses. Run in a fresh process by bench/run.ts; prints one JSON line.
 */
import * as pulumi from "@pulumi/pulumi";
import { withoutPromiseTraces } from "../components/shared/promiseTraces";
import { installMocks, waitForRegistrations } from "../test/support/mocks";
import { checkpointBytes } from "./stateBytes";

const trivialProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: any) {
    return { id: String(inputs.tenant), outs: inputs };
  },
};

class Trivial extends pulumi.dynamic.Resource {
  constructor(name: string, tenant: number) {
    super(trivialProvider, name, { tenant }, {});
  }
}

async function main(): Promise<void> {
  const tenants = Number(process.argv[2] ?? "1");
  const harness = installMocks({ stack: "bench" });
  const started = process.hrtime.bigint();
  const urns: Promise<string>[] = [];
  const register = () => {
    for (let i = 0; i < tenants; i++) {
      const r = new Trivial(`tenant-${i}`, i);
      urns.push(new Promise((resolve) => r.urn.apply(resolve)));
    }
  };
  // The twin that registers as KatoDataPlane does, without the SDK's per-promise stack traces
  // (components/shared/promiseTraces.ts): what the program costs over Pulumi on equal terms.
  if (process.env.BENCH_FLOOR_WITHOUT_PROMISE_TRACES === "1") withoutPromiseTraces(register);
  else register();
  await Promise.all(urns);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await waitForRegistrations();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const stateBytes = checkpointBytes(harness);
  process.stdout.write(`${JSON.stringify({ ms, peakRssMb, resources: tenants, stateBytes })}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
