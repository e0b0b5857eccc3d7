/**
 * `pulumi up` runs the program with ts-node's CommonJS compile and serializes every dynamic
 * provider from that module graph; vitest's module runner builds a different one. So this suite runs
 * the real program of every stack file in a plain Node process (as the engine does), and proves that
 * every dynamic resource's `__provider` is the small runtime shim and loads, as the dynamic-provider
 * host loads it (test/support/providerProcess.ts), in another fresh process, where its `check` runs
 * on the recorded inputs:
 * - as `pulumi up` sends them (every value known), and
 * - as `pulumi preview` of a new stack sends them (the preview-mode mocks: what other resources
 *   compute is unknown), where every check must pass too: a preview must not fail on a value it
 *   cannot know yet.
 */
import { afterAll, describe, expect, it } from "vitest";
import { stackConfig, stackNames } from "../stacks/stackFiles";
import { UNKNOWN } from "../support/mocks";
import { dynamicResources, type NodeProgramRun, runProgramUnderNode } from "../support/nodeProgram";
import { type FreshProvider, loadProviderInFreshProcess } from "../support/providerProcess";

const opened: FreshProvider[] = [];
afterAll(async () => {
  await Promise.all(opened.map((p) => p.close()));
});

const cases = stackNames().flatMap((stack) =>
  ["guide", "kato-v3"].flatMap((preset) =>
    [false, true].map((preview) => ({ stack, preset, preview, mode: preview ? "preview" : "up" })),
  ),
);

describe.each(cases)(
  "program of stack $stack with the $preset preset, run as pulumi $mode runs it",
  ({ stack, preset, preview }) => {
    let run: NodeProgramRun;

    it("declares its resources without any error (serialization included)", () => {
      run = runProgramUnderNode("index.ts", {
        stack,
        preview,
        config: {
          ...stackConfig(stack),
          "kato-infra:schemaPreset": preset,
          // kato-v3 sanitises node ids as KATO does; the guide's names take them as they are.
          "kato-infra:nodeIds": JSON.stringify(
            preset === "kato-v3" ? ["alpha", "team/beta-2"] : ["alpha", "beta_2"],
          ),
        },
      });
      expect(run.errors).toEqual([]);
      expect(run.resources.length).toBeGreaterThan(10);
    });

    it("every dynamic provider loads from its __provider in a fresh process and checks its inputs", async () => {
      const dynamics = dynamicResources(run);
      expect(dynamics.length).toBeGreaterThan(0);
      if (preview) {
        // The preview-mode mocks are what they claim: some schema resource waits on an unknown.
        expect(dynamics.some((d) => JSON.stringify(d.inputs).includes(UNKNOWN))).toBe(true);
      }
      const provider = await loadProviderInFreshProcess(dynamics[0]!.providerText);
      opened.push(provider);
      for (const d of dynamics) {
        const checked = await provider.call<{ inputs: Record<string, unknown>; failures: unknown[] }>(
          "check",
          {},
          { ...d.inputs, __provider: d.providerText },
        );
        expect(checked.failures, `${d.name} check failures`).toEqual([]);
        expect(checked.inputs.__provider).toBe(d.providerText);
      }
      await provider.close();
    });
  },
);
