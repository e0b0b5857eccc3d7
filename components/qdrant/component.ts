/**
 * `QdrantCluster`: a clustered Qdrant on Docker or Kubernetes, wired from the pure plan
 * (topology.ts) by wiring.ts. One class for both targets; only the wiring differs.
 */

import * as pulumi from "@pulumi/pulumi";
import type { EngineAccess } from "../shared/access";
import { componentNameProblems } from "../shared/names";
import { assertNoProblems } from "../shared/problems";
import { generatedSecret } from "../shared/secrets";
import type { Target } from "../shared/target";
import {
  QDRANT_HTTP_PORT,
  type QdrantSettings,
  type ResolvedQdrantSettings,
  resolveQdrantSettings,
} from "./settings";
import { wireDocker, wireKubernetes } from "./wiring";

export type QdrantClusterArgs = { target: Target } & QdrantSettings;

export { QDRANT_UID } from "./wiring";

export class QdrantCluster extends pulumi.ComponentResource {
  /** `host:6333` of each peer as clients inside the network or cluster see it. */
  declare readonly endpoints: pulumi.Output<string[]>;
  /** REST URL for clients inside the network or cluster. */
  declare readonly url: pulumi.Output<string>;
  declare readonly host: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  /** How executors reach each peer from where `pulumi up` runs. */
  declare readonly access: pulumi.Output<EngineAccess>;
  /** Read-write API key (secret); undefined when `apiKey` is false. */
  declare readonly apiKey: pulumi.Output<string | undefined>;
  /** Read-only API key (secret); undefined when `apiKey` is false. */
  declare readonly readOnlyApiKey: pulumi.Output<string | undefined>;
  /** The settings after defaults and validation. */
  readonly settings: ResolvedQdrantSettings;

  constructor(name: string, args: QdrantClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("kato:data:QdrantCluster", name, {}, opts);
    const { target, ...raw } = args;
    const { settings, problems } = resolveQdrantSettings(raw, "qdrant");
    assertNoProblems(
      [...problems, ...componentNameProblems("QdrantCluster name", name, "kato-qdrant")],
      `QdrantCluster ${name}`,
    );
    this.settings = settings!;

    const keys = this.settings.apiKey
      ? {
          apiKey: generatedSecret(`${name}-api-key`, this, 48),
          readOnlyApiKey: generatedSecret(`${name}-read-only-api-key`, this, 48),
        }
      : undefined;
    const wired =
      target.kind === "docker"
        ? wireDocker(name, this, target, this.settings, keys)
        : wireKubernetes(name, this, target, this.settings, keys);

    const outputs = {
      endpoints: wired.endpoints,
      url: wired.url,
      host: wired.host,
      port: pulumi.output(QDRANT_HTTP_PORT),
      access: wired.access,
      apiKey: keys ? keys.apiKey : pulumi.output(undefined),
      readOnlyApiKey: keys ? keys.readOnlyApiKey : pulumi.output(undefined),
    };
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }
}
