/**
 * Turns `pulumi preview --json` output into a short Markdown comment for a pull request:
 *
 * 1. whether the preview **failed** (an error diagnostic, a non-zero exit of `pulumi preview`, or an
 *    output that is empty, not JSON or not a preview), never "no data at risk" for a failed one;
 * 2. **Data at risk**: every replace or delete of something that holds data (a volume or PVC, a
 *    Namespace, a StatefulSet, a container, a MongoDB schema, a Qdrant collection), with why;
 * 3. schema changes (MongoDB databases and collections, Qdrant collections), aggregated per kind;
 * 4. counts per operation, then diagnostics.
 *
 * What it reads is the digest `pulumi preview --json` prints (pulumi v3.248.0,
 * pkg/backend/display/json.go `ShowPreviewDigest`, types in pkg/display/json.go): one JSON document,
 * `{config, steps, diagnostics, duration, changeSummary, maybeCorrupt}`, written once at the end,
 * with secrets already masked as the string "[secret]", `detailedDiff: null` where the provider gave
 * none (every dynamic resource), diagnostics whose `message` starts with "error: "/"warning: ", only
 * logical steps (`replace`, not `create-replacement`/`delete-replaced`, unless
 * `--show-replacement-steps`) and no `same` steps but the root stack's (unless `--show-sames`).
 *
 * The document is streamed, never held as one string: a fleet-wide update of 1000 tenants is a
 * preview of more than 512 MiB, longer than V8's longest string. Each step is parsed on its own and
 * reduced to what the summary shows.
 *
 * It never prints a secret: values are only shown for plain scalars under keys that do not look
 * secret; "[secret]", Pulumi secret envelopes and URLs with credentials print as `[secret]`. Lists
 * are capped and aggregated so a stack with 1000 tenants still gives a comment of a few dozen lines.
 */
import * as fs from "node:fs";
import { isObject } from "../components/shared/values";

/** The part of `pulumi preview --json` this tool reads (pulumi v3.248.0 pkg/display/json.go). */
export interface PreviewJson {
  config?: Record<string, string>;
  steps?: PreviewStep[];
  diagnostics?: PreviewDiagnostic[];
  duration?: number;
  changeSummary?: Record<string, number>;
  maybeCorrupt?: boolean;
}

export interface PreviewStep {
  op: string;
  urn: string;
  provider?: string;
  oldState?: StepState;
  newState?: StepState;
  diffReasons?: string[];
  replaceReasons?: string[];
  detailedDiff?: Record<string, { kind: string; inputDiff?: boolean }> | null;
}

/** apitype.ResourceV3, the fields the summary reads. */
export interface StepState {
  urn?: string;
  custom?: boolean;
  type?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  protect?: boolean;
  retainOnDelete?: boolean;
}

export interface PreviewDiagnostic {
  urn?: string;
  message?: string;
  severity?: string;
}

export interface SummaryOptions {
  /** Stack name for the heading; default: read from the URNs. */
  stack?: string;
  /** How many items a list shows before "and N more". Default 15. */
  maxItems?: number;
  /** Exit status of `pulumi preview`; anything but 0 marks the preview failed. */
  exitCode?: number;
}

export interface SummaryResult {
  markdown: string;
  failed: boolean;
}

/** What kind of thing a resource is, as far as data safety goes. */
export type ResourceKind =
  | "volume"
  | "namespace"
  | "statefulset"
  | "container"
  | "mongo-schema"
  | "qdrant-schema"
  | "other";

const KIND_LABEL: Record<ResourceKind, [one: string, many: string]> = {
  volume: ["volume", "volumes"],
  namespace: ["Namespace", "Namespaces"],
  statefulset: ["StatefulSet", "StatefulSets"],
  container: ["container", "containers"],
  "mongo-schema": ["MongoDB schema", "MongoDB schemas"],
  "qdrant-schema": ["Qdrant collection", "Qdrant collections"],
  other: ["resource", "resources"],
};

/** Pulumi's marker for a secret value in serialized state (the digest masks them already). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|apikey|credential|private|auth|keyfile|cert/i;
const URL_WITH_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/\s@]*:[^/\s@]*@/i;
const URL_CREDENTIALS_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^/\s@]*:[^/\s@]*@\S*/gi;

interface ParsedUrn {
  stack: string;
  type: string;
  name: string;
}

