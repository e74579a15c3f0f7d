/**
 * Redlock against the pitfalls' timelines (reference/pitfalls.md S03–S06), with their numbers:
 * N = 5 instances m1..m5 (A..E), TTL 10,000, drift 1 % + 2 ms = 102, per-instance timeout 50.
 * Each world runs twice and must give the same trace hash.
 */
import { describe, expect, it } from 'vitest';
import type { ClientStep } from '../../src/clients/index.js';
import { redlockProtocol } from '../../src/protocols/index.js';
import {
  crash,
  cut,
  eventsOf,
  jump,
  pause,
  runTwice,
  serviceOptions,
  timesOf,
  violated,
  type WorldResult,
  type WorldSpec,
} from './world.js';

const lockFile: ClientStep = { op: 'lock', resource: 'file', mode: 'EX' };
const unlockFile: ClientStep = { op: 'unlock', resource: 'file' };
/** A write that checks the lease first: it makes the client lease-checking, so its belief ends at its validity deadline. */
const checkedWrite: ClientStep = { op: 'write', resource: 'file', checkLease: true };

function overlaps(r: WorldResult): Array<[number, number, string[]]> {
  return r.observations.map((o) => [o.fromUs / 1000, o.toUs / 1000, [...o.nodes]]);
}

describe('S03: Redlock, the wall clock of instance C jumps forward', () => {
  // C1 cannot reach D,E; C2 cannot reach A,B. Sequential SETs, latency 2.5 ms each way, so
  // A,B,C answer C1 at 5, 10, 15 and D,E time out at 65, 115.
  const world = (expiryClock: 'wall' | 'mono'): WorldSpec => ({
    protocol: redlockProtocol,
    managers: 5,
    options: serviceOptions({ leaseMs: 10_000, fanout: 'sequential', expiryClock }),
    latencyMs: 2.5,
    clients: [
      { id: 'c1', steps: [lockFile, { op: 'work', ms: 15_000 }, checkedWrite, unlockFile] },
      { id: 'c2', startMs: 1100, steps: [lockFile, { op: 'work', ms: 12_000 }, checkedWrite, unlockFile] },
    ],
    faults: [cut([['c1'], ['m4', 'm5']], 0), cut([['c2'], ['m1', 'm2']], 0), jump('m3', 1000, 10_000)],
    durationMs: 40_000,
  });

  it('expiry on the wall clock: C2 gets C,D,E at 1,215 while C1 believes until 9,898 → mutual-exclusion', () => {
    const r = runTwice(world('wall'));
    expect(timesOf(r, 'grant', 'c1')).toEqual([115]);
    expect(timesOf(r, 'expire', 'c1')).toEqual([9898]);
    expect(timesOf(r, 'grant', 'c2')).toEqual([1215]);
    expect(timesOf(r, 'expire', 'c2')).toEqual([10_998]);
    expect(violated(r)).toEqual(['mutual-exclusion']);
    expect(r.violations[0]!.atUs).toBe(1_215_000);
    expect(overlaps(r)).toEqual([[1215, 9898, ['c1', 'c2']]]);
  });

  it('expiry on the monotonic clock: the jump does not free C, C2 wins only after 10,012.5 → pass', () => {
    const r = runTwice(world('mono'));
    expect(timesOf(r, 'grant', 'c1')).toEqual([115]);
    const c2 = timesOf(r, 'grant', 'c2');
    expect(c2).toHaveLength(1);
    expect(c2[0]!).toBeGreaterThan(10_012.5);
    expect(r.violations).toEqual([]);
    expect(r.observations).toEqual([]);
  });
});

