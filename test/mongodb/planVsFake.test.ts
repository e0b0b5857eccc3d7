/**
 * Property: for any sequence of declarations, the executor's plans are accepted by the strict fake
 * (which enforces MongoDB's createIndexes conflict rules), and each declaration converges in one run.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applySchema } from "../../components/mongodb/schemaExecutor";
import { type IndexSpec, validateDatabaseSchema } from "../../components/mongodb/schemaSpec";
import { FakeMongoCluster } from "./fake/fakeMongo";

const root = { username: "root", password: "pw" };
let cluster: FakeMongoCluster;

beforeAll(async () => {
  cluster = new FakeMongoCluster({ members: 1, root });
  await cluster.start();
  cluster.initiateNow();
});
afterAll(async () => {
  await cluster.stop();
});

const index: fc.Arbitrary<IndexSpec> = fc
  .record({
    keys: fc.uniqueArray(fc.tuple(fc.constantFrom("a", "b", "c"), fc.constantFrom<1 | -1>(1, -1)), {
      minLength: 1,
      maxLength: 2,
      selector: ([f]) => f,
    }),
    name: fc.option(fc.constantFrom("i1", "i2"), { nil: undefined }),
    unique: fc.boolean(),
    ttl: fc.option(fc.constantFrom(5, 50), { nil: undefined }),
    hidden: fc.boolean(),
    text: fc.option(fc.constantFrom("title", "body"), { nil: undefined }),
  })
  .map((r) => {
    if (r.text) return { keys: [[r.text, "text"]], ...(r.name ? { name: r.name } : {}) } as IndexSpec;
    const spec: IndexSpec = { keys: r.keys, unique: r.unique, hidden: r.hidden };
    if (r.name) spec.name = r.name;
    if (r.ttl !== undefined && r.keys.length === 1) spec.expireAfterSeconds = r.ttl;
    return spec;
  });
const declaration = fc
  .array(index, { maxLength: 4 })
  .filter(
    (indexes) => validateDatabaseSchema({ database: "t", collections: { c: { indexes } } }).length === 0,
  );

describe("planner against the fake", () => {
  let n = 0;
  it("every declaration sequence applies cleanly and converges in one run", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(declaration, { minLength: 1, maxLength: 4 }), async (sequence) => {
        const database = `prop_${n++}`;
        for (const indexes of sequence) {
          const request = {
            database,
            collections: { c: { indexes } },
            allowIndexRebuild: true,
            members: cluster.reachable(),
            credentials: root,
            timeoutMs: 5000,
            pollMs: 10,
          };
          try {
            await applySchema(request);
          } catch (error) {
            // The only acceptable refusal: a text index the server has that is not declared.
            expect((error as Error).message).toMatch(/\[index-conflict\].*text index/);
            continue;
          }
          const again = await applySchema(request);
          expect(again).toMatchObject({ created: [], modified: [], rebuilt: [], collectionsCreated: [] });
        }
      }),
      { numRuns: 150 },
    );
  });
});
