// The coverage signal (abstract transitions per run) and the feedback-directed search it steers:
// exact transition keys, the per-seed gains, deterministic mutations, and a guided find turned
// into a self-contained repro scenario.
import { describe, expect, it } from 'vitest';
import { CoverageMap, SearchRng, guidedSearch, mutatePlan, transitionsOf, type GuidedRunner } from '../../src/explore/coverage.js';
import type { ReplayResult } from '../../src/explore/result.js';
import { simulate } from '../../src/explore/simulate.js';
import { loadScenarioFile, type ScenarioFault } from '../../src/scenario/index.js';
import type { TraceEvent } from '../../src/sim/index.js';

function event(seq: number, node: string, type: string, fields?: Record<string, string | number>): TraceEvent {
  return { seq, tUs: seq, node, type, fields };
}

describe('transitionsOf', () => {
  it('keys role, event, the lock state of the client concerned and its previous event; skips message plumbing', () => {
    const events = [
      event(1, 'c1', 'request', { client: 'c1' }),
      event(2, 'c1', 'send'),
      event(3, 'm1', 'grant', { client: 'c1' }),
      event(4, 'c1', 'complete', { client: 'c1', status: 'GRANTED' }),
      event(5, 'm1', 'timer', { tag: 'dlm:rtx' }),
      event(6, 'storage', 'write', { client: 'c1' }),
      event(7, 'm1', 'expire', { client: 'c1' }),
      event(8, 'storage', 'write', { client: 'c1' }),
    ];
    expect([...transitionsOf(events, ['c1'])]).toEqual([
      'client request free start>',
      'service grant free request>',
      'client complete[GRANTED] free grant>',
      'service timer[dlm:rtx] free start>',
      'storage write holding complete[GRANTED]>',
      'service expire holding write>',
      'storage write free expire>',
    ]);
  });

  it('a real run reaches a fixed set: the same seed gives the same keys', async () => {
    const { scenario } = await loadScenarioFile('scenarios/gc-pause-unfenced.json');
    const first = transitionsOf(simulate(scenario, 0, { record: true }).events ?? [], ['c1', 'c2']);
    const again = transitionsOf(simulate(scenario, 0, { record: true }).events ?? [], ['c1', 'c2']);
    expect([...again]).toEqual([...first]);
    expect(first.has('client pause holding timer[dlm:rtx]>')).toBe(true);
  });
});

describe('CoverageMap', () => {
  it('counts per seed only what no earlier seed reached', () => {
    const coverage = new CoverageMap();
    expect(coverage.add(0, new Set(['a', 'b']))).toBe(2);
    expect(coverage.add(1, new Set(['a']))).toBe(0);
    expect(coverage.add(2, new Set(['b', 'c', 'd']))).toBe(2);
    expect(coverage.summary()).toEqual({ transitions: 4, seedsWithNew: 2, newBySeed: [{ seed: 0, added: 2 }, { seed: 2, added: 2 }] });
  });
});

describe('mutatePlan', () => {
  const plan: ScenarioFault[] = [
    { atMs: 100, kind: 'pause', node: 'c1', forMs: 4000 },
    { atMs: 9000, kind: 'clock-jump', node: 'c2', byMs: -300, clock: 'wall' },
  ];

  it('is deterministic for a seed and leaves its input alone', () => {
    const once = mutatePlan(plan, new SearchRng(7), 30000);
    expect(mutatePlan(plan, new SearchRng(7), 30000)).toEqual(once);
    expect(plan[0]).toEqual({ atMs: 100, kind: 'pause', node: 'c1', forMs: 4000 });
    expect(once).not.toEqual(plan);
  });

  it('keeps every fault inside the run and sorted by time', () => {
    const rng = new SearchRng(3);
    let current = plan;
    for (let i = 0; i < 200; i++) {
      current = mutatePlan(current, rng, 10000);
      expect(current.length).toBeGreaterThan(0);
      for (const fault of current) expect(fault.atMs >= 0 && fault.atMs <= 9999).toBe(true);
      expect(current.map((f) => f.atMs)).toEqual([...current.map((f) => f.atMs)].sort((a, b) => a - b));
    }
  });
});

describe('guidedSearch', () => {
  it('mutates a plan that reached new coverage, and reports a find on it as an explicit-fault repro', async () => {
    const { scenario } = await loadScenarioFile('scenarios/search/gc-pause-unfenced-search.json');
    const plans: ScenarioFault[][] = [];
    // Seed-drawn runs (even iterations) reach one transition each, new every time; the first
    // mutated run (iteration 1) violates stale-write.
    const runner: GuidedRunner = async (run, seed) => {
      plans.push(run.faults);
      const mutated = Object.keys(run.randomFaults).length === 0;
      const faults: ScenarioFault[] = mutated ? run.faults : [{ atMs: seed, kind: 'pause', node: 'c1', forMs: 12000 }];
      const violations = mutated ? [{ invariant: 'stale-write' as const, atMs: 5, message: 'stale', nodes: ['c1'] }] : [];
      const result = { scenario: run.name, seed, ok: true, expectMet: true, violations, observations: [], deadlocks: [], faults, stats: { events: 1, messages: 0, simMs: 1 }, traceHash: 'h' } satisfies ReplayResult;
      return { result, events: [event(1, 'c1', `step${seed}`)] };
    };
    const outcome = await guidedSearch(scenario, 'stale-write', 10, 40, runner, 'from here');
    expect(outcome.runs).toBe(2);
    expect(outcome.coverage).toEqual({ transitions: 2, seedsWithNew: 2, newBySeed: [{ seed: 40, added: 1 }, { seed: 41, added: 1 }] });
    expect(outcome.find?.iteration).toBe(1);
    expect(outcome.find?.seed).toBe(41);
    expect(outcome.find?.mutated).toBe(true);
    expect(plans[0]).toEqual([]);
    expect(plans[1]).toEqual(outcome.find?.repro.faults);
    expect(outcome.find?.repro.randomFaults).toEqual({});
    expect(outcome.find?.repro.repro).toEqual({ seed: 41, invariant: 'stale-write', from: 'from here' });
    expect(outcome.find?.repro.name).toBe('gc-pause-unfenced-search-guided-seed-41');
  });

  it('on real runs, is deterministic and its find replays from the repro alone', async () => {
    const { scenario } = await loadScenarioFile('scenarios/search/zk-session-expiry-unfenced-search.json');
    const runner: GuidedRunner = async (run, seed) => simulate(run, seed, { record: true });
    const first = await guidedSearch(scenario, 'stale-write', 60, 0, runner, 'test');
    const again = await guidedSearch(scenario, 'stale-write', 60, 0, runner, 'test');
    expect(again).toEqual(first);
    const find = first.find!;
    expect(find.invariant).toBe('stale-write');
    const replayed = simulate(find.repro, find.seed).result;
    expect(replayed.violations.some((v) => v.invariant === 'stale-write')).toBe(true);
  });
});
