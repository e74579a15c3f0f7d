/**
 * Seeds of the fenced-DLM swarm (issue 12) that once broke an invariant, replayed against the
 * swarm as it was when they failed (fixtures/swarm-fenced-dlm-issue12.json), so that each stays
 * a regression whatever the shipped scenario becomes. Each pins the trace hash its fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice } from './world.js';

const swarm = JSON.parse(readFileSync(new URL('./fixtures/swarm-fenced-dlm-issue12.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('swarm-fenced-dlm seed 8763: the grant a reset master dropped ends when the rebuilt root\u2019s hold is over', () => {
  // m1 grants c3 EX on a (token 23) just after c3's home m3 crashed: the grant message goes via
  // the dead home and c3 never learns of it. m3 restarts inside a one-way partition, declares m1
  // and m2 dead alone, and when it heals tells m1 `dead-to-me`: m1 resets, dropping the grant.
  // m2 rebuilds a having lost two managers' state and holds it until a lease, a failure timeout
  // and a KeepAlive after it saw m1@0 die (18,018.651 ms); c3 still asks for the lock, so whatever
  // grant was made for it has ended when the hold is over.
  it('c3\u2019s unknown grant ends (superseded) before m2 grants c4, and nothing overlaps', () => {
    const { result, events } = runTwice(swarm, 8763);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'dlm-reset', {}).map((e) => `${e.t} ${e.node}`)).toEqual(['18011.462 m1']);
    const firstGrant = pick(events, 'grant', { resource: 'a' }).find((e) => e.t > 18_011)!;
    expect(`${firstGrant.t} ${firstGrant.node} ${String(firstGrant.f.client)}`).toBe('44018.651 m2 c4');
    const c3Ends = pick(events, 'release', { client: 'c3', resource: 'a', reason: 'superseded' });
    expect(c3Ends.map((e) => `${e.t} ${e.node}`)).toEqual(['44018.651 m2']);
    expect(events.indexOf(c3Ends[0]!)).toBeLessThan(events.indexOf(firstGrant));
    expect(result.traceHash).toBe('1999f4ef96ba24f6');
  });
});

describe('swarm-fenced-dlm seeds 16330 and 17560: the end of a held root ends the grants nobody knew of', () => {
  // 16330: m1 grants c2 EX on a (token 14) just as a partition cuts off c2's home m2, which holds
  // the grant's copy; m1 crashes, m2 and m3 reset, c2 never hears of the grant, and m1@1000
  // rebuilds a. 17560: m2 grants c1
  // EX on a (token 1010) just after a heal and resets moments later; c1 never hears of it. In both,
  // the rebuilt master, having lost two managers, holds `a` for a lease; when the hold is over the
  // unknown grant's lease has run out, and the client is still asking for the lock. The trace must
  // end that grant before the held requests are served, or the checker keeps it beside the next.
  it.each([
    // 16330's hold of b, rebuilt by m1 at 37,065.948 ms, lasts four KeepAlives from the rebuild.
    [16330, 'c2', 'm1', '7e31a560152beb1f'],
    [17560, 'c1', 'm1', 'ac5c6ee226859701'],
  ])('seed %i: %s\u2019s unknown grant ends (superseded) at the hold\u2019s end on %s, and nothing overlaps', (seed, client, master, hash) => {
    const { result, events } = runTwice(swarm, seed);
    expect(result.violations).toEqual([]);
    const ends = pick(events, 'release', { client, resource: 'a', reason: 'superseded' }).filter((e) => e.node === master);
    const firstRebuiltGrant = pick(events, 'grant', { resource: 'a' }).find((e) => e.node === master && e.t > ends[0]!.t - 1)!;
    expect(ends.length).toBeGreaterThan(0);
    expect(ends[ends.length - 1]!.t).toBe(firstRebuiltGrant.t);
    expect(result.traceHash).toBe(hash);
  });
});

describe('swarm-fenced-dlm seeds 154 and 2721: a copy lagging its master\u2019s UNLOCKED is let go before the rebuilt root is checked', () => {
  // 154: m1 unlocks c3's EX on a and grants c4 in one step; the UNLOCKED outcome to c3's copy
  // holder m3 is lost in a one-way partition, so m3's copy still says EX with the unlock pending
  // while m2 (c4's copy holder) says EX. m1 resets; m2 rebuilds a from both copies. 2721: the same
  // with c2's unlock, on a root rebuilt after losing two managers (held). The rebuild restates the
  // unlock as done; it used to adopt both EX copies and check the root before replaying the
  // unlock (RecoveryAssertionError, granted-modes-compatible). The unlock now happens first, held
  // root or not, and its client is answered at once.
  it.each([
    [154, 'c3', 'm2', 11044.63, 11061.501, '99acfb3d14d7f193'],
    [2721, 'c2', 'm2', 12033.445, 12059.576, '915e711fd3ac6eb7'],
  ])('seed %i: %s\u2019s unlock is restated and replayed by %s at %f ms, answered at %f ms, and nothing overlaps', (seed, client, master, rebuiltMs, answeredMs, hash) => {
    const { result, events } = runTwice(swarm, seed);
    expect(result.violations).toEqual([]);
    const releases = pick(events, 'release', { client, resource: 'a', reason: 'unlock' }).filter((e) => e.node === master && e.t === rebuiltMs);
    expect(releases.map((e) => e.t)).toEqual([rebuiltMs, rebuiltMs]);
    const answers = pick(events, 'complete', { client, resource: 'a' }).filter((e) => e.t > rebuiltMs);
    expect(`${answers[0]!.t} ${String(answers[0]!.f.status)}`).toBe(`${answeredMs} UNLOCKED`);
    expect(result.traceHash).toBe(hash);
  });
});
