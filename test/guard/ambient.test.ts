import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatFindings, isPermitted, scanSource, scanTree, stripComments } from './scan.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('ambient time and randomness guard (DESIGN §2)', () => {
  it('no file under src/ uses ambient time or randomness, beyond the use the allowed file is permitted', () => {
    const { scanned, findings } = scanTree(root);
    expect(scanned).toContain('src/sim/simulation.ts');
    expect(scanned).toContain('src/report/client/run.js');
    expect(scanned).toContain('src/cli/progress.ts');
    expect(scanned).toContain('src/clients/ambient-fence.ts');
    expect(formatFindings(findings)).toBe('');
  });

  it('the allowed file is permitted only its own name; the fence names none', () => {
    const found = (file: string, line: string) => scanSource(file, line).map(isPermitted);
    expect(found('src/clients/ambient-fence.ts', "patch(globalThis.Math as unknown as Record<string, unknown>, 'random', 'Math.random()');")).toEqual([false]);
    expect(found('src/clients/ambient-fence.ts', 'const seed = Math.random();')).toEqual([false]);
    expect(found('src/cli/progress.ts', 'const startedMs = Date.now();')).toEqual([true]);
    expect(found('src/cli/progress.ts', 'const jitter = Math.random();')).toEqual([false]);
    expect(found('src/sim/kernel.ts', "patch(globalThis, 'now', 'Date.now()');")).toEqual([false]);
  });

  it('the scanner fires on a banned call, with file and line', () => {
    const src = ['const a = 1;', 'export const t = Date.now();', ''].join('\n');
    expect(scanSource('src/sim/x.ts', src)).toEqual([
      { file: 'src/sim/x.ts', line: 2, banned: 'Date.now', text: 'export const t = Date.now();' },
    ]);
    expect(formatFindings(scanSource('src/sim/x.ts', src))).toBe('src/sim/x.ts:2: Date.now — export const t = Date.now();');
  });

  it('the scanner knows every banned API', () => {
    const src = [
      'Math.random()',
      'performance.now()',
      'setTimeout(f, 1)',
      'setInterval(f, 1)',
      'crypto.randomInt(3)',
      'crypto.randomUUID()',
      'randomBytes(8)',
      'new Date()',
      'Math . random',
    ].join('\n');
    expect(scanSource('src/x.ts', src).map((f) => [f.line, f.banned])).toEqual([
      [1, 'Math.random'],
      [2, 'performance.now'],
      [3, 'setTimeout('],
      [4, 'setInterval('],
      [5, 'crypto.random'],
      [6, 'crypto.random'],
      [6, 'randomUUID'],
      [7, 'randomBytes'],
      [8, 'new Date('],
      [9, 'Math.random'],
    ]);
  });

  it('ignores comments but not code next to them, and keeps line numbers', () => {
    const src = ['// never call Date.now()', '/* no Math.random()', '   here */ const x = Math.random();', "const url = 'http://x'; // Date.now"].join('\n');
    expect(stripComments(src).split('\n')).toHaveLength(4);
    expect(scanSource('src/y.ts', src).map((f) => [f.line, f.banned])).toEqual([[3, 'Math.random']]);
  });
});
