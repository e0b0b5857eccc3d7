/**
 * `pulumi up` runs the program with ts-node's CommonJS compile and serializes every dynamic
 * provider from that module graph; vitest's module runner builds a different one. So this suite runs
 * the real program of every stack file in a plain Node process (as the engine does), and proves that
 * every dynamic provider serialized without error and loads from its text in another fresh process,
 * where its `check` runs on the recorded inputs.
 */
import { afterAll, describe, expect, it } from "vitest";
import { stackConfig, stackNames } from "../stacks/stackFiles";
import { dynamicResources, type NodeProgramRun, runProgramUnderNode } from "../support/nodeProgram";
import { type FreshProvider, loadProviderInFreshProcess } from "../support/providerProcess";

const opened: FreshProvider[] = [];
afterAll(async () => {
  await Promise.all(opened.map((p) => p.close()));
});

const cases = stackNames().flatMap((stack) => ["guide", "kato-v3"].map((preset) => ({ stack, preset })));

describe.each(cases)(
  "program of stack $stack with the $preset preset, run as pulumi runs it",
  ({ stack, preset }) => {
    let run: NodeProgramRun;

    it("declares its resources without any error (serialization included)", () => {
      run = runProgramUnderNode("index.ts", {
        stack,
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

    it("every dynamic provider loads from its serialized text in a fresh process and checks its inputs", async () => {
      const dynamics = dynamicResources(run);
      expect(dynamics.length).toBeGreaterThan(0);
      const byText = new Map<string, (typeof dynamics)[number]>();
      for (const d of dynamics) if (!byText.has(d.providerText)) byText.set(d.providerText, d);
      for (const d of byText.values()) {
        const provider = await loadProviderInFreshProcess(d.providerText);
        opened.push(provider);
        expect(provider.methods, d.name).toEqual(
          expect.arrayContaining(["create", "diff", "read", "delete"]),
        );
        if (provider.methods.includes("check")) {
          const checked = await provider.call<{ inputs?: unknown; failures?: unknown[] }>(
            "check",
            {},
            d.inputs,
          );
          expect(checked.failures ?? [], `${d.name} check failures`).toEqual([]);
        }
        await provider.close();
      }
    });
  },
);
