import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asText } from "../../components/shared/packedInputs";
import {
  changedPaths,
  classify,
  decodedText,
  main,
  type PreviewJson,
  redact,
  summarize,
  summarizeChunks,
  summarizePreview,
  summarizePreviewText,
} from "../../tools/preview-summary";
import {
  diagnostic,
  digestShapeProblems,
  type PreviewDigest,
  type PreviewStep,
  printDigest,
  rootStack,
  step,
  urnOf,
} from "./engineDigest";
import { FIXTURES } from "./fixtures/build";

const ROOT = path.join(__dirname, "..", "..");
const fixturePath = (name: string) => path.join(__dirname, "fixtures", name);
const fixtureText = (name: string) => fs.readFileSync(fixturePath(name), "utf8");
const fixture = (name: string): PreviewJson => JSON.parse(fixtureText(name));

function sectionOrder(text: string, headings: string[]): number[] {
  return headings.map((h) => text.indexOf(h));
}

describe("the fixtures look like `pulumi preview --json` of pulumi v3.248.0", () => {
  it.each(Object.keys(FIXTURES))("%s is build.ts's output and has the engine's shape", (name) => {
    expect(fixtureText(name)).toBe(printDigest(FIXTURES[name]!));
    expect(digestShapeProblems(fixture(name))).toEqual([]);
  });

  it("the shape check rejects what the engine never writes", () => {
    const urn = urnOf("prod", "pulumi-nodejs:dynamic/kato:QdrantCollection", "c");
    const problems = digestShapeProblems({
      steps: [
        {
          op: "create-replacement",
          urn,
          newState: { type: "t", inputs: { k: { "4dabf18193072939515e22adb298388d": "x" } } },
        },
        { op: "same", urn, detailedDiff: null },
      ],
      diagnostics: [{ severity: "error", prefix: "error: ", message: "boom" }],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "a secret envelope (the digest masks secrets)",
        `step 0 (create-replacement ${urn}): no detailedDiff (it has no omitempty)`,
        `step 0 (create-replacement ${urn}): not a logical step (needs --show-replacement-steps)`,
        `step 0 (create-replacement ${urn}).newState: no urn`,
        `step 1 (same ${urn}): same steps need --show-sames`,
        "diagnostic 0: key prefix",
        'diagnostic 0: the message of a error starts with "error: "',
      ]),
    );
  });
});

describe("preview summary of a preview without changes", () => {
  const result = summarizePreviewText(fixtureText("no-changes.json"));
  it("says no data is at risk and counts the unchanged resources from the change summary", () => {
    expect(result.failed).toBe(false);
    expect(result.markdown).toContain("### Pulumi preview of `staging`\n");
    expect(result.markdown).toContain("**Data at risk: none.**");
    expect(result.markdown).toContain("| same | 57 |");
    expect(result.markdown).not.toContain("Schema changes");
  });
});

describe("preview summary of a first deployment", () => {
  const result = summarizePreviewText(fixtureText("dev-first-up.json"));
  const text = result.markdown;
  it("lists schema to create per kind with the resource names", () => {
    expect(text).toContain("MongoDB schema: 1 to create (`mongodb-schema-node_alpha_kato`)");
    expect(text).toContain("Qdrant collection: 1 to create (`qdrant-collection-vectors_alpha`)");
  });
  it("puts no creation under data at risk", () => {
    expect(result.failed).toBe(false);
    expect(text).toContain("**Data at risk: none.**");
    expect(text).toContain("| create | 8 |");
  });
  it("shows a warning once, without the engine's prefix twice", () => {
    expect(text).toContain("#### Diagnostics (0 errors, 1 warning)");
    expect(text).toContain("- warning: preset guide: dropped the index {_id: 1} unique on `patterns`");
    expect(text).not.toContain("warning: warning:");
  });
});

