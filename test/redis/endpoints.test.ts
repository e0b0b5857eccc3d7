/**
 * redisEndpoints (components/redis/topology.ts) is the one statement of where each Redis node is:
 * the component's own outputs and its StatefulSet's PVCs agree with it, in both modes and on both
 * targets (Pulumi mocks); the operations (components/dataplane/operations.ts) call it for their endpoints.
 */
import { describe, expect, it } from "vitest";
import { RedisCluster } from "../../components/redis/component";
import { redisEndpoints } from "../../components/redis/topology";
import { installMocks, resolved, waitForRegistrations } from "../support/mocks";

describe.each([
  ["cluster", "docker"],
  ["cluster", "kubernetes"],
  ["replication", "docker"],
  ["replication", "kubernetes"],
] as const)("redisEndpoints, %s mode on %s", (mode, kind) => {
  it("is what the component advertises and where its data PVCs are", async () => {
    const h = installMocks();
    const where =
      kind === "docker"
        ? ({ kind: "docker" } as const)
        : ({ kind: "kubernetes", namespace: "data", clusterDomain: "example.local" } as const);
    const target =
      kind === "docker"
        ? { kind: "docker" as const }
        : { kind: "kubernetes" as const, namespace: "data", clusterDomain: "example.local" };
    const redis = new RedisCluster("cache", { target, mode });
    await waitForRegistrations();
    const expected = redisEndpoints("cache", redis.settings, where);
    expect(await resolved(redis.endpoints)).toEqual(expected.nodes);
    expect(expected.nodes).toHaveLength(redis.settings.nodes);
    if (kind === "kubernetes") {
      const sts = h
        .ofType("kubernetes:apps/v1:StatefulSet")
        .map((r) => r.inputs as any)
        .find((i) => i.metadata.name === "cache")!;
      const claims = Array.from(
        { length: sts.spec.replicas },
        (_, i) => `${sts.spec.volumeClaimTemplates[0].metadata.name}-${sts.metadata.name}-${i}`,
      );
      expect(claims).toEqual(expected.dataClaims);
    }
  });
});
