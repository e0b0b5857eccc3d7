import * as pulumi from "@pulumi/pulumi";
import { runtimeShim } from "../runtimeShim";
import type { EngineAccess } from "../shared/access";
import type { ReplicationInputs } from "./replicationProvider";

export interface RedisReplicationFormationArgs {
  access: pulumi.Input<EngineAccess>;
  sentinelAccess: pulumi.Input<EngineAccess>;
  masterName: pulumi.Input<string>;
  quorum: pulumi.Input<number>;
  sentinelConfig: pulumi.Input<Record<string, string>>;
  expectedConfig: pulumi.Input<Record<string, string>>;
  /** requirepass of the nodes and Sentinels; stored as a secret. */
  password: pulumi.Input<string>;
  timeoutSeconds: pulumi.Input<number>;
}

/**
 * Forms Redis replication once its servers run (replicas follow the primary, every Sentinel monitors
 * it with the right quorum, timeouts and password), and repairs it when a later `pulumi up` (or
 * refresh) finds something off. See replicationProvider.ts for what each operation does.
 */
export class RedisReplicationFormation extends pulumi.dynamic.Resource {
  declare readonly primary: pulumi.Output<string>;
  declare readonly replicas: pulumi.Output<string[]>;
  declare readonly sentinelsMonitoring: pulumi.Output<number>;
  declare readonly drift: pulumi.Output<string[]>;
  declare readonly status: pulumi.Output<string>;

  constructor(name: string, args: RedisReplicationFormationArgs, opts: pulumi.CustomResourceOptions = {}) {
    const inputs: Record<keyof ReplicationInputs, unknown> & Record<string, unknown> = {
      access: args.access,
      sentinelAccess: args.sentinelAccess,
      masterName: args.masterName,
      quorum: args.quorum,
      sentinelConfig: args.sentinelConfig,
      expectedConfig: args.expectedConfig,
      password: pulumi.secret(args.password),
      timeoutSeconds: args.timeoutSeconds,
      primary: undefined,
      replicas: undefined,
      sentinelsMonitoring: undefined,
      drift: undefined,
      status: undefined,
    };
    super(
      runtimeShim("RedisReplicationFormation"),
      name,
      inputs,
      { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "password"] },
      "kato",
      "RedisReplicationFormation",
    );
  }
}