describe("preview summary of destructive changes refused by protect (prod)", () => {
  const result = summarizePreviewText(fixtureText("prod-destructive.json"));
  const text = result.markdown;

  it("is failed: the engine reported an error for each protected replacement", () => {
    expect(result.failed).toBe(true);
    expect(text).toContain("### Pulumi preview of `prod`: failed");
    expect(text).toContain("**The preview failed:** 2 errors (below).");
    // The URN the engine quotes is shortened to the resource's name, so the whole message fits.
    expect(text).toContain(
      '- error: unable to replace resource "qdrant-collection-vectors_alpha" as it is currently marked for protection. To unprotect the resource, remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`\n',
    );
    expect(text).not.toContain("error: error:");
  });

  it("puts data at risk first, then schema changes, then counts, then diagnostics", () => {
    const order = sectionOrder(text, [
      "Data at risk",
      "#### Schema changes",
      "#### Operations",
      "#### Diagnostics",
    ]);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("names each stateful replacement with the field that forces it, though the dynamic provider gave no detailed diff", () => {
    expect(text).toContain("Data at risk: 2 resources (as far as the preview got)");
    expect(text).toContain(
      "- **replace** 1 Qdrant collection (`qdrant-collection-vectors_alpha`): `spec.vectors.size` 768 → 1024 (protected: refused until `protect` is lifted)",
    );
    expect(text).toContain(
      "- **replace** 1 StatefulSet (`kato-redis`): `spec.selector.matchLabels.app` `kato-redis` → `redis` (protected: refused until `protect` is lifted)",
    );
  });

  it("shows an in-place schema update with the changed field, found by comparing the inputs", () => {
    expect(text).toContain("MongoDB schema: 1 to update (`mongodb-schema-node_alpha_kato`)");
    // Found inside the JSON text of `spec`, as the engine's display decodes it.
    expect(text).toContain("`spec.collections.patterns.indexes[0].keys[0][1]` 1 → -1");
    expect(text).toContain("`spec.collections.patterns.indexes[0].name` `length_1` → `length_-1`");
    expect(text).not.toContain("__provider");
  });

  it("leaves a non-stateful update out of data at risk and counts from the change summary", () => {
    const risk = text.slice(0, text.indexOf("#### Schema changes"));
    expect(risk).not.toContain("kato-redis-auth");
    expect(text).toContain("| update | 2 |\n| replace | 2 |\n| same | 61 |");
  });

  it("shows a secret only as [secret]", () => {
    expect(text).not.toMatch(/stringData.*→/);
  });
});

describe("preview summary of a namespace rename (staging)", () => {
  const result = summarizePreviewText(fixtureText("staging-namespace.json"));
  const text = result.markdown;
  it("lists the Namespace, the StatefulSets and the backup volumes as data at risk, and not the Service", () => {
    expect(result.failed).toBe(false);
    expect(text).toContain("Data at risk: 7 resources");
    expect(text).toContain(
      "- **replace** 1 Namespace (`kato-namespace`): `metadata.name` `kato-staging` → `kato-stg` (the old one is retained on delete)",
    );
    expect(text).toContain(
      "- **replace** 3 StatefulSets (`kato-mongodb`, `kato-qdrant`, `kato-redis`): `metadata.namespace` `kato-staging` → `kato-stg`",
    );
    expect(text).toContain(
      "- **replace** 3 volumes (`kato-mongodb-backups`, `kato-qdrant-backups`, `kato-redis-backups`): `metadata.namespace` `kato-staging` → `kato-stg` (the old one is retained on delete)",
    );
    expect(text.slice(0, text.indexOf("#### Operations"))).not.toMatch(/resources? \(`kato-mongodb`\)/);
  });
});

/** A one-resource preview of `stack` built from the engine's types. */
function previewOf(stack: string, steps: PreviewStep[], summary: Record<string, number>): PreviewDigest {
  return { steps: [rootStack(stack), ...steps], duration: 1_000_000_000, changeSummary: summary };
}

describe("the engine's step ops", () => {
  const nsUrn = urnOf("staging", "kato:data:KatoDataPlane$kubernetes:core/v1:Namespace", "kato-namespace");
  const ns = {
    urn: nsUrn,
    custom: true,
    type: "kubernetes:core/v1:Namespace",
    inputs: { metadata: { name: "kato-staging" } },
  };

  it.each([
    [false, "- **delete** 1 Namespace (`kato-namespace`): removed from the program\n"],
    [true, "- **delete** 1 Namespace (`kato-namespace`): removed from the program (retained on delete)\n"],
  ])("lists a Namespace deletion as data at risk (retainOnDelete %s)", (retainOnDelete, line) => {
    const d = previewOf(
      "staging",
      [step({ op: "delete", urn: nsUrn, oldState: { ...ns, retainOnDelete } })],
      {
        delete: 1,
        same: 50,
      },
    );
    expect(digestShapeProblems(d)).toEqual([]);
    const text = summarizePreviewText(printDigest(d)).markdown;
    expect(text).toContain("Data at risk: 1 resource\n");
    expect(text).toContain(line);
  });

  it("folds create-replacement, replace and delete-replaced (--show-replacement-steps) into one replacement", () => {
    const urn = urnOf(
      "prod",
      "kato:data:KatoDataPlane$pulumi-nodejs:dynamic/kato:QdrantCollection",
      "qdrant-collection-v",
    );
    const s = (size: number) => ({
      urn,
      custom: true,
      type: "pulumi-nodejs:dynamic/kato:QdrantCollection",
      inputs: { name: "v", vectors: { size, distance: "Cosine" } },
    });
    const steps = (["create-replacement", "replace", "delete-replaced"] as const).map((op) =>
      step({
        op,
        urn,
        oldState: s(768),
        ...(op === "delete-replaced" ? {} : { newState: s(1024) }),
        replaceReasons: ["vectors"],
      }),
    );
    const d = previewOf("prod", steps, { replace: 1 });
    expect(digestShapeProblems(d, { showReplacementSteps: true })).toEqual([]);
    const text = summarizePreviewText(printDigest(d)).markdown;
    expect(text).toContain("Data at risk: 1 resource\n");
    expect(text).toContain(
      "- **replace** 1 Qdrant collection (`qdrant-collection-v`): `vectors.size` 768 → 1024\n",
    );
    expect(text).toContain("| replace | 1 |");
  });

  it("does not count a discarded read resource (nothing is deleted) as data at risk", () => {
    const urn = urnOf("prod", "kubernetes:core/v1:PersistentVolumeClaim", "external-claim");
    const d = previewOf(
      "prod",
      [
        step({
          op: "discard",
          urn,
          oldState: {
            urn,
            custom: true,
            type: "kubernetes:core/v1:PersistentVolumeClaim",
            external: true,
          } as any,
        }),
      ],
      { discard: 1 },
    );
    const result = summarizePreviewText(printDigest(d));
    expect(result.markdown).toContain("**Data at risk: none.**");
    expect(result.markdown).toContain("| discard | 1 |");
  });

  it("lists a replaced MongoDB schema and a deleted Docker volume", () => {
    const schemaUrn = urnOf("dev", "pulumi-nodejs:dynamic/kato:MongoDatabaseSchema", "mongodb-schema-a_kato");
    const volUrn = urnOf("dev", "docker:index/volume:Volume", "kato-dev-mongodb-2-data");
    const d = previewOf(
      "dev",
      [
        step({
          op: "replace",
          urn: schemaUrn,
          oldState: {
            urn: schemaUrn,
            custom: true,
            type: "pulumi-nodejs:dynamic/kato:MongoDatabaseSchema",
            inputs: { database: "a_kato" },
          },
          newState: {
            urn: schemaUrn,
            custom: true,
            type: "pulumi-nodejs:dynamic/kato:MongoDatabaseSchema",
            inputs: { database: "b_kato" },
          },
          replaceReasons: ["database"],
        }),
        step({
          op: "delete",
          urn: volUrn,
          oldState: { urn: volUrn, custom: true, type: "docker:index/volume:Volume" },
        }),
      ],
      { replace: 1, delete: 1 },
    );
    const text = summarizePreviewText(printDigest(d)).markdown;
    expect(text).toContain(
      "- **replace** 1 MongoDB schema (`mongodb-schema-a_kato`): `database` `a_kato` → `b_kato`",
    );
    expect(text).toContain("- **delete** 1 volume (`kato-dev-mongodb-2-data`): removed from the program");
  });
});

describe("a failed, empty or unreadable preview is reported failed, never 'no data at risk'", () => {
  const notNone = (text: string) => expect(text).not.toContain("Data at risk: none");

  it("a program that threw: its error, and data at risk unknown", () => {
    const result = summarizePreviewText(fixtureText("failed-program.json"));
    expect(result.failed).toBe(true);
    notNone(result.markdown);
    expect(result.markdown).toContain("### Pulumi preview of `staging`: failed");
    expect(result.markdown).toContain("**Data at risk: unknown.**");
    expect(result.markdown).toContain(
      "- error: Running program '/home/runner/work/kato-infra/kato-infra' failed with an unhandled exception: ConfigError: kato-infra has 1 problem: kato-infra:qdrant.peers:",
    );
  });

  it.each([
    ["empty", "", "`pulumi preview` wrote nothing to its output"],
    ["blank", " \n\n", "`pulumi preview` wrote nothing to its output"],
    ["not JSON", "error: no stack named 'prod' found\n", "the preview output is not JSON"],
    [
      "cut off",
      fixtureText("prod-destructive.json").slice(0, 3000),
      "ends before its JSON document does (cut off)",
    ],
    ["an empty object", "{}\n", "has no steps and no change summary"],
    ["a list", "[1, 2]\n", "the preview output is not JSON (it holds no `{`)"],
    [
      "a broken step",
      '{"steps": [{"op": "same", "urn": x}]}',
      "the value of `steps` (one of its elements) is not valid JSON",
    ],
    ["a step without op", '{"steps": [{"urn": "u"}], "changeSummary": {}}', "step 1 has no `op` and `urn`"],
  ])("%s output", (_what, text, reason) => {
    const result = summarizePreviewText(text, { stack: "prod" });
    expect(result.failed).toBe(true);
    notNone(result.markdown);
    expect(result.markdown).toContain("### Pulumi preview of `prod`: failed");
    expect(result.markdown).toContain("**The preview failed:** ");
    expect(result.markdown).toContain(reason);
  });

  it("a clean digest from a `pulumi preview` that exited non-zero", () => {
    const result = summarizePreviewText(fixtureText("no-changes.json"), { exitCode: 255 });
    expect(result.failed).toBe(true);
    expect(result.markdown).toContain("`pulumi preview` exited with status 255");
    notNone(result.markdown);
  });

  it("reads the document when the CLI printed text before it", () => {
    const result = summarizePreviewText(
      `warning: A new version of Pulumi is available.\n${fixtureText("no-changes.json")}`,
    );
    expect(result.failed).toBe(false);
    expect(result.markdown).toContain("| same | 57 |");
  });
});

describe("streaming", () => {
  it("gives the same summary whatever the chunk boundaries, multi-byte characters included", () => {
    const d = FIXTURES["prod-destructive.json"]!;
    const withUnicode: PreviewDigest = {
      ...d,
      diagnostics: [
        ...(d.diagnostics ?? []),
        diagnostic("warning", "collection «vectors_é» → 1024 dimensions 🚀"),
      ],
    };
    const bytes = Buffer.from(printDigest(withUnicode), "utf8");
    const whole = summarizeChunks([bytes]).markdown;
    expect(whole).toContain("warning: collection «vectors_é» → 1024 dimensions 🚀");
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(summarizeChunks(chunks).markdown, `chunks of ${size}`).toBe(whole);
    }
  });

  it("gives the same summary as the parsed document", () => {
    for (const name of Object.keys(FIXTURES)) {
      expect(summarizePreviewText(fixtureText(name)).markdown, name).toBe(summarize(fixture(name)).markdown);
    }
  });
});

/** A preview of `n` tenants, as the program declares them: one database schema and one collection each. */
function tenants(n: number, op: PreviewStep["op"], extra: Partial<PreviewStep> = {}): PreviewJson {
  const steps: PreviewStep[] = [];
  for (let i = 0; i < n; i++) {
    for (const [type, name] of [
      ["pulumi-nodejs:dynamic/kato:MongoDatabaseSchema", `mongodb-schema-t${i}_kato`],
      ["pulumi-nodejs:dynamic/kato:QdrantCollection", `qdrant-collection-vectors_t${i}`],
    ] as const) {
      const urn = urnOf("prod", `kato:data:KatoDataPlane$${type}`, name);
      steps.push(
        step({
          op,
          urn,
          ...(op === "create"
            ? {}
            : {
                oldState: {
                  urn,
                  custom: true,
                  type,
                  inputs: { name, vectors: { size: 768 }, apiKey: "[secret]" },
                },
              }),
          newState: {
            urn,
            custom: true,
            type,
            inputs: { name, vectors: { size: 1024 }, apiKey: "[secret]" },
          },
          ...extra,
        }),
      );
    }
  }
  return { steps: [rootStack("prod"), ...steps], changeSummary: { [op]: steps.length, same: 1 } };
}

describe("preview summary of 1000 tenants", () => {
  it("stays a short comment when every tenant is created", () => {
    const text = summarizePreview(tenants(1000, "create"));
    expect(text.split("\n").length).toBeLessThan(40);
    expect(text).toContain("MongoDB schema: 1000 to create");
    expect(text).toContain("…and 995 more");
    expect(text).toContain("| create | 2000 |");
  });

  it("aggregates 1000 identical replacements into one line per kind", () => {
    const text = summarizePreview(tenants(1000, "replace", { replaceReasons: ["vectors"] }));
    expect(text).toContain("Data at risk: 2000 resources");
    expect(text).toContain(
      "- **replace** 1000 Qdrant collections (`qdrant-collection-vectors_t0`, `qdrant-collection-vectors_t1`, `qdrant-collection-vectors_t2` and 997 more): `vectors.size` 768 → 1024",
    );
    expect(text.split("\n").length).toBeLessThan(40);
  });

  it("caps distinct at-risk groups and says how many more there are", () => {
    const preview = tenants(30, "replace");
    // Give every tenant its own reason so nothing can be aggregated.
    preview.steps = preview.steps!.map((s, i) => ({ ...s, replaceReasons: [`field${i}`] }));
    const text = summarizePreview(preview, { maxItems: 10 });
    expect(text).toContain("- …and 50 more");
  });
});

/**
 * A fleet-wide update of 1000 tenants as `pulumi preview --json` prints it, written to `file` in
 * pieces: every tenant's schema (a large index list, in the JSON text of its `spec`) and collection
 * (an HNSW change) update. Bigger than V8's longest string (0x1fffffe8 characters), which reading it
 * whole would need.
 */
function writeFleetUpdate(file: string): number {
  const fd = fs.openSync(file, "w");
  let bytes = 0;
  const write = (s: string) => {
    bytes += fs.writeSync(fd, s);
  };
  const indexes = (dir: 1 | -1) =>
    Array.from({ length: 1300 }, (_, k) => ({
      keys: { [`field_${k}`]: k === 0 ? dir : 1, tenant: 1 },
      name: `field_${k}_${k === 0 ? dir : 1}_tenant_1`,
      options: { background: false, sparse: k % 2 === 0 },
    }));
  const schemaInputs = (dir: 1 | -1) => ({
    __provider: "exports.handler = __f0;".padEnd(20_000, " "),
    database: "TENANT_kato",
    password: "[secret]",
    spec: asText({ collections: { patterns_kb: { indexes: indexes(dir) } } }),
  });
  const schemaType = "pulumi-nodejs:dynamic/kato:MongoDatabaseSchema";
  const qdrantType = "pulumi-nodejs:dynamic/kato:QdrantCollection";
  const schemaUrn = urnOf("prod", `kato:data:KatoDataPlane$${schemaType}`, "mongodb-schema-TENANT_kato");
  const qdrantUrn = urnOf(
    "prod",
    `kato:data:KatoDataPlane$${qdrantType}`,
    "qdrant-collection-vectors_TENANT",
  );
  const collection = (m: number) => ({
    name: "vectors_TENANT",
    apiKey: "[secret]",
    spec: asText({ hnsw: { m }, vectors: { size: 768 } }),
  });
  const templates = [
    step({
      op: "update",
      urn: schemaUrn,
      oldState: {
        urn: schemaUrn,
        custom: true,
        type: schemaType,
        inputs: schemaInputs(1),
        outputs: schemaInputs(1),
      },
      newState: { urn: schemaUrn, custom: true, type: schemaType, inputs: schemaInputs(-1) },
    }),
    step({
      op: "update",
      urn: qdrantUrn,
      oldState: {
        urn: qdrantUrn,
        custom: true,
        type: qdrantType,
        inputs: collection(16),
        outputs: collection(16),
      },
      newState: { urn: qdrantUrn, custom: true, type: qdrantType, inputs: collection(32) },
    }),
  ].map((s) => JSON.stringify(s, null, 4).split("TENANT"));
  write(`{\n    "config": {\n        "kato-infra:allowDataLoss": "false"\n    },\n    "steps": [\n`);
  write(JSON.stringify(rootStack("prod"), null, 4));
  for (let t = 0; t < 1000; t++) {
    for (const parts of templates) write(`,\n${parts.join(`t${t}`)}`);
  }
  write(
    `\n    ],\n    "duration": 94000000000,\n    "changeSummary": {\n        "same": 41,\n        "update": 2000\n    }\n}\n`,
  );
  fs.closeSync(fd);
  return bytes;
}

describe("a 1000-tenant fleet-wide update, streamed within 1 GB", () => {
  let dir: string;
  let file: string;
  let size: number;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-summary-"));
    file = path.join(dir, "preview.json");
    size = writeFleetUpdate(file);
  }, 600_000);
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is summarised by the CLI in a Node.js limited to a 1 GiB heap", () => {
    // Longer than V8's longest string: reading the file whole cannot work.
    expect(size).toBeGreaterThan(0x1fffffe8);
    const child = spawnSync(
      process.execPath,
      [
        "--max-old-space-size=1024",
        "-r",
        path.join(__dirname, "reportMaxRss.js"),
        "-r",
        "ts-node/register/transpile-only",
        path.join(ROOT, "tools", "preview-summary.ts"),
        file,
      ],
      { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 20 },
    );
    expect(child.stderr).toMatch(/^maxRSS \d+\n$/);
    expect(child.status).toBe(0);
    const text = child.stdout;
    expect(text).toContain("### Pulumi preview of `prod`\n");
    expect(text).toContain("**Data at risk: none.**");
    expect(text).toContain("MongoDB schema: 1000 to update (`mongodb-schema-t0_kato`");
    expect(text).toContain("`spec.collections.patterns_kb.indexes[0].keys.field_0` 1 → -1 (×1000)");
    expect(text).toContain("Qdrant collection: 1000 to update");
    expect(text).toContain("`spec.hnsw.m` 16 → 32 (×1000)");
    expect(text).toContain("| update | 2000 |");
    // Peak resident memory of the whole process (KiB): under 1 GiB.
    const maxRss = Number(/maxRSS (\d+)/.exec(child.stderr)![1]);
    expect(maxRss).toBeLessThan(1024 * 1024);
  }, 900_000);
});

