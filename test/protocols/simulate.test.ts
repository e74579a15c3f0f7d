/**
 * The protocols through the real world builder (src/explore/simulate.ts) from scenario objects,
 * as the shipped catalogue runs them: the same timelines as the hand-built worlds of the other
 * tests come out of `simulate` with the same numbers, and S15 — which the scenario schema cannot
 * yet express for zk (its `validityCheck` is listed as Redlock-only) — runs from a parsed zk
 * scenario with the option set on the parsed object.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/explore/simulate.js';
import { parseScenario, type Scenario, type ScenarioInput } from '../../src/scenario/index.js';

function run(input: ScenarioInput, seed = 0, tweak?: (s: Scenario) => Scenario) {
  const parsed = parseScenario(input, `test:${input.name}`);
  const scenario = tweak === undefined ? parsed : tweak(parsed);
  const a = simulate(scenario, seed, { record: true });
  const b = simulate(scenario, seed);
  expect(b.result.traceHash).toBe(a.result.traceHash);
  const lock = (type: string, client: string) =>
    (a.events ?? []).filter((e) => e.type === type && e.fields?.['client'] === client).map((e) => e.tUs / 1000);
  return { result: a.result, lock };
}

describe('S03 through simulate (fixed latency 2.5 ms, sequential SETs)', () => {
  const s03 = (expiryClock: 'wall' | 'mono'): ScenarioInput => ({
    name: `s03-${expiryClock}`,
    protocol: 'redlock',
    managers: 5,
    lockService: { leaseMs: 10_000, expiryClock, fanout: 'sequential', requestTimeoutMs: 50 },
    network: { latencyMs: [2.5, 2.5] },
    clients: [
      { id: 'c1', steps: [{ op: 'lock', resource: 'file', mode: 'EX' }, { op: 'work', ms: 15_000 }, { op: 'unlock', resource: 'file' }] },
      { id: 'c2', startMs: 1100, steps: [{ op: 'lock', resource: 'file', mode: 'EX' }, { op: 'work', ms: 12_000 }, { op: 'unlock', resource: 'file' }] },
    ],
    faults: [
      { atMs: 0, kind: 'partition', groups: [['c1'], ['m4', 'm5']] },
      { atMs: 0, kind: 'partition', groups: [['c2'], ['m1', 'm2']] },
      { atMs: 1000, kind: 'clock-jump', node: 'm3', byMs: 10_000, clock: 'wall' },
    ],
    durationMs: 40_000,
    expect: expiryClock === 'wall' ? { violation: 'mutual-exclusion' } : 'pass',
  });

  it('wall: grants at 115 (C1, valid to 9,898) and 1,215 (C2) → mutual-exclusion at 1,215', () => {
    const { result, lock } = run(s03('wall'));
    expect(lock('grant', 'c1')).toEqual([115]);
    expect(lock('expire', 'c1')).toEqual([9898]);
    expect(lock('grant', 'c2')).toEqual([1215]);
    expect(result.expectMet).toBe(true);
    expect(result.violations.map((v) => [v.invariant, v.atMs])).toEqual([['mutual-exclusion', 1215]]);
  });

  it('mono: pass', () => {
    const { result, lock } = run(s03('mono'));
    expect(lock('grant', 'c2')[0]!).toBeGreaterThan(10_012.5);
    expect(result.ok).toBe(true);
  });
});

describe('S15 through simulate: a zk scenario with validityCheck set on the parsed object', () => {
  const s15: ScenarioInput = {
    name: 's15',
    protocol: 'zk',
    managers: 1,
    lockService: { leaseMs: 5000, keepAliveMs: 1000 },
    network: { latencyMs: [1, 1] },
    clients: [
      { id: 'c1', steps: [{ op: 'lock', resource: 'file', mode: 'EX' }, { op: 'work', ms: 30_000 }, { op: 'unlock', resource: 'file' }] },
      { id: 'c2', startMs: 10, steps: [{ op: 'lock', resource: 'file', mode: 'EX' }, { op: 'work', ms: 1000 }, { op: 'unlock', resource: 'file' }] },
      { id: 'c3', startMs: 20_100, steps: [{ op: 'lock', resource: 'file', mode: 'EX' }, { op: 'work', ms: 1000 }, { op: 'unlock', resource: 'file' }] },
    ],
    faults: [
      { atMs: 20, kind: 'pause', node: 'c2', forMs: 20_030 },
      { atMs: 15_010, kind: 'crash', node: 'c1' },
    ],
    durationMs: 40_000,
  };
  const withValidityCheck = (on: boolean) => (s: Scenario): Scenario => ({ ...s, lockService: { ...s.lockService, validityCheck: on } });

  it('validityCheck off (etcd before #11456): P2 told it holds at 20,052, P3 at 20,104 → mutual-exclusion', () => {
    const { result, lock } = run(s15, 0, withValidityCheck(false));
    expect(lock('grant', 'c2')).toEqual([20_052]);
    expect(lock('grant', 'c3')).toEqual([20_104]);
    expect(result.violations.map((v) => [v.invariant, v.atMs])).toEqual([['mutual-exclusion', 20_104]]);
  });

  it('validityCheck on (the default): P2 gets ABORTED → pass', () => {
    const { result, lock } = run(s15, 0, withValidityCheck(true));
    expect(lock('grant', 'c2')).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