export function parseUrn(urn: string): ParsedUrn {
  // urn:pulumi:<stack>::<project>::<parent$...$type>::<name>
  const parts = urn.split("::");
  const stack = (parts[0] ?? "").replace(/^urn:pulumi:/, "");
  const typeChain = parts[2] ?? "";
  const type = typeChain.split("$").pop() ?? typeChain;
  const name = parts.slice(3).join("::");
  return { stack, type, name };
}

/** Classifies a resource by its type token (dynamic resources also by their name). */
export function classify(type: string, name: string): ResourceKind {
  if (/:(PersistentVolumeClaim|PersistentVolume)$/.test(type) || /^docker:index\/volume:Volume$/.test(type)) {
    return "volume";
  }
  if (/^kubernetes:core\/v1:Namespace$/.test(type)) return "namespace";
  if (/apps\/v1:StatefulSet$/.test(type)) return "statefulset";
  if (/^docker:index\/container:Container$/.test(type)) return "container";
  const last = type.split(":").pop() ?? "";
  const isDynamic = type.startsWith("pulumi-nodejs:dynamic");
  const subject = isDynamic && last === "Resource" ? name : last;
  if (/qdrant/i.test(subject) && /collection|schema/i.test(subject)) return "qdrant-schema";
  if (/mongo/i.test(subject) && /schema|collection|index|database/i.test(subject)) return "mongo-schema";
  if (isDynamic && /collection|index|schema/i.test(subject)) return "mongo-schema";
  return "other";
}

/** Replaces every secret-looking value with "[secret]" (for the few values the summary prints). */
export function redact(value: unknown, key = ""): unknown {
  if (SECRET_KEY.test(key)) return "[secret]";
  if (value === null || value === undefined) return value;
  if (typeof value === "string") return URL_WITH_CREDENTIALS.test(value) ? "[secret]" : value;
  if (typeof value !== "object") return value;
  if (SECRET_SIG in (value as object)) return "[secret]";
  if (Array.isArray(value)) return value.map((v) => redact(v, key));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redact(v, k);
  return out;
}

/** A short, single-line rendering of a plain value; objects and long strings are not shown. */
function showPlain(value: unknown, key: string): string | undefined {
  const safe = redact(value, key);
  if (safe === "[secret]") return "[secret]";
  if (typeof safe === "number" || typeof safe === "boolean") return String(safe);
  if (typeof safe === "string" && safe.length <= 40 && !/[\n`|]/.test(safe)) return `\`${safe}\``;
  return undefined;
}

/**
 * A string holding a JSON object or array, decoded; any other value as it is. The engine's display
 * does the same before it diffs two strings (pkg/backend/display/object_diff.go `decodeValue`,
 * pulumi v3.248.0, which also tries multi-line YAML): kato's tenant resources store `spec` and
 * `connection` as JSON text (components/shared/packedInputs.ts), and a reviewer should still read
 * which index changed.
 */
export function decodedText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  if (!text.startsWith("{") && !text.startsWith("[")) return value;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === "object" ? parsed : value;
  } catch {
    return value;
  }
}

