/**
 * `hold-end` (src/vocabulary/lock-events.ts): a DLM master that rebuilt a root after losing
 * several managers holds it until every grant the lost managers made beyond the copies has run out,
 * and then ends them all, although it may never have heard of their clients (their master, copy
 * holder and home all lost their state). The checkers read the event as an `expire` of every grant
 * on its resource whose client is not `kept`. Without it, such a grant stands in the checkers'
 * table forever, and the rebuilt master's next grant looks like a second holder.
 */
import { describe, expect, it } from 'vitest';
import { CheckerSet, CheckError, LockDelayChecker, MutualExclusionChecker, StaleWriteChecker, readEvent } from '../../src/check/index.js';
import { check, Stream } from './stream.js';

/** c2 holds EX on a and PR on b from a lost master; m2 ends its hold on a at 4 ms, keeping `kept`, and grants c1 EX on a. */
function lostGrant(kept: string[] | null): Stream {
  const s = new Stream().grant(1, 'c2', 'a', 'EX', { token: 26 }).grant(1.5, 'c2', 'b', 'PR').grant(2, 'c3', 'a', 'NL');
  if (kept !== null) s.holdEnd(4, 'a', kept, 'm2');
  return s.grant(4, 'c1', 'a', 'EX', { token: 1027, recovery: true }, 'm2');
}

describe('hold-end: the end of a rebuilt root\u2019s hold ends every grant on it that the master does not keep', () => {
  it('broken variant: without the hold-end, the grant nobody could name stands, and the rebuilt master\u2019s grant is a double EX', () => {
    const set = check(lostGrant(null), ['mutual-exclusion']);
    expect(set.violations.map((v) => v.message)).toEqual(['m2 granted EX on a to c1 at 4.0 ms while c2 holds EX (granted at 1.0 ms): incompatible modes']);
  });

  it('with it, c2\u2019s EX on a (and c3\u2019s NL) end before c1 is granted, and c2\u2019s PR on b goes on', () => {
    const s = lostGrant([]).grant(5, 'c4', 'b', 'EX');
    const set = check(s, ['mutual-exclusion', 'grant-order', 'value-block', 'deadlock', 'fencing']);
    expect(set.violations.map((v) => v.message)).toEqual(['m1 granted EX on b to c4 at 5.0 ms while c2 holds PR (granted at 1.5 ms): incompatible modes']);
  });

  it('a kept client\u2019s grant goes on', () => {
    const set = check(lostGrant(['c2']), ['mutual-exclusion']);
    expect(set.violations.map((v) => v.invariant)).toEqual(['mutual-exclusion']);
  });

  it('is an expiry: a later write under the ended grant is a write after expiry, and the lock-delay starts', () => {
    const set = check(lostGrant([]).write(6, 'c2', 'a', 'c2', 26), ['stale-write']);
    expect(set.violations.map((v) => v.message)).toEqual([
      "storage accepted c2's write (token 26) at 6.0 ms, but c2's lock on a ended at 4.0 ms (expired); c1 holds EX since 4.0 ms",
    ]);
    const delayed = new CheckerSet([new LockDelayChecker(1000)]);
    for (const e of lostGrant([]).events) delayed.onEvent(e);
    delayed.finish(4000);
    expect(delayed.violations.map((v) => v.invariant)).toEqual(['lock-delay']);
  });

  it('reaches checkers that keep their own tables too', () => {
    const set = new CheckerSet([new MutualExclusionChecker(), new StaleWriteChecker()]);
    for (const e of lostGrant([]).events) set.onEvent(e);
    set.finish(4000);
    expect(set.violations).toEqual([]);
  });

  it('names its resource and the kept clients, or the checkers throw', () => {
    expect(() => readEvent({ seq: 1, tUs: 0, node: 'm2', type: 'hold-end', fields: { resource: 'a' } })).toThrow(CheckError);
    expect(() => readEvent({ seq: 1, tUs: 0, node: 'm2', type: 'hold-end', fields: { resource: 'a', kept: [1] } })).toThrow(CheckError);
    expect(() => readEvent({ seq: 1, tUs: 0, node: 'm2', type: 'hold-end', fields: { kept: [] } })).toThrow(CheckError);
  });
});
