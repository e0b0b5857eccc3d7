/**
 * What each dynamic resource stores as its `__provider`: a few hundred bytes that load the provider
 * from the installed code by a stable name, instead of the provider's whole code.
 *
 * Pulumi's Node SDK (sdk/nodejs/dynamic/index.ts, v3.248.0) serializes the provider object given
 * to `pulumi.dynamic.Resource` with its closure serializer (sdk/nodejs/runtime/closure/*), which
 * inlines every local module the object reaches. The dynamic-provider host
 * (sdk/nodejs/cmd/dynamic-provider/index.ts) loads that text with `require-from-string` (a module
 * with an empty file name, so `require` resolves from the working directory: the project) in a
 * plain `node` process without ts-node, and stores it again in the resource's outputs. `read` and
 * `delete` run the text found in the old outputs.
 *
 * So this module holds only the shim: its methods `require` the runtime inside their bodies (the
 * serializer never captures `require`, and leaves the call as written), and nothing here imports
 * another module, so the text is the same on every machine and after any change to the providers.
 * The runtime it finds is `kato-infra/runtime` (runtime.js at the package root): in a clone,
 * components/runtime.ts through the project's ts-node; in an installed package, the built
 * dist/components/runtime.js.
 *
 * Compatibility contract (README, "State and upgrades"): `require(...).providers[name]` must keep
 * existing for every name below, with the dynamic provider methods, and accept state written by
 * any earlier release. Changing the text of this file changes every resource's `__provider` input.
 */
import type * as pulumi from "@pulumi/pulumi";

/** The stable names under which components/runtime.ts exports each provider. */
export type RuntimeProviderName =
  | "MongoReplicaSetBootstrap"
  | "MongoDatabaseSchema"
  | "MongoProfiling"
  | "MongoMigration"
  | "QdrantCollection"
  | "RedisClusterFormation"
  | "RedisReplicationFormation"
  | "DataTierPlacement";

/**
 * The provider named `n` in the runtime: `kato-infra/runtime` resolved from the project directory
 * (a clone resolves its own name through package.json `exports`; a project that installed
 * kato-infra finds it in node_modules). The text of this function and of the methods below is what
 * state stores: kept short, and free of anything that varies by machine.
 */
function kato(n: string): any {
  const cwd = process.cwd();
  let why = "not in this version";
  try {
    const p = require("node:module").createRequire(`${cwd}/package.json`)("kato-infra/runtime").providers[n];
    if (p) return p;
  } catch (e: any) {
    why = e.message;
  }
  throw new Error(`kato-infra: no provider ${n} from ${cwd}: ${why}`);
}

/**
 * The `__provider` of the resource whose runtime provider is `n`: one object per name, because the
 * SDK caches a provider's serialized text by object (sdk/nodejs/dynamic/index.ts `providerCache`),
 * and serializing anew for every resource costs the program seconds per thousand tenants.
 */
export function runtimeShim(n: RuntimeProviderName): pulumi.dynamic.ResourceProvider {
  let shim = shims.get(n);
  if (!shim) {
    shim = {
      check: (a, b) => kato(n).check(a, b),
      diff: (a, b, c) => kato(n).diff(a, b, c),
      create: (a) => kato(n).create(a),
      read: (a, b) => kato(n).read(a, b),
      update: (a, b, c) => kato(n).update(a, b, c),
      delete: (a, b) => kato(n).delete(a, b),
    };
    shims.set(n, shim);
  }
  return shim;
}

const shims = new Map<string, pulumi.dynamic.ResourceProvider>();
