/**
 * Every validation in kato-infra reports `Problem`s instead of throwing at the first one, so a user
 * sees every bad field of a stack in one `pulumi preview`. A problem names the field, the value it
 * had, what is wrong and how to fix it.
 */
export interface Problem {
  /** Dotted path of the field in the user's words, e.g. `mongodb.members` or `config kato-infra:redisMasters`. */
  field: string;
  /** The offending value as given (never a secret: callers pass "<secret>" for those). */
  value: unknown;
  /** What is wrong, one sentence. */
  message: string;
  /** How to fix it, one sentence. */
  fix: string;
}

export function problem(field: string, value: unknown, message: string, fix: string): Problem {
  return { field, value, message, fix };
}

/** Renders a value for an error message: short, JSON-like, never multi-line. */
export function showValue(value: unknown): string {
  if (value === undefined) return "(unset)";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return String(value);
  }
}

export function formatProblem(p: Problem): string {
  return `${p.field} = ${showValue(p.value)}: ${p.message} Fix: ${p.fix}`;
}

/** Thrown once with all problems; its message lists each on its own line. */
export class ConfigError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[], context = "kato-infra configuration") {
    const lines = problems.map((p) => `  - ${formatProblem(p)}`);
    super(
      `${context} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${lines.join("\n")}`,
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Throws a ConfigError when there is at least one problem. */
export function assertNoProblems(problems: readonly Problem[], context?: string): void {
  if (problems.length > 0) throw new ConfigError(problems, context);
}

/** Prefixes every problem's field, for nesting a sub-spec's validation under its parent. */
export function nestProblems(prefix: string, problems: readonly Problem[]): Problem[] {
  return problems.map((p) => ({ ...p, field: prefix ? `${prefix}.${p.field}` : p.field }));
}

/** Small helpers for the common checks, each returning zero or one problem. */
export const check = {
  integer(field: string, value: unknown, min: number, max: number, fix?: string): Problem[] {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      return [
        problem(
          field,
          value,
          `must be a whole number from ${min} to ${max}.`,
          fix ?? `set ${field} to a whole number from ${min} to ${max}.`,
        ),
      ];
    }
    return [];
  },
  number(field: string, value: unknown, min: number, max: number, fix?: string): Problem[] {
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
      return [
        problem(
          field,
          value,
          `must be a number from ${min} to ${max}.`,
          fix ?? `set ${field} to a number from ${min} to ${max}.`,
        ),
      ];
    }
    return [];
  },
  oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): Problem[] {
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      return [
        problem(
          field,
          value,
          `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}.`,
          `set ${field} to one of ${allowed.join(", ")}.`,
        ),
      ];
    }
    return [];
  },
  boolean(field: string, value: unknown): Problem[] {
    if (typeof value !== "boolean") {
      return [problem(field, value, "must be true or false.", `set ${field} to true or false.`)];
    }
    return [];
  },
  pattern(field: string, value: unknown, re: RegExp, what: string, fix: string): Problem[] {
    if (typeof value !== "string" || !re.test(value)) {
      return [problem(field, value, `must be ${what}.`, fix)];
    }
    return [];
  },
};

/** Rejects keys of a config object that are not in `allowed` (typos are errors, not silently ignored). */
export function checkKnownKeys(field: string, value: unknown, allowed: readonly string[]): Problem[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "object" || Array.isArray(value)) {
    return [problem(field, value, "must be an object.", `write ${field} as a YAML mapping of its fields.`)];
  }
  const out: Problem[] = [];
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const near = closest(key, allowed);
      out.push(
        problem(
          `${field}.${key}`,
          (value as Record<string, unknown>)[key],
          "is not a known field.",
          near
            ? `did you mean ${field}.${near}? Known fields: ${allowed.join(", ")}.`
            : `remove it; known fields: ${allowed.join(", ")}.`,
        ),
      );
    }
  }
  return out;
}

/** Splits the user's settings object into a record (or a problem when it is not an object). */
export function asSettingsObject(
  field: string,
  raw: unknown,
): { value: Record<string, unknown>; problems: Problem[] } {
  if (raw === undefined || raw === null) return { value: {}, problems: [] };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return {
      value: {},
      problems: [
        problem(field, raw, "must be an object.", `write ${field} as a YAML mapping of its fields.`),
      ],
    };
  }
  return { value: raw as Record<string, unknown>, problems: [] };
}

/** The allowed name closest to `key` by edit distance, if it is close enough to be a likely typo. */
export function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
