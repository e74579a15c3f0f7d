// Targeted search: --invariant counts only finds of one invariant, and a search sweep lists the
// distinct failures it met (invariant, resource, nodes), not only the first.
import { describe, expect, it } from 'vitest';
import type { ReplayResult, Violation } from '../../src/explore/result.js';
import { sweepForRun } from '../../src/explore/rates.js';
import { DistinctFailures, failureSignature, formatDistinctFailure, targetScenario } from '../../src/explore/targets.js';
import { loadScenarioFile, type Scenario } from '../../src/scenario/index.js';

function violation(invariant: Violation['invariant'], nodes: string[], resource?: string): Violation {
  return { invariant, atMs: 1, message: `${invariant} of ${nodes.join('+')}`, nodes, ...(resource !== undefined ? { resource } : {}) };
}

/** A runner that reports the planted violations of each seed (none for the others). */
function planted(bySeed: Record<number, Violation[]>) {
  return (scenario: Scenario, seed: number) => ({
    result: { scenario: scenario.name, seed, ok: true, expectMet: true, violations: bySeed[seed] ?? [], observations: [], deadlocks: [], faults: [], stats: { events: 0, messages: 0, simMs: 0 }, traceHash: `h${seed}` } satisfies ReplayResult,
  });
}

describe('failureSignature', () => {
  it('names the invariant, the resource and the nodes sorted', () => {
    expect(failureSignature(violation('stale-write', ['c2', 'c1'], 'file'))).toBe('stale-write file c1,c2');
    expect(failureSignature(violation('liveness', []))).toBe('liveness - -');
  });
});

describe('DistinctFailures', () => {
  it('counts each signature once per seed, in order of first appearance', () => {
    const distinct = new DistinctFailures();
    distinct.record(7, { violations: [violation('liveness', ['c3']), violation('stale-write', ['c1', 'c2'], 'file')] });
    distinct.record(7, { violations: [violation('liveness', ['c3'])] });
    distinct.record(9, { violations: [violation('stale-write', ['c2', 'c1'], 'file')] });
    expect(distinct.list()).toEqual([
      { invariant: 'liveness', signature: 'liveness - c3', seeds: 1, firstSeed: 7, message: 'liveness of c3' },
      { invariant: 'stale-write', signature: 'stale-write file c1,c2', seeds: 2, firstSeed: 7, message: 'stale-write of c1+c2' },
    ]);
    expect(formatDistinctFailure(distinct.list()[1]!, 'stale-write')).toBe('distinct stale-write file c1,c2: 2 seeds, first seed 7 (target)');
    expect(formatDistinctFailure(distinct.list()[0]!, 'stale-write')).toBe('distinct liveness - c3: 1 seed, first seed 7');
  });
});

describe('targeted sweeps', () => {
  it('makes the target the expectation, and leaves the scenario alone without one', async () => {
    const { scenario } = await loadScenarioFile('scenarios/gc-pause-fenced.json');
    expect(targetScenario(scenario, undefined)).toBe(scenario);
    expect(targetScenario(scenario, 'liveness').expect).toEqual({ violation: 'liveness' });
    expect(scenario.expect).toBe('pass');
  });

  it('does not stop at a find of another invariant, and lists every distinct failure met', async () => {
    const target = await loadScenarioFile('scenarios/gc-pause-unfenced.json');
    const runner = planted({ 1: [violation('liveness', ['c2'])], 3: [violation('stale-write', ['c1', 'c2'], 'file')], 5: [violation('stale-write', ['c1', 'c2'], 'file')] });
    const entry = sweepForRun(target, { seeds: 10, invariant: 'stale-write', runner });
    expect(entry.seedsRun).toBe(4);
    expect(entry.met).toBe(true);
    expect(entry.target).toBe('stale-write');
    expect(entry.failures.map((f) => [f.seed, f.invariant])).toEqual([[1, 'liveness'], [3, 'stale-write']]);
    expect(entry.distinctFailures?.map((f) => [f.signature, f.seeds, f.firstSeed])).toEqual([['liveness - c2', 1, 1], ['stale-write file c1,c2', 1, 3]]);
    expect(entry.earlyStop?.atSeed).toBe(3);
  });

  it('a target no seed violates leaves the search unmet, whatever else it found', async () => {
    const target = await loadScenarioFile('scenarios/gc-pause-unfenced.json');
    const entry = sweepForRun(target, { seeds: 6, invariant: 'mutual-exclusion', runner: planted({ 2: [violation('stale-write', ['c1'], 'file')] }) });
    expect(entry.met).toBe(false);
    expect(entry.expect).toEqual({ violation: 'mutual-exclusion' });
    expect(entry.seedsRun).toBe(6);
    expect(entry.distinctFailures?.map((f) => f.signature)).toEqual(['stale-write file c1']);
  });

  it('on real runs: the search twin of etcd-waiter-lease-expired-unchecked meets its own invariant', async () => {
    const target = await loadScenarioFile('scenarios/search/etcd-waiter-lease-expired-unchecked-search.json');
    const entry = sweepForRun(target, { seeds: 40, invariant: 'mutual-exclusion' });
    expect(entry.met).toBe(true);
    expect(entry.failures.at(-1)?.invariant).toBe('mutual-exclusion');
    expect(entry.distinctFailures?.some((f) => f.invariant === 'mutual-exclusion')).toBe(true);
  });
});
