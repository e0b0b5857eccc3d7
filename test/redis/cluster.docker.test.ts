/** RedisCluster on Docker, under Pulumi mocks: what it declares, and that no secret is in plaintext. */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { RedisCluster } from "../../components/redis/component";
import { ConfigError } from "../../components/shared/problems";
import {
  installMocks,
  isSecret,
  plaintextSecretLeaks,
  resolved,
  settle,
  unwrapSecrets,
} from "../support/mocks";

const { volumeCalls } = vi.hoisted(() => ({
  volumeCalls: [] as { name: string; retainOnDelete: boolean }[],
}));
vi.mock("../../components/shared/docker", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../components/shared/docker")>();
  return {
    ...original,
    dockerVolume: (
      name: string,
      labels: Record<string, string>,
      retainOnDelete: boolean,
      parent: any,
      target: any,
    ) => {
      volumeCalls.push({ name, retainOnDelete });
      return original.dockerVolume(name, labels, retainOnDelete, parent, target);
    },
  };
});

const harness = installMocks();

let cache: RedisCluster;

beforeAll(async () => {
  cache = new RedisCluster("cache", { target: { kind: "docker" } });
  await settle(cache.endpoints, cache.access, cache.password, cache.formation.urn);
});

const containers = () => harness.ofType("docker:index/container:Container");
const plain = (inputs: any) => unwrapSecrets(inputs);

describe("RedisCluster on Docker", () => {
  it("declares one network, one pinned image, and six containers with a volume each", () => {
    expect(harness.ofType("docker:index/network:Network").map((r) => r.inputs.name)).toEqual(["cache-net"]);
    const image = harness.one("docker:index/remoteImage:RemoteImage");
    expect(image.inputs).toMatchObject({ name: "redis:7.4.5", keepLocally: true });
    expect(containers().map((c) => c.name)).toEqual([
      "cache-0",
      "cache-1",
      "cache-2",
      "cache-3",
      "cache-4",
      "cache-5",
    ]);
    for (const c of containers()) expect(c.inputs.image).toMatch(/^sha256:/);
    expect(harness.ofType("docker:index/volume:Volume").map((v) => v.inputs.name)).toEqual(
      containers().map((c) => `${c.name}-data`),
    );
  });

  it("keeps the volumes on delete by default", () => {
    expect(volumeCalls).toHaveLength(6);
    expect(volumeCalls.every((v) => v.retainOnDelete)).toBe(true);
  });

  it("gives each container the same name as host, network alias, announced hostname and advertised endpoint", async () => {
    const endpoints = await resolved(cache.endpoints);
    containers().forEach((c, i) => {
      const name = `cache-${i}`;
      expect(c.inputs.name).toBe(name);
      expect(c.inputs.hostname).toBe(name);
      expect(c.inputs.networksAdvanced).toEqual([{ name: "cache-net", aliases: [name] }]);
      const conf = plain(c.inputs).uploads.find((u: any) => u.file === "/etc/redis/redis.conf").content;
      expect(conf).toContain(`\ncluster-announce-hostname ${name}\n`);
      expect(conf).toContain("\ncluster-preferred-endpoint-type hostname\n");
      expect(endpoints[i]).toBe(`${name}:6379`);
    });
    expect(await resolved(cache.seedNodes)).toBe(endpoints.join(","));
  });

  it("runs redis-server on the rendered config with data, nodes.conf and AOF on the volume", () => {
    for (const c of containers()) {
      expect(c.inputs.command).toEqual(["redis-server", "/etc/redis/redis.conf"]);
      expect(c.inputs.volumes).toEqual([{ volumeName: `${c.name}-data`, containerPath: "/data" }]);
      const conf: string = plain(c.inputs).uploads.find(
        (u: any) => u.file === "/etc/redis/redis.conf",
      ).content;
      for (const line of [
        "dir /data",
        "cluster-config-file /data/nodes.conf",
        "appendonly yes",
        "save 60 1000",
        "maxmemory 2gb",
        "maxmemory-policy allkeys-lru",
        "include /etc/redis/auth.conf",
      ]) {
        expect(conf.split("\n")).toContain(line);
      }
    }
  });

  it("publishes only the client port, on 127.0.0.1, at hostPortBase + i", () => {
    containers().forEach((c, i) => {
      expect(c.inputs.ports).toEqual([
        { internal: 6379, external: 7000 + i, ip: "127.0.0.1", protocol: "tcp" },
      ]);
    });
  });

  it("checks health with an authenticated PING that reads the password file, and waits for it", () => {
    for (const c of containers()) {
      expect(c.inputs.healthcheck.tests).toEqual([
        "CMD",
        "sh",
        "-c",
        `REDISCLI_AUTH="$(cat /etc/redis/password)" redis-cli -p 6379 ping | grep -Eq 'PONG'`,
      ]);
      expect(c.inputs).toMatchObject({ wait: true, restart: "unless-stopped", memory: 3072, cpuShares: 512 });
    }
  });

  it("puts the password only in secret uploads readable by the redis user, never in the config or command", () => {
    for (const c of containers()) {
      // One secret element makes the whole uploads list a secret in state (config included).
      expect(JSON.stringify(c.inputs.uploads)).toMatch(
        /^\{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270"/,
      );
      const uploads = plain(c.inputs).uploads as any[];
      const auth = uploads.find((u) => u.file === "/etc/redis/auth.conf");
      const pw = uploads.find((u) => u.file === "/etc/redis/password");
      expect(auth).toMatchObject({ owner: "999", group: "999", permissions: "0400" });
      expect(pw).toMatchObject({ owner: "999", group: "999", permissions: "0400" });
      expect(auth.content).toMatch(/^requirepass GEN\w+\nmasterauth GEN\w+\n$/);
      expect(pw.content).toBe(harness.generatedSecrets[0]);
      expect(JSON.stringify(c.inputs.command)).not.toContain("GEN");
      expect(JSON.stringify(c.inputs.healthcheck)).not.toContain("GEN");
    }
    expect(plaintextSecretLeaks(harness)).toEqual([]);
  });

  it("outputs the password as a secret", async () => {
    expect(await isSecret(cache.password)).toBe(true);
    expect(await resolved(cache.password)).toBe(harness.generatedSecrets[0]);
  });

  it("hands the formation the shards, the published ports and the expected settings", async () => {
    const f = harness.one("pulumi-nodejs:dynamic/kato:RedisClusterFormation", "cache-formation");
    const inputs = plain(f.inputs);
    expect(inputs.access.members).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => ({
        advertised: `cache-${i}:6379`,
        reach: { kind: "direct", host: "127.0.0.1", port: 7000 + i },
      })),
    );
    expect(inputs.shards).toEqual([
      { master: "cache-0:6379", replicas: ["cache-3:6379"], slots: [[0, 5461]] },
      { master: "cache-1:6379", replicas: ["cache-4:6379"], slots: [[5462, 10922]] },
      { master: "cache-2:6379", replicas: ["cache-5:6379"], slots: [[10923, 16383]] },
    ]);
    expect(inputs.expectedConfig).toMatchObject({
      maxmemory: "2147483648",
      appendonly: "yes",
      save: "60 1000",
    });
    expect(inputs.timeoutSeconds).toBe(180);
    expect(JSON.stringify(f.inputs.password)).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(await resolved(cache.access)).toEqual(inputs.access);
  });

  it("registers endpoints, seedNodes, access and the secret password as component outputs", () => {
    const out = harness.outputs.find((o) => o.urn.endsWith("kato:data:RedisCluster::cache"))!;
    expect(Object.keys(out.outputs).sort()).toEqual(["access", "endpoints", "password", "seedNodes"]);
    expect(JSON.stringify(out.outputs.password)).toContain("1b47061264138c4ac30d75fd1eb44270");
  });
});

