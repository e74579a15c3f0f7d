// Failure rates of --all-seeds sweeps: the Wilson interval's figures, the per-invariant counts,
// and the early-stop notice a sweep that stopped at its first find carries instead.
import { describe, expect, it } from 'vitest';
import { EARLY_STOP_NOTICE, formatRate, invariantRates, sweepForRun, wilsonInterval } from '../../src/explore/rates.js';
import { simulate } from '../../src/explore/simulate.js';
import { loadScenarioFile } from '../../src/scenario/index.js';

describe('wilsonInterval', () => {
  it('gives the 95 % Wilson score interval', () => {
    const { low, high } = wilsonInterval(12, 200);
    expect(low).toBeCloseTo(0.0346522, 6);
    expect(high).toBeCloseTo(0.1019317, 6);
    const third = wilsonInterval(1, 3);
    expect(third.low).toBeCloseTo(0.0614919, 6);
    expect(third.high).toBeCloseTo(0.7923404, 6);
  });

  it('stays inside [0, 1] at no finds and at all finds, and knows nothing of no trials', () => {
    expect(wilsonInterval(0, 50).low).toBe(0);
    expect(wilsonInterval(0, 50).high).toBeCloseTo(0.0713476, 6);
    expect(wilsonInterval(50, 50).high).toBe(1);
    expect(wilsonInterval(50, 50).low).toBeCloseTo(0.9286524, 6);
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it('refuses counts that are not a share of the trials', () => {
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(0.5, 2)).toThrow(RangeError);
  });
});

describe('invariantRates', () => {
  it('counts seeds per invariant and lists the expected one even at zero', () => {
    const bySeed = new Map([
      [1, new Set(['liveness' as const])],
      [4, new Set(['liveness' as const, 'mutual-exclusion' as const])],
    ]);
    const rates = invariantRates(bySeed, 10, 'stale-write');
    expect(rates.map((r) => [r.invariant, r.seeds, r.rate])).toEqual([
      ['stale-write', 0, 0],
      ['liveness', 2, 0.2],
      ['mutual-exclusion', 1, 0.1],
    ]);
    expect(formatRate(rates[1]!, 10)).toBe('liveness: 2/10 seeds = 20.0 % (95 % CI 5.67–51.0 %)');
  });
});

describe('sweepForRun', () => {
  it('states the early stop of an expected-violation sweep, in the result', async () => {
    const target = await loadScenarioFile('scenarios/gc-pause-unfenced.json');
    const entry = sweepForRun(target, { seeds: 10 });
    expect(entry.seedsRun).toBe(1);
    expect(entry.earlyStop).toEqual({ atSeed: 0, seedsPlanned: 10, notice: EARLY_STOP_NOTICE });
    expect(entry.rates).toBeUndefined();
  });

  it('with allSeeds runs every seed and counts each invariant once per seed, re-runs included', async () => {
    const target = await loadScenarioFile('scenarios/gc-pause-unfenced.json');
    let calls = 0;
    const counting = (scenario: typeof target.scenario, seed: number) => {
      calls += 1;
      return simulate(scenario, seed);
    };
    const entry = sweepForRun(target, { seeds: 4, allSeeds: true, runner: counting });
    expect(entry.seedsRun).toBe(4);
    expect(entry.failures.map((f) => f.seed)).toEqual([0, 1, 2, 3]);
    expect(calls).toBe(8);
    expect(entry.earlyStop).toBeUndefined();
    expect(entry.rates).toHaveLength(1);
    expect(entry.rates![0]).toMatchObject({ invariant: 'stale-write', seeds: 4, rate: 1 });
  });

  it('adds nothing to a pass sweep that ran all its seeds', async () => {
    const target = await loadScenarioFile('scenarios/gc-pause-fenced.json');
    expect(sweepForRun(target, { seeds: 3 })).toEqual({ scenario: 'gc-pause-fenced', file: 'scenarios/gc-pause-fenced.json', seedsRun: 3, expect: 'pass', met: true, failures: [] });
    expect(sweepForRun(target, { seeds: 3, allSeeds: true }).rates).toEqual([]);
  });
});
