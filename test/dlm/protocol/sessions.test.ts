/**
 * Sessions and leases (Chubby-style): expiry through the purge path, KeepAlives, the expiry clock
 * (a wall-clock jump on the home expires a session early), lock-delay (pitfalls S09), and the
 * grace period across a manager fail-over (pitfalls S10). Latency is a fixed 5 ms.
 *
 * A session opens in 15 ms after a client starts (KeepAlive 5, adoption round trip 10) and the
 * home extends the lease at each KeepAlive it receives: to 15 + leaseMs first, then to
 * (3005, 6005, ...) + leaseMs.
 */
import { describe, expect, it } from 'vitest';
import { outcomes, pick, run, runTwice, scenario, timeline } from './world.js';

describe('session expiry', () => {
  it('ends a crashed holder\u2019s lock with expire, invalidates its value block, and the next reader gets VALNOTVALID', () => {
    const { result, events } = runTwice(
      scenario({
        lockService: { leaseMs: 10_000, keepAliveMs: 3000, fencing: true },
        clients: [
          {
            id: 'c1',
            home: 'm1',
            steps: [
              { op: 'lock', resource: 'r', mode: 'EX', flags: ['VALBLK'] },
              { op: 'convert', resource: 'r', mode: 'EX', flags: ['VALBLK'], value: 'v1' },
              { op: 'sleep', ms: 100_000 },
            ],
          },
          { id: 'c2', home: 'm2', startMs: 1000, steps: [{ op: 'lock', resource: 'r', mode: 'PR', flags: ['VALBLK'] }, { op: 'unlock', resource: 'r' }] },
        ],
        faults: [{ atMs: 500, kind: 'crash', node: 'c1' }],
      }),
    );
    expect(result.violations).toEqual([]);
    // c1 crashed at 500 before its first periodic KeepAlive: the lease set at 15 ms runs out at
    // 10 015 on m1's clock; the value block is invalidated before the grant ends, then the queue moves.
    expect(timeline(events, 'r')).toEqual([
      '45 m1 grant client=c1 mode=EX token=1 value=',
      '75 m1 lvb-write client=c1 value=v1',
      '75 m1 grant client=c1 mode=EX token=2 value=v1',
      '1010 m1 enqueue client=c2 mode=PR queue=waiting flags=VALBLK',
      '10015 m1 lvb-invalidate client=c1 reason=purge',
      '10015 m1 expire client=c1',
      '10015 m1 grant client=c2 mode=PR value=v1 flags=VALNOTVALID',
      '10035 m1 release client=c2 reason=unlock',
    ]);
    expect(outcomes(events, 'c2')).toEqual(['10025 r GRANTED PR flags=VALNOTVALID value=v1', '10045 r UNLOCKED']);
  });

  it('keeps a session alive with KeepAlives far beyond one lease', () => {
    const { result, events } = runTwice(
      scenario({
        lockService: { leaseMs: 10_000, keepAliveMs: 3000 },
        clients: [
          { id: 'c1', home: 'm1', steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'sleep', ms: 25_000 }, { op: 'unlock', resource: 'r' }] },
          { id: 'c2', home: 'm2', startMs: 1000, steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'unlock', resource: 'r' }] },
        ],
      }),
    );
    expect(result.violations).toEqual([]);
    expect(pick(events, 'expire')).toEqual([]);
    expect(timeline(events, 'r', ['grant', 'release', 'expire'])).toEqual([
      '45 m1 grant client=c1 mode=EX token=1',
      '25075 m1 release client=c1 reason=unlock',
      '25075 m1 grant client=c2 mode=EX token=2',
      '25095 m1 release client=c2 reason=unlock',
    ]);
  });
});

