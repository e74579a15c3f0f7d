// Determinism through the real command (DESIGN §2, §5.3, §5.5): a replay is a pure function of
// (scenario, seed); `run` and `replay` judge a seed the same way; the trace file is the stream
// the trace hash is computed over.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashLines } from '../../src/sim/index.js';
import { cli, cliJson, type ReplayJson, type RunJson } from './cli.js';

/** A broken scenario (violations on most seeds) and a passing one, both quick to run. */
const BROKEN = 'scenarios/redlock-clock-jump-wall.json';
const PASSING = 'scenarios/lease-lock-release-compare-and-delete.json';

let out: string;
beforeAll(() => {
  out = mkdtempSync(path.join(tmpdir(), 'lockstep-cli-replay-'));
});
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

function replay(file: string, seed: number, ...extra: string[]): { code: number; result: ReplayJson } {
  const { code, json } = cliJson<ReplayJson>('replay', file, '--seed', String(seed), '--json', ...extra);
  return { code, result: json };
}

describe('replay is deterministic', () => {
  it('the same seed twice gives the same result and trace hash', () => {
    for (const file of [BROKEN, PASSING]) {
      const a = replay(file, 3);
      const b = replay(file, 3);
      expect(b).toEqual(a);
      expect(a.result.traceHash).toMatch(/^[0-9a-f]{16}$/);
      expect(a.result.seed).toBe(3);
    }
  });

  it('a different seed gives a different trace hash', () => {
    for (const file of [BROKEN, PASSING]) {
      const hashes = new Set([0, 1, 2].map((seed) => replay(file, seed).result.traceHash));
      expect(hashes.size).toBe(3);
    }
  });

  it('a scenario can be named instead of given as a path, with the same result', () => {
    const byPath = replay(BROKEN, 0).result;
    const byName = replay('redlock-clock-jump-wall', 0).result;
    expect(byName).toEqual(byPath);
  });
});

describe('run and replay agree on every seed', () => {
  for (const file of [BROKEN, PASSING]) {
    it(`${path.basename(file)}: seeds 0..3`, () => {
      for (const seed of [0, 1, 2, 3]) {
        const ran = cliJson<RunJson>('run', file, '--seed', String(seed), '--json');
        const entry = ran.json.scenarios[0]!;
        const { code, result } = replay(file, seed);
        expect(entry.seedsRun).toBe(1);
        expect(entry.failures.length === 0).toBe(result.ok);
        expect(entry.met).toBe(result.expectMet);
        expect(ran.code).toBe(entry.met ? 0 : 1);
        expect(code).toBe(result.expectMet ? 0 : 1);
        if (!result.ok) {
          const failure = entry.failures[0]!;
          expect(failure.seed).toBe(seed);
          expect(result.violations.map((v) => v.invariant)).toContain(failure.invariant);
          const same = result.violations.find((v) => v.invariant === failure.invariant)!;
          expect(failure.atMs).toBe(same.atMs);
          expect(failure.message).toBe(same.message);
        }
      }
    });
  }

  it('the broken scenario violates on seed 0 and the passing one does not', () => {
    expect(replay(BROKEN, 0).result.ok).toBe(false);
    expect(replay(PASSING, 0).result.ok).toBe(true);
  });
});

describe('replay --trace', () => {
  it('writes JSON lines whose re-hash is the trace hash', () => {
    const tracePath = path.join(out, 'trace.jsonl');
    const { code, result } = replay(BROKEN, 0, '--trace', tracePath);
    expect(code).toBe(0);
    const text = readFileSync(tracePath, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(first).slice(0, 4)).toEqual(['seq', 't', 'node', 'type']);
    expect(typeof first['seq']).toBe('number');
    expect(typeof first['t']).toBe('number');
    expect(typeof first['node']).toBe('string');
    expect(typeof first['type']).toBe('string');
    const seqs = lines.map((l) => (JSON.parse(l) as { seq: number }).seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
    expect(hashLines(lines)).toBe(result.traceHash);
    // The violation the result reports is in the trace, as a `violation` event.
    const violations = lines.map((l) => JSON.parse(l) as { type: string; invariant?: string }).filter((e) => e.type === 'violation');
    expect(violations.map((v) => v.invariant)).toEqual(result.violations.map((v) => v.invariant));
  });

  it('human output tells the story and names the trace file', () => {
    const tracePath = path.join(out, 'story.jsonl');
    const run = cli('replay', BROKEN, '--seed', '0', '--trace', tracePath);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('mutual-exclusion');
    expect(run.stdout).toContain(`trace: ${tracePath}`);
    expect(run.stderr).toBe('');
  });
});
