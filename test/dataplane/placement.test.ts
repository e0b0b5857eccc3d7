/**
 * Moving the data tier (a new Kubernetes namespace, or Docker <-> Kubernetes) is refused at
 * preview unless data loss is allowed: the staging program records its placement in a
 * DataTierPlacement resource whose provider, loaded as the dynamic-provider host loads it (a fresh
 * plain-node process, test/support/providerProcess.ts), fails `check` on a move. The engine runs
 * `check(olds, news)` with the resource's old inputs at every preview and up (pulumi v3.248.0,
 * sdk/nodejs/cmd/dynamic-provider/index.ts `checkRPC`), and a failure stops the operation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNKNOWN } from "../../components/shared/unknown";
import { type ProgramRun, runProgram } from "../program/harness";
import {
  type FreshProvider,
  loadProviderInFreshProcess,
  recordedDynamicResource,
} from "../support/providerProcess";

let run: ProgramRun;
let provider: FreshProvider;
let inputs: Record<string, any>;

beforeAll(async () => {
  run = await runProgram("staging");
  const recorded = recordedDynamicResource(run.harness, "kato-placement");
  inputs = recorded.inputs;
  provider = await loadProviderInFreshProcess(recorded.providerText);
}, 120_000);

afterAll(async () => {
  await provider?.close();
});

const moved = (namespace: string, extra: Record<string, unknown> = {}) => ({
  ...inputs,
  ...extra,
  placement: { kind: "kubernetes", namespace },
});

describe("the staging program's placement", () => {
  it("records the namespace the engines and their volumes are in", () => {
    expect(inputs.placement).toEqual({ kind: "kubernetes", namespace: "kato-staging" });
    expect(inputs.allowDataLoss).toBe(false);
  });

  it("is registered before anything that holds data: the namespace and every engine wait for it", () => {
    const waiting = (name: string) => run.options.find((o) => o.name === name)?.dependencies ?? [];
    for (const name of ["kato-namespace", "kato-mongodb", "kato-qdrant", "kato-redis"]) {
      expect(
        waiting(name).some((urn) => urn.endsWith("::kato-placement")),
        `${name} waits for kato-placement`,
      ).toBe(true);
    }
  });
});

describe("its provider, as the host runs it", () => {
  it("refuses a new namespace, naming the key, both namespaces and the ways out", async () => {
    const result = await provider.call<any>("check", inputs, moved("kato-staging-2"));
    expect(result.failures).toHaveLength(1);
    const reason: string = result.failures[0].reason;
    expect(reason).toContain('kato-infra:kubernetes.namespace = "kato-staging-2"');
    expect(reason).toContain('Kubernetes namespace "kato-staging"');
    expect(reason).toContain('set kato-infra:kubernetes.namespace back to "kato-staging"');
    expect(reason).toContain("kato-infra:allowDataLoss");
  });

  it("refuses a move to Docker, naming kato-infra:target", async () => {
    const result = await provider.call<any>("check", inputs, { ...inputs, placement: { kind: "docker" } });
    expect(result.failures[0].reason).toMatch(
      /^kato-infra:target = "docker": .* set kato-infra:target back to "kubernetes"/,
    );
  });

  it("lets the move through when data loss is allowed, and shows it as a change", async () => {
    const news = moved("kato-staging-2", { allowDataLoss: true });
    expect((await provider.call<any>("check", inputs, news)).failures ?? []).toEqual([]);
    expect((await provider.call<any>("diff", "placement", inputs, news)).changes).toBe(true);
  });

  it("refuses a placement it cannot read", async () => {
    for (const placement of [undefined, { kind: "kubernetes" }, { kind: "nomad" }]) {
      const result = await provider.call<any>("check", {}, { ...inputs, placement });
      expect(result.failures[0].reason).toMatch(/must be \{ kind: "docker" \} or \{ kind: "kubernetes"/);
    }
  });

  it("passes an unchanged placement, a first deployment and a namespace not known yet", async () => {
    for (const [olds, news] of [
      [inputs, inputs],
      [{}, moved("anything")],
      [inputs, moved(UNKNOWN)],
    ]) {
      expect((await provider.call<any>("check", olds, news)).failures ?? []).toEqual([]);
    }
    expect((await provider.call<any>("diff", "placement", inputs, inputs)).changes).toBe(false);
  });
});
