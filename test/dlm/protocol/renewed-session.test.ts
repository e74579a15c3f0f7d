/**
 * A home that adopts an old session of a client that has since moved on to a newer one: what the
 * client believed under the old session is not ended in the trace where the newer session has a
 * lock or a request (3m-short-lease-lock-delay seed 405, replayed against the configuration as it
 * failed, fixtures/swarm-dlm-3m-short-lease-lock-delay.json). Pins the trace hash the fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice } from './world.js';

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
