import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkImports,
  formatLayerFindings,
  importSites,
  layerOf,
  scanLayers,
  unusedExceptions,
  type LayerException,
  type LayerRule,
} from './layers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every layer below the command, for the two rows that may use them all. */
const BELOW_CLI = ['library', 'explore', 'report', 'scenario', 'check', 'dlm', 'dlm/core', 'dlm/protocol', 'protocols', 'storage', 'clients', 'sim', 'vocabulary'];

/**
 * The architecture (DESIGN §1), one row per layer under src/: what it may import, and why.
 * Imports run one way: cli → explore/report → scenario, check, dlm, protocols, storage, clients
 * → sim, with the lock vocabulary below everything that speaks of locks. A layer always may
 * import itself; anything not listed is refused.
 */
const LAYERS: Readonly<Record<string, LayerRule>> = {
  sim:            { may: [], why: 'the kernel knows nothing of locks: it runs any processes, so it imports nothing outside sim' },
  vocabulary:     { may: [], why: 'the lock words every layer shares (modes, statuses, event fields); it depends on nothing' },
  'dlm/core':     { may: ['vocabulary'], why: 'a pure lock space with no I/O and no clock, so it runs under simulation, exploration and as a library' },
  check:          { may: ['vocabulary', 'sim'], why: 'checkers read events (the trace types of sim), never the internals of a process' },
  storage:        { may: ['vocabulary', 'sim'], why: 'the protected resource is a simulated process that traces lock-vocabulary events' },
  protocols:      { may: ['vocabulary', 'sim'], why: 'each comparison service is simulated processes; protocols/contract.ts is the driver contract every protocol implements' },
  'dlm/protocol': { may: ['vocabulary', 'sim', 'dlm/core', 'protocols'], why: 'lock-manager nodes are processes built on the core that implement the driver contract of protocols/contract.ts' },
  dlm:            { may: ['dlm/core', 'dlm/protocol'], why: 'the dlm entry only re-exports its two halves' },
  clients:        { may: ['vocabulary', 'sim', 'protocols', 'storage'], why: 'a scripted client drives a protocol through the driver contract and writes to the storage node' },
  scenario:       { may: ['vocabulary', 'sim', 'check', 'clients'], why: 'the schema names invariants (owned by the checkers), converts faults to the kernel form with sim units, and types a TypeScript scenario\'s async clients and user protocol (clients)' },
  explore:        { may: ['vocabulary', 'sim', 'check', 'dlm', 'dlm/core', 'dlm/protocol', 'protocols', 'storage', 'clients', 'scenario'], why: 'builds and runs worlds from every part below, and owns the result shapes it produces' },
  report:         { may: ['vocabulary', 'sim', 'check', 'scenario', 'explore'], why: 'renders traces and the result shapes of explore; nothing below may import it' },
  library:        { may: ['explore', 'report', 'scenario', 'clients', 'protocols', 'sim', 'vocabulary'], why: 'the library API (src/index.ts) runs scenarios with async clients between kernel events and returns the result shapes of explore' },
  vitest:         { may: ['library', 'explore'], why: 'lockstep/vitest: a matcher and a test helper over the library API' },
  cli:            { may: BELOW_CLI, why: 'the command sits on top; nothing imports it' },
  index:          { may: [...BELOW_CLI, 'cli'], why: 'the package entry (src/index.ts) is the public surface and re-exports from every layer' },
};

/**
 * Known wrong edges, one file each, with the reason: none today. A row here is a debt to pay,
 * and the test below fails once its import is gone.
 */
const EXCEPTIONS: readonly LayerException[] = [];

