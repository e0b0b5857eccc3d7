/**
 * The `storage` ({ size, storageClass, retainOnDelete }) and `resources` ({ cpu, memory, cpuLimit })
 * objects of every engine's settings: the checks they share, with one wording. Each engine layers the
 * user's object, a profile's and its own defaults its own way and passes the layered values here; its
 * own rules (a minimum size, maxmemory against the memory limit) use the parsed numbers returned.
 * Pure: no Pulumi, no I/O.
 */
import { check, type Problem, problem } from "./problems";
import { parseCpuMillis, parseK8sBytes } from "./quantity";
import type { ResourceArgs, StorageArgs } from "./target";

export const STORAGE_KEYS = [
  "size",
  "storageClass",
  "retainOnDelete",
] as const satisfies readonly (keyof StorageArgs)[];
export const RESOURCE_KEYS = ["cpu", "memory", "cpuLimit"] as const satisfies readonly (keyof ResourceArgs)[];

export interface ResolvedStorage {
  size: string;
  storageClass?: string;
  retainOnDelete: boolean;
}

export interface ResolvedResources {
  cpu: string;
  memory: string;
  cpuLimit?: string;
}

/** A volume's `size`: a Kubernetes quantity. `bytes` is set when it parses. */
export function checkVolumeSize(field: string, value: unknown): { bytes?: number; problems: Problem[] } {
  const bytes = typeof value === "string" ? parseK8sBytes(value) : undefined;
  if (bytes !== undefined) return { bytes, problems: [] };
  return {
    problems: [problem(field, value, "is not a Kubernetes quantity.", `write ${field} like 10Gi or 500Gi.`)],
  };
}

/** A volume's `storageClass`: unset (the cluster's default class) or a non-empty name. */
export function checkStorageClass(field: string, value: unknown): Problem[] {
  if (value === undefined || (typeof value === "string" && value.length > 0)) return [];
  return [
    problem(
      field,
      value,
      "must be a non-empty StorageClass name.",
      `remove ${field} to use the cluster's default class, or name one.`,
    ),
  ];
}

/**
 * Checks a member's volume: `size` a Kubernetes quantity, `storageClass` unset or a non-empty name,
 * `retainOnDelete` a boolean. `field` names the object (`mongodb.storage`). `value` is meaningful
 * only when there are no problems; `sizeBytes` is set whenever the size parses.
 */
export function resolveStorage(
  field: string,
  layered: { size?: unknown; storageClass?: unknown; retainOnDelete?: unknown },
): { value: ResolvedStorage; sizeBytes?: number; problems: Problem[] } {
  const { size, storageClass, retainOnDelete } = layered;
  const checkedSize = checkVolumeSize(`${field}.size`, size);
  return {
    value: {
      size: size as string,
      ...(storageClass !== undefined ? { storageClass: storageClass as string } : {}),
      retainOnDelete: retainOnDelete as boolean,
    },
    ...(checkedSize.bytes !== undefined ? { sizeBytes: checkedSize.bytes } : {}),
    problems: [
      ...checkedSize.problems,
      ...checkStorageClass(`${field}.storageClass`, storageClass),
      ...check.boolean(`${field}.retainOnDelete`, retainOnDelete),
    ],
  };
}

/**
 * Checks a member's CPU and memory: `cpu` and `memory` Kubernetes quantities, `cpuLimit` unset or a
 * CPU quantity at least the request (Kubernetes rejects a pod whose limit is below its request).
 * `field` names the object (`redis.resources`). `value` is meaningful only when there are no
 * problems; `cpuMillis` and `memoryBytes` are set whenever they parse.
 */
export function resolveResources(
  field: string,
  layered: { cpu?: unknown; memory?: unknown; cpuLimit?: unknown },
): { value: ResolvedResources; cpuMillis?: number; memoryBytes?: number; problems: Problem[] } {
  const { cpu, memory, cpuLimit } = layered;
  const problems: Problem[] = [];
  const cpuMillis = typeof cpu === "string" ? parseCpuMillis(cpu) : undefined;
  if (cpuMillis === undefined) {
    problems.push(
      problem(`${field}.cpu`, cpu, "is not a CPU quantity.", `write ${field}.cpu like 500m or 2.`),
    );
  }
  const memoryBytes = typeof memory === "string" ? parseK8sBytes(memory) : undefined;
  if (memoryBytes === undefined) {
    problems.push(
      problem(
        `${field}.memory`,
        memory,
        "is not a memory quantity.",
        `write ${field}.memory like 1Gi or 4Gi.`,
      ),
    );
  }
  if (cpuLimit !== undefined) {
    const limitMillis = typeof cpuLimit === "string" ? parseCpuMillis(cpuLimit) : undefined;
    if (limitMillis === undefined) {
      problems.push(
        problem(
          `${field}.cpuLimit`,
          cpuLimit,
          "is not a CPU quantity.",
          `write ${field}.cpuLimit like 1 or 1500m, or remove it (no CPU limit).`,
        ),
      );
    } else if (cpuMillis !== undefined && limitMillis < cpuMillis) {
      problems.push(
        problem(
          `${field}.cpuLimit`,
          cpuLimit,
          `is below the CPU request ${String(cpu)}; Kubernetes rejects such a pod.`,
          `raise ${field}.cpuLimit to at least ${String(cpu)} or remove it.`,
        ),
      );
    }
  }
  return {
    value: {
      cpu: cpu as string,
      memory: memory as string,
      ...(cpuLimit !== undefined ? { cpuLimit: cpuLimit as string } : {}),
    },
    ...(cpuMillis !== undefined ? { cpuMillis } : {}),
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
    problems,
  };
}
