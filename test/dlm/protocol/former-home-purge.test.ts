/**
 * Only a session's home ends it: a purge from a manager that a later adoption took the session
 * from is ignored (except by the adopter itself while its adoption is undecided: the adoption then
 * fails, and its own purge ends the session everywhere). The former home purges because its lease
 * timer ran out while it was paused or cut off and never heard of the adoption; the other members
 * answered that adoption and the adopter keeps the session, so a master that took the purge alone
 * would hold the session lost and drop, unanswered, the requests the adopter goes on routing to it.
 *
 * 3m-short-lease-lock-delay seed 4492 (scenarios/swarm-dlm-3m-short-lease-lock-delay.json, a copy
 * in fixtures/): c1 (paused 3,195-7,813 ms) had m1 for its home; m1 paused at 5,719 ms with c1's
 * lease still running out on its clock. m2 declared m1@0 dead at 9,000 ms and adopted c1#0.0
 * (m3 answered it). m1 resumed at 9,888 ms, its expired lease timers fired before anything told it
 * of the adoption, and it sent m3 the purges of c1's and c4's sessions (then reset). m3 took them:
 * c1's EX request on b, routed by m2, reached m3 and was dropped (liveness at 27,184.3 ms).
 * m3 still takes the purge of c4's session, whose adoption it was itself running: that adoption
 * fails and c4 is told its session is lost.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, sends } from './world.js';

const threeShortLockDelay = JSON.parse(
  readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8'),
) as ScenarioInput;

describe('3m-short-lease-lock-delay seed 4492: m3 ignores the purge of c1#0.0 from its former home m1@0, and serves c1 on b', () => {
  const { result, events } = runTwice(threeShortLockDelay, 4492);

  it('m2 declares m1@0 dead and keeps c1 as its home; m1@0 resumes and sends m3 the purges of its expired leases', () => {
    expect(pick(events, 'dlm-view').filter((e) => e.node === 'm2' && e.t <= 9000).map((e) => `${e.t} ${String(e.f.view)}`)).toEqual(['9000 m2@0,m3@0']);
    expect(sends(events, 'ka-ack', 'm2', 'c1').filter((e) => e.t <= 9000).map((e) => e.t)).toEqual([9000]);
    expect(sends(events, 'purge', 'm1', 'm3').filter((e) => e.t < 9897).map((e) => e.t)).toEqual([9888, 9888]);
    expect(pick(events, 'dlm-reset').filter((e) => e.t < 10_000).map((e) => `${e.t} ${e.node} ${e.f.gen as number}`)).toEqual(['9888 m1 1']);
  });

  it('m3 grants c1\u2019s EX request on b of 13,178.411 ms (the one it dropped before) at once, and every request c1 makes is answered', () => {
    expect(pick(events, 'grant', { client: 'c1', resource: 'b' }).filter((e) => e.t > 9888 && e.t < 14_000).map((e) => `${e.t} ${e.node} ${e.f.token as number}`)).toEqual(['13184.821 m3 1007', '13942.375 m3 1008']);
    const requests = pick(events, 'request', { client: 'c1' }).length;
    expect(pick(events, 'complete', { client: 'c1' }).length).toBe(requests);
  });

  it('no invariant is violated; trace pinned', () => {
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('f8d0a922b7f1d7a3');
  });
});
