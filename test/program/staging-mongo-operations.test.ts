/**
 * Staging (Kubernetes, the kato-v3 preset) with profiling turned on and the guide's migration over
 * every database KATO names (`databasePattern`): KATO 3's patterns collection, the record id naming
 * it, members reached by port-forward, and nothing else of the stack changed by them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { validateKubernetesResources } from "../support/k8sSchema";
import { plaintextSecretLeaks, resolved, unwrapSecrets } from "../support/mocks";
import { type ProgramRun, runProgram } from "./harness";
import { OPERATOR_GROUP } from "./operations";

const PROFILING = "pulumi-nodejs:dynamic/kato:MongoProfiling";
const MIGRATION = "pulumi-nodejs:dynamic/kato:MongoMigration";

let run: ProgramRun;

beforeAll(async () => {
  run = await runProgram("staging", {
    "kato-infra:profiling": { enabled: true },
    "kato-infra:migrations": [{ id: "0001-patterns-version-3.0", databasePattern: "^.+_kato$" }],
  });
});

describe("staging with profiling on and the guide's migration by pattern", () => {
  it("runs the migration on KATO 3's patterns_kb, recorded under an id naming that collection", () => {
    const m = unwrapSecrets(
      run.harness.one(MIGRATION, "kato-mongodb-migration-0001-patterns-version-3.0").inputs,
    );
    expect(m).toMatchObject({
      migrationId: "0001-patterns_kb-version-3.0",
      collection: "patterns_kb",
      setIfMissing: { field: "version", value: "3.0" },
      databasePattern: "^.+_kato$",
    });
    expect(m.databases).toBeUndefined();
  });

  it("profiles both tenant databases at level 1; members start with profiling off (kato-v3's mongod.conf)", () => {
    const p = unwrapSecrets(run.harness.one(PROFILING, "kato-mongodb-profiling").inputs);
    expect(p.databases).toEqual({ demo_kato: 1, qa_team_kato: 1 });
    expect(p.serverDefaults).toEqual({ level: 0, slowms: 100, sampleRate: 1 });
  });

  it("reaches every member by port-forward in the stack's namespace", () => {
    for (const type of [PROFILING, MIGRATION]) {
      const access = unwrapSecrets(run.harness.one(type).inputs).access;
      expect(access.members.map((m: any) => m.reach)).toEqual(
        [0, 1, 2].map((i) =>
          expect.objectContaining({
            kind: "port-forward",
            namespace: "kato-staging",
            pod: `kato-mongodb-${i}`,
          }),
        ),
      );
    }
  });

  it("exports the migration, with nothing counted before it ran", async () => {
    const migrations = (await resolved((run.outputs as Record<string, any>).migrations)) as Record<
      string,
      any
    >;
    expect(Object.keys(migrations)).toEqual(["0001-patterns-version-3.0"]);
    expect(migrations["0001-patterns-version-3.0"]).toMatchObject({
      migrationId: "0001-patterns_kb-version-3.0",
      collection: "patterns_kb",
    });
  });

  it("keeps every Kubernetes object valid and every credential secret", () => {
    const invalid = validateKubernetesResources(
      run.harness.resources.filter((r) => !r.type.startsWith(OPERATOR_GROUP)),
    ).filter((v) => v.error);
    expect(invalid).toEqual([]);
    expect(plaintextSecretLeaks(run.harness)).toEqual([]);
  });
});
