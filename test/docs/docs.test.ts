/**
 * The documentation a user reads from a clone or from the npm package (issue 11): README.md stays a
 * five-minute read, every relative link in README.md and docs/*.md reaches a file of the repository
 * (and, for a `#section` of a Markdown page, a heading of that page), and no file of the repository
 * refers to a path outside it: a user's clone has only the repository.
 *
 * Headings become anchors as GitHub renders them (lower case; punctuation other than `-` and `_`
 * removed; each space a `-`; a repeated heading gets `-1`, `-2`...).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..", "..");
const README_MAX_LINES = 220;

/** The Markdown pages whose links are checked: the README and every page under docs/. */
function markdownPages(root: string): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs.sort()];
}

/** Text outside fenced code blocks and inline code spans: links there are examples, not links. */
function proseOf(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** Every `[text](target)` link target of a page's prose. */
function linkTargets(markdown: string): string[] {
  const prose = proseOf(markdown);
  return [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
}

/** GitHub's anchors for the headings of a page. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const m of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!
      .replace(/<[^>]+>/g, "")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]!);
  return anchors;
}

/** What is wrong with each relative link of `page` (a path relative to `root`); empty when all resolve. */
function brokenLinks(root: string, page: string, text = readFileSync(join(root, page), "utf8")): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:...
    const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
    const file = pathPart === "" ? join(root, page) : resolve(root, dirname(page), decodeURI(pathPart));
    const rel = relative(root, file);
    if (rel.startsWith("..") || rel.startsWith(sep)) {
      problems.push(`${page}: ${target} points outside the repository`);
      continue;
    }
    if (!existsSync(file)) {
      problems.push(`${page}: ${target}: no file ${rel}`);
      continue;
    }
    if (anchor !== undefined && file.endsWith(".md") && statSync(file).isFile()) {
      const anchors = anchorsOf(pathPart === "" ? text : readFileSync(file, "utf8"));
      if (!anchors.has(anchor)) problems.push(`${page}: ${target}: ${rel} has no heading #${anchor}`);
    }
  }
  return problems;
}

/** Every file of the repository a clone has: the tree without node_modules, .git and build output. */
function repositoryFiles(root: string): string[] {
  const skip = new Set(["node_modules", ".git", "dist", ".tmp"]);
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) out.push(rel);
    }
  };
  walk("");
  return out.sort();
}

/**
 * References from `file`'s text to places outside the repository: a relative `shared` folder that
 * resolves above the repository's root (the steering folder next to it, which a clone lacks), a
 * folder of the machine this project is built on (its worktrees, checkouts and tool folders).
 * `/work` alone is allowed: it is the backup containers' scratch
 * mount (WORK_MOUNT in components/operations/k8sJobs.ts), not a path of this machine.
 */
function outsideReferences(root: string, file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/((?:\.\.\/)+)shared\b/g)) {
    const target = resolve(root, dirname(file), `${m[1]}shared`);
    const rel = relative(root, target);
    if (rel.startsWith("..")) found.push(`${file}: ${m[0]} (resolves outside the repository)`);
  }
  const machine = new RegExp(
    `/work/(?:${["wt", "main", "shared", "prompts", "\\.mirror", "\\.library"].join("|")})\\b`,
    "g",
  );
  for (const m of text.matchAll(machine)) found.push(`${file}: ${m[0]} (a path of the build machine)`);
  return found;
}

describe("README.md", () => {
  it(`is at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, "README.md"), "utf8").split("\n").length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it("links every page under docs/", () => {
    const links = new Set(
      linkTargets(readFileSync(join(ROOT, "README.md"), "utf8")).map((t) => t.split("#")[0]),
    );
    const pages = markdownPages(ROOT).filter((p) => p.startsWith("docs/"));
    expect(pages.filter((p) => !links.has(p))).toEqual([]);
  });
});

describe("the npm package", () => {
  it("ships every Markdown page README.md links (README.md is in the package)", () => {
    const files: string[] = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).files;
    const pages = linkTargets(readFileSync(join(ROOT, "README.md"), "utf8"))
      .map((t) => t.split("#")[0]!)
      .filter((t) => t.endsWith(".md") && !/^[a-z][a-z0-9+.-]*:/i.test(t));
    expect([...new Set(pages)].filter((p) => !files.includes(p))).toEqual([]);
  });
});

describe("links in README.md and docs/*.md", () => {
  it("each relative link names a file of the repository, and a heading of it when it has a #section", () => {
    const problems = markdownPages(ROOT).flatMap((page) => brokenLinks(ROOT, page));
    expect(problems).toEqual([]);
  });
});

describe("no file of the repository refers to a path outside it", () => {
  it("names no relative shared folder above the root and no path of the build machine", () => {
    const found = repositoryFiles(ROOT).flatMap((file) => {
      const text = readFileSync(join(ROOT, file), "utf8");
      return outsideReferences(ROOT, file, text);
    });
    expect(found).toEqual([]);
  });
});

describe("the checks themselves", () => {
  it("anchors follow GitHub's rule, repeated headings included", () => {
    const anchors = anchorsOf(
      "# Setting lists and objects: `--path`\n## What `Pulumi.yaml` declares: nothing\n## A\n## A\n```\n# not a heading\n```\n",
    );
    expect([...anchors]).toEqual([
      "setting-lists-and-objects---path",
      "what-pulumiyaml-declares-nothing",
      "a",
      "a-1",
    ]);
  });

  it("reads links in prose only, not in code", () => {
    expect(linkTargets("see [a](docs/a.md) and `[b](b.md)`\n```\n[c](c.md)\n```\n[d](../x.md#y)")).toEqual([
      "docs/a.md",
      "../x.md#y",
    ]);
  });

  it("finds a missing file, a missing heading and a link outside the repository", () => {
    const page =
      "[x](docs/no-such-page.md) [y](docs/kato.md#no-such-heading) [z](../outside.md) [ok](docs/kato.md#redis) [here](#top)\n# Top\n";
    expect(brokenLinks(ROOT, "README.md", page)).toEqual([
      "README.md: docs/no-such-page.md: no file docs/no-such-page.md",
      "README.md: docs/kato.md#no-such-heading: docs/kato.md has no heading #no-such-heading",
      "README.md: ../outside.md points outside the repository",
    ]);
    expect(brokenLinks(ROOT, "README.md", "[here](#elsewhere)\n# Top\n")).toEqual([
      "README.md: #elsewhere: README.md has no heading #elsewhere",
    ]);
  });

  it("flags a shared folder above the root and build-machine paths, and allows the repository's own shared folder and the containers' /work", () => {
    const up = "../".repeat(1);
    expect(outsideReferences(ROOT, "README.md", `see ${up}shared/notes.md`)).toHaveLength(1);
    expect(outsideReferences(ROOT, "components/dataplane/index.ts", `from "${up}shared/problems"`)).toEqual(
      [],
    );
    expect(
      outsideReferences(ROOT, "x.md", `${"/work"}/main/README.md and ${"/work"}/.mirror/x`),
    ).toHaveLength(2);
    expect(
      outsideReferences(ROOT, "x.ts", `const WORK = "${"/work"}"; copy ${"/work"}/x.archive.gz`),
    ).toEqual([]);
  });
});
