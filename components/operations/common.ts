/**
 * Names and labels of the operations components. Pure: no Pulumi, no I/O.
 */
import { type Problem, problem } from "../shared/problems";

/** A component name becomes Kubernetes object names (CronJob names are at most 52 characters) and file prefixes. */
export function componentNameProblems(kind: string, name: string): Problem[] {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 40) {
    return [
      problem(
        `${kind} name`,
        name,
        "must be a DNS label of at most 40 characters (lowercase letters, digits, '-').",
        "name the component e.g. kato-mongo-backup.",
      ),
    ];
  }
  return [];
}

/** Labels of everything an operations component creates; `selector` is the stable subset. */
export function opsLabels(
  component: string,
  instance: string,
): { labels: Record<string, string>; selector: Record<string, string> } {
  const selector = { "app.kubernetes.io/name": component, "app.kubernetes.io/instance": instance };
  return {
    selector,
    labels: {
      ...selector,
      "app.kubernetes.io/component": "operations",
      "app.kubernetes.io/part-of": "kato",
      "app.kubernetes.io/managed-by": "pulumi",
    },
  };
}
