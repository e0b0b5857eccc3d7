/**
 * QdrantCluster under Pulumi mocks, on both targets: what is declared, that no credential is
 * written in plaintext, and that every Kubernetes object passes the official schema.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { QdrantCluster } from "../../components/qdrant/component";
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

let docker: QdrantCluster;
let kube: QdrantCluster;

beforeAll(async () => {
  docker = new QdrantCluster("dq", { target: { kind: "docker" }, hostPortBase: 16333 });
  kube = new QdrantCluster("kq", {
    target: { kind: "kubernetes", namespace: "kato", antiAffinity: "required", kubeconfigContext: "ctx" },
    grpc: true,
    resources: { cpu: "1", memory: "2Gi", cpuLimit: "2" },
  });
  await settle(docker.access, kube.access, docker.apiKey, kube.apiKey);
});

const containers = () =>
  harness.ofType("docker:index/container:Container").map((r) => unwrapSecrets(r.inputs));

describe("QdrantCluster on Docker", () => {
  it("runs the pinned image through a pulled RemoteImage", () => {
    const image = harness.one("docker:index/remoteImage:RemoteImage", "dq-image");
    expect(image.inputs.name).toBe("qdrant/qdrant:v1.19.0");
    for (const c of containers()) expect(c.image).toMatch(/^sha256:/);
  });

  it("starts peer 0 with --uri and peers 1, 2 with --bootstrap peer 0 on container names", () => {
    expect(containers().map((c) => [c.name, c.command])).toEqual([
      ["dq-0", ["./entrypoint.sh", "--uri", "http://dq-0:6335"]],
      ["dq-1", ["./entrypoint.sh", "--bootstrap", "http://dq-0:6335", "--uri", "http://dq-1:6335"]],
      ["dq-2", ["./entrypoint.sh", "--bootstrap", "http://dq-0:6335", "--uri", "http://dq-2:6335"]],
    ]);
  });

  it("publishes only REST, on 127.0.0.1, at hostPortBase + i; P2P is never published", () => {
    for (const [i, c] of containers().entries()) {
      expect(c.ports).toEqual([{ internal: 6333, external: 16333 + i, ip: "127.0.0.1", protocol: "tcp" }]);
      expect(c.ports.map((p: any) => p.internal)).not.toContain(6335);
      expect(c.networksAdvanced).toEqual([{ name: "dq-net", aliases: [c.name] }]);
    }
  });

  it("checks health on /readyz with bash (the image has no curl) and waits for it", () => {
    for (const c of containers()) {
      expect(c.healthcheck.tests.slice(0, 3)).toEqual(["CMD", "bash", "-c"]);
      expect(c.healthcheck.tests[3]).toContain("GET /readyz");
      expect(c.wait).toBe(true);
    }
  });

  it("uploads the rendered config (cluster on, no key in it) and keeps data on named volumes retained on delete", () => {
    for (const c of containers()) {
      expect(c.uploads[0].file).toBe("/qdrant/config/production.yaml");
      expect(c.uploads[0].content).toContain("enabled: true");
      expect(c.uploads[0].content).not.toMatch(/api_key/);
      expect(c.volumes.map((v: any) => v.containerPath)).toEqual(["/qdrant/storage", "/qdrant/snapshots"]);
    }
    const volumes = harness.ofType("docker:index/volume:Volume").filter((v) => v.name.startsWith("dq-"));
    expect(volumes.map((v) => v.name).sort()).toEqual(
      [
        "dq-0-snapshots",
        "dq-0-storage",
        "dq-1-snapshots",
        "dq-1-storage",
        "dq-2-snapshots",
        "dq-2-storage",
      ].sort(),
    );
  });

  it("gives the API keys to the containers only through a secret environment", () => {
    const raw = harness.ofType("docker:index/container:Container")[0]!.inputs.envs;
    expect(JSON.stringify(raw)).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(containers()[0]!.envs).toEqual([
      expect.stringMatching(/^QDRANT__SERVICE__API_KEY=GEN/),
      expect.stringMatching(/^QDRANT__SERVICE__READ_ONLY_API_KEY=GEN/),
    ]);
  });

  it("outputs endpoints, url and access as plain data and the keys as secrets", async () => {
    expect(await resolved(docker.endpoints)).toEqual(["dq-0:6333", "dq-1:6333", "dq-2:6333"]);
    expect(await resolved(docker.url)).toBe("http://dq-0:6333");
    expect(await resolved(docker.port)).toBe(6333);
    expect(await resolved(docker.access)).toEqual({
      members: [0, 1, 2].map((i) => ({
        advertised: `dq-${i}:6333`,
        reach: { kind: "direct", host: "127.0.0.1", port: 16333 + i },
      })),
    });
    expect(await isSecret(docker.apiKey)).toBe(true);
    expect(await isSecret(docker.readOnlyApiKey)).toBe(true);
    expect(await isSecret(docker.access)).toBe(false);
  });
});

describe("QdrantCluster on Kubernetes", () => {
  const statefulSet = () => unwrapSecrets(harness.one("kubernetes:apps/v1:StatefulSet", "kq").inputs);

  it("runs a StatefulSet with Parallel pod management under the headless Service", () => {
    const sts = statefulSet();
    expect(sts.spec.podManagementPolicy).toBe("Parallel");
    expect(sts.spec.serviceName).toBe("kq-headless");
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.template.spec.containers[0].image).toBe("qdrant/qdrant:v1.19.0");
  });

  it("starts each pod from a script mapping its name to --uri (pod 0) or --bootstrap pod 0 --uri own", () => {
    const config = unwrapSecrets(harness.one("kubernetes:core/v1:ConfigMap", "kq-config").inputs);
    const script: string = config.data["start.sh"];
    const dns = (i: number) => `http://kq-${i}.kq-headless.kato.svc.cluster.local:6335`;
    expect(script).toContain(`kq-0) exec ./entrypoint.sh '--uri' '${dns(0)}' ;;`);
    expect(script).toContain(`kq-1) exec ./entrypoint.sh '--bootstrap' '${dns(0)}' '--uri' '${dns(1)}' ;;`);
    expect(script).toContain(`kq-2) exec ./entrypoint.sh '--bootstrap' '${dns(0)}' '--uri' '${dns(2)}' ;;`);
    expect(statefulSet().spec.template.spec.containers[0].command).toEqual([
      "/bin/bash",
      "/qdrant/config/start.sh",
    ]);
  });

  it("publishes not-ready peers on the headless Service (peers must find each other before they are ready)", () => {
    const headless = unwrapSecrets(harness.one("kubernetes:core/v1:Service", "kq-headless").inputs);
    expect(headless.spec.clusterIP).toBe("None");
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(headless.spec.ports.map((p: any) => p.port)).toEqual([6333, 6334, 6335]);
    const client = unwrapSecrets(harness.one("kubernetes:core/v1:Service", "kq").inputs);
    expect(client.spec.ports.map((p: any) => p.port)).toEqual([6333, 6334]);
  });

  it("probes readiness on /readyz and liveness on /livez", () => {
    const c = statefulSet().spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(c.livenessProbe.httpGet).toEqual({ path: "/livez", port: "http" });
  });

  it("runs as uid 1000 with a read-only root and no privilege escalation", () => {
    const spec = statefulSet().spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    expect(spec.containers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(spec.containers[0].env[0]).toEqual({
      name: "QDRANT_INIT_FILE_PATH",
      value: "/qdrant/init/.qdrant-initialized",
    });
  });

  it("spreads peers with the target's anti-affinity and limits disruption to one peer", () => {
    expect(
      statefulSet().spec.template.spec.affinity.podAntiAffinity
        .requiredDuringSchedulingIgnoredDuringExecution,
    ).toHaveLength(1);
    const pdb = unwrapSecrets(harness.one("kubernetes:policy/v1:PodDisruptionBudget", "kq").inputs);
    expect(pdb.spec.maxUnavailable).toBe(1);
  });

  it("lets only peers reach P2P 6335; clients reach REST and gRPC", () => {
    const policy = unwrapSecrets(harness.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "kq").inputs);
    const [clients, peers] = policy.spec.ingress;
    expect(clients.ports.map((p: any) => p.port)).toEqual([6333, 6334]);
    expect(peers.ports.map((p: any) => p.port)).toEqual([6335]);
    expect(peers.from).toEqual([{ podSelector: { matchLabels: policy.spec.podSelector.matchLabels } }]);
  });

  it("requests resources (memory limit = request) and retains PVCs by default", () => {
    const sts = statefulSet();
    expect(sts.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: "1", memory: "2Gi" },
      limits: { memory: "2Gi", cpu: "2" },
    });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
    expect(
      sts.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.resources.requests.storage]),
    ).toEqual([
      ["storage", "10Gi"],
      ["snapshots", "5Gi"],
    ]);
  });

  it("keeps the API keys in a Secret, read by the pods through secretKeyRef", () => {
    const secret = harness.one("kubernetes:core/v1:Secret", "kq-api-keys");
    expect(JSON.stringify(secret.inputs.stringData)).toContain("1b47061264138c4ac30d75fd1eb44270");
    const env = statefulSet().spec.template.spec.containers[0].env.slice(1);
    expect(env).toEqual([
      {
        name: "QDRANT__SERVICE__API_KEY",
        valueFrom: { secretKeyRef: { name: "kq-api-keys", key: "api-key" } },
      },
      {
        name: "QDRANT__SERVICE__READ_ONLY_API_KEY",
        valueFrom: { secretKeyRef: { name: "kq-api-keys", key: "read-only-api-key" } },
      },
    ]);
  });

  it("outputs pod DNS endpoints, the client Service URL and port-forward access", async () => {
    expect(await resolved(kube.endpoints)).toEqual(
      [0, 1, 2].map((i) => `kq-${i}.kq-headless.kato.svc.cluster.local:6333`),
    );
    expect(await resolved(kube.url)).toBe("http://kq.kato.svc.cluster.local:6333");
    const access = await resolved(kube.access);
    expect(access.members[2]).toEqual({
      advertised: "kq-2.kq-headless.kato.svc.cluster.local:6333",
      reach: { kind: "port-forward", namespace: "kato", pod: "kq-2", port: 6333, context: "ctx" },
    });
  });

  it("declares only objects the official Kubernetes schema accepts", () => {
    const results = validateKubernetesResources(harness.resources);
    expect(results.length).toBeGreaterThanOrEqual(6);
    expect(results.filter((r) => r.error)).toEqual([]);
  });
});

describe("both targets", () => {
  it("never write a generated key in plaintext, in inputs or outputs", () => {
    expect(harness.generatedSecrets.length).toBe(4);
    expect(plaintextSecretLeaks(harness)).toEqual([]);
  });

  it("refuse bad settings with every problem at once", () => {
    expect(
      () => new QdrantCluster("bad", { target: { kind: "docker" }, peers: 0, image: "qdrant/qdrant:latest" }),
    ).toThrow(/2 problems[\s\S]*qdrant.peers[\s\S]*qdrant.image/);
  });

  it("can run without API keys (KATO 3.0.0 sends none)", async () => {
    const open = new QdrantCluster("open", {
      target: { kind: "docker" },
      apiKey: false,
      peers: 1,
      hostPortBase: 26333,
    });
    await settle(open.access);
    expect(await resolved(open.apiKey)).toBeUndefined();
    const c = unwrapSecrets(harness.one("docker:index/container:Container", "open-0").inputs);
    expect(c.envs ?? []).toEqual([]);
  });
});
