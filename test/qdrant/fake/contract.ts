/**
 * Qdrant 1.19.0's REST contract (contracts/qdrant-openapi.json in this repository, OpenAPI 3.0.1) turned
 * into JSON Schema validators (ajv): one per operation for path/query parameters, request body and
 * each response status.
 *
 * OpenAPI 3.0 -> JSON Schema: `nullable: true` adds `null` to the type (and to an enum); a bare
 * `{ nullable: true }` (Qdrant's `anyOf: [X, { nullable: true }]` idiom) becomes `{ type: "null" }`;
 * `$ref`s point into one registered document; Qdrant's numeric formats (uint, uint32, uint64,
 * uint8, int64, float, double) are checked as number ranges.
 *
 * Two readings of the contract:
 * - `faithful`: the contract as written: unknown members are allowed except where a schema says
 *   `additionalProperties: false`. A real server accepts (and ignores) them too.
 * - `closed`: every object schema that lists its properties rejects others. Used on requests from
 *   the code under test, which must send nothing the contract does not define (the server would
 *   silently ignore such a member, e.g. `hnsw_config.ef`).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

const CONTRACT_ID = "https://qdrant.local/openapi.json";

export function contractPath(): string {
  const env = process.env.QDRANT_CONTRACT;
  if (env) return env;
  return resolve(__dirname, "..", "..", "..", "contracts", "qdrant-openapi.json");
}

type Json = any;

function convert(schema: Json, closed: boolean): Json {
  if (Array.isArray(schema)) return schema.map((s) => convert(s, closed));
  if (!schema || typeof schema !== "object") return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "example" || key === "discriminator") continue;
    if (key === "properties" && value && typeof value === "object") {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, closed)]));
    } else if (key === "$ref" && typeof value === "string") {
      out.$ref = value.startsWith("#/") ? `${CONTRACT_ID}${value}` : value;
    } else {
      out[key] = convert(value, closed);
    }
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === "string") {
      out.type = [out.type, "null"];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    } else if (out.$ref) {
      const ref = out.$ref;
      delete out.$ref;
      out.anyOf = [{ $ref: ref }, { type: "null" }];
    } else if (Array.isArray(out.anyOf) || Array.isArray(out.oneOf)) {
      (out.anyOf ?? out.oneOf).push({ type: "null" });
    } else {
      out.type = "null";
    }
  } else if (out.nullable === false) {
    delete out.nullable;
  }
  if (closed && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function uintFormat(max: number) {
  return { type: "number" as const, validate: (n: number) => Number.isInteger(n) && n >= 0 && n <= max };
}

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat("uint", uintFormat(Number.MAX_SAFE_INTEGER));
  ajv.addFormat("uint64", uintFormat(Number.MAX_SAFE_INTEGER));
  ajv.addFormat("uint32", uintFormat(2 ** 32 - 1));
  ajv.addFormat("uint8", uintFormat(255));
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat("float", { type: "number", validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat("double", { type: "number", validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat("binary", true);
  ajv.addFormat("partial-date-time", true);
  return ajv;
}

export interface OperationValidators {
  operationId: string;
  method: string;
  template: string;
  /** Names of path parameters, in order. */
  pathParams: string[];
  /** Parameter schemas by name (path and query), for coercing query strings. */
  paramTypes: Record<string, string | undefined>;
  params: ValidateFunction;
  body?: ValidateFunction;
  bodyClosed?: ValidateFunction;
  bodyRequired: boolean;
  /** Validators by status key ("200", "4XX", "default"...); undefined value = no JSON body declared. */
  responses: Record<string, { validate?: ValidateFunction; contentType?: string }>;
}

export interface Contract {
  operations: OperationValidators[];
  /** The operation for a method and concrete path, with its decoded path parameters. */
  match(
    method: string,
    path: string,
  ): { op: OperationValidators; pathParams: Record<string, string> } | undefined;
}

let cached: Contract | undefined;

