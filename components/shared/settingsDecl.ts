/**
 * One declaration per setting. An engine (or operations component) declares each of its settings
 * once, with `setting.*`; `declareSettings` turns the declarations into everything else the code
 * and the docs need:
 * - the types: `SettingsInput<D>` (what a stack or a library user writes: every field optional) and
 *   `SettingsResolved<D>` (what the resolver returns: defaults filled in);
 * - the defaults (`defaults`), the key lists (`keys`, nested ones per group) and the typo check;
 * - the layering: user over a profile's base over the defaults, nested objects merged key by key;
 * - the one-field checks (type, range, allowed values, pattern), with their wording;
 * - the documentation rows (`fields()`): name, type, default, range/rules and description, from which
 *   docs/reference.md and the settings tables of docs/mongodb.md, docs/qdrant.md and docs/redis.md
 *   are generated (tools/config-docs.ts; test/config/docs.test.ts keeps them in step).
 * Only rules that relate two fields (a port range that depends on the member count, maxmemory against
 * the memory limit) are written by hand, in the engine's resolver. Pure: no Pulumi, no I/O.
 */
import type { FieldDoc } from "./fields";
import { check, checkKnownKeys, type Problem, problem } from "./problems";
import { isObject } from "./values";

/** One setting: its documentation, its default and its own check. `T` resolved, `I` as written. */
export interface Setting<T, I = T> {
  /** The type as a user reads it: `integer`, `boolean`, `"a" | "b"`, `quantity`... */
  readonly type: string;
  /** Resolved default; undefined means unset (the resolver may derive one from other fields). */
  readonly default: T | undefined;
  /** What values are accepted, in the user's words (a range, a list, a pattern); generated for ranges. */
  readonly rules: string;
  /** Integers: the declared bounds (the resolver may narrow them with other fields). */
  readonly range?: { readonly min: number; readonly max: number };
  /** The default as the docs say it when another field decides it (`mongo:<version>`). */
  readonly defaultText?: string;
  /** One or two sentences: what it does. */
  readonly description: string;
  /** A mode or condition the setting applies to (e.g. `replication`); the docs say so. */
  readonly only?: string;
  /** The check of the layered value alone; undefined: the resolver checks it (a cross-field rule). */
  readonly check?: (field: string, value: unknown) => Problem[];
  /** A group (`storage`, `resources`...): its member settings. */
  readonly members?: Readonly<Record<string, AnySetting>>;
  /** Phantom: the value as written. */
  readonly input?: I;
}

export type AnySetting = Setting<any, any>;
export type Declarations = Readonly<Record<string, AnySetting>>;

type ValueOf<S> = S extends Setting<infer T, unknown> ? T : never;
type InputOf<S> = S extends Setting<unknown, infer I> ? I : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** What the resolver returns: settings whose value can be undefined are optional keys. */
export type SettingsResolved<D extends Declarations> = Simplify<
  { [K in keyof D as undefined extends ValueOf<D[K]> ? never : K]: ValueOf<D[K]> } & {
    [K in keyof D as undefined extends ValueOf<D[K]> ? K : never]?: Exclude<ValueOf<D[K]>, undefined>;
  }
>;

/** What a stack or library user writes: every field optional, groups partial. */
export type SettingsInput<D extends Declarations> = { [K in keyof D]?: InputOf<D[K]> };

interface Common<T> {
  default?: T;
  /** The default in words, when another field decides it (the declaration's `default` is then unset). */
  defaultText?: string;
  description: string;
  only?: string;
}

function range(min: number, max: number, unit?: string): string {
  return `${min} to ${max}${unit ? ` ${unit}` : ""}`;
}

