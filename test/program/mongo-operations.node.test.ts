/**
 * MongoProfiling and MongoMigration as `pulumi up` declares them from a stack: the program run under
 * plain Node + ts-node (not vitest's module runner), each provider serialized without error and loaded
 * from its text in a fresh process, where its check accepts the inputs the program gave it and its
 * diff of those inputs against themselves proposes no change. (test/serialization does the same for
 * every stack file as it is, where no migration is listed.)
 */
import { afterAll, describe, expect, it } from "vitest";
import { stackConfig } from "../stacks/stackFiles";
import { dynamicResources, runProgramUnderNode } from "../support/nodeProgram";
import { type FreshProvider, loadProviderInFreshProcess } from "../support/providerProcess";

const opened: FreshProvider[] = [];
afterAll(async () => {
  await Promise.all(opened.map((p) => p.close()));
});

describe.each([
  ["dev", "guide"],
  ["prod", "kato-v3"],
])("the %s stack (%s) with profiling on and the guide's migration listed", (stack, preset) => {
  it("serializes both providers, which load from their text and accept the program's inputs", async () => {
    const run = runProgramUnderNode("index.ts", {
      stack,
      config: {
        ...stackConfig(stack),
        "kato-infra:schemaPreset": preset,
        "kato-infra:profiling": JSON.stringify({ enabled: true, databases: {} }),
        "kato-infra:migrations": JSON.stringify(["0001-patterns-version-3.0"]),
      },
    });
    expect(run.errors).toEqual([]);
    const dynamics = dynamicResources(run);
    const ours = dynamics.filter((d) => /-mongodb-(profiling|migration-)/.test(d.name));
    expect(ours.map((d) => d.name).sort()).toEqual([
      `${stack === "dev" ? "kato-dev" : "kato"}-mongodb-migration-0001-patterns-version-3.0`,
      `${stack === "dev" ? "kato-dev" : "kato"}-mongodb-profiling`,
    ]);
    for (const d of ours) {
      const provider = await loadProviderInFreshProcess(d.providerText);
      opened.push(provider);
      const checked = await provider.call<{ failures?: unknown[] }>("check", {}, d.inputs);
      expect(checked.failures ?? [], `${d.name} check`).toEqual([]);
      const diff = await provider.call<{ changes: boolean }>("diff", d.name, d.inputs, d.inputs);
      expect(diff.changes, `${d.name} diff`).toBe(false);
      await provider.close();
    }
  });
});
