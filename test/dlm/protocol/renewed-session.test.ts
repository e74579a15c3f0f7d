/**
 * A home that adopts an old session of a client that has since moved on to a newer one: what the
 * client believed under the old session is not ended in the trace where the newer session has a
 * lock or a request (3m-short-lease-lock-delay seed 405, replayed against the configuration as it
 * failed, fixtures/swarm-dlm-3m-short-lease-lock-delay.json), nor by an adoption that a later one
 * elsewhere superseded (seed 14670, the shipped scenario; seed 69416, where this first showed, is
 * kept as a plain regression). Pins the trace hashes the fixes produce.
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

describe('3m-short-lease-lock-delay seed 69416: c2 queues on a after m1\u2019s failed adoption ends its old lock (regression)', () => {
  // This seed first showed a superseded adoption ending a lock (grant-order at 17,573.487 ms).
  // Since an adoption under way asks the managers that join the view, the run takes another path:
  // m1's adoption of c2#0.0 still fails and traces c2's EX on a expired (15,568.247 ms), but not
  // as a superseded adoption ending a lock a master reported granted, and the trace is the same
  // with or without the rule below; c2 queues its new request on a after it (16,093.069 ms). Kept
  // as a plain regression: no violation, a granted in queue order.
  it('no violation; a is queued c1, then c2, and granted c1 first', () => {
    const { result, events } = runTwice(shippedThreeShortLockDelay, 69416);
    expect(result.violations).toEqual([]);
    expect(timelineBetween(events, 'a', 15_000, 18_200)).toEqual([
      '15105.605 m1 expire client=c2',
      '15568.247 m1 expire client=c2',
      '15594.759 m1 enqueue client=c1 mode=EX queue=waiting',
      '16093.069 m1 enqueue client=c2 mode=EX queue=waiting',
      '18106.805 m1 grant client=c1 mode=EX token=11',
    ]);
    expect(result.traceHash).toBe('194d884e7fcd510c');
  });
});

describe('3m-short-lease-lock-delay seed 14670: an adoption a later one superseded ends no granted lock', () => {
  // m1 adopts c2's session (adopt to m2 and m3 at 18,001.885 ms; m3 cut off, retried); m2's later
  // adoption of the same session supersedes it, fails, and ends c2's EX on a (m2 expire
  // 20,042.932 ms, m1 release on m2's purge 20,049.581 ms). c2 opens a new session and queues EX
  // on a at m1 (20,547.019 ms), behind c4 and c1 and a's lock-delay. m3's answer reaches m1 at
  // 20,565.134 ms and m1 decides its failed, superseded adoption on answers that knew nothing of
  // c2's new session: it used to trace c2's lock on a expired again there, which the checker reads
  // as the end of c2's queued request. A superseded adoption traces no end of a lock a master
  // reported granted (that master ends it, as m1 did at 20,049.581 ms): c2's request stays, and a
  // is granted c4, c1, c2 in queue order.
  it('m1 purges at 20,565.134 ms and traces no end of c2\u2019s lock on a; a is granted in queue order', () => {
    const { result, events } = runTwice(shippedThreeShortLockDelay, 14670);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'deliver', { from: 'm3', to: 'm1', msg: 'adopt-res' }).map((e) => e.t)).toContain(20565.134);
    const purges = pick(events, 'send', { from: 'm1', msg: 'purge' }).filter((e) => e.t === 20565.134);
    expect(purges.map((e) => e.f.to)).toEqual(['m2', 'm3']);
    const ends = pick(events, 'expire', { client: 'c2', resource: 'a' }).concat(pick(events, 'release', { client: 'c2', resource: 'a' }));
    expect(ends.filter((e) => e.t > 20_000 && e.t < 23_500).map((e) => `${e.t} ${e.node} ${e.type}`).sort()).toEqual(['20042.932 m2 expire', '20049.581 m1 release']);
    expect(timelineBetween(events, 'a', 20_000, 23_600)).toEqual([
      '20042.932 m2 expire client=c2',
      '20049.581 m1 release client=c2 reason=purge',
      '20049.581 m1 enqueue client=c4 mode=EX queue=waiting',
      '20190.816 m1 enqueue client=c1 mode=EX queue=waiting',
      '20547.019 m1 enqueue client=c2 mode=EX queue=waiting',
      '23049.581 m1 grant client=c4 mode=EX token=55',
      '23296.361 m1 release client=c4 reason=unlock',
      '23296.361 m1 grant client=c1 mode=EX token=56',
      '23567.705 m1 release client=c1 reason=unlock',
      '23567.705 m1 grant client=c2 mode=EX token=57',
    ]);
    expect(result.traceHash).toBe('8d258212b960632a');
  });
});
