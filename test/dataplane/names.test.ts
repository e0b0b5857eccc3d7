import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  guideCollectionName,
  guideDatabaseName,
  KATO_MAX_NAME,
  katoCollectionName,
  katoDatabaseName,
  katoSanitize,
} from "../../components/dataplane/names";
import { validateCollectionName, validateDatabaseName } from "../../components/mongodb/schemaSpec";
import { collectionNameProblems } from "../../components/qdrant/collectionSpec";

describe("KATO 3.0.0 name rule", () => {
  // Expected values computed with KATO's rule in Python 3 (the language KATO is written in).
  it.each([
    ["my-app", "kato", "my_app_kato"],
    ["a".repeat(70), "kato", `${"a".repeat(46)}_0f5c6c4e_kato`],
    [
      "tenant.with spaces/and:colons?".repeat(3),
      "kato",
      "tenant_with_spaces_and_colons_tenant_with_spac_c24a00e7_kato",
    ],
    ["ñandú-".repeat(12), "kato", "ñandú_ñandú_ñandú_ñandú_ñandú_ñandú_ñandú_ñand_b4a93873_kato"],
    [
      "x".repeat(40),
      "my-service.name-that-is-quite-long-really-long-long",
      `${"x".repeat(39)}_2e5a5df3_my_service_name_that_is_quite_long_really_long_long`,
    ],
    ["team/alpha", "kato-prod", "team_alpha_kato_prod"],
  ])("%j with SERVICE_NAME %j is %j", (nodeId, service, expected) => {
    expect(katoDatabaseName(nodeId, service)).toBe(expected);
  });

  it('replaces each of / \\ . " $ * < > : | ? - and space with _', () => {
    expect(katoSanitize('a/b\\c.d"e$f*g<h>i:j|k?l-m n')).toBe("a_b_c_d_e_f_g_h_i_j_k_l_m_n");
  });

  it("names the Qdrant collection vectors_ + the database name", () => {
    expect(katoCollectionName("my-app", "kato")).toBe("vectors_my_app_kato");
  });

  it("keeps the guide's names as written", () => {
    expect(guideDatabaseName("my_app")).toBe("node_my_app_kato");
    expect(guideCollectionName("my_app")).toBe("vectors_my_app");
  });

  const nodeId = fc.string({ unit: "grapheme", minLength: 1, maxLength: 120 });

  it("never gives a name over 60 code points while SERVICE_NAME fits (property)", () => {
    fc.assert(
      fc.property(nodeId, fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), (id, service) => {
        expect(Array.from(katoDatabaseName(id, service)).length).toBeLessThanOrEqual(KATO_MAX_NAME);
      }),
    );
  });

  it("keeps short names whole and hashes long ones with the md5 of the sanitised id (property)", () => {
    fc.assert(
      fc.property(nodeId, (id) => {
        const name = katoDatabaseName(id, "kato");
        const plain = `${katoSanitize(id)}_kato`;
        if (Array.from(plain).length <= KATO_MAX_NAME) {
          expect(name).toBe(plain);
        } else {
          const digest = createHash("md5").update(katoSanitize(id)).digest("hex").slice(0, 8);
          expect(name.endsWith(`_${digest}_kato`)).toBe(true);
          expect(Array.from(name).length).toBe(KATO_MAX_NAME);
          expect(katoSanitize(id).startsWith(name.slice(0, name.length - 14))).toBe(true);
        }
      }),
    );
  });

  it("gives valid MongoDB and Qdrant names for every ASCII node id (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."abcXYZ019_-. /\\$*<>:|?\"'#@!"), minLength: 1 }),
        (id) => {
          const db = katoDatabaseName(id, "kato");
          expect(validateDatabaseName("f", db)).toEqual([]);
          expect(validateCollectionName("f", db, "patterns_kb")).toEqual([]);
          expect(collectionNameProblems("f", katoCollectionName(id, "kato"))).toEqual([]);
        },
      ),
    );
  });

  it("can give a name over MongoDB's 63-byte limit for non-ASCII ids, which validation catches", () => {
    const db = katoDatabaseName("ñandú-".repeat(12), "kato");
    expect(Array.from(db).length).toBe(60);
    const problems = validateDatabaseName("nodeIds[0]", db);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/is 75 bytes; MongoDB database names must be shorter than 64 bytes/);
  });
});
