/**
 * The `storage` ({ size, storageClass, retainOnDelete }) and `resources` ({ cpu, memory, cpuLimit })
 * objects of every engine's settings: the checks they share, with one wording. Each engine layers the
 * user's object, a profile's and its own defaults its own way and passes the layered values here; its
 * own rules (a minimum size, maxmemory against the memory limit) use the parsed numbers returned.
 * Pure: no Pulumi, no I/O.
 */
import { check, type Problem, problem } from "./problems";
import { parseCpuMillis, parseK8sBytes } from "./quantity";
import { setting } from "./settingsDecl";
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

/**
 * The declaration of a member's `storage` group (settingsDecl.ts), the same in every engine; the
 * engine's resolver checks it with `resolveStorage` (its own minimum size needs the parsed bytes).
 */
export function storageSetting(o: {
  size: string;
  /** What the size must hold, besides being a quantity (the engine's own minimum). */
  sizeRules?: string;
  /** The data volume of one what: `member`, `peer`, `node`. */
  of: string;
}) {
  return setting.group(
    {
      size: setting.value<string>({
        type: "quantity",
        default: o.size,
        rules: o.sizeRules ?? "a Kubernetes quantity",
        description: `Data volume of each ${o.of}.`,
      }),
      storageClass: setting.value<string | undefined>({
        type: "string",
        rules: "a StorageClass name",
        description:
          "Kubernetes StorageClass of the volumes; the cluster's default when unset. Ignored on Docker.",
      }),
      retainOnDelete: setting.value<boolean>({
        type: "boolean",
        default: true,
        rules: "true or false",
        description:
          "Keep the volumes when the stack is destroyed or scaled down (the program sets it to `!allowDataLoss`).",
      }),
    },
    { description: `Data volume of each ${o.of}.` },
  );
}

/** The declaration of a member's `resources` group, the same in every engine (checked by `resolveResources`). */
export function resourcesSetting(o: {
  cpu: string;
  memory: string;
  /** The engine's own floor or rule for the memory, besides being a quantity. */
  memoryRules?: string;
  of: string;
}) {
  return setting.group(
    {
      cpu: setting.value<string>({
        type: "quantity",
        default: o.cpu,
        rules: "a CPU quantity (500m, 2)",
        description: `CPU request of each ${o.of} (Docker: cpuShares).`,
      }),
      memory: setting.value<string>({
        type: "quantity",
        default: o.memory,
        rules: o.memoryRules ?? "a memory quantity (1Gi)",
        description: `Memory request and limit of each ${o.of}: memory is never overcommitted (Docker: memory).`,
      }),
      cpuLimit: setting.value<string | undefined>({
        type: "quantity",
        rules: "a CPU quantity, at least the request",
        description: `CPU limit of each ${o.of}; none unless set (Docker: cpus).`,
      }),
    },
    { description: `CPU and memory of each ${o.of}.` },
  );
}

/**
 * The `resources` group of a tools or exporter container (backups, monitoring): a CPU and a memory
 * request (the memory also its limit), each checked on its own.
 */
export function toolResourcesSetting(o: { cpu: string; memory: string; of: string }) {
  return setting.group(
    {
      cpu: setting.value<string>({
        type: "quantity",
        default: o.cpu,
        rules: "a CPU quantity",
        description: `CPU request of each ${o.of} (Kubernetes).`,
        check: (f, v) =>
          typeof v !== "string" || parseCpuMillis(v) === undefined
            ? [problem(f, v, "is not a CPU quantity.", `write e.g. "${o.cpu}".`)]
            : [],
      }),
      memory: setting.value<string>({
        type: "quantity",
        default: o.memory,
        rules: "a memory quantity",
        description: `Memory request and limit of each ${o.of} (Kubernetes).`,
        check: (f, v) =>
          typeof v !== "string" || parseK8sBytes(v) === undefined
            ? [problem(f, v, "is not a memory quantity.", `write e.g. "${o.memory}".`)]
            : [],
      }),
    },
    { description: `CPU and memory of each ${o.of} (Kubernetes).` },
  );
}
