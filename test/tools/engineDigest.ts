/**
 * The document `pulumi preview --json` prints, restated from pulumi v3.248.0 so that the fixtures
 * and the generated previews of the preview-summary tests look like the real thing:
 *
 * - pkg/display/json.go: `PreviewDigest {config, steps, diagnostics, duration, changeSummary,
 *   maybeCorrupt}` (all `omitempty`), `PreviewStep {op, urn, provider, oldState, newState,
 *   diffReasons, replaceReasons, detailedDiff}` where only `detailedDiff` has no `omitempty` (so it
 *   is `null` when the provider gave none: every dynamic provider, whose diff sets neither `diffs`
 *   nor `detailedDiff`, sdk/nodejs/cmd/dynamic-provider/index.ts), `PreviewDiagnostic {urn, prefix,
 *   message, severity}`.
 * - pkg/backend/display/json.go `ShowPreviewDigest`: the document is written once, at the end, with
 *   `json.MarshalIndent(&digest, "", "    ")` and a newline; a diagnostic's `message` is
 *   `colors.Never.Colorize(p.Prefix + p.Message)` and `prefix` is never set; `stateForJSONOutput`
 *   replaces every secret with the string "[secret]" (`MassageSecrets(..., false)`); a step is kept
 *   when `shouldShow(m, opts) || isRootStack(m)`.
 * - pkg/backend/display/display.go `shouldShow`: `same` steps only with `--show-sames` (or when
 *   `protect` changes); non-logical replacement steps (`create-replacement`, `delete-replaced`, ...)
 *   only with `--show-replacement-steps`. pkg/resource/deploy/step.go: the ops, and which steps are
 *   logical (a `replace` is; the create and delete of a replacement are not).
 * - sdk/go/common/apitype/core.go `ResourceV3`: `urn`, `custom` and `type` always, the rest `omitempty`.
 * - sdk/go/common/diag/sink.go `Stringify`: the prefix is "error: " or "warning: " (none for info),
 *   the message ends with a newline.
 * - pkg/resource/deploy/step_generator.go: replacing a resource protected before and after is an
 *   error diagnostic ("unable to replace resource ... as it is currently marked for protection"),
 *   and in a preview the steps are still emitted; pkg/engine/deployment.go: the summary event (the
 *   `changeSummary`) is sent even when the deployment fails.
 * - Go's encoding/json sorts map keys and escapes <, > and & in strings (\u003c, \u003e, \u0026).
 */

/** pkg/resource/deploy/step.go `StepOps` (v3.248.0). */
export const STEP_OPS = [
  "same",
  "create",
  "update",
  "delete",
  "replace",
  "create-replacement",
  "delete-replaced",
  "read",
  "read-replacement",
  "refresh",
  "discard",
  "discard-replaced",
  "remove-pending-replace",
  "import",
  "import-replacement",
  "diff",
] as const;
export type StepOp = (typeof STEP_OPS)[number];

/** Ops of steps that are not logical (hidden without --show-replacement-steps). */
const NON_LOGICAL = new Set<string>([
  "create-replacement",
  "delete-replaced",
  "discard-replaced",
  "remove-pending-replace",
  "read-replacement",
  "import-replacement",
  "refresh",
]);

export interface ResourceV3 {
  urn: string;
  custom: boolean;
  delete?: boolean;
  id?: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  protect?: boolean;
  dependencies?: string[];
  provider?: string;
  retainOnDelete?: boolean;
}

export interface PropertyDiff {
  kind: "add" | "add-replace" | "delete" | "delete-replace" | "update" | "update-replace";
  inputDiff: boolean;
}

export interface PreviewStep {
  op: StepOp;
  urn: string;
  provider?: string;
  oldState?: ResourceV3;
  newState?: ResourceV3;
  diffReasons?: string[];
  replaceReasons?: string[];
  detailedDiff: Record<string, PropertyDiff> | null;
}

export interface PreviewDiagnostic {
  urn?: string;
  message?: string;
  severity?: "debug" | "info" | "info#err" | "warning" | "error";
}

export interface PreviewDigest {
  config?: Record<string, string>;
  steps?: PreviewStep[];
  diagnostics?: PreviewDiagnostic[];
  duration?: number;
  changeSummary?: Record<string, number>;
  maybeCorrupt?: boolean;
}

const DIGEST_KEYS = ["config", "steps", "diagnostics", "duration", "changeSummary", "maybeCorrupt"];
const STEP_KEYS = [
  "op",
  "urn",
  "provider",
  "oldState",
  "newState",
  "diffReasons",
  "replaceReasons",
  "detailedDiff",
];
const RESOURCE_KEYS = [
  "urn",
  "custom",
  "delete",
  "id",
  "type",
  "inputs",
  "outputs",
  "parent",
  "protect",
  "taint",
  "external",
  "dependencies",
  "initErrors",
  "provider",
  "propertyDependencies",
  "pendingReplacement",
  "additionalSecretOutputs",
  "aliases",
  "customTimeouts",
  "importID",
  "retainOnDelete",
  "deletedWith",
  "replaceWith",
  "created",
  "modified",
  "sourcePosition",
  "stackTrace",
  "ignoreChanges",
  "hideDiff",
  "replaceOnChanges",
  "replacementTrigger",
  "refreshBeforeUpdate",
  "viewOf",
  "resourceHooks",
];
const DIAGNOSTIC_KEYS = ["urn", "message", "severity"];

/** Go's encoding/json field order for a struct, map keys sorted, omitempty dropped. */
function ordered<T extends object>(value: T, keys: readonly string[], always: readonly string[] = []): T {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (always.includes(k)) out[k] = v === undefined ? null : v;
    else if (!isEmpty(v)) out[k] = v;
  }
  return out as T;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.keys(v as object).length === 0;
  return false;
}

