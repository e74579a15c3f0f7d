import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { choiceBounds, checkDeadlockBoundUs } from '../../../src/explore/check/bounds.js';
import { search, type SearchOptions } from '../../../src/explore/check/search.js';
import { simulate } from '../../../src/explore/simulate.js';
import { CHECK_FAULT_SIZES_MS, parseScenario, ScenarioError, type Scenario } from '../../../src/scenario/index.js';

/** Two clients, one manager, each taking one lock then the other: in opposite orders when `crossed`. */
function twoLocks(crossed: boolean): Scenario {
  const take = (first: string, second: string) => [
    { op: 'lock', resource: first, mode: 'EX' },
    { op: 'lock', resource: second, mode: 'EX' },
    { op: 'unlock', resource: second },
    { op: 'unlock', resource: first },
  ];
  return parseScenario(
    {
      name: crossed ? 'two-locks-crossed' : 'two-locks-ordered',
      protocol: 'dlm',
      managers: 1,
      lockService: { deadlock: { detect: false, waitMs: 1000 } },
      network: { latencyMs: [1, 5] },
      clients: [
        { id: 't1', steps: take('a', 'b') },
        { id: 't2', steps: crossed ? take('b', 'a') : take('a', 'b') },
      ],
      durationMs: 200,
      expect: crossed ? { violation: 'deadlock' } : 'pass',
    },
    'inline',
  );
}

/** The shipped lesson: a lease-lock release by plain DEL deletes the next holder's lock. */
function lesson(name: string): Scenario {
  return parseScenario(JSON.parse(readFileSync(`scenarios/${name}.json`, 'utf8')), `scenarios/${name}.json`);
}

function options(scenario: Scenario, overrides: Partial<SearchOptions> = {}): SearchOptions {
  return {
    scenario,
    seed: 0,
    bounds: choiceBounds(scenario, { network: 'bounded', faultKinds: [], faultBudget: 0, ...CHECK_FAULT_SIZES_MS }),
    maxEvents: 100_000,
    deadlockBoundUs: checkDeadlockBoundUs(scenario),
    strategy: 'bfs',
    depth: 40,
    maxStates: 50_000,
    sleepSets: false,
    bitstateBits: undefined,
    walks: 5,
    pctChangePoints: 2,
    ...overrides,
  };
}

describe('lockstep check: search', () => {
  it('finds the AB–BA deadlock by BFS, and its schedule replays to the same violation', () => {
    const scenario = twoLocks(true);
    const result = search(options(scenario, { maxStates: 3000, sleepSets: true }));
    const found = result.counterexample!;
    expect(found.invariants).toEqual(['deadlock']);
    expect(found.decisions.length).toBeGreaterThan(0);
    const replayed = simulate({ ...scenario, schedule: { decisions: [...found.decisions], network: 'bounded', faultKinds: [], faultBudget: 0, ...CHECK_FAULT_SIZES_MS } }, 0).result;
    expect(replayed.violations.map((v) => v.invariant)).toContain('deadlock');
  });

  it('BFS by kernel events finds the lease-lock DEL bug on an asynchronous network in fewer events than the seeded path', () => {
    const scenario = lesson('lease-lock-release-del');
    const asynchronous = { ...options(scenario, { depth: 200, maxStates: 20_000, sleepSets: true }), bounds: choiceBounds(scenario, { network: 'async', faultKinds: [], faultBudget: 0, ...CHECK_FAULT_SIZES_MS }) };
    const seeded = search({ ...asynchronous, depth: 0 });
    const shortest = search(asynchronous);
    expect(seeded.counterexample?.steps).toBe(24);
    expect(seeded.counterexample?.decisions).toEqual([]);
    expect(shortest.counterexample?.invariants).toEqual(['stale-write']);
    expect(shortest.counterexample?.steps).toBe(23);
    expect(shortest.counterexample?.decisions.length).toBe(17);
    expect(shortest.states).toBe(2422);
  });

  it('is deterministic: two searches give identical results', () => {
    const scenario = twoLocks(true);
    expect(search(options(scenario, { maxStates: 500 }))).toEqual(search(options(scenario, { maxStates: 500 })));
  });

  it('sleep sets find exactly the violations the full search finds, visiting fewer states', () => {
    for (const scenario of [lesson('lease-lock-release-del'), lesson('lease-lock-release-compare-and-delete')]) {
      const full = search(options(scenario, { collectAll: true, depth: 8 }));
      const reduced = search(options(scenario, { collectAll: true, depth: 8, sleepSets: true }));
      expect(full.exhaustive && reduced.exhaustive).toBe(true);
      expect(reduced.violated).toEqual(full.violated);
      expect(reduced.states).toBeLessThan(full.states);
    }
    expect(search(options(lesson('lease-lock-release-del'), { collectAll: true, depth: 8 })).violated).toEqual(['stale-write']);
    expect(search(options(lesson('lease-lock-release-compare-and-delete'), { collectAll: true, depth: 8 })).violated).toEqual([]);
  });

  it('a bitstate visited set keeps its memory fixed and finds the same violation', () => {
    const scenario = lesson('lease-lock-release-del');
    const exact = search(options(scenario));
    const bitstate = search(options(scenario, { bitstateBits: 16 }));
    expect(bitstate.visitedBytes).toBe(2 ** 16 / 8);
    expect(bitstate.counterexample?.invariants).toEqual(exact.counterexample?.invariants);
  });

  it('random walks and PCT walk the same paths for the same seed', () => {
    const scenario = twoLocks(false);
    for (const strategy of ['random', 'pct'] as const) {
      const once = search(options(scenario, { strategy, depth: 10, walks: 3 }));
      expect(once.counterexample).toBeUndefined();
      expect(search(options(scenario, { strategy, depth: 10, walks: 3 }))).toEqual(once);
    }
  });
});

describe('lockstep check: schedules in scenario files', () => {
  it('refuses a decision the path does not have, naming the field', () => {
    const scenario = { ...twoLocks(true), schedule: { decisions: [999], network: 'bounded' as const, faultKinds: [], faultBudget: 0, ...CHECK_FAULT_SIZES_MS } };
    expect(() => simulate(scenario, 0)).toThrow(ScenarioError);
    expect(() => simulate(scenario, 0)).toThrow(/schedule\.decisions\[0\]/);
  });

  it('an empty schedule is the seeded run, judged in check mode', () => {
    const scenario = twoLocks(true);
    const seeded = simulate(scenario, 0).result;
    const scheduled = simulate({ ...scenario, schedule: { decisions: [], network: 'bounded', faultKinds: [], faultBudget: 0, ...CHECK_FAULT_SIZES_MS } }, 0).result;
    expect(scheduled.stats.events).toBe(seeded.stats.events);
  });
});
