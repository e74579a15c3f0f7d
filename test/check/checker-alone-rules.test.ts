/**
 * Every checker built without the run's shared table keeps a private one (TableChecker), resolving
 * each event's lock in it and committing each grant and end to it itself: used alone it judges
 * exactly as inside a CheckerSet. Each case needs both the resolve (the checker reads the event's
 * lock) and the commit (the judgement depends on a grant or an end before it).
 */
import { describe, expect, it } from 'vitest';
import { BeliefOverlapChecker, FencingChecker, LockDelayChecker, MutualExclusionChecker, StaleWriteChecker, ValueBlockChecker, createCheckers, readEvent, type InvariantName } from '../../src/check/index.js';
import type { Checker } from '../../src/check/checker.js';
import { Stream, check as checkStream, ms } from './stream.js';

/** Feed every event of `s` to `checker` alone, finish at `endMs`, and return its violation messages and observations. */
function alone(checker: Checker, s: Stream, endMs: number): { messages: string[]; observations: unknown[] } {
  const messages: string[] = [];
  const observations: unknown[] = [];
  const sink = { violation: (v: { message: string }) => messages.push(v.message), observation: (o: unknown) => observations.push(o) };
  for (const raw of s.events) {
    const e = readEvent(raw);
    if (e !== null && checker.reads.includes(e.type)) checker.onEvent(e, sink);
  }
  checker.finish(ms(endMs), sink);
  return { messages, observations };
}

/** The violation messages of `invariant` judged inside a CheckerSet. */
const inSet = (s: Stream, invariant: InvariantName): string[] => checkStream(s, [invariant]).violations.map((v) => v.message);

describe('checkers alone judge as in a CheckerSet', () => {
  it('mutual-exclusion: the holder the first grant made blocks the second; a release is not judged as a grant', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX').grant(5, 'c2', 'file', 'EX').release(6, 'c2', 'file');
    const expected = ['m1 granted EX on file to c2 at 5.0 ms while c1 holds EX (granted at 0.0 ms): incompatible modes'];
    expect(alone(new MutualExclusionChecker(), s, 10).messages).toEqual(expected);
    expect(inSet(s, 'mutual-exclusion')).toEqual(expected);
  });

  it('stale-write: a write after the release names how the lock ended', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'PW').write(5, 'c1', 'file', 'a').release(10, 'c1', 'file', 'unlock').write(20, 'c1', 'file', 'b');
    const expected = ["storage accepted c1's write (no token) at 20.0 ms, but c1's lock on file ended at 10.0 ms (released: unlock)"];
    expect(alone(new StaleWriteChecker(), s, 30).messages).toEqual(expected);
    expect(inSet(s, 'stale-write')).toEqual(expected);
  });

  it('fencing: a restated live token passes, a lower token after the release does not', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX', { token: 5 }).grant(1, 'c1', 'file', 'EX', { token: 5 }).release(2, 'c1', 'file').grant(3, 'c2', 'file', 'EX', { token: 4 });
    const expected = ['m1 issued token 4 to c2 for file at 3.0 ms, not above token 5 issued to c1 at 0.0 ms: tokens must strictly increase in grant order'];
    expect(alone(new FencingChecker(), s, 10).messages).toEqual(expected);
    expect(inSet(s, 'fencing')).toEqual(expected);
  });

  it('value-block: the expiry of a PW holder that took part invalidates the block', () => {
    const s = new Stream().grant(1, 'c1', 'file', 'PW', { value: '' }).grant(2, 'c9', 'file', 'NL', { value: '' }).expire(10, 'c1', 'file').grant(20, 'c2', 'file', 'PR', { value: '' });
    const expected = ['m1 granted PR on file to c2 at 20.0 ms with value block "", not flagged VALNOTVALID, but the value block was invalidated at 10.0 ms (c1\'s PW lock expired)'];
    expect(alone(new ValueBlockChecker(), s, 30).messages).toEqual(expected);
    expect(inSet(s, 'value-block')).toEqual(expected);
  });

  it('lock-delay: a grant within the delay is judged, a release within it is not', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX').grant(0, 'c3', 'file', 'NL').expire(10, 'c1', 'file').release(11, 'c3', 'file').grant(12, 'c2', 'file', 'EX');
    const expected = ["m1 granted EX on file to c2 at 12.0 ms, 2.0 ms after c1's EX lock on it expired (at 10.0 ms): the lock-delay of 5.0 ms had not passed"];
    expect(alone(new LockDelayChecker(ms(5)), s, 20).messages).toEqual(expected);
    const set = createCheckers({ invariants: ['lock-delay'], livenessUs: ms(60_000), healUs: 0, lockDelayUs: ms(5) });
    for (const e of s.events) set.onEvent(e);
    set.finish(ms(20));
    expect(set.violations.map((v) => v.message)).toEqual(expected);
  });

  it('belief-overlap: two EX beliefs overlap until the first unlock request', () => {
    const s = new Stream().complete(0, 'c1', 'r', 'GRANTED', { mode: 'EX' }).complete(5, 'c2', 'r', 'GRANTED', { mode: 'EX' }).request(8, 'c1', 'r', 'unlock');
    const expected = [{ kind: 'belief-overlap', fromUs: 5_000, toUs: 8_000, resource: 'r', nodes: ['c1', 'c2'] }];
    expect(alone(new BeliefOverlapChecker(), s, 20).observations).toEqual(expected);
    expect(checkStream(s, [], { endMs: 20 }).observations).toEqual(expected);
  });
});
