/**
 * Uploads to and prunes an S3-compatible bucket with rclone, configured entirely from environment
 * variables (no config file, no credential on a command line). Pure: renders scripts and env names.
 */
import type { ResolvedS3Settings } from "./backupSettings";
import { shQuote } from "./shell";

/** rclone remote name; rclone reads `RCLONE_CONFIG_<REMOTE>_<OPTION>` variables. */
export const RCLONE_REMOTE = "backup";
export const S3_ACCESS_KEY_ENV = "RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID";
export const S3_SECRET_KEY_ENV = "RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY";
/** Keys of the component's Secret that hold the bucket credentials. */
export const S3_ACCESS_KEY_SECRET_KEY = "s3-access-key-id";
export const S3_SECRET_KEY_SECRET_KEY = "s3-secret-access-key";

/** The non-secret part of rclone's remote definition. */
export function rclonePlainEnv(s3: ResolvedS3Settings): { name: string; value: string }[] {
  return [
    { name: "RCLONE_CONFIG_BACKUP_TYPE", value: "s3" },
    { name: "RCLONE_CONFIG_BACKUP_PROVIDER", value: s3.endpoint ? "Other" : "AWS" },
    { name: "RCLONE_CONFIG_BACKUP_ENV_AUTH", value: "false" },
    { name: "RCLONE_CONFIG_BACKUP_REGION", value: s3.region },
    ...(s3.endpoint ? [{ name: "RCLONE_CONFIG_BACKUP_ENDPOINT", value: s3.endpoint }] : []),
    // Objects only: the job needs no permission to create or list buckets.
    { name: "RCLONE_S3_NO_CHECK_BUCKET", value: "true" },
    { name: "HOME", value: "/tmp" },
  ];
}

/** `backup:bucket/prefix[/sub]`. */
export function remotePath(s3: ResolvedS3Settings, sub = ""): string {
  return `${RCLONE_REMOTE}:${s3.bucket}/${s3.prefix}${sub ? `/${sub}` : ""}`;
}

/**
 * Copies everything under `localDir` matching `include` to the bucket, then deletes objects
 * matching `include` older than the retention. Runs only after the backup step succeeded, so the
 * copy just uploaded is never the one deleted.
 */
export function rcloneUploadScript(
  s3: ResolvedS3Settings,
  opts: { localDir: string; include: string; retentionMinutes: number },
): string {
  const remote = shQuote(remotePath(s3));
  const include = shQuote(opts.include);
  return [
    "#!/bin/sh",
    "set -eu",
    `rclone copy ${shQuote(opts.localDir)} ${remote} --include ${include} --checksum`,
    `echo "uploaded to s3://${s3.bucket}/${s3.prefix}"`,
    `rclone delete ${remote} --include ${include} --min-age ${opts.retentionMinutes}m`,
    `echo "deleted copies older than ${opts.retentionMinutes} minutes"`,
    "",
  ].join("\n");
}

/** Downloads one object (a key under the prefix) to a local file, for restores. */
export function rcloneDownloadScript(s3: ResolvedS3Settings, key: string, localFile: string): string {
  return [
    "#!/bin/sh",
    "set -eu",
    `rclone copyto ${shQuote(`${remotePath(s3)}/${key}`)} ${shQuote(localFile)}`,
    `test -s ${shQuote(localFile)}`,
    "",
  ].join("\n");
}
