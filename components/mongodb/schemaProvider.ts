/**
 * The dynamic provider of `MongoDatabaseSchema` (schema.ts). The Pulumi dynamic-provider host runs
 * it in its own process, loaded through components/runtime.ts under the name MongoDatabaseSchema
 * (state holds only the shim of components/runtimeShim.ts). It works on the flat form of the inputs
 * (components/shared/packedInputs.ts), so state written before the `spec`/`connection` shape keeps
 * working, and writes outputs in the current shape.
 */
import type * as pulumi from "@pulumi/pulumi";
import { accessProblem, type EngineAccess, withReachableMembers } from "../shared/access";
import { pack, packedKey, unpack } from "../shared/packedInputs";
import { formatProblem } from "../shared/problems";
import { hasUnknown } from "../shared/unknown";
import { SCHEMA_LAYOUT } from "./schema";
import { applySchema, inspectSchema, type SchemaRequest } from "./schemaExecutor";
import { declaredRebuilds, rebuildRefusal, type UndeclaredIndex } from "./schemaPlan";
import { type CollectionSpec, type IndexSpec, indexName, validateDatabaseSchema } from "./schemaSpec";

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

/** Outputs in the current shape: the inputs (the flag made explicit) and the undeclared indexes. */
function outs(inputs: SchemaInputs, undeclaredIndexes: UndeclaredIndex[]) {
  return pack(SCHEMA_LAYOUT, {
    ...inputs,
    allowIndexRebuild: inputs.allowIndexRebuild === true,
    undeclaredIndexes,
  });
}

/** The flat form of inputs or outputs, of the current shape or of an earlier release's. */
const flat = (props: any): any => unpack(SCHEMA_LAYOUT, props);

export const schemaProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: any, inputs: any) {
    const news = flat(inputs);
    // A value not known yet (at preview) is checked at the next preview or up that knows it.
    const pending = new Set(Object.keys(news).filter((k) => hasUnknown(news[k])));
    const problems = validateDatabaseSchema({ database: news.database, collections: news.collections });
    const failures = problems
      .map((p) => ({ key: p.field.split(".")[0] || "collections", reason: formatProblem(p) }))
      .filter((f) => !pending.has(f.key))
      .map((f) => ({ property: packedKey(SCHEMA_LAYOUT, f.key), reason: f.reason }));
    const accessFailure = accessProblem(news.access, pending.has("access"));
    if (accessFailure) failures.push({ property: packedKey(SCHEMA_LAYOUT, "access"), reason: accessFailure });
    return { inputs, failures };
  },

  async diff(_id: string, oldProps: any, newInputs: any) {
    const olds = flat(oldProps);
    const news = flat(newInputs);
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

  async create(packed: any) {
    const inputs = flat(packed);
    const result = await execute(inputs, applySchema);
    return { id: inputs.database, outs: outs(inputs, result.undeclaredIndexes) };
  },

  async update(_id: string, _olds: any, newInputs: any) {
    const news = flat(newInputs);
    const result = await execute(news, applySchema);
    return { outs: outs(news, result.undeclaredIndexes) };
  },

  /** Refresh: keeps only the declared indexes the server has as declared, so drift shows as a diff. */
  async read(id: string, oldProps: any) {
    const props = flat(oldProps);
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
    const undeclaredIndexes = plans.flatMap((p) => p.undeclared);
    return { id, props: pack(SCHEMA_LAYOUT, { ...props, collections, undeclaredIndexes }) };
  },

  // Deleting the declaration never drops the database or its indexes.
  async delete() {},
};
