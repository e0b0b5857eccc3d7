import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  classify,
  main,
  type PreviewJson,
  type PreviewStep,
  parsePreviewText,
  redact,
  summarizePreview,
} from "../../tools/preview-summary";

const fixture = (name: string): PreviewJson =>
  JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8"));

/** Every secret value planted in the fixtures; none may reach a comment. */
const PLANTED_SECRETS = [
  "RootPw0rdSECRETvalue1",
  "QdrantKEYsecret999",
  "AppPassw0rdLEAK",
  "OldRedisPASSWORDvalue",
  "NewRedisPASSWORDvalue",
];

function sectionOrder(text: string, headings: string[]): number[] {
  return headings.map((h) => text.indexOf(h));
}

describe("preview summary of a preview without changes", () => {
  const text = summarizePreview(fixture("no-changes.json"));
  it("says no data is at risk and counts the unchanged resources", () => {
    expect(text).toContain("### Pulumi preview of `staging`");
    expect(text).toContain("**Data at risk: none.**");
    expect(text).toContain("| same | 3 |");
    expect(text).not.toContain("Schema changes");
  });
});

describe("preview summary of a first deployment", () => {
  const text = summarizePreview(fixture("dev-first-up.json"));
  it("lists schema to create per kind with the tenant names", () => {
    expect(text).toContain("MongoDB schema: 1 to create (`node_alpha_kato`)");
    expect(text).toContain("Qdrant collection: 1 to create (`vectors_alpha`)");
  });
  it("puts no creation under data at risk", () => {
    expect(text).toContain("**Data at risk: none.**");
  });
  it("repeats a warning from the program once", () => {
    expect(text).toContain("warning: preset guide: dropped index {_id: 1} unique on patterns");
  });
  it("prints none of the secrets in the steps", () => {
    for (const secret of PLANTED_SECRETS) expect(text).not.toContain(secret);
  });
});

describe("preview summary of destructive changes", () => {
  const text = summarizePreview(fixture("prod-destructive.json"));

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

  it("names each stateful replace or delete with why", () => {
    expect(text).toContain("Data at risk: 3 resources");
    expect(text).toMatch(
      /\*\*replace\*\* 1 Qdrant collection \(`vectors_alpha`\): `vectors.size` 768 → 1024/,
    );
    expect(text).toMatch(/\*\*delete\*\* 1 volume \(`data-kato-mongodb-3`\): removed from the program/);
    expect(text).toMatch(/\*\*replace\*\* 1 StatefulSet \(`kato-redis`\): `spec.selector.matchLabels.app`/);
  });

  it("folds the create-replacement, replace and delete-replaced steps into one change", () => {
    expect(text.match(/vectors_alpha/g)?.length).toBeLessThanOrEqual(3);
    expect(text).toContain("| replace | 2 |");
  });

  it("shows an in-place schema update with the changed field", () => {
    expect(text).toContain("MongoDB schema: 1 to update (`node_alpha_kato`)");
    expect(text).toContain("`collections[0].indexes[0].keys.length` 1 → -1");
  });

  it("leaves a non-stateful update out of data at risk", () => {
    const risk = text.slice(0, text.indexOf("#### Schema changes"));
    expect(risk).not.toContain("kato-redis-auth");
  });

  it("marks the preview failed and shows the error first", () => {
    expect(text).toContain("### Pulumi preview of `prod`: failed");
    expect(text).toContain("error: vectors_alpha: changing vectors.size from 768 to 1024");
  });

  it("never prints a secret, even for a changed password field or a URL with credentials", () => {
    for (const secret of PLANTED_SECRETS) expect(text).not.toContain(secret);
  });
});

