/**
 * A quorum that lapses between two counts (its echoes age past the failure timeout) and is
 * regained at the next count was never told to the host: the membership told it only when the
 * quorum it read differed from the one it last told, and both were "held". Meanwhile the master
 * reads `hasQuorum` at the instant and may have put off work until a quorum is back: it hears of
 * the return now, and that work goes on. Replayed against the shipped scenario.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, timelineBetween } from './world.js';

const threeShortLockDelay = JSON.parse(readFileSync(new URL('../../../scenarios/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-short-lease-lock-delay seed 16562: a purge made in a silent quorum lapse ends its queued request once the quorum is counted back', () => {
  // c1 (paused 11,511 to 15,809 ms) waits for EX on a at m1, its home and a's master (queued at
  // 12,386.149 ms). m1's quorum lapses a moment before 14,004.91 ms, when c1's lease runs out: the
  // purge, without a quorum, keeps the request in m1's lock space for its `dequeue` once a quorum
  // is back. The next heartbeat (14,005.145 ms) counts the quorum back, but the host had never
  // been told it went and was not told it came: the request stayed, m1 granted it silently when
  // c4 unlocked (15,266.903 ms), and that remnant held a until m1 crashed at 22,359 ms, with c3 and
  // c4 waiting behind it; the rebuild on m2 then granted past the entry nothing had ended
  // (grant-order). Now the request leaves at the count (`dequeue` purge, once), and c3, next in
  // the queue, is granted at c4's unlock.
  it('m1 ends c1\u2019s request at 14,005.145 ms, grants c3 at c4\u2019s unlock, and only the expected late writes are flagged', () => {
    const { result, events } = runTwice(threeShortLockDelay, 16562);
    expect(result.violations.map((v) => v.invariant)).toEqual(['stale-write']);
    expect(pick(events, 'dequeue', { client: 'c1', resource: 'a' }).map((e) => `${e.t} ${e.node} ${String(e.f.reason)}`)).toEqual(['14005.145 m1 purge']);
    expect(timelineBetween(events, 'a', 12_300, 15_300)).toEqual([
      '12386.149 m1 enqueue client=c1 mode=EX queue=waiting',
      '12583.087 m1 expire client=c3',
      '13122.011 m1 enqueue client=c3 mode=EX queue=waiting',
      '14005.145 m1 dequeue client=c1 reason=purge',
      '15016.204 m1 grant client=c4 mode=EX token=40',
      '15266.903 m1 release client=c4 reason=unlock',
      '15266.903 m1 grant client=c3 mode=EX token=41',
    ]);
    expect(result.traceHash).toBe('c31ecea5c228b081');
  });
});
