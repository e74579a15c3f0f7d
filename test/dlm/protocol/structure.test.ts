/**
 * The shape of src/dlm/protocol: no import circle between its modules (type-only imports count:
 * a circle of types still ties the modules into one unit that cannot be read or tested apart), and
 * no module grown past the size one reader can hold.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROTOCOL_DIR = fileURLToPath(new URL('../../../src/dlm/protocol/', import.meta.url));

/** Most lines of any module, and of the master role's entry module. */
const MAX_MODULE_LINES = 700;
const MAX_MASTER_LINES = 500;

/** Every relative specifier a module imports or re-exports, type-only and `import('...')` types included. */
function relativeImports(source: string): string[] {
  const found: string[] = [];
  const statement = /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.\/[^']+)'/g;
  const inline = /\bimport\(\s*'(\.\/[^']+)'\s*\)/g;
  for (const pattern of [statement, inline]) {
    for (const match of source.matchAll(pattern)) found.push(match[1]!.replace(/\.js$/, '.ts').slice(2));
  }
  return found;
}

/** The import circles of `graph` (module → modules it imports), each as the path that closes it. */
function importCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const circles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (module: string): void => {
    const open = onPath.indexOf(module);
    if (open >= 0) {
      circles.push([...onPath.slice(open), module]);
      return;
    }
    if (done.has(module)) return;
    onPath.push(module);
    for (const target of graph.get(module) ?? []) visit(target);
    onPath.pop();
    done.add(module);
  };
  for (const module of [...graph.keys()].sort()) visit(module);
  return circles;
}

function protocolModules(): Map<string, string> {
  const modules = new Map<string, string>();
  for (const name of readdirSync(PROTOCOL_DIR).sort()) {
    if (name.endsWith('.ts')) modules.set(name, readFileSync(PROTOCOL_DIR + name, 'utf8'));
  }
  return modules;
}

describe('src/dlm/protocol structure', () => {
  it('finds a planted circle, type-only and inline type imports included', () => {
    const graph = new Map([
      ['a.ts', relativeImports("import type { B } from './b.js';")],
      ['b.ts', relativeImports("import {\n  c,\n} from './c.js';")],
      ['c.ts', relativeImports("let x: import('./a.js').A;")],
      ['d.ts', relativeImports("import { a } from './a.js';")],
    ]);
    expect(importCircles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('has no import circle', () => {
    const modules = protocolModules();
    const graph = new Map([...modules].map(([name, source]) => [name, relativeImports(source)]));
    expect(importCircles(graph)).toEqual([]);
  });

  it('keeps every module small enough to read', () => {
    const oversized: string[] = [];
    for (const [name, source] of protocolModules()) {
      const lines = source.split('\n').length - (source.endsWith('\n') ? 1 : 0);
      const limit = name === 'master.ts' ? MAX_MASTER_LINES : MAX_MODULE_LINES;
      if (lines >= limit) oversized.push(`${name}: ${lines} lines (limit ${limit})`);
    }
    expect(oversized).toEqual([]);
  });
});