describe("resource classification", () => {
  it.each([
    ["kubernetes:core/v1:PersistentVolumeClaim", "data-0", "volume"],
    ["docker:index/volume:Volume", "kato-mongodb-0-data", "volume"],
    ["kubernetes:core/v1:Namespace", "kato-namespace", "namespace"],
    ["kubernetes:apps/v1:StatefulSet", "kato-qdrant", "statefulset"],
    ["docker:index/container:Container", "kato-redis-0", "container"],
    ["pulumi-nodejs:dynamic/kato:MongoDatabaseSchema", "node_a_kato", "mongo-schema"],
    ["pulumi-nodejs:dynamic/kato:QdrantCollection", "vectors_a", "qdrant-schema"],
    ["pulumi-nodejs:dynamic:Resource", "kato-qdrant-collection-vectors_a", "qdrant-schema"],
    ["pulumi-nodejs:dynamic:Resource", "qdrant-collection-vectors_my_app_kato", "qdrant-schema"],
    ["pulumi-nodejs:dynamic/kato:MongoDatabaseSchema", "mongodb-schema-my_app_kato", "mongo-schema"],
    ["pulumi-nodejs:dynamic/kato:MongoReplicaSetBootstrap", "kato-mongodb-bootstrap", "other"],
    ["pulumi-nodejs:dynamic:Resource", "kato-redis-formation", "other"],
    ["pulumi-nodejs:dynamic:Resource", "kato-mongo-index-length_1", "mongo-schema"],
    ["kubernetes:core/v1:Secret", "kato-redis-auth", "other"],
    ["kubernetes:core/v1:Service", "kato-mongodb", "other"],
  ])("%s %s is a %s", (type, name, kind) => {
    expect(classify(type, name)).toBe(kind);
  });
});