describe('S04: a pause while the SET replies are in flight (multiplexed SETs, latency 2 ms)', () => {
  // C1 sends SET to A–E at 0; the keys are set at 2 and expire at 10,002; the replies reach C1's
  // buffers at 4 while it is paused 3 → 15,003. C2 locks all five at 10,100 (until 19,998).
  const world = (opts: { validityCheck: boolean; pauseAtMs?: number; clientClock?: 'wall' | 'mono'; stepBack?: boolean; c2HoldsMs?: number }): WorldSpec => ({
    protocol: redlockProtocol,
    managers: 5,
    options: serviceOptions({ leaseMs: 10_000, fanout: 'parallel', validityCheck: opts.validityCheck, clientClock: opts.clientClock ?? 'mono' }),
    latencyMs: 2,
    clients: [
      { id: 'c1', steps: [lockFile, { op: 'work', ms: 5000 }, { op: 'write', resource: 'file' }, unlockFile] },
      { id: 'c2', startMs: 10_100, steps: [lockFile, { op: 'work', ms: 6000 }, { op: 'write', resource: 'file' }, { op: 'sleep', ms: opts.c2HoldsMs ?? 0 }, unlockFile] },
    ],
    faults: [pause('c1', opts.pauseAtMs ?? 3, 15_000), ...(opts.stepBack ? [jump('c1', 1000, -5500)] : [])],
    durationMs: 40_000,
  });

  it('outcome A, the naive client (no elapsed-time check): it acts on five stale OKs at 15,003 → mutual-exclusion', () => {
    const r = runTwice(world({ validityCheck: false, c2HoldsMs: 6000 }));
    expect(timesOf(r, 'grant', 'c2')).toEqual([10_104]);
    // A naive client counts its TTL − drift from T2, not T1: C2 believes until 10,104 + 9,898.
    expect(timesOf(r, 'expire', 'c2')).toEqual([20_002]);
    expect(timesOf(r, 'grant', 'c1')[0]).toBe(15_003);
    expect(violated(r)).toContain('mutual-exclusion');
    expect(r.violations.find((v) => v.invariant === 'mutual-exclusion')!.atUs).toBe(15_003_000);
  });

  it('outcome B, the spec client measuring elapsed time on mono: validity < 0, it unlocks (C2 keeps its keys) → pass', () => {
    const r = runTwice(world({ validityCheck: true }));
    expect(timesOf(r, 'grant', 'c2')).toEqual([10_104]);
    const c1 = timesOf(r, 'grant', 'c1');
    expect(c1).toHaveLength(1);
    // C1 retries and wins only after C2 unlocked at 16,108: its compare-and-delete left C2's keys alone.
    expect(timesOf(r, 'release', 'c2')).toEqual([16_108]);
    expect(c1[0]!).toBeGreaterThan(16_108);
    expect(r.violations).toEqual([]);
    expect(r.observations).toEqual([]);
  });

  it('outcome C, the pause strikes after the validity check (t=120): reduces to S01 → stale-write (no tokens to fence with)', () => {
    const r = runTwice(world({ validityCheck: true, pauseAtMs: 120 }));
    expect(timesOf(r, 'grant', 'c1')).toEqual([4]);
    expect(timesOf(r, 'expire', 'c1')).toEqual([9898]);
    expect(timesOf(r, 'grant', 'c2')).toEqual([10_104]);
    expect(violated(r)).toEqual(['stale-write']);
    expect(r.violations[0]!.nodes[0]).toBe('c1');
    expect(r.violations[0]!.atUs).toBe(15_122_000);
    // C1 believes from 4 until it asks to unlock at 15,124 (after the storage acked its write).
    expect(overlaps(r)).toEqual([[10_104, 15_124, ['c1', 'c2']]]);
  });

  it('outcome D, elapsed time on the wall clock stepped back 5,500: validity 395 > 0, C1 believes until 15,398 → mutual-exclusion', () => {
    const r = runTwice(world({ validityCheck: true, clientClock: 'wall', stepBack: true }));
    expect(timesOf(r, 'grant', 'c1')[0]).toBe(15_003);
    expect(timesOf(r, 'expire', 'c1')).toEqual([15_398]);
    expect(violated(r)).toContain('mutual-exclusion');
    expect(r.violations.find((v) => v.invariant === 'mutual-exclusion')!.atUs).toBe(15_003_000);
  });

  it('outcome D fixed: the same step on the wall clock, elapsed measured on mono → pass', () => {
    const r = runTwice(world({ validityCheck: true, clientClock: 'mono', stepBack: true }));
    expect(timesOf(r, 'grant', 'c1')[0]!).toBeGreaterThan(16_108);
    expect(r.violations).toEqual([]);
  });
});

