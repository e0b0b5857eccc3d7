/** RedisCluster on Kubernetes, under Pulumi mocks: what it declares, schema-valid, no secret in plaintext. */
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
let cache: RedisCluster;

beforeAll(async () => {
  cache = new RedisCluster("cache", {
    target: { kind: "kubernetes", namespace: "kato", kubeconfigContext: "kind-kato" },
    storage: { storageClass: "fast-ssd" },
  });
  const strict = new RedisCluster("strict", {
    target: {
      kind: "kubernetes",
      namespace: "kato",
      antiAffinity: "required",
      clusterDomain: "corp.local",
      clientPodLabels: { app: "kato" },
    },
    masters: 3,
    replicasPerMaster: 2,
    storage: { retainOnDelete: false },
    resources: { cpu: "1", memory: "4Gi", cpuLimit: "2" },
  });
  await settle(cache.endpoints, cache.access, cache.formation.urn, strict.endpoints, strict.formation.urn);
});

const of = (type: string, name: string) => unwrapSecrets(harness.one(type, name).inputs);
const sts = (name = "cache") => of("kubernetes:apps/v1:StatefulSet", name);
const container = (name = "cache") => sts(name).spec.template.spec.containers[0];

describe("RedisCluster on Kubernetes", () => {
  it("declares a StatefulSet of 6 pods started in parallel under a headless Service, from the pinned image", () => {
    const s = sts();
    expect(s.metadata).toMatchObject({ name: "cache", namespace: "kato" });
    expect(s.spec).toMatchObject({
      replicas: 6,
      podManagementPolicy: "Parallel",
      serviceName: "cache-headless",
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    });
    expect(container().image).toBe("redis:7.4.5");
    expect(sts("strict").spec.replicas).toBe(9);
  });

  it("announces each pod's stable DNS name and IP as arguments the kubelet expands", () => {
    const c = container();
    expect(c.command).toEqual(["redis-server"]);
    expect(c.args).toEqual([
      "/etc/redis/redis.conf",
      "--cluster-announce-hostname",
      "$(POD_NAME).cache-headless.$(POD_NAMESPACE).svc.cluster.local",
      "--cluster-announce-human-nodename",
      "$(POD_NAME)",
      "--cluster-announce-ip",
      "$(POD_IP)",
    ]);
    expect(c.env.map((e: any) => [e.name, e.valueFrom.fieldRef.fieldPath])).toEqual([
      ["POD_NAME", "metadata.name"],
      ["POD_NAMESPACE", "metadata.namespace"],
      ["POD_IP", "status.podIP"],
    ]);
    expect(container("strict").args[2]).toBe("$(POD_NAME).strict-headless.$(POD_NAMESPACE).svc.corp.local");
  });

  it("advertises the same pod DNS names as endpoints and reaches them by port-forward", async () => {
    const endpoints = await resolved(cache.endpoints);
    expect(endpoints).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => `cache-${i}.cache-headless.kato.svc.cluster.local:6379`),
    );
    const access = await resolved(cache.access);
    expect(access.members[4]).toEqual({
      advertised: "cache-4.cache-headless.kato.svc.cluster.local:6379",
      reach: { kind: "port-forward", namespace: "kato", pod: "cache-4", port: 6379, context: "kind-kato" },
    });
    const formation = unwrapSecrets(
      harness.one("pulumi-nodejs:dynamic/kato:RedisClusterFormation", "cache-formation").inputs,
    );
    expect(formation.access).toEqual(access);
    expect(formation.shards[0]).toEqual({
      master: endpoints[0],
      replicas: [endpoints[3]],
      slots: [[0, 5461]],
    });
  });

  it("publishes not-ready addresses on the headless Service (bus and client ports) and serves clients on another", () => {
    const headless = of("kubernetes:core/v1:Service", "cache-headless");
    expect(headless.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true });
    expect(headless.spec.ports.map((p: any) => p.port)).toEqual([6379, 16379]);
    const client = of("kubernetes:core/v1:Service", "cache");
    expect(client.spec).toMatchObject({ type: "ClusterIP" });
    expect(client.spec.ports.map((p: any) => p.port)).toEqual([6379]);
    expect(client.spec.selector).toEqual(headless.spec.selector);
  });

  it("runs as the non-root redis user on a read-only root filesystem", () => {
    const pod = sts().spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
    expect(container().securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("requests CPU and memory with the memory limit equal to the request", () => {
    expect(container().resources).toEqual({
      requests: { cpu: "500m", memory: "3Gi" },
      limits: { memory: "3Gi" },
    });
    expect(container("strict").resources).toEqual({
      requests: { cpu: "1", memory: "4Gi" },
      limits: { memory: "4Gi", cpu: "2" },
    });
  });

  it("claims a volume per pod of the settings' size and class, kept unless data loss is allowed", () => {
    expect(sts().spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: "data" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "fast-ssd",
          resources: { requests: { storage: "8Gi" } },
        },
      },
    ]);
    expect(sts("strict").spec.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: "Delete",
      whenScaled: "Delete",
    });
    expect(container().volumeMounts).toEqual([
      { name: "data", mountPath: "/data" },
      { name: "config", mountPath: "/etc/redis", readOnly: true },
      { name: "auth", mountPath: "/etc/redis-auth", readOnly: true },
    ]);
  });

  it("spreads pods softly by default and strictly when asked", () => {
    const soft = sts().spec.template.spec.affinity.podAntiAffinity;
    expect(soft.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm).toMatchObject({
      topologyKey: "kubernetes.io/hostname",
      labelSelector: {
        matchLabels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "cache" },
      },
    });
    const hard = sts("strict").spec.template.spec.affinity.podAntiAffinity;
    expect(hard.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
  });

  it("probes with an authenticated PING from the mounted password file, tolerating LOADING while starting", () => {
    const c = container();
    expect(c.readinessProbe.exec.command).toEqual([
      "sh",
      "-c",
      `REDISCLI_AUTH="$(cat /etc/redis-auth/password)" redis-cli -p 6379 ping | grep -Eq 'PONG'`,
    ]);
    expect(c.livenessProbe.exec.command[2]).toContain("'PONG|LOADING'");
    expect(c.startupProbe).toMatchObject({ periodSeconds: 10, failureThreshold: 60 });
  });

  it("allows at most one pod down at a time", () => {
    expect(of("kubernetes:policy/v1:PodDisruptionBudget", "cache").spec).toMatchObject({ maxUnavailable: 1 });
  });

  it("lets only members reach the cluster bus port, and clients only the client port", () => {
    const policy = of("kubernetes:networking.k8s.io/v1:NetworkPolicy", "cache");
    expect(policy.spec.policyTypes).toEqual(["Ingress"]);
    const rules = policy.spec.ingress as any[];
    const busRules = rules.filter((r) => r.ports.some((p: any) => p.port === 16379));
    expect(busRules).toHaveLength(1);
    expect(busRules[0].from).toEqual([
      {
        podSelector: {
          matchLabels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "cache" },
        },
      },
    ]);
    const clientRule = rules.find((r) => !r.ports.some((p: any) => p.port === 16379));
    expect(clientRule.ports).toEqual([{ protocol: "TCP", port: 6379 }]);
    const strictRules = of("kubernetes:networking.k8s.io/v1:NetworkPolicy", "strict").spec.ingress as any[];
    expect(strictRules[0].from).toEqual([{ podSelector: { matchLabels: { app: "kato" } } }]);
  });

  it("keeps redis.conf in a ConfigMap without the password, and the password in a Secret", async () => {
    const conf: string = of("kubernetes:core/v1:ConfigMap", "cache-config").data["redis.conf"];
    expect(conf).toContain("\ninclude /etc/redis-auth/auth.conf\n");
    expect(conf).not.toMatch(/requirepass|masterauth|GEN/);
    const secret = harness.one("kubernetes:core/v1:Secret", "cache-auth");
    expect(JSON.stringify(secret.inputs.stringData)).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(unwrapSecrets(secret.inputs).stringData.password).toBe(await resolved(cache.password));
    expect(sts().spec.template.spec.volumes).toEqual([
      { name: "config", configMap: { name: "cache-config" } },
      { name: "auth", secret: { secretName: "cache-auth", defaultMode: 0o440 } },
    ]);
    expect(sts().spec.template.metadata.annotations["kato.dev/redis-conf-sha256"]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("writes no generated secret anywhere in plaintext and outputs the password as a secret", async () => {
    expect(plaintextSecretLeaks(harness)).toEqual([]);
    expect(await isSecret(cache.password)).toBe(true);
  });

  it("declares only objects the Kubernetes schema accepts", () => {
    const results = validateKubernetesResources(harness.resources);
    expect(results.map((r) => r.type.split(":").pop()).sort()).toEqual(
      [
        ...[
          "ConfigMap",
          "NetworkPolicy",
          "PodDisruptionBudget",
          "Secret",
          "Service",
          "Service",
          "StatefulSet",
        ],
        ...[
          "ConfigMap",
          "NetworkPolicy",
          "PodDisruptionBudget",
          "Secret",
          "Service",
          "Service",
          "StatefulSet",
        ],
      ].sort(),
    );
    expect(results.filter((r) => r.error)).toEqual([]);
  });
});
