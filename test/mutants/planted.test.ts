// The planted-bug catalogue stays appliable: every search text occurs exactly once in its file
// (a refactoring that moves one makes `npm run mutants` stop loudly; this finds it first), and
// `plant` refuses a text that occurs nowhere or twice. Running the bugs is `npm run mutants:planted`.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script with no declarations
import { plant } from './planted.mjs';

const plantBug = plant as (source: string, bug: Bug) => string;

interface Bug {
  id: string;
  file: string;
  search: string;
  replace: string;
}

const catalogue = JSON.parse(readFileSync('test/mutants/planted.json', 'utf8')) as { goal: number; bugs: Bug[] };

describe('the planted lock-manager bugs', () => {
  it('are 16 distinct single-line edits, with a goal of 14 caught', () => {
    expect(catalogue.bugs).toHaveLength(16);
    expect(catalogue.goal).toBe(14);
    expect(new Set(catalogue.bugs.map((b) => b.id)).size).toBe(16);
  });

  it('each apply to exactly one place of the current source', () => {
    const run = spawnSync(process.execPath, ['test/mutants/planted.mjs', '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('16 planted bugs, each search text found exactly once\n');
    expect(run.status).toBe(0);
  });

  it('refuses a search text that occurs nowhere, or more than once', () => {
    const bug = { id: 'x', file: 'src/x.ts', search: 'a + 1', replace: 'a + 2' };
    expect(plantBug('const b = a + 1;', bug)).toBe('const b = a + 2;');
    expect(() => plantBug('const b = a;', bug)).toThrow('bug x: the search text does not occur in src/x.ts: "a + 1"');
    expect(() => plantBug('a + 1; a + 1;', bug)).toThrow('bug x: the search text occurs more than once in src/x.ts: "a + 1"');
  });
});
