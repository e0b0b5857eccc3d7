/**
 * The program refuses bad stack config before it declares anything, with one error that lists every
 * problem: field, value, what is wrong and the fix.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { readStackConfig, StackConfigError } from "../../program/config";
import { stackConfig, stackFileText } from "../stacks/stackFiles";
import { installMocks } from "../support/mocks";

/** The error the program would stop with for the dev stack file plus `overrides`. */
function errorFor(overrides: Record<string, unknown>, stack = "dev"): StackConfigError {
  installMocks({ stack, config: { ...stackConfig(stack), ...overrides } });
  try {
    readStackConfig();
  } catch (error) {
    // A RunError: the language host prints its message only, once, without a trace.
    expect(error).toBeInstanceOf(StackConfigError);
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    return error as StackConfigError;
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
      /kato-infra:redis = .*must be a mapping of fields\. Fix: set one field at a time with `pulumi config set --path 'kato-infra:redis\.mode' <value>`/,
    ],
    [
      "an engine field set without --path",
      { "kato-infra:redis.maxmemory": "1gb" },
      /kato-infra:redis\.maxmemory = "1gb": is not a known config key: it was set without --path, so Pulumi stored a key named "redis\.maxmemory" instead of kato-infra:redis field maxmemory\. Fix: run `pulumi config rm 'kato-infra:redis\.maxmemory'`, then `pulumi config set --path 'kato-infra:redis\.maxmemory' 1gb`\./,
    ],
    [
      "a list item set without --path",
      { "kato-infra:nodeIds": "beta" },
      /kato-infra:nodeIds = "beta": must be a YAML list\. Fix: run `pulumi config rm kato-infra:nodeIds`, then `pulumi config set --path 'kato-infra:nodeIds\[0\]' beta` \(one per item\)/,
    ],
    [
      "an empty tenant id",
      { "kato-infra:nodeIds": ["demo", ""] },
      /kato-infra:nodeIds\[1\] = "": is empty: a tenant needs a KATO node id\./,
    ],
  ])("%s", (_, overrides, message) => {
    const error = errorFor(overrides);
    expect(error.message).toMatch(message);
    expect(error.problems).toHaveLength(1);
  });

  describe("of the day-2 operations", () => {
    it.each([
      [
        "a misspelt engine under backups",
        "dev",
        { "kato-infra:backups": { mongo: { enabled: true } } },
        /kato-infra:backups\.mongo = \{"enabled":true\}: is not a known field\. Fix: did you mean kato-infra:backups\.mongodb\?/,
      ],
      [
        "a misspelt backup field",
        "staging",
        { "kato-infra:backups": { redis: { retentionDay: 3 } } },
        /kato-infra:backups\.redis\.retentionDay = 3: is not a known field\. Fix: did you mean kato-infra:backups\.redis\.retentionDays\?/,
      ],
      [
        "a schedule cron would not run",
        "staging",
        { "kato-infra:backups": { mongodb: { schedule: "0 25 * * *" } } },
        /kato-infra:backups\.mongodb\.schedule = "0 25 \* \* \*": is not a valid schedule: .*Fix: write it as cron/,
      ],
      [
        "a retention of zero days",
        "prod",
        { "kato-infra:backups": { qdrant: { retentionDays: 0 } } },
        /kato-infra:backups\.qdrant\.retentionDays = 0: must be a whole number from 1 to 3650\./,
      ],
      [
        "an S3 destination on Docker",
        "dev",
        { "kato-infra:backups": { redis: { enabled: true, destination: "s3", s3: { bucket: "kato-b" } } } },
        /kato-infra:backups\.redis\.destination = "s3": is only available on Kubernetes/,
      ],
      [
        "a misspelt monitoring field",
        "prod",
        { "kato-infra:monitoring": { prometheusOperater: false } },
        /kato-infra:monitoring\.prometheusOperater = false: is not a known field\. Fix: did you mean kato-infra:monitoring\.prometheusOperator\?/,
      ],
      [
        "an alert delay that is not a Prometheus duration",
        "staging",
        { "kato-infra:monitoring": { alertFor: "5 minutes" } },
        /kato-infra:monitoring\.alertFor = "5 minutes": is not a Prometheus duration\./,
      ],
      [
        "monitoring written as a list",
        "staging",
        { "kato-infra:monitoring": ["enabled"] },
        /kato-infra:monitoring = .*must be a mapping of fields\./,
      ],
    ])("%s", (_, stack, overrides, message) => {
      const error = errorFor(overrides, stack);
      expect(error.message).toMatch(message);
      expect(error.problems).toHaveLength(1);
    });

    it("an S3 destination without the bucket's credentials, with every engine that needs them", () => {
      const error = errorFor(
        {
          "kato-infra:backups": {
            mongodb: { destination: "s3", s3: { bucket: "kato-backups" } },
            redis: { destination: "s3", s3: { bucket: "kato-backups" } },
          },
        },
        "staging",
      );
      expect(error.problems.map((p) => p.field).sort()).toEqual([
        "kato-infra:backupS3AccessKeyId",
        "kato-infra:backupS3SecretAccessKey",
      ]);
      expect(error.message).toMatch(
        /kato-infra:backupS3SecretAccessKey = \(unset\): is required: kato-infra:backups\.mongodb, kato-infra:backups\.redis write to S3\. Fix: run `pulumi config set --secret kato-infra:backupS3SecretAccessKey/,
      );
    });

    it("a bucket secret stored in plaintext, without showing it", () => {
      const error = errorFor(
        {
          "kato-infra:backups": { mongodb: { destination: "s3", s3: { bucket: "kato-backups" } } },
          "kato-infra:backupS3AccessKeyId": "AKIAEXAMPLE",
          "kato-infra:backupS3SecretAccessKey": "plain-text-secret-value",
        },
        "staging",
      );
      expect(error.message).toMatch(
        /kato-infra:backupS3SecretAccessKey = "<not shown>": is stored in plaintext in the stack's config file\. Fix: set it again with `pulumi config set --secret/,
      );
      expect(error.message).not.toContain("plain-text-secret-value");
      expect(error.problems).toHaveLength(1);
    });

    it("lists operations problems together with the engines'", () => {
      const error = errorFor({
        "kato-infra:mongodb": { members: 4 },
        "kato-infra:backups": { mongodb: { enabled: "yes" }, qdrant: { hostDirectory: "backups" } },
        "kato-infra:monitoring": { memoryUsedRatio: 2 },
      });
      expect(error.problems.map((p) => p.field).sort()).toEqual([
        "kato-infra:backups.mongodb.enabled",
        "kato-infra:backups.qdrant.hostDirectory",
        "kato-infra:mongodb.members",
        "kato-infra:monitoring.memoryUsedRatio",
      ]);
    });
  });

  describe("of MongoDB profiling and migrations", () => {
    it.each([
      [
        "a misspelt profiling field",
        "dev",
        { "kato-infra:profiling": { sampelRate: 0.5 } },
        /kato-infra:profiling\.sampelRate = 0\.5: is not a known field\. Fix: did you mean kato-infra:profiling\.sampleRate\?/,
      ],
      [
        "a profiling level MongoDB does not have",
        "prod",
        { "kato-infra:profiling": { enabled: true, level: "slow" } },
        /kato-infra:profiling\.level = "slow": \[profiling-level\] MongoDB's profiling levels are 0 \(off\), 1 \(slow operations\) and 2 \(every operation\)\./,
      ],
      [
        "an override of a database no tenant has",
        "staging",
        { "kato-infra:profiling": { databases: { demo_kat: 2 } } },
        /kato-infra:profiling\.databases\.demo_kat = 2: is not a tenant database of this stack.* Fix: did you mean kato-infra:profiling\.databases\.demo_kato\?/,
      ],
      [
        "a migration the catalogue does not have",
        "prod",
        { "kato-infra:migrations": ["0001-pattern-version-3.0"] },
        /kato-infra:migrations\[0\] = "0001-pattern-version-3\.0": is not a migration of the catalogue .* Fix: did you mean 0001-patterns-version-3\.0\?/,
      ],
      [
        "a migration's misspelt field",
        "staging",
        { "kato-infra:migrations": [{ id: "0001-patterns-version-3.0", databasePatern: "^.+_kato$" }] },
        /kato-infra:migrations\[0\]\.databasePatern = "\^\.\+_kato\$": is not a known field\. Fix: did you mean kato-infra:migrations\[0\]\.databasePattern\?/,
      ],
      [
        "migrations written as a mapping",
        "dev",
        { "kato-infra:migrations": { "0001-patterns-version-3.0": true } },
        /kato-infra:migrations = .*must be a list\./,
      ],
    ])("%s", (_, stack, overrides, message) => {
      const error = errorFor(overrides, stack);
      expect(error.message).toMatch(message);
      expect(error.problems).toHaveLength(1);
    });
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
