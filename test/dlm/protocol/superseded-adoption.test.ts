/**
 * An adoption superseded by a later one (`stale`) re-homes nothing, and its answers used to name
 * nothing either. When the session turns out lost, the superseded adopter ends the requests its
 * client abandons that no answer names (a request lost with its master and copy holder: see
 * lost-session-requests.test.ts); with empty answers it took a request its master still queued
 * for known to nobody and traced its end (`dequeue`, purge), and the master's later grant of it
 * read as a grant ahead of the requests queued behind it. A stale answer now names the resources
 * where the answering node masters or copies a lock or a request of the session.
 *
 * The run also needs the outcome of a repeated request of a record without a lock to take the
 * route the home re-sent the request by (see lockless-route.test.ts): before, c2's unlock of b
 * below was never answered, c2 never asked for `a` again, and no request stood behind c3's.
 * Replayed on the shipped scenario.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { outcomes, pick, runTwice, sends, timelineBetween } from './world.js';

const threeShortLockDelay = JSON.parse(
  readFileSync(new URL('../../../scenarios/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8'),
) as ScenarioInput;

describe('3m-short-lease-lock-delay seed 58398: a superseded adoption of a lost session ends no request its master still queues', () => {
  // m2 masters `a` and `b`. c3, homed at m1 since m1's adoption of its session (18,000 ms),
  // queues EX on `a` at m2 (18,356.451 ms), behind c1's grant (token 1022). m1 is cut off from
  // 18,470 to 23,460 ms and expires c3's session; its purge never reaches m2 (m1 pauses at
  // 23,968 ms and resets). m3, paused from 13,392 to 20,017 ms, resumes with c3's older
  // KeepAlive and adopts the session too; m1 and m2 answer it stale, m2's answer naming `a`.
  // m1's purge reaches m3 and the adoption fails (23,585.321 ms): m3 used to trace c3's request
  // on `a` ended, known to nobody, while m2 kept it queued. c1's lock expires at m2 (21,003.008 ms) and leaves the lock space
  // after the lock-delay, granting c3's request, first in the queue, ahead of c2's (queued at
  // 21,941.987 ms): a grant in order, which the trace made read as rule N broken.
  it('no dequeue of c3\u2019s request is traced; m2 grants it in queue order, and only the expected stale write is found', () => {
    const { result, events } = runTwice(threeShortLockDelay, 58398);
    expect(result.violations.map((v) => `${v.invariant} ${v.message}`)).toEqual([
      "stale-write storage accepted c1's write (token 1022) at 23510.159 ms, but c1's lock on a ended at 21003.008 ms (expired)",
    ]);
    expect(pick(events, 'dequeue', { client: 'c3' })).toEqual([]);
    expect(outcomes(events, 'c3', 'a').filter((l) => Number(l.split(' ')[0]) > 23_000)).toEqual(['23593.006 a ABORTED']);
    expect(timelineBetween(events, 'a', 18_300, 24_100)).toEqual([
      '18356.451 m2 enqueue client=c3 mode=EX queue=waiting',
      '21003.008 m2 expire client=c1',
      '21941.987 m2 enqueue client=c2 mode=EX queue=waiting',
      '24003.008 m2 grant client=c3 mode=EX token=1023',
    ]);
    // c2's unlock of b, done at m2 at 18,458.895 ms, was answered through m1, m2's buddy then,
    // and the answer was lost on its way back in the partition; m2's home sent the unlock again
    // through m3, its buddy once m3 rejoined, and the repeat's answer took that route too.
    expect(sends(events, 'mout', 'm2', 'm3').map((e) => e.t).filter((t) => t > 21_000 && t < 22_000)).toEqual([21_614.571]);
    expect(sends(events, 'hout', 'm3', 'm2').map((e) => e.t).filter((t) => t > 21_000 && t < 22_000)).toEqual([21_623.225]);
    expect(outcomes(events, 'c2', 'b').filter((l) => l.startsWith('21627.989'))).toEqual(['21627.989 b UNLOCKED']);
    expect(result.traceHash).toBe('ff7ee3a932310e87');
  });
});
