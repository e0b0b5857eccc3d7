import { describe, expect, it } from "vitest";
import {
  assertNoProblems,
  ConfigError,
  check,
  checkKnownKeys,
  closest,
  formatProblem,
  nestProblems,
  problem,
} from "../../components/shared/problems";

describe("problems", () => {
  it("a ConfigError lists every problem with field, value and fix", () => {
    const error = new ConfigError([
      problem("mongodb.members", 2, "must be odd.", "set mongodb.members to 3."),
      problem("redis.maxmemory", "2xb", "does not parse.", "write it like 2gb."),
    ]);
    expect(error.message).toContain("2 problems");
    expect(error.message).toContain("mongodb.members = 2: must be odd. Fix: set mongodb.members to 3.");
    expect(error.message).toContain('redis.maxmemory = "2xb": does not parse. Fix: write it like 2gb.');
    expect(error.problems).toHaveLength(2);
  });

  it("assertNoProblems passes on none and throws on any", () => {
    expect(() => assertNoProblems([])).not.toThrow();
    expect(() => assertNoProblems([problem("a", 1, "bad.", "fix.")])).toThrow(ConfigError);
  });

  it("unknown keys are reported with the nearest known name", () => {
    const problems = checkKnownKeys("redis", { maxmemmory: "1gb", masters: 3 }, ["maxmemory", "masters"]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.field).toBe("redis.maxmemmory");
    expect(problems[0]!.fix).toContain("did you mean redis.maxmemory?");
  });

  it("a non-object where an object belongs is one problem", () => {
    expect(checkKnownKeys("mongodb", 3, ["members"])[0]!.message).toContain("must be an object");
    expect(checkKnownKeys("mongodb", undefined, ["members"])).toEqual([]);
  });

  it("closest gives no suggestion for an unrelated word", () => {
    expect(closest("zzzzzzzz", ["members", "version"])).toBeUndefined();
    expect(closest("verison", ["members", "version"])).toBe("version");
  });

  it("checks name the range they expect", () => {
    expect(check.integer("x", 2.5, 1, 9)[0]!.message).toBe("must be a whole number from 1 to 9.");
    expect(check.integer("x", 3, 1, 9)).toEqual([]);
    expect(check.oneOf("p", "lru", ["allkeys-lru", "noeviction"])[0]!.fix).toContain(
      "allkeys-lru, noeviction",
    );
    expect(check.boolean("b", "yes")).toHaveLength(1);
    expect(check.number("n", Number.NaN, 0, 1)).toHaveLength(1);
  });

  it("nested problems carry their parent's prefix", () => {
    expect(nestProblems("qdrant", [problem("peers", 0, "m", "f")])[0]!.field).toBe("qdrant.peers");
    expect(formatProblem(problem("f", undefined, "m", "x"))).toContain("(unset)");
  });
});
