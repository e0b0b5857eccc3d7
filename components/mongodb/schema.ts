/**
 * MongoDatabaseSchema: one resource per tenant database holding its collections and their indexes
 * (one resource, not one per index, so 1000 tenants stay 1000 resources).
 *
 * Diff rules (also in docs/mongodb.md):
 * - `database` changes: replace (the old database is left in place; delete never drops data);
 * - an index whose change needs a drop and rebuild: refused in `diff` (which runs at preview) unless
 *   `allowIndexRebuild: true`; the executor checks again against the server before changing anything;
 * - anything else (new index, TTL, hidden, credentials, members): update in place.
 * Removing an index or a collection from the declaration leaves it on the server (reported as
 * undeclared); deleting the resource leaves the database.
 */
import * as pulumi from "@pulumi/pulumi";
import { runtimeShim } from "../runtimeShim";
import type { EngineAccess } from "../shared/access";
import type { InputLayout } from "../shared/packedInputs";
import { textIfKnown, textInput } from "../shared/textInputs";
import type { UndeclaredIndex } from "./schemaPlan";
import type { CollectionSpec } from "./schemaSpec";

export interface MongoDatabaseSchemaArgs {
  database: pulumi.Input<string>;
  /** Collections by name, each with its indexes. */
  collections: pulumi.Input<Record<string, CollectionSpec>>;
  /** Let this update drop and rebuild indexes whose definition changed. Default false. */
  allowIndexRebuild?: pulumi.Input<boolean>;
  /**
   * What the reader sets to allow a rebuild, used in refusals instead of naming allowIndexRebuild
   * (the program passes "set kato-infra:allowDataLoss to true").
   */
  dataLossHint?: pulumi.Input<string>;
  /** The replica set's members (MongoReplicaSet.access). */
  access: pulumi.Input<EngineAccess>;
  /** A user allowed to create and modify indexes (collMod needs more than readWrite): the root user. */
  username: pulumi.Input<string>;
  password: pulumi.Input<string>;
  /** Bound of the wait for a primary. Default 120. */
  timeoutSeconds?: pulumi.Input<number>;
}

/**
 * Its inputs as the resource registers them (components/shared/packedInputs.ts): `database`, the
 * secret `password`, `connection` (how to reach the replica set) and `spec` (the rest), the last two
 * as JSON text.
 */
export const SCHEMA_LAYOUT: InputLayout = {
  top: ["database", "password", "undeclaredIndexes"],
  groups: { connection: ["access", "username", "timeoutSeconds"] },
};

/** A tenant database's collections and indexes. */
export class MongoDatabaseSchema extends pulumi.dynamic.Resource {
  declare readonly database: pulumi.Output<string>;
  /** Indexes on the server no declaration names (left alone), as of the last create, update or refresh. */
  declare readonly undeclaredIndexes: pulumi.Output<UndeclaredIndex[]>;

  constructor(name: string, args: MongoDatabaseSchemaArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      runtimeShim("MongoDatabaseSchema"),
      name,
      {
        database: args.database,
        spec: textIfKnown({
          collections: args.collections,
          allowIndexRebuild: args.allowIndexRebuild,
          dataLossHint: args.dataLossHint,
        }),
        connection: textInput({
          access: args.access,
          username: args.username,
          timeoutSeconds: args.timeoutSeconds,
        }),
        password: args.password,
        undeclaredIndexes: undefined,
      },
      { ...opts, additionalSecretOutputs: ["password"] },
      "kato",
      "MongoDatabaseSchema",
    );
  }
}
