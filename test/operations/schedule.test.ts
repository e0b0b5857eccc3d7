/**
 * Schedules, retention arithmetic, shell quoting and the S3 scripts: the pure helpers every backup
 * component renders with.
 */
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveMongoBackupSettings } from "../../components/operations/mongoBackupPlan";
import { rcloneDownloadScript, rcloneUploadScript } from "../../components/operations/s3";
import { cronProblem, crontabLine, retentionMinutes } from "../../components/operations/schedule";
import { shQuote } from "../../components/operations/shell";
import { shellcheckFindings, syntaxErrors } from "./scriptCheck";

describe("cron schedules", () => {
  it("accepts what both the CronJob controller and a host cron accept", () => {
    for (const ok of [
      "0 2 * * *",
      "*/15 * * * *",
      "0 0-23/6 * * *",
      "30 1 1,15 * *",
      "0 3 * * MON-FRI",
      "0 4 1 JAN,jul *",
      "@daily",
      "@hourly",
      "0 0 29 2 *",
    ]) {
      expect(cronProblem(ok), ok).toBeUndefined();
    }
  });

  it("rejects, with a reason, what either would refuse or what never runs", () => {
    const cases: [string, RegExp][] = [
      ["0 2 * *", /5 fields/],
      ["0 24 * * *", /hour values must be from 0 to 23/],
      ["60 * * * *", /minute/],
      ["0 0 0 * *", /day of month/],
      ["0 0 * 13 *", /month/],
      ["0 0 * * 7", /day of week values must be from 0 to 6/],
      ["*/0 * * * *", /step/],
      ["5/10 * * * *", /needs a range/],
      ["0 9-5 * * *", /backwards/],
      ["0 0 30 2 *", /never runs/],
      ["0 0 ? * *", /not a valid/],
      ["@fortnightly", /not one of/],
      ["TZ=UTC 0 2 * * *", /timeZone/],
      ["0 0 * * MON-", /not a range/],
    ];
    for (const [bad, reason] of cases) expect(cronProblem(bad), bad).toMatch(reason);
    expect(cronProblem(7)).toMatch(/string/);
  });

  it("any expression built from valid fields is accepted (property)", () => {
    const field = (min: number, max: number) =>
      fc.oneof(
        fc.constant("*"),
        fc.integer({ min, max }).map(String),
        fc
          .tuple(
            fc.integer({ min, max }),
            fc.integer({ min, max }),
            fc.integer({ min: 1, max: max - min + 1 }),
          )
          .map(([a, b, step]) => `${Math.min(a, b)}-${Math.max(a, b)}/${step}`),
        fc.integer({ min: 1, max: max - min + 1 }).map((step) => `*/${step}`),
      );
    fc.assert(
      fc.property(field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 6), (...parts) => {
        expect(cronProblem(parts.join(" "))).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it("crontab lines carry the schedule and the command; retention is exact minutes", () => {
    expect(crontabLine(" 0 2 * * * ", "/usr/local/sbin/x.sh")).toBe("0 2 * * * /usr/local/sbin/x.sh");
    expect(retentionMinutes(7)).toBe(10080);
    expect(retentionMinutes(1)).toBe(1440);
  });

  it("a bad schedule is reported with the field and a fix", () => {
    const { problems } = resolveMongoBackupSettings({ schedule: "0 2 * * * *" }, "backups.mongodb");
    expect(problems).toEqual([
      expect.objectContaining({
        field: "backups.mongodb.schedule",
        value: "0 2 * * * *",
        fix: expect.stringContaining("0 2 * * *"),
      }),
    ]);
  });
});

describe("shell quoting", () => {
  it("any string survives a round trip through sh (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }).filter((s) => !s.includes("\0")),
        (s) => {
          const r = spawnSync("sh", ["-c", `printf '%s' ${shQuote(s)}`], { encoding: "utf8" });
          expect(r.stdout).toBe(s);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("S3 scripts", () => {
  const s3 = { bucket: "kato-backups", region: "eu-west-1", prefix: "kato/mongodb" };

  it("upload copies then prunes by age, and both scripts pass sh -n and ShellCheck", () => {
    const up = rcloneUploadScript(s3, {
      localDir: "/work",
      include: "x-*.archive.gz",
      retentionMinutes: 10080,
    });
    expect(up.indexOf("rclone copy")).toBeLessThan(up.indexOf("rclone delete"));
    expect(up).toContain("--min-age 10080m");
    const down = rcloneDownloadScript(s3, "x-1.archive.gz", "/work/x-1.archive.gz");
    for (const script of [up, down]) {
      expect(syntaxErrors(script, "sh")).toBe("");
      expect(shellcheckFindings(script, "sh")).toBe("");
    }
  });
});
