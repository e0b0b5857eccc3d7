/**
 * Names, labels, arguments and host files of the operations components. Pure: no Pulumi, no I/O.
 */
import { componentNameProblems as sharedNameProblems } from "../shared/names";
import { type Problem, problem } from "../shared/problems";
import type { Target } from "../shared/target";
import { crontabLine } from "./schedule";

/** A component name becomes Kubernetes object names (CronJobs, Jobs, Secrets, PVCs) and host file prefixes. */
export function componentNameProblems(kind: string, name: string): Problem[] {
  return sharedNameProblems(`${kind} name`, name, "kato-mongo-backup");
}

/** Labels of everything an operations component creates; `selector` is the stable subset. */
export function opsLabels(
  component: string,
  instance: string,
): { labels: Record<string, string>; selector: Record<string, string> } {
  const selector = { "app.kubernetes.io/name": component, "app.kubernetes.io/instance": instance };
  return {
    selector,
    labels: {
      ...selector,
      "app.kubernetes.io/component": "operations",
      "app.kubernetes.io/part-of": "kato",
      "app.kubernetes.io/managed-by": "pulumi",
    },
  };
}

/** Splits component args into the settings object the resolver validates. */
export function settingsOf(args: object, argKeys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([k, v]) => !argKeys.includes(k) && v !== undefined));
}

/** Destination s3 needs Kubernetes and the bucket credentials. */
export function s3Problems(
  name: string,
  settings: { destination: string },
  args: { target: Target; s3Credentials?: unknown },
): Problem[] {
  if (settings.destination !== "s3") return [];
  if (args.target.kind === "docker") {
    return [
      problem(
        `${name}.destination`,
        "s3",
        "is only available on Kubernetes; on Docker the rendered cron script writes to hostDirectory.",
        "use destination volume on Docker and copy hostDirectory off the host (e.g. rclone sync) if needed.",
      ),
    ];
  }
  if (!args.s3Credentials) {
    return [
      problem(
        `${name}.s3Credentials`,
        undefined,
        "is required for destination s3.",
        "pass s3Credentials { accessKeyId, secretAccessKey } as secrets.",
      ),
    ];
  }
  return [];
}

/** Where the Docker host scripts, their root-only credentials file and their log are (docs/operations.md). */
export function hostScriptPaths(name: string): {
  backup: string;
  restore: string;
  log: string;
  envFile: string;
} {
  return {
    backup: `/usr/local/sbin/${name}-backup.sh`,
    restore: `/usr/local/sbin/${name}-restore.sh`,
    log: `/var/log/kato/${name}.log`,
    envFile: `/etc/kato/${name}.env`,
  };
}

/** Docker: root's crontab line running the host backup script on the schedule; none when disabled. */
export function hostCronLine(
  name: string,
  settings: { enabled: boolean; schedule: string },
): string | undefined {
  const paths = hostScriptPaths(name);
  return settings.enabled
    ? crontabLine(settings.schedule, `${paths.backup} >> ${paths.log} 2>&1`)
    : undefined;
}
