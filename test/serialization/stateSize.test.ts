/**
 * State grows with the tenants, not the code: the checkpoint bytes each tenant adds (its resources'
 * inputs and outputs as the engine stores them, `__provider` included; bench/stateBytes.ts) stay
 * within issue 9's 16 KB. Bytes do not vary from run to run, so the bound is absolute. Measured on
 * the prod stack's program, run as `pulumi up` runs it (plain Node, ts-node), at 2 and 4 tenants;
 * `npm run bench` measures the same at 100 and 1000.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkpointBytes } from "../../bench/stateBytes";
import { runProgramUnderNode } from "../support/nodeProgram";

const ROOT = resolve(__dirname, "..", "..");
const prod = (
  parse(readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> }
).config;

const bytesWith = (tenants: number) => {
  const run = runProgramUnderNode("index.ts", {
    stack: "prod",
    config: {
      ...prod,
      "kato-infra:nodeIds": JSON.stringify(Array.from({ length: tenants }, (_, i) => `tenant-${i}`)),
    },
  });
  expect(run.errors).toEqual([]);
  return { bytes: checkpointBytes(run), run };
};

describe("checkpoint size", () => {
  it("each tenant adds at most 16 KB of state, its provider shims included", () => {
    const two = bytesWith(2);
    const four = bytesWith(4);
    const perTenant = (four.bytes - two.bytes) / 2;
    expect(perTenant).toBeGreaterThan(1000);
    expect(perTenant).toBeLessThanOrEqual(16 * 1024);
    // The tenant's schema resources carry the shim, in inputs and outputs alike, not provider code.
    const schema = four.run.resources.find((r) => r.name === "mongodb-schema-tenant_3_kato")!;
    expect(schema.inputs.__provider.length).toBeLessThan(2560);
    expect(schema.state?.__provider).toBe(schema.inputs.__provider);
  }, 600_000);
});
