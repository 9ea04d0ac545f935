import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The house rules of docs/architecture.md, read off the source: the layer order of src/ folders, no import
 * cycles between modules, and the size budgets (files <= 500 lines, functions <= 120 lines).
 */
const SRC = path.resolve(__dirname, '..', 'src');

/** Folder -> layer. A module may import only from its own layer or below. */
export const LAYERS: Readonly<Record<string, number>> = {
  util: 0,
  render: 1,
  frame: 2,
  io: 3,
  metrics: 3,
  models: 4,
  wrangle: 5,
  analyses: 5,
  insights: 5,
  // the Feature Store: wrangle flows may write to it; serve reads it.
  features: 5,
  pipeline: 6,
  automl: 6,
  forecast: 6,
  serve: 7,
  explain: 7,
  report: 7,
  // scale-out: the Redis + BullMQ backend, workers and processing jobs; the CLI wires it.
  distributed: 7,
  cli: 8,
  // src/index.ts, the package entry, re-exports every area.
  '.': 9,
};
const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 120;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

function folderOf(file: string): string {
  const rel = path.relative(SRC, file);
  return rel.includes(path.sep) ? rel.split(path.sep)[0]! : '.';
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** Module -> the modules it imports (type-only imports included: they are dependencies of the design too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      deps.push(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
    }
    graph.set(file, deps);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === 1) found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

function functionSizes(file: string): { name: string; lines: number }[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: { name: string; lines: number }[] = [];
  const walk = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named = node as ts.FunctionLikeDeclaration;
      const name = named.name && ts.isIdentifier(named.name) ? named.name.text : '<anonymous>';
      out.push({ name: `${path.relative(SRC, file)}:${start + 1} ${name}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, walk);
  };
  walk(sf);
  return out;
}

const rel = (f: string): string => path.relative(path.dirname(SRC), f);

describe('architecture', () => {
  const graph = importGraph();

  it('every src folder has a layer', () => {
    const folders = [...new Set([...graph.keys()].map(folderOf))];
    expect(folders.filter((f) => LAYERS[f] === undefined)).toEqual([]);
  });

  it('imports go only to the same layer or below', () => {
    const upward: string[] = [];
    for (const [from, deps] of graph) {
      for (const to of deps) {
        if (!to.startsWith(SRC)) continue;
        const lf = LAYERS[folderOf(from)]!;
        const lt = LAYERS[folderOf(to)]!;
        if (lt > lf) upward.push(`${rel(from)} -> ${rel(to)} (layer ${lf} imports layer ${lt})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('folders of one layer import each other one way only', () => {
    const edges = new Set<string>();
    for (const [from, deps] of graph) {
      for (const to of deps) {
        const a = folderOf(from);
        const b = folderOf(to);
        if (a !== b && to.startsWith(SRC)) edges.add(`${a} -> ${b}`);
      }
    }
    const both = [...edges].filter((e) => {
      const [a, b] = e.split(' -> ');
      return edges.has(`${b} -> ${a}`);
    });
    expect(both).toEqual([]);
  });

  it('no module import cycles', () => {
    expect(cycles(graph).map((c) => c.map(rel).join(' -> '))).toEqual([]);
  });

  it(`no file in src/ exceeds ${MAX_FILE_LINES} lines`, () => {
    const sizes = sourceFiles(SRC).map((f) => ({ file: rel(f), lines: readFileSync(f, 'utf8').split('\n').length }));
    sizes.sort((a, b) => b.lines - a.lines);
    console.log(`largest file: ${sizes[0]!.file} (${sizes[0]!.lines} lines)`);
    expect(sizes.filter((s) => s.lines > MAX_FILE_LINES)).toEqual([]);
  });

  it(`no function in src/ exceeds ${MAX_FUNCTION_LINES} lines`, () => {
    const sizes = sourceFiles(SRC).flatMap(functionSizes).sort((a, b) => b.lines - a.lines);
    console.log(`largest function: ${sizes[0]!.name} (${sizes[0]!.lines} lines)`);
    expect(sizes.filter((s) => s.lines > MAX_FUNCTION_LINES)).toEqual([]);
  });
});
