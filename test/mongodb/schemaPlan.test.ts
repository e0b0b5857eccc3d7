/** The index planner: unit cases and properties over random declarations and server states. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyPlan,
  declaredRebuilds,
  planCollection,
  planHasSteps,
  rebuildRefusal,
  serverDocument,
} from "../../components/mongodb/schemaPlan";
import {
  type IndexSpec,
  indexName,
  toCreateSpec,
  validateDatabaseSchema,
} from "../../components/mongodb/schemaSpec";

const ID = { v: 2, key: { _id: 1 }, name: "_id_" };
const server = (...specs: IndexSpec[]) => [ID, ...specs.map((s) => serverDocument(toCreateSpec(s)))];

describe("planCollection", () => {
  it("creates every index of a missing collection in one batch", () => {
    const plan = planCollection("c", [{ keys: [["a", 1]] }, { keys: [["b", -1]] }], undefined);
    expect(plan.create.map((c) => c.name)).toEqual(["a_1", "b_-1"]);
    expect(plan.createCollection).toBe(false);
    expect(planCollection("c", [], undefined).createCollection).toBe(true);
  });

  it("does nothing when the server already has the declared indexes", () => {
    const desired: IndexSpec[] = [
      { keys: [["a", 1]], unique: true },
      { keys: [["t", "text"]], weights: { t: 3 } },
    ];
    expect(planHasSteps(planCollection("c", desired, server(...desired)))).toBe(false);
  });

  it("matches a collation the server filled with defaults", () => {
    const actual = [
      ID,
      {
        v: 2,
        key: { a: 1 },
        name: "a_1",
        collation: { locale: "en", strength: 2, caseLevel: false, version: "57.1" },
      },
    ];
    expect(
      planHasSteps(
        planCollection("c", [{ keys: [["a", 1]], collation: { locale: "en", strength: 2 } }], actual),
      ),
    ).toBe(false);
  });

  it("uses collMod for TTL and hidden changes, and a rebuild for anything else", () => {
    const before: IndexSpec = { keys: [["d", 1]], expireAfterSeconds: 10 };
    expect(
      planCollection("c", [{ ...before, expireAfterSeconds: 20, hidden: true }], server(before)).modify,
    ).toEqual([{ name: "d_1", expireAfterSeconds: 20, hidden: true }]);
    const rebuild = planCollection("c", [{ keys: [["d", 1]] }], server(before));
    expect(rebuild.rebuilds).toEqual([
      { drop: "d_1", create: "d_1", reason: "its TTL is removed (collMod cannot remove expireAfterSeconds)" },
    ]);
    expect(
      planCollection("c", [{ keys: [["d", 1]], unique: true }], server({ keys: [["d", 1]] })).rebuilds[0]!
        .reason,
    ).toBe("it becomes unique");
    expect(
      planCollection("c", [{ keys: [["d", -1]], name: "d_1" }], server({ keys: [["d", 1]] })).rebuilds[0]!
        .reason,
    ).toBe("its keys changed");
  });

  it("treats an index declared under a new name as a rebuild of the old one", () => {
    const plan = planCollection("c", [{ keys: [["a", 1]], name: "by_a" }], server({ keys: [["a", 1]] }));
    expect(plan.rebuilds).toEqual([
      { drop: "a_1", create: "by_a", reason: "it exists on the server as a_1" },
    ]);
  });

  it("treats reordered keys of an unnamed index as a rebuild of the old one, not a second index", () => {
    const plan = planCollection(
      "c",
      [
        {
          keys: [
            ["b", -1],
            ["a", 1],
          ],
        },
      ],
      server({
        keys: [
          ["a", 1],
          ["b", -1],
        ],
      }),
    );
    expect(plan.drop).toEqual(["a_1_b_-1"]);
    expect(plan.create.map((c) => c.name)).toEqual(["b_-1_a_1"]);
    expect(plan.undeclared).toEqual([]);
    expect(plan.rebuilds).toHaveLength(1);
    expect(plan.rebuilds[0]).toMatchObject({ drop: "a_1_b_-1", create: "b_-1_a_1" });
    expect(plan.rebuilds[0]!.reason).toMatch(/^its keys were reordered/);
    // Refused at preview from the declarations alone.
    expect(
      declaredRebuilds(
        {
          c: {
            indexes: [
              {
                keys: [
                  ["a", 1],
                  ["b", -1],
                ],
              },
            ],
          },
        },
        {
          c: {
            indexes: [
              {
                keys: [
                  ["b", -1],
                  ["a", 1],
                ],
              },
            ],
          },
        },
      ).map((r) => r.drop),
    ).toEqual(["a_1_b_-1"]);
  });

  it("keeps both orders when both are declared", () => {
    const ab: IndexSpec = {
      keys: [
        ["a", 1],
        ["b", 1],
      ],
    };
    const ba: IndexSpec = {
      keys: [
        ["b", 1],
        ["a", 1],
      ],
    };
    const plan = planCollection("c", [ab, ba], server(ab));
    expect(plan.drop).toEqual([]);
    expect(plan.create.map((c) => c.name)).toEqual(["b_1_a_1"]);
  });

  it("names what the reader can set in a rebuild refusal when the program gives a hint", () => {
    const rebuilds = [{ collection: "c", drop: "a_1", create: "a_1", reason: "sparse changed" }];
    expect(rebuildRefusal("t", rebuilds)).toMatch(/Fix: set allowIndexRebuild: true on this schema/);
    const hint = "set kato-infra:allowDataLoss to true, run pulumi up, then set it back to false";
    const hinted = rebuildRefusal("t", rebuilds, hint);
    // The hint is the whole instruction: said once, not followed by a second "for one pulumi up".
    expect(hinted).toContain(`Fix: ${hint}; or keep the old index definition.`);
    expect(hinted.match(/set it back/g)).toHaveLength(1);
    expect(hinted).not.toMatch(/allowIndexRebuild/);
  });

  it("reports undeclared indexes and never drops them", () => {
    const plan = planCollection(
      "c",
      [{ keys: [["a", 1]] }],
      server({ keys: [["a", 1]] }, { keys: [["b", 1]] }),
    );
    expect(plan.undeclared).toEqual([{ collection: "c", name: "b_1", key: { b: 1 } }]);
    expect(plan.drop).toEqual([]);
  });

  it("judges a declaration change at preview without a server", () => {
    expect(
      declaredRebuilds(
        { c: { indexes: [{ keys: [["a", 1]] }] } },
        { c: { indexes: [{ keys: [["a", 1]], sparse: true }] } },
      ),
    ).toEqual([{ collection: "c", drop: "a_1", create: "a_1", reason: "sparse changed" }]);
    expect(declaredRebuilds({}, { c: { indexes: [{ keys: [["a", 1]] }] } })).toEqual([]);
  });
});

// ---- properties ------------------------------------------------------------------------------

const field = fc.constantFrom("a", "b", "c", "d.e");
const direction = fc.constantFrom<1 | -1>(1, -1);
const plainIndex: fc.Arbitrary<IndexSpec> = fc
  .record(
    {
      keys: fc.uniqueArray(fc.tuple(field, direction), { minLength: 1, maxLength: 3, selector: ([f]) => f }),
      name: fc.option(fc.constantFrom("i1", "i2", "i3"), { nil: undefined }),
      unique: fc.option(fc.boolean(), { nil: undefined }),
      sparse: fc.option(fc.boolean(), { nil: undefined }),
      partial: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
      ttl: fc.option(fc.constantFrom(10, 60, 3600), { nil: undefined }),
      hidden: fc.option(fc.boolean(), { nil: undefined }),
      collation: fc.option(
        fc.record({ locale: fc.constantFrom("en", "fr"), strength: fc.constantFrom<1 | 2 | 3>(1, 2, 3) }),
        {
          nil: undefined,
        },
      ),
    },
    { requiredKeys: ["keys"] },
  )
  .map((r) => {
    const spec: IndexSpec = { keys: r.keys };
    if (r.name) spec.name = r.name;
    if (r.unique !== undefined) spec.unique = r.unique;
    if (r.partial !== undefined) spec.partialFilterExpression = { a: { $gt: r.partial } };
    else if (r.sparse !== undefined) spec.sparse = r.sparse;
    if (r.ttl !== undefined && r.keys.length === 1) spec.expireAfterSeconds = r.ttl;
    if (r.hidden !== undefined) spec.hidden = r.hidden;
    if (r.collation) spec.collation = r.collation;
    return spec;
  });
const textIndex: fc.Arbitrary<IndexSpec> = fc
  .record({ f: fc.constantFrom("title", "body"), w: fc.integer({ min: 1, max: 5 }) })
  .map(({ f, w }) => ({ keys: [[f, "text"]], weights: { [f]: w } }));
const declaration = fc
  .tuple(fc.array(plainIndex, { maxLength: 5 }), fc.option(textIndex, { nil: undefined }))
  .map(([plain, text]) => (text ? [...plain, text] : plain))
  .filter(
    (indexes) => validateDatabaseSchema({ database: "t", collections: { c: { indexes } } }).length === 0,
  );

describe("planner properties", () => {
  it("applying a plan then planning again gives no steps", () => {
    fc.assert(
      fc.property(declaration, declaration, fc.boolean(), (previous, desired, existed) => {
        const start = existed ? applyPlan(undefined, planCollection("c", previous, undefined)) : undefined;
        const plan = planCollection("c", desired, start);
        fc.pre(plan.conflicts.length === 0);
        const after = applyPlan(start, plan);
        const again = planCollection("c", desired, after);
        expect(planHasSteps(again)).toBe(false);
        expect(again.rebuilds).toEqual([]);
      }),
      { numRuns: 1500 },
    );
  });

  it("never drops an index it does not rebuild, and leaves undeclared indexes in place", () => {
    fc.assert(
      fc.property(declaration, declaration, (previous, desired) => {
        const start = applyPlan(undefined, planCollection("c", previous, undefined));
        const plan = planCollection("c", desired, start);
        expect(plan.drop.sort()).toEqual(plan.rebuilds.map((r) => r.drop).sort());
        const after = applyPlan(start, plan);
        for (const u of plan.undeclared) expect(after.some((d) => d.name === u.name)).toBe(true);
        expect(after.some((d) => d.name === "_id_")).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("a step sequence is idempotent: running the same plan's result through the planner twice changes nothing", () => {
    fc.assert(
      fc.property(declaration, (desired) => {
        const once = applyPlan(undefined, planCollection("c", desired, undefined));
        const twice = applyPlan(once, planCollection("c", desired, once));
        expect(twice).toEqual(once);
      }),
      { numRuns: 1000 },
    );
  });

  it("a declaration whose keys are another order of the previous one's rebuilds it: never two copies, nothing undeclared", () => {
    fc.assert(
      fc.property(plainIndex, fc.integer({ min: 1, max: 5 }), (previous, shift) => {
        fc.pre(previous.keys.length >= 2 && previous.name === undefined);
        const n = previous.keys.length;
        const keys = previous.keys.map((_, i) => previous.keys[(i + shift) % n]!);
        fc.pre(keys.some((k, i) => k[0] !== previous.keys[i]![0]));
        const start = applyPlan(undefined, planCollection("c", [previous], undefined));
        const plan = planCollection("c", [{ ...previous, keys }], start);
        expect(plan.undeclared).toEqual([]);
        expect(plan.drop).toEqual([indexName(previous)]);
        const after = applyPlan(start, plan);
        expect(after.filter((d) => d.name !== "_id_").map((d) => d.name)).toEqual([
          indexName({ ...previous, keys }),
        ]);
      }),
      { numRuns: 500 },
    );
  });

  it("in-place steps only: a plan without rebuilds touches TTL and hidden only through collMod", () => {
    fc.assert(
      fc.property(declaration, declaration, (previous, desired) => {
        const start = applyPlan(undefined, planCollection("c", previous, undefined));
        const plan = planCollection("c", desired, start);
        for (const m of plan.modify)
          expect(Object.keys(m).every((k) => ["name", "expireAfterSeconds", "hidden"].includes(k))).toBe(
            true,
          );
        if (plan.rebuilds.length === 0) expect(plan.drop).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});