describe('S05: the drift allowance against a measured clock-rate error of instance C', () => {
  // Sequential SETs at 1 ms latency: C sets C1's key at t=5; C1 believes until 0 + 10,000 − drift.
  // C runs fast by ρ, so its key really expires at 5 + 10,000/(1+ρ). C2 starts at 9,000 and,
  // after A,B time out, locks C,D,E at 9,101..9,105.
  const world = (ppm: number, driftFactor: number): WorldSpec => ({
    protocol: redlockProtocol,
    managers: 5,
    options: serviceOptions({ leaseMs: 10_000, fanout: 'sequential', driftFactor }),
    clocks: { m3: { driftPpm: ppm } },
    clients: [
      { id: 'c1', steps: [lockFile, { op: 'work', ms: 15_000 }, checkedWrite, unlockFile] },
      { id: 'c2', startMs: 9000, steps: [lockFile, { op: 'work', ms: 12_000 }, checkedWrite, unlockFile] },
    ],
    faults: [cut([['c1'], ['m4', 'm5']], 0), cut([['c2'], ['m1', 'm2']], 0)],
    durationMs: 40_000,
  });

  it('ρ = +10 % with driftFactor 0.01: C frees the key at ≈9,096, C2 holds from 9,106 while C1 believes until 9,898 → mutual-exclusion', () => {
    const r = runTwice(world(100_000, 0.01));
    expect(timesOf(r, 'grant', 'c1')).toEqual([106]);
    expect(timesOf(r, 'expire', 'c1')).toEqual([9898]);
    expect(timesOf(r, 'grant', 'c2')).toEqual([9106]);
    expect(violated(r)).toEqual(['mutual-exclusion']);
    expect(overlaps(r)).toEqual([[9106, 9898, ['c1', 'c2']]]);
  });

  it('ρ = +0.5 % with driftFactor 0.01: the key lives until ≈9,955 > 9,898 → pass', () => {
    const r = runTwice(world(5000, 0.01));
    expect(timesOf(r, 'grant', 'c2')[0]!).toBeGreaterThan(9955);
    expect(r.violations).toEqual([]);
    expect(r.observations).toEqual([]);
  });

  it('ρ = +10 % with driftFactor 0.1 (≥ ρ/(1+ρ) ≈ 0.091): C1 believes only until 8,998 → pass', () => {
    const r = runTwice(world(100_000, 0.1));
    expect(timesOf(r, 'expire', 'c1')).toEqual([8998]);
    expect(timesOf(r, 'grant', 'c2')).toEqual([9106]);
    expect(r.violations).toEqual([]);
    expect(r.observations).toEqual([]);
  });
});

