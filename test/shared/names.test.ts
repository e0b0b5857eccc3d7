/** One component-name rule for every engine and operations component (components/shared/names.ts). */
import { describe, expect, it } from "vitest";
import { MongoReplicaSet } from "../../components/mongodb/component";
import { MongoBackup } from "../../components/operations/mongoBackup";
import { QdrantCluster } from "../../components/qdrant/component";
import { RedisCluster } from "../../components/redis/component";
import { COMPONENT_NAME_MAX, componentNameProblems } from "../../components/shared/names";
import { installMocks } from "../support/mocks";

describe("component names", () => {
  it("accepts a DNS-1035 label up to the limit and refuses one character more", () => {
    expect(COMPONENT_NAME_MAX).toBe(40);
    expect(componentNameProblems("n", `k${"a".repeat(39)}`, "x")).toEqual([]);
    expect(componentNameProblems("n", `k${"a".repeat(40)}`, "x")).toHaveLength(1);
    for (const bad of ["Kato", "kato_redis", "1kato", "-kato", "kato-", ""]) {
      expect(componentNameProblems("n", bad, "x"), bad).toHaveLength(1);
    }
  });

  it("leaves room for the longest suffix under Kubernetes' limits", () => {
    const longest = "a".repeat(COMPONENT_NAME_MAX);
    expect(`${longest}-sentinel`.length).toBeLessThanOrEqual(52); // a StatefulSet's name
    expect(`${longest}-sentinel-headless`.length).toBeLessThanOrEqual(63); // a Service's name
  });

  it("is the rule of every engine and of the operations components, on both targets", () => {
    installMocks();
    const name = `k${"a".repeat(40)}`;
    const docker = { kind: "docker" as const };
    const k8s = { kind: "kubernetes" as const, namespace: "kato" };
    const attempts: Array<[string, () => unknown]> = [
      ["MongoReplicaSet", () => new MongoReplicaSet(name, { target: k8s })],
      ["QdrantCluster", () => new QdrantCluster(name, { target: docker })],
      ["RedisCluster", () => new RedisCluster(name, { target: k8s })],
      ["MongoBackup", () => new MongoBackup(name, { target: k8s, uri: "mongodb://x" } as any)],
    ];
    for (const [kind, make] of attempts) {
      expect(make, kind).toThrow(
        new RegExp(`${kind} name = "${name}": must be a DNS label of at most 40 characters`),
      );
    }
  });
});
