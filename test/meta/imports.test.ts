/**
 * The library's import graph: components/ (what the package ships) never reaches the stack program
 * (program/, stacks/, index.ts), and no two of its folders import each other; no module anywhere
 * in the library or the program is part of an import cycle. Read from the sources' import
 * specifiers (type-only imports count for folders, since they still tie the code together).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..", "..");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

interface Edge {
  to: string;
  typeOnly: boolean;
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const edges: Edge[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^;]*?\sfrom\s+)?"(\.{1,2}\/[^"]+)"/gms)) {
    const base = resolve(dirname(join(ROOT, file)), m[2]!);
    const target = [`${base}.ts`, join(base, "index.ts")].find((c) => existsSync(c));
    if (target) edges.push({ to: relative(ROOT, target), typeOnly: Boolean(m[1]) });
  }
  return edges;
}

const library = sources("components");
const program = [...sources("program"), ...sources("stacks"), "index.ts"];
const graph = new Map([...library, ...program].map((f) => [f, importsOf(f)]));

/** Every cycle found by a depth-first walk, each as the list of modules around it. */
function cycles(nodes: string[], next: (node: string) => string[]): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const to of next(node)) {
      if (state.get(to) === "open") found.push([...stack.slice(stack.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of nodes) if (!state.has(node)) visit(node);
  return found;
}

const folderOf = (file: string) => {
  const parts = file.split("/");
  return parts.length > 2 ? parts.slice(0, 2).join("/") : file;
};

describe("import graph", () => {
  it("the library (components/) imports nothing of the stack program", () => {
    const outside = library.flatMap((file) =>
      graph
        .get(file)!
        .filter((e) => !e.to.startsWith("components/"))
        .map((e) => `${file} -> ${e.to}`),
    );
    expect(outside).toEqual([]);
  });

  it("no module is part of an import cycle (imports that load code)", () => {
    const found = cycles([...graph.keys()], (f) =>
      (graph.get(f) ?? []).filter((e) => !e.typeOnly && graph.has(e.to)).map((e) => e.to),
    );
    expect(found.map((c) => c.join(" -> "))).toEqual([]);
  });

  it("no two folders of the library import each other, types included", () => {
    const folders = new Map<string, Set<string>>();
    for (const file of library) {
      for (const edge of graph.get(file)!) {
        const [a, b] = [folderOf(file), folderOf(edge.to)];
        if (a !== b) folders.set(a, (folders.get(a) ?? new Set()).add(b));
      }
    }
    const found = cycles([...folders.keys()], (f) => [...(folders.get(f) ?? [])]);
    expect(found.map((c) => c.join(" -> "))).toEqual([]);
  });

  it("would see a cycle: the walk is not vacuous", () => {
    const toy = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
    ]);
    expect(cycles(["a"], (n) => toy.get(n) ?? [])).toEqual([["a", "b", "c", "a"]]);
    expect(graph.get("components/index.ts")!.length).toBeGreaterThan(5);
  });
});
