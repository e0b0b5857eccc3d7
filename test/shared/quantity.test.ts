import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatBytes,
  parseCpuMillis,
  parseK8sBytes,
  parseRedisBytes,
} from "../../components/shared/quantity";

describe("quantities", () => {
  it("Kubernetes binary and decimal suffixes", () => {
    expect(parseK8sBytes("10Gi")).toBe(10 * 2 ** 30);
    expect(parseK8sBytes("512Mi")).toBe(512 * 2 ** 20);
    expect(parseK8sBytes("1G")).toBe(1e9);
    expect(parseK8sBytes("1.5Gi")).toBe(1.5 * 2 ** 30);
    expect(parseK8sBytes("1000")).toBe(1000);
  });

  it("sizes that do not parse give undefined", () => {
    for (const bad of ["10GB", "ten", "", "10 Gi", "-1Gi", "1Xi", "Gi"])
      expect(parseK8sBytes(bad)).toBeUndefined();
  });

  it("redis units follow redis.conf: k=1000, kb=1024, case-insensitive", () => {
    expect(parseRedisBytes("2gb")).toBe(2 * 2 ** 30);
    expect(parseRedisBytes("2GB")).toBe(2 * 2 ** 30);
    expect(parseRedisBytes("1g")).toBe(1e9);
    expect(parseRedisBytes("100kb")).toBe(102400);
    expect(parseRedisBytes("100k")).toBe(100000);
    expect(parseRedisBytes("1234")).toBe(1234);
    expect(parseRedisBytes("2Gi")).toBeUndefined();
    expect(parseRedisBytes("2.5gb")).toBeUndefined();
  });

  it("CPU in cores or millicores", () => {
    expect(parseCpuMillis("500m")).toBe(500);
    expect(parseCpuMillis("2")).toBe(2000);
    expect(parseCpuMillis("0.25")).toBe(250);
    expect(parseCpuMillis("0")).toBeUndefined();
    expect(parseCpuMillis("1 core")).toBeUndefined();
  });

  it("every whole number of Mi parses back to the same bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (n) => parseK8sBytes(`${n}Mi`) === n * 2 ** 20),
    );
  });

  it("formats bytes for messages", () => {
    expect(formatBytes(2 * 2 ** 30)).toBe("2 GiB");
    expect(formatBytes(1536)).toBe("1.50 KiB");
  });
});
