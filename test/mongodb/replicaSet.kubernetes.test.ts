/**
 * MongoReplicaSet on Kubernetes under Pulumi mocks: the StatefulSet and its neighbours, checked
 * against the Kubernetes OpenAPI schema, and no credential in plaintext.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { MongoReplicaSet } from "../../components/mongodb";
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
let rs: MongoReplicaSet;

beforeAll(async () => {
  rs = new MongoReplicaSet("mongo", {
    target: { kind: "kubernetes", namespace: "kato", antiAffinity: "required", kubeconfigContext: "prod" },
    members: 3,
    storage: { size: "20Gi", storageClass: "fast" },
    resources: { cpu: "500m", memory: "2Gi" },
    wiredTigerCacheSizeGb: 0.5,
  });
  await settle(rs.uri, rs.access, rs.endpoints);
});

const sts = () => unwrapSecrets(harness.one("kubernetes:apps/v1:StatefulSet").inputs);
const pod = () => sts().spec.template.spec;
const container = () => pod().containers[0];

describe("MongoReplicaSet on Kubernetes", () => {
  it("declares only objects the Kubernetes schema accepts", () => {
    const results = validateKubernetesResources(harness.resources);
    expect(results.length).toBeGreaterThanOrEqual(7);
    expect(results.filter((r) => r.error)).toEqual([]);
  });

  it("advertises stable pod DNS names under a headless Service that publishes not-ready addresses", async () => {
    const endpoints = await resolved(rs.endpoints);
    expect(endpoints).toEqual([0, 1, 2].map((i) => `mongo-${i}.mongo-headless.kato.svc.cluster.local:27017`));
    const headless = harness.resources.find(
      (r) => r.type === "kubernetes:core/v1:Service" && r.name === "mongo-headless",
    )!;
    expect(headless.inputs.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true });
    expect(sts().spec.serviceName).toBe("mongo-headless");
    const bootstrap = unwrapSecrets(harness.resources.find((r) => r.name === "mongo-bootstrap")!.inputs);
    expect(bootstrap.access.members.map((m: { advertised: string }) => m.advertised)).toEqual(endpoints);
  });

  it("reaches each pod by port-forward from where pulumi up runs", async () => {
    const access = await resolved(rs.access);
    expect(access.members[1]!.reach).toEqual({
      kind: "port-forward",
      namespace: "kato",
      pod: "mongo-1",
      port: 27017,
      context: "prod",
    });
  });

  it("runs the pinned image as the non-root mongodb user with fsGroup 999", () => {
    expect(container().image).toMatch(/^mongo:8\.0\.\d+$/);
    expect(pod().securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
    expect(container().securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
  });

  it("copies the keyFile to a 0400 file before starting mongod, since fsGroup makes Secret files 0440", () => {
    const script = container().command[2] as string;
    expect(container().command.slice(0, 2)).toEqual(["bash", "-c"]);
    expect(script).toContain("install -m 0400 /etc/kato-mongo-secret/keyfile /var/run/kato-mongo/keyfile");
    expect(script).toContain("exec docker-entrypoint.sh mongod --config /etc/kato-mongo/mongod.conf");
    const config = unwrapSecrets(harness.one("kubernetes:core/v1:ConfigMap").inputs);
    expect(config.data["mongod.conf"]).toContain('keyFile: "/var/run/kato-mongo/keyfile"');
    expect(config.data["mongod.conf"]).toContain("cacheSizeGB: 0.5");
  });

  it("asks for the declared CPU and memory, with memory limited to the request", () => {
    expect(container().resources).toEqual({
      requests: { cpu: "500m", memory: "2Gi" },
      limits: { memory: "2Gi" },
    });
  });

  it("claims retained volumes of the declared size and class", () => {
    expect(sts().spec.volumeClaimTemplates[0].spec).toMatchObject({
      storageClassName: "fast",
      resources: { requests: { storage: "20Gi" } },
    });
    expect(sts().spec.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
  });

  it("starts members in parallel, probes readiness with ping, and spreads them over nodes", () => {
    expect(sts().spec.podManagementPolicy).toBe("Parallel");
    expect(container().readinessProbe.exec.command).toEqual([
      "mongosh",
      "--quiet",
      "--norc",
      "--eval",
      "db.adminCommand({ ping: 1 }).ok",
    ]);
    expect(pod().affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe(
      "kubernetes.io/hostname",
    );
  });

  it("keeps a majority through voluntary disruptions and limits who can connect", () => {
    const pdb = harness.one("kubernetes:policy/v1:PodDisruptionBudget");
    expect(pdb.inputs.spec.maxUnavailable).toBe(1);
    const policy = harness.one("kubernetes:networking.k8s.io/v1:NetworkPolicy");
    expect(policy.inputs.spec.policyTypes).toEqual(["Ingress"]);
    expect(policy.inputs.spec.ingress.every((r: any) => r.ports.every((p: any) => p.port === 27017))).toBe(
      true,
    );
  });

  it("keeps the keyFile and root password in a Secret, and no generated credential in plaintext", async () => {
    const secret = harness.one("kubernetes:core/v1:Secret");
    expect(Object.keys(unwrapSecrets(secret.inputs).stringData).sort()).toEqual(["keyfile", "root-password"]);
    expect(await isSecret(rs.uri)).toBe(true);
    expect(plaintextSecretLeaks(harness)).toEqual([]);
  });
});
