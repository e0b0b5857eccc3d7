/**
 * The one check of a component's name. A component name becomes container, pod, StatefulSet,
 * Service, Secret, volume and CronJob names by suffixes; the longest is Redis replication mode's
 * `<name>-sentinel-headless` Service (18 characters). Kubernetes limits a StatefulSet's name to 52
 * characters (its pods carry a `controller-revision-hash` label of the name plus 11 characters,
 * and a label value is at most 63), a CronJob's to 52 (its Jobs append 11), and a Service's to a
 * 63-character DNS-1035 label (a letter first). 40 leaves room for every suffix the engines and the
 * operations append (`<name>-sentinel` 49, `<name>-sentinel-headless` 58); Docker's container names
 * are held to the same rule, so one name works on both targets.
 */
import { type Problem, problem } from "./problems";

export const COMPONENT_NAME_MAX = 40;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Problems with `name` as a component name; `field` names it for the reader, `example` is a good one. */
export function componentNameProblems(field: string, name: string, example: string): Problem[] {
  if (typeof name === "string" && DNS_1035_LABEL.test(name) && name.length <= COMPONENT_NAME_MAX) return [];
  return [
    problem(
      field,
      name,
      `must be a DNS label of at most ${COMPONENT_NAME_MAX} characters (lowercase letters, digits and '-', starting with a letter): it names containers, pods, Services and volumes, with suffixes of up to 18 characters.`,
      `name the component like "${example}".`,
    ),
  ];
}
