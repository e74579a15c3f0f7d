// Seed sweeps: what runs, where a sweep stops, how a failure is reported, and the determinism
// re-check that turns a non-reproducing failure into its own error.
import { describe, expect, it } from 'vitest';
import { NondeterminismError, replayCommand, sweepScenario } from '../../src/explore/sweep.js';
import { simulate } from '../../src/explore/simulate.js';
import { loadScenarioFile } from '../../src/scenario/index.js';

describe('sweepScenario', () => {
  it('stops an expected-violation scenario at its first find, with the exact replay command', async () => {
    const target = await loadScenarioFile('scenarios/gc-pause-unfenced.json');
    const entry = sweepScenario(target, { seeds: 10 });
    expect(entry.met).toBe(true);
    expect(entry.seedsRun).toBe(1);
    expect(entry.failures).toHaveLength(1);
    expect(entry.failures[0]).toMatchObject({ seed: 0, invariant: 'stale-write', replay: 'npx lockstep replay scenarios/gc-pause-unfenced.json --seed 0' });
    expect(entry.failures[0]!.atMs).toBe(simulate(target.scenario, 0).result.violations[0]!.atMs);
  });

  it('runs every seed of a pass scenario, and the result matches §5.4', async () => {
    const target = await loadScenarioFile('scenarios/gc-pause-fenced.json');
    const seen: number[] = [];
    const entry = sweepScenario(target, { seeds: 7, onSeed: (done, total) => seen.push(done * 100 + total) });
    expect(entry).toEqual({ scenario: 'gc-pause-fenced', file: 'scenarios/gc-pause-fenced.json', seedsRun: 7, expect: 'pass', met: true, failures: [] });
    expect(seen).toEqual([107, 207, 307, 407, 507, 607, 707]);
  });

  it('runs only --seed S when given, and keeps going past finds when asked to', async () => {
    const target = await loadScenarioFile('scenarios/gc-pause-unfenced.json');
    expect(sweepScenario(target, { seed: 41 }).failures.map((f) => f.seed)).toEqual([41]);
    expect(sweepScenario(target, { seeds: 3, stopAtFirstFind: false }).failures.map((f) => f.seed)).toEqual([0, 1, 2]);
  });

  it('reports a failing seed whose re-run gives another trace hash as nondeterminism', async () => {
    const target = await loadScenarioFile('scenarios/gc-pause-unfenced.json');
    let calls = 0;
    const flaky = (scenario: typeof target.scenario, seed: number) => {
      const { result } = simulate(scenario, seed);
      calls += 1;
      return { result: { ...result, traceHash: calls % 2 === 0 ? 'ffffffffffffffff' : result.traceHash } };
    };
    expect(() => sweepScenario(target, { seeds: 1, runner: flaky })).toThrow(NondeterminismError);
    expect(() => sweepScenario(target, { seeds: 1, runner: flaky })).toThrow(/nondeterminism in gc-pause-unfenced seed 0/);
  });

  it('a failure that reproduces is not nondeterminism', async () => {
    const target = await loadScenarioFile('scenarios/redlock-clock-jump-wall.json');
    expect(() => sweepScenario(target, { seeds: 1 })).not.toThrow();
    expect(replayCommand('scenarios/x.json', 7)).toBe('npx lockstep replay scenarios/x.json --seed 7');
  });
});

describe('simulate', () => {
  it('is a pure function of (scenario, seed): same seed same hash, another seed another hash', async () => {
    const { scenario } = await loadScenarioFile('scenarios/swarm-fenced-dlm.json');
    const a = simulate(scenario, 5).result;
    const b = simulate(scenario, 5).result;
    const c = simulate(scenario, 6).result;
    expect(b).toEqual(a);
    expect(c.traceHash).not.toBe(a.traceHash);
    expect(c.faults).not.toEqual(a.faults);
  });

  it('refuses a seed outside [0, 2^32)', async () => {
    const { scenario } = await loadScenarioFile('scenarios/gc-pause-fenced.json');
    expect(() => simulate(scenario, -1)).toThrow(RangeError);
    expect(() => simulate(scenario, 2 ** 32)).toThrow(/\[0, 2\^32\)/);
    expect(() => simulate(scenario, 1.5)).toThrow(RangeError);
  });
});
