// The import graph of src/, read from the sources themselves (static, type-only, re-export and dynamic imports
// alike: a type import is still a dependency of the design), and the cycles in it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export type Graph = Map<string, Set<string>>;

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return walk(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Comments hold example code (`import … from`) that is not an import. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** File → the files it imports, paths relative to `root` (packages and node: builtins are left out). */
export function fileGraph(root: string): Graph {
  const graph: Graph = new Map();
  for (const file of walk(root)) {
    const from = relative(root, file);
    const deps = new Set<string>();
    for (const m of stripComments(readFileSync(file, 'utf8')).matchAll(SPECIFIER)) {
      const spec = m[1]!;
      if (!spec.startsWith('.')) continue;
      deps.add(relative(root, resolve(dirname(file), spec)));
    }
    graph.set(from, deps);
  }
  return graph;
}

/** The module a file belongs to: its folder under src/ (`probe/probe.ts` → `probe`). */
export function moduleOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : file;
}

/** Module → modules it imports, without self-edges. */
export function moduleGraph(files: Graph): Graph {
  const graph: Graph = new Map();
  for (const [file, deps] of files) {
    const from = moduleOf(file);
    const set = graph.get(from) ?? new Set<string>();
    for (const d of deps) if (moduleOf(d) !== from) set.add(moduleOf(d));
    graph.set(from, set);
  }
  return graph;
}

/**
 * Every strongly connected component with more than one node (or a node importing itself), each given as one
 * cycle through it, so a failure names a path to cut. Tarjan's algorithm, iterative (no recursion depth limit).
 */
export function cycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edges: string[]; i: number }[] = [];
    const open = (node: string) => {
      index.set(node, next);
      low.set(node, next++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, edges: [...(graph.get(node) ?? [])], i: 0 });
    };
    open(start);
    while (work.length) {
      const top = work.at(-1)!;
      if (top.i < top.edges.length) {
        const to = top.edges[top.i++]!;
        if (!index.has(to)) open(to);
        else if (onStack.has(to)) low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work.at(-1)!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) !== index.get(top.node)) continue;
      const scc: string[] = [];
      for (;;) {
        const n = stack.pop()!;
        onStack.delete(n);
        scc.push(n);
        if (n === top.node) break;
      }
      if (scc.length > 1 || graph.get(top.node)?.has(top.node)) out.push(cycleThrough(graph, new Set(scc)));
    }
  }
  return out;
}

/** A shortest cycle from the component's first node back to itself, staying inside the component. */
function cycleThrough(graph: Graph, scc: Set<string>): string[] {
  const first = [...scc].sort()[0]!;
  const prev = new Map<string, string>();
  const queue = [first];
  for (let i = 0; i < queue.length; i++) {
    for (const to of graph.get(queue[i]!) ?? []) {
      if (!scc.has(to)) continue;
      if (to === first) {
        const path = [first];
        for (let n = queue[i]!; n !== first; n = prev.get(n)!) path.splice(1, 0, n);
        return [...path, first];
      }
      if (!prev.has(to)) {
        prev.set(to, queue[i]!);
        queue.push(to);
      }
    }
  }
  return [first, first];
}
