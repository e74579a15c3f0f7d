/**
 * Every checker is only trusted once a deliberately broken variant of the real system makes it
 * fire (DESIGN §6). Each test runs one scenario through the whole simulator twice: with the
 * correct lock service, where no invariant is violated, and with one planted bug
 * (ServiceMutations, or the storage ignoring tokens, or detection switched off), where exactly the
 * invariant that bug breaks fires — and the broken run reproduces its trace hash.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceMutations } from '../../src/protocols/contract.js';
import { simulate, type SimulateOptions } from '../../src/explore/simulate.js';
import { loadScenarioFile, parseScenario, type Scenario, type ScenarioInput } from '../../src/scenario/index.js';

const SEED = 0;

function run(scenario: Scenario, opts: SimulateOptions = {}) {
  return simulate(scenario, SEED, opts).result;
}

function invariantsOf(scenario: Scenario, opts: SimulateOptions = {}): string[] {
  return [...new Set(run(scenario, opts).violations.map((v) => v.invariant))].sort();
}

/** The correct system passes; the mutated one fires `invariant` (first) and replays exactly. */
function expectOnlyBrokenFires(scenario: Scenario, broken: SimulateOptions, invariant: string): void {
  expect(invariantsOf(scenario)).toEqual([]);
  const first = run(scenario, broken);
  expect(first.violations.map((v) => v.invariant)).toContain(invariant);
  expect(first.violations[0]!.invariant).toBe(invariant);
  expect(run(scenario, broken).traceHash).toBe(first.traceHash);
}

function dlm(input: Omit<ScenarioInput, 'protocol' | 'managers'>): Scenario {
  return parseScenario({ protocol: 'dlm', managers: 3, ...input } as ScenarioInput, 'test:broken-variants');
}

const lockWriteUnlock = (resource: string, value: string, mode: 'EX' | 'PR' = 'EX') => [
  { op: 'lock' as const, resource, mode },
  ...(mode === 'EX' ? [{ op: 'write' as const, resource, value }] : []),
  { op: 'work' as const, ms: 50 },
  { op: 'unlock' as const, resource },
];

describe('broken variants of the real system make each checker fire', () => {
  it('stale-write: the storage ignores fencing tokens (gc-pause-fenced)', async () => {
    const { scenario } = await loadScenarioFile('scenarios/gc-pause-fenced.json');
    expectOnlyBrokenFires(scenario, { storageIgnoresTokens: true }, 'stale-write');
  });

  it('fencing: a token not incremented on the next EX grant', () => {
    const scenario = dlm({
      name: 'tokens-in-sequence',
      lockService: { fencing: true },
      storage: { checkTokens: true },
      clients: [
        { id: 'c1', home: 'm1', steps: lockWriteUnlock('file', 'c1') },
        { id: 'c2', home: 'm2', startMs: 500, steps: lockWriteUnlock('file', 'c2') },
      ],
      durationMs: 5000,
    });
    const mutations: ServiceMutations = { tokenNotIncremented: true };
    expectOnlyBrokenFires(scenario, { mutations }, 'fencing');
  });

  it('grant-order: a master that grants a later compatible request past a queued EX', () => {
    const scenario = dlm({
      name: 'fifo-behind-ex',
      clients: [
        { id: 'c1', home: 'm1', steps: [{ op: 'lock', resource: 'r', mode: 'PR' }, { op: 'work', ms: 1000 }, { op: 'unlock', resource: 'r' }] },
        { id: 'c2', home: 'm1', startMs: 100, steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'work', ms: 10 }, { op: 'unlock', resource: 'r' }] },
        { id: 'c3', home: 'm1', startMs: 300, steps: [{ op: 'lock', resource: 'r', mode: 'PR' }, { op: 'work', ms: 10 }, { op: 'unlock', resource: 'r' }] },
        { id: 'c4', home: 'm1', startMs: 600, steps: [{ op: 'lock', resource: 'r', mode: 'NL' }, { op: 'unlock', resource: 'r' }] },
      ],
      durationMs: 5000,
    });
    expectOnlyBrokenFires(scenario, { mutations: { grantSkipsFifo: true } }, 'grant-order');
  });

  it('mutual-exclusion: a compatibility matrix that lets PR stand beside EX', () => {
    const scenario = dlm({
      name: 'pr-beside-ex',
      clients: [
        { id: 'c1', home: 'm1', steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'work', ms: 1000 }, { op: 'unlock', resource: 'r' }] },
        { id: 'c2', home: 'm2', startMs: 200, steps: [{ op: 'lock', resource: 'r', mode: 'PR' }, { op: 'work', ms: 10 }, { op: 'unlock', resource: 'r' }] },
      ],
      durationMs: 5000,
    });
    expectOnlyBrokenFires(scenario, { mutations: { wrongMatrixEntry: true } }, 'mutual-exclusion');
  });

  it('value-block: the value block not invalidated when its EX holder dies (value-block-holder-crash)', async () => {
    const { scenario } = await loadScenarioFile('scenarios/value-block-holder-crash.json');
    expectOnlyBrokenFires(scenario, { mutations: { noLvbInvalidateOnHolderDeath: true } }, 'value-block');
  });

  it('deadlock: detection off on an AB-BA cycle (the same clients, detection on, pass)', async () => {
    const detected = (await loadScenarioFile('scenarios/ab-ba-deadlock-detected.json')).scenario;
    const undetected = (await loadScenarioFile('scenarios/ab-ba-deadlock-undetected.json')).scenario;
    expect(undetected.clients).toEqual(detected.clients);
    expect(invariantsOf(detected)).toEqual([]);
    expect(run(detected).deadlocks.length).toBeGreaterThan(0);
    const broken = run(undetected);
    expect(broken.violations[0]?.invariant).toBe('deadlock');
    // The service resolved nothing: the one deadlock listed is the checker's unresolved cycle.
    expect(broken.deadlocks.map((d) => ({ victim: d.victim, unresolved: d.unresolved, nodes: d.cycle.map((e) => `${e.node}->${e.waitsFor}`) }))).toEqual([
      { victim: undefined, unresolved: true, nodes: ['t1->t2', 't2->t1'] },
    ]);
  });

  it('liveness: a grant lost on the network and never re-sent', () => {
    const scenario = dlm({
      name: 'lost-grant',
      clients: [
        { id: 'c1', home: 'm1', steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'work', ms: 300 }, { op: 'unlock', resource: 'r' }] },
        { id: 'c2', home: 'm1', startMs: 100, steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'unlock', resource: 'r' }] },
      ],
      // Everything m1 sends to c2 while c1 releases is lost: c2's grant among it.
      faults: [{ atMs: 250, kind: 'drop', from: 'm1', to: 'c2', forMs: 400 }],
      livenessMs: 5000,
      durationMs: 20_000,
    });
    expectOnlyBrokenFires(scenario, { mutations: { lostGrantNeverRetried: true } }, 'liveness');
  });
});
