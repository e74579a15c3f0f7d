// Shrinking: ddmin's 1-minimality, the shrinker's exact reductions on a lesson and on search
// twins, determinism, and the repro files of the regression corpus replaying to their invariant.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ddmin, shrink } from '../../src/explore/shrink.js';
import { simulate } from '../../src/explore/simulate.js';
import { sweepForRun } from '../../src/explore/rates.js';
import { loadScenarioFile, parseScenario } from '../../src/scenario/index.js';

describe('ddmin', () => {
  it('finds a 1-minimal sublist, keeping order', () => {
    const items = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const tested: number[][] = [];
    const kept = ddmin(items, (s) => {
      tested.push(s);
      return s.includes(3) && s.includes(8);
    });
    expect(kept).toEqual([3, 8]);
    expect(tested).toHaveLength(35);
  });

  it('returns the empty list when the failure needs nothing, and the whole list when it needs all', () => {
    expect(ddmin([1, 2, 3], () => true)).toEqual([]);
    expect(ddmin([1, 2, 3], (s) => s.length === 3)).toEqual([1, 2, 3]);
  });
});

describe('shrink', () => {
  it('reduces a search twin failure to one fault and one client, and the repro replays to the same invariant', async () => {
    const { scenario } = await loadScenarioFile('scenarios/search/gc-pause-unfenced-search.json');
    const outcome = shrink(scenario, 65);
    expect(outcome.invariant).toBe('stale-write');
    expect(outcome.before).toEqual({ events: 1133, faults: 3, clients: 2, steps: 9 });
    expect(outcome.after).toEqual({ events: 500, faults: 1, clients: 1, steps: 5 });
    expect(outcome.removed[0]).toMatch(/^dropped 2 of 3 faults: /);
    const reparsed = parseScenario(JSON.parse(JSON.stringify(outcome.file)), 'repro.json');
    expect(reparsed.repro).toEqual({ seed: 65, invariant: 'stale-write' });
    expect(reparsed.randomFaults).toEqual({});
    expect(simulate(reparsed, 65).result.violations.map((v) => v.invariant)).toContain('stale-write');
  });

  it('is deterministic', async () => {
    const { scenario } = await loadScenarioFile('scenarios/search/ntp-step-lease-search.json');
    const first = shrink(scenario, 30);
    const second = shrink(scenario, 30);
    expect(JSON.stringify(second.file)).toBe(JSON.stringify(first.file));
    expect(second.removed).toEqual(first.removed);
    expect(first.after.faults).toBe(1);
  });

  it('refuses a seed that does not violate the invariant asked for', async () => {
    const { scenario } = await loadScenarioFile('scenarios/gc-pause-fenced.json');
    expect(() => shrink(scenario, 0)).toThrow(/violates no invariant/);
    const unfenced = await loadScenarioFile('scenarios/gc-pause-unfenced.json');
    expect(() => shrink(unfenced.scenario, 0, 'deadlock')).toThrow(/does not violate deadlock \(it violates stale-write\)/);
  });
});

describe('the regression corpus', () => {
  const files = readdirSync('scenarios/regressions').filter((f) => f.endsWith('.json'));

  it('has entries', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  for (const file of files) {
    it(`${file} replays its seed to its invariant, or passes once fixed, with no seed sweep`, async () => {
      const target = await loadScenarioFile(`scenarios/regressions/${file}`);
      const repro = target.scenario.repro!;
      expect(target.scenario.randomFaults).toEqual({});
      const entry = sweepForRun(target);
      expect(entry.seedsRun).toBe(1);
      expect(entry.met).toBe(true);
      const fixed = target.scenario.expect === 'pass';
      expect(entry.failures.map((f) => [f.seed, f.invariant])).toEqual(fixed ? [] : [[repro.seed, repro.invariant]]);
    });
  }

  it('reports a repro that no longer fails as fixed', async () => {
    const target = await loadScenarioFile('scenarios/regressions/gc-pause-unfenced-seed-0.json');
    const withoutPause = { ...target, scenario: { ...target.scenario, faults: [] } };
    const entry = sweepForRun(withoutPause);
    expect(entry.met).toBe(false);
    expect(entry.fixed).toBe('fixed: repro seed 0 no longer violates stale-write; set its "expect" to "pass" to keep it as a regression test');
  });
});
