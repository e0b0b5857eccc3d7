/**
 * Settings every backup component shares (schedule, retention, where the copies go), their
 * documentation and their validation. Each engine's backup settings are these plus a few of its own.
 * Pure: no Pulumi, no I/O.
 */
import { REDIS_DEFAULTS } from "../redis/settings";
import type { FieldDoc } from "../shared/fields";
import { asSettingsObject, check, type Problem, problem } from "../shared/problems";
import { parseK8sBytes } from "../shared/quantity";
import { toolResourcesSetting } from "../shared/resources";
import {
  type Declarations,
  type DeclaredSettings,
  declareSettings,
  type SettingsInput,
  type SettingsResolved,
  setting,
} from "../shared/settingsDecl";
import { cronProblem } from "./schedule";

export type BackupDestination = "volume" | "s3";

/** rclone (MIT): one static binary that speaks S3 to AWS and S3-compatible services. */
export const DEFAULT_UPLOAD_IMAGE = "rclone/rclone:1.69.1";

function checkObjectName(field: string, v: unknown): Problem[] {
  if (v !== undefined && (typeof v !== "string" || !DNS_SUBDOMAIN.test(v) || v.length > 253)) {
    return [
      problem(
        field,
        v,
        "is not a valid Kubernetes object name.",
        "use lowercase letters, digits, '-' and '.'.",
      ),
    ];
  }
  return [];
}

/**
 * The settings every backup component shares, each declared once (components/shared/settingsDecl.ts);
 * `engine` names the default host directory and S3 prefix. An engine's backup settings are these,
 * its `image` and a few of its own (mongoBackupPlan.ts, qdrantSnapshotsPlan.ts, redisBackupPlan.ts).
 */
export function commonBackupDeclarations(engine: string) {
  return {
    enabled: setting.boolean({ default: true, description: "Take scheduled backups." }),
    schedule: setting.value<string>({
      type: "string (cron)",
      default: "0 2 * * *",
      rules: "5 cron fields (minute hour day-of-month month day-of-week) or @daily/@hourly/...",
      description: "When backups run.",
      check: (f, v) => {
        const cron = cronProblem(v);
        return cron
          ? [problem(f, v, `is not a valid schedule: ${cron}.`, `write it as cron, e.g. "0 2 * * *".`)]
          : [];
      },
    }),
    timeZone: setting.value<string | undefined>({
      type: "string",
      rules: "an IANA time zone name (Europe/Berlin, UTC)",
      description: "IANA time zone of the schedule on Kubernetes; Docker uses the host cron's zone.",
      check: (f, v) =>
        v === undefined
          ? []
          : check.pattern(
              f,
              v,
              /^(UTC|[A-Z][A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2})$/,
              "an IANA time zone name",
              `set ${f} to a name such as "Europe/Berlin" or "UTC", or remove it.`,
            ),
    }),
    retentionDays: setting.integer({
      default: 7,
      min: 1,
      max: 3650,
      description:
        "Backups younger than this many days are kept; older ones are deleted after a successful run.",
    }),
    destination: setting.oneOf(["volume", "s3"], {
      default: "volume",
      description:
        "Kubernetes: keep copies on a PersistentVolumeClaim or upload them to an S3-compatible bucket.",
    }),
    volumeSize: setting.value<string>({
      type: "quantity",
      default: "10Gi",
      rules: "a Kubernetes quantity",
      description: "Size of the backup PVC the component creates (Kubernetes, destination volume).",
      check: (f, v) =>
        typeof v !== "string" || parseK8sBytes(v) === undefined
          ? [problem(f, v, "is not a Kubernetes quantity.", `write a size such as "20Gi".`)]
          : [],
    }),
    storageClass: setting.value<string | undefined>({
      type: "string",
      rules: "a Kubernetes object name",
      description: "StorageClass of the backup PVC.",
      check: checkObjectName,
    }),
    existingClaim: setting.value<string | undefined>({
      type: "string",
      rules: "a Kubernetes object name",
      description: "Write to this existing PVC instead of creating one.",
      check: checkObjectName,
    }),
    hostDirectory: setting.pattern({
      default: `/var/backups/kato/${engine}`,
      pattern: /^\/[A-Za-z0-9._/-]*$/,
      what: "an absolute path of letters, digits, '.', '_', '-' and '/'",
      fix: (f) => `set ${f} to an absolute path such as "/var/backups/kato/${engine}".`,
      description: "Docker: absolute directory on the Docker host the rendered cron script writes to.",
    }),
    // Checked by resolveBackupCommon: only when set or when destination is s3 (a cross-field rule).
    s3: setting.group(
      {
        bucket: setting.value<string | undefined>({
          type: "string",
          rules: "3-63 lowercase letters, digits, '.' and '-'; required for destination s3",
          description: "Bucket (destination s3).",
        }),
        endpoint: setting.value<string | undefined>({
          type: "string (URL)",
          rules: "an http(s) URL without a path",
          description: "Endpoint of an S3-compatible service (MinIO, Ceph, R2); unset for AWS S3.",
        }),
        region: setting.value<string | undefined>({
          type: "string",
          defaultText: S3_DEFAULT_REGION,
          rules: "a region name",
          description: "Region of the bucket.",
        }),
        prefix: setting.value<string | undefined>({
          type: "string",
          defaultText: `kato/${engine}`,
          rules: "a key prefix without leading or trailing '/'",
          description: "Key prefix the backups are written under.",
        }),
      },
      { description: "The bucket, for destination s3. Credentials are not settings: they are secrets." },
    ),
    timeoutMinutes: setting.integer({
      default: 60,
      min: 1,
      max: 24 * 60,
      unit: "min",
      description: "A run taking longer is stopped and counts as failed.",
    }),
    resources: toolResourcesSetting({ cpu: "100m", memory: "256Mi", of: "backup container" }),
    uploadImage: setting.value<string>({
      type: "string",
      default: DEFAULT_UPLOAD_IMAGE,
      rules: "pinned by a version tag or a digest",
      description: "rclone image that uploads to and prunes the S3 bucket.",
      check: imageProblems,
    }),
  } as const;
}