describe('the expiry clock', () => {
  const withClock = (expiryClock: 'wall' | 'mono') =>
    scenario({
      lockService: { leaseMs: 10_000, keepAliveMs: 3000, expiryClock },
      clients: [
        { id: 'c1', home: 'm1', steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'sleep', ms: 20_000 }, { op: 'unlock', resource: 'r' }] },
        { id: 'c2', home: 'm2', startMs: 500, steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'unlock', resource: 'r' }] },
      ],
      faults: [{ atMs: 2000, kind: 'clock-jump', node: 'm1', byMs: 10_000, clock: 'wall' }],
      invariants: ['mutual-exclusion', 'liveness'],
    });

  it('wall: a forward jump of the home\u2019s wall clock expires the session at once', () => {
    const { events } = runTwice(withClock('wall'));
    // The lease (to 10 015 on m1's wall clock) passes when the clock jumps 10 s at 2000.
    expect(timeline(events, 'r', ['grant', 'release', 'expire'])).toEqual([
      '45 m1 grant client=c1 mode=EX token=1',
      '2000 m1 expire client=c1',
      '2000 m1 grant client=c2 mode=EX token=2',
      '2020 m1 release client=c2 reason=unlock',
    ]);
    // c1 learns at its next KeepAlive (3000) that its session is gone: its lock is reported lost.
    // The naive script still unlocks at the end of its sleep, in a new session that holds nothing.
    expect(outcomes(events, 'c1')).toEqual(['60 r GRANTED EX token=1', '3010 r ABORTED', '20090 r INVALID_ARG']);
  });

  it('mono: the same jump changes nothing', () => {
    const { result, events } = runTwice(withClock('mono'));
    expect(result.violations).toEqual([]);
    expect(pick(events, 'expire')).toEqual([]);
    expect(timeline(events, 'r', ['grant', 'release', 'expire'])).toEqual([
      '45 m1 grant client=c1 mode=EX token=1',
      '20075 m1 release client=c1 reason=unlock',
      '20075 m1 grant client=c2 mode=EX token=2',
      '20095 m1 release client=c2 reason=unlock',
    ]);
  });
});

