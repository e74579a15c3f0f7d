import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

function capture(): { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(String(line)));
  return { lines, errors };
}

describe('lockstep check', () => {
  afterEach(() => vi.restoreAllMocks());

  it('finds the lease-lock DEL bug, prints the required JSON fields, and writes a repro that replay narrates', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lockstep-check-'));
    const out = capture();
    expect(await main(['check', 'scenarios/lease-lock-release-del.json', '--depth', '4', '--json', '--report', dir])).toBe(0);
    const json = JSON.parse(out.lines.join('\n'));
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['states', 'transitions', 'depth', 'exhaustive', 'statesPerSecond', 'violations']));
    expect(json.violations.map((v: { invariant: string }) => v.invariant)).toEqual(['stale-write']);
    const repro = json.violations[0].repro as string;
    expect(JSON.parse(readFileSync(repro, 'utf8')).schedule.decisions).toEqual(json.violations[0].decisions);
    out.lines.length = 0;
    expect(await main(['replay', repro, '--seed', '0'])).toBe(0);
    expect(out.lines.join('\n')).toMatch(/VIOLATION stale-write/);
  });

  it('prints identical results on two runs (all but the rate), reaching its states from world images', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lockstep-check-'));
    const once = async (): Promise<Record<string, unknown>> => {
      const out = capture();
      expect(await main(['check', 'scenarios/lease-lock-release-del.json', '--depth', '6', '--por', '--json', '--report', dir])).toBe(0);
      vi.restoreAllMocks();
      const { statesPerSecond: _rate, ...rest } = JSON.parse(out.lines.join('\n')) as Record<string, unknown>;
      return rest;
    };
    const first = await once();
    expect(first.mode).toBe('images');
    expect(await once()).toEqual(first);
  });

  it('says so when the fixed twin is clean and exhausted within bounds', async () => {
    const out = capture();
    expect(await main(['check', 'scenarios/lease-lock-release-compare-and-delete.json', '--depth', '8'])).toBe(0);
    expect(out.lines).toContain('no violation within bounds (exhaustive)');
  });

  it('refuses a bad flag with exit 2', async () => {
    const out = capture();
    expect(await main(['check', 'scenarios/lease-lock-release-del.json', '--strategy', 'sideways'])).toBe(2);
    expect(out.errors[0]).toMatch(/^error: --strategy: expected one of bfs, dfs, iddfs, random, pct/);
  });

  it('injects a clock jump of the size asked for where no fault is staged, and its repro carries the size and replays', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lockstep-check-'));
    const lesson = JSON.parse(readFileSync('scenarios/redlock-clock-jump-wall.json', 'utf8')) as { faults: { kind: string }[] };
    const file = path.join(dir, 'redlock-no-staged-jump.json');
    writeFileSync(file, JSON.stringify({ ...lesson, faults: lesson.faults.filter((f) => f.kind !== 'clock-jump') }));
    const out = capture();
    const flags = ['--faults', '1', '--fault-kinds', 'clock-jump', '--clock-jump-ms', '10000', '--window-ms', '100,1200', '--depth', '50'];
    expect(await main(['check', file, ...flags, '--json', '--report', dir])).toBe(0);
    const json = JSON.parse(out.lines.join('\n'));
    expect(json.bounds).toMatchObject({ faults: 1, faultKinds: ['clock-jump'], clockJumpMs: 10000 });
    expect(json.violations.map((v: { invariant: string; story: string[] }) => [v.invariant, v.story.at(-1)])).toEqual([
      ['mutual-exclusion', "decision 1 (after 17 events): choice 3 of 9: jump m3's wall clock by +10000 ms"],
    ]);
    const repro = json.violations[0].repro as string;
    expect(JSON.parse(readFileSync(repro, 'utf8')).schedule).toMatchObject({ faultKinds: ['clock-jump'], faultBudget: 1, clockJumpMs: 10000 });
    out.lines.length = 0;
    expect(await main(['replay', repro, '--seed', '0'])).toBe(0);
    expect(out.lines.join('\n')).toMatch(/VIOLATION mutual-exclusion/);
  });

  it('refuses a clock jump of 0 and a negative partition with exit 2, naming the flag, and says how to write a negative value', async () => {
    const out = capture();
    expect(await main(['check', 'scenarios/lease-lock-release-del.json', '--clock-jump-ms', '0'])).toBe(2);
    expect(await main(['check', 'scenarios/lease-lock-release-del.json', '--partition-ms=-5'])).toBe(2);
    expect(await main(['check', 'scenarios/lease-lock-release-del.json', '--clock-jump-ms', '-5'])).toBe(2);
    expect(out.errors).toEqual([
      'error: --clock-jump-ms: must not be 0 (a jump of 0 does nothing)',
      'error: --partition-ms: expected an integer in [0, 86400000], got "-5"',
      'error: --clock-jump-ms: a value that starts with "-" is written --clock-jump-ms=VALUE (as in --clock-jump-ms=-1000)',
    ]);
  });
});
