/**
 * What formation must do on any set of real Redis nodes, fresh or already formed: the same test
 * bodies run against local redis-servers (test/redis/formation.real.test.ts) and against the nodes
 * a user points the live suite at (test/live/redis.test.ts). Nothing here stops or restarts a node.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, expect, it } from "vitest";
import { RedisClusterFormation } from "../../../components/redis/formation";
import {
  type FormationMember,
  formCluster,
  inspectCluster,
} from "../../../components/redis/formationExecutor";
import type { FormationSpec } from "../../../components/redis/formationPlan";
import type { EngineAccess } from "../../../components/shared/access";
import type { MockHarness } from "../../support/mocks";
import { settle } from "../../support/mocks";
import {
  type FreshProvider,
  loadProviderInFreshProcess,
  recordedDynamicResource,
} from "../../support/providerProcess";

export interface FormationTarget {
  spec: FormationSpec;
  members: FormationMember[];
  access: EngineAccess;
  password: string;
  masters: number;
  replicasPerMaster: number;
}

export function formationContract(target: () => FormationTarget, harness: MockHarness): void {
  const options = () => ({ password: target().password, timeoutMs: 60_000 });

  it("forms the cluster (or finds it formed): every slot served once, each master with its replicas", async () => {
    const t = target();
    const before = await inspectCluster(t.spec, t.members, options());
    const fresh = before.summary.shards.length === 0;
    const result = await formCluster(t.spec, t.members, options());
    if (fresh) {
      expect(result.applied.filter((s) => s.startsWith("CLUSTER ADDSLOTSRANGE"))).toHaveLength(t.masters);
    }
    expect(result.summary.shards).toHaveLength(t.masters);
    for (const shard of result.summary.shards) expect(shard.replicas).toHaveLength(t.replicasPerMaster);
    const slots = result.summary.shards.flatMap((s) =>
      s.slots.split(" ").flatMap((r) => {
        const [a, b] = r.split("-").map(Number);
        return Array.from({ length: (b ?? a!) - a! + 1 }, (_, i) => a! + i);
      }),
    );
    expect(slots.sort((x, y) => x - y)).toEqual(Array.from({ length: 16384 }, (_, i) => i));
    console.info(
      `formation: ${result.elapsedMs} ms, ${result.rounds} rounds, ${result.applied.length} steps`,
    );
  });

  it("reports every node agreeing: cluster_state ok, one slot map, replicas' links up", async () => {
    const t = target();
    const seen = await inspectCluster(t.spec, t.members, options());
    expect(seen.plan.blockers).toEqual([]);
    expect(seen.plan.waiting).toEqual([]);
    expect(seen.converged).toBe(true);
    for (const o of seen.observed) {
      if (!o.reachable) throw new Error(o.error);
      expect(o.clusterInfo.cluster_state).toBe("ok");
      expect(o.clusterInfo.cluster_slots_assigned).toBe("16384");
      if (o.self.masterId) expect(o.replication.master_link_status).toBe("up");
    }
  });

  it("does nothing when run again: one round of reads, no step", async () => {
    const t = target();
    const result = await formCluster(t.spec, t.members, options());
    expect(result.applied).toEqual([]);
    expect(result.rounds).toBe(1);
  });

  let provider: FreshProvider | undefined;
  afterAll(async () => {
    await provider?.close();
  });

  it("runs the same through the provider loaded from its serialized text: create, diff, read", async () => {
    const t = target();
    const name = `contract-formation-${harness.resources.length}`;
    const formation = new RedisClusterFormation(name, {
      access: t.access,
      shards: t.spec.shards,
      expectedConfig: t.spec.expectedConfig,
      password: pulumi.secret(t.password),
      timeoutSeconds: 60,
    });
    await settle(formation.urn);
    const { providerText, inputs } = recordedDynamicResource(harness, name);
    provider = await loadProviderInFreshProcess(providerText);
    const created = await provider.call("create", inputs);
    expect(created.outs.status).toBe("formed");
    expect(Object.keys(created.outs.nodeIds).sort()).toEqual([...t.spec.members].sort());
    expect((await provider.call("diff", created.id, created.outs, inputs)).changes).toBe(false);
    const read = await provider.call("read", created.id, created.outs);
    expect(read.props.status).toBe("formed");
    expect(read.props.nodeIds).toEqual(created.outs.nodeIds);
  });
}
