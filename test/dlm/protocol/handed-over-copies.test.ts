/**
 * Seeds where a lock's copy was on no live node when its master was lost, because the master told
 * the copy's former holder to let it go as it sent the copy to the new one. A client re-homed to a
 * manager cut off from the master by a one-way partition: the install was lost on the way, and the
 * new holder, which then declared the master dead on its own, dropped the retransmitted install and
 * every outcome after it. When that manager regained a quorum and made the master reset, the
 * rebuild (one loss, no hold) never heard of the lock: a grant made for the client's request stood
 * beside the rebuilt master's grants, or a queued request was jumped. The former holder now keeps
 * its copy until the new one has it (the new holder tells the master, the master tells the former
 * holder to let go). Each seed is replayed
 * against its configuration as it failed (fixtures/swarm-dlm-3m-short-lease-lock-delay.json) and
 * pins the trace hash the fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, timelineBetween } from './world.js';

const threeShortLockDelay = JSON.parse(
  readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8'),
) as ScenarioInput;

/** When and where a manager reset (`dlm-reset`), as `t node`. */
function resets(events: ReturnType<typeof runTwice>['events']): string[] {
  return pick(events, 'dlm-reset', {}).map((e) => `${e.t} ${e.node}`);
}

describe('3m-short-lease-lock-delay: a copy handed to a holder that never gets it stays on the holder it leaves', () => {
  // 2066: c2 re-homes to m3 while m1 → m3 is cut (one way); m1, master of a, sends c2's copy
  // (its request queued) to m3 and told m2, the holder it left, to let go. m3 declares m1@0 dead
  // alone at 6,000 ms and drops the install; m1 grants c2 EX (token 6) at 6,347.248 ms (6,345.9 ms now), an outcome
  // m3 drops too. m3 takes m2 back, has a quorum and makes m1 reset (7,014.8 ms); m2's rebuild knew
  // nothing of c2's request, so nothing ended the grant, and m2 granted c4 EX beside it. m2 now
  // still has c2's copy: its rebuild keeps c2's EX (restated, the token m1@0 gave it) and ends the
  // grants that conflict with it (before homes waited for a quorum to finish an adoption, this
  // run took another path, and the rebuild ended the grant and granted c2 again, token 1007).
  it('seed 2066: m2\u2019s rebuild keeps c2\u2019s grant from m1@0 and ends every grant beside it', () => {
    const { result, events } = runTwice(threeShortLockDelay, 2066);
    expect(result.violations).toEqual([]);
    expect(resets(events)).toContain('7014.812 m1');
    expect(timelineBetween(events, 'a', 6_300, 7_600, ['grant', 'release'])).toEqual([
      '6345.9 m1 release client=c1 reason=unlock',
      '6345.9 m1 grant client=c2 mode=EX token=6',
      '7566.789 m2 release client=c4 reason=superseded',
      '7566.789 m2 release client=c1 reason=superseded',
      '7566.789 m2 grant client=c2 mode=EX recovery',
    ]);
    expect(result.traceHash).toBe('3429d11484900099');
  });

  // 3716: the same with c1's grant (EX, token 13, 3,050.312 ms) already on its former holder m2
  // when c1 re-homed to m3: m2 dropped it at once, and m2's rebuild after m1's reset (10,572.2 ms)
  // granted c2 and c4 beside it. m2 now keeps the granted copy and adopts it; c1 unlocks at
  // 11,064.0 ms and only then is c2 granted.
  it('seed 3716: m2\u2019s rebuild adopts c1\u2019s EX and grants c2 only after c1 unlocks', () => {
    const { result, events } = runTwice(threeShortLockDelay, 3716);
    expect(result.violations).toEqual([]);
    expect(resets(events)).toContain('10010.905 m1');
    expect(timelineBetween(events, 'a', 10_572, 10_600, ['grant', 'release', 'enqueue'])).toEqual([
      '10572.174 m2 release client=c2 reason=superseded',
      '10572.174 m2 release client=c4 reason=superseded',
      '10572.174 m2 enqueue client=c2 mode=EX queue=waiting',
      '10572.174 m2 enqueue client=c4 mode=EX queue=waiting',
    ]);
    expect(timelineBetween(events, 'a', 10_573, 11_100, ['grant', 'release'])).toEqual(['11064.044 m2 release client=c1 reason=unlock', '11064.044 m2 grant client=c2 mode=EX token=1014']);
    expect(result.traceHash).toBe('af05c0e521036ca9');
  });

  // 2203: the same with c1's request, granted (token 41) at 19,321.6 ms after m3 declared m1@0
  // dead; m2's rebuild (20,623.151 ms) granted c2 and c4 beside it. m2 now keeps c1's EX (restated,
  // the token m1@0 gave it) and ends the grants beside it (before homes waited for a quorum to
  // finish an adoption, it ended c1's grant and granted c1 again, token 1042).
  it('seed 2203: m2\u2019s rebuild keeps c1\u2019s grant from m1@0 and ends every grant beside it', () => {
    const { result, events } = runTwice(threeShortLockDelay, 2203);
    expect(result.violations).toEqual([]);
    expect(resets(events)).toContain('20012.449 m1');
    expect(timelineBetween(events, 'a', 20_623.151, 20_623.151, ['grant', 'release'])).toEqual([
      '20623.151 m2 release client=c2 reason=superseded',
      '20623.151 m2 release client=c4 reason=superseded',
      '20623.151 m2 grant client=c1 mode=EX recovery',
    ]);
    expect(result.traceHash).toBe('fd9f8952f7c6f273');
  });

  // 155: c2's request, queued at m1 since 2,050.877 ms, lost the same way; m2's rebuild after m1's
  // reset (17,573.7 ms) never heard of it, so the trace kept it waiting and every later grant
  // jumped it (grant-order). m2 now still has c2's copy: its rebuild ends the request
  // (superseded) and queues it again: c2's session, whose adoption no longer fails in a minority,
  // is granted it in its turn at 18,060.73 ms.
  it('seed 155: m2\u2019s rebuild ends c2\u2019s queued request, and no grant jumps the queue', () => {
    const { result, events } = runTwice(threeShortLockDelay, 155);
    expect(result.violations).toEqual([]);
    expect(resets(events)).toContain('17016.904 m1');
    expect(pick(events, 'release', { client: 'c2', resource: 'a', reason: 'superseded' }).map((e) => `${e.t} ${e.node}`)).toEqual(['17567.967 m2']);
    expect(pick(events, 'grant', { client: 'c2', resource: 'a' }).filter((e) => e.t > 2_050)[0]?.t).toBe(18_060.73);
    expect(result.traceHash).toBe('09f33bc241752728');
  });
});
