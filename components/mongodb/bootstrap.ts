/**
 * MongoReplicaSetBootstrap: the dynamic resource that turns started members into a replica set with
 * the application user. Created by MongoReplicaSet after its servers; every `pulumi up` that changes
 * the servers or the membership runs it again (idempotent).
 *
 * The provider object below runs in the Pulumi dynamic-provider host, loaded through
 * components/runtime.ts under the name MongoReplicaSetBootstrap (state holds only the shim of
 * components/runtimeShim.ts); it requires the driver at run time.
 */
import * as pulumi from "@pulumi/pulumi";
import { runtimeShim } from "../runtimeShim";
import type { EngineAccess } from "../shared/access";

export interface MongoReplicaSetBootstrapArgs {
  replicaSetName: pulumi.Input<string>;
  /** Every declared member: advertised name and how to reach it from here. */
  access: pulumi.Input<EngineAccess>;
  rootUsername: pulumi.Input<string>;
  rootPassword: pulumi.Input<string>;
  appUsername: pulumi.Input<string>;
  appPassword: pulumi.Input<string>;
  /** Bound of each wait (members answering, a primary). Default 300. */
  timeoutSeconds?: pulumi.Input<number>;
  /** Any change (new image, new mongod.conf) makes the bootstrap check the set again. */
  serverRevision?: pulumi.Input<string>;
}
/** Initiates (once) and maintains a replica set and its application user. */
export class MongoReplicaSetBootstrap extends pulumi.dynamic.Resource {
  declare readonly members: pulumi.Output<string[]>;
  declare readonly primary: pulumi.Output<string>;
  declare readonly replicaSetName: pulumi.Output<string>;

  constructor(name: string, args: MongoReplicaSetBootstrapArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      runtimeShim("MongoReplicaSetBootstrap"),
      name,
      { ...args, members: undefined, primary: undefined },
      {
        ...opts,
        additionalSecretOutputs: ["rootPassword", "appPassword"],
      },
      "kato",
      "MongoReplicaSetBootstrap",
    );
  }
}
