/**
 * A request that reaches its master through a node that is no longer its lock's copy holder.
 * A home that was paused (or cut off) while its client reclaimed the session elsewhere passes on,
 * once it runs again, the requests it still held, recording each pending in its own copy first;
 * the master sends the outcome to the lock's copy holder under the new home, never to that node,
 * so its copy kept the request pending for good. A later rebuild that gathered it replayed the
 * request, long answered, ahead of the client's current one on the lock: the current one was
 * refused (INVALID_ARG, a lock already exists) and the stale one was granted to a client that no
 * longer asked for it, and nobody ever unlocked it (liveness). Now the master hands such a copy
 * over: the lock's copy holder is sent the copy as the master has it, naming the node it leaves,
 * which lets go once the copy has arrived.
 *
 * 3m-short-lease-lock-delay seed 62280 (shipped scenario): c3's home m3 is paused from 1,125 ms
 * to 4,351 ms; c3's EX request on a (1,299.3 ms) waits in m3 while c3 reclaims its session at
 * m1, which masters a (so c3's copies go to m1's buddy m2). At 4,351 ms m3 records the request in
 * a copy of its own and passes it to m1 (4,355.678 ms). m1 granted it (token 18) through m2, and
 * m3's copy said "lock pending" until m1's pause (8,000 ms) made m3 rebuild a at 13,021.126 ms:
 * it replayed that request before c3's current one (13,011.866 ms), refused the current one
 * INVALID_ARG, granted the stale one (token 1034, 13,509.225 ms), and c4, c1 and c2 waited on a
 * until the end of the run.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { outcomes, pick, runTwice, sends } from './world.js';

const threeShortLockDelay = JSON.parse(
  readFileSync(new URL('../../../scenarios/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8'),
) as ScenarioInput;

describe('3m-short-lease-lock-delay seed 62280: a copy left behind by a request that came by the home its session left', () => {
  const { result, events } = runTwice(threeShortLockDelay, 62280);

  it('m1 hands the copy m3 made over to m2, the lock\u2019s copy holder, and m3 lets its own go', () => {
    expect(sends(events, 'mreq', 'm3', 'm1').filter((e) => e.t > 4000 && e.t < 4400).map((e) => e.t)).toEqual([4351]);
    expect(sends(events, 'ch-install', 'm1', 'm2').filter((e) => e.t > 4000 && e.t < 4400).map((e) => e.t)).toEqual([4355.678]);
    expect(sends(events, 'ch-release', 'm1', 'm3').filter((e) => e.t > 4000 && e.t < 4400).map((e) => e.t)).toEqual([4369.443]);
  });

  it('no request of c3 is refused, and every request on a is answered: no invariant is violated', () => {
    expect(outcomes(events, 'c3').filter((o) => o.includes('INVALID_ARG'))).toEqual([]);
    expect(pick(events, 'done').map((e) => e.f.client)).toEqual([]);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('99cf8e77cd5a7f81');
  });
});