function sortMaps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortMaps);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value as object).sort())
    out[k] = sortMaps((value as Record<string, unknown>)[k]);
  return out;
}

export function resource(state: ResourceV3): ResourceV3 {
  return ordered(
    {
      ...state,
      ...(state.inputs ? { inputs: sortMaps(state.inputs) as Record<string, unknown> } : {}),
      ...(state.outputs ? { outputs: sortMaps(state.outputs) as Record<string, unknown> } : {}),
    },
    RESOURCE_KEYS,
    ["urn", "custom", "type"],
  );
}

export function step(s: Omit<PreviewStep, "detailedDiff"> & { detailedDiff?: PreviewStep["detailedDiff"] }) {
  return ordered(
    {
      ...s,
      oldState: s.oldState && resource(s.oldState),
      newState: s.newState && resource(s.newState),
      detailedDiff: s.detailedDiff ? (sortMaps(s.detailedDiff) as PreviewStep["detailedDiff"]) : null,
    },
    STEP_KEYS,
    ["op", "urn", "detailedDiff"],
  ) as PreviewStep;
}

/** A diagnostic as ShowPreviewDigest writes it: the severity's prefix in the message, a newline at the end. */
export function diagnostic(severity: NonNullable<PreviewDiagnostic["severity"]>, text: string, urn?: string) {
  const prefix = severity === "error" || severity === "warning" ? `${severity}: ` : "";
  return ordered({ urn, message: `${prefix}${text}\n`, severity }, DIAGNOSTIC_KEYS) as PreviewDiagnostic;
}

export function digest(d: PreviewDigest): PreviewDigest {
  return ordered(
    {
      ...d,
      ...(d.config ? { config: sortMaps(d.config) as Record<string, string> } : {}),
      ...(d.changeSummary ? { changeSummary: sortMaps(d.changeSummary) as Record<string, number> } : {}),
    },
    DIGEST_KEYS,
  );
}

/** The bytes `pulumi preview --json` prints for a digest: MarshalIndent with four spaces, then a newline. */
export function printDigest(d: PreviewDigest): string {
  return `${goEscape(JSON.stringify(digest(d), null, 4))}\n`;
}

/** encoding/json's HTML escaping (these characters only occur inside strings in JSON text). */
export function goEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export const PROJECT = "kato-infra";

export function urnOf(stack: string, typeChain: string, name: string): string {
  return `urn:pulumi:${stack}::${PROJECT}::${typeChain}::${name}`;
}

export function rootStack(stack: string, op: "same" | "create" = "same"): PreviewStep {
  const urn = urnOf(stack, "pulumi:pulumi:Stack", `${PROJECT}-${stack}`);
  const state: ResourceV3 = { urn, custom: false, type: "pulumi:pulumi:Stack" };
  return step({ op, urn, ...(op === "same" ? { oldState: state } : {}), newState: state });
}

/**
 * Everything in a document that `pulumi preview --json` (v3.248.0) would not write; empty when the
 * document looks like the engine's. `showSames`/`showReplacementSteps`: the CLI flags.
 */
export function digestShapeProblems(
  doc: unknown,
  flags: { showSames?: boolean; showReplacementSteps?: boolean } = {},
): string[] {
  const problems: string[] = [];
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return ["not an object"];
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!DIGEST_KEYS.includes(k)) problems.push(`unknown top-level key ${k}`);
  const json = JSON.stringify(doc);
  if (json.includes("4dabf18193072939515e22adb298388d"))
    problems.push("a secret envelope (the digest masks secrets)");
  const steps = (d.steps ?? []) as Record<string, unknown>[];
  steps.forEach((s, i) => {
    const where = `step ${i} (${String(s.op)} ${String(s.urn)})`;
    for (const k of Object.keys(s)) if (!STEP_KEYS.includes(k)) problems.push(`${where}: unknown key ${k}`);
    if (!("detailedDiff" in s)) problems.push(`${where}: no detailedDiff (it has no omitempty)`);
    if (!STEP_OPS.includes(s.op as StepOp)) problems.push(`${where}: unknown op`);
    const isRoot = String(s.urn).includes("::pulumi:pulumi:Stack::");
    if (s.op === "same" && !isRoot && !flags.showSames)
      problems.push(`${where}: same steps need --show-sames`);
    if (NON_LOGICAL.has(String(s.op)) && !flags.showReplacementSteps) {
      problems.push(`${where}: not a logical step (needs --show-replacement-steps)`);
    }
    for (const which of ["oldState", "newState"]) {
      const r = s[which] as Record<string, unknown> | undefined;
      if (!r) continue;
      for (const k of Object.keys(r))
        if (!RESOURCE_KEYS.includes(k)) problems.push(`${where}.${which}: unknown key ${k}`);
      for (const k of ["urn", "custom", "type"]) if (!(k in r)) problems.push(`${where}.${which}: no ${k}`);
    }
    for (const k of ["diffReasons", "replaceReasons"]) {
      if (k in s && (s[k] as unknown[]).length === 0) problems.push(`${where}: empty ${k} (omitempty)`);
    }
  });
  ((d.diagnostics ?? []) as Record<string, unknown>[]).forEach((g, i) => {
    for (const k of Object.keys(g))
      if (!DIAGNOSTIC_KEYS.includes(k)) problems.push(`diagnostic ${i}: key ${k}`);
    const sev = String(g.severity);
    if ((sev === "error" || sev === "warning") && !String(g.message).startsWith(`${sev}: `)) {
      problems.push(`diagnostic ${i}: the message of a ${sev} starts with "${sev}: "`);
    }
  });
  return problems;
}
