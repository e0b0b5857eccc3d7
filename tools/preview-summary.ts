/**
 * Turns `pulumi preview --json` output into a short Markdown comment for a pull request:
 *
 * 1. **Data at risk** first: every replace or delete of something that holds data (a volume or PVC,
 *    a StatefulSet, a container, a collection schema or an index resource), with why;
 * 2. schema changes (MongoDB databases and collections, Qdrant collections), aggregated per kind;
 * 3. counts per operation, then diagnostics.
 *
 * It never prints a secret: values are only shown for plain scalars under keys that do not look
 * secret, Pulumi secret envelopes and URLs with credentials print as `[secret]`. Lists are capped and
 * aggregated so a stack with 1000 tenants still gives a comment of a few dozen lines.
 *
 * Pure: `summarizePreview(json)` returns the Markdown; the CLI at the bottom reads a file.
 */
import * as fs from "node:fs";

/** The part of `pulumi preview --json` this tool reads. */
export interface PreviewJson {
  steps?: PreviewStep[];
  changeSummary?: Record<string, number>;
  diagnostics?: PreviewDiagnostic[];
}

export interface PreviewStep {
  op: string;
  urn: string;
  provider?: string;
  oldState?: StepState;
  newState?: StepState;
  diffReasons?: string[];
  replaceReasons?: string[];
  detailedDiff?: Record<string, { kind: string; inputDiff?: boolean }>;
}

export interface StepState {
  type?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  protect?: boolean;
  retainOnDelete?: boolean;
}

export interface PreviewDiagnostic {
  urn?: string;
  message: string;
  severity?: string;
  prefix?: string;
}

export interface SummaryOptions {
  /** Stack name for the heading; default: read from the URNs. */
  stack?: string;
  /** How many items a list shows before "and N more". Default 15. */
  maxItems?: number;
}

/** What kind of thing a resource is, as far as data safety goes. */
export type ResourceKind =
  | "volume"
  | "statefulset"
  | "container"
  | "mongo-schema"
  | "qdrant-schema"
  | "other";

const KIND_LABEL: Record<ResourceKind, string> = {
  volume: "volume",
  statefulset: "StatefulSet",
  container: "container",
  "mongo-schema": "MongoDB schema",
  "qdrant-schema": "Qdrant collection",
  other: "resource",
};

