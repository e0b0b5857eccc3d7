/**
 * A small PromQL syntax checker for the alert expressions this package renders: balanced brackets,
 * valid identifiers, label matchers, durations, known functions and aggregations, operator
 * placement. It returns the metric names an expression reads so tests can check them against the
 * metrics the exporters really export. Not a full PromQL implementation (no subqueries, @, or
 * vector matching beyond on/ignoring/group_*). Pure.
 */

const AGGREGATIONS = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "count",
  "stddev",
  "stdvar",
  "group",
  "topk",
  "bottomk",
  "quantile",
  "count_values",
]);
const PARAM_AGGREGATIONS = new Set(["topk", "bottomk", "quantile", "count_values"]);
const FUNCTIONS = new Set([
  "abs",
  "absent",
  "absent_over_time",
  "avg_over_time",
  "ceil",
  "changes",
  "clamp",
  "clamp_max",
  "clamp_min",
  "count_over_time",
  "delta",
  "deriv",
  "floor",
  "idelta",
  "increase",
  "irate",
  "label_replace",
  "max_over_time",
  "min_over_time",
  "predict_linear",
  "rate",
  "resets",
  "round",
  "scalar",
  "sort",
  "sum_over_time",
  "time",
  "timestamp",
  "vector",
]);
const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "and",
  "or",
  "unless",
]);

type Token =
  | { kind: "num"; text: string }
  | { kind: "str"; text: string }
  | { kind: "ident"; text: string }
  | { kind: "dur"; text: string }
  | { kind: "op"; text: string }
  | { kind: "punct"; text: string };

const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const rest = src.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    if (rest[0] === "#") throw new Error("comments are not allowed in alert expressions");
    const str = /^"(?:[^"\\]|\\.)*"|^'(?:[^'\\]|\\.)*'/.exec(rest);
    if (str) {
      out.push({ kind: "str", text: str[0] });
      i += str[0].length;
      continue;
    }
    const prev = out[out.length - 1];
    // Durations appear only inside [] or after `offset`.
    if (
      prev &&
      ((prev.kind === "punct" && prev.text === "[") || (prev.kind === "ident" && prev.text === "offset"))
    ) {
      const d = DURATION.exec(rest);
      if (!d) throw new Error(`expected a duration at "${rest.slice(0, 10)}"`);
      out.push({ kind: "dur", text: d[0] });
      i += d[0].length;
      continue;
    }
    const num = /^(?:[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?|\.[0-9]+)/i.exec(rest);
    if (num) {
      out.push({ kind: "num", text: num[0] });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(rest);
    if (ident) {
      out.push({ kind: "ident", text: ident[0] });
      i += ident[0].length;
      continue;
    }
    const op = /^(==|!=|>=|<=|=~|!~|[-+*/%^<>=])/.exec(rest);
    if (op) {
      out.push({ kind: "op", text: op[0] });
      i += op[0].length;
      continue;
    }
    if ("(){}[],".includes(rest[0]!)) {
      out.push({ kind: "punct", text: rest[0]! });
      i += 1;
      continue;
    }
    throw new Error(`unexpected character "${rest[0]}"`);
  }
  return out;
}

const BINARY_LEVELS: string[][] = [
  ["or"],
  ["and", "unless"],
  ["==", "!=", ">", "<", ">=", "<="],
  ["+", "-"],
  ["*", "/", "%"],
  ["^"],
];