/** The constructors of declarations. */
export const setting = {
  /** A whole number from `min` to `max`. `crossField`: the resolver checks it (its range depends on other fields). */
  integer(
    o: Common<number> & {
      min: number;
      max: number;
      unit?: string;
      rules?: string;
      fix?: (field: string) => string;
      crossField?: boolean;
    },
  ): Setting<number> {
    return {
      type: o.unit ? `integer (${o.unit})` : "integer",
      default: o.default,
      range: { min: o.min, max: o.max },
      rules: o.rules ?? range(o.min, o.max),
      description: o.description,
      ...(o.only ? { only: o.only } : {}),
      ...(o.defaultText ? { defaultText: o.defaultText } : {}),
      ...(o.crossField ? {} : { check: (f, v) => check.integer(f, v, o.min, o.max, o.fix?.(f)) }),
    };
  },
  /** Like `integer`, but the setting may be left unset (no default). */
  optionalInteger(
    o: Omit<Common<number>, "default"> & {
      min: number;
      max: number;
      rules?: string;
      fix?: (field: string) => string;
      crossField?: boolean;
    },
  ): Setting<number | undefined> {
    return {
      type: "integer",
      default: undefined,
      range: { min: o.min, max: o.max },
      rules: o.rules ?? range(o.min, o.max),
      description: o.description,
      ...(o.only ? { only: o.only } : {}),
      ...(o.defaultText ? { defaultText: o.defaultText } : {}),
      ...(o.crossField
        ? {}
        : { check: (f, v) => (v === undefined ? [] : check.integer(f, v, o.min, o.max, o.fix?.(f))) }),
    };
  },
  /** A number (not only whole) from `min` to `max`. */
  number(o: Common<number> & { min: number; max: number }): Setting<number> {
    return {
      type: "number",
      default: o.default,
      range: { min: o.min, max: o.max },
      rules: range(o.min, o.max),
      description: o.description,
      ...(o.only ? { only: o.only } : {}),
      check: (f, v) => check.number(f, v, o.min, o.max),
    };
  },
  boolean(o: Common<boolean>): Setting<boolean> {
    return {
      type: "boolean",
      default: o.default,
      rules: "true or false",
      description: o.description,
      ...(o.only ? { only: o.only } : {}),
      ...(o.defaultText ? { defaultText: o.defaultText } : {}),
      check: (f, v) => check.boolean(f, v),
    };
  },
  /** One of `values`. */
  oneOf<const V extends string>(values: readonly V[], o: Common<V>): Setting<V> {
    return {
      type: values.map((v) => JSON.stringify(v)).join(" | "),
      default: o.default,
      rules: `one of ${values.join(", ")}`,
      description: o.description,
      ...(o.only ? { only: o.only } : {}),
      ...(o.defaultText ? { defaultText: o.defaultText } : {}),
      check: (f, v) => check.oneOf(f, v, values),
    };
  },
  /** A string matching `pattern` (`what` says it in words, `fix` how to correct it). */
  pattern(
    o: Common<string> & { pattern: RegExp; what: string; rules?: string; fix: (field: string) => string },
  ): Setting<string> {
    return {
      type: "string",
      default: o.default,
      rules: o.rules ?? o.what,
      description: o.description,
      ...(o.only ? { only: o.only } : {}),
      ...(o.defaultText ? { defaultText: o.defaultText } : {}),
      check: (f, v) => check.pattern(f, v, o.pattern, o.what, o.fix(f)),
    };
  },
  /**
   * Anything else: a value whose check is its own (an image reference, a version, a quantity, a list).
   * `check` undefined: the resolver checks it with other fields.
   */
  value<T, I = T>(
    o: Common<T> & {
      type: string;
      rules: string;
      check?: (field: string, value: unknown) => Problem[];
    },
  ): Setting<T, I> {
    return {
      type: o.type,
      default: o.default,
      rules: o.rules,
      description: o.description,
      ...(o.only ? { only: o.only } : {}),
      ...(o.defaultText ? { defaultText: o.defaultText } : {}),
      ...(o.check ? { check: o.check } : {}),
    };
  },
  /** A group of settings written as one object (`storage: { size, storageClass }`); checked member by member. */
  group<const M extends Declarations>(
    members: M,
    o: { description: string; only?: string },
  ): Setting<SettingsResolved<M>, SettingsInput<M>> {
    return {
      type: `{ ${Object.keys(members).join(", ")} }`,
      default: defaultsOf(members) as SettingsResolved<M>,
      rules: "see its fields",
      description: o.description,
      ...(o.only ? { only: o.only } : {}),

      members,
    };
  },
};

function defaultsOf(decls: Declarations): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(decls)) {
    if (s.default !== undefined) out[key] = s.default;
  }
  return out;
}

