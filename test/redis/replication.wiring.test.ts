/**
 * RedisCluster in replication mode on both targets, under Pulumi mocks: the nodes, the Sentinels and
 * the HAProxy endpoint it declares, the formation it hands the servers to, and that no secret is in
 * plaintext. The rendered files themselves run on real servers in replication.real.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { RedisCluster } from "../../components/redis/component";
import { validateKubernetesResources } from "../support/k8sSchema";
import {
  installMocks,
  isSecret,
  plaintextSecretLeaks,
  resolved,
  settle,
  unwrapSecrets,
} from "../support/mocks";

const harness = installMocks();
let onDocker: RedisCluster;
let onK8s: RedisCluster;

beforeAll(async () => {
  onDocker = new RedisCluster("sessions", { target: { kind: "docker" }, mode: "replication" });
  onK8s = new RedisCluster("cache", {
    target: { kind: "kubernetes", namespace: "kato", clientPodLabels: { app: "kato" } },
    mode: "replication",
    replicas: 2,
    sentinels: 5,
  });
  await settle(
    onDocker.endpoint,
    onDocker.access,
    onDocker.formation.urn,
    onK8s.endpoint,
    onK8s.access,
    onK8s.formation.urn,
  );
});

const of = (type: string, name: string) => unwrapSecrets(harness.one(type, name).inputs);

describe("replication mode on Docker", () => {
  const container = (name: string) => of("docker:index/container:Container", name);

  it("runs 3 nodes, 3 Sentinels and the endpoint named after the component, each port published in order", () => {
    const names = harness
      .ofType("docker:index/container:Container")
      .map((c) => c.inputs.name)
      .filter((n: string) => n.startsWith("sessions"));
    expect(names.sort()).toEqual(
      [
        "sessions",
        "sessions-0",
        "sessions-1",
        "sessions-2",
        "sessions-sentinel-0",
        "sessions-sentinel-1",
        "sessions-sentinel-2",
      ].sort(),
    );
    expect(container("sessions-0").ports[0].external).toBe(7000);
    expect(container("sessions-endpoint").ports[0]).toMatchObject({ internal: 6379, external: 7003 });
    expect(container("sessions-sentinel-2").ports[0]).toMatchObject({ internal: 26379, external: 7006 });
  });

  it("exports the endpoint as the one address, and the formation gets every node and Sentinel", async () => {
    expect(await resolved(onDocker.endpoint)).toBe("sessions:6379");
    const formation = of("pulumi-nodejs:dynamic/kato:RedisReplicationFormation", "sessions-replication");
    expect(formation.access.members.map((m: any) => m.advertised)).toEqual([
      "sessions-0:6379",
      "sessions-1:6379",
      "sessions-2:6379",
    ]);
    expect(formation.sentinelAccess.members.map((m: any) => [m.advertised, m.reach.port])).toEqual([
      ["sessions-sentinel-0:26379", 7004],
      ["sessions-sentinel-1:26379", 7005],
      ["sessions-sentinel-2:26379", 7006],
    ]);
    expect(formation.quorum).toBe(2);
  });

  it("each node announces its container name as a replica; HAProxy and Sentinel read the password from files", () => {
    const conf = container("sessions-1").uploads.find((u: any) => u.file === "/etc/redis/redis.conf").content;
    expect(conf).toMatch(/^replica-announce-ip sessions-1$/m);
    expect(conf).not.toMatch(/^cluster-enabled/m);
    const endpoint = container("sessions-endpoint");
    expect(endpoint.command.join(" ")).toContain('REDIS_PASSWORD="$(cat /usr/local/etc/haproxy/password)"');
    const cfg = endpoint.uploads.find((u: any) => u.file.endsWith("haproxy.cfg")).content;
    expect(cfg).toContain("server sessions-2 sessions-2:6379 check");
    expect(container("sessions-sentinel-0").envs).toEqual(["SENTINEL_ANNOUNCE_IP=sessions-sentinel-0"]);
  });
});

describe("replication mode on Kubernetes", () => {
  it("declares the nodes and Sentinels as StatefulSets and the endpoint as a Deployment behind Service <name>", () => {
    expect(of("kubernetes:apps/v1:StatefulSet", "cache").spec.replicas).toBe(3);
    expect(of("kubernetes:apps/v1:StatefulSet", "cache-sentinel").spec.replicas).toBe(5);
    const deployment = of("kubernetes:apps/v1:Deployment", "cache-endpoint");
    expect(deployment.spec.replicas).toBe(2);
    const svc = of("kubernetes:core/v1:Service", "cache");
    expect(svc.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  it("announces stable pod DNS names, not pod IPs", () => {
    const node = of("kubernetes:apps/v1:StatefulSet", "cache").spec.template.spec.containers[0];
    expect(node.args).toEqual([
      "/etc/redis/redis.conf",
      "--replica-announce-ip",
      "$(POD_NAME).cache-headless.$(POD_NAMESPACE).svc.cluster.local",
      "--replica-announce-port",
      "6379",
    ]);
    expect(JSON.stringify(node)).not.toContain("POD_IP");
    const sentinel = of("kubernetes:apps/v1:StatefulSet", "cache-sentinel").spec.template.spec.containers[0];
    expect(sentinel.env.find((e: any) => e.name === "SENTINEL_ANNOUNCE_IP").value).toBe(
      "$(POD_NAME).cache-sentinel-headless.$(POD_NAMESPACE).svc.cluster.local",
    );
  });

  it("routes HAProxy by fully qualified pod names and exports the Service as REDIS_URL's host", async () => {
    const cfg: string = of("kubernetes:core/v1:ConfigMap", "cache-config").data["haproxy.cfg"];
    expect(cfg).toContain("server cache-0 cache-0.cache-headless.kato.svc.cluster.local:6379 check");
    expect(await resolved(onK8s.endpoint)).toBe("cache.kato.svc.cluster.local:6379");
  });

  it("has a PDB, anti-affinity and a NetworkPolicy for each of the three parts", () => {
    const pdbs = harness
      .ofType("kubernetes:policy/v1:PodDisruptionBudget")
      .map((p) => p.inputs.metadata.name);
    expect(pdbs.sort()).toEqual(["cache", "cache-endpoint", "cache-sentinel"]);
    for (const [type, name] of [
      ["kubernetes:apps/v1:StatefulSet", "cache"],
      ["kubernetes:apps/v1:StatefulSet", "cache-sentinel"],
      ["kubernetes:apps/v1:Deployment", "cache-endpoint"],
    ] as const) {
      expect(of(type, name).spec.template.spec.affinity.podAntiAffinity, name).toBeDefined();
    }
    const policy = (name: string) => of("kubernetes:networking.k8s.io/v1:NetworkPolicy", name).spec;
    expect(policy("cache-endpoint").ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: "kato" } } }], ports: [{ protocol: "TCP", port: 6379 }] },
    ]);
    // Nodes take replication and health checks from nodes, Sentinels and HAProxy.
    expect(
      policy("cache").ingress[1].from.map((f: any) => f.podSelector.matchLabels["app.kubernetes.io/name"]),
    ).toEqual(["redis", "redis-sentinel", "redis-endpoint"]);
  });

  it("keeps every secret out of plaintext and declares only schema-valid objects", async () => {
    expect(plaintextSecretLeaks(harness)).toEqual([]);
    expect(await isSecret(onK8s.password)).toBe(true);
    const cfg: string = of("kubernetes:core/v1:ConfigMap", "cache-config").data["sentinel.conf"];
    expect(cfg).not.toMatch(/requirepass|sentinel-pass/);
    expect(validateKubernetesResources(harness.resources).filter((r) => r.error)).toEqual([]);
  });
});
