/**
 * Manager failures: a crashed master's resource rebuilt on a survivor from the copies (queue,
 * value block, fencing tokens), a dead holder's value block, and a paused manager declared dead.
 * Latency is a fixed 5 ms; heartbeats every 1 s, a manager is declared dead after 5 s of silence.
 */
import { describe, expect, it } from 'vitest';
import { TOKEN_RECOVERY_GAP } from '../../../src/dlm/protocol/index.js';
import { outcomes, pick, runTwice, scenario, timeline } from './world.js';

describe('a master of a contended resource crashes', () => {
  // m1 masters r (c1, homed there, asked first) and dies at 1000 while c1 holds EX (value v1,
  // token 2) and c2 (PR) and c3 (EX) wait. c1's copy lives on m1's buddy m2, c2's on m2, c3's on m3.
  const input = scenario({
    lockService: { leaseMs: 6000, keepAliveMs: 2000, graceMs: 30_000, fencing: true },
    storage: { checkTokens: true },
    clients: [
      {
        id: 'c1',
        home: 'm1',
        steps: [
          { op: 'lock', resource: 'r', mode: 'EX', flags: ['VALBLK'] },
          { op: 'convert', resource: 'r', mode: 'EX', flags: ['VALBLK'], value: 'v1' },
          { op: 'write', resource: 'r', value: 'c1' },
          { op: 'sleep', ms: 20_000 },
          { op: 'unlock', resource: 'r', flags: ['VALBLK'], value: 'v2' },
        ],
      },
      { id: 'c2', home: 'm2', startMs: 300, steps: [{ op: 'lock', resource: 'r', mode: 'PR', flags: ['VALBLK'] }, { op: 'unlock', resource: 'r' }] },
      { id: 'c3', home: 'm3', startMs: 400, steps: [{ op: 'lock', resource: 'r', mode: 'EX', flags: ['VALBLK'] }, { op: 'write', resource: 'r', value: 'c3' }, { op: 'unlock', resource: 'r' }] },
    ],
    faults: [{ atMs: 1000, kind: 'crash', node: 'm1' }],
    durationMs: 60_000,
  });

  it('rebuilds the queue on a survivor, keeps the holder\u2019s lock and value block, and every request completes', () => {
    const { result, events } = runTwice(input);
    expect(result.violations).toEqual([]);
    // m2 and m3 declare m1 dead at 6000; m3, the directory node of r in the view {m2, m3}, asks
    // itself first, becomes master and gathers: the waiting requests are restated and queued again
    // (c1's granted EX, with no request in flight, is rebuilt silently).
    expect(timeline(events, 'r')).toEqual([
      '45 m1 grant client=c1 mode=EX token=1 value=',
      '75 m1 lvb-write client=c1 value=v1',
      '75 m1 grant client=c1 mode=EX token=2 value=v1',
      '310 m1 enqueue client=c2 mode=PR queue=waiting flags=VALBLK',
      '410 m1 enqueue client=c3 mode=EX queue=waiting flags=VALBLK',
      '6015 m3 release client=c2 reason=superseded',
      '6015 m3 release client=c3 reason=superseded',
      '6015 m3 enqueue client=c2 mode=PR queue=waiting flags=VALBLK',
      '6015 m3 enqueue client=c3 mode=EX queue=waiting flags=VALBLK',
      '20110 m3 lvb-write client=c1 value=v2',
      '20110 m3 release client=c1 reason=unlock',
      '20110 m3 grant client=c2 mode=PR value=v2',
      '20130 m3 release client=c2 reason=unlock',
      `20130 m3 grant client=c3 mode=EX token=${2 + TOKEN_RECOVERY_GAP + 1} value=v2`,
      '20170 m3 release client=c3 reason=unlock',
    ]);
    for (const client of ['c1', 'c2', 'c3']) {
      expect(pick(events, 'complete', { client }).length).toBe(pick(events, 'request', { client }).length);
    }
    // c1 survived in jeopardy: its session moved to m2 within the grace period.
    expect(outcomes(events, 'c1')).toEqual(['60 r GRANTED EX token=1 value=', '90 r GRANTED EX token=2 value=v1', '20120 r UNLOCKED']);
  });

  it('keeps fencing tokens strictly increasing across the crash, so the storage accepts them in order', () => {
    const { result, events } = runTwice(input);
    const tokens = pick(events, 'grant', { resource: 'r' }).flatMap((e) => (typeof e.f.token === 'number' ? [e.f.token] : []));
    expect(tokens).toEqual([1, 2, 1003]);
    expect(pick(events, 'write').map((e) => [e.f.client, e.f.token])).toEqual([
      ['c1', 2],
      ['c3', 1003],
    ]);
    expect(result.violations.filter((v) => v.invariant === 'fencing')).toEqual([]);
  });
});