export function loadContract(): Contract {
  if (cached) return cached;
  const doc = JSON.parse(readFileSync(contractPath(), "utf8"));
  const faithful = newAjv();
  const closed = newAjv();
  faithful.addSchema({ $id: CONTRACT_ID, components: { schemas: convert(doc.components.schemas, false) } });
  closed.addSchema({ $id: CONTRACT_ID, components: { schemas: convert(doc.components.schemas, true) } });
  const operations: OperationValidators[] = [];
  for (const [template, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      const parameters: Json[] = op.parameters ?? [];
      const properties: Json = {};
      const required: string[] = [];
      const paramTypes: Record<string, string | undefined> = {};
      for (const p of parameters) {
        properties[p.name] = convert(p.schema ?? {}, false);
        paramTypes[p.name] = p.schema?.type;
        if (p.required) required.push(p.name);
      }
      const params = faithful.compile({ type: "object", properties, required, additionalProperties: false });
      const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
      const responses: OperationValidators["responses"] = {};
      for (const [status, response] of Object.entries<Json>(op.responses ?? {})) {
        const content = response.content ?? {};
        const contentType = Object.keys(content)[0];
        const schema = contentType ? content[contentType].schema : undefined;
        responses[status] = {
          ...(contentType ? { contentType } : {}),
          ...(schema && contentType === "application/json"
            ? { validate: faithful.compile(convert(schema, false)) }
            : {}),
        };
      }
      operations.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        template,
        pathParams: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
        paramTypes,
        params,
        ...(bodySchema
          ? {
              body: faithful.compile(convert(bodySchema, false)),
              bodyClosed: closed.compile(convert(bodySchema, true)),
            }
          : {}),
        bodyRequired: op.requestBody?.required === true,
        responses,
      });
    }
  }
  // Literal segments win over parameters (/collections/aliases before /collections/{collection_name}).
  const byPrecision = [...operations].sort((a, b) => a.pathParams.length - b.pathParams.length);
  cached = {
    operations,
    match(method, path) {
      const segments = path.split("/");
      for (const op of byPrecision) {
        if (op.method !== method) continue;
        const parts = op.template.split("/");
        if (parts.length !== segments.length) continue;
        const pathParams: Record<string, string> = {};
        let matched = true;
        for (let i = 0; i < parts.length; i++) {
          const part = parts[i]!;
          const m = /^\{(.+)\}$/.exec(part);
          if (m) {
            if (segments[i] === "") {
              matched = false;
              break;
            }
            pathParams[m[1]!] = decodeURIComponent(segments[i]!);
          } else if (part !== segments[i]) {
            matched = false;
            break;
          }
        }
        if (matched) return { op, pathParams };
      }
      return undefined;
    },
  };
  return cached;
}

/** Query strings as the parameter schemas type them (integers and booleans; the rest stay strings). */
function coerceQuery(value: string, type: string | undefined): unknown {
  if (type === "integer" && /^-?\d+$/.test(value)) return Number(value);
  if (type === "boolean" && (value === "true" || value === "false")) return value === "true";
  return value;
}

/** Checks path and query parameters against the operation; returns the problem text, or undefined. */
export function parameterErrors(
  op: OperationValidators,
  pathParams: Record<string, string>,
  query: Record<string, string>,
): string | undefined {
  const params: Record<string, unknown> = { ...pathParams };
  for (const [k, v] of Object.entries(query)) params[k] = coerceQuery(v, op.paramTypes[k]);
  return op.params(params) ? undefined : describeErrors(op.params);
}

/** Human text of ajv errors. */
export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .map(
      (e) =>
        `${e.instancePath || "(root)"} ${e.message}${e.params && "additionalProperty" in e.params ? ` '${e.params.additionalProperty}'` : ""}`,
    )
    .join("; ");
}

/** The response entry for a status: exact code, then "4XX"/"5XX", then "default". */
export function responseFor(
  op: OperationValidators,
  status: number,
): OperationValidators["responses"][string] | undefined {
  return op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ?? op.responses.default;
}
