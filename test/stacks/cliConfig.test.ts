/**
 * Every shipped stack, and a `pr-<N>` stack CI creates with no file, gets past the Pulumi CLI's own
 * config check (re-stated in ./pulumiCliConfig.ts from pulumi v3.248.0) to the program.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { pulumiCliConfigError } from "./pulumiCliConfig";
import { ROOT, stackFileText, stackNames } from "./stackFiles";

const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
const stackFileConfig = (stack: string): Record<string, unknown> => parse(stackFileText(stack))?.config ?? {};

describe("the Pulumi CLI's config check", () => {
  it.each(stackNames())("passes Pulumi.%s.yaml", (stack) => {
    expect(pulumiCliConfigError(project.name, project.config, stack, stackFileConfig(stack))).toBeUndefined();
  });

  it("passes a pr-123 stack created with no config file", () => {
    expect(pulumiCliConfigError(project.name, project.config, "pr-123", {})).toBeUndefined();
  });

  it("passes a stack that sets a key to a value the program refuses, so the program reports it", () => {
    expect(
      pulumiCliConfigError(project.name, project.config, "dev", {
        "kato-infra:vectorSize": "lots",
        "kato-infra:nodeIds": "demo",
        "kato-infra:allowDataLoss": "maybe",
      }),
    ).toBeUndefined();
  });

  describe("as re-stated (so the checks above can fail)", () => {
    it("stops a stack that leaves declared keys without default unset, naming them all", () => {
      const config = {
        allowDataLoss: { type: "boolean" },
        nodeIds: { type: "array", items: { type: "string" } },
        profile: { type: "string" },
        mongodb: { description: "settings" },
      };
      expect(pulumiCliConfigError("kato-infra", config, "pr-123", {})).toBe(
        "Stack 'pr-123' is missing configuration values 'allowDataLoss', 'mongodb', 'nodeIds' and 'profile'",
      );
      expect(
        pulumiCliConfigError("kato-infra", config, "dev", {
          "kato-infra:profile": "dev",
          "kato-infra:nodeIds": ["demo"],
          "kato-infra:mongodb": {},
        }),
      ).toBe("Stack 'dev' is missing configuration value 'allowDataLoss'");
    });

    it("fills a key from its default and then checks types one key at a time", () => {
      const config = { vectorSize: { type: "integer", default: 768 }, singleNode: { type: "boolean" } };
      expect(pulumiCliConfigError("kato-infra", config, "dev", { "kato-infra:singleNode": "true" })).toBe(
        undefined,
      );
      expect(
        pulumiCliConfigError("kato-infra", config, "dev", {
          "kato-infra:singleNode": "yes",
          "kato-infra:vectorSize": "lots",
        }),
      ).toBe("Stack 'dev' with configuration key 'singleNode' must be of type 'boolean'");
    });

    it("checks lists, secrets and the declarations themselves", () => {
      const list = { nodeIds: { type: "array", items: { type: "string" } } };
      expect(pulumiCliConfigError("kato-infra", list, "dev", { "kato-infra:nodeIds": "demo" })).toBe(
        "Stack 'dev' with configuration key 'nodeIds' must be of type 'array<string>'",
      );
      expect(
        pulumiCliConfigError("kato-infra", { key: { type: "string", secret: true } }, "dev", {
          "kato-infra:key": "plain",
        }),
      ).toBe("Stack 'dev' with configuration key 'key' must be encrypted as it's secret");
      expect(pulumiCliConfigError("kato-infra", { nodeIds: { type: "array" } }, "dev", {})).toMatch(
        /declares an array but does not specify the underlying type/,
      );
      expect(pulumiCliConfigError("kato-infra", { "aws:region": { type: "string" } }, "dev", {})).toMatch(
        /is not namespaced by the project and should not define a type/,
      );
      // Shorthand: a scalar under a project key is its default.
      expect(pulumiCliConfigError("kato-infra", { serviceName: "kato" }, "dev", {})).toBeUndefined();
    });
  });
});