describe('a PW/EX holder with a value block dies with its home manager', () => {
  it('expires its lock after the grace period, invalidates the value block, and the next reader gets VALNOTVALID', () => {
    const { result, events } = runTwice(
      scenario({
        lockService: { leaseMs: 6000, keepAliveMs: 2000, graceMs: 20_000 },
        clients: [
          { id: 'c0', home: 'm2', steps: [{ op: 'lock', resource: 'r', mode: 'NL' }, { op: 'unlock', resource: 'r' }] },
          {
            id: 'c1',
            home: 'm1',
            startMs: 200,
            steps: [
              { op: 'lock', resource: 'r', mode: 'EX', flags: ['VALBLK'] },
              { op: 'convert', resource: 'r', mode: 'EX', flags: ['VALBLK'], value: 'v1' },
              { op: 'sleep', ms: 100_000 },
            ],
          },
          { id: 'c2', home: 'm3', startMs: 2000, steps: [{ op: 'lock', resource: 'r', mode: 'PR', flags: ['VALBLK'] }, { op: 'unlock', resource: 'r' }] },
        ],
        faults: [
          { atMs: 1500, kind: 'crash', node: 'c1' },
          { atMs: 1500, kind: 'crash', node: 'm1' },
        ],
        // c2 legitimately waits out the grace period.
        livenessMs: 40_000,
        durationMs: 60_000,
      }),
    );
    expect(result.violations).toEqual([]);
    // m2 (the master) last heard m1 at 1005 and declares it dead at its 7000 check (5 s of
    // silence), then keeps c1's lock for the 20 s grace period.
    expect(timeline(events, 'r', ['grant', 'expire', 'lvb-invalidate'])).toEqual([
      '45 m2 grant client=c0 mode=NL',
      '220 m2 grant client=c1 mode=EX token=1 value=',
      '240 m2 grant client=c1 mode=EX token=2 value=v1',
      '27000 m2 lvb-invalidate client=c1 reason=purge',
      '27000 m2 expire client=c1',
      '27000 m2 grant client=c2 mode=PR value=v1 flags=VALNOTVALID',
    ]);
    expect(outcomes(events, 'c2')).toEqual(['27010 r GRANTED PR flags=VALNOTVALID value=v1', '27030 r UNLOCKED']);
  });
});

describe('a paused master is declared dead', () => {
  it('is recovered without, resets when it resumes instead of acting on stale state, and rejoins', () => {
    const { result, events } = runTwice(
      scenario({
        lockService: { leaseMs: 6000, keepAliveMs: 2000, graceMs: 20_000 },
        clients: [
          { id: 'c1', home: 'm2', steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'sleep', ms: 15_000 }, { op: 'unlock', resource: 'r' }] },
          { id: 'c2', home: 'm3', startMs: 500, steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'unlock', resource: 'r' }] },
        ],
        faults: [{ atMs: 1000, kind: 'pause', node: 'm2', forMs: 8000 }],
        durationMs: 40_000,
      }),
    );
    expect(result.violations).toEqual([]);
    expect(pick(events, 'dlm-view', { view: 'm1@0,m3@0' }).map((e) => `${e.t} ${e.node}`)).toEqual(['6000 m1', '6000 m3']);
    expect(pick(events, 'dlm-reset').map((e) => `${e.t} ${e.node} ${String(e.f.gen)}`)).toEqual(['9000 m2 1']);
    expect(timeline(events, 'r', ['grant', 'release'])).toEqual([
      '45 m2 grant client=c1 mode=EX token=1',
      '6015 m3 release client=c2 reason=superseded',
      '15075 m3 release client=c1 reason=unlock',
      '15075 m3 grant client=c2 mode=EX token=1002',
      '15105 m3 release client=c2 reason=unlock',
    ]);
  });
});
