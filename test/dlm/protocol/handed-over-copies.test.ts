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

describe('3m-short-lease-lock-delay: the manager that declared the master dead alone resets itself, so no rebuild follows the lost install', () => {
  // In each seed m3, cut off one way from m1 (the master of a), declares m1@0 dead alone, without
  // a quorum, and drops the copy m1 installs on it and the outcomes after it. It used to take m2
  // back, find a quorum, and make m1 reset (dead-to-me); m2 then rebuilt a, and what that rebuild
  // did with the copy m2 had been told to let go is what these seeds pinned. A node that regains a
  // quorum from a peer counting alive a peer it declared dead without one now resets itself: m3
  // resets, nobody tells m1 dead-to-me, m1 keeps mastering a, and the grant or request whose copy
  // was lost on its way to m3 is served and ended by m1 in order. The rebuild these seeds reached
  // cannot follow from them any more; the former holder keeping its copy until the new one has it
  // stays in the code (master-records handOver) for the moves that still happen.
  it('seed 2066: m3 resets at 7,005.932 ms; m1 keeps c2\u2019s EX (token 6) and ends it at c2\u2019s unlock before granting c4', () => {
    const { result, events } = runTwice(threeShortLockDelay, 2066);
    expect(result.violations).toEqual([]);
    expect(resets(events)).toEqual(['7005.932 m3', '26004.817 m2']);
    // Long after: m2, cut off alone, resets itself on m1's heartbeat; m1, which declared m2@0 dead
    // under its quorum with m3@1000, answers a heartbeat m2@0 sent just before.
    expect(pick(events, 'send', { msg: 'dead-to-me' }).map((e) => `${e.t} ${String(e.f.from)} ${String(e.f.to)}`)).toEqual(['26005.825 m1 m2']);
    expect(timelineBetween(events, 'a', 6_300, 7_300, ['grant', 'release'])).toEqual([
      '6346.454 m1 release client=c1 reason=unlock',
      '6346.454 m1 grant client=c2 mode=EX token=6',
      '7286.797 m1 release client=c2 reason=unlock',
      '7286.797 m1 grant client=c4 mode=EX token=7',
    ]);
    expect(result.traceHash).toBe('dfb684768fe4317b');
  });

  it('seed 3716: m3 resets at 10,005.592 ms; m1 keeps c1\u2019s EX (token 13) until c1 unlocks, and only then grants c2', () => {
    const { result, events } = runTwice(threeShortLockDelay, 3716);
    expect(result.violations).toEqual([]);
    expect(resets(events)).toEqual(['10005.592 m3', '27604 m1']);
    expect(pick(events, 'send', { msg: 'dead-to-me' })).toEqual([]);
    expect(pick(events, 'grant', { client: 'c1', resource: 'a', token: 13 }).map((e) => `${e.t} ${e.node}`)).toEqual(['3050.312 m1']);
    expect(timelineBetween(events, 'a', 3_051, 10_300, ['grant', 'release'])).toEqual(['10287.089 m1 release client=c1 reason=unlock', '10287.089 m1 grant client=c2 mode=EX token=14']);
    expect(result.traceHash).toBe('9278baec904a3416');
  });

  it('seed 2203: m3 resets at 20,001.143 ms; m1 keeps c1\u2019s EX (token 41) and ends it at c1\u2019s unlock before granting c2', () => {
    const { result, events } = runTwice(threeShortLockDelay, 2203);
    expect(result.violations).toEqual([]);
    expect(resets(events)).toEqual(['20001.143 m3']);
    expect(pick(events, 'send', { msg: 'dead-to-me' })).toEqual([]);
    expect(timelineBetween(events, 'a', 19_300, 20_300, ['grant', 'release'])).toEqual([
      '19312.799 m1 release client=c4 reason=unlock',
      '19312.799 m1 grant client=c1 mode=EX token=41',
      '20290.974 m1 release client=c1 reason=unlock',
      '20290.974 m1 grant client=c2 mode=EX token=42',
    ]);
    expect(result.traceHash).toBe('e86641334b284988');
  });

  it('seed 155: m3 resets at 17,004.32 ms; m1 grants c2\u2019s request, queued since 2,050.877 ms, in its turn, and nothing ends it before', () => {
    const { result, events } = runTwice(threeShortLockDelay, 155);
    expect(result.violations).toEqual([]);
    expect(resets(events)).toEqual(['17004.32 m3']);
    expect(pick(events, 'send', { msg: 'dead-to-me' })).toEqual([]);
    expect(pick(events, 'release', { client: 'c2', resource: 'a', reason: 'superseded' })).toEqual([]);
    expect(pick(events, 'grant', { client: 'c2', resource: 'a' }).filter((e) => e.t > 2_050).map((e) => `${e.t} ${e.node} ${String(e.f.token)}`)[0]).toBe('17304.419 m1 10');
    expect(result.traceHash).toBe('0cede87227f4df4e');
  });
});
