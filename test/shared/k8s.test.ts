import { describe, expect, it } from "vitest";
import {
  containerResources,
  engineLabels,
  podAntiAffinity,
  podDnsName,
  podSecurityContext,
  pvcRetentionPolicy,
  selectorLabels,
  volumeClaimTemplate,
} from "../../components/shared/k8s";

describe("Kubernetes helpers", () => {
  it("pod DNS names follow the StatefulSet/headless Service rule", () => {
    expect(podDnsName("kato-mongo", 2, "kato-mongo-hl", "data", "cluster.local")).toBe(
      "kato-mongo-2.kato-mongo-hl.data.svc.cluster.local",
    );
  });

  it("selector labels are a stable subset of the full labels", () => {
    const labels = engineLabels("redis", "kato", "7.4.5");
    expect(labels).toMatchObject(selectorLabels("redis", "kato"));
    expect(selectorLabels("redis", "kato")).not.toHaveProperty("app.kubernetes.io/version");
  });

  it("soft anti-affinity is preferred, required is required, both per hostname", () => {
    const soft = podAntiAffinity("soft", { a: "b" }) as any;
    const hard = podAntiAffinity("required", { a: "b" }) as any;
    expect(
      soft.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey,
    ).toBe("kubernetes.io/hostname");
    expect(soft.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
    expect(
      hard.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels,
    ).toEqual({
      a: "b",
    });
  });

  it("volumes are retained unless data loss is allowed", () => {
    expect(pvcRetentionPolicy(true)).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(pvcRetentionPolicy(false)).toEqual({ whenDeleted: "Delete", whenScaled: "Delete" });
  });

  it("memory limit equals the request; CPU limit only when asked", () => {
    expect(containerResources({ cpu: "500m", memory: "1Gi" })).toEqual({
      requests: { cpu: "500m", memory: "1Gi" },
      limits: { memory: "1Gi" },
    });
    expect((containerResources({ cpu: "1", memory: "1Gi", cpuLimit: "2" }) as any).limits.cpu).toBe("2");
  });

  it("pods run as the engine's non-root user", () => {
    expect(podSecurityContext(999)).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
  });

  it("claim templates carry size and storage class", () => {
    const t = volumeClaimTemplate("data", { size: "5Gi", storageClass: "fast", retainOnDelete: true }) as any;
    expect(t.spec.resources.requests.storage).toBe("5Gi");
    expect(t.spec.storageClassName).toBe("fast");
  });
});
