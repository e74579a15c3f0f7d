/**
 * A home that adopts an old session of a client that has since moved on to a newer one: what the
 * client believed under the old session is not ended in the trace where the newer session has a
 * lock or a request (3m-short-lease-lock-delay seed 405, replayed against the configuration as it
 * failed, fixtures/swarm-dlm-3m-short-lease-lock-delay.json), nor by an adoption that a later one
 * elsewhere superseded (seed 69416, the shipped scenario). Pins the trace hashes the fixes produce.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, timelineBetween } from './world.js';

const shippedThreeShortLockDelay = JSON.parse(
  readFileSync(new URL('../../../scenarios/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8'),
) as ScenarioInput;

const threeShortLockDelay = JSON.parse(
  readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8'),
) as ScenarioInput;

describe('3m-short-lease-lock-delay seed 405: an adoption of a client\u2019s old session ends nothing of its newer one', () => {
  // c2 holds EX on a under session c2#0.0 with m1 as its home; m1 pauses past the lease, c2 moves
  // on to session c2#0.1 and queues EX on a at m2 (13,548.478 ms; 13,524.942 ms since rebuilds
  // send no copy of a lock they end at once). m1 resumes, resets, and answers
  // a KeepAlive of c2#0.0 that waited out the pause with an adoption, which fails: it traced the
  // end (`expire`) of c2's lock on a that c2 believed it held under c2#0.0, and the checker took
  // it for the end of c2#0.1's queued request. m2 then granted that request in queue order, which
  // read as a new request granted ahead of c3's (grant-order at 19,007.97 ms). m2 now answers the
  // adoption with the resources where a newer session of c2 has a lock or a request, and m1 ends
  // nothing there.
  it('m1 traces no end of c2\u2019s lock on a; m2 grants c2\u2019s queued request at 19,007.97 ms in order', () => {
    const { result, events } = runTwice(threeShortLockDelay, 405);
    expect(result.violations.map((v) => v.invariant)).toEqual([]);
    expect(pick(events, 'dlm-reset', {}).map((e) => `${e.t} ${e.node}`)).toContain('13866 m1');
    expect(pick(events, 'expire', { client: 'c2', resource: 'a' }).filter((e) => e.node === 'm1')).toEqual([]);
    const c2 = pick(events, 'enqueue', { client: 'c2', resource: 'a' }).concat(pick(events, 'grant', { client: 'c2', resource: 'a' }));
    expect(c2.filter((e) => e.t > 13_500 && e.t < 19_100).map((e) => `${e.t} ${e.node} ${e.type}`)).toEqual(['13524.942 m2 enqueue', '19007.97 m2 grant']);
    expect(result.traceHash).toBe('7650c8634536fc22');
  });
});

describe('3m-short-lease-lock-delay seed 69416: an adoption a later one superseded ends nothing', () => {
  // c2, cut off from its home m2 (declared dead), reclaims session c2#0.0 at m1 (KeepAlive of
  // 8,000 ms); m1 answers itself at once (c2's EX on a, granted) and waits for m3, cut off. c2 goes
  // back to m2@1, whose later adoption of c2#0.0 (notice at m1 12,016 ms) fails: m2 traces c2's EX
  // on a ended (14,563.496 ms) and its purge ends it at m1 (14,572.286 ms). c2 opens c2#0.1 and
  // queues EX on a at m1 (15,477.007 ms), behind a's lock-delay. m3 answers m1 at 15,567.784 ms
  // (stale); m1 decided the failed adoption on its own answer of 8,007 ms, which knew nothing of
  // c2#0.1, and traced c2's lock on a expired again: the checker took it for the end of c2#0.1's
  // request, and m1's in-order grant at the lock-delay's end read as a new request granted ahead
  // of c1's (grant-order at 17,573.487 ms). A superseded adoption now ends nothing.
  it('m1 traces no end of c2\u2019s lock on a at 15,568.247 ms; a is granted c2, then c1, in queue order', () => {
    const { result, events } = runTwice(shippedThreeShortLockDelay, 69416);
    expect(result.violations).toEqual([]);
    const purges = pick(events, 'send', { from: 'm1', msg: 'purge' }).filter((e) => e.t === 15568.247);
    expect(purges.map((e) => e.f.to)).toEqual(['m2', 'm3']);
    const ends = pick(events, 'expire', { client: 'c2', resource: 'a' }).concat(pick(events, 'release', { client: 'c2', resource: 'a' }));
    expect(ends.filter((e) => e.t > 14_000 && e.t < 17_600).map((e) => `${e.t} ${e.node} ${e.type}`).sort()).toEqual(['14563.496 m2 expire', '14572.286 m1 release']);
    expect(timelineBetween(events, 'a', 15_400, 17_900)).toEqual([
      '15477.007 m1 enqueue client=c2 mode=EX queue=waiting',
      '15595.396 m1 enqueue client=c1 mode=EX queue=waiting',
      '17573.487 m1 grant client=c2 mode=EX token=11',
      '17813.272 m1 release client=c2 reason=unlock',
      '17813.272 m1 grant client=c1 mode=EX token=12',
    ]);
    expect(result.traceHash).toBe('7a6199ee8f987ade');
  });
});