describe('S06: instance C restarts without persistence; the delayed-restart and fsync fixes', () => {
  // As S03's partitions and latency: C1 holds A,B,C from 115 and believes until 9,898.
  // C crashes at 1,000. C2 starts at 1,900: A,B time out (1,950, 2,000), C,D,E answer by 2,015.
  const world = (persistence: 'none' | 'fsync', restartAfterMs: number): WorldSpec => ({
    protocol: redlockProtocol,
    managers: 5,
    options: serviceOptions({ leaseMs: 10_000, fanout: 'sequential', persistence }),
    latencyMs: 2.5,
    clients: [
      { id: 'c1', steps: [lockFile, { op: 'work', ms: 15_000 }, checkedWrite, unlockFile] },
      { id: 'c2', startMs: 1900, steps: [lockFile, { op: 'work', ms: 12_000 }, checkedWrite, unlockFile] },
    ],
    faults: [cut([['c1'], ['m4', 'm5']], 0), cut([['c2'], ['m1', 'm2']], 0), crash('m3', 1000, restartAfterMs)],
    durationMs: 40_000,
  });

  it('restart at 1,500 with an empty dataset: C2 gets C,D,E at 2,015 → mutual-exclusion', () => {
    const r = runTwice(world('none', 500));
    expect(timesOf(r, 'grant', 'c1')).toEqual([115]);
    expect(timesOf(r, 'grant', 'c2')).toEqual([2015]);
    expect(violated(r)).toEqual(['mutual-exclusion']);
    expect(overlaps(r)).toEqual([[2015, 9898, ['c1', 'c2']]]);
  });

  it('fix A, delayed restart (C back at 11,000 > 1,000 + TTL): C2 only wins after 11,000 → pass', () => {
    const r = runTwice(world('none', 10_000));
    expect(timesOf(r, 'grant', 'c2')[0]!).toBeGreaterThan(11_000);
    expect(r.violations).toEqual([]);
    expect(r.observations).toEqual([]);
  });

  it('fix B, fsync: the key survives the restart at 1,500 and expires on time (10,012.5) → pass', () => {
    const r = runTwice(world('fsync', 500));
    expect(timesOf(r, 'grant', 'c2')[0]!).toBeGreaterThan(10_012.5);
    expect(r.violations).toEqual([]);
    expect(r.observations).toEqual([]);
  });
});

describe('a Redlock holder that crashes', () => {
  // C1 gets all five keys by 5 (parallel SETs, 2.5 ms each way) and believes until 9,898; it
  // crashes at 500 with the lock. The keys expire at the instances at ≈10,002.5; C2 starts at 12,000.
  const world = (restartAfterMs?: number): WorldSpec => ({
    protocol: redlockProtocol,
    managers: 5,
    options: serviceOptions({ leaseMs: 10_000 }),
    latencyMs: 2.5,
    clients: [
      { id: 'c1', steps: [lockFile, { op: 'work', ms: 5000 }, unlockFile] },
      { id: 'c2', startMs: 12_000, steps: [lockFile, { op: 'work', ms: 1000 }, unlockFile] },
    ],
    faults: [crash('c1', 500, restartAfterMs)],
    durationMs: 30_000,
  });

  it('its grant still ends at its validity deadline, so the next holder is no mutual-exclusion', () => {
    const r = runTwice(world());
    expect(timesOf(r, 'grant', 'c1')).toEqual([5]);
    expect(timesOf(r, 'expire', 'c1')).toEqual([9898]);
    expect(timesOf(r, 'grant', 'c2')).toEqual([12_005]);
    expect(r.violations).toEqual([]);
  });

  it('also when it restarts before the deadline (the new process knows nothing of the old lock)', () => {
    const r = runTwice(world(1000));
    expect(timesOf(r, 'expire', 'c1')).toEqual([9898]);
    expect(r.violations).toEqual([]);
  });
});