describe("RedisCluster on Docker with other settings", () => {
  it("joins a given network instead of creating one and binds where told, reaching nodes on loopback", async () => {
    const before = harness.ofType("docker:index/network:Network").length;
    const c = new RedisCluster("alt", {
      target: { kind: "docker", networkName: "kato-net", publishAddress: "0.0.0.0" },
      hostPortBase: 17000,
      masters: 3,
      replicasPerMaster: 0,
      storage: { retainOnDelete: false },
      password: pulumi.secret("given-password-123"),
    });
    await settle(c.endpoints, c.access, c.formation.urn);
    expect(harness.ofType("docker:index/network:Network")).toHaveLength(before);
    const alt = containers().filter((r) => r.name.startsWith("alt-"));
    expect(alt).toHaveLength(3);
    expect(alt[0]!.inputs.networksAdvanced).toEqual([{ name: "kato-net", aliases: ["alt-0"] }]);
    expect(alt[2]!.inputs.ports[0]).toMatchObject({ external: 17002, ip: "0.0.0.0" });
    expect((await resolved(c.access)).members[0]!.reach).toEqual({
      kind: "direct",
      host: "127.0.0.1",
      port: 17000,
    });
    expect(volumeCalls.filter((v) => v.name.startsWith("alt-")).every((v) => !v.retainOnDelete)).toBe(true);
    expect(await isSecret(c.password)).toBe(true);
    harness.generatedSecrets.push("given-password-123");
    expect(plaintextSecretLeaks(harness)).toEqual([]);
  });

  it("accepts settings it resolved itself (what the program passes) and resolves them the same", () => {
    const c = new RedisCluster("again", { target: { kind: "docker" }, ...cache.settings });
    expect(c.settings).toEqual(cache.settings);
  });

  it("refuses a component name that cannot be a container, pod or DNS name", () => {
    expect(() => new RedisCluster("Kato_Redis", { target: { kind: "docker" } })).toThrow(
      /RedisCluster name = "Kato_Redis": must be a DNS label of at most 40 characters/,
    );
  });

  it("throws one ConfigError listing every bad setting", () => {
    let error: unknown;
    try {
      new RedisCluster("bad", { target: { kind: "docker" }, masters: 2, maxmemory: "9gb" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).problems.map((p) => p.field).sort();
    expect(fields).toEqual(["redis.masters", "redis.maxmemory", "redis.storage.size"]);
    expect((error as Error).message).toMatch(/RedisCluster "bad" settings has \d+ problems/);
  });
});
