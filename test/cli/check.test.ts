import { mkdtempSync, readFileSync } from 'node:fs';
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
});
