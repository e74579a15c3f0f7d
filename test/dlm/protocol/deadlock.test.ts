/**
 * Deadlock handling through the protocol: the cluster-wide timed search (edge gathering by the
 * coordinator, validated before acting) on a cycle whose edges live on two masters (pitfalls
 * S18), its refusal of a phantom cycle built from stale edges (pitfalls S21), and the lock space's
 * immediate conversion-deadlock detection at the master (pitfalls S20). Latency 5 ms; the
 * coordinator (m1, first in the view) gathers edges every deadlockWaitMs / 2 = 500 ms.
 */
import { describe, expect, it } from 'vitest';
import type { RequestFlag, ScenarioInput } from '../../../src/scenario/index.js';
import { outcomes, pick, runTwice, scenario, sends, timeline } from './world.js';

function abba(detect: boolean): ScenarioInput {
  return scenario({
    lockService: { deadlock: { detect, waitMs: 1000 } },
    clients: [
      {
        id: 't1',
        home: 'm1',
        deadlockPriority: 5,
        steps: [
          { op: 'lock', resource: 'a', mode: 'EX' },
          { op: 'sleep', ms: 100 },
          { op: 'lock', resource: 'b', mode: 'EX' },
          { op: 'unlock', resource: 'b' },
          { op: 'unlock', resource: 'a' },
        ],
      },
      {
        id: 't2',
        home: 'm2',
        steps: [
          { op: 'lock', resource: 'b', mode: 'EX' },
          { op: 'sleep', ms: 100 },
          { op: 'lock', resource: 'a', mode: 'EX' },
          { op: 'unlock', resource: 'a' },
          { op: 'unlock', resource: 'b' },
        ],
      },
    ],
    durationMs: 10_000,
  });
}

describe('AB–BA across two masters (pitfalls S18)', () => {
  it('is found by the timed search, reported once, and broken by failing the lowest-priority waiter', () => {
    const { result, events } = runTwice(abba(true));
    expect(result.violations).toEqual([]);
    // a is mastered by m1 (t1's home), b by m2 (t2's home): the cycle spans both masters.
    expect(pick(events, 'grant', { resource: 'a' })[0]!.node).toBe('m1');
    expect(pick(events, 'grant', { resource: 'b' })[0]!.node).toBe('m2');
    // t2 waits on a since 160, t1 on b since 180; the 1500 ms round is the first in which a
    // waiter has waited 1 s: its edges are validated (prepare 1510, votes by 1515) and the
    // coordinator reports the deadlock at 1520. The victim is t2 (priority 0 < 5).
    const deadlocks = pick(events, 'deadlock');
    expect(deadlocks.map((e) => `${e.t} ${e.node} ${String(e.f.victim)}`)).toEqual(['1520 m1 t2']);
    expect(deadlocks[0]!.f.cycle).toEqual([
      { node: 't2', resource: 'a', mode: 'EX', waitsFor: 't1', heldMode: 'EX' },
      { node: 't1', resource: 'b', mode: 'EX', waitsFor: 't2', heldMode: 'EX' },
    ]);
    expect(sends(events, 'dl-prepare', 'm1', 'm2').map((e) => e.t)).toEqual([1510]);
    expect(timeline(events, 'a', ['enqueue', 'dequeue'])).toEqual(['160 m1 enqueue client=t2 mode=EX queue=waiting', '1520 m1 dequeue client=t2 reason=deadlock']);
    expect(outcomes(events, 't2')).toEqual(['50 b GRANTED EX token=1', '1530 a DEADLOCK', '1560 b UNLOCKED']);
    expect(outcomes(events, 't1')).toEqual(['60 a GRANTED EX token=1', '1555 b GRANTED EX token=2', '1575 b UNLOCKED', '1605 a UNLOCKED']);
    expect(result.deadlocks.map((d) => [d.atMs, d.victim])).toEqual([[1520, 't2']]);
  });

  it('persists with detection off, and the deadlock invariant says so', () => {
    const { result, events } = runTwice({ ...abba(false), expect: { violation: 'deadlock' } });
    expect(pick(events, 'deadlock')).toEqual([]);
    expect(sends(events, 'dl-gather')).toEqual([]);
    expect(result.violations.map((v) => `${v.invariant} @${v.atMs}`)).toEqual(['deadlock @5180']);
    expect(result.expectMet).toBe(true);
  });
});

