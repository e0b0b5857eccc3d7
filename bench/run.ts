/**
 * `npm run bench`: measures what users weigh before trusting the package and writes
 * bench/results.json. Every ratio is measured side by side in this one run (these machines are
 * noisy): each program measurement is interleaved with its SDK-floor twin, each Redis formation with
 * a redis-cli formation. Goals are reported, never asserted.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const TENANT_COUNTS = [1, 10, 100, 1000] as const;
const REPEATS = Number(process.env.BENCH_REPEATS ?? "3");

interface ChildFigures {
  ms: number;
  peakRssMb: number;
  resources: number;
  /** Checkpoint bytes, inputs and outputs as the engine stores them (bench/stateBytes.ts). */
  stateBytes: number;
}

/**
 * Every child is compiled as `pulumi up` compiles the program: pulumi v3.248.0's Node language host
 * (sdk/nodejs/cmd/run/run.ts) registers ts-node with the tsconfig Pulumi.yaml names as `project`
 * and `transpileOnly` from its `noCheck`; ts-node takes that file's `ts-node` options (swc).
 */
function runChild(script: string, tenants: number, env: Record<string, string> = {}): ChildFigures {
  const result = spawnSync(
    process.execPath,
    ["-r", "ts-node/register", join(__dirname, script), String(tenants)],
    {
      cwd: join(__dirname, ".."),
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(__dirname, "..", "tsconfig.pulumi.json"),
        TS_NODE_TRANSPILE_ONLY: "1",
        ...env,
      },
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status !== 0) {
    throw new Error(`${script} ${tenants} failed (${result.status}):\n${result.stderr.slice(-4000)}`);
  }
  const line = result.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as ChildFigures;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

export interface ProgramFigures {
  programMs: Record<string, number>;
  programPeakRssMb: Record<string, number>;
  sdkFloorMs: Record<string, number>;
  sdkFloorPeakRssMb: Record<string, number>;
  /**
   * bench/shapeFloor.ts: trivial resources of the program's shape (two per tenant, as many
   * top-level inputs as the program's), what the SDK charges for that shape alone.
   */
  shapeFloorMs: Record<string, number>;
  shapeFloorPeakRssMb: Record<string, number>;
  programResources: Record<string, number>;
  resourcesPerTenant: number;
  /** Whole-checkpoint bytes (inputs + outputs, `__provider` included) by tenant count. */
  stateBytes: Record<string, number>;
  sdkFloorStateBytes: Record<string, number>;
  /**
   * At 1000 tenants only: the SDK floor registering without per-promise stack traces, as
   * KatoDataPlane does (components/shared/promiseTraces.ts). Not a goal: the program's cost over
   * Pulumi's on equal terms.
   */
  sdkFloorWithoutTracesMs: number;
  sdkFloorWithoutTracesPeakRssMb: number;
  /** Checkpoint bytes each tenant adds (100 -> 1000 tenants), program and SDK floor. */
  stateBytesPerTenant: number;
  sdkFloorStateBytesPerTenant: number;
}

function measureProgram(): ProgramFigures {
  const figures: ProgramFigures = {
    programMs: {},
    programPeakRssMb: {},
    sdkFloorMs: {},
    sdkFloorPeakRssMb: {},
    shapeFloorMs: {},
    shapeFloorPeakRssMb: {},
    programResources: {},
    resourcesPerTenant: 0,
    stateBytes: {},
    sdkFloorStateBytes: {},
    sdkFloorWithoutTracesMs: 0,
    sdkFloorWithoutTracesPeakRssMb: 0,
    stateBytesPerTenant: 0,
    sdkFloorStateBytesPerTenant: 0,
  };
  const traceFree: ChildFigures[] = [];
  for (const tenants of TENANT_COUNTS) {
    const program: ChildFigures[] = [];
    const floor: ChildFigures[] = [];
    const shape: ChildFigures[] = [];
    for (let i = 0; i < REPEATS; i++) {
      floor.push(runChild("sdkFloor.ts", tenants));
      shape.push(runChild("shapeFloor.ts", tenants));
      program.push(runChild("program.ts", tenants));
      if (tenants === 1000) {
        traceFree.push(runChild("sdkFloor.ts", tenants, { BENCH_FLOOR_WITHOUT_PROMISE_TRACES: "1" }));
      }
    }
    const key = String(tenants);
    figures.programMs[key] = round(median(program.map((f) => f.ms)));
    figures.programPeakRssMb[key] = round(median(program.map((f) => f.peakRssMb)));
    figures.sdkFloorMs[key] = round(median(floor.map((f) => f.ms)));
    figures.sdkFloorPeakRssMb[key] = round(median(floor.map((f) => f.peakRssMb)));
    figures.shapeFloorMs[key] = round(median(shape.map((f) => f.ms)));
    figures.shapeFloorPeakRssMb[key] = round(median(shape.map((f) => f.peakRssMb)));
    figures.programResources[key] = program[0]!.resources;
    // Bytes do not vary from run to run: the first run's.
    figures.stateBytes[key] = program[0]!.stateBytes;
    figures.sdkFloorStateBytes[key] = floor[0]!.stateBytes;
    process.stderr.write(
      `  ${tenants} tenants: program ${figures.programMs[key]} ms / ${figures.programPeakRssMb[key]} MB, floor ${figures.sdkFloorMs[key]} ms / ${figures.sdkFloorPeakRssMb[key]} MB, shape floor ${figures.shapeFloorMs[key]} ms / ${figures.shapeFloorPeakRssMb[key]} MB\n`,
    );
  }
  figures.sdkFloorWithoutTracesMs = round(median(traceFree.map((f) => f.ms)));
  figures.sdkFloorWithoutTracesPeakRssMb = round(median(traceFree.map((f) => f.peakRssMb)));
  const r = figures.programResources;
  figures.resourcesPerTenant = round((r["1000"]! - r["100"]!) / 900, 2);
  const b = figures.stateBytes;
  const fb = figures.sdkFloorStateBytes;
  figures.stateBytesPerTenant = Math.round((b["1000"]! - b["100"]!) / 900);
  figures.sdkFloorStateBytesPerTenant = Math.round((fb["1000"]! - fb["100"]!) / 900);
  return figures;
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    repeats: REPEATS,
  };
  const sections = (process.env.BENCH_SECTIONS ?? "program,redis,redisFailover,roundTrips").split(",");
  const goals: Array<{ goal: string; value: string; met: boolean }> = [];

  if (sections.includes("program")) {
    process.stderr.write("program vs SDK floor (prod profile, Pulumi mocks)\n");
    const p = measureProgram();
    Object.assign(results, p);
    const timeRatio = p.programMs["1000"]! / p.sdkFloorMs["1000"]!;
    const rssRatio = p.programPeakRssMb["1000"]! / p.sdkFloorPeakRssMb["1000"]!;
    // Not goals: where the gap is. The SDK's charge for the shape, and the program's own share.
    results.shapeFloorRatios = {
      shapeFloorOverSdkFloorMs: round(p.shapeFloorMs["1000"]! / p.sdkFloorMs["1000"]!, 2),
      programOverShapeFloorMs: round(p.programMs["1000"]! / p.shapeFloorMs["1000"]!, 2),
      shapeFloorOverSdkFloorRss: round(p.shapeFloorPeakRssMb["1000"]! / p.sdkFloorPeakRssMb["1000"]!, 2),
      programOverShapeFloorRss: round(p.programPeakRssMb["1000"]! / p.shapeFloorPeakRssMb["1000"]!, 2),
      programOverTraceFreeFloorMs: round(p.programMs["1000"]! / p.sdkFloorWithoutTracesMs, 2),
      programOverTraceFreeFloorRss: round(p.programPeakRssMb["1000"]! / p.sdkFloorWithoutTracesPeakRssMb, 2),
    };
    const perTenantSmall = (p.programMs["100"]! - p.programMs["10"]!) / 90;
    const perTenantLarge = (p.programMs["1000"]! - p.programMs["100"]!) / 900;
    goals.push({
      goal: "program time at 1000 tenants <= 3x SDK floor",
      value: `${round(timeRatio, 2)}x`,
      met: timeRatio <= 3,
    });
    goals.push({
      goal: "program peak RSS at 1000 tenants <= 3x SDK floor",
      value: `${round(rssRatio, 2)}x`,
      met: rssRatio <= 3,
    });
    goals.push({
      goal: "checkpoint bytes per tenant (inputs + outputs) <= 16 KB",
      value: `${p.stateBytesPerTenant} bytes (SDK floor ${p.sdkFloorStateBytesPerTenant})`,
      met: p.stateBytesPerTenant <= 16 * 1024,
    });
    goals.push({
      goal: "program time grows linearly (ms/tenant 100->1000 within 2x of 10->100)",
      value: `${round(perTenantSmall, 2)} vs ${round(perTenantLarge, 2)} ms/tenant`,
      met: perTenantLarge <= 2 * Math.max(perTenantSmall, 0.01),
    });
  }

  if (sections.includes("redis")) {
    const { measureRedisFormation } = await import("./redis");
    process.stderr.write("Redis Cluster formation vs redis-cli --cluster create (6 real local nodes)\n");
    const r = await measureRedisFormation();
    Object.assign(results, r);
    goals.push({
      goal: "formation <= 0.8x redis-cli's time",
      value: `${round(r.redisFormSeconds / r.redisCliCreateSeconds, 2)}x`,
      met: r.redisFormSeconds <= 0.8 * r.redisCliCreateSeconds,
    });
    goals.push({
      goal: "no-op formation run < 50 ms",
      value: `${r.redisNoopMs} ms`,
      met: r.redisNoopMs < 50,
    });
  }

  if (sections.includes("redisFailover")) {
    const { measureRedisFailover } = await import("./redisFailover");
    process.stderr.write(
      "Redis replication: failover through REDIS_URL, ours vs hand-deployed Sentinel defaults\n",
    );
    const f = await measureRedisFailover();
    Object.assign(results, f);
    goals.push({
      goal: "failover through REDIS_URL < 1/3 of the hand-deployed Sentinel defaults' time",
      value: `${f.redisFailoverSeconds} s vs ${f.sentinelDefaultFailoverSeconds} s (${round(f.redisFailoverSeconds / f.sentinelDefaultFailoverSeconds, 2)}x)`,
      met: f.redisFailoverSeconds < f.sentinelDefaultFailoverSeconds / 3,
    });
  }

  if (sections.includes("roundTrips")) {
    const { measureRoundTrips } = await import("./roundTrips");
    process.stderr.write("server round trips (counted on the contract fakes)\n");
    const rt = await measureRoundTrips();
    results.roundTrips = rt;
    goals.push({
      goal: "no-op re-run costs one round trip per collection",
      value: `MongoDB ${rt.mongoUnchanged}/${rt.mongoCollections}, Qdrant ${rt.qdrantUnchanged}/1`,
      met: rt.mongoUnchanged === rt.mongoCollections && rt.qdrantUnchanged === 1,
    });
  }

  results.goals = goals;
  // BENCH_SECTIONS runs part of the bench: the other sections' figures and goals are kept from the
  // last full run, and `sections` says when each part was measured.
  const file = join(__dirname, "results.json");
  let written: Record<string, unknown> = results;
  if (process.env.BENCH_SECTIONS && existsSync(file)) {
    const previous = JSON.parse(readFileSync(file, "utf8"));
    const texts = new Set(goals.map((g) => g.goal));
    const { goals: _, measuredAt: __, ...figures } = results;
    written = {
      ...previous,
      ...figures,
      sections: {
        ...(previous.sections ?? {}),
        ...Object.fromEntries(sections.map((section) => [section, results.measuredAt])),
      },
      goals: [...(previous.goals ?? []).filter((g: { goal: string }) => !texts.has(g.goal)), ...goals],
    };
  }
  writeFileSync(file, `${JSON.stringify(written, null, 2)}\n`);
  printTable(written, goals);
}