/** A preview of `n` tenants, as the program declares them: one database schema and one collection each. */
function tenants(n: number, op: string, extra: Partial<PreviewStep> = {}): PreviewJson {
  const steps: PreviewStep[] = [];
  for (let i = 0; i < n; i++) {
    for (const [type, name] of [
      ["pulumi-nodejs:dynamic/kato:MongoDatabaseSchema", `node_t${i}_kato`],
      ["pulumi-nodejs:dynamic/kato:QdrantCollection", `vectors_t${i}`],
    ] as const) {
      steps.push({
        op,
        urn: `urn:pulumi:prod::kato-infra::kato:data:KatoDataPlane$${type}::${name}`,
        oldState: { type, inputs: { name, vectors: { size: 768 }, apiKey: `key-${i}-SECRET` } },
        newState: { type, inputs: { name, vectors: { size: 1024 }, apiKey: `key-${i}-SECRET` } },
        ...extra,
      });
    }
  }
  return { steps, changeSummary: { [op]: steps.length } };
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
    const text = summarizePreview(
      tenants(1000, "replace", {
        replaceReasons: ["vectors.size"],
        detailedDiff: { "vectors.size": { kind: "update-replace" } },
      }),
    );
    expect(text).toContain("Data at risk: 2000 resources");
    expect(text).toMatch(
      /\*\*replace\*\* 1000 Qdrant collections \(`vectors_t0`, `vectors_t1`, `vectors_t2` and 997 more\): `vectors.size` 768 → 1024/,
    );
    expect(text.split("\n").length).toBeLessThan(40);
    expect(text).not.toContain("SECRET");
  });

  it("caps distinct at-risk groups and says how many more there are", () => {
    const preview = tenants(30, "delete");
    // Give every tenant its own reason so nothing can be aggregated.
    preview.steps = preview.steps!.map((s, i) => ({ ...s, op: "replace", replaceReasons: [`field${i}`] }));
    const text = summarizePreview(preview, { maxItems: 10 });
    expect(text).toContain("- …and 50 more");
  });
});

describe("resource classification", () => {
  it.each([
    ["kubernetes:core/v1:PersistentVolumeClaim", "data-0", "volume"],
    ["docker:index/volume:Volume", "kato-mongodb-0-data", "volume"],
    ["kubernetes:apps/v1:StatefulSet", "kato-qdrant", "statefulset"],
    ["docker:index/container:Container", "kato-redis-0", "container"],
    ["pulumi-nodejs:dynamic/kato:MongoDatabaseSchema", "node_a_kato", "mongo-schema"],
    ["pulumi-nodejs:dynamic/kato:QdrantCollection", "vectors_a", "qdrant-schema"],
    ["pulumi-nodejs:dynamic:Resource", "kato-qdrant-collection-vectors_a", "qdrant-schema"],
    // As the program names them: QdrantCollection is a plain dynamic resource, named by the plane.
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
});

describe("command line", () => {
  const file = path.join(__dirname, "fixtures", "prod-destructive.json");

  it("reads a preview file and takes the stack name from --stack", () => {
    const text = main([file, "--stack", "prod-eu"], (p) => fs.readFileSync(p, "utf8"));
    expect(text).toContain("### Pulumi preview of `prod-eu`");
  });

  it("refuses to run without a file", () => {
    expect(() => main([], () => "")).toThrow(/usage: preview-summary/);
  });

  it("reports output that is not JSON as a failed preview instead of crashing", () => {
    const text = summarizePreview(parsePreviewText("error: could not find stack"));
    expect(text).toContain(": failed");
    expect(text).toContain("the preview output is not JSON");
  });

  it("finds the JSON document when the CLI printed text around it", () => {
    const json = parsePreviewText(`warning: something\n${JSON.stringify(fixture("no-changes.json"))}\n`);
    expect(json.changeSummary).toEqual({ same: 3 });
  });

  it("runs as `npm run preview-summary -- <file>`", () => {
    const root = path.join(__dirname, "..", "..");
    const out = execFileSync("npm", ["run", "--silent", "preview-summary", "--", file], {
      cwd: root,
      encoding: "utf8",
    });
    expect(out).toContain("Data at risk: 3 resources");
  });
});
