/**
 * Recovery races found by the scenario catalogue's swarm (bugs DLM-5 and DLM-6), each pinned with
 * the seeds that showed it. Latencies are drawn from 1..5 ms by the seed, so these tests assert
 * outcomes (every request answered, no invariant broken), not instants.
 */
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { outcomes, pick, run, runTwice, scenario } from './world.js';

/** Each client takes `resource` EX, writes it, lets go, `repeat` times. */
function writer(id: string, home: string | undefined, startMs: number, resource: string, repeat: number): ScenarioInput['clients'][number] {
  return {
    id,
    ...(home !== undefined ? { home } : {}),
    startMs,
    repeat,
    steps: [
      { op: 'lock', resource, mode: 'EX' },
      { op: 'read', resource },
      { op: 'work', ms: 300 },
      { op: 'write', resource, value: id },
      { op: 'unlock', resource },
      { op: 'sleep', ms: 200 },
    ],
  } as ScenarioInput['clients'][number];
}

function answeredAll(events: ReturnType<typeof run>['events'], clients: readonly string[]): void {
  for (const client of clients) {
    expect(pick(events, 'complete', { client }).length, `${client}'s requests`).toBe(pick(events, 'request', { client }).length);
  }
}

describe('a client re-homed while its lock\u2019s master is rebuilt (DLM-5)', () => {
  // m2 masters `ledger` and is c1's and c4's home; it crashes at 700 with c4's request queued.
  // c4 reclaims its session at m3 while m1 rebuilds `ledger` from the copies, whose record of c4's
  // request still names m2 as home: the outcome must follow the session to m3.
  const input = scenario({
    lockService: { leaseMs: 6000, keepAliveMs: 2000, graceMs: 20_000, fencing: true },
    storage: { checkTokens: true },
    network: { latencyMs: [1, 5] },
    clients: [writer('c1', 'm2', 0, 'ledger', 4), writer('c2', 'm1', 10, 'ledger', 4), writer('c3', 'm3', 20, 'ledger', 4), writer('c4', 'm2', 30, 'ledger', 4)],
    faults: [{ atMs: 700, kind: 'crash', node: 'm2', restartAfterMs: 8000 }],
    durationMs: 40_000,
  });

  it.each([0, 7])('seed %i: c4 hears of the grant made by the rebuilt master, and every request completes', (seed) => {
    const { result, events } = runTwice(input, seed);
    expect(result.violations).toEqual([]);
    // c4's first request (sent before the crash) is granted by m1 after the rebuild, and reaches c4.
    const first = outcomes(events, 'c4', 'ledger')[0]!;
    expect(first).toMatch(/ ledger GRANTED EX token=100\d$/);
    expect(pick(events, 'grant', { client: 'c4', resource: 'ledger' })[0]!.node).toBe('m1');
    // Its lock is never orphaned to a dead home and expired.
    expect(pick(events, 'expire', { client: 'c4' })).toEqual([]);
    answeredAll(events, ['c1', 'c2', 'c3', 'c4']);
  });

  it('seeds 0..19 all pass', () => {
    for (let seed = 0; seed < 20; seed++) expect(run(input, seed).result.violations, `seed ${seed}`).toEqual([]);
  });
});

describe('a manager reset after a one-way drop made a peer declare it dead (DLM-6)', () => {
  // m1 → m2 is cut from 1686 to 6122 ms: m2 declares m1 dead at 7000, m1 resets (m1@1) and adopts
  // its clients' sessions again before m3 has heard of the new generation. m3 must learn m1@1
  // from the adoption request itself and answer that generation, or the adoption waits forever.
  const input = scenario({
    lockService: { leaseMs: 5000, keepAliveMs: 1000, graceMs: 10_000, fencing: true },
    storage: { checkTokens: true },
    network: { latencyMs: [1, 10] },
    clients: ['c1', 'c2', 'c3', 'c4'].map((id, i) => ({
      id,
      startMs: i * 50,
      repeat: 6,
      steps: [
        { op: 'lock', resource: 'a', mode: 'EX' },
        { op: 'read', resource: 'a' },
        { op: 'work', ms: 200 },
        { op: 'write', resource: 'a', value: id },
        { op: 'unlock', resource: 'a' },
        { op: 'lock', resource: 'b', mode: i % 2 === 0 ? 'EX' : 'PR' },
        { op: 'read', resource: 'b' },
        { op: 'work', ms: 100 },
        { op: 'unlock', resource: 'b' },
        { op: 'sleep', ms: 300 },
      ],
    })) as ScenarioInput['clients'],
    faults: [{ atMs: 1686, kind: 'drop', from: 'm1', to: 'm2', forMs: 4436 }],
    durationMs: 60_000,
  });

  it.each([15, 79, 290])('seed %i: the reset manager\u2019s adoptions complete and every request is answered', (seed) => {
    const { result, events } = runTwice(input, seed);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'dlm-reset', { gen: 1 }).map((e) => e.node)).toEqual(['m1']);
    answeredAll(events, ['c1', 'c2', 'c3', 'c4']);
  });
});
