/**
 * The import scanner behind test/guard/layers.test.ts (DESIGN §1: data and imports run one way,
 * cli → explore/report → scenario, check, dlm, protocols, storage, clients → sim, with the lock
 * vocabulary and the pure lock space below everything that speaks of locks).
 *
 * Every module specifier under src/ counts: `import`, `import type`, `export … from`,
 * `export type * from`, side-effect imports and `import('…')` type queries. Comments are blanked
 * first (line numbers kept). Bare specifiers (packages, `node:` builtins) are not layers and are
 * left alone; a relative specifier that leaves src/ is reported, since nothing shipped may reach
 * into test/ or the repository root.
 */
import { readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { listSources, stripComments } from './scan.js';

/** What one layer may import, and why: one row of the table in layers.test.ts. */
export interface LayerRule {
  may: readonly string[];
  why: string;
}

/** A known wrong edge kept for now: files of layer `from` may import the one file `target`. */
export interface LayerException {
  from: string;
  /** The imported file, relative to the repository root (`src/check/events.ts`). */
  target: string;
  why: string;
}

/** One module specifier found in a file. */
export interface ImportSite {
  line: number;
  specifier: string;
}

/** One import against the layer order. */
export interface LayerFinding {
  /** The importing file, relative to the repository root, with forward slashes. */
  file: string;
  line: number;
  specifier: string;
  fromLayer: string;
  /** The imported layer, or `outside src/`. */
  toLayer: string;
  problem: string;
}

const OUTSIDE_SRC = 'outside src/';

const SPECIFIER_PATTERNS: readonly RegExp[] = [
  // import x from '…', import type { X } from '…', export { x } from '…', export * from '…'
  /\b(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"\n]+)\1/g,
  // import '…' (side effect only)
  /\bimport\s*(['"])([^'"\n]+)\1/g,
  // import('…'), as a dynamic import or a type query
  /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
];

/** Every module specifier in `source`, with the line it is written on, in source order. */
export function importSites(source: string): ImportSite[] {
  const code = stripComments(source);
  const sites: { index: number; specifier: string }[] = [];
  for (const pattern of SPECIFIER_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const specifier = match[2]!;
      sites.push({ index: match.index + match[0].lastIndexOf(specifier), specifier });
    }
  }
  sites.sort((a, b) => a.index - b.index);
  let line = 1;
  let counted = 0;
  return sites.map(({ index, specifier }) => {
    for (; counted < index; counted++) if (code.charCodeAt(counted) === 10) line++;
    return { line, specifier };
  });
}

/**
 * The layer a repository path belongs to: `src/dlm/core/…` and `src/dlm/protocol/…` are layers
 * of their own (the pure lock space must not see the simulator the protocol half runs on),
 * other folders under src/ are one layer each, and a file directly under src/ is its own layer,
 * named without its extension (`src/index.ts` is `index`).
 */
export function layerOf(path: string): string {
  if (!path.startsWith('src/')) return OUTSIDE_SRC;
  const parts = path.slice('src/'.length).split('/');
  if (parts.length === 1) return parts[0]!.replace(/\.[cm]?[jt]s$/, '');
  if (parts[0] === 'dlm' && parts.length > 2) return `dlm/${parts[1]}`;
  return parts[0]!;
}

/** The repository path a relative specifier written in `file` names (`.js` read as `.ts`). */
export function resolveSpecifier(file: string, specifier: string): string {
  const joined = posix.normalize(posix.join(posix.dirname(file), specifier));
  return joined.replace(/\.js$/, '.ts');
}

/** Every import in one file (at repository path `file`) that the table does not allow. */
export function checkImports(
  file: string,
  source: string,
  table: Readonly<Record<string, LayerRule>>,
  exceptions: readonly LayerException[] = [],
): LayerFinding[] {
  const fromLayer = layerOf(file);
  const rule = table[fromLayer];
  if (rule === undefined) {
    const problem = `layer ${fromLayer} is not in the layer table: add a row saying what it may import`;
    return [{ file, line: 1, specifier: '', fromLayer, toLayer: '', problem }];
  }
  const findings: LayerFinding[] = [];
  for (const { line, specifier } of importSites(source)) {
    if (!specifier.startsWith('.')) continue;
    const target = resolveSpecifier(file, specifier);
    const toLayer = layerOf(target);
    const problem = edgeProblem(fromLayer, rule, toLayer, target, table, exceptions);
    if (problem !== undefined) findings.push({ file, line, specifier, fromLayer, toLayer, problem });
  }
  return findings;
}

function edgeProblem(
  fromLayer: string,
  rule: LayerRule,
  toLayer: string,
  target: string,
  table: Readonly<Record<string, LayerRule>>,
  exceptions: readonly LayerException[],
): string | undefined {
  if (toLayer === fromLayer) return undefined;
  if (toLayer === OUTSIDE_SRC) return `${fromLayer} → ${target}: shipped code may not import from outside src/`;
  if (table[toLayer] === undefined) return `${fromLayer} → ${toLayer}: layer ${toLayer} is not in the layer table`;
  if (rule.may.includes(toLayer)) return undefined;
  if (exceptions.some((e) => e.from === fromLayer && e.target === target)) return undefined;
  return `${fromLayer} → ${toLayer} is against the layer order (${fromLayer} may import: ${rule.may.join(', ') || 'nothing'})`;
}

/** Scan every .ts under `<root>/src`. */
export function scanLayers(
  root: string,
  table: Readonly<Record<string, LayerRule>>,
  exceptions: readonly LayerException[] = [],
): { scanned: string[]; findings: LayerFinding[] } {
  const scanned: string[] = [];
  const findings: LayerFinding[] = [];
  for (const abs of listSources(join(root, 'src'))) {
    const file = relative(root, abs).split(sep).join('/');
    scanned.push(file);
    findings.push(...checkImports(file, readFileSync(abs, 'utf8'), table, exceptions));
  }
  return { scanned, findings };
}

/** The exceptions no file uses any more (each should be deleted from the table). */
export function unusedExceptions(root: string, exceptions: readonly LayerException[]): LayerException[] {
  const used = new Set<LayerException>();
  for (const abs of listSources(join(root, 'src'))) {
    const file = relative(root, abs).split(sep).join('/');
    const fromLayer = layerOf(file);
    for (const { specifier } of importSites(readFileSync(abs, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const target = resolveSpecifier(file, specifier);
      for (const e of exceptions) if (e.from === fromLayer && e.target === target) used.add(e);
    }
  }
  return exceptions.filter((e) => !used.has(e));
}

/** One line per finding: `file:line: problem (import '…')`. */
export function formatLayerFindings(findings: readonly LayerFinding[]): string {
  return findings.map((f) => `${f.file}:${f.line}: ${f.problem}${f.specifier === '' ? '' : ` (import '${f.specifier}')`}`).join('\n');
}
