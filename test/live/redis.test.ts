/**
 * Redis Cluster formation against nodes you run: the same test bodies as
 * test/redis/formation.real.test.ts (test/redis/contracts/formationContract.ts).
 *
 * Set REDIS_CLUSTER_NODES to the nodes as reachable from here (comma-separated host:port) and
 * REDIS_PASSWORD to their requirepass; REDIS_REPLICAS_PER_MASTER defaults to 1. The nodes must run
 * with cluster-enabled yes and masterauth set. Fresh nodes are formed (node i < masters becomes a
 * master); a formed cluster is only read. Settings are not compared (no CONFIG SET is ever sent).
 * Six nodes on any Docker host, for example:
 *
 *   docker network create kato-live
 *   for i in 0 1 2 3 4 5; do docker run -d --name kato-live-redis-$i --network kato-live \
 *     -p 127.0.0.1:$((7100+i)):6379 redis:7.4.5 redis-server --cluster-enabled yes \
 *     --requirepass live-pw --masterauth live-pw --cluster-announce-hostname kato-live-redis-$i \
 *     --cluster-preferred-endpoint-type hostname; done
 *   REDIS_CLUSTER_NODES=127.0.0.1:7100,127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103,127.0.0.1:7104,127.0.0.1:7105 \
 *     REDIS_PASSWORD=live-pw npm run test:live -- test/live/redis.test.ts
 */
import { describe, it } from "vitest";
import type { FormationSpec } from "../../components/redis/formationPlan";
import { planTopology } from "../../components/redis/topology";
import { type FormationTarget, formationContract } from "../redis/contracts/formationContract";
import { installMocks } from "../support/mocks";

const nodes = (process.env.REDIS_CLUSTER_NODES ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter((s) => s !== "");

if (nodes.length === 0) {
  describe("Redis live suite", () => {
    it.skip("skipped: set REDIS_CLUSTER_NODES (host:port,...) and REDIS_PASSWORD (see the header of test/live/redis.test.ts)", () => {});
  });
} else {
  const replicasPerMaster = Number(process.env.REDIS_REPLICAS_PER_MASTER ?? 1);
  const masters = nodes.length / (1 + replicasPerMaster);
  if (!Number.isInteger(masters) || masters < 3) {
    throw new Error(
      `REDIS_CLUSTER_NODES has ${nodes.length} nodes, which is not masters x (1 + ${replicasPerMaster}) with at least 3 masters.`,
    );
  }
  const harness = installMocks();
  const topology = planTopology(masters, replicasPerMaster, nodes);
  const spec: FormationSpec = {
    members: nodes,
    shards: topology.shards.map((s) => ({ master: s.master, replicas: s.replicas, slots: s.slots })),
    expectedConfig: {},
  };
  const reach = nodes.map((n) => {
    const colon = n.lastIndexOf(":");
    return { host: n.slice(0, colon), port: Number(n.slice(colon + 1)) };
  });
  const target = (): FormationTarget => ({
    spec,
    members: nodes.map((advertised, i) => ({ advertised, ...reach[i]!, direct: true })),
    access: {
      members: nodes.map((advertised, i) => ({ advertised, reach: { kind: "direct", ...reach[i]! } })),
    },
    password: process.env.REDIS_PASSWORD ?? "",
    masters,
    replicasPerMaster,
  });
  describe(`Redis live suite against ${nodes.join(", ")}`, () => {
    formationContract(target, harness);
  });
}
