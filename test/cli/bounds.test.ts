// A seed that reaches a bound of its run is a `budget` result for that scenario and seed, with a
// replay command that stops at the same place; the rest of the suite runs on, and the scenario
// is not met (exit 1). Bounds come from the scenario's `bounds` or from the command line.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, ROOT, type RunJson } from './cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lockstep-cli-bounds-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function variant(name: string, extra: Record<string, unknown>): string {
  const story = JSON.parse(readFileSync(path.join(ROOT, 'scenarios/gc-pause-fenced.json'), 'utf8')) as Record<string, unknown>;
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...story, name, seeds: 3, ...extra }));
  return file;
}

type Overrun = { seed: number; kind: string; bound: string; limit: number; atMs: number; message: string; replay: string };
type RunWithOverruns = RunJson & { scenarios: (RunJson['scenarios'][number] & { overruns?: Overrun[] })[] };

describe('a bound reached is a budget result, and the suite completes', () => {
  it('bounds.maxEvents in the scenario: every seed a budget result, the next scenario still runs', () => {
    const capped = variant('capped', { bounds: { maxEvents: 300 } });
    const free = variant('free', {});
    const run = cli('run', capped, free, '--json');
    expect(run.code, run.stderr).toBe(1);
    const json = JSON.parse(run.stdout) as RunWithOverruns;
    expect(json.ok).toBe(false);
    const [first, second] = json.scenarios;
    expect(first).toMatchObject({ scenario: 'capped', seedsRun: 3, met: false, failures: [] });
    expect(first!.overruns!.map((o) => [o.seed, o.kind, o.bound, o.limit, o.replay])).toEqual(
      [0, 1, 2].map((seed) => [seed, 'budget', 'maxEvents', 300, `npx lockstep replay ${capped} --seed ${seed}`]),
    );
    expect(first!.overruns![0]!.message).toMatch(/^lockstep: run exceeded 300 events at t=[\d.]+ ms/);
    expect(second).toMatchObject({ scenario: 'free', seedsRun: 3, met: true, failures: [] });
    expect(second!.overruns).toBeUndefined();
  });

  it('a bound reached in a pool worker is the same budget result: --json identical across --jobs 1, --jobs 2 and merged shards', () => {
    const capped = variant('capped', { seeds: 6 });
    const long = variant('long', { seeds: 5 });
    const flags = ['--max-sim-ms', '1000', '--json'];
    const one = cli('run', capped, long, ...flags, '--jobs', '1');
    const two = cli('run', capped, long, ...flags, '--jobs', '2');
    expect(one.code, one.stderr).toBe(1);
    expect(two.code, two.stderr).toBe(1);
    expect(two.stdout).toBe(one.stdout);
    const json = JSON.parse(one.stdout) as RunWithOverruns;
    expect(json.scenarios.map((s: RunWithOverruns['scenarios'][number]) => s.overruns!.map((o: Overrun) => [o.seed, o.bound]))).toEqual([
      [0, 1, 2, 3, 4, 5].map((seed) => [seed, 'maxTimeUs']),
      [0, 1, 2, 3, 4].map((seed) => [seed, 'maxTimeUs']),
    ]);
    expect(json.scenarios[1]!.overruns![4]!.replay).toBe(`npx lockstep replay ${long} --seed 4 --max-sim-ms 1000`);
    const shards = [1, 2].map((index) => {
      const shard = cli('run', capped, long, ...flags, '--shard', `${index}/2`, '--jobs', '1');
      expect(shard.code, shard.stderr).toBe(0);
      const file = path.join(dir, `shard-${index}.json`);
      writeFileSync(file, shard.stdout);
      return file;
    });
    const merged = cli('merge', ...shards, '--json');
    expect(merged.code, merged.stderr).toBe(1);
    expect(merged.stdout).toBe(one.stdout);
  });

  it('--max-sim-ms on the command line: the human line names seed and bound, the replay line carries the flag', () => {
    const file = variant('long', {});
    const run = cli('run', file, '--max-sim-ms', '1000');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^FAIL {2}long /m);
    expect(run.stdout).toMatch(/^ {6}seed 0: budget at 100\d\.\d ms — run reached an event at t=[\d.]+ ms, past bounds\.maxTimeUs \(1000 ms\)/m);
    expect(run.stdout).toContain(`      replay: npx lockstep replay ${file} --seed 2 --max-sim-ms 1000\n`);
  });

  it('replay of a budget seed stops at the same bound: exit 1, scenario and seed named', () => {
    const capped = variant('capped', { bounds: { maxEvents: 300 } });
    const run = cli('replay', capped, '--seed', '1');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^budget: capped seed 1: run exceeded 300 events at t=[\d.]+ ms \(a message storm\?\) — raise bounds\.maxEvents/);
    const traced = cli('replay', variant('free', {}), '--seed', '0', '--max-trace-events', '50');
    expect(traced.code).toBe(1);
    expect(traced.stderr).toMatch(/^budget: free seed 0: the trace recorder is full \(50 events\)/);
  });

  it('bad bounds are refused: in the file at the field, on the command line at the flag', () => {
    const run = cli('run', variant('bad', { bounds: { maxEvents: 0, maxSteps: 3 } }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('bounds.maxSteps: unknown field');
    expect(cli('run', variant('ok', {}), '--max-events', '0').stderr).toBe('error: --max-events: expected a whole number from 1 to 1000000000, got "0"\n');
    expect(cli('run', variant('ok', {}), '--max-sim-ms', '0.0001').stderr).toContain('error: --max-sim-ms: expected milliseconds above 0');
  });
});
