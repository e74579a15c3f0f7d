/**
 * A session whose adoption fails is lost, and its client abandons the requests it still awaits
 * (ABORTED). A master that queued one ends it on the purge; one whose master and copy holder both
 * lost their state is known to nobody but the client, and the deciding home must end it
 * (`dequeue`, purge), or the queue keeps it ahead of every request that follows. Seeds of
 * scenarios/swarm-dlm-3m-short-lease-lock-delay.json (a copy as of the fix,
 * fixtures/swarm-dlm-3m-short-lease-lock-delay.json); each pins the trace hash the fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice } from './world.js';

const threeShortLockDelay = JSON.parse(
  readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8'),
) as ScenarioInput;
const fiveShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-5m-short-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-short-lease-lock-delay seed 1210: a request lost with its master and copy holder ends at the failed adoption', () => {
  // c3's EX request on `a` is queued at m1 (13,288 ms); m1 pauses and resets, m3 (c3's home and
  // copy holder) crashes. c3's session is lost and c3 abandons the request, but nothing ended it:
  // the queue kept it, and every later grant on `a` jumped it (grant-order from 29,955 ms on).
  // m2 rebuilds `a` and `b` after losing two managers at 26,955.11 ms, after the lost locks' lease
  // had run out, and holds both until 4 s (four KeepAlives) later, past the end of the run.
  it('m1, deciding the adoption, ends c3\u2019s request, and no grant jumps the queue', () => {
    const { result, events } = runTwice(threeShortLockDelay, 1210);
    expect(result.violations).toEqual([]);
    const ended = pick(events, 'dequeue', { client: 'c3', resource: 'a', reason: 'purge' }).map((e) => `${e.t} ${e.node}`);
    expect(ended).toEqual(['26929.301 m1']);
    expect(result.traceHash).toBe('a23f0456a0ab2124');
  });
});

describe('3m-short-lease-lock-delay seed 164: c3\u2019s request queued since 120.75 ms no longer stands ahead of c1\u2019s', () => {
  // m3 granted c1's new request at once on `a` while c3's request, lost with its master, stood
  // queued in the trace (grant-order, rule N). The stale write left after that fix is gone too:
  // c2's EX on a (token 2), whose master and copy holder were lost, was ended at once by the
  // adoption that failed at 6,140.113 ms, and c2's write landed after it at 6,529.558 ms; nobody
  // could be granted a before m3's hold ended it (16,027.784 ms), which it now does
  // (unknown-lock-hold.test.ts).
  it('m2 ends c3\u2019s request at 9,002.817 ms, and c2\u2019s late write lands while c2 still holds a', () => {
    const { result, events } = runTwice(threeShortLockDelay, 164);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'dequeue', { client: 'c3', resource: 'a', reason: 'purge' }).map((e) => `${e.t} ${e.node}`)).toEqual(['9002.817 m2']);
    expect(pick(events, 'write', { client: 'c2', resource: 'a', token: 2 }).map((e) => e.t)).toEqual([6529.558]);
    expect(pick(events, 'expire', { client: 'c2', resource: 'a' }).filter((e) => e.t < 16_027.784)).toEqual([]);
    expect(pick(events, 'release', { client: 'c2', resource: 'a', reason: 'superseded' }).map((e) => `${e.t} ${e.node}`)).toEqual(['16027.784 m3']);
    expect(result.traceHash).toBe('c5015e35e96bbda7');
  });
});

describe('3m-short-lease-lock-delay seed 706: a master cut off from the majority leaves its queued requests to the master that superseded it', () => {
  // m1, cut off with c1 and c2, is declared dead at 12,000 ms; m2 rebuilds `a` with c1, c3 and c4
  // waiting, c1 first. c1's session expires at its home m1, and m1, without a quorum, traced
  // c1's request on its own copy of `a` ended (14,005.951 ms): the queue in the trace lost c1
  // while m2 still had it first, and m2's grant to c1 read as a new request served ahead of c3
  // and c4 (grant-order). m1 now traces that end only once a quorum is back, which it never
  // regains at that generation.
  it('no dequeue of c1 on a before m2 grants it, and nothing jumps the queue', () => {
    const { result, events } = runTwice(threeShortLockDelay, 706);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'dequeue', { client: 'c1', resource: 'a' }).filter((e) => e.t < 15_019.532)).toEqual([]);
    expect(pick(events, 'grant', { client: 'c1', resource: 'a' }).map((e) => `${e.t} ${e.node}`)).toContain('15019.532 m2');
    // Re-pinned (was e35926fca42eab3c): m1's failed adoption of c2's session no longer traces a
    // third end of c2's EX on a (16,022.594 ms), already expired at 12,019.532 and 15,000 ms.
    expect(result.traceHash).toBe('ed63e829aae9aef9');
  });
});

describe('3m-short-lease-lock-delay seed 154: an unknown grant whose client unlocks it ends', () => {
  // m1 grants c1 EX on b (token 1) just as a one-way partition cuts it off from c1 and its home
  // m3; m1 is declared dead and resets, dropping the grant untraced. c1, paused meanwhile, learns
  // of the grant late, loses its session and unlocks b. m3 held b (two losses); its hold's end
  // ended only the grants of clients still asking, so c1's EX stood in the trace beside the PR m3
  // granted c4 (mutual-exclusion). A deferred unlock of a lock nobody knows now ends it at the
  // hold's end as well. Since c1's former copy holder keeps its copy until the new holder has it
  // (handed-over-copies.test.ts), and since a home decides an adoption only with a quorum, the run
  // goes otherwise: m1 is not reset then (m3 resets itself at 11,003.009 ms on regaining a quorum,
  // where it told m2 dead-to-me before the regain-quorum rule), m1 keeps mastering b, c1 learns of
  // its grant at 12,204 ms and unlocks it (m1 ends it at 12,336.39 ms) and goes on with its session;
  // the hold path this seed first showed is no longer reached by it.
  it('m1 keeps b and ends c1\u2019s grant at its unlock, and nothing overlaps', () => {
    const { result, events } = runTwice(threeShortLockDelay, 154);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'dlm-reset', {}).map((e) => `${e.t} ${e.node}`)).toEqual(['11003.009 m3', '19003.235 m1']);
    expect(pick(events, 'release', { client: 'c1', resource: 'b', reason: 'unlock' }).filter((e) => e.t < 12_900).map((e) => `${e.t} ${e.node}`)).toEqual(['12336.39 m1']);
    expect(pick(events, 'grant', { client: 'c1', resource: 'b' }).filter((e) => e.t < 12_900).map((e) => `${e.t} ${e.node} ${String(e.f.token)}`)).toEqual(['355.946 m1 1']);
    expect(result.traceHash).toBe('d0464c32d9256e8a');
  });
});

describe('5m-short-lease seed 1943: a grant its client never heard of is not overlapped by a later one', () => {
  // c2's home m2 crashes with c2's EX request on a queued at m1; m1, about to be cut off, expires
  // c1's lock and grants c2 (token 26), but the outcome goes to the dead m2 and c2 never hears of
  // it. m1 pauses, is declared dead and resets, dropping the grant untraced. m5 used to rebuild a
  // after losing two managers and hold it; its hold's end ended only the grants of clients still
  // asking there, so c2's EX stood in the trace beside the EX m5 granted c4 at 24,646.366 ms
  // (mutual-exclusion). A client whose session is over and who asks for nothing there now has its
  // unknown grant ended as well. Since death verdicts outlive resets (death-verdicts.test.ts) and
  // a home decides an adoption only with a quorum, the run takes another path: c2 is told nothing
  // more about a before the run ends, and m3, which rebuilt a after resetting, ends c2's grant
  // (superseded) when its hold is over at 29,557.351 ms; nobody else is granted a before that.
  it('m3 ends c2\u2019s grant (superseded) when its hold is over, no grant on a follows c2\u2019s, and nothing overlaps', () => {
    const { result, events } = runTwice(fiveShort, 1943);
    expect(result.violations.map((v) => v.invariant)).toEqual([]);
    expect(pick(events, 'complete', { client: 'c2', resource: 'a' }).filter((e) => e.t > 5_932.052)).toEqual([]);
    expect(pick(events, 'dlm-reset').map((e) => `${e.t} ${e.node}`)).toEqual(['17004.615 m4', '18008.495 m3', '18166 m1', '29524 m4']);
    const ended = pick(events, 'release', { client: 'c2', resource: 'a', reason: 'superseded' });
    expect(ended.map((e) => `${e.t} ${e.node}`)).toEqual(['29557.351 m3']);
    expect(pick(events, 'grant', { resource: 'a' }).filter((e) => e.t >= 10_008.41).map((e) => `${e.t} ${e.node} ${String(e.f.client)}`)).toEqual(['10008.41 m1 c2']);
    expect(result.traceHash).toBe('c4735501e165a2da');
  });
});

describe('3m-short-lease-lock-delay seeds 385, 1568, 1595 and 5m-short-lease 838: requests of sessions that are over end when the hold is over', () => {
  // In each, a root rebuilt after losing two managers kept, in the trace, a request (or a grant
  // its client never heard of) of a session lost meanwhile, whose client asked for nothing there
  // any more; every later grant jumped it (grant-order). The hold's end now ends them (release,
  // superseded) before the waiting requests are served.
  it.each([
    ['3m-short-lease-lock-delay', 385, '17020.106 m3', 8, '9025b78913976dfa', threeShortLockDelay],
    ['3m-short-lease-lock-delay', 1568, '17222.986 m3', 6, '81f6fabce428557c', threeShortLockDelay],
    ['3m-short-lease-lock-delay', 1595, '21020.074 m2', 8, '0ecbdcbdfb0f16c2', threeShortLockDelay],
    // Every manager resets by 15,010 ms here: each was declared dead by peers that held a quorum then.
    ['5m-short-lease', 838, '24025.788 m4', 4, 'a3abb7a98769fe42', fiveShort],
  ] as const)('%s seed %i: the hold ends at %s with %d requests or unknown grants ended, and no grant jumps the queue', (_name, seed, holdEnd, count, hash, configuration) => {
    const { result, events } = runTwice(configuration, seed);
    expect(result.violations).toEqual([]);
    const atHoldEnd = pick(events, 'release', { reason: 'superseded' }).filter((e) => `${e.t} ${e.node}` === holdEnd);
    expect(atHoldEnd.length).toBe(count);
    expect(result.traceHash).toBe(hash);
  });
});

describe('5m-short-lease seed 1793: no grant jumps the queue of a root rebuilt after the loss of two', () => {
  // The hold's end used to end three requests of lost sessions here (26,022.099 ms, m4). Since a
  // home decides an adoption only with a quorum, c2 is not told its session was lost in a minority:
  // believing it still holds a, it writes at 16,473.708 ms after m3's rebuild ended its expired lock
  // (14,021.788 ms), and nobody had written a since. That is the late write this configuration
  // expects (a 3 s lease outrun), the only violation left.
  it('only the late write of the short-lease kind is left', () => {
    const { result } = runTwice(fiveShort, 1793);
    expect(result.violations.map((v) => `${v.invariant} ${v.atMs}: ${v.message}`)).toEqual([
      "stale-write 16473.708: storage accepted c2's write (token 18) at 16473.708 ms, but c2's lock on a ended at 14021.788 ms (expired)",
    ]);
    expect(result.traceHash).toBe('dd8dce26bc6fa7e7');
  });
});
