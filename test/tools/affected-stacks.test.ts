import { describe, expect, it } from "vitest";
import { affectedStacks, previewedStacks } from "../../tools/affected-stacks";

const stacks = ["prod", "staging"];

describe("affected stacks", () => {
  it("previews the long-lived stacks only: not dev (on laptops) nor pr-* (their own workflow)", () => {
    expect(
      previewedStacks([
        "Pulumi.yaml",
        "Pulumi.dev.yaml",
        "Pulumi.staging.yaml",
        "Pulumi.prod.yaml",
        "Pulumi.pr-example.yaml",
        "README.md",
      ]),
    ).toEqual(["prod", "staging"]);
  });

  it.each([
    ["index.ts"],
    ["components/mongodb/settings.ts"],
    ["stacks/profiles.ts"],
    ["Pulumi.yaml"],
    ["package-lock.json"],
    ["tsconfig.pulumi.json"],
    ["runtime.js"],
  ])("a change to the program (%s) affects every stack", (file) => {
    expect(affectedStacks(["README.md", file], stacks)).toEqual(stacks);
  });

  it("a change to one stack's config affects that stack", () => {
    expect(affectedStacks(["Pulumi.staging.yaml"], stacks)).toEqual(["staging"]);
  });

  it("docs, tests, tools and the dev stack affect no previewed stack", () => {
    expect(
      affectedStacks(
        ["README.md", "test/config/load.test.ts", "tools/preview-summary.ts", "Pulumi.dev.yaml"],
        stacks,
      ),
    ).toEqual([]);
  });
});