describe('lock-delay (pitfalls S09)', () => {
  // c1 takes the lock and sends write R to the storage, delayed in the network; c1 then crashes,
  // its session expires at 10 015, and lock-delay keeps everyone else out for 60 s more.
  const s09 = (delayMs: number, lockDelayMs: number) =>
    scenario({
      lockService: { leaseMs: 10_000, keepAliveMs: 3000, lockDelayMs, fencing: false },
      storage: { checkTokens: false },
      clients: [
        { id: 'c1', home: 'm1', steps: [{ op: 'lock', resource: 'file', mode: 'EX' }, { op: 'write', resource: 'file', value: 'R' }, { op: 'unlock', resource: 'file' }] },
        { id: 'c2', home: 'm2', startMs: 100, steps: [{ op: 'lock', resource: 'file', mode: 'EX' }, { op: 'write', resource: 'file', value: 'R2' }, { op: 'unlock', resource: 'file' }] },
      ],
      faults: [
        { atMs: 0, kind: 'delay', from: 'c1', to: 'storage', extraMs: delayMs, forMs: 1000 },
        { atMs: 200, kind: 'crash', node: 'c1' },
      ],
      invariants: ['mutual-exclusion', 'stale-write'],
      durationMs: 120_000,
    });
  const writes = (events: ReturnType<typeof runTwice>['events']) => pick(events, 'write').map((e) => `${e.t} ${String(e.f.value)}`);

  it('60 s of lock-delay, R delayed 30 s: R lands before anyone else holds the lock', () => {
    const { events } = runTwice(s09(30_000, 60_000));
    expect(timeline(events, 'file', ['grant', 'expire'])).toEqual(['45 m1 grant client=c1 mode=EX', '10015 m1 expire client=c1', '70015 m1 grant client=c2 mode=EX']);
    expect(writes(events)).toEqual(['30065 R', '70030 R2']);
  });

  it('60 s of lock-delay, R delayed 90 s: R lands after c2 wrote, and overwrites it (the limit of lock-delay)', () => {
    const { result, events } = runTwice(s09(90_000, 60_000));
    expect(timeline(events, 'file', ['grant', 'expire'])).toEqual(['45 m1 grant client=c1 mode=EX', '10015 m1 expire client=c1', '70015 m1 grant client=c2 mode=EX']);
    expect(writes(events)).toEqual(['70030 R2', '90065 R']);
    expect(result.violations.map((v) => v.invariant)).toEqual(['stale-write']);
  });

  it('no lock-delay: c2 gets the lock as soon as c1 expires, and R (30 s) lands after R2', () => {
    const { events } = runTwice(s09(30_000, 0));
    expect(timeline(events, 'file', ['grant', 'expire'])).toEqual(['45 m1 grant client=c1 mode=EX', '10015 m1 expire client=c1', '10015 m1 grant client=c2 mode=EX']);
    expect(writes(events)).toEqual(['10030 R2', '30065 R']);
  });

  it('a clean unlock is not delayed', () => {
    const { result, events } = runTwice(
      scenario({
        lockService: { leaseMs: 10_000, keepAliveMs: 3000, lockDelayMs: 60_000 },
        clients: [
          { id: 'c1', home: 'm1', steps: [{ op: 'lock', resource: 'file', mode: 'EX' }, { op: 'sleep', ms: 100 }, { op: 'unlock', resource: 'file' }] },
          { id: 'c2', home: 'm2', startMs: 100, steps: [{ op: 'lock', resource: 'file', mode: 'EX' }, { op: 'unlock', resource: 'file' }] },
        ],
      }),
    );
    expect(result.violations).toEqual([]);
    expect(timeline(events, 'file', ['grant', 'release'])).toEqual([
      '45 m1 grant client=c1 mode=EX token=1',
      '175 m1 release client=c1 reason=unlock',
      '175 m1 grant client=c2 mode=EX token=2',
      '195 m1 release client=c2 reason=unlock',
    ]);
  });
});

describe('grace period across a manager fail-over (pitfalls S10)', () => {
  // r is mastered by m2 (c0, homed there, touches it first); c1 (home m1) then holds it EX and
  // c2 (home m3) waits for it. m1 dies at 1000. Lease 12 s, KeepAlive 4 s, grace 45 s.
  const s10 = (extraFaults: object[]) =>
    scenario({
      lockService: { leaseMs: 12_000, keepAliveMs: 4000, graceMs: 45_000, fencing: true },
      clients: [
        { id: 'c0', home: 'm2', steps: [{ op: 'lock', resource: 'r', mode: 'NL' }, { op: 'unlock', resource: 'r' }] },
        { id: 'c1', home: 'm1', startMs: 200, steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'sleep', ms: 25_000 }, { op: 'unlock', resource: 'r' }] },
        { id: 'c2', home: 'm3', startMs: 2000, steps: [{ op: 'lock', resource: 'r', mode: 'EX' }, { op: 'unlock', resource: 'r' }] },
      ],
      faults: [{ atMs: 1000, kind: 'crash', node: 'm1' }, ...extraFaults] as never,
      durationMs: 90_000,
      invariants: ['mutual-exclusion', 'fencing', 'liveness'],
    });

  it('kept: the client in jeopardy is adopted by m2 within the grace period, with its lock', () => {
    const { result, events } = runTwice(s10([]));
    expect(result.violations).toEqual([]);
    expect(pick(events, 'expire')).toEqual([]);
    expect(timeline(events, 'r', ['grant', 'release', 'expire'])).toEqual([
      '45 m2 grant client=c0 mode=NL',
      '75 m2 release client=c0 reason=unlock',
      '220 m2 grant client=c1 mode=EX token=1',
      '25245 m2 release client=c1 reason=unlock',
      '25245 m2 grant client=c2 mode=EX token=2',
      '25265 m2 release client=c2 reason=unlock',
    ]);
    expect(outcomes(events, 'c1')).toEqual(['230 r GRANTED EX token=1', '25260 r UNLOCKED']);
    // Its lease ran out at 12 000 (KeepAlive sent at 0 + 12 s): jeopardy, then a reclaim at m2.
    const reclaim = pick(events, 'send', { from: 'c1', to: 'm2', msg: 'ka' });
    expect(reclaim[0]!.t).toBe(12_000);
  });

  it('lost: cut off until after the grace period, the session is purged at 51 000 and c2 gets the lock', () => {
    const { result, events } = runTwice(s10([{ atMs: 500, kind: 'partition', groups: [['c1'], ['m2', 'm3', 'c0', 'c2', 'storage']], forMs: 69_500 }]));
    expect(result.violations).toEqual([]);
    // m2 declares m1 dead at 6000 (heartbeats 1 s, timeout 5 s) and keeps c1's lock for 45 s.
    expect(timeline(events, 'r', ['grant', 'release', 'expire'])).toEqual([
      '45 m2 grant client=c0 mode=NL',
      '75 m2 release client=c0 reason=unlock',
      '220 m2 grant client=c1 mode=EX token=1',
      '51000 m2 expire client=c1',
      '51000 m2 grant client=c2 mode=EX token=2',
      '51020 m2 release client=c2 reason=unlock',
    ]);
    // c1's own grace ends 45 s after its lease (12 000): at its next tick (60 000) it gives up and
    // its pending unlock completes (the lock is gone).
    expect(outcomes(events, 'c1')).toEqual(['230 r GRANTED EX token=1', '60000 r UNLOCKED']);
  });
});

