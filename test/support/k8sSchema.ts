/**
 * Validates the Kubernetes objects a program declares against the official Kubernetes OpenAPI
 * schema, as packaged by `kubernetes-models` (generated from the Kubernetes API's OpenAPI spec).
 * Unknown fields are caught at compile time by @pulumi/kubernetes' input types; this catches wrong
 * types, missing required fields, bad enums and formats.
 */
import { type RecordedResource, unwrapSecrets } from "./mocks";

const GROUP_DIRS: Record<string, string> = { core: "v1" };

/** `kubernetes:apps/v1:StatefulSet` -> { apiVersion: "apps/v1", kind: "StatefulSet" }; undefined for non-objects. */
export function kubernetesKind(
  type: string,
): { apiVersion: string; kind: string; modulePath: string } | undefined {
  const m = /^kubernetes:([^/]+)\/([^:]+):(\w+)$/.exec(type);
  if (!m) return undefined;
  const [, group, version, kind] = m as unknown as [string, string, string, string];
  if (kind.endsWith("Patch") || kind.endsWith("List")) return undefined;
  const apiVersion = group === "core" ? version : `${group}/${version}`;
  const groupDir = GROUP_DIRS[group] === undefined ? `${group}/${version}` : version;
  return { apiVersion, kind, modulePath: `kubernetes-models/${groupDir}/${kind}` };
}

export interface SchemaResult {
  name: string;
  type: string;
  error?: string;
}

/** Validates one recorded Kubernetes resource; returns its error text or undefined when valid. */
export function validateKubernetesResource(resource: RecordedResource): string | undefined {
  const kind = kubernetesKind(resource.type);
  if (!kind) return `not a Kubernetes object type: ${resource.type}`;
  let Model: any;
  try {
    Model = require(kind.modulePath)[kind.kind];
  } catch (error) {
    return `no schema for ${kind.apiVersion} ${kind.kind}: ${(error as Error).message}`;
  }
  const { apiVersion: _a, kind: _k, ...body } = unwrapSecrets(resource.inputs);
  try {
    new Model(body).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Validates every Kubernetes object among `resources`; returns one entry per object. */
export function validateKubernetesResources(resources: RecordedResource[]): SchemaResult[] {
  return resources
    .filter((r) => kubernetesKind(r.type) !== undefined)
    .map((r) => ({ name: r.name, type: r.type, error: validateKubernetesResource(r) }));
}
