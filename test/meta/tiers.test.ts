/**
 * Every test file runs in the tier that matches what it does (test/tiers.json): a file that loads
 * Pulumi, starts a real server or another process cannot slip into the fast `pure` tier (which shares
 * threads and modules between files), and a listed file that no longer does so is moved back.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import tiers from "../tiers.json";
import { type Tier, tierOf } from "./tierOf";

const ROOT = resolve(__dirname, "..", "..");
const MOCKS_TESTS: readonly string[] = tiers.mocks;
const PROCESS_TESTS: readonly string[] = tiers.process;
const REAL_TESTS: readonly string[] = tiers.real;

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith(".test.ts") ? [relative(ROOT, path)] : [];
  });
}

const listed = (file: string): Tier =>
  REAL_TESTS.includes(file)
    ? "real"
    : PROCESS_TESTS.includes(file)
      ? "process"
      : MOCKS_TESTS.includes(file)
        ? "mocks"
        : "pure";

describe("test tiers", () => {
  const files = testFiles(join(ROOT, "test")).filter((f) => !f.startsWith("test/live/"));

  it("lists only existing test files, each once", () => {
    const all = [...MOCKS_TESTS, ...PROCESS_TESTS, ...REAL_TESTS];
    expect(all.filter((f) => !existsSync(join(ROOT, f)))).toEqual([]);
    expect(new Set(all).size).toBe(all.length);
  });

  it("puts every test file in the tier of what it does", () => {
    const wrong = files
      .map((file) => ({ file, listed: listed(file), does: tierOf(file) }))
      .filter((f) => f.listed !== f.does);
    expect(wrong).toEqual([]);
  });

  it("is not fooled: a file that spawns a real program is judged real", () => {
    expect(tierOf("test/redis/replication.real.test.ts")).toBe("real");
    expect(tierOf("test/serialization/runtime.test.ts")).toBe("process");
    expect(tierOf("test/shared/problems.test.ts")).toBe("pure");
    // Loading the Pulumi SDK through a component makes a file `mocks`, whatever the test itself imports.
    expect(tierOf("test/qdrant/component.test.ts")).toBe("mocks");
    expect(tierOf("test/redis/config.test.ts")).toBe("pure");
  });
});
