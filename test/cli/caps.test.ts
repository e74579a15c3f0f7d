// Report pages are capped per scenario (--report-max, default 5): a pass-expected scenario that
// fails every seed writes that many pages, the index still lists every failing seed with its
// replay command, and the output says the cap applied.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, ROOT } from './cli.js';

const SEEDS = 7;
let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lockstep-cli-caps-'));
  // The GC-pause story fails on every seed; expecting it to pass makes each seed a failure.
  const story = JSON.parse(readFileSync(path.join(ROOT, 'scenarios/gc-pause-unfenced.json'), 'utf8')) as Record<string, unknown>;
  file = path.join(dir, 'always-fails.json');
  writeFileSync(file, JSON.stringify({ ...story, name: 'always-fails', expect: 'pass', seeds: SEEDS }));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const pages = (report: string) => readdirSync(report).filter((name) => name !== 'index.html').sort();

describe('report pages per scenario are capped', () => {
  it('by default at 5, with every failure in the index and a note in the output', () => {
    const report = path.join(dir, 'report');
    const run = cli('run', file, '--report', report);
    expect(run.code, run.stderr).toBe(1);
    expect(pages(report)).toEqual([0, 1, 2, 3, 4].map((seed) => `always-fails-seed-${seed}.html`));
    const index = readFileSync(path.join(report, 'index.html'), 'utf8');
    for (let seed = 0; seed < SEEDS; seed++) expect(index).toContain(`replay ${file} --seed ${seed}<`);
    expect(index).not.toContain('always-fails-seed-5.html');
    expect(run.stdout).toContain(`report: pages for the first 5 of ${SEEDS} failing seeds of always-fails (--report-max 5); the index lists all ${SEEDS} with their replay commands\n`);
  });

  it('at --report-max N, the note on stderr beside --json', () => {
    const report = path.join(dir, 'report');
    const run = cli('run', file, '--report', report, '--report-max', '2', '--json');
    expect(run.code, run.stderr).toBe(1);
    expect(pages(report)).toEqual(['always-fails-seed-0.html', 'always-fails-seed-1.html']);
    expect(JSON.parse(run.stdout).scenarios[0].failures).toHaveLength(SEEDS);
    expect(run.stderr).toBe(`report: pages for the first 2 of ${SEEDS} failing seeds of always-fails (--report-max 2); the index lists all ${SEEDS} with their replay commands\n`);
  });

  it('no note when every failing seed has its page', () => {
    const report = path.join(dir, 'report');
    const run = cli('run', file, '--report', report, '--report-max', String(SEEDS));
    expect(pages(report)).toHaveLength(SEEDS);
    expect(run.stdout).not.toContain('pages for the first');
  });

  it('a --report-max that is not a whole number, or without --report, is refused', () => {
    for (const bad of ['-1', 'x', '1.5']) {
      const run = cli('run', file, '--report', path.join(dir, 'r'), '--report-max', bad);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`error: --report-max: expected a whole number from 0 to 1000000, got "${bad}"\n`);
    }
    expect(cli('run', file, '--report-max', '3').stderr).toBe('error: run: --report-max needs --report DIR\n');
  });
});
