/** The migration plan: validation, scope, the record decisions and the diff; unit cases and properties. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  countsOf,
  decideMigration,
  type MigrationRecord,
  type MigrationSpec,
  migrationDiff,
  migrationVersion,
  patternsVersionMigration,
  targetDatabases,
  updateStatement,
  validateMigration,
} from "../../components/mongodb/migrationPlan";
import { formatProblem } from "../../components/shared/problems";

const guide: MigrationSpec = { ...patternsVersionMigration(), databases: ["node_a_kato", "node_b_kato"] };
const problemsOf = (raw: unknown) => validateMigration(raw).map(formatProblem).join("\n");

describe("the guide's migration", () => {
  it("sets version 3.0 on patterns lacking it, with a filter that no longer matches what it changed", () => {
    expect(guide).toMatchObject({
      migrationId: "0001-patterns-version-3.0",
      collection: "patterns",
      setIfMissing: { field: "version", value: "3.0" },
    });
    expect(updateStatement(guide)).toEqual({
      q: { version: { $exists: false } },
      u: { $set: { version: "3.0" } },
      multi: true,
      upsert: false,
    });
    expect(validateMigration(guide)).toEqual([]);
    expect(patternsVersionMigration("patterns_kb").migrationId).toBe("0001-patterns_kb-version-3.0");
  });
});

describe("validateMigration", () => {
  it("needs exactly one scope", () => {
    const { databases: _d, ...none } = guide;
    expect(problemsOf(none)).toMatch(/\[migration-scope\] give exactly one of databases/);
    expect(problemsOf({ ...guide, databasePattern: "^node_" })).toMatch(/\[migration-scope\]/);
    expect(problemsOf({ ...none, databasePattern: "^node_.*_kato$" })).toBe("");
    expect(problemsOf({ ...none, databasePattern: "(" })).toMatch(
      /\[migration-pattern\] is not a valid regular expression/,
    );
    expect(problemsOf({ ...guide, databases: [] })).toMatch(/\[migration-scope\] must be a non-empty list/);
    expect(problemsOf({ ...guide, databases: ["kato_infra"] })).toMatch(
      /kato_infra holds the migration records/,
    );
    expect(problemsOf({ ...guide, databases: ["a.b"] })).toMatch(/\[database-name\]/);
  });

  it("refuses ids, fields and values MongoDB or the record could not take", () => {
    expect(problemsOf({ ...guide, migrationId: "has space" })).toMatch(/\[migration-id\]/);
    expect(problemsOf({ ...guide, setIfMissing: { field: "_id", value: 1 } })).toMatch(
      /\[migration-field\] _id is immutable/,
    );
    expect(problemsOf({ ...guide, setIfMissing: { field: "a..b", value: 1 } })).toMatch(/empty part/);
    expect(problemsOf({ ...guide, setIfMissing: { field: "$set", value: 1 } })).toMatch(/starts with \$/);
    expect(problemsOf({ ...guide, setIfMissing: { field: "v" } })).toMatch(/\[migration-value\] is missing/);
    expect(problemsOf({ ...guide, setIfMissing: { field: "v", value: { $gt: 1 } } })).toMatch(
      /\[migration-value\] field names/,
    );
    expect(problemsOf({ ...guide, setIfMissing: { field: "v", value: 1, upsert: true } })).toMatch(
      /setIfMissing\.upsert .*not a known field/,
    );
    expect(problemsOf({ ...guide, collection: "system.x" })).toMatch(/\[collection-name\]/);
  });
});

describe("scope", () => {
  it("takes the declared list as it is, and a pattern over the listed names, never the system or record databases", () => {
    expect(targetDatabases({ databases: ["b", "a", "a"] })).toEqual(["a", "b"]);
    const listed = ["admin", "config", "local", "kato_infra", "node_x_kato", "node_y_kato", "other"];
    expect(targetDatabases({ databasePattern: "^node_.*_kato$" }, listed)).toEqual([
      "node_x_kato",
      "node_y_kato",
    ]);
    expect(targetDatabases({ databasePattern: ".*" }, listed)).toEqual([
      "node_x_kato",
      "node_y_kato",
      "other",
    ]);
  });
});

describe("decideMigration", () => {
  const version = migrationVersion(guide);
  const record = (over: Partial<MigrationRecord>): MigrationRecord => ({
    _id: guide.migrationId,
    version,
    ...over,
  });

  it("runs everything when nothing is recorded", () => {
    expect(decideMigration(guide, undefined, ["node_a_kato", "node_b_kato"])).toEqual({
      kind: "run",
      pending: ["node_a_kato", "node_b_kato"],
      done: [],
    });
  });

  it("resumes after a partial run: recorded databases are skipped", () => {
    const partial = record({ status: "running", counts: { databases: { node_a_kato: 4 } } });
    expect(decideMigration(guide, partial, ["node_a_kato", "node_b_kato"])).toEqual({
      kind: "run",
      pending: ["node_b_kato"],
      done: ["node_a_kato"],
    });
  });

  it("does nothing when every target is recorded and the record says applied", () => {
    const applied = record({
      status: "applied",
      counts: { total: 7, databases: { node_a_kato: 4, node_b_kato: 3 } },
    });
    expect(decideMigration(guide, applied, ["node_a_kato", "node_b_kato"])).toEqual({
      kind: "done",
      counts: { total: 7, databases: { node_a_kato: 4, node_b_kato: 3 } },
    });
  });

  it("refuses a record of the same id with another definition", () => {
    const other = record({
      version: "sha256:other",
      definition: { collection: "patterns", setIfMissing: { field: "version", value: "2.0" } },
    });
    const d = decideMigration(guide, other, ["node_a_kato"]);
    expect(d.kind).toBe("refuse");
    expect((d as { message: string }).message).toMatch(
      /\[migration-changed\][\s\S]*version = "2\.0"[\s\S]*version = "3\.0"[\s\S]*new migration with a new id/,
    );
  });

  it("a version is a digest of the definition only, whatever the key order or the description", () => {
    const a = { ...guide, setIfMissing: { field: "meta", value: { x: 1, y: [1, 2] } } };
    const b = {
      ...guide,
      description: "other words",
      setIfMissing: { field: "meta", value: { y: [1, 2], x: 1 } },
    };
    expect(migrationVersion(a)).toBe(migrationVersion(b));
    expect(migrationVersion(a)).not.toBe(migrationVersion({ ...a, collection: "patterns_kb" }));
    expect(migrationVersion(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe("migrationDiff (what preview decides)", () => {
  it("refuses the same id with another definition, naming the rule and the fix", () => {
    const changed = { ...guide, setIfMissing: { field: "version", value: "3.1" } };
    const d = migrationDiff(guide, changed);
    expect(d.refusal).toMatch(
      /\[migration-changed\] MongoMigration 0001-patterns-version-3\.0[\s\S]*Fix: .*new id/,
    );
  });

  it("refuses after a refresh found the record holding another definition of this id", () => {
    const d = migrationDiff({ ...guide, status: "applied", recordedVersion: "sha256:someone-else" }, guide);
    expect(d.refusal).toMatch(/\[migration-changed\][\s\S]*records \(version sha256:someone-else\)/);
    expect(
      migrationDiff({ ...guide, status: "applied", recordedVersion: migrationVersion(guide) }, guide),
    ).toEqual({
      changes: false,
      replaces: [],
    });
  });

  it("replaces on a new id, updates on a new scope or a refresh that found pending databases, else nothing", () => {
    expect(migrationDiff(guide, { ...guide, migrationId: "0002-x" })).toEqual({
      changes: true,
      replaces: ["migrationId"],
    });
    expect(migrationDiff(guide, { ...guide, databases: [...guide.databases!, "node_c_kato"] }).changes).toBe(
      true,
    );
    expect(migrationDiff({ ...guide, status: "applied", pendingDatabases: [] }, guide).changes).toBe(false);
    expect(
      migrationDiff({ ...guide, status: "applied", pendingDatabases: ["node_c_kato"] }, guide).changes,
    ).toBe(true);
    expect(migrationDiff({ ...guide, status: "missing", pendingDatabases: [] }, guide).changes).toBe(true);
  });
});

/**
 * A model of the executor over the plan: databases holding documents with or without the field;
 * a run may stop after any database (a failure); the record is what decideMigration reads.
 */