export const S3_DEFAULT_REGION = "us-east-1";

type CommonDeclarations = ReturnType<typeof commonBackupDeclarations>;

/** What every backup component takes besides its engine's own settings. */
export type BackupCommonSettings = SettingsInput<CommonDeclarations>;
/** An S3-compatible bucket. Credentials are not settings: they are passed to the component as secrets. */
export type S3Settings = NonNullable<BackupCommonSettings["s3"]>;

export interface ResolvedS3Settings {
  bucket: string;
  endpoint?: string;
  region: string;
  prefix: string;
}

export type ResolvedBackupCommon = Omit<SettingsResolved<CommonDeclarations>, "s3" | "destination"> & {
  destination: BackupDestination;
  s3?: ResolvedS3Settings;
};

/** The common defaults (`engine` names the host directory). */
export function commonBackupDefaults(engine: string): ResolvedBackupCommon {
  const { s3: _s3, ...defaults } = declareSettings(commonBackupDeclarations(engine)).defaults;
  return defaults as ResolvedBackupCommon;
}

export function commonBackupFieldDocs(engine: string): FieldDoc[] {
  return declareSettings(commonBackupDeclarations(engine)).fields();
}

/** An engine's backup settings: the common ones, its tools `image`, and its own. */
export function declareBackupSettings<const D extends Declarations>(
  engine: string,
  image: { default: string; description: string },
  own: D,
) {
  return declareSettings({
    ...commonBackupDeclarations(engine),
    image: setting.value<string>({
      type: "string",
      default: image.default,
      rules: "pinned by a version tag or a digest",
      description: image.description,
      check: imageProblems,
    }),
    ...own,
  });
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

/**
 * The common fields of the layered settings, resolved; what relates them (S3: checked whenever it is
 * set, required for destination s3, refused when set for another destination) is written here.
 */
function resolveBackupCommon(
  engine: string,
  user: Record<string, unknown>,
  layered: Record<string, unknown>,
  field: string,
): { common: ResolvedBackupCommon; problems: Problem[] } {
  const problems: Problem[] = [];
  const f = (name: string) => `${field}.${name}`;
  const destination = layered.destination;
  const rawS3 = isRecord(layered.s3) ? layered.s3 : {};
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
    const region = rawS3.region ?? S3_DEFAULT_REGION;
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
    if (destination !== "s3" && isRecord(user.s3)) {
      problems.push(
        problem(
          f("s3"),
          user.s3,
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
  const l = layered as Record<string, never>;
  return {
    common: {
      enabled: l.enabled,
      schedule: String(layered.schedule).trim(),
      ...(layered.timeZone !== undefined ? { timeZone: l.timeZone } : {}),
      retentionDays: l.retentionDays,
      destination: l.destination,
      volumeSize: l.volumeSize,
      ...(layered.storageClass !== undefined ? { storageClass: l.storageClass } : {}),
      ...(layered.existingClaim !== undefined ? { existingClaim: l.existingClaim } : {}),
      hostDirectory: String(layered.hostDirectory).replace(/\/+$/, "") || "/",
      ...(destination === "s3" && s3 ? { s3 } : {}),
      timeoutMinutes: l.timeoutMinutes,
      resources: l.resources,
      uploadImage: l.uploadImage,
    },
    problems,
  };
}

/**
 * What every backup resolver starts with: the user's object (its unknown keys refused), layered over
 * the profile's base and the declared defaults, every one-field check of `declared`, and the common
 * fields resolved. The engine's resolver reads its own fields from `layered` and adds only the rules
 * that relate fields.
 */
export function resolveBackupBase<D extends Declarations>(
  engine: string,
  field: string,
  raw: unknown,
  base: object,
  declared: DeclaredSettings<D>,
): { common: ResolvedBackupCommon; layered: Record<string, unknown>; problems: Problem[] } {
  const obj = asSettingsObject(field, raw);
  const user = obj.value;
  const layered = declared.layer(user, base as Record<string, unknown>);
  const problems: Problem[] = [
    ...obj.problems,
    ...declared.unknownKeys(field, user),
    ...declared.checkEach(field, layered, ["s3"]),
  ];
  const { common, problems: commonProblems } = resolveBackupCommon(engine, user, layered, field);
  problems.push(...commonProblems);
  return { common, layered, problems };
}