function printTable(
  results: Record<string, any>,
  goals: Array<{ goal: string; value: string; met: boolean }>,
): void {
  const lines: string[] = [];
  if (results.programMs) {
    lines.push(
      "| tenants | program ms | SDK floor ms | shape floor ms | program peak RSS MB | floor peak RSS MB | shape floor peak RSS MB | resources | state bytes | floor state bytes |",
    );
    lines.push("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const t of TENANT_COUNTS) {
      const k = String(t);
      lines.push(
        `| ${t} | ${results.programMs[k]} | ${results.sdkFloorMs[k]} | ${results.shapeFloorMs[k]} | ${results.programPeakRssMb[k]} | ${results.sdkFloorPeakRssMb[k]} | ${results.shapeFloorPeakRssMb[k]} | ${results.programResources[k]} | ${results.stateBytes[k]} | ${results.sdkFloorStateBytes[k]} |`,
      );
    }
    lines.push(`resourcesPerTenant: ${results.resourcesPerTenant}`);
    lines.push(
      `stateBytesPerTenant: ${results.stateBytesPerTenant}  sdkFloorStateBytesPerTenant: ${results.sdkFloorStateBytesPerTenant}`,
    );
    lines.push(`shapeFloorRatios: ${JSON.stringify(results.shapeFloorRatios)}`);
    lines.push(
      `sdkFloorWithoutTraces (1000 tenants): ${results.sdkFloorWithoutTracesMs} ms / ${results.sdkFloorWithoutTracesPeakRssMb} MB`,
    );
  }
  if (results.redisFormSeconds !== undefined) {
    lines.push(
      `redisFormSeconds: ${results.redisFormSeconds}  redisCliCreateSeconds: ${results.redisCliCreateSeconds}  redisNoopMs: ${results.redisNoopMs}`,
    );
  }
  if (results.redisFailoverSeconds !== undefined) {
    lines.push(
      `redisFailoverSeconds: ${results.redisFailoverSeconds}  sessionsLost: ${results.sessionsLost}/${results.sessionsAcked}  sentinelDefaultFailoverSeconds: ${results.sentinelDefaultFailoverSeconds}`,
    );
  }
  if (results.roundTrips) lines.push(`roundTrips: ${JSON.stringify(results.roundTrips)}`);
  lines.push("", "| goal | measured | met |", "|---|---|---|");
  for (const g of goals) lines.push(`| ${g.goal} | ${g.value} | ${g.met ? "yes" : "NO"} |`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
