/**
 * Checks of the day-2 operations a program declares, shared by the per-stack suites and the
 * variation tests: stack outputs without credentials in the clear, the Redis restore Jobs as valid
 * Kubernetes objects, the Prometheus operator's objects wired to real Services.
 */
import { parseAllDocuments } from "yaml";
import { validateKubernetesResource } from "../support/k8sSchema";
import { isSecret, type MockHarness, type RecordedResource, resolved, unwrapSecrets } from "../support/mocks";

/** Stack outputs that are not secrets but show a generated credential: their names. */
export async function stackOutputLeaks(
  outputs: Record<string, unknown>,
  harness: MockHarness,
): Promise<string[]> {
  const leaks: string[] = [];
  for (const [name, value] of Object.entries(outputs)) {
    if (value && typeof value === "object" && "apply" in value) {
      if (await isSecret(value as any)) continue;
      const text = JSON.stringify((await resolved(value as any)) ?? null);
      if (harness.generatedSecrets.some((s) => text.includes(s))) leaks.push(name);
    } else {
      const text = JSON.stringify(value ?? null);
      if (harness.generatedSecrets.some((s) => text.includes(s))) leaks.push(name);
    }
  }
  return leaks;
}

/** The multi-document YAML of `redisRestoreJobs`, parsed. */
export function parseManifests(text: string): any[] {
  return parseAllDocuments(text).map((d) => d.toJS());
}

/** Schema errors of a plain Kubernetes manifest (as kubectl apply would send it), or undefined. */
export function manifestError(manifest: any): string | undefined {
  const [group, version] = manifest.apiVersion.includes("/")
    ? manifest.apiVersion.split("/")
    : ["core", manifest.apiVersion];
  const resource: RecordedResource = {
    type: `kubernetes:${group}/${version}:${manifest.kind}`,
    name: manifest.metadata?.name ?? "",
    inputs: manifest,
    custom: true,
    provider: "",
  };
  return validateKubernetesResource(resource);
}

export const OPERATOR_GROUP = "kubernetes:monitoring.coreos.com/v1:";

/** The Prometheus operator's objects (their CRDs are not in the Kubernetes schema). */
export function operatorObjects(harness: MockHarness, kind?: string): any[] {
  return harness.resources
    .filter((r) => r.type.startsWith(OPERATOR_GROUP) && (!kind || r.type.endsWith(`:${kind}`)))
    .map((r) => unwrapSecrets(r.inputs));
}

/**
 * Problems of the ServiceMonitors and PrometheusRules: each monitor must select at least one Service
 * of its namespace and name only ports that Service has; each rule needs alert, expr and severity.
 */
export function operatorWiringProblems(harness: MockHarness): string[] {
  const problems: string[] = [];
  const services = harness.ofType("kubernetes:core/v1:Service").map((s) => unwrapSecrets(s.inputs));
  for (const m of operatorObjects(harness, "ServiceMonitor")) {
    if (m.apiVersion !== "monitoring.coreos.com/v1") problems.push(`${m.metadata.name}: apiVersion`);
    const selected = services.filter(
      (s) =>
        s.metadata.namespace === m.metadata.namespace &&
        Object.entries(m.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v),
    );
    if (selected.length === 0) problems.push(`${m.metadata.name}: selects no Service`);
    const ports = new Set(selected.flatMap((s) => s.spec.ports.map((p: any) => p.name)));
    for (const e of m.spec.endpoints) {
      if (!ports.has(e.port)) problems.push(`${m.metadata.name}: no Service port named ${e.port}`);
    }
  }
  for (const r of operatorObjects(harness, "PrometheusRule")) {
    for (const group of r.spec.groups) {
      for (const rule of group.rules) {
        if (!rule.alert || !rule.expr || !rule.labels?.severity) {
          problems.push(`${r.metadata.name}: rule ${JSON.stringify(rule).slice(0, 80)}`);
        }
      }
    }
  }
  return problems;
}