describe('Redlock driver details', () => {
  const base = (overrides: Partial<WorldSpec>): WorldSpec => ({
    protocol: redlockProtocol,
    managers: 5,
    options: serviceOptions({ leaseMs: 10_000 }),
    clients: [],
    durationMs: 30_000,
    ...overrides,
  });

  it('NOQUEUE: a try-lock that finds the key taken reports NOTQUEUED at once and removes its partial keys', () => {
    const r = runTwice(base({
      clients: [
        { id: 'c1', steps: [lockFile, { op: 'work', ms: 1000 }, unlockFile] },
        { id: 'c2', startMs: 100, steps: [{ op: 'lock', resource: 'file', mode: 'EX', flags: ['NOQUEUE'], onFail: 'continue' }, { op: 'sleep', ms: 2000 }, lockFile, unlockFile] },
      ],
    }));
    const c2 = eventsOf(r, 'complete', 'c2').map((e) => [e.tUs / 1000, e.fields?.['status']]);
    expect(c2[0]).toEqual([102, 'NOTQUEUED']);
    // Its second, blocking lock after C1's unlock is granted on the first attempt.
    expect(c2[1]).toEqual([2104, 'GRANTED']);
    expect(r.violations).toEqual([]);
  });

  it('modes other than EX, conversions and unknown flags are INVALID_ARG; the lock is exclusive only', () => {
    const r = runTwice(base({
      clients: [
        {
          id: 'c1',
          steps: [
            { op: 'lock', resource: 'a', mode: 'PR', onFail: 'continue' },
            { op: 'lock', resource: 'b', mode: 'EX', flags: ['VALBLK'], onFail: 'continue' },
            lockFile,
            { op: 'convert', resource: 'file', mode: 'PR', onFail: 'continue' },
            unlockFile,
          ],
        },
      ],
    }));
    const statuses = eventsOf(r, 'complete', 'c1').map((e) => [e.fields?.['resource'], e.fields?.['status'], e.fields?.['mode']]);
    expect(statuses).toEqual([
      ['a', 'INVALID_ARG', undefined],
      ['b', 'INVALID_ARG', undefined],
      ['file', 'GRANTED', 'EX'],
      ['file', 'INVALID_ARG', 'EX'],
      ['file', 'UNLOCKED', undefined],
    ]);
  });

  it('a lock that keeps failing is cancelled by its timeoutMs: ABORTED, and it stops retrying', () => {
    const r = runTwice(base({
      clients: [
        { id: 'c1', steps: [lockFile, { op: 'work', ms: 9000 }, unlockFile] },
        { id: 'c2', startMs: 100, steps: [{ ...lockFile, timeoutMs: 1000 }] },
      ],
    }));
    const c2 = eventsOf(r, 'complete', 'c2').map((e) => [e.tUs / 1000, e.fields?.['status']]);
    expect(c2).toEqual([[1100, 'ABORTED']]);
    expect(eventsOf(r, 'grant', 'c2')).toEqual([]);
    // No SET from c2 after its cancel.
    expect(r.events.filter((e) => e.type === 'send' && e.node === 'c2' && e.fields?.['msg'] === 'rl.set' && e.tUs > 1_100_000)).toEqual([]);
  });

  it("release 'del' (a plain DEL, no compare): an expired holder's unlock deletes the next holder's keys → mutual-exclusion", () => {
    // C1 pauses past its validity; C2 takes all five; C1 wakes and unlocks with DEL, wiping C2's
    // keys; C3 then gets a majority while C2 is still within its validity.
    const world = (release: 'del' | 'compare-and-delete'): WorldSpec => base({
      options: serviceOptions({ leaseMs: 10_000, release }),
      clients: [
        { id: 'c1', steps: [lockFile, { op: 'work', ms: 1000 }, unlockFile] },
        { id: 'c2', startMs: 10_500, steps: [lockFile, { op: 'work', ms: 8000 }, unlockFile] },
        { id: 'c3', startMs: 15_500, steps: [lockFile, unlockFile] },
      ],
      faults: [pause('c1', 100, 15_000)],
    });
    const broken = runTwice(world('del'));
    expect(violated(broken)).toEqual(['mutual-exclusion']);
    expect(timesOf(broken, 'grant', 'c3')).toEqual([15_502]);
    expect(timesOf(broken, 'release', 'c2')).toEqual([18_502]);
    const fixed = runTwice(world('compare-and-delete'));
    expect(fixed.violations).toEqual([]);
    expect(timesOf(fixed, 'grant', 'c3')[0]!).toBeGreaterThan(timesOf(fixed, 'release', 'c2')[0]!);
  });
});
