/**
 * Cron schedules as both runners read them: the Kubernetes CronJob controller (robfig/cron's
 * standard parser) and a Docker host's cron (Vixie/cronie). Only the syntax both accept is valid
 * here, so one `schedule` setting means the same thing on either target. Pure: no Pulumi, no I/O.
 */

const MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"] as const;

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Value of names[0]. */
  nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  // 0-6 only: robfig/cron rejects 7 (which Vixie cron reads as Sunday).
  { name: "day of week", min: 0, max: 6, names: DAY_NAMES, nameBase: 0 },
];

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The values a cron field selects, or an error message. */
function parseField(text: string, spec: FieldSpec): { values: Set<number> } | { error: string } {
  const values = new Set<number>();
  const value = (token: string): number | undefined => {
    if (/^[0-9]+$/.test(token)) return Number(token);
    const idx = spec.names?.indexOf(token.toUpperCase()) ?? -1;
    return idx >= 0 ? idx + (spec.nameBase ?? 0) : undefined;
  };
  if (text === "") return { error: `the ${spec.name} field is empty` };
  for (const item of text.split(",")) {
    const m = /^([^/]+)(?:\/([0-9]+))?$/.exec(item);
    if (!m) return { error: `"${item}" in the ${spec.name} field is not a value, range or step` };
    const [, base, stepText] = m as unknown as [string, string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) return { error: `the step in "${item}" (${spec.name}) must be at least 1` };
    let lo: number;
    let hi: number;
    if (base === "*") {
      lo = spec.min;
      hi = spec.max;
    } else if (base.includes("-")) {
      const [a, b, ...rest] = base.split("-");
      const va = value(a ?? "");
      const vb = value(b ?? "");
      if (rest.length > 0 || va === undefined || vb === undefined) {
        return { error: `"${base}" in the ${spec.name} field is not a range` };
      }
      lo = va;
      hi = vb;
    } else {
      const v = value(base);
      if (v === undefined) return { error: `"${base}" is not a valid ${spec.name}` };
      if (stepText !== undefined) {
        return { error: `"${item}" (${spec.name}): a step needs a range or *, e.g. "*/${stepText}"` };
      }
      lo = v;
      hi = v;
    }
    if (lo < spec.min || hi > spec.max) {
      return { error: `${spec.name} values must be from ${spec.min} to ${spec.max}, got "${base}"` };
    }
    if (lo > hi) return { error: `the range "${base}" (${spec.name}) runs backwards` };
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values };
}

/**
 * Undefined when `schedule` is a valid 5-field cron expression (or a macro such as `@daily`) that
 * fires at least once a year; otherwise the reason, one sentence.
 */
export function cronProblem(schedule: unknown): string | undefined {
  if (typeof schedule !== "string") return 'a schedule must be a string such as "0 2 * * *"';
  const text = schedule.trim();
  if (/^(CRON_)?TZ=/.test(text)) {
    return "a time zone inside the schedule is rejected by Kubernetes; use the timeZone setting instead";
  }
  if (text.startsWith("@")) {
    return (MACROS as readonly string[]).includes(text)
      ? undefined
      : `"${text}" is not one of ${MACROS.join(", ")}`;
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    return `a schedule has 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  }
  const sets: Set<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const parsed = parseField(parts[i]!, FIELDS[i]!);
    if ("error" in parsed) return parsed.error;
    sets.push(parsed.values);
  }
  // A day of month that no selected month has (30 February) never fires when the day of week is `*`.
  if (parts[4] === "*" && parts[2] !== "*") {
    const fires = [...sets[3]!].some((month) =>
      [...sets[2]!].some((day) => day <= DAYS_IN_MONTH[month - 1]!),
    );
    if (!fires) return "no selected month has the selected day of month, so it never runs";
  }
  return undefined;
}

/** A crontab line (the user's crontab, not /etc/crontab: no user field). */
export function crontabLine(schedule: string, command: string): string {
  return `${schedule.trim()} ${command}`;
}

/** Minutes in `days` days, for `find -mmin +N` and `rclone --min-age Nm`: exact, not rounded to whole days. */
export function retentionMinutes(days: number): number {
  return Math.round(days * 24 * 60);
}
