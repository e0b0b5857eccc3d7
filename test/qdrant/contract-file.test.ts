import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("the vendored Qdrant contract", () => {
  it("is the unmodified Qdrant 1.19.0 openapi.json named in contracts/README.md", () => {
    const root = join(__dirname, "..", "..", "contracts");
    const digest = createHash("sha256")
      .update(readFileSync(join(root, "qdrant-openapi.json")))
      .digest("hex");
    expect(readFileSync(join(root, "README.md"), "utf8")).toContain(digest);
    expect(digest).toBe("ae5cf980e40fc12ce7ce48f500a7c9cc19a7d8fcf0cfa1e2c7c7b27faecd8ffa");
  });
});
