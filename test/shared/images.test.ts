import { describe, expect, it } from "vitest";
import { isPinnedImage } from "../../components/shared/images";

describe("isPinnedImage (Docker's reference grammar)", () => {
  it.each([
    ["mongo:8.0.15", true],
    ["qdrant/qdrant:v1.19.0", true],
    ["registry.local:5000/qdrant/qdrant:v1.19.0-unprivileged", true],
    [`mongo@sha256:${"a".repeat(64)}`, true],
    [`registry.local:5000/mongo:8.0@sha256:${"b".repeat(64)}`, true],
    ["mongo", false],
    ["mongo:latest", false],
    ["registry.local:5000/mongo", false],
    // No name before the tag, or before the digest: not an image (the two copies this replaces
    // disagreed on the first).
    [":8.0", false],
    [`@sha256:${"a".repeat(64)}`, false],
    [`mongo@sha256:${"a".repeat(63)}`, false],
    ["mongo:-bad", false],
  ])("%s -> %s", (image, pinned) => {
    expect(isPinnedImage(image)).toBe(pinned);
  });
});