/** The first of the values that is not undefined. */
function first(...values: unknown[]): unknown {
  return values.find((v) => v !== undefined);
}

export interface DeclaredSettings<D extends Declarations> {
  readonly declarations: D;
  /** Top-level keys, in declaration order. */
  readonly keys: readonly (keyof D & string)[];
  /** Every resolved default (settings without one are absent). */
  readonly defaults: SettingsResolved<D>;
  /** Keys of the settings that apply only when `only` is the given condition. */
  keysOnly(condition: string): (keyof D & string)[];
  /** The typo check of the user's object and of each group in it. */
  unknownKeys(field: string, user: Record<string, unknown>): Problem[];
  /**
   * User over base over defaults; a group is layered member by member, so `storage: { size }` keeps
   * the base's `retainOnDelete`. A group that is not an object in the user's (or base's) layer is kept
   * as written, for its check to report.
   */
  layer(user: Record<string, unknown>, base?: Record<string, unknown>): Record<string, unknown>;
  /**
   * The one-field checks of the layered values: every setting with a `check`, group members included
   * (`skip`: settings the resolver checks itself, or that do not apply).
   */
  checkEach(field: string, layered: Record<string, unknown>, skip?: readonly string[]): Problem[];
  /** Documentation rows, groups flattened to `group.member`. */
  fields(): FieldDoc[];
}

export function declareSettings<const D extends Declarations>(declarations: D): DeclaredSettings<D> {
  const keys = Object.keys(declarations) as (keyof D & string)[];
  return {
    declarations,
    keys,
    defaults: defaultsOf(declarations) as SettingsResolved<D>,
    keysOnly: (condition) => keys.filter((k) => declarations[k]!.only === condition),
    unknownKeys(field, user) {
      const out = checkKnownKeys(field, user, keys);
      for (const key of keys) {
        const members = declarations[key]!.members;
        if (members && isObject(user[key])) {
          out.push(...checkKnownKeys(`${field}.${key}`, user[key], Object.keys(members)));
        }
      }
      return out;
    },
    layer(user, base = {}) {
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const s = declarations[key]!;
        const value = first(user[key], base[key], s.default);
        if (!s.members) {
          if (value !== undefined) out[key] = value;
          continue;
        }
        const layers = [s.default, base[key], user[key]];
        if (!layers.every((l) => l === undefined || isObject(l))) {
          out[key] = value;
          continue;
        }
        const group: Record<string, unknown> = {};
        for (const member of Object.keys(s.members)) {
          const v = first(
            (user[key] as Record<string, unknown> | undefined)?.[member],
            (base[key] as Record<string, unknown> | undefined)?.[member],
            (s.default as Record<string, unknown>)[member],
          );
          if (v !== undefined) group[member] = v;
        }
        out[key] = group;
      }
      return out;
    },
    checkEach(field, layered, skip = []) {
      const out: Problem[] = [];
      for (const key of keys) {
        if (skip.includes(key)) continue;
        const s = declarations[key]!;
        const f = `${field}.${key}`;
        if (s.check) out.push(...s.check(f, layered[key]));
        if (!s.members) continue;
        const value = layered[key];
        if (!isObject(value)) {
          out.push(problem(f, value, "must be an object.", `write ${f} as ${s.type}.`));
          continue;
        }
        for (const [member, m] of Object.entries(s.members)) {
          if (skip.includes(`${key}.${member}`) || !m.check) continue;
          out.push(...m.check(`${f}.${member}`, value[member]));
        }
      }
      return out;
    },
    fields() {
      const rows: FieldDoc[] = [];
      const row = (name: string, s: AnySetting) =>
        rows.push({
          name,
          type: s.type,
          default: s.default,
          ...(s.defaultText ? { defaultText: s.defaultText } : {}),
          rules: s.rules,
          description: s.only ? `${s.only} only: ${s.description}` : s.description,
        });
      for (const key of keys) {
        const s = declarations[key]!;
        if (!s.members) {
          row(key, s);
          continue;
        }
        for (const [member, m] of Object.entries(s.members)) {
          row(`${key}.${member}`, { ...m, ...(s.only && !m.only ? { only: s.only } : {}) });
        }
      }
      return rows;
    },
  };
}
