/**
 * MongoReplicaSet: a MongoDB replica set with authentication on Docker or Kubernetes, and the
 * bootstrap that initiates it and creates KATO's user. The target is an argument; both targets
 * share the plan (settings, topology, mongod.conf) and the bootstrap; wiring.ts places the servers.
 */

import * as pulumi from "@pulumi/pulumi";
import type { EngineAccess } from "../shared/access";
import { componentNameProblems } from "../shared/names";
import { assertNoProblems } from "../shared/problems";
import { generatedSecret } from "../shared/secrets";
import type { Target } from "../shared/target";
import { MongoReplicaSetBootstrap } from "./bootstrap";
import { type MongoSettings, type ResolvedMongoSettings, resolveMongoSettings } from "./settings";
import { mongoUri } from "./topology";
import { wireDocker, wireKubernetes } from "./wiring";

export type MongoReplicaSetArgs = { target: Target } & MongoSettings;

/** Length of the generated keyFile (MongoDB accepts 6 to 1024 base64 characters). */
const KEYFILE_LENGTH = 756;

export class MongoReplicaSet extends pulumi.ComponentResource {
  /** Advertised `host:port` of each member, as clients inside the network or cluster see them. */
  declare readonly endpoints: pulumi.Output<string[]>;
  /** How executors reach each member from where `pulumi up` runs. */
  declare readonly access: pulumi.Output<EngineAccess>;
  /** Client URI for KATO's MONGO_BASE_URL (secret: it holds the app password). */
  declare readonly uri: pulumi.Output<string>;
  /** Root URI (secret), for operations that need more than the app user: backups with --oplog, restores. */
  declare readonly rootUri: pulumi.Output<string>;
  declare readonly replicaSetName: pulumi.Output<string>;
  declare readonly rootUsername: pulumi.Output<string>;
  declare readonly rootPassword: pulumi.Output<string>;
  declare readonly appUsername: pulumi.Output<string>;
  declare readonly appPassword: pulumi.Output<string>;
  /** The resolved settings (plain data). */
  readonly settings: ResolvedMongoSettings;
  readonly bootstrap: MongoReplicaSetBootstrap;

  constructor(name: string, args: MongoReplicaSetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("kato:data:MongoReplicaSet", name, {}, opts);
    const { target, ...raw } = args;
    const { settings, problems } = resolveMongoSettings(raw, "mongodb");
    assertNoProblems(
      [...problems, ...componentNameProblems("MongoReplicaSet name", name, "kato-mongodb")],
      `MongoReplicaSet ${name}`,
    );
    this.settings = settings!;
    const s = this.settings;

    const rootPassword = generatedSecret(`${name}-root-password`, this);
    const appPassword = generatedSecret(`${name}-app-password`, this);
    const keyFile = generatedSecret(`${name}-keyfile`, this, KEYFILE_LENGTH);

    const wired =
      target.kind === "docker"
        ? wireDocker(name, this, target, s, { rootPassword, keyFile })
        : wireKubernetes(name, this, target, s, { rootPassword, keyFile });

    this.bootstrap = new MongoReplicaSetBootstrap(
      `${name}-bootstrap`,
      {
        replicaSetName: s.replicaSetName,
        access: wired.access,
        rootUsername: s.rootUsername,
        rootPassword,
        appUsername: s.appUsername,
        appPassword,
        timeoutSeconds: s.bootstrapTimeoutSeconds,
        serverRevision: wired.revision,
      },
      { parent: this, dependsOn: wired.servers },
    );

    this.endpoints = wired.endpoints;
    this.access = wired.access;
    this.replicaSetName = pulumi.output(s.replicaSetName);
    this.rootUsername = pulumi.output(s.rootUsername);
    this.appUsername = pulumi.output(s.appUsername);
    this.rootPassword = rootPassword;
    this.appPassword = appPassword;
    // The URI is usable once the bootstrap has created the user.
    this.uri = pulumi.secret(
      pulumi
        .all([wired.endpoints, appPassword, this.bootstrap.id])
        .apply(([endpoints, password]) =>
          mongoUri(endpoints, s.replicaSetName, { username: s.appUsername, password }),
        ),
    );
    this.rootUri = pulumi.secret(
      pulumi
        .all([wired.endpoints, rootPassword, this.bootstrap.id])
        .apply(([endpoints, password]) =>
          mongoUri(endpoints, s.replicaSetName, { username: s.rootUsername, password }),
        ),
    );
    this.registerOutputs({
      endpoints: this.endpoints,
      access: this.access,
      uri: this.uri,
      rootUri: this.rootUri,
      replicaSetName: this.replicaSetName,
      rootUsername: this.rootUsername,
      rootPassword: this.rootPassword,
      appUsername: this.appUsername,
      appPassword: this.appPassword,
    });
  }
}
