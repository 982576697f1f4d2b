// The house's structure, checked on the sources: src/ and lambda/ have no import cycle (type-only
// imports included), no handler module (the ones lambda/index.ts dispatches to) reaches another,
// and the handlers and host scripts that do the same work share it instead of repeating it.

import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');

/** The .ts files below a folder, relative to the repository root. */
function tsFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** The relative modules a file imports or re-exports (`import type` and `export ... from` included), as repository paths. */
export function localImports(file: string, source = readFileSync(path.join(root, file), 'utf8')): string[] {
  const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gms)].map((m) => m[1]);
  return specifiers.map((s) => {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), s));
    for (const candidate of [`${base}.ts`, `${base}/index.ts`]) {
      try {
        readFileSync(path.join(root, candidate));
        return candidate;
      } catch {
        // not this one
      }
    }
    return `${base}.ts`;
  });
}

/** The import graph of some files: each file to the files it imports (only those among them). */
function graphOf(files: string[], read: (f: string) => string[] = localImports): Map<string, string[]> {
  const known = new Set(files);
  return new Map(files.map((f) => [f, read(f).filter((t) => known.has(t))]));
}

/** A cycle of the graph as a path (first = last), or undefined when it has none. */
export function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Every file a file reaches through imports within the graph (itself excluded). */
function reachable(graph: Map<string, string[]>, from: string): Set<string> {
  const seen = new Set<string>();
  const todo = [...(graph.get(from) ?? [])];
  while (todo.length > 0) {
    const next = todo.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    todo.push(...(graph.get(next) ?? []));
  }
  seen.delete(from);
  return seen;
}

/** The handler modules: those lambda/index.ts imports a `...Handler` from. */
function handlerModules(): string[] {
  const index = readFileSync(path.join(root, 'lambda', 'index.ts'), 'utf8');
  return [...index.matchAll(/^import \{ (\w+Handler) \} from '\.\/([\w-]+)';$/gm)].map((m) => `lambda/${m[2]}.ts`);
}

/** Runs of `min` or more lines (trimmed, blank lines skipped) that two texts share, as the first line of each run. */
export function sharedRuns(a: string, b: string, min = 6): string[] {
  const lines = (t: string) => t.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const la = lines(a);
  const lb = lines(b);
  const windows = new Set<string>();
  for (let i = 0; i + min <= lb.length; i++) windows.add(lb.slice(i, i + min).join('\n'));
  const runs: string[] = [];
  for (let i = 0; i + min <= la.length; i++) {
    if (windows.has(la.slice(i, i + min).join('\n'))) runs.push(la[i]);
  }
  return runs;
}

const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

describe('the checks themselves', () => {
  test('findCycle finds a type-only cycle and none in a tree', () => {
    const files: Record<string, string> = {
      'src/a.ts': "import type { B } from './b';\n",
      'src/b.ts': "import { c } from './private/c';\nexport type B = string;\n",
      'src/private/c.ts': "export { a } from '../a';\n",
    };
    const graph = graphOf(Object.keys(files), (f) => localImports(f, files[f]));
    expect(findCycle(graph)).toEqual(['src/a.ts', 'src/b.ts', 'src/private/c.ts', 'src/a.ts']);
    files['src/private/c.ts'] = 'export const c = 1;\n';
    expect(findCycle(graphOf(Object.keys(files), (f) => localImports(f, files[f])))).toBeUndefined();
  });

  test('sharedRuns finds six shared lines whatever the indentation, and not five', () => {
    const six = ['one', 'two', 'three', 'four', 'five', 'six'];
    expect(sharedRuns(`x\n${six.join('\n')}\ny`, `  ${six.join('\n  ')}\n`)).toEqual(['one']);
    expect(sharedRuns(six.slice(0, 5).join('\n'), six.slice(0, 5).join('\n'))).toEqual([]);
  });
});

describe('imports', () => {
  test('src/ has no import cycle, type-only imports and re-exports included', () => {
    expect(findCycle(graphOf(tsFiles('src')))).toBeUndefined();
  });

  test('lambda/ has no import cycle', () => {
    expect(findCycle(graphOf(tsFiles('lambda')))).toBeUndefined();
  });

  test('no handler module reaches another handler module, directly or through shared modules', () => {
    const handlers = handlerModules();
    expect(handlers).toEqual(expect.arrayContaining(['lambda/activation.ts', 'lambda/cluster.ts', 'lambda/key-store.ts']));
    const graph = graphOf([...tsFiles('lambda'), ...tsFiles('src')]);
    const reached = handlers.flatMap((h) => [...reachable(graph, h)].filter((r) => handlers.includes(r)).map((r) => `${h} -> ${r}`));
    expect(reached).toEqual([]);
  });
});

describe('no repeated blocks', () => {
  test('lambda/activation.ts and lambda/key-store.ts share no six lines', () => {
    expect(sharedRuns(read('lambda/activation.ts'), read('lambda/key-store.ts'))).toEqual([]);
  });

  test('the host scripts the handler sends share no six lines (the prelude holds what they share)', () => {
    const scripts = readdirSync(path.join(root, 'lambda', 'host')).filter((f) => f.endsWith('.sh') && f !== 'setup.sh');
    expect(scripts).toEqual(expect.arrayContaining(['activate.sh', 'create-kmsuser.sh', 'prelude.sh']));
    const pairs = scripts.flatMap((a, i) => scripts.slice(i + 1).map((b) => [a, b]));
    const shared = pairs.flatMap(([a, b]) => sharedRuns(read(`lambda/host/${a}`), read(`lambda/host/${b}`)).map((l) => `${a} ~ ${b}: ${l}`));
    expect(shared).toEqual([]);
  });
});
