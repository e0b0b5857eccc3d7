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

  it("keeps each engine's other exports under its namespace, where names do not collide", () => {
    expect(typeof lib.mongodb.planCollection).toBe("function");
    expect(typeof lib.qdrant.planCollection).toBe("function");
    expect(lib.mongodb.planCollection).not.toBe(lib.qdrant.planCollection);
    expect(typeof lib.config.loadStackConfig).toBe("function");
  });

  it("is what package.json points at once built", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
    expect(pkg.name).toBe("kato-infra");
    expect(pkg.main).toBe("dist/components/index.js");
    expect(pkg.types).toBe("dist/components/index.d.ts");
  });
});
