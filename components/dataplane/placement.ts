/**
 * DataTierPlacement: where the data tier's volumes live, recorded in state, so that moving the tier
 * (a new Kubernetes namespace, or Docker <-> Kubernetes) is refused at preview unless data loss is
 * allowed.
 *
 * Why a resource: the engines' data is in PersistentVolumeClaims named after their StatefulSets in
 * one namespace. A new `namespace` makes every namespaced resource a replacement: the engines start
 * empty in the new namespace and the data stays behind in the old one (or is deleted with it when
 * the old namespace is not retained). Nothing in a Pulumi program sees the previous value of its
 * config, but a dynamic provider's `check` receives the resource's old inputs (sdk/nodejs/dynamic,
 * pulumi v3.248.0: `check(olds, news)`), and a failed check stops `pulumi preview` and `pulumi up`
 * before any step. The plane's engines and namespace depend on this resource, so during `up` none of
 * them is registered, hence replaced, until its check has passed.
 *
 * A Docker network holds no data (the volumes are named after the members, not the network), so on
 * Docker only the kind is recorded.
 */
import * as pulumi from "@pulumi/pulumi";
import { runtimeShim } from "../runtimeShim";
import { formatProblem, type Problem } from "../shared/problems";
import { hasUnknown } from "../shared/unknown";

export interface DataTierLocation {
  kind: "docker" | "kubernetes";
  /** Kubernetes only: the namespace of the engines and their volumes. */
  namespace?: string;
}

export interface DataTierPlacementArgs {
  placement: DataTierLocation;
  /** Let the tier move (its engines start empty where it goes). Default false. */
  allowDataLoss?: boolean;
  /** What refusals call the namespace setting (the program: `kato-infra:kubernetes.namespace`). */
  namespaceField?: string;
  /** What refusals call the target kind setting (the program: `kato-infra:target`). */
  targetField?: string;
  /** What refusals tell the reader to set to allow the move (the program names kato-infra:allowDataLoss). */
  dataLossHint?: string;
}

export interface PlacementInputs {
  placement: DataTierLocation;
  allowDataLoss?: boolean;
  namespaceField?: string;
  targetField?: string;
  dataLossHint?: string;
}

const where = (p: DataTierLocation): string =>
  p.kind === "kubernetes" ? `Kubernetes namespace "${p.namespace}"` : "Docker volumes";

/**
 * The refusal of a move from `olds` to `news`, or none. Pure: the same rule whatever runs it.
 * No old placement (a new stack, or one deployed before this resource existed) is not a move.
 */
export function placementProblem(
  olds: Partial<PlacementInputs> | undefined,
  news: PlacementInputs,
): Problem | undefined {
  const before = olds?.placement;
  const after = news.placement;
  if (!before || news.allowDataLoss === true) return undefined;
  if (before.kind === after.kind && (after.kind === "docker" || before.namespace === after.namespace)) {
    return undefined;
  }
  const field =
    before.kind === after.kind
      ? (news.namespaceField ?? "target.namespace")
      : (news.targetField ?? "target.kind");
  const allow = news.dataLossHint ?? "set allowDataLoss: true";
  return {
    field,
    value: before.kind === after.kind ? after.namespace : after.kind,
    message:
      `the data tier's volumes (MongoDB, Qdrant and Redis data) are in ${where(before)}; moving to ` +
      `${where(after)} replaces every engine, which starts there empty, and leaves the data behind.`,
    fix:
      before.kind === after.kind
        ? `set ${field} back to "${before.namespace}"; to start empty on purpose, ${allow}.`
        : `set ${field} back to "${before.kind}" and deploy the other target as a separate stack; to start empty on purpose, ${allow}.`,
  };
}

export const placementProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: any, news: any) {
    // Unknown at preview (computed elsewhere): checked when known.
    if (hasUnknown(news.placement)) return { inputs: news, failures: [] };
    const p = news.placement;
    const valid =
      p !== null &&
      typeof p === "object" &&
      (p.kind === "docker" ||
        (p.kind === "kubernetes" && typeof p.namespace === "string" && p.namespace !== ""));
    if (!valid) {
      return {
        inputs: news,
        failures: [
          {
            property: "placement",
            reason: `placement = ${JSON.stringify(p ?? null)}: must be { kind: "docker" } or { kind: "kubernetes", namespace: "<name>" }.`,
          },
        ],
      };
    }
    const problem = placementProblem(olds, news);
    return {
      inputs: news,
      failures: problem ? [{ property: "placement", reason: formatProblem(problem) }] : [],
    };
  },
  async diff(_id: string, olds: any, news: any) {
    const changes = JSON.stringify(olds.placement) !== JSON.stringify(news.placement);
    return { changes };
  },
  async create(inputs: any) {
    return { id: "placement", outs: inputs };
  },
  async read(id: string, props: any) {
    return { id, props };
  },
  async update(_id: string, _olds: any, news: any) {
    return { outs: news };
  },
  async delete() {},
};

/** One per plane; holds no credentials and touches no server. */
export class DataTierPlacement extends pulumi.dynamic.Resource {
  declare readonly placement: pulumi.Output<DataTierLocation>;

  constructor(name: string, args: DataTierPlacementArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      runtimeShim("DataTierPlacement"),
      name,
      {
        placement: args.placement,
        allowDataLoss: args.allowDataLoss === true,
        ...(args.namespaceField ? { namespaceField: args.namespaceField } : {}),
        ...(args.targetField ? { targetField: args.targetField } : {}),
        ...(args.dataLossHint ? { dataLossHint: args.dataLossHint } : {}),
      },
      opts,
      "kato",
      "DataTierPlacement",
    );
  }
}
