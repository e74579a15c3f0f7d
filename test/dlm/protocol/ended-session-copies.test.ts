/**
 * A rebuild ends, instead of adopting, a granted copy whose session is over: lost, as the
 * rebuilder knows, or followed by a later session of its client that the rebuilder or any manager
 * it gathers from heard of.
 *
 * The master that ended such a lock (its lease ran out there) was cut off from the lock's copy
 * holder, so the purge and the copy release never reached it, and that master then lost its state
 * (a crash, or a reset). The copy holder still held the copy as granted; the next master adopted
 * it as a live grant, a lock whose end was already traced and that nobody believed it held. It
 * stood there for the rest of the run, and with another such ghost on a second resource, the
 * deadlock detector (rightly, by the lock space it was shown) found a cycle between two clients
 * that held nothing: a `deadlock` phantom by the checker, whose view (the locks had ended) is the
 * true one.
 *
 * 3m-short-lease-lock-delay (scenarios/swarm-dlm-3m-short-lease-lock-delay.json, a copy in
 * fixtures/):
 * - seed 19231: m1 expired c1#0.0's EX on a (4,005.4 ms) and c4#0.0's PR on b (4,006.5 ms) while
 *   cut off from m2, the copy holder, then crashed (5,905 ms). m2 rebuilt a (11,583.933 ms) and b
 *   (12,028.069 ms) knowing c1#0.1 and c4#0.1 itself, and adopted both copies; at 17,381.682 ms
 *   m1 reported c4 -(EX on a)-> c1 -(EX on b)-> c4.
 * - seed 45131: m1 expired c3#0.0's EX on b and c4#0.0's EX on a (14,002.4 ms) with its link to
 *   m2 dropping, then reset (20,017.52 ms). m2 rebuilt both roots (20,043.077 ms) knowing nothing
 *   of it; m3, which it gathered from, had heard of c3#0.1 and c4#0.1. At 26,044.13 ms m1 reported
 *   c3 -(EX on a)-> c4 -(PR on b)-> c3.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EndedSessions, latestSessions, sessionId } from '../../../src/dlm/protocol/session.js';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, timelineBetween } from './world.js';

const threeShortLockDelay = JSON.parse(
  readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8'),
) as ScenarioInput;

describe('EndedSessions: the sessions known to be over, by id', () => {
  it('knows the lost sessions, and every session older than one heard of its client', () => {
    const ended = new EndedSessions([sessionId('c2', 0, 3)], [sessionId('c1', 0, 1), sessionId('c1', 0, 0), sessionId('c3', 1, 0)]);
    expect(ended.has(sessionId('c1', 0, 0))).toBe(true);
    expect(ended.has(sessionId('c1', 0, 1))).toBe(false);
    expect(ended.has(sessionId('c2', 0, 3))).toBe(true);
    expect(ended.has(sessionId('c2', 0, 2))).toBe(false);
    expect(ended.has(sessionId('c3', 0, 7))).toBe(true);
    expect(ended.has(sessionId('c3', 1, 0))).toBe(false);
    expect(ended.has(sessionId('c4', 0, 0))).toBe(false);
  });

  it('latestSessions keeps the newest session of each client, in client order', () => {
    expect(latestSessions([sessionId('c2', 0, 0), sessionId('c1', 0, 2), sessionId('c2', 1, 0), sessionId('c1', 0, 1)])).toEqual([sessionId('c1', 0, 2), sessionId('c2', 1, 0)]);
  });
});

describe('3m-short-lease-lock-delay: a rebuild ends the copies of sessions known over instead of adopting them, and no deadlock is reported', () => {
  it.each([
    // seed, the rebuilds' timelines (expire where the ghosts were adopted), the grants the ghosts blocked, expected findings, trace hash
    [
      19231,
      ['11583.933 m2 release client=c2 reason=superseded', '11583.933 m2 release client=c3 reason=superseded', '11583.933 m2 lvb-invalidate reason=recovery', '11583.933 m2 expire client=c1'],
      ['12028.069 m2 lvb-invalidate reason=recovery', '12028.069 m2 expire client=c4'],
      ['16000 m2 c4 a', '16028.069 m2 c1 b'],
      ['stale-write'],
      '03fe1e400ae6b69c',
    ],
    [
      45131,
      ['20043.077 m2 release client=c1 reason=superseded', '20043.077 m2 release client=c2 reason=superseded', '20043.077 m2 lvb-invalidate reason=recovery', '20043.077 m2 expire client=c4'],
      ['20043.077 m2 lvb-invalidate reason=recovery', '20043.077 m2 expire client=c3'],
      ['25000 m2 c3 a', '25000 m2 c4 b'],
      [],
      'd0ea531b912ea70a',
    ],
  ] as const)('seed %i', (seed, rebuiltA, rebuiltB, firstGrants, expected, hash) => {
    const { result, events } = runTwice(threeShortLockDelay, seed);
    expect(result.violations.map((v) => v.invariant)).toEqual(expected);
    expect(result.traceHash).toBe(hash);
    const rebuildAt = Number(rebuiltA[0]!.split(' ')[0]);
    const rebuildBAt = Number(rebuiltB[0]!.split(' ')[0]);
    expect(timelineBetween(events, 'a', rebuildAt, rebuildAt)).toEqual(rebuiltA);
    expect(timelineBetween(events, 'b', rebuildBAt, rebuildBAt)).toEqual(rebuiltB);
    // What the ghosts blocked is granted once the holds end; nothing reports a deadlock.
    const after = (resource: string): string | undefined =>
      pick(events, 'grant', { resource })
        .filter((e) => e.t > rebuildBAt)
        .map((e) => `${e.t} ${e.node} ${String(e.f.client)} ${resource}`)[0];
    expect([after('a'), after('b')]).toEqual(firstGrants);
    expect(pick(events, 'deadlock')).toEqual([]);
  });
});
