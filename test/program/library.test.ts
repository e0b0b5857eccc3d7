/** kato-infra as a library: what another Pulumi program imports from the package. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as lib from "../../components";

describe("library exports", () => {
  it("exports the four components", () => {
    const { MongoReplicaSet, QdrantCluster, RedisCluster, KatoDataPlane } = lib;
    for (const component of [MongoReplicaSet, QdrantCluster, RedisCluster, KatoDataPlane]) {
      expect(typeof component).toBe("function");
    }
  });

  it("exports the schema resources, each engine's resolver and field docs", () => {
    expect(typeof lib.MongoDatabaseSchema).toBe("function");
    expect(typeof lib.QdrantCollection).toBe("function");
    for (const resolve of [lib.resolveMongoSettings, lib.resolveQdrantSettings, lib.resolveRedisSettings]) {
      expect(resolve(undefined, "x").problems).toEqual([]);
    }
    for (const fields of [lib.MONGO_FIELDS, lib.QDRANT_FIELDS, lib.REDIS_FIELDS])
      expect(fields.length).toBeGreaterThan(5);
  });

  it("exports exactly the documented names, nothing by accident (docs/library.md lists each)", () => {
    expect(Object.keys(lib).sort()).toEqual(
      [
        "ConfigError",
        "DATA_TIER_MONITORING_FIELDS",
        "DataTierMonitoring",
        "KatoDataPlane",
        "MIGRATION_CATALOGUE",
        "MONGO_BACKUP_FIELDS",
        "MONGO_FIELDS",
        "MongoBackup",
        "MongoDatabaseSchema",
        "MongoMigration",
        "MongoProfiling",
        "MongoReplicaSet",
        "QDRANT_FIELDS",
        "QDRANT_SNAPSHOTS_FIELDS",
        "QdrantCluster",
        "QdrantCollection",
        "QdrantSnapshots",
        "REDIS_BACKUP_FIELDS",
        "REDIS_FIELDS",
        "RedisBackup",
        "RedisCluster",
        "SCHEMA_PRESETS",
        "katoCollectionName",
        "katoDatabaseName",
        "planSchema",
        "resolveMongoSettings",
        "resolveQdrantSettings",
        "resolveRedisSettings",
      ].sort(),
    );
    const documented = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "library.md"), "utf8");
    for (const name of Object.keys(lib))
      expect(documented, `docs/library.md names ${name}`).toContain(`\`${name}\``);
  });

  it("is what package.json points at once built", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
    expect(pkg.name).toBe("kato-infra");
    expect(pkg.main).toBe("dist/components/index.js");
    expect(pkg.types).toBe("dist/components/index.d.ts");
  });
});
