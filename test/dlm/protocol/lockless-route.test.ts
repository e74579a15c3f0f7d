/**
 * A lock that does not exist (its record is kept, lock id 0, after an unlock) still has a route
 * for its outcomes: a request that comes again is answered by re-sending its recorded outcome to
 * the lock's copy holder. When the view changes, the home sends each unanswered request again by
 * the new route (./home.ts, onViewChange), and the master moves the copies whose holder changed;
 * it used to skip the records without a lock, so their copy holder stayed the old one and the
 * answer to the repeated request went there, while the new holder kept the request pending for
 * ever. A later rebuild that gathered that copy restated the stale request as done: an unlock
 * c1 had finished 8 s before, restated as the end of c1's later grant, whose write then landed
 * after that traced end (3m-long-lease seed 35079, stale-write). Replayed on the shipped scenario.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, sends, timelineBetween } from './world.js';

const threeLongLease = JSON.parse(readFileSync(new URL('../../../scenarios/swarm-dlm-3m-long-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-long-lease seed 35079: a repeated request of a lock-less record is answered by the new route', () => {
  // c1's home m1 masters `a`; m2, cut off, is declared dead, so m1's buddy and c1's copy holder is
  // m3. c1's unlock of a (request 18) goes through m3; m1 does it at 11,008.097 ms and answers m3.
  // m2 resets and rejoins (m2@1); m1 sees it join at 11,011.576 ms before m3's answer is back, and
  // sends the unlock again through m2, its buddy again. m2 passes it on (11,016.735 ms): a repeat,
  // whose answer now goes to m2 (11,024.731 ms) instead of m3, and m2 lets the request go. Before,
  // m2 kept it pending under c1's later grants on a; when m1 was cut off (13,774 to 18,949 ms)
  // and reset, m2's rebuild of a (19,031.773 ms before the fix) restated it: "m2 ends c1's lock on a (unlock)"
  // while c1 still held token 27, and c1's write (19,773.064 ms) was a stale write.
  it('m2 gets the re-sent outcome; its rebuild keeps c1\u2019s grant (token 27) and c1\u2019s write lands under it', () => {
    const { result, events } = runTwice(threeLongLease, 35079);
    expect(result.violations).toEqual([]);
    expect(sends(events, 'mout', 'm1', 'm2').map((e) => e.t).filter((t) => t > 11_000 && t < 11_030)).toEqual([11_024.731]);
    expect(timelineBetween(events, 'a', 19_000, 19_800)).toEqual([
      '19002.626 m1 dequeue client=c2 reason=reset',
      '19030.844 m2 release client=c2 reason=superseded',
      '19030.844 m2 release client=c3 reason=superseded',
      '19030.844 m2 lvb-invalidate reason=recovery',
    ]);
    expect(pick(events, 'write', { client: 'c1', resource: 'a', token: 27 }).map((e) => e.t)).toEqual([19_784]);
    expect(result.traceHash).toBe('665dae44967c7952');
  });
});
