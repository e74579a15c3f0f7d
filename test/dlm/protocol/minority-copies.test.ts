/**
 * A master cut off from the majority moves no copies: the majority may have rebuilt its roots, and
 * its copies, versioned by records the rebuild never saw, would outrank the new master's in a later
 * rebuild that gathers both. 5m-short-lease seed 1063 showed it as a `stale-write (superseded)`: a
 * write by a holder whose lock recovery ended. The write is a late write of the short-lease kind:
 * c2 sent it at 17,218.38 ms within its lease (its last acknowledged KeepAlive left at 17,000 ms,
 * leaseMs 3,000), a partition kept it from the storage until 24,687 ms, c2's home m2 expired the
 * session at 20,008.632 ms, and the storage accepted it at 25,219.582 ms: nobody had written a
 * since, so no token could refuse it. It read as superseded because m1@0, alone with m3@1 a moment
 * before its own reset (12,006.147 ms), moved its copy of c2's request on a (version 7 of a record
 * m4 had since rebuilt) to m3, and m2's rebuild at 23,019 ms merged that copy over c2's current
 * one (version 2, granted EX with token 1010): the end of the grant was traced as a superseded
 * request instead of the end of an expired session.
 *
 * The same seed showed a home finishing a session takeover without a quorum: m4, cut off, had
 * asked the other managers about c2's session; a view change dropped the peers it waited for, and
 * it adopted the session alone and extended c2's lease (a KeepAlive acknowledgement at 22,993.962
 * ms) in a minority. A home now decides an adoption only with a quorum: m4 answers c2 nothing more,
 * and c2's reclaim is decided by a manager of the majority (m3) once the partition has healed
 * (25,029.8 ms).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice } from './world.js';

const fiveShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-5m-short-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('5m-short-lease seed 1063: a master without a quorum moves no copies', () => {
  const { result, events } = runTwice(fiveShort, 1063);

  it('m1@0 sends m3 no copy while cut off, and m2\u2019s rebuild ends c2\u2019s EX on a as expired', () => {
    expect(pick(events, 'send', { from: 'm1', to: 'm3', msg: 'ch-install' }).filter((e) => e.t > 11_000 && e.t < 13_000)).toEqual([]);
    expect(pick(events, 'dlm-reset', { gen: 1 }).filter((e) => e.node === 'm1').map((e) => e.t)).toEqual([12006.614]);
    expect(pick(events, 'release', { client: 'c2', resource: 'a', reason: 'superseded' }).map((e) => `${e.t} ${e.node}`)).toEqual(['8021.51 m4', '16997.656 m4']);
    // Only m2's end of c2's lock is traced: nothing ends it again when c2's reclaim is decided
    // after the heal (the lock c2 still believes it holds is known to no live manager then).
    expect(pick(events, 'expire', { client: 'c2', resource: 'a' }).map((e) => `${e.t} ${e.node}`)).toEqual(['23020.119 m2']);
  });

  it('m4, without a quorum, extends nothing of c2\u2019s session; a manager of the majority (m3) decides the reclaim after the heal', () => {
    const acks = pick(events, 'send', { to: 'c2', msg: 'ka-ack' }).filter((e) => e.t > 20_000 && e.t < 26_000);
    expect(acks.map((e) => `${e.t} ${e.node}`)).toEqual(['25029.771 m3']);
  });

  it('what is left is the late write of the short-lease kind, after the lease expired, as the checker says', () => {
    const late = result.violations.filter((v) => v.resource === 'a' && v.nodes[0] === 'c2');
    expect(late.map((v) => `${v.invariant} ${v.atMs}: ${v.message}`)).toEqual([
      "stale-write 25226.606: storage accepted c2's write (token 1010) at 25226.606 ms, but c2's lock on a ended at 23020.119 ms (expired)",
    ]);
    expect(pick(events, 'write', { client: 'c2', resource: 'a', token: 1010 }).map((e) => e.t)).toEqual([25226.606]);
    expect(result.violations.filter((v) => v.message.includes('superseded'))).toEqual([]);
    expect(result.traceHash).toBe('f74d24a40d6ea566');
  });
});