/** Pulumi's marker for a secret value in serialized state. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|apikey|credential|private|auth|keyfile|cert/i;
const URL_WITH_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/\s@]*:[^/\s@]*@/i;

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

/** Reads `a.b[2].c` from an object, for showing old and new values of a changed field. */
function at(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.match(/[^.[\]"]+/g) ?? []) {
    if (cur === null || typeof cur !== "object") return undefined;
    if (SECRET_SIG in (cur as object)) return cur;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

interface Change {
  urn: string;
  op: "create" | "update" | "replace" | "delete" | "same" | "read" | "other";
  rawOps: string[];
  type: string;
  name: string;
  kind: ResourceKind;
  why: string[];
  step: PreviewStep;
}

/** Folds the several steps Pulumi emits for one replacement into one change per URN. */
function changesOf(steps: readonly PreviewStep[]): Change[] {
  const byUrn = new Map<string, Change>();
  for (const step of steps) {
    const { type: urnType, name } = parseUrn(step.urn);
    const type = step.newState?.type ?? step.oldState?.type ?? urnType;
    const op = normaliseOp(step.op);
    const prev = byUrn.get(step.urn);
    if (prev) {
      prev.rawOps.push(step.op);
      if (rank(op) > rank(prev.op)) prev.op = op;
      if ((step.replaceReasons?.length ?? 0) > 0 || (step.detailedDiff && !prev.step.detailedDiff)) {
        prev.step = { ...prev.step, ...step };
      }
      continue;
    }
    byUrn.set(step.urn, {
      urn: step.urn,
      op,
      rawOps: [step.op],
      type,
      name,
      kind: classify(type, name),
      why: [],
      step,
    });
  }
  for (const change of byUrn.values()) change.why = reasons(change);
  return [...byUrn.values()];
}

function normaliseOp(op: string): Change["op"] {
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
    case "discard-replaced":
      return "replace";
    case "delete":
    case "discard":
      return "delete";
    case "same":
      return "same";
    case "read":
    case "refresh":
      return "read";
    default:
      return "other";
  }
}

function rank(op: Change["op"]): number {
  return ["same", "read", "other", "create", "update", "delete", "replace"].indexOf(op);
}

/** Why a resource changes: the fields that force the replacement, or that changed, with old -> new. */
function reasons(change: Change): string[] {
  const { step } = change;
  if (change.op === "delete") {
    return [
      step.oldState?.retainOnDelete
        ? "removed from the program (retained on delete)"
        : "removed from the program",
    ];
  }
  const detailed = Object.entries(step.detailedDiff ?? {});
  const paths =
    change.op === "replace"
      ? [
          ...new Set([
            ...(step.replaceReasons ?? []),
            ...detailed.filter(([, d]) => d.kind.endsWith("-replace")).map(([p]) => p),
          ]),
        ]
      : [...new Set([...(step.diffReasons ?? []), ...detailed.map(([p]) => p)])];
  if (paths.length === 0 && change.op === "replace") return ["the provider asks for a replacement"];
  return mostSpecific(paths).map((p) => describePath(p, step));
}

/** Drops `spec.selector` when `spec.selector.matchLabels.app` is also listed: the longer path says more. */
function mostSpecific(paths: readonly string[]): string[] {
  return paths.filter((p) => !paths.some((q) => q !== p && (q.startsWith(`${p}.`) || q.startsWith(`${p}[`))));
}

function describePath(path: string, step: PreviewStep): string {
  const key =
    path
      .split(/[.[\]]/)
      .filter(Boolean)
      .pop() ?? path;
  const before = showPlain(at(step.oldState?.inputs, path), key);
  const after = showPlain(at(step.newState?.inputs, path), key);
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
  "statefulset",
  "container",
  "mongo-schema",
  "qdrant-schema",
];

export function summarizePreview(input: unknown, options: SummaryOptions = {}): string {
  const preview = (input ?? {}) as PreviewJson;
  const steps = Array.isArray(preview.steps) ? preview.steps : [];
  const max = options.maxItems ?? 15;
  const changes = changesOf(steps);
  const stack = options.stack ?? (steps[0] ? parseUrn(steps[0].urn).stack : "");
  const diagnostics = Array.isArray(preview.diagnostics) ? preview.diagnostics : [];
  const errors = diagnostics.filter((d) => d.severity === "error");

  const out: string[] = [];
  out.push(`### Pulumi preview${stack ? ` of \`${stack}\`` : ""}${errors.length > 0 ? ": failed" : ""}`);
  out.push("");

  // 1. Data at risk.
  const atRisk = changes.filter(
    (c) => (c.op === "replace" || c.op === "delete") && RISKY_KINDS.includes(c.kind),
  );
  if (atRisk.length === 0) {
    out.push("**Data at risk: none.** Nothing that holds data is replaced or deleted.");
  } else {
    out.push(`#### ⚠️ Data at risk: ${atRisk.length} resource${atRisk.length === 1 ? "" : "s"}`);
    out.push("");
    // Group identical (kind, op, why) so 1000 tenants with the same change take one line.
    const groups = new Map<string, Change[]>();
    for (const c of atRisk) {
      const key = `${c.kind}|${c.op}|${c.why.join("; ")}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
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
        const why = first.why.length > 0 ? `: ${first.why.slice(0, 4).join("; ")}` : "";
        const label = `${KIND_LABEL[first.kind]}${group.length === 1 ? "" : "s"}`;
        return `- **${first.op}** ${group.length} ${label} (${names}${more})${why}`;
      }),
    );
  }
  out.push("");

  // 2. Schema changes.
  const schema = changes.filter(
    (c) => (c.kind === "mongo-schema" || c.kind === "qdrant-schema") && c.op !== "same" && c.op !== "read",
  );
  if (schema.length > 0) {
    out.push("#### Schema changes");
    out.push("");
    const perKindOp = new Map<string, Change[]>();
    for (const c of schema) {
      const key = `${KIND_LABEL[c.kind]}|${c.op}`;
      perKindOp.set(key, [...(perKindOp.get(key) ?? []), c]);
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
  const counts = countOps(preview.changeSummary, changes);
  out.push("#### Operations");
  out.push("");
  out.push("| operation | resources |");
  out.push("| --- | ---: |");
  for (const [op, n] of counts) out.push(`| ${op} | ${n} |`);
  out.push("");

  // 4. Diagnostics, deduplicated.
  const notable = diagnostics.filter((d) => d.severity === "error" || d.severity === "warning");
  if (notable.length > 0) {
    const seen = new Map<string, { severity: string; n: number }>();
    for (const d of notable) {
      const text = oneLine(String(redact(d.message, "")));
      const k = `${d.severity}|${text}`;
      seen.set(k, { severity: d.severity ?? "", n: (seen.get(k)?.n ?? 0) + 1 });
    }
    out.push(
      `#### Diagnostics (${errors.length} error${errors.length === 1 ? "" : "s"}, ${notable.length - errors.length} warning${notable.length - errors.length === 1 ? "" : "s"})`,
    );
    out.push("");
    const entries = [...seen.entries()].sort(
      (a, b) => (a[1].severity === "error" ? -1 : 0) - (b[1].severity === "error" ? -1 : 0),
    );
    out.push(
      ...capped(entries, max, ([k, v]) => {
        const text = k.slice(k.indexOf("|") + 1);
        return `- ${v.severity}: ${text}${v.n > 1 ? ` (×${v.n})` : ""}`;
      }),
    );
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}

/** Counts from `changeSummary` when present (Pulumi's own figures), else from the steps. */
function countOps(
  summary: Record<string, number> | undefined,
  changes: readonly Change[],
): [string, number][] {
  const order = ["create", "update", "replace", "delete", "same", "read"];
  const counts = new Map<string, number>();
  if (summary && typeof summary === "object" && Object.keys(summary).length > 0) {
    for (const [op, n] of Object.entries(summary)) if (typeof n === "number" && n > 0) counts.set(op, n);
  } else {
    for (const c of changes) counts.set(c.op, (counts.get(c.op) ?? 0) + 1);
  }
  return [...counts.entries()].sort(
    (a, b) => (order.indexOf(a[0]) + 1 || 99) - (order.indexOf(b[0]) + 1 || 99) || a[0].localeCompare(b[0]),
  );
}

/** `npm run preview-summary -- <preview.json> [--stack NAME] [--max-items N]` */
export function main(argv: readonly string[], read: (path: string) => string): string {
  let file: string | undefined;
  const options: SummaryOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--stack") options.stack = argv[++i];
    else if (arg === "--max-items") options.maxItems = Number(argv[++i]);
    else if (!file) file = arg;
    else throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
  }
  if (!file) throw new Error("usage: preview-summary <preview.json> [--stack NAME] [--max-items N]");
  const text = read(file);
  return summarizePreview(parsePreviewText(text), options);
}

/**
 * Parses the preview file. `pulumi preview --json` writes one JSON document; when the preview fails
 * before the engine starts, the file may hold text around it, so the outermost object is taken.
 */
export function parsePreviewText(text: string): PreviewJson {
  try {
    return JSON.parse(text) as PreviewJson;
  } catch {
    const start = text.indexOf("{");
    const end = text.lastIndexOf("}");
    if (start >= 0 && end > start) {
      try {
        return JSON.parse(text.slice(start, end + 1)) as PreviewJson;
      } catch {
        // fall through
      }
    }
    return {
      diagnostics: [{ severity: "error", message: "the preview output is not JSON; see the job log." }],
    };
  }
}

if (require.main === module) {
  try {
    process.stdout.write(main(process.argv.slice(2), (p) => fs.readFileSync(p, "utf8")));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
}
