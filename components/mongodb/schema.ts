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
import { type EngineAccess, withReachableMembers } from "../shared/access";
import { formatProblem } from "../shared/problems";
import { hasUnknown } from "../shared/unknown";
import { applySchema, inspectSchema, type SchemaRequest } from "./schemaExecutor";
import { declaredRebuilds, rebuildRefusal, type UndeclaredIndex } from "./schemaPlan";
import { type CollectionSpec, type IndexSpec, indexName, validateDatabaseSchema } from "./schemaSpec";

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

interface SchemaInputs {
  database: string;
  collections: Record<string, CollectionSpec>;
  allowIndexRebuild?: boolean;
  dataLossHint?: string;
  access: EngineAccess;
  username: string;
  password: string;
  timeoutSeconds?: number;
}

function execute<T>(inputs: SchemaInputs, fn: (request: SchemaRequest) => Promise<T>): Promise<T> {
  return withReachableMembers(inputs.access, (members) =>
    fn({
      database: inputs.database,
      collections: inputs.collections,
      allowIndexRebuild: inputs.allowIndexRebuild === true,
      dataLossHint: inputs.dataLossHint,
      members,
      credentials: { username: inputs.username, password: inputs.password },
      timeoutMs: (inputs.timeoutSeconds ?? 120) * 1000,
    }),
  );
}

function outs(inputs: SchemaInputs, undeclaredIndexes: UndeclaredIndex[]) {
  return { ...inputs, allowIndexRebuild: inputs.allowIndexRebuild === true, undeclaredIndexes };
}

export const schemaProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: any, news: any) {
    // A value not known yet (at preview) is checked at the next preview or up that knows it.
    const pending = new Set(Object.keys(news).filter((k) => hasUnknown(news[k])));
    const problems = validateDatabaseSchema({ database: news.database, collections: news.collections });
    const failures = problems
      .map((p) => ({
        property: p.field.split(".")[0] || "collections",
        reason: formatProblem(p),
      }))
      .filter((f) => !pending.has(f.property));
    if (
      !pending.has("access") &&
      (!news.access || !Array.isArray(news.access.members) || news.access.members.length === 0)
    ) {
      failures.push({
        property: "access",
        reason: "access must list the replica set's members (MongoReplicaSet.access).",
      });
    }
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: any, news: any) {
    if (olds.database !== news.database) {
      // An unknown name (at preview) may turn out different: shown as the replacement it may be.
      return { changes: true, replaces: ["database"], deleteBeforeReplace: false };
    }
    // Collections not known yet: judged (and refused if need be) when they are known.
    if (hasUnknown(news.collections)) return { changes: true, replaces: [], deleteBeforeReplace: false };
    const rebuilds = declaredRebuilds(olds.collections ?? {}, news.collections ?? {});
    if (rebuilds.length > 0 && news.allowIndexRebuild !== true) {
      throw new Error(rebuildRefusal(news.database, rebuilds, news.dataLossHint));
    }
    const keys = ["collections", "allowIndexRebuild", "access", "username", "password", "timeoutSeconds"];
    const changed = keys.filter((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
    // A flag going back to false alone changes nothing on the server.
    const meaningful = changed.filter((k) => !(k === "allowIndexRebuild" && news.allowIndexRebuild !== true));
    return { changes: meaningful.length > 0, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs: any) {
    const result = await execute(inputs, applySchema);
    return { id: inputs.database, outs: outs(inputs, result.undeclaredIndexes) };
  },

  async update(_id: string, _olds: any, news: any) {
    const result = await execute(news, applySchema);
    return { outs: outs(news, result.undeclaredIndexes) };
  },

  /** Refresh: keeps only the declared indexes the server has as declared, so drift shows as a diff. */
  async read(id: string, props: any) {
    const plans = await execute(props, inspectSchema);
    const collections: Record<string, CollectionSpec> = {};
    for (const plan of plans) {
      const pending = new Set([
        ...plan.create.map((c) => c.name),
        ...plan.modify.map((m) => m.name),
        ...plan.rebuilds.map((r) => r.create),
      ]);
      const declared: IndexSpec[] = props.collections[plan.collection]?.indexes ?? [];
      if (!plan.exists && declared.length === 0) continue;
      collections[plan.collection] = { indexes: declared.filter((ix) => !pending.has(indexName(ix))) };
    }
    return { id, props: { ...props, collections, undeclaredIndexes: plans.flatMap((p) => p.undeclared) } };
  },

  // Deleting the declaration never drops the database or its indexes.
  async delete() {},
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
      { ...args, undeclaredIndexes: undefined },
      { ...opts, additionalSecretOutputs: ["password"] },
      "kato",
      "MongoDatabaseSchema",
    );
  }
}
