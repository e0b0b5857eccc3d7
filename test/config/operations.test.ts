/**
 * The day-2 keys of the stack config (`kato-infra:backups`, `kato-infra:monitoring`, the bucket
 * credentials): each profile's defaults, what the engines imply (images, file locations, a host
 * directory and bucket prefix per stack), the stack's overrides, and refusals with their messages.
 */
import { describe, expect, it } from "vitest";
import { formatProblem } from "../../components/shared/problems";
import { type ConfigInput, loadStackConfig } from "../../program/config/load";

function input(stack: string, config: Record<string, unknown> = {}, secretKeys: string[] = []): ConfigInput {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    all[`kato-infra:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return { config: all, stack, secretKeys: secretKeys.map((k) => `kato-infra:${k}`) };
}

function ok(stack: string, config: Record<string, unknown> = {}, secretKeys: string[] = []) {
  const { config: resolved, problems } = loadStackConfig(input(stack, config, secretKeys));
  expect(problems.map(formatProblem)).toEqual([]);
  return resolved!;
}

function problems(stack: string, config: Record<string, unknown>, secretKeys: string[] = []): string[] {
  const { config: resolved, problems } = loadStackConfig(input(stack, config, secretKeys));
  expect(resolved).toBeUndefined();
  return problems.map(formatProblem);
}

const enabledOf = (c: ReturnType<typeof ok>) => [
  c.backups.mongodb.enabled,
  c.backups.qdrant.enabled,
  c.backups.redis.enabled,
  c.monitoring.enabled,
];

describe("profiles", () => {
  it("dev and pr stacks back nothing up and run no exporters", () => {
    expect(enabledOf(ok("dev"))).toEqual([false, false, false, false]);
    expect(enabledOf(ok("pr-3"))).toEqual([false, false, false, false]);
  });

  it("staging and prod back every engine up daily at 02:00 and keep 7 days, on volumes sized per profile", () => {
    for (const [stack, size] of [
      ["staging", "20Gi"],
      ["prod", "100Gi"],
    ] as const) {
      const c = ok(stack);
      for (const engine of ["mongodb", "qdrant", "redis"] as const) {
        expect(c.backups[engine], `${stack} ${engine}`).toMatchObject({
          enabled: true,
          schedule: "0 2 * * *",
          retentionDays: 7,
          destination: "volume",
          volumeSize: size,
        });
      }
    }
  });

  it("staging runs the exporters without operator objects; prod with ServiceMonitors and a PrometheusRule", () => {
    expect(ok("staging").monitoring).toMatchObject({ enabled: true, prometheusOperator: false });
    expect(ok("prod").monitoring).toMatchObject({ enabled: true, prometheusOperator: true });
  });
});

describe("defaults taken from the engines and the stack", () => {
  it("backs up with the engines' own images, so tools and servers match", () => {
    const c = ok("staging", { mongodb: { version: "8.0.14" }, redis: { version: "7.4.2" } });
    expect(c.backups.mongodb.image).toBe("mongo:8.0.14");
    expect(c.backups.redis.image).toBe("redis:7.4.2");
    expect(ok("staging", { mongodb: { image: "registry.example/mongo:8.0.15" } }).backups.mongodb.image).toBe(
      "registry.example/mongo:8.0.15",
    );
  });

  it("follows where the engines keep their files", () => {
    const c = ok("staging", {
      qdrant: { snapshots: { path: "/qdrant/snaps" } },
      redis: { extraConfig: { dbfilename: "kato.rdb" } },
    });
    expect(c.backups.qdrant.snapshotsPath).toBe("/qdrant/snaps");
    expect(c.backups.redis).toMatchObject({
      dataDir: "/data",
      dbFilename: "kato.rdb",
      appendDirName: "appendonlydir",
    });
  });

  it("gives each Docker stack its own host directory, named like its containers", () => {
    const dev = ok("dev", { backups: { mongodb: { enabled: true } } });
    expect(dev.backups.mongodb.hostDirectory).toBe("/var/backups/kato-dev/mongodb");
    expect(ok("My_Laptop", { profile: "dev" }).backups.redis.hostDirectory).toBe(
      "/var/backups/kato-my-laptop/redis",
    );
  });

  it("puts backup volumes in the stack's storage class unless a backup names its own", () => {
    const c = ok("staging", {
      kubernetes: { storageClass: "fast-ssd" },
      backups: { redis: { storageClass: "cheap-hdd" } },
    });
    expect(c.backups.mongodb.storageClass).toBe("fast-ssd");
    expect(c.backups.redis.storageClass).toBe("cheap-hdd");
  });
});

describe("stack overrides", () => {
  it("a field of one engine's backup leaves the profile's others", () => {
    const c = ok("prod", { backups: { mongodb: { schedule: "30 1 * * *", retentionDays: 14 } } });
    expect(c.backups.mongodb).toMatchObject({
      schedule: "30 1 * * *",
      retentionDays: 14,
      volumeSize: "100Gi",
    });
    expect(c.backups.redis.schedule).toBe("0 2 * * *");
  });

  it("one engine's backups can be turned off, or on in dev", () => {
    expect(enabledOf(ok("staging", { backups: { qdrant: { enabled: false } } }))).toEqual([
      true,
      false,
      true,
      true,
    ]);
    expect(
      enabledOf(ok("dev", { backups: { redis: { enabled: true } }, monitoring: { enabled: true } })),
    ).toEqual([false, false, true, true]);
  });

  it("monitoring fields merge over the profile's", () => {
    const c = ok("prod", {
      monitoring: { ruleLabels: { release: "kube-prometheus-stack" }, alertFor: "10m" },
    });
    expect(c.monitoring).toMatchObject({
      enabled: true,
      prometheusOperator: true,
      ruleLabels: { release: "kube-prometheus-stack" },
      alertFor: "10m",
    });
  });

  it("an S3 destination takes the bucket, a per-stack prefix and the secret credentials", () => {
    const c = ok(
      "staging",
      {
        backups: {
          mongodb: {
            destination: "s3",
            s3: { bucket: "kato-backups", endpoint: "https://minio.example:9000" },
          },
        },
        backupS3AccessKeyId: "AKIAEXAMPLE",
        backupS3SecretAccessKey: "s3cr3t",
      },
      ["backupS3SecretAccessKey"],
    );
    expect(c.backups.mongodb.s3).toEqual({
      bucket: "kato-backups",
      endpoint: "https://minio.example:9000",
      region: "us-east-1",
      prefix: "kato/staging/mongodb",
    });
    expect(c.backups.redis.s3).toBeUndefined();
    expect(c.backupS3Credentials).toEqual({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cr3t" });
  });

  it("needs no bucket credentials when nothing writes to S3", () => {
    expect(ok("staging").backupS3Credentials).toBeUndefined();
  });
});

describe("refused", () => {
  it("an unknown engine and an unknown field, each with the nearest name", () => {
    expect(
      problems("staging", { backups: { redis: { retentionDay: 3 } }, monitoring: { enable: false } }),
    ).toEqual([
      "kato-infra:backups.redis.retentionDay = 3: is not a known field. Fix: did you mean kato-infra:backups.redis.retentionDays? Known fields: enabled, schedule, timeZone, retentionDays, destination, volumeSize, storageClass, existingClaim, hostDirectory, s3, timeoutMinutes, resources, uploadImage, image, dataDir, dbFilename, appendDirName, saveTimeoutSeconds, uid.",
      expect.stringMatching(
        /^kato-infra:monitoring\.enable = false: is not a known field\. Fix: did you mean kato-infra:monitoring\.enabled\?/,
      ),
    ]);
  });

  it("an image that is not pinned", () => {
    expect(problems("staging", { backups: { mongodb: { image: "mongo:latest" } } })).toEqual([
      expect.stringMatching(
        /^kato-infra:backups\.mongodb\.image = "mongo:latest": is not pinned to a version/,
      ),
    ]);
  });

  it("not Qdrant snapshots of a cluster without an API key (they need none; the network guards it)", () => {
    ok("prod", { qdrant: { apiKey: false } });
    ok("staging", { qdrant: { apiKey: false } });
  });

  it("an S3 destination on Docker", () => {
    expect(
      problems("dev", {
        backups: { mongodb: { enabled: true, destination: "s3", s3: { bucket: "kato-b" } } },
      }),
    ).toEqual([
      expect.stringMatching(
        /^kato-infra:backups\.mongodb\.destination = "s3": is only available on Kubernetes/,
      ),
    ]);
  });

  it("a disabled backup's S3 destination needs no credentials", () => {
    ok("staging", { backups: { redis: { enabled: false, destination: "s3", s3: { bucket: "kato-b" } } } });
  });

  it("a bucket secret key kept in plaintext, never shown", () => {
    const found = problems("staging", {
      backups: { qdrant: { destination: "s3", s3: { bucket: "kato-b" } } },
      backupS3AccessKeyId: "AKIAEXAMPLE",
      backupS3SecretAccessKey: "visible-secret",
    });
    expect(found).toEqual([
      expect.stringMatching(/^kato-infra:backupS3SecretAccessKey = "<not shown>": is stored in plaintext/),
    ]);
    expect(found.join("\n")).not.toContain("visible-secret");
  });
});