/** Reads `a.b[2].c` (or `a["b.c"]`) from an object, for showing old and new values of a changed field. */
function at(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of pathParts(path)) {
    cur = decodedText(cur);
    if (cur === null || typeof cur !== "object") return undefined;
    if (SECRET_SIG in (cur as object)) return cur;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function pathParts(path: string): string[] {
  const parts: string[] = [];
  const re = /\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|\.?([^.[\]]+)/g;
  for (let m = re.exec(path); m; m = re.exec(path)) parts.push(m[1] ?? m[2] ?? m[3]!);
  return parts;
}

function joinPath(prefix: string, key: string | number): string {
  if (typeof key === "number") return `${prefix}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return prefix ? `${prefix}.${key}` : key;
  return `${prefix}[${JSON.stringify(key)}]`;
}

/**
 * The most specific paths where two input values differ, as the engine's own display derives a diff
 * when the provider gave no detailed diff (dynamic providers never do), looking inside JSON text
 * (`decodedText`). Keys starting with `__` (the dynamic provider's serialized code) are left out.
 * At most `limit` paths.
 */
export function changedPaths(before: unknown, after: unknown, limit = 8, prefix = ""): string[] {
  const out: string[] = [];
  const walk = (rawA: unknown, rawB: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (rawA === rawB) return;
    const a = decodedText(rawA);
    const b = decodedText(rawB);
    const bothObjects = a !== null && b !== null && typeof a === "object" && typeof b === "object";
    if (!bothObjects || Array.isArray(a) !== Array.isArray(b)) {
      if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path || "(inputs)");
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) {
        out.push(path || "(inputs)");
        return;
      }
      for (let i = 0; i < a.length; i++) walk(a[i], b[i], joinPath(path, i));
      return;
    }
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const key of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
      if (path === prefix && key.startsWith("__")) continue;
      walk(ao[key], bo[key], joinPath(path, key));
    }
  };
  walk(before, after, prefix);
  return out;
}

/** The engine's step ops (pulumi v3.248.0 pkg/resource/deploy/step.go), as the summary groups them. */
type Op = "create" | "update" | "replace" | "delete" | "same" | "read" | "discard" | "other";

export function normaliseOp(op: string): Op {
  switch (op) {
    case "create":
    case "import":
      return "create";
    case "update":
      return "update";
    case "replace":
    case "create-replacement":
    case "delete-replaced":
    case "import-replacement":
      return "replace";
    case "delete":
      return "delete";
    case "same":
      return "same";
    case "read":
    case "read-replacement":
    case "refresh":
      return "read";
    // A resource that was only read (`get`) is dropped from the state: nothing is deleted.
    case "discard":
    case "discard-replaced":
      return "discard";
    default:
      // remove-pending-replace, diff: bookkeeping of the engine, no change to a resource.
      return "other";
  }
}

const OP_RANK: readonly Op[] = ["same", "read", "other", "discard", "create", "update", "delete", "replace"];
const rank = (op: Op): number => OP_RANK.indexOf(op);

interface Change {
  op: Op;
  rawOps: Set<string>;
  type: string;
  name: string;
  kind: ResourceKind;
  why: string[];
  retained: boolean;
  protected: boolean;
}

const REPLACE_UNNAMED = "the provider asks for a replacement";

/** Why a resource changes: the fields that force the replacement, or that changed, with old -> new. */
function reasons(op: Op, step: PreviewStep): string[] {
  if (op === "delete") return ["removed from the program"];
  // Decoded once here: every path below reads inside the same texts.
  const oldInputs = withTextDecoded(step.oldState?.inputs);
  const newInputs = withTextDecoded(step.newState?.inputs);
  const detailed = Object.entries(step.detailedDiff ?? {});
  let paths =
    op === "replace"
      ? [
          ...new Set([
            ...(step.replaceReasons ?? []),
            ...detailed.filter(([, d]) => String(d?.kind).endsWith("-replace")).map(([p]) => p),
          ]),
        ]
      : [...new Set([...(step.diffReasons ?? []), ...detailed.map(([p]) => p)])];
  if (paths.length === 0 && op === "update") {
    // No detailed diff (a dynamic provider): the inputs say what changed.
    paths = changedPaths(oldInputs, newInputs);
  }
  // A top-level key that holds an object ("vectors") says less than the fields that changed in it.
  paths = paths.flatMap((p) => {
    const before = decodedText(at(oldInputs, p));
    const after = decodedText(at(newInputs, p));
    if (before !== null && typeof before === "object" && after !== null && typeof after === "object") {
      const inner = changedPaths(before, after, 4, p);
      return inner.length > 0 ? inner : [p];
    }
    return [p];
  });
  return mostSpecific([...new Set(paths)]).map((p) => describePath(p, oldInputs, newInputs));
}

/** Inputs with each top-level value that is JSON text (`decodedText`) decoded. */
function withTextDecoded(inputs: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!inputs) return inputs;
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, decodedText(v)]));
}

/** Drops `spec.selector` when `spec.selector.matchLabels.app` is also listed: the longer path says more. */
function mostSpecific(paths: readonly string[]): string[] {
  return paths.filter((p) => !paths.some((q) => q !== p && (q.startsWith(`${p}.`) || q.startsWith(`${p}[`))));
}

function describePath(path: string, oldInputs: unknown, newInputs: unknown): string {
  const parts = pathParts(path);
  const key = parts[parts.length - 1] ?? path;
  const before = showPlain(at(oldInputs, path), key);
  const after = showPlain(at(newInputs, path), key);
  if (before !== undefined && after !== undefined) return `\`${path}\` ${before} → ${after}`;
  if (after !== undefined) return `\`${path}\` → ${after}`;
  return `\`${path}\``;
}

/** Lists at most `max` items, then says how many more there are. */
function capped<T>(items: readonly T[], max: number, render: (t: T) => string): string[] {
  const lines = items.slice(0, max).map(render);
  if (items.length > max) lines.push(`- …and ${items.length - max} more`);
  return lines;
}

const RISKY_KINDS: readonly ResourceKind[] = [
  "volume",
  "namespace",
  "statefulset",
  "container",
  "mongo-schema",
  "qdrant-schema",
];

/**
 * Accumulates a preview digest, step by step and diagnostic by diagnostic, keeping only what the
 * summary shows, then renders it.
 */
export class PreviewAccumulator {
  private readonly changes = new Map<string, Change>();
  private readonly diagnostics = new Map<string, { severity: string; n: number }>();
  private errors = 0;
  private warnings = 0;
  private changeSummary: Record<string, number> | undefined;
  private maybeCorrupt = false;
  private stack = "";
  private steps = 0;
  private readonly problems: string[] = [];

  /** Why the output cannot be read as a preview (it is then reported failed). */
  fail(problem: string): void {
    if (!this.problems.includes(problem)) this.problems.push(problem);
  }

  /** One top-level field of the digest; `steps` and `diagnostics` go element by element. */
  field(key: string, value: unknown): void {
    if (key === "steps" || key === "diagnostics") {
      if (!Array.isArray(value)) {
        if (value !== null) this.fail(`\`${key}\` is not a list`);
        return;
      }
      for (const v of value) this.element(key, v);
    } else if (key === "changeSummary") {
      if (isObject(value)) this.changeSummary = value as Record<string, number>;
    } else if (key === "maybeCorrupt") {
      this.maybeCorrupt = value === true;
    }
  }

  /** One element of the digest's `steps` or `diagnostics`. */
  element(key: string, value: unknown): void {
    if (key === "steps") this.step(value);
    else if (key === "diagnostics") this.diagnostic(value);
  }

  step(raw: unknown): void {
    if (!isObject(raw) || typeof raw.op !== "string" || typeof raw.urn !== "string") {
      this.fail(`step ${this.steps + 1} has no \`op\` and \`urn\`: not a \`pulumi preview --json\` step`);
      return;
    }
    const step = raw as unknown as PreviewStep;
    this.steps++;
    const parsed = parseUrn(step.urn);
    if (!this.stack) this.stack = parsed.stack;
    const type = step.newState?.type ?? step.oldState?.type ?? parsed.type;
    const op = normaliseOp(step.op);
    const why = reasons(op, step);
    const retained = step.oldState?.retainOnDelete === true;
    // The engine refuses to replace or delete what is protected before and after (step_generator.go).
    const isProtected =
      step.oldState?.protect === true && (step.newState === undefined || step.newState.protect === true);
    const prev = this.changes.get(step.urn);
    if (prev) {
      // --show-replacement-steps: create-replacement, replace and delete-replaced of one resource.
      prev.rawOps.add(step.op);
      if (rank(op) > rank(prev.op) || (rank(op) === rank(prev.op) && prev.why.length === 0)) {
        prev.op = op;
        prev.why = why;
      }
      prev.retained ||= retained;
      prev.protected ||= isProtected;
      return;
    }
    this.changes.set(step.urn, {
      op,
      rawOps: new Set([step.op]),
      type,
      name: parsed.name,
      kind: classify(type, parsed.name),
      why,
      retained,
      protected: isProtected,
    });
  }

  diagnostic(raw: unknown): void {
    if (!isObject(raw)) return;
    const severity = typeof raw.severity === "string" ? raw.severity : "";
    if (severity !== "error" && severity !== "warning") return;
    if (severity === "error") this.errors++;
    else this.warnings++;
    // The digest's message carries the engine's prefix ("error: ", "warning: ") and a newline.
    // A URN in a message (the engine quotes whole URNs) is shortened to the resource's name.
    const text = oneLine(
      String(raw.message ?? "")
        .replace(URL_CREDENTIALS_IN_TEXT, "[secret]")
        .replace(/urn:pulumi:[^\s"'`]+/g, (urn) => parseUrn(urn).name || urn)
        .replace(/^\s*(error|warning):\s*/, ""),
    );
    const k = `${severity}|${text}`;
    this.diagnostics.set(k, { severity, n: (this.diagnostics.get(k)?.n ?? 0) + 1 });
  }

  render(options: SummaryOptions = {}): SummaryResult {
    const max = options.maxItems ?? 15;
    if (this.problems.length === 0 && this.steps === 0 && this.changeSummary === undefined) {
      this.fail("the preview output has no steps and no change summary: the preview did not run to its end");
    }
    const failures = [...this.problems];
    if (this.errors > 0) failures.push(`${this.errors} error${this.errors === 1 ? "" : "s"} (below)`);
    if (options.exitCode !== undefined && options.exitCode !== 0) {
      failures.push(
        `\`pulumi preview\` exited with status ${options.exitCode}; its error output is in the job log`,
      );
    }
    const failed = failures.length > 0;
    const stack = options.stack ?? this.stack;
    const changes = [...this.changes.values()];

    const out: string[] = [];
    out.push(`### Pulumi preview${stack ? ` of \`${stack}\`` : ""}${failed ? ": failed" : ""}`);
    out.push("");
    if (failed) {
      out.push(`**The preview failed:** ${failures.join("; ")}.`);
      out.push("");
    }
    if (this.maybeCorrupt) {
      out.push("**The engine reports that some resources may be corrupt** (`maybeCorrupt`).");
      out.push("");
    }

    // 1. Data at risk.
    const atRisk = changes.filter(
      (c) => (c.op === "replace" || c.op === "delete") && RISKY_KINDS.includes(c.kind),
    );
    if (atRisk.length === 0) {
      out.push(
        failed
          ? "**Data at risk: unknown.** The preview failed before it could tell; nothing it got to replaces or deletes data."
          : "**Data at risk: none.** Nothing that holds data is replaced or deleted.",
      );
    } else {
      out.push(
        `#### ⚠️ Data at risk: ${atRisk.length} resource${atRisk.length === 1 ? "" : "s"}${failed ? " (as far as the preview got)" : ""}`,
      );
      out.push("");
      // Group identical (kind, op, why) so 1000 tenants with the same change take one line.
      const groups = new Map<string, Change[]>();
      for (const c of atRisk) {
        const key = `${c.kind}|${c.op}|${c.retained}|${c.protected}|${c.why.join("; ")}`;
        const group = groups.get(key);
        if (group) group.push(c);
        else groups.set(key, [c]);
      }
      const sorted = [...groups.values()].sort((a, b) => b.length - a.length);
      out.push(
        ...capped(sorted, max, (group) => {
          const first = group[0]!;
          const names = group
            .slice(0, 3)
            .map((c) => `\`${c.name}\``)
            .join(", ");
          const more = group.length > 3 ? ` and ${group.length - 3} more` : "";
          // A replacement whose steps name no field (a provider that lists none): say who asked for it.
          const named = first.why.length > 0 ? first.why : first.op === "replace" ? [REPLACE_UNNAMED] : [];
          const why = named.length > 0 ? `: ${named.slice(0, 4).join("; ")}` : "";
          const label = KIND_LABEL[first.kind][group.length === 1 ? 0 : 1];
          const notes = [
            ...(first.retained
              ? [first.op === "delete" ? "retained on delete" : "the old one is retained on delete"]
              : []),
            ...(first.protected ? ["protected: refused until `protect` is lifted"] : []),
          ];
          const note = notes.length > 0 ? ` (${notes.join("; ")})` : "";
          return `- **${first.op}** ${group.length} ${label} (${names}${more})${why}${note}`;
        }),
      );
    }
    out.push("");

    // 2. Schema changes.
    const schema = changes.filter(
      (c) =>
        (c.kind === "mongo-schema" || c.kind === "qdrant-schema") &&
        ["create", "update", "replace", "delete"].includes(c.op),
    );
    if (schema.length > 0) {
      out.push("#### Schema changes");
      out.push("");
      const perKindOp = new Map<string, Change[]>();
      for (const c of schema) {
        const key = `${KIND_LABEL[c.kind][0]}|${c.op}`;
        const group = perKindOp.get(key);
        if (group) group.push(c);
        else perKindOp.set(key, [c]);
      }
      for (const [key, group] of perKindOp) {
        const [label, op] = key.split("|");
        const names = group.slice(0, 5).map((c) => `\`${c.name}\``);
        const more = group.length > 5 ? `, …and ${group.length - 5} more` : "";
        out.push(`- ${label}: ${group.length} to ${op} (${names.join(", ")}${more})`);
        if (op === "update") {
          const fields = new Map<string, number>();
          for (const c of group) for (const w of c.why) fields.set(w, (fields.get(w) ?? 0) + 1);
          const top = [...fields.entries()].sort((a, b) => b[1] - a[1]);
          for (const line of capped(top, 5, ([w, n]) => `- ${w}${n > 1 ? ` (×${n})` : ""}`)) {
            out.push(`  ${line}`);
          }
        }
      }
      out.push("");
    }

    // 3. Counts per operation.
    const counts = countOps(this.changeSummary, changes);
    if (counts.length > 0) {
      out.push("#### Operations");
      out.push("");
      out.push("| operation | resources |");
      out.push("| --- | ---: |");
      for (const [op, n] of counts) out.push(`| ${op} | ${n} |`);
      out.push("");
    }

    // 4. Diagnostics, deduplicated, errors first.
    if (this.diagnostics.size > 0) {
      out.push(
        `#### Diagnostics (${this.errors} error${this.errors === 1 ? "" : "s"}, ${this.warnings} warning${this.warnings === 1 ? "" : "s"})`,
      );
      out.push("");
      const entries = [...this.diagnostics.entries()].sort(
        (a, b) => (a[1].severity === "error" ? 0 : 1) - (b[1].severity === "error" ? 0 : 1),
      );
      out.push(
        ...capped(entries, max, ([k, v]) => {
          const text = k.slice(k.indexOf("|") + 1);
          return `- ${v.severity}: ${text}${v.n > 1 ? ` (×${v.n})` : ""}`;
        }),
      );
      out.push("");
    }
    return { markdown: `${out.join("\n").trimEnd()}\n`, failed };
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}

/** Counts from `changeSummary` when present (the engine's own figures), else from the steps. */
function countOps(
  summary: Record<string, number> | undefined,
  changes: readonly Change[],
): [string, number][] {
  const order = ["create", "update", "replace", "delete", "same", "read", "discard"];
  const counts = new Map<string, number>();
  if (summary && Object.keys(summary).length > 0) {
    for (const [op, n] of Object.entries(summary)) if (typeof n === "number" && n > 0) counts.set(op, n);
  } else {
    for (const c of changes) counts.set(c.op, (counts.get(c.op) ?? 0) + 1);
  }
  return [...counts.entries()].sort(
    (a, b) => (order.indexOf(a[0]) + 1 || 99) - (order.indexOf(b[0]) + 1 || 99) || a[0].localeCompare(b[0]),
  );
}

/** The summary of a digest already parsed (small previews, tests). */
export function summarizePreview(input: unknown, options: SummaryOptions = {}): string {
  return summarize(input, options).markdown;
}

export function summarize(input: unknown, options: SummaryOptions = {}): SummaryResult {
  const acc = new PreviewAccumulator();
  if (!isObject(input)) acc.fail("the preview output is not a JSON object");
  else for (const [key, value] of Object.entries(input)) acc.field(key, value);
  return acc.render(options);
}

// --- Streaming ---------------------------------------------------------------------------------

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

type ScanState =
  | "before" // text before the document's `{`
  | "key-or-end" // inside the top object: a key, or `}`
  | "key" // inside a key string
  | "colon"
  | "value" // the start of a top-level value
  | "capture" // inside a top-level value that is not a list (captured whole)
  | "element-or-end" // inside a top-level list: an element, or `]`
  | "element" // inside one element of a top-level list (captured whole)
  | "after-value" // `,` or `}`
  | "after-element" // `,` or `]`
  | "done";

/**
 * Splits one JSON document, fed in chunks, into its top-level fields; the elements of a top-level
 * list are handed over one by one, so no more than one element (one step) is held at a time. Each
 * captured piece is parsed with JSON.parse, which checks its syntax. Text before the document (a
 * warning the CLI printed) is skipped; anything else that is not the document is a problem.
 */
export class DigestScanner {
  private state: ScanState = "before";
  private depth = 0;
  private inString = false;
  private escaped = false;
  private pieces: Buffer[] = [];
  private pieceStart = -1;
  private key = "";
  private bytes = 0;
  private skipped = 0;
  private sawNonSpace = false;
  private readonly done: { problem?: string } = {};

  constructor(private readonly acc: PreviewAccumulator) {}

  push(chunk: Buffer): void {
    if (this.done.problem !== undefined) return;
    this.bytes += chunk.length;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      const b = chunk[i]!;
      switch (this.state) {
        case "before":
          if (b === LBRACE) this.state = "key-or-end";
          else if (!isSpace(b)) this.skipped++;
          i++;
          break;
        case "key-or-end":
          if (b === QUOTE) {
            this.state = "key";
            this.startCapture(chunk, i);
            this.inString = true;
            this.escaped = false;
          } else if (b === RBRACE) this.state = "done";
          else if (!isSpace(b)) {
            this.problem("a key was expected in the top-level object");
            return;
          }
          i++;
          break;
        case "key":
          if (this.escaped) this.escaped = false;
          else if (b === BACKSLASH) this.escaped = true;
          else if (b === QUOTE) {
            this.inString = false;
            const text = this.endCapture(chunk, i + 1);
            try {
              this.key = JSON.parse(text) as string;
            } catch {
              this.problem("a key of the top-level object is not a JSON string");
              return;
            }
            this.state = "colon";
          }
          i++;
          break;
        case "colon":
          if (b === COLON) this.state = "value";
          else if (!isSpace(b)) {
            this.problem("`:` was expected after a key");
            return;
          }
          i++;
          break;
        case "value":
          if (isSpace(b)) {
            i++;
          } else if (b === LBRACKET && (this.key === "steps" || this.key === "diagnostics")) {
            this.state = "element-or-end";
            i++;
          } else {
            this.state = "capture";
            this.startCapture(chunk, i);
            this.depth = 0;
            this.inString = false;
            this.escaped = false;
          }
          break;
        case "capture":
        case "element": {
          // The hot loop: most bytes of a preview are inside steps.
          let j = i;
          let ended = false;
          for (; j < n; j++) {
            const c = chunk[j]!;
            if (this.inString) {
              if (this.escaped) this.escaped = false;
              else if (c === BACKSLASH) this.escaped = true;
              else if (c === QUOTE) this.inString = false;
              continue;
            }
            if (c === QUOTE) this.inString = true;
            else if (c === LBRACE || c === LBRACKET) this.depth++;
            else if (c === RBRACE || c === RBRACKET) {
              if (this.depth === 0) {
                ended = true;
                break;
              }
              this.depth--;
            } else if (c === COMMA && this.depth === 0) {
              ended = true;
              break;
            }
          }
          if (!ended) {
            i = n;
            break;
          }
          const text = this.endCapture(chunk, j);
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch {
            this.problem(
              `the value of \`${this.key}\`${this.state === "element" ? " (one of its elements)" : ""} is not valid JSON`,
            );
            return;
          }
          if (this.state === "element") {
            this.acc.element(this.key, value);
            this.state = "after-element";
          } else {
            this.acc.field(this.key, value);
            this.state = "after-value";
          }
          i = j; // the `,` or closing bracket is read by the next state
          break;
        }
        case "element-or-end":
          if (isSpace(b)) i++;
          else if (b === RBRACKET) {
            this.state = "after-value";
            i++;
          } else {
            this.state = "element";
            this.startCapture(chunk, i);
            this.depth = 0;
            this.inString = false;
            this.escaped = false;
          }
          break;
        case "after-element":
          if (b === COMMA) this.state = "element-or-end";
          else if (b === RBRACKET) this.state = "after-value";
          else if (!isSpace(b)) {
            this.problem(`\`,\` or \`]\` was expected in \`${this.key}\``);
            return;
          }
          i++;
          break;
        case "after-value":
          if (b === COMMA) this.state = "key-or-end";
          else if (b === RBRACE) this.state = "done";
          else if (!isSpace(b)) {
            this.problem("`,` or `}` was expected in the top-level object");
            return;
          }
          i++;
          break;
        case "done":
          if (!isSpace(b)) this.sawNonSpace = true;
          i++;
          break;
      }
    }
    if (this.pieceStart >= 0) {
      this.pieces.push(chunk.subarray(this.pieceStart));
      this.pieceStart = 0;
    }
  }

  /** Ends the input; reports to the accumulator what kept it from being a whole document. */
  end(): void {
    if (this.done.problem !== undefined) {
      this.acc.fail(this.done.problem);
      return;
    }
    if (this.bytes === 0 || (this.state === "before" && this.skipped === 0)) {
      this.acc.fail("`pulumi preview` wrote nothing to its output: it failed before the engine ran");
    } else if (this.state === "before") {
      this.acc.fail("the preview output is not JSON (it holds no `{`)");
    } else if (this.state !== "done") {
      this.acc.fail("the preview output ends before its JSON document does (cut off)");
    } else if (this.sawNonSpace) {
      // A second document or text after it: the first is read, but say so.
      this.acc.fail("the preview output holds more than one JSON document");
    }
  }

  private problem(message: string): void {
    this.done.problem = `the preview output is not the JSON \`pulumi preview --json\` writes: ${message}`;
    this.pieces = [];
    this.pieceStart = -1;
  }

  private startCapture(_chunk: Buffer, at: number): void {
    this.pieces = [];
    this.pieceStart = at;
  }

  /** The captured bytes up to `end` (exclusive) in `chunk`, as text. */
  private endCapture(chunk: Buffer, end: number): string {
    const last = chunk.subarray(this.pieceStart, end);
    const text =
      this.pieces.length === 0
        ? last.toString("utf8")
        : Buffer.concat([...this.pieces, last]).toString("utf8");
    this.pieces = [];
    this.pieceStart = -1;
    return text;
  }
}

/** Summarises a preview given as chunks of its bytes (a file read piece by piece, or one string). */
export function summarizeChunks(
  chunks: Iterable<Buffer | string>,
  options: SummaryOptions = {},
): SummaryResult {
  const acc = new PreviewAccumulator();
  const scanner = new DigestScanner(acc);
  for (const chunk of chunks) scanner.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
  scanner.end();
  return acc.render(options);
}

export function summarizePreviewText(text: string, options: SummaryOptions = {}): SummaryResult {
  return summarizeChunks([text], options);
}

/** A file's bytes, 1 MiB at a time. */
export function* fileChunks(path: string, size = 1 << 20): Generator<Buffer> {
  const fd = fs.openSync(path, "r");
  try {
    for (;;) {
      const buffer = Buffer.allocUnsafe(size);
      const read = fs.readSync(fd, buffer, 0, size, null);
      if (read === 0) return;
      yield buffer.subarray(0, read);
    }
  } finally {
    fs.closeSync(fd);
  }
}

const USAGE = "usage: preview-summary <preview.json> [--stack NAME] [--max-items N] [--exit-code N]";

/**
 * `npm run preview-summary -- <preview.json> [--stack NAME] [--max-items N] [--exit-code N]`:
 * the Markdown, and the exit status: 1 when the preview failed (the Markdown says why), else 0.
 */
export function main(
  argv: readonly string[],
  chunksOf: (path: string) => Iterable<Buffer | string> = fileChunks,
): { output: string; exitCode: number } {
  let file: string | undefined;
  const options: SummaryOptions = {};
  const number = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || value.trim() === "" || !Number.isInteger(n)) {
      throw new Error(`${flag} needs a whole number, got ${JSON.stringify(value ?? "")}\n${USAGE}`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--stack") options.stack = argv[++i];
    else if (arg === "--max-items") options.maxItems = number(arg, argv[++i]);
    else if (arg === "--exit-code") options.exitCode = number(arg, argv[++i]);
    else if (!file && !arg.startsWith("--")) file = arg;
    else throw new Error(`unexpected argument ${JSON.stringify(arg)}\n${USAGE}`);
  }
  if (!file) throw new Error(USAGE);
  let result: SummaryResult;
  try {
    result = summarizeChunks(chunksOf(file), options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "EISDIR" && code !== "EACCES") throw err;
    const acc = new PreviewAccumulator();
    acc.fail(`the preview output \`${file}\` cannot be read (${code})`);
    result = acc.render(options);
  }
  return { output: result.markdown, exitCode: result.failed ? 1 : 0 };
}

if (require.main === module) {
  try {
    const { output, exitCode } = main(process.argv.slice(2));
    process.stdout.write(output);
    process.exitCode = exitCode;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
