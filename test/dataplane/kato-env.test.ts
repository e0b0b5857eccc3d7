import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mongoBaseUrl, redisUrl, splitHostPort } from "../../components/dataplane/kato-env";

const parts = {
  username: "kato",
  password: "s3cret",
  hosts: ["kato-mongodb-0:27017", "kato-mongodb-1:27017", "kato-mongodb-2:27017"],
  replicaSetName: "rs0",
  authSource: "admin",
};

describe("MONGO_BASE_URL", () => {
  it("lists every member and carries replicaSet, authSource and w=majority", () => {
    expect(mongoBaseUrl(parts)).toBe(
      "mongodb://kato:s3cret@kato-mongodb-0:27017,kato-mongodb-1:27017,kato-mongodb-2:27017/?replicaSet=rs0&authSource=admin&w=majority",
    );
  });

  it("percent-encodes credentials so any password survives (property)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (username, password) => {
        const url = mongoBaseUrl({ ...parts, username, password });
        const auth = /^mongodb:\/\/([^@]*)@/.exec(url)![1]!;
        const [u, p] = auth.split(":");
        expect(decodeURIComponent(u!)).toBe(username);
        expect(decodeURIComponent(p!)).toBe(password);
      }),
    );
  });
});

describe("Qdrant and Redis endpoints", () => {
  it("splits host and port, IPv6 included", () => {
    expect(splitHostPort("kato-qdrant.kato.svc.cluster.local:6333")).toEqual({
      host: "kato-qdrant.kato.svc.cluster.local",
      port: 6333,
    });
    expect(splitHostPort("[::1]:6379")).toEqual({ host: "::1", port: 6379 });
    expect(() => splitHostPort("no-port")).toThrow(/not a host:port/);
  });

  it("REDIS_URL names one node with the password", () => {
    expect(redisUrl("kato-redis-0:6379", "p@ss/word")).toBe("redis://:p%40ss%2Fword@kato-redis-0:6379");
  });
});
