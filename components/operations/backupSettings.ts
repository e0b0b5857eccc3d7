/**
 * Settings every backup component shares (schedule, retention, where the copies go), their
 * documentation and their validation. Each engine's backup settings are these plus a few of its own.
 * Pure: no Pulumi, no I/O.
 */
import { REDIS_DEFAULTS } from "../redis/settings";
import type { FieldDoc } from "../shared/fields";
import { asSettingsObject, check, checkKnownKeys, type Problem, problem } from "../shared/problems";
import { parseCpuMillis, parseK8sBytes } from "../shared/quantity";
import { cronProblem } from "./schedule";

export type BackupDestination = "volume" | "s3";

/** An S3-compatible bucket. Credentials are not settings: they are passed to the component as secrets. */
export interface S3Settings {
  /** Bucket name. */
  bucket?: string;
  /** Endpoint URL for a non-AWS service (MinIO, Ceph, R2...), e.g. `https://minio.example:9000`. Unset: AWS S3. */
  endpoint?: string;
  /** Region. Default `us-east-1`. */
  region?: string;
  /** Key prefix the backups go under, without a leading slash. Default `kato/<engine>`. */
  prefix?: string;
}

export interface BackupCommonSettings {
  /** Take scheduled backups. Default true. */
  enabled?: boolean;
  /** Cron schedule (5 fields or a macro such as `@daily`). Default `0 2 * * *` (02:00 every day). */
  schedule?: string;
  /** IANA time zone of the schedule (Kubernetes CronJob `timeZone`). Unset: the controller's zone (UTC on most clusters). */
  timeZone?: string;
  /** Backups younger than this many days are kept; older ones are deleted after each successful run. Default 7. */
  retentionDays?: number;
  /** Where copies go on Kubernetes: `volume` (a PersistentVolumeClaim) or `s3`. Docker always writes to `hostDirectory`. */
  destination?: BackupDestination;
  /** Size of the backup PVC the component creates (Kubernetes, destination `volume`). Default `10Gi`. */
  volumeSize?: string;
  /** StorageClass of the backup PVC. Unset: the cluster's default class. */
  storageClass?: string;
  /** Use this existing PVC instead of creating one. */
  existingClaim?: string;
  /** Directory on the Docker host the backups go to. Default `/var/backups/kato/<engine>`. */
  hostDirectory?: string;
  /** The bucket, for destination `s3`. */
  s3?: S3Settings;
  /** A run taking longer than this is stopped and counts as failed. Default 60. */
  timeoutMinutes?: number;
  /** CPU and memory of the backup container (Kubernetes). Default `100m` / `256Mi`. */
  resources?: { cpu?: string; memory?: string };
  /** Image with rclone, used to upload to and download from S3. */
  uploadImage?: string;
}

export interface ResolvedS3Settings {
  bucket: string;
  endpoint?: string;
  region: string;
  prefix: string;
}

export interface ResolvedBackupCommon {
  enabled: boolean;
  schedule: string;
  timeZone?: string;
  retentionDays: number;
  destination: BackupDestination;
  volumeSize: string;
  storageClass?: string;
  existingClaim?: string;
  hostDirectory: string;
  s3?: ResolvedS3Settings;
  timeoutMinutes: number;
  resources: { cpu: string; memory: string };
  uploadImage: string;
}

export const COMMON_BACKUP_KEYS = [
  "enabled",
  "schedule",
  "timeZone",
  "retentionDays",
  "destination",
  "volumeSize",
  "storageClass",
  "existingClaim",
  "hostDirectory",
  "s3",
  "timeoutMinutes",
  "resources",
  "uploadImage",
] as const;

/** rclone (MIT): one static binary that speaks S3 to AWS and S3-compatible services. */
export const DEFAULT_UPLOAD_IMAGE = "rclone/rclone:1.69.1";

export function commonBackupDefaults(engine: string): ResolvedBackupCommon {
  return {
    enabled: true,
    schedule: "0 2 * * *",
    retentionDays: 7,
    destination: "volume",
    volumeSize: "10Gi",
    hostDirectory: `/var/backups/kato/${engine}`,
    timeoutMinutes: 60,
    resources: { cpu: "100m", memory: "256Mi" },
    uploadImage: DEFAULT_UPLOAD_IMAGE,
  };
}