describe("properties", () => {
  const dbs = ["node_a_kato", "node_b_kato", "node_c_kato", "node_d_kato"];
  const world = fc.record({
    docs: fc.tuple(...dbs.map(() => fc.array(fc.boolean(), { maxLength: 6 }))),
    failAfter: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  });

  it("runs cut short at any point converge: every document migrated once, counts equal the documents changed", () => {
    fc.assert(
      fc.property(world, ({ docs, failAfter }) => {
        const spec: MigrationSpec = { ...guide, databases: dbs };
        const data = docs.map((d) => [...d]); // true = has the field
        const lacking = data.flat().filter((has) => !has).length;
        let record: MigrationRecord | undefined;
        const runOnce = (stopAfter: number) => {
          const decision = decideMigration(spec, record, targetDatabases(spec));
          if (decision.kind === "refuse") throw new Error(decision.message);
          if (decision.kind === "done") return 0;
          record ??= {
            _id: spec.migrationId,
            version: migrationVersion(spec),
            status: "running",
            counts: { databases: {} },
          };
          let changed = 0;
          for (const [i, db] of decision.pending.entries()) {
            if (i >= stopAfter) return changed;
            const d = data[dbs.indexOf(db)]!;
            const n = d.filter((has) => !has).length;
            d.fill(true);
            record.counts!.databases![db] = n;
            changed += n;
          }
          record.status = "applied";
          return changed;
        };
        let total = 0;
        for (const stop of failAfter) total += runOnce(stop);
        total += runOnce(Number.POSITIVE_INFINITY);
        expect(data.flat().every(Boolean)).toBe(true);
        expect(total).toBe(lacking);
        expect(countsOf(record).total).toBe(lacking);
        expect(runOnce(Number.POSITIVE_INFINITY)).toBe(0);
      }),
    );
  });
});
