/**
 * Parsing of sizes as users write them. Two notations exist and both are accepted where they are
 * the native one:
 * - Kubernetes quantities (`10Gi`, `512Mi`, `1G`, `500m` for CPU), used for volumes, requests, limits;
 * - Redis memory units (`2gb`, `512mb`, `1g`, `100kb`, plain bytes), used for `maxmemory`
 *   (redis.conf: 1k = 1000 bytes, 1kb = 1024 bytes, case-insensitive).
 * All functions are pure and return `undefined` for a string that does not parse.
 */

const K8S_BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};
const K8S_DECIMAL: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/** Bytes of a Kubernetes memory/storage quantity (`10Gi`, `1G`, `1073741824`), or undefined. */
export function parseK8sBytes(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? "";
  const factor = K8S_BINARY[unit] ?? K8S_DECIMAL[unit];
  if (factor === undefined || !Number.isFinite(n)) return undefined;
  return Math.round(n * factor);
}

/** Millicores of a Kubernetes CPU quantity (`500m`, `2`, `0.5`), or undefined. */
export function parseCpuMillis(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(m)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const millis = m[2] ? n : n * 1000;
  return Number.isFinite(millis) && millis > 0 ? Math.round(millis) : undefined;
}

const REDIS_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 2 ** 10,
  m: 1e6,
  mb: 2 ** 20,
  g: 1e9,
  gb: 2 ** 30,
};

/** Bytes of a redis.conf memory value (`2gb`, `512mb`, `1g`, `1000`), or undefined. */
export function parseRedisBytes(text: string): number | undefined {
  const m = /^([0-9]+)(b|k|kb|m|mb|g|gb)?$/i.exec(text.trim());
  if (!m) return undefined;
  const factor = REDIS_UNITS[(m[2] ?? "").toLowerCase()];
  if (factor === undefined) return undefined;
  return Number(m[1]) * factor;
}

/** A human figure for messages: 2147483648 -> "2 GiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(2)} ${units[i]}`;
}

/** Docker's `memory` is bytes; Docker has no CPU millicores, it takes NanoCPUs. */
export function cpuMillisToNanoCpus(millis: number): number {
  return millis * 1_000_000;
}
