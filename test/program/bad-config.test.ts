/**
 * The program refuses bad stack config before it declares anything, with one error that lists every
 * problem: field, value, what is wrong and the fix.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../components/config";
import { ConfigError } from "../../components/shared/problems";
import { stackConfig, stackFileText } from "../stacks/stackFiles";
import { installMocks } from "../support/mocks";

/** The error the program would stop with for the dev stack file plus `overrides`. */
function errorFor(overrides: Record<string, unknown>, stack = "dev"): ConfigError {
  installMocks({ stack, config: { ...stackConfig(stack), ...overrides } });
  try {
    readStackConfig();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("the config was accepted");
}

describe("bad stack config", () => {
  it.each([
    [
      "an even number of replica-set members",
      { "kato-infra:mongodb": { members: 2 } },
      /kato-infra:mongodb\.members = 2: must be odd: .* Fix: set kato-infra:mongodb\.members to 1 or 3\./,
    ],
    [
      "a Redis node count that does not fit masters x (1 + replicas)",
      { "kato-infra:redis": { masters: 3, replicasPerMaster: 2, nodes: 6 } },
      /kato-infra:redis\.nodes = 6: does not fit 3 masters with 2 replica\(s\) each, which makes 9 nodes\./,
    ],
    [
      "maxmemory larger than the container's memory limit",
      { "kato-infra:redis": { maxmemory: "1gb", resources: { memory: "512Mi" }, storage: { size: "4Gi" } } },
      /kato-infra:redis\.maxmemory = "1gb": \(1 GiB\) leaves too little headroom under the memory limit 512Mi/,
    ],
    [
      "a storage size that does not parse",
      { "kato-infra:qdrant": { storage: { size: "lots" } } },
      /kato-infra:qdrant\.storage\.size = "lots": /,
    ],
    [
      "an unknown key",
      { "kato-infra:allowDataLos": "true" },
      /kato-infra:allowDataLos = "true": is not a known config key\. Fix: did you mean kato-infra:allowDataLoss\?/,
    ],
    [
      "a value of the wrong type",
      { "kato-infra:vectorSize": "768d" },
      /kato-infra:vectorSize = "768d": must be a whole number\./,
    ],
    [
      "a list where a mapping belongs",
      { "kato-infra:redis": ["masters", 3] },
      /kato-infra:redis = .*must be a mapping of fields\./,
    ],
  ])("%s", (_, overrides, message) => {
    const error = errorFor(overrides);
    expect(error.message).toMatch(message);
    expect(error.problems).toHaveLength(1);
  });

  it("a missing secrets provider, when the stack file shows it", () => {
    // A stack file with an encrypted value but no provider, on a self-managed backend.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kato-stack-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.dev.yaml"),
      `${stackFileText("dev")}  backup:s3SecretKey:\n    secure: AAABAHVzZXItc2VjcmV0LXZhbHVl\n`,
    );
    const cwd = process.cwd();
    const backend = process.env.PULUMI_BACKEND_URL;
    process.chdir(dir);
    process.env.PULUMI_BACKEND_URL = "file:///var/lib/pulumi";
    try {
      const error = errorFor({});
      expect(error.message).toMatch(
        /Pulumi\.dev\.yaml = "<secrets provider unset>": holds encrypted config values but names no secrets provider.* Fix: run `pulumi stack change-secrets-provider passphrase`/,
      );
    } finally {
      process.chdir(cwd);
      if (backend === undefined) delete process.env.PULUMI_BACKEND_URL;
      else process.env.PULUMI_BACKEND_URL = backend;
    }
  });

  it("lists every problem in one error", () => {
    const error = errorFor({
      "kato-infra:mongodb": { members: 4 },
      "kato-infra:redis": { maxmemory: "many" },
      "kato-infra:nodeIDs": ["a"],
    });
    expect(error.message).toMatch(/^kato-infra configuration of stack dev has 3 problems:\n {2}- /);
    expect(error.problems.map((p) => p.field).sort()).toEqual([
      "kato-infra:mongodb.members",
      "kato-infra:nodeIDs",
      "kato-infra:redis.maxmemory",
    ]);
  });

  it("stops the program before any resource is declared", async () => {
    const harness = installMocks({
      stack: "dev",
      config: { ...stackConfig("dev"), "kato-infra:mongodb": { members: 4 } },
    });
    await expect(import("../../index")).rejects.toThrow(/kato-infra:mongodb\.members = 4: must be odd/);
    expect(harness.resources).toEqual([]);
  });
});
