import * as pulumi from "@pulumi/pulumi";
import { runtimeShim } from "../runtimeShim";
import type { EngineAccess } from "../shared/access";
import type { ObservedShard } from "./formationPlan";
import type { FormationInputs } from "./formationProvider";
import type { SlotRange } from "./topology";

export interface RedisClusterFormationArgs {
  access: pulumi.Input<EngineAccess>;
  shards: pulumi.Input<{ master: string; replicas: string[]; slots: SlotRange[] }[]>;
  expectedConfig: pulumi.Input<Record<string, string>>;
  /** requirepass of the nodes; stored as a secret. */
  password: pulumi.Input<string>;
  timeoutSeconds: pulumi.Input<number>;
}

/**
 * Forms the Redis Cluster once its servers run, and repairs it when a later `pulumi up` (or refresh)
 * finds something missing. See formationProvider.ts for what each operation does.
 */
export class RedisClusterFormation extends pulumi.dynamic.Resource {
  declare readonly nodeIds: pulumi.Output<Record<string, string>>;
  declare readonly observedShards: pulumi.Output<ObservedShard[]>;
  declare readonly drift: pulumi.Output<string[]>;
  declare readonly status: pulumi.Output<string>;

  constructor(name: string, args: RedisClusterFormationArgs, opts: pulumi.CustomResourceOptions = {}) {
    const inputs: Record<keyof FormationInputs, unknown> & Record<string, unknown> = {
      access: args.access,
      shards: args.shards,
      expectedConfig: args.expectedConfig,
      password: pulumi.secret(args.password),
      timeoutSeconds: args.timeoutSeconds,
      nodeIds: undefined,
      observedShards: undefined,
      drift: undefined,
      status: undefined,
    };
    super(
      runtimeShim("RedisClusterFormation"),
      name,
      inputs,
      {
        ...opts,
        additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "password"],
        // Before it had a type name it was a `pulumi-nodejs:dynamic:Resource`: the same resource.
        aliases: [...(opts.aliases ?? []), { type: "pulumi-nodejs:dynamic:Resource" }],
      },
      "kato",
      "RedisClusterFormation",
    );
  }
}
