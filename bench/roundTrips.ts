/**
 * Server round trips, counted on the contract fakes (test/mongodb/fake, test/qdrant/fake): what
 * creating a tenant's schema costs and what confirming it unchanged costs. Connection handshakes,
 * authentication and driver monitoring are not schema work and are counted apart.
 */
import { planSchema } from "../components/dataplane/presets";
import { applySchema } from "../components/mongodb/schemaExecutor";
import { createCollection, readCollection, updateCollection } from "../components/qdrant/collectionExecutor";
import { FakeMongoCluster } from "../test/mongodb/fake/fakeMongo";
import { startFakeQdrant } from "../test/qdrant/fake/server";

const NOT_SCHEMA_WORK = new Set([
  "hello",
  "ismaster",
  "isMaster",
  "saslStart",
  "saslContinue",
  "ping",
  "endSessions",
  "buildInfo",
  "buildinfo",
]);

export interface RoundTrips {
  mongoCollections: number;
  mongoCreate: number;
  mongoUnchanged: number;
  mongoCreateCommands: Record<string, number>;
  qdrantCreate: number;
  qdrantUnchanged: number;
  qdrantUnchangedUpdate: number;
  qdrantCreateRequests: string[];
}

function schemaCommands(
  log: Array<{ command: string; db: string }>,
  database: string,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of log) {
    if (e.db !== database || NOT_SCHEMA_WORK.has(e.command)) continue;
    counts[e.command] = (counts[e.command] ?? 0) + 1;
  }
  return counts;
}

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

export async function measureRoundTrips(): Promise<RoundTrips> {
  const plan = planSchema({ preset: "kato-v3", nodeIds: ["bench"], serviceName: "kato", vectorSize: 8 });
  const database = plan.tenants[0]!.database;
  const root = { username: "root", password: "bench-root-password" };
  const mongo = new FakeMongoCluster({ members: 3, root });
  await mongo.start();
  let mongoCreateCommands: Record<string, number>;
  let mongoUnchanged: number;
  try {
    mongo.initiateNow();
    const request = {
      database,
      collections: plan.collections,
      allowIndexRebuild: false,
      members: mongo.reachable(),
      credentials: root,
      timeoutMs: 10_000,
    };
    mongo.log.length = 0;
    await applySchema(request);
    mongoCreateCommands = schemaCommands(mongo.log, database);
    mongo.log.length = 0;
    const again = await applySchema(request);
    if (again.created.length + again.modified.length + again.rebuilt.length > 0) {
      throw new Error("the second schema run changed something");
    }
    mongoUnchanged = total(schemaCommands(mongo.log, database));
  } finally {
    await mongo.stop();
  }

  const fake = await startFakeQdrant({ apiKey: "bench-key", peers: 3 });
  try {
    // KATO 3.0's collection settings (docs/kato.md) with the guide's payload fields indexed.
    const inputs = {
      name: "vectors_bench_kato",
      ...plan.qdrant,
      payloadIndexes: [
        { field: "pattern_name", schema: "keyword" },
        { field: "event_index", schema: "integer" },
      ],
      connection: { url: fake.url },
      apiKey: "bench-key",
    } as unknown as Parameters<typeof createCollection>[0];
    fake.clearRequests();
    const created = await createCollection(inputs);
    const qdrantCreateRequests = fake.requests.map((r) => `${r.method} ${r.path}`);
    fake.clearRequests();
    await readCollection(created.id, created.outs);
    const qdrantUnchanged = fake.count();
    fake.clearRequests();
    await updateCollection(created.id, created.outs, inputs);
    const qdrantUnchangedUpdate = fake.count();
    if (fake.violations.length > 0)
      throw new Error(`contract violations: ${JSON.stringify(fake.violations)}`);
    return {
      mongoCollections: Object.keys(plan.collections).length,
      mongoCreate: total(mongoCreateCommands),
      mongoUnchanged,
      mongoCreateCommands,
      qdrantCreate: qdrantCreateRequests.length,
      qdrantUnchanged,
      qdrantUnchangedUpdate,
      qdrantCreateRequests,
    };
  } finally {
    await fake.close();
  }
}