export function commonBackupFieldDocs(engine: string): FieldDoc[] {
  const d = commonBackupDefaults(engine);
  return [
    { name: "enabled", type: "boolean", default: d.enabled, description: "Take scheduled backups." },
    {
      name: "schedule",
      type: "string (cron)",
      default: d.schedule,
      description:
        "When backups run: 5 cron fields (minute hour day-of-month month day-of-week) or @daily/@hourly/...",
    },
    {
      name: "timeZone",
      type: "string",
      default: undefined,
      description: "IANA time zone of the schedule on Kubernetes; Docker uses the host cron's zone.",
    },
    {
      name: "retentionDays",
      type: "integer",
      default: d.retentionDays,
      description:
        "Backups younger than this many days are kept; older ones are deleted after a successful run.",
    },
    {
      name: "destination",
      type: '"volume" | "s3"',
      default: d.destination,
      description:
        "Kubernetes: keep copies on a PersistentVolumeClaim or upload them to an S3-compatible bucket.",
    },
    {
      name: "volumeSize",
      type: "quantity",
      default: d.volumeSize,
      description: "Size of the backup PVC the component creates (Kubernetes, destination volume).",
    },
    {
      name: "storageClass",
      type: "string",
      default: undefined,
      description: "StorageClass of the backup PVC.",
    },
    {
      name: "existingClaim",
      type: "string",
      default: undefined,
      description: "Write to this existing PVC instead of creating one.",
    },
    {
      name: "hostDirectory",
      type: "string",
      default: d.hostDirectory,
      description: "Docker: absolute directory on the Docker host the rendered cron script writes to.",
    },
    { name: "s3.bucket", type: "string", default: undefined, description: "Bucket (destination s3)." },
    {
      name: "s3.endpoint",
      type: "string (URL)",
      default: undefined,
      description: "Endpoint of an S3-compatible service (MinIO, Ceph, R2); unset for AWS S3.",
    },
    { name: "s3.region", type: "string", default: "us-east-1", description: "Region of the bucket." },
    {
      name: "s3.prefix",
      type: "string",
      default: `kato/${engine}`,
      description: "Key prefix the backups are written under.",
    },
    {
      name: "timeoutMinutes",
      type: "integer",
      default: d.timeoutMinutes,
      description: "A run taking longer is stopped and counts as failed.",
    },
    {
      name: "resources",
      type: "{ cpu, memory }",
      default: d.resources,
      description: "CPU request and memory request/limit of the backup containers (Kubernetes).",
    },
    {
      name: "uploadImage",
      type: "string",
      default: d.uploadImage,
      description: "Pinned rclone image that uploads to and prunes the S3 bucket.",
    },
  ];
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Problems of an image reference that is not pinned (no tag or digest, or `latest`). */
export function imageProblems(field: string, value: unknown): Problem[] {
  const fix = `set ${field} to an image with a version tag, e.g. "redis:${REDIS_DEFAULTS.version}" (or a @sha256: digest).`;
  if (typeof value !== "string" || /\s/.test(value) || value === "") {
    return [problem(field, value, "must be an image reference.", fix)];
  }
  const [name, digest] = value.split("@") as [string, string | undefined];
  if (digest !== undefined) {
    return /^sha256:[a-f0-9]{64}$/.test(digest)
      ? []
      : [problem(field, value, "has a malformed digest.", fix)];
  }
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  const tag = colon >= 0 ? name.slice(colon + 1) : "";
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag) || tag === "latest") {
    return [problem(field, value, "is not pinned to a version (no tag, or `latest`).", fix)];
  }
  return [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Merges `raw` over `base` over the defaults and validates the shared fields. */
export function resolveBackupCommon(
  engine: string,
  raw: Record<string, unknown>,
  base: Record<string, unknown>,
  field: string,
): { common: ResolvedBackupCommon; problems: Problem[] } {
  const d = commonBackupDefaults(engine);
  const pick = <T>(key: string, fallback: T): T =>
    (raw[key] !== undefined ? raw[key] : base[key] !== undefined ? base[key] : fallback) as T;
  const problems: Problem[] = [];
  const f = (name: string) => `${field}.${name}`;

  const enabled = pick("enabled", d.enabled);
  problems.push(...check.boolean(f("enabled"), enabled));
  const schedule = pick("schedule", d.schedule);
  const cron = cronProblem(schedule);
  if (cron) {
    problems.push(
      problem(
        f("schedule"),
        schedule,
        `is not a valid schedule: ${cron}.`,
        `write it as cron, e.g. "0 2 * * *".`,
      ),
    );
  }
  const timeZone = pick<unknown>("timeZone", undefined);
  if (timeZone !== undefined) {
    problems.push(
      ...check.pattern(
        f("timeZone"),
        timeZone,
        /^(UTC|[A-Z][A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2})$/,
        "an IANA time zone name",
        `set ${f("timeZone")} to a name such as "Europe/Berlin" or "UTC", or remove it.`,
      ),
    );
  }
  const retentionDays = pick("retentionDays", d.retentionDays);
  problems.push(...check.integer(f("retentionDays"), retentionDays, 1, 3650));
  const destination = pick("destination", d.destination);
  problems.push(...check.oneOf(f("destination"), destination, ["volume", "s3"] as const));
  const volumeSize = pick("volumeSize", d.volumeSize);
  if (typeof volumeSize !== "string" || parseK8sBytes(volumeSize) === undefined) {
    problems.push(
      problem(f("volumeSize"), volumeSize, "is not a Kubernetes quantity.", `write a size such as "20Gi".`),
    );
  }
  for (const key of ["storageClass", "existingClaim"] as const) {
    const v = pick<unknown>(key, undefined);
    if (v !== undefined && (typeof v !== "string" || !DNS_SUBDOMAIN.test(v) || v.length > 253)) {
      problems.push(
        problem(
          f(key),
          v,
          "is not a valid Kubernetes object name.",
          "use lowercase letters, digits, '-' and '.'.",
        ),
      );
    }
  }
  const hostDirectory = pick("hostDirectory", d.hostDirectory);
  problems.push(
    ...check.pattern(
      f("hostDirectory"),
      hostDirectory,
      /^\/[A-Za-z0-9._/-]*$/,
      "an absolute path of letters, digits, '.', '_', '-' and '/'",
      `set ${f("hostDirectory")} to an absolute path such as "/var/backups/kato/${engine}".`,
    ),
  );
  const timeoutMinutes = pick("timeoutMinutes", d.timeoutMinutes);
  problems.push(...check.integer(f("timeoutMinutes"), timeoutMinutes, 1, 24 * 60));

  const rawResources = {
    ...(isRecord(base.resources) ? base.resources : {}),
    ...(isRecord(raw.resources) ? raw.resources : {}),
  };
  problems.push(...checkKnownKeys(f("resources"), raw.resources, ["cpu", "memory"]));
  const resources = {
    cpu: rawResources.cpu ?? d.resources.cpu,
    memory: rawResources.memory ?? d.resources.memory,
  };
  if (typeof resources.cpu !== "string" || parseCpuMillis(resources.cpu) === undefined) {
    problems.push(problem(f("resources.cpu"), resources.cpu, "is not a CPU quantity.", `write e.g. "100m".`));
  }
  if (typeof resources.memory !== "string" || parseK8sBytes(resources.memory) === undefined) {
    problems.push(
      problem(f("resources.memory"), resources.memory, "is not a memory quantity.", `write e.g. "256Mi".`),
    );
  }
  const uploadImage = pick("uploadImage", d.uploadImage);
  problems.push(...imageProblems(f("uploadImage"), uploadImage));

  // S3: merged field by field, checked whenever it is set, required for destination s3.
  problems.push(...checkKnownKeys(f("s3"), raw.s3, ["bucket", "endpoint", "region", "prefix"]));
  const rawS3 = { ...(isRecord(base.s3) ? base.s3 : {}), ...(isRecord(raw.s3) ? raw.s3 : {}) };
  let s3: ResolvedS3Settings | undefined;
  if (destination === "s3" || Object.keys(rawS3).length > 0) {
    const bucket = rawS3.bucket;
    if (destination === "s3" && bucket === undefined) {
      problems.push(
        problem(f("s3.bucket"), bucket, "is required when destination is s3.", `set ${f("s3.bucket")}.`),
      );
    } else if (bucket !== undefined) {
      problems.push(
        ...check.pattern(
          f("s3.bucket"),
          bucket,
          /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
          "a bucket name (3-63 lowercase letters, digits, '.' and '-')",
          `set ${f("s3.bucket")} to the bucket's name.`,
        ),
      );
    }
    if (rawS3.endpoint !== undefined) {
      problems.push(
        ...check.pattern(
          f("s3.endpoint"),
          rawS3.endpoint,
          /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/?$/,
          "an http(s) URL of the service, without a path",
          `set ${f("s3.endpoint")} to e.g. "https://minio.example:9000", or remove it for AWS S3.`,
        ),
      );
    }
    const region = rawS3.region ?? "us-east-1";
    problems.push(
      ...check.pattern(
        f("s3.region"),
        region,
        /^[a-z0-9-]{2,32}$/,
        "a region name",
        `set ${f("s3.region")} to e.g. "eu-west-1".`,
      ),
    );
    const prefix = rawS3.prefix ?? `kato/${engine}`;
    problems.push(
      ...check.pattern(
        f("s3.prefix"),
        prefix,
        /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
        "a key prefix without leading or trailing '/'",
        `set ${f("s3.prefix")} to e.g. "kato/${engine}".`,
      ),
    );
    if (destination !== "s3" && isRecord(raw.s3)) {
      problems.push(
        problem(
          f("s3"),
          raw.s3,
          `is set but destination is ${JSON.stringify(destination)}, so it would be ignored.`,
          `set ${f("destination")} to "s3", or remove ${f("s3")}.`,
        ),
      );
    }
    s3 = {
      bucket: String(bucket ?? ""),
      region: String(region),
      prefix: String(prefix),
      ...(rawS3.endpoint !== undefined ? { endpoint: String(rawS3.endpoint).replace(/\/$/, "") } : {}),
    };
  }

  return {
    common: {
      enabled: enabled as boolean,
      schedule: String(schedule).trim(),
      ...(timeZone !== undefined ? { timeZone: timeZone as string } : {}),
      retentionDays: retentionDays as number,
      destination: destination as BackupDestination,
      volumeSize: volumeSize as string,
      ...(pick("storageClass", undefined) !== undefined
        ? { storageClass: pick<string>("storageClass", "") }
        : {}),
      ...(pick("existingClaim", undefined) !== undefined
        ? { existingClaim: pick<string>("existingClaim", "") }
        : {}),
      hostDirectory: String(hostDirectory).replace(/\/+$/, "") || "/",
      ...(destination === "s3" && s3 ? { s3 } : {}),
      timeoutMinutes: timeoutMinutes as number,
      resources: resources as { cpu: string; memory: string },
      uploadImage: uploadImage as string,
    },
    problems,
  };
}

/**
 * What every backup resolver starts with: the user's object (its unknown keys refused), the common
 * fields, and `image` (pinned; `defaultImage` when unset). `pick` reads one of the engine's own
 * fields: the user's value, else the base's, else `fallback`.
 */
export function resolveBackupBase(
  engine: string,
  field: string,
  raw: unknown,
  base: object,
  keys: readonly string[],
  defaultImage: string,
): {
  common: ResolvedBackupCommon;
  image: unknown;
  pick: (key: string, fallback: unknown) => unknown;
  problems: Problem[];
} {
  const obj = asSettingsObject(field, raw);
  const problems: Problem[] = [...obj.problems, ...checkKnownKeys(field, raw, keys)];
  const user = obj.value;
  const b = base as Record<string, unknown>;
  const { common, problems: commonProblems } = resolveBackupCommon(engine, user, b, field);
  problems.push(...commonProblems);
  const pick = (key: string, fallback: unknown) => user[key] ?? b[key] ?? fallback;
  const image = pick("image", defaultImage);
  problems.push(...imageProblems(`${field}.image`, image));
  return { common, image, pick, problems };
}