describe('no phantom deadlock from stale edges (pitfalls S21)', () => {
  it('finds a cycle in the gathered edges, refuses it at validation, and reports nothing', () => {
    // R1 is mastered by m2 (P's home), R2 by m3 (Q's home). Q waits for R1 (held by P) from 130.
    // The coordinator's 1500 ms request for edges reaches m2 at once (edge Q→P) but m3 only at
    // 1805 (the link m1→m3 is slowed by 300 ms). Meanwhile P released R1 (Q got it at 1575) and
    // asked for R2, held by Q (edge P→Q at m3 from 1610). The union {Q→P, P→Q} is a cycle that
    // never existed at one instant.
    const input = scenario({
      lockService: { deadlock: { detect: true, waitMs: 1000 } },
      clients: [
        {
          id: 'P',
          home: 'm2',
          steps: [
            { op: 'lock', resource: 'R1', mode: 'EX' },
            { op: 'sleep', ms: 1500 },
            { op: 'unlock', resource: 'R1' },
            { op: 'lock', resource: 'R2', mode: 'EX' },
            { op: 'unlock', resource: 'R2' },
          ],
        },
        {
          id: 'Q',
          home: 'm3',
          steps: [
            { op: 'lock', resource: 'R2', mode: 'EX' },
            { op: 'sleep', ms: 60 },
            { op: 'lock', resource: 'R1', mode: 'EX' },
            { op: 'sleep', ms: 3000 },
            { op: 'unlock', resource: 'R1' },
            { op: 'unlock', resource: 'R2' },
          ],
        },
      ],
      faults: [{ atMs: 1450, kind: 'delay', from: 'm1', to: 'm3', extraMs: 300, forMs: 100 }],
      durationMs: 10_000,
    });
    const { result, events } = runTwice(input);
    expect(timeline(events, 'R1', ['enqueue', 'grant'])).toEqual([
      '45 m2 grant client=P mode=EX token=1',
      '130 m2 enqueue client=Q mode=EX queue=waiting',
      '1575 m2 grant client=Q mode=EX token=2',
    ]);
    expect(timeline(events, 'R2', ['enqueue'])).toEqual(['1610 m3 enqueue client=P mode=EX queue=waiting']);
    // The stale union did produce a candidate cycle: the coordinator asked both masters to
    // validate it, and (Q's wait on R1 having ended) decided against it.
    expect(sends(events, 'dl-prepare', 'm1').map((e) => `${e.t} ${String(e.f.to)}`)).toEqual(['1810 m2', '1810 m3']);
    expect(sends(events, 'dl-decide', 'm1').map((e) => e.t)).toEqual([1820, 1820]);
    expect(pick(events, 'deadlock')).toEqual([]);
    expect(result.deadlocks).toEqual([]);
    expect(result.violations).toEqual([]);
    expect(outcomes(events, 'P', 'R2')).toEqual(['4630 R2 GRANTED EX token=2', '4650 R2 UNLOCKED']);
  });
});

describe('conversion deadlock at one master (pitfalls S20)', () => {
  const s20 = (flags: RequestFlag[]) =>
    scenario({
      clients: [
        {
          id: 'p1',
          home: 'm1',
          steps: [
            { op: 'lock', resource: 'r', mode: 'PR' },
            { op: 'sleep', ms: 100 },
            { op: 'convert', resource: 'r', mode: 'EX' },
            { op: 'sleep', ms: 100 },
            { op: 'unlock', resource: 'r' },
          ],
        },
        {
          id: 'p2',
          home: 'm2',
          startMs: 50,
          steps: [
            { op: 'lock', resource: 'r', mode: 'PR' },
            { op: 'sleep', ms: 100 },
            { op: 'convert', resource: 'r', mode: 'EX', ...(flags.length > 0 ? { flags } : {}) },
            { op: 'unlock', resource: 'r' },
          ],
        },
      ],
      durationMs: 3000,
    });

  it('refuses the second converter with DEADLOCK at once; it keeps PR, and letting go unblocks the first', () => {
    const { result, events } = runTwice(s20([]));
    expect(result.violations).toEqual([]);
    const d = pick(events, 'deadlock');
    expect(d.map((e) => `${e.t} ${e.node} ${String(e.f.victim)}`)).toEqual(['180 m1 p2']);
    expect(d[0]!.f.cycle).toEqual([
      { node: 'p1', resource: 'r', mode: 'EX', waitsFor: 'p2', heldMode: 'PR' },
      { node: 'p2', resource: 'r', mode: 'EX', waitsFor: 'p1', heldMode: 'PR' },
    ]);
    expect(outcomes(events, 'p2')).toEqual(['70 r GRANTED PR', '190 r DEADLOCK PR', '210 r UNLOCKED']);
    expect(outcomes(events, 'p1')).toEqual(['60 r GRANTED PR', '215 r GRANTED EX token=1', '345 r UNLOCKED']);
  });

  it('CONVDEADLK demotes the second converter to NL instead; it gets EX, DEMOTED, once the first lets go', () => {
    const { result, events } = runTwice(s20(['CONVDEADLK']));
    expect(result.violations).toEqual([]);
    expect(timeline(events, 'r', ['grant', 'release', 'enqueue'])).toEqual([
      '45 m1 grant client=p1 mode=PR',
      '60 m1 grant client=p2 mode=PR',
      '175 m1 enqueue client=p1 mode=EX queue=converting',
      '180 m1 release client=p2 reason=demote',
      '180 m1 grant client=p1 mode=EX token=1',
      '180 m1 enqueue client=p2 mode=EX queue=converting flags=CONVDEADLK',
      '310 m1 release client=p1 reason=unlock',
      '310 m1 grant client=p2 mode=EX token=2 flags=DEMOTED',
      '330 m1 release client=p2 reason=unlock',
    ]);
    expect(outcomes(events, 'p2')).toEqual(['70 r GRANTED PR', '320 r GRANTED EX token=2 flags=DEMOTED', '340 r UNLOCKED']);
  });
});
