import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redisUrl } from "../../components/dataplane/katoEnv";

describe("REDIS_URL", () => {
  it("names one node with the password", () => {
    expect(redisUrl("kato-redis-0:6379", "p@ss/word")).toBe("redis://:p%40ss%2Fword@kato-redis-0:6379");
  });

  it("keeps any password intact through URL parsing (property)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (password) => {
        const url = new URL(redisUrl("kato-redis-0:6379", password));
        expect(decodeURIComponent(url.password)).toBe(password);
        expect(url.host).toBe("kato-redis-0:6379");
      }),
    );
  });
});
