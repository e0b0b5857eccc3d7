/**
 * MongoReplicaSet on Docker under Pulumi mocks: what gets declared, and that no credential is ever
 * written in plaintext.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { MongoReplicaSet } from "../../components/mongodb";
import { DEFAULT_MONGO_VERSION } from "../../components/mongodb/settings";
import { ConfigError } from "../../components/shared/problems";
import {
  installMocks,
  isSecret,
  plaintextSecretLeaks,
  resolved,
  settle,
  unwrapSecrets,
} from "../support/mocks";

const harness = installMocks();
let rs: MongoReplicaSet;

beforeAll(async () => {
  rs = new MongoReplicaSet("mongo", { target: { kind: "docker" }, members: 3 });
  await settle(rs.uri, rs.access, rs.endpoints);
});

const containers = () => harness.ofType("docker:index/container:Container");

describe("MongoReplicaSet on Docker", () => {
  it("runs every member from the pinned official image", () => {
    const image = harness.one("docker:index/remoteImage:RemoteImage");
    expect(image.inputs.name).toBe(`mongo:${DEFAULT_MONGO_VERSION}`);
    expect(containers()).toHaveLength(3);
    for (const c of containers()) expect(c.inputs.image).toMatch(/^sha256:/);
  });

  it("advertises container names on a private network, the same names the bootstrap initiates with", async () => {
    const names = containers().map((c) => c.inputs.name);
    expect(names).toEqual(["mongo-0", "mongo-1", "mongo-2"]);
    const endpoints = await resolved(rs.endpoints);
    expect(endpoints).toEqual(["mongo-0:27017", "mongo-1:27017", "mongo-2:27017"]);
    const network = harness.one("docker:index/network:Network");
    for (const c of containers()) {
      expect(c.inputs.networksAdvanced).toEqual([{ name: network.inputs.name, aliases: [c.inputs.name] }]);
      expect(c.inputs.hostname).toBe(c.inputs.name);
    }
    const bootstrap = unwrapSecrets(harness.resources.find((r) => r.name === "mongo-bootstrap")!.inputs);
    expect(bootstrap.access.members.map((m: { advertised: string }) => m.advertised)).toEqual(endpoints);
    expect(bootstrap.replicaSetName).toBe("rs0");
  });

  it("publishes member i on 127.0.0.1:27017+i and the access map points there", async () => {
    containers().forEach((c, i) => {
      expect(c.inputs.ports).toEqual([
        { internal: 27017, external: 27017 + i, ip: "127.0.0.1", protocol: "tcp" },
      ]);
    });
    const access = await resolved(rs.access);
    expect(access.members.map((m) => m.reach)).toEqual(
      [0, 1, 2].map((i) => ({ kind: "direct", host: "127.0.0.1", port: 27017 + i })),
    );
  });

  it("keeps each member's data on its own named volume, retained on delete", () => {
    const volumes = harness.ofType("docker:index/volume:Volume");
    expect(volumes.map((v) => v.inputs.name)).toEqual(["mongo-data-0", "mongo-data-1", "mongo-data-2"]);
    containers().forEach((c, i) => {
      expect(c.inputs.volumes).toEqual([{ volumeName: `mongo-data-${i}`, containerPath: "/data/db" }]);
    });
  });

  it("uploads the keyFile with mode 0400 owned by the image's mongodb user (999)", () => {
    for (const c of containers()) {
      const uploads = unwrapSecrets(c.inputs.uploads) as Array<Record<string, string>>;
      const keyFile = uploads.find((u) => u.file === "/etc/kato-mongo/keyfile")!;
      expect(keyFile).toMatchObject({ owner: "999", group: "999", permissions: "0400" });
      expect(keyFile.content).toMatch(/^[A-Za-z0-9]{756}$/);
      const conf = uploads.find((u) => u.file === "/etc/kato-mongo/mongod.conf")!.content;
      expect(conf).toContain('keyFile: "/etc/kato-mongo/keyfile"');
      expect(conf).toContain('replSetName: "rs0"');
    }
  });

  it("lets the image create root from a password file, and checks health without needing an initiated set", () => {
    for (const c of containers()) {
      expect(c.inputs.envs).toContain("MONGO_INITDB_ROOT_USERNAME=root");
      expect(c.inputs.envs).toContain("MONGO_INITDB_ROOT_PASSWORD_FILE=/etc/kato-mongo/root-password");
      expect(c.inputs.envs.join(" ")).not.toMatch(/MONGO_INITDB_ROOT_PASSWORD=/);
      expect(c.inputs.healthcheck.tests).toEqual([
        "CMD",
        "mongosh",
        "--quiet",
        "--norc",
        "--eval",
        "db.adminCommand({ ping: 1 }).ok",
      ]);
      expect(c.inputs.wait).toBe(true);
      expect(c.inputs.memory).toBe(1024);
    }
  });

  it("creates the bootstrap after every server", () => {
    const names = harness.resources.map((r) => r.name);
    expect(names.indexOf("mongo-bootstrap")).toBeGreaterThan(names.indexOf("mongo-2"));
  });

  it("exposes the URI and passwords only as secrets, and writes no generated credential in plaintext", async () => {
    expect(await isSecret(rs.uri)).toBe(true);
    expect(await isSecret(rs.rootPassword)).toBe(true);
    expect(await isSecret(rs.appPassword)).toBe(true);
    const uri = await resolved(rs.uri);
    expect(uri).toMatch(
      /^mongodb:\/\/kato:[A-Za-z0-9]+@mongo-0:27017,mongo-1:27017,mongo-2:27017\/\?replicaSet=rs0&authSource=admin&w=majority$/,
    );
    expect(plaintextSecretLeaks(harness)).toEqual([]);
  });

  it("refuses bad settings with every problem at once, before declaring anything", () => {
    let error: unknown;
    try {
      new MongoReplicaSet("bad", { target: { kind: "docker" }, members: 2, version: "latest" } as any);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).problems.map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(["mongodb.members", "mongodb.version"]));
    expect(harness.resources.some((r) => r.name.startsWith("bad"))).toBe(false);
  });
});