class Parser {
  private pos = 0;
  readonly metrics = new Set<string>();
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private next(): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw new Error("unexpected end of expression");
    return t;
  }
  private is(text: string): boolean {
    const t = this.peek();
    return t !== undefined && t.text === text && t.kind !== "str";
  }
  private expect(text: string): void {
    const t = this.next();
    if (t.text !== text || t.kind === "str") throw new Error(`expected "${text}", got "${t.text}"`);
  }

  parse(): void {
    if (this.tokens.length === 0) throw new Error("empty expression");
    this.binary(0);
    if (this.pos !== this.tokens.length) throw new Error(`unexpected "${this.peek()!.text}"`);
  }

  private binary(level: number): void {
    if (level === BINARY_LEVELS.length) {
      this.unary();
      return;
    }
    this.binary(level + 1);
    while (this.peek() && BINARY_LEVELS[level]!.includes(this.peek()!.text) && this.peek()!.kind !== "str") {
      const op = this.next().text;
      if (level === 2 && this.is("bool")) this.next();
      if (this.is("on") || this.is("ignoring")) {
        this.next();
        this.labelList();
        if (this.is("group_left") || this.is("group_right")) {
          this.next();
          if (this.is("(")) this.labelList();
        }
      }
      if (op === "^") this.binary(level);
      else this.binary(level + 1);
    }
  }

  private unary(): void {
    if (this.is("-") || this.is("+")) {
      this.next();
      this.unary();
      return;
    }
    this.primary();
  }

  private labelList(): void {
    this.expect("(");
    if (this.is(")")) {
      this.next();
      return;
    }
    for (;;) {
      const t = this.next();
      if (t.kind !== "ident" || t.text.includes(":")) throw new Error(`"${t.text}" is not a label name`);
      if (this.is(",")) {
        this.next();
        if (this.is(")")) break;
        continue;
      }
      break;
    }
    this.expect(")");
  }

  private matchers(): void {
    this.expect("{");
    while (!this.is("}")) {
      const name = this.next();
      if (name.kind !== "ident" || name.text.includes(":"))
        throw new Error(`"${name.text}" is not a label name`);
      const op = this.next();
      if (!["=", "!=", "=~", "!~"].includes(op.text) || op.kind !== "op") {
        throw new Error(`"${op.text}" is not a label matcher operator`);
      }
      const value = this.next();
      if (value.kind !== "str") throw new Error(`label ${name.text} must be matched against a string`);
      if (op.text.endsWith("~")) {
        try {
          new RegExp(
            `^(?:${JSON.parse(value.text.startsWith("'") ? `"${value.text.slice(1, -1)}"` : value.text)})$`,
          );
        } catch {
          throw new Error(`bad regular expression ${value.text}`);
        }
      }
      if (this.is(",")) this.next();
      else break;
    }
    this.expect("}");
  }

  private selectorSuffix(): void {
    if (this.is("[")) {
      this.next();
      if (this.next().kind !== "dur") throw new Error("expected a range duration");
      this.expect("]");
    }
    if (this.is("offset")) {
      this.next();
      if (this.next().kind !== "dur") throw new Error("expected an offset duration");
    }
  }

  private primary(): void {
    const t = this.next();
    if (t.kind === "num" || t.kind === "str") return;
    if (t.kind === "punct" && t.text === "(") {
      this.binary(0);
      this.expect(")");
      return;
    }
    if (t.kind === "punct" && t.text === "{") {
      this.pos--;
      this.matchers();
      this.selectorSuffix();
      return;
    }
    if (t.kind !== "ident") throw new Error(`unexpected "${t.text}"`);
    if (AGGREGATIONS.has(t.text)) {
      if (this.is("by") || this.is("without")) {
        this.next();
        this.labelList();
      }
      this.expect("(");
      if (PARAM_AGGREGATIONS.has(t.text)) {
        this.binary(0);
        this.expect(",");
      }
      this.binary(0);
      this.expect(")");
      if (this.is("by") || this.is("without")) {
        this.next();
        this.labelList();
      }
      return;
    }
    if (this.is("(")) {
      if (!FUNCTIONS.has(t.text)) throw new Error(`unknown function ${t.text}`);
      this.next();
      if (!this.is(")")) {
        for (;;) {
          this.binary(0);
          if (this.is(",")) {
            this.next();
            continue;
          }
          break;
        }
      }
      this.expect(")");
      return;
    }
    if (KEYWORDS.has(t.text)) throw new Error(`unexpected keyword ${t.text}`);
    this.metrics.add(t.text);
    if (this.is("{")) this.matchers();
    this.selectorSuffix();
  }
}

/** Checks the syntax of a PromQL expression; returns the metric names it reads, or the error. */
export function checkPromql(expr: string): { ok: true; metrics: string[] } | { ok: false; error: string } {
  try {
    const parser = new Parser(tokenize(expr));
    parser.parse();
    return { ok: true, metrics: [...parser.metrics].sort() };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** A Prometheus duration as rules and ServiceMonitors accept it (`30s`, `5m`, `1h30m`). */
export function isPromDuration(text: unknown): boolean {
  return (
    typeof text === "string" &&
    /^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/.test(text) &&
    text !== ""
  );
}