describe("changed paths of inputs without a detailed diff", () => {
  it("names the most specific differing fields, skipping the dynamic provider's code", () => {
    expect(
      changedPaths(
        { __provider: "a", name: "x", vectors: { size: 768 }, tags: ["a"], "dotted.key": 1 },
        { __provider: "b", name: "x", vectors: { size: 1024 }, tags: ["a", "b"], "dotted.key": 2 },
      ),
    ).toEqual(["vectors.size", "tags", '["dotted.key"]']);
  });

  it("looks inside JSON text on both sides, as the engine's display does", () => {
    const spec = (size: number) => JSON.stringify({ vectors: { size }, hnsw: { m: 16 } });
    expect(changedPaths({ name: "x", spec: spec(768) }, { name: "x", spec: spec(1024) })).toEqual([
      "spec.vectors.size",
    ]);
    // Text that is not JSON of an object or array stays a value of its own.
    expect(changedPaths({ a: "{not json" }, { a: "{not json}" })).toEqual(["a"]);
    expect(changedPaths({ a: "1" }, { a: "2" })).toEqual(["a"]);
    expect(decodedText(" [1] ")).toEqual([1]);
    expect(decodedText('"x"')).toBe('"x"');
  });
});

describe("redaction", () => {
  it("hides secret envelopes, secret-named keys and URLs with credentials", () => {
    expect(
      redact({
        a: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: '"x"' },
        password: "hunter2",
        apiKey: "k",
        uri: "mongodb://u:p@h:1/db",
        host: "kato-mongodb-0",
        list: ["redis://:pw@h:6379"],
      }),
    ).toEqual({
      a: "[secret]",
      password: "[secret]",
      apiKey: "[secret]",
      uri: "[secret]",
      host: "kato-mongodb-0",
      list: ["[secret]"],
    });
  });

  it("hides a URL with credentials inside a diagnostic", () => {
    const d = previewOf("dev", [], { same: 1 });
    d.diagnostics = [
      diagnostic("error", "cannot reach mongodb://root:Hunter2Pw@kato-dev-mongodb-0:27017/admin: timeout"),
    ];
    const text = summarizePreviewText(printDigest(d)).markdown;
    expect(text).not.toContain("Hunter2Pw");
    expect(text).toContain("cannot reach [secret] timeout");
  });
});