describe('layer guard (DESIGN §1)', () => {
  it('no import under src/ runs against the layer order', () => {
    const { scanned, findings } = scanLayers(root, LAYERS, EXCEPTIONS);
    expect(scanned).toContain('src/sim/simulation.ts');
    expect(scanned).toContain('src/dlm/core/lockspace.ts');
    expect(formatLayerFindings(findings)).toBe('');
  });

  it('every listed exception is still needed (delete the row once its import is gone)', () => {
    expect(unusedExceptions(root, EXCEPTIONS)).toEqual([]);
  });

  it('the table is closed: every layer a row allows has a row of its own', () => {
    const named = new Set(Object.values(LAYERS).flatMap((rule) => rule.may));
    expect([...named].filter((layer) => LAYERS[layer] === undefined)).toEqual([]);
    for (const exception of EXCEPTIONS) expect(LAYERS[exception.from]).toBeDefined();
  });

  it('fires on a planted wrong import, naming the file, the line and the forbidden edge', () => {
    const planted = ["import { SimRng } from './rng.js';", '', "import type { LockSpace } from '../dlm/core/lockspace.js';", ''].join('\n');
    const findings = checkImports('src/sim/x.ts', planted, LAYERS, EXCEPTIONS);
    expect(findings).toEqual([
      {
        file: 'src/sim/x.ts',
        line: 3,
        specifier: '../dlm/core/lockspace.js',
        fromLayer: 'sim',
        toLayer: 'dlm/core',
        problem: 'sim → dlm/core is against the layer order (sim may import: nothing)',
      },
    ]);
    expect(formatLayerFindings(findings)).toBe(
      "src/sim/x.ts:3: sim → dlm/core is against the layer order (sim may import: nothing) (import '../dlm/core/lockspace.js')",
    );
  });

  it('fires on re-exports, type queries and upward imports of report and cli', () => {
    const planted = [
      "export * from '../report/model.js';",
      "export type { RunResult } from '../explore/result.js';",
      "type Kind = import('../cli/main.js').Flags;",
      "import '../report/style.js';",
    ].join('\n');
    expect(checkImports('src/check/y.ts', planted, LAYERS).map((f) => [f.line, f.toLayer])).toEqual([
      [1, 'report'],
      [2, 'explore'],
      [3, 'cli'],
      [4, 'report'],
    ]);
    expect(checkImports('src/explore/z.ts', "import type { RunReportInput } from '../report/model.js';", LAYERS).map((f) => f.problem)).toEqual([
      'explore → report is against the layer order (explore may import: vocabulary, sim, check, dlm, dlm/core, dlm/protocol, protocols, storage, clients, scenario)',
    ]);
  });

  it('an exception admits its one file only', () => {
    const exceptions: LayerException[] = [{ from: 'dlm/core', target: 'src/check/events.ts', why: 'planted for this test' }];
    const source = ["import type { LockEvent } from '../../check/events.js';", "import { createCheckers } from '../../check/index.js';"].join('\n');
    expect(checkImports('src/dlm/core/w.ts', source, LAYERS, exceptions).map((f) => [f.line, f.toLayer])).toEqual([[2, 'check']]);
  });

  it('refuses a layer missing from the table and an import that leaves src/', () => {
    expect(formatLayerFindings(checkImports('src/plugins/p.ts', "import x from '../sim/index.js';", LAYERS))).toBe(
      'src/plugins/p.ts:1: layer plugins is not in the layer table: add a row saying what it may import',
    );
    expect(formatLayerFindings(checkImports('src/report/v.ts', "import data from '../../package.json';", LAYERS))).toBe(
      "src/report/v.ts:1: report → package.json: shipped code may not import from outside src/ (import '../../package.json')",
    );
  });

  it('reads specifiers in code only, on the line they are written, and leaves packages alone', () => {
    const source = [
      '// import { x } from "../cli/main.js";',
      'import {',
      '  a,',
      "} from './a.js';",
      "import seedrandom from 'seedrandom';",
      "/* export * from '../report/html.js'; */ export { b } from './b.js';",
    ].join('\n');
    expect(importSites(source)).toEqual([
      { line: 4, specifier: './a.js' },
      { line: 5, specifier: 'seedrandom' },
      { line: 6, specifier: './b.js' },
    ]);
  });

  it('places paths in layers, with the two halves of dlm apart', () => {
    expect(layerOf('src/dlm/core/lockspace.ts')).toBe('dlm/core');
    expect(layerOf('src/dlm/protocol/master.ts')).toBe('dlm/protocol');
    expect(layerOf('src/dlm/index.ts')).toBe('dlm');
    expect(layerOf('src/index.ts')).toBe('index');
    expect(layerOf('src/vocabulary/modes.ts')).toBe('vocabulary');
    expect(layerOf('src/vocabulary.ts')).toBe('vocabulary');
    expect(layerOf('test/guard/layers.ts')).toBe('outside src/');
  });
});
