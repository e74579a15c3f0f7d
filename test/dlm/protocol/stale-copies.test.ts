/**
 * Seeds where a copy holder kept a granted copy of a lock the service had ended or moved on from,
 * and a later rebuild adopted it beside a live grant. Each seed is replayed against its
 * configuration as it failed (fixtures/) and pins the trace hash its fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { runTwice, timelineBetween } from './world.js';

function fixture(name: string): ScenarioInput {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as ScenarioInput;
}

const threeShortLockDelay = fixture('swarm-dlm-3m-short-lease-lock-delay');
const fiveLongLockDelay = fixture('swarm-dlm-5m-long-lease-lock-delay');

describe('3m-short-lease-lock-delay seed 4230: a rebuild sends no copy of a lock it ends at once', () => {
  // m2 rebuilds a after m1's reset (10,044 ms) and ends c2's EX (token 1) there: c2's session
  // c2#0.0 is over. It told m3, c2's copy holder now, to let go of the lock (ch-release) and then
  // sent m3 the copy as adopted (ch-install, EX, token 1), which m3 kept. c2's next session's
  // request reused that record, and m1's rebuild after m2 crashed (20,018 ms) adopted c2's EX
  // beside c1's (token 1003): mutual-exclusion, and m1's own rebuild assertion. The ended lock's
  // copy is no longer installed.
  // Since ended-session-copies.test.ts, m2's rebuild no longer replays c1's EX request either: it
  // is of c1#0.0, which m2 itself knows followed by c1#0.1 (c1's driver gave the
  // request up at 6,015.7 ms, ABORTED, and finished). So a goes to c2's new session's request
  // once c2's lock-delay is over (13,044 ms), not to c1, who would never have used it; m1's
  // rebuild then restates c4's unlock and grants c2's request.
  it('m1\u2019s rebuild adopts no copy of c2\u2019s ended lock, and grants c2\u2019s new request after c4\u2019s unlock', () => {
    const { result, events } = runTwice(threeShortLockDelay, 4230);
    expect(result.violations).toEqual([]);
    expect(timelineBetween(events, 'a', 10_000, 10_100)).toEqual([
      '10044.183 m2 release client=c1 reason=superseded',
      '10044.183 m2 release client=c3 reason=superseded',
      '10044.183 m2 expire client=c2',
    ]);
    expect(timelineBetween(events, 'a', 13_000, 13_100)).toEqual(['13044.183 m2 grant client=c2 mode=EX token=1003']);
    expect(timelineBetween(events, 'a', 20_000, 20_100)).toEqual([
      '20019.034 m1 release client=c2 reason=superseded',
      '20019.034 m1 release client=c4 reason=unlock',
      '20019.034 m1 release client=c4 reason=unlock',
      '20019.034 m1 grant client=c2 mode=EX token=2009 recovery',
    ]);
    expect(result.traceHash).toBe('fae6b6a1ca4c624a');
  });
});

describe('5m-long-lease-lock-delay seed 4273: a rebuild tells the nodes it gathered stray copies from to let go', () => {
  // m1@0 crashed; m3 rebuilt a at 13,440 ms and adopted c1's EX (token 41) from m2, m1's buddy,
  // then installed c1's copy on c1's restarted home m1, but told m2 nothing: m2 kept the granted
  // copy after c1 unlocked. m3 and m4 were later lost together, and m1's rebuild at 23,029 ms
  // gathered m2's copy, which nothing newer outranked (c4's grant, token 1052, was known only to
  // the lost managers): it restated c1's EX beside c4's (mutual-exclusion). A rebuild now tells
  // every node it gathered a copy from that is not that lock's copy holder to let go, and m1's
  // rebuild, which lost two managers, holds a.
  it('m1\u2019s rebuild restates no grant of c1 and holds a', () => {
    const { result, events } = runTwice(fiveLongLockDelay, 4273);
    expect(result.violations).toEqual([]);
    expect(timelineBetween(events, 'a', 23_000, 23_100)).toEqual([
      '23029.156 m1 release client=c1 reason=superseded',
      '23029.156 m1 release client=c2 reason=superseded',
      '23029.156 m1 lvb-invalidate reason=recovery',
    ]);
    expect(result.traceHash).toBe('945e29cbb7c0c14d');
  });
});