describe("command line", () => {
  const file = fixturePath("prod-destructive.json");

  it("reads a preview file, takes the stack name from --stack and exits 1 for a failed preview", () => {
    const { output, exitCode } = main([file, "--stack", "prod-eu"]);
    expect(output).toContain("### Pulumi preview of `prod-eu`: failed");
    expect(exitCode).toBe(1);
  });

  it("exits 0 for a preview that succeeded, 1 when --exit-code says `pulumi preview` failed", () => {
    expect(main([fixturePath("no-changes.json")]).exitCode).toBe(0);
    expect(main([fixturePath("no-changes.json"), "--exit-code", "255"]).exitCode).toBe(1);
    expect(main([fixturePath("no-changes.json"), "--exit-code", "0"]).exitCode).toBe(0);
  });

  it("reports a preview file that is missing as a failed preview", () => {
    const { output, exitCode } = main([path.join(os.tmpdir(), "no-such-preview.json"), "--stack", "prod"]);
    expect(exitCode).toBe(1);
    expect(output).toContain("cannot be read (ENOENT)");
  });

  it("refuses to run without a file or with a bad number", () => {
    expect(() => main([])).toThrow(/usage: preview-summary/);
    expect(() => main([file, "--exit-code", "x"])).toThrow(/--exit-code needs a whole number, got "x"/);
  });

  it("runs as `npm run preview-summary -- <file>`, with the exit status of the summary", () => {
    const out = execFileSync(
      "npm",
      ["run", "--silent", "preview-summary", "--", fixturePath("staging-namespace.json")],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    expect(out).toContain("Data at risk: 7 resources");
    const failed = spawnSync(
      "npm",
      ["run", "--silent", "preview-summary", "--", file, "--exit-code", "255"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain(": failed");
  });
});
