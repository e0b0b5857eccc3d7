/**
 * The Pulumi CLI's own check of a stack's config against the project's `config:` declarations,
 * re-stated from pulumi/pulumi v3.248.0 (no Pulumi CLI can run here):
 *
 * - sdk/go/common/workspace/project.go `(*Project).Validate`: a declaration may not hold both
 *   `default` and `value`; a project-namespaced typed `array` needs `items`; a typed `default` must
 *   validate against its type; a key of another namespace may not be typed or have a default, and
 *   must have a `value`. `RewriteShorthandConfigValues`: a scalar or list written directly under a
 *   project key is its `default`.
 * - sdk/go/common/workspace/config.go `mergeConfig` (run by `up`, `preview`, `refresh`, `destroy`,
 *   `import`, `watch`, `logs` through `ValidateStackConfigAndApplyProjectConfig`): every declared key
 *   (sorted) of the project's namespace that the stack does not set and that has neither `default`
 *   nor `value` is missing, and all missing keys stop the command with one error
 *   `Stack '<stack>' is missing configuration values 'a', 'b' and 'c'` (`formatMissingKeys`); a
 *   default or value fills a key the stack does not set. Keys the stack sets that the project does
 *   not declare are not looked at.
 * - config.go `validateStackConfigValues` / `validateStackConfigValue`, then project.go
 *   `ValidateConfigValue`: each explicitly typed key (sorted), the first failure stops the command:
 *   a `secret` key must be stored encrypted; `string` needs a string, `integer` a whole number or a
 *   string that parses as one, `boolean` true/false or the strings "true"/"false", `object` a
 *   mapping, `array` a list whose items validate.
 *
 * Stack values are given as the stack file holds them (config.Value): a scalar is its text, a
 * mapping or list is an object value (JSON), `{ secure: ... }` is encrypted.
 */

export interface ProjectConfigType {
  type?: string;
  description?: string;
  items?: ProjectConfigItemsType;
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}

export interface ProjectConfigItemsType {
  type: string;
  items?: ProjectConfigItemsType;
}

/** The first error the CLI stops with, or undefined when it runs the program. */
export function pulumiCliConfigError(
  projectName: string,
  projectConfig: Record<string, unknown> | undefined,
  stackName: string,
  stackConfig: Record<string, unknown>,
): string | undefined {
  const declared = rewriteShorthand(projectName, projectConfig ?? {});
  const projectError = validateProject(projectName, declared);
  if (projectError) return projectError;

  const stack = new Map<string, unknown>();
  for (const [key, value] of Object.entries(stackConfig)) stack.set(namespaced(projectName, key), value);

  const missing: string[] = [];
  for (const key of Object.keys(declared).sort()) {
    const decl = declared[key]!;
    const full = namespaced(projectName, key);
    const found = stack.has(full);
    const hasDefault = decl.default !== undefined && decl.default !== null;
    const hasValue = decl.value !== undefined && decl.value !== null;
    if (!found && !hasValue && !hasDefault && full.startsWith(`${projectName}:`)) {
      missing.push(key);
      continue;
    }
    if (!found && (hasValue || hasDefault)) stack.set(full, hasDefault ? decl.default : decl.value);
  }
  if (missing.length > 0) {
    return `Stack '${stackName}' is missing configuration value${missing.length > 1 ? "s" : ""} ${formatMissingKeys(missing)}`;
  }

  for (const key of Object.keys(declared).sort()) {
    const decl = declared[key]!;
    if (decl.type === undefined) continue;
    const value = stack.get(namespaced(projectName, key));
    const secure = isSecure(value);
    if (decl.secret && !secure) {
      return `Stack '${stackName}' with configuration key '${key}' must be encrypted as it's secret`;
    }
    if (secure) continue; // decrypted text: not checkable here; the stack files hold no secret value.
    const content = typeof value === "object" && value !== null ? value : valueText(value);
    if (!validateConfigValue(decl.type, decl.items, content)) {
      return `Stack '${stackName}' with configuration key '${key}' must be of type '${fullTypeName(decl.type, decl.items)}'`;
    }
  }
  return undefined;
}

function namespaced(projectName: string, key: string): string {
  return key.includes(":") ? key : `${projectName}:${key}`;
}

function isProjectKey(projectName: string, key: string): boolean {
  return !key.includes(":") || key.startsWith(`${projectName}:`);
}

function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "secure" in value;
}

/** A scalar as the stack file's config.Value holds it: its text. */
function valueText(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

function rewriteShorthand(
  projectName: string,
  config: Record<string, unknown>,
): Record<string, ProjectConfigType> {
  const out: Record<string, ProjectConfigType> = {};
  for (const [key, value] of Object.entries(config)) {
    const primitiveOrList = value === null || typeof value !== "object" || Array.isArray(value);
    if (primitiveOrList) {
      out[key] = isProjectKey(projectName, key) ? { default: value } : { value };
    } else {
      out[key] = value as ProjectConfigType;
    }
  }
  return out;
}

function validateProject(projectName: string, config: Record<string, ProjectConfigType>): string | undefined {
  for (const [key, decl] of Object.entries(config)) {
    if (decl.default !== undefined && decl.value !== undefined) {
      return `project config '${key}' cannot have both a 'default' and 'value' attribute`;
    }
    if (isProjectKey(projectName, key)) {
      if (decl.type === "array" && decl.items === undefined) {
        return `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`;
      }
      if (decl.type !== undefined && decl.default !== undefined) {
        if (!validateConfigValue(decl.type, decl.items, decl.default)) {
          return `The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(decl.type, decl.items)}'`;
        }
      }
    } else {
      if (decl.type !== undefined) {
        return `Configuration key '${key}' is not namespaced by the project and should not define a type`;
      }
      if (decl.default !== undefined) {
        return `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`;
      }
      if (decl.value === undefined) {
        return `Configuration key '${key}' is namespaced and must provide an attribute 'value'`;
      }
    }
  }
  return undefined;
}

function fullTypeName(type: string, items: ProjectConfigItemsType | undefined): string {
  return items ? `array<${fullTypeName(items.type, items.items)}>` : type;
}

function validateConfigValue(
  type: string,
  items: ProjectConfigItemsType | undefined,
  value: unknown,
): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      if (typeof value === "number") return Number.isInteger(value);
      // Go's strconv.Atoi: optional sign, decimal digits only.
      return typeof value === "string" && /^[+-]?[0-9]+$/.test(value);
    case "boolean":
      return value === true || value === false || value === "true" || value === "false";
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      if (!Array.isArray(value) || items === undefined) return false;
      return value.every((item) => validateConfigValue(items.type, items.items, item));
  }
}

function formatMissingKeys(keys: string[]): string {
  if (keys.length === 1) return `'${keys[0]}'`;
  const sorted = [...keys].sort();
  return sorted
    .map((key, i) =>
      i === sorted.length - 1 ? `and '${key}'` : i === sorted.length - 2 ? `'${key}' ` : `'${key}', `,
    )
    .join("");
}
