/**
 * The whole program of the `prod` stack (Pulumi.prod.yaml) with N tenants, under the same mocks as
 * bench/sdkFloor.ts. Run in a fresh process by bench/run.ts; prints one JSON line.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { installMocks, waitForRegistrations } from "../test/support/mocks";
import { checkpointBytes } from "./stateBytes";

async function main(): Promise<void> {
  const tenants = Number(process.argv[2] ?? "1");
  const stackFile = parse(readFileSync(join(__dirname, "..", "Pulumi.prod.yaml"), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const config: Record<string, unknown> = { ...(stackFile.config ?? {}) };
  config["kato-infra:nodeIds"] = Array.from({ length: tenants }, (_, i) => `tenant-${i}`);
  const harness = installMocks({ stack: "prod", config });
  const started = process.hrtime.bigint();
  require("../index");
  await waitForRegistrations();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const resources = harness.resources.length;
  // Read before the checkpoint is measured, which allocates its JSON.
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const stateBytes = checkpointBytes(harness);
  process.stdout.write(`${JSON.stringify({ ms, peakRssMb, resources, stateBytes })}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