describe('the client clock and margin (pitfalls S22 case A)', () => {
  // c1 (home m1) takes r and checks its lease; from 1500 it is cut off from every manager, so its
  // last acknowledged KeepAlive is the one sent at 1000: its local lease ends at 1000 + 5000 − the
  // margin. At 3000 its wall clock is stepped back 2 s.
  const withClientClock = (clientClock: 'wall' | 'mono', clientMarginMs: number) =>
    scenario({
      lockService: { leaseMs: 5000, keepAliveMs: 1000, graceMs: 1000, clientClock, clientMarginMs },
      clients: [
        {
          id: 'c1',
          home: 'm1',
          steps: [
            { op: 'lock', resource: 'r', mode: 'EX' },
            { op: 'write', resource: 'r', value: 'c1', checkLease: true },
            { op: 'sleep', ms: 20_000 },
          ],
        },
      ],
      faults: [
        { atMs: 1500, kind: 'partition', groups: [['c1'], ['m1', 'm2', 'm3', 'storage']], forMs: 30_000 },
        { atMs: 3000, kind: 'clock-jump', node: 'c1', byMs: -2000, clock: 'wall' },
      ],
      invariants: ['mutual-exclusion'],
    });
  const lapses = (events: ReturnType<typeof runTwice>['events']) => pick(events, 'lapse', { client: 'c1' }).map((e) => e.t);

  it('mono: the lease lapses at 1000 + 5000 − 200 whatever the wall clock does', () => {
    expect(lapses(runTwice(withClientClock('mono', 200)).events)).toEqual([5800]);
  });

  it('wall: the step back moves the local lease 2 s past its true end', () => {
    expect(lapses(runTwice(withClientClock('wall', 200)).events)).toEqual([7800]);
  });

  it('wall without a margin: the deadline is the KeepAlive\u2019s send time + the lease', () => {
    expect(lapses(runTwice(withClientClock('wall', 0)).events)).toEqual([8000]);
  });

  it('a margin as long as the lease is refused', () => {
    expect(() => run(withClientClock('mono', 5000))).toThrow(/clientMarginMs \(5000\) must be below leaseMs \(5000\)/);
  });
});
