/**
 * Checkers built without the run's shared table keep a private one (TableChecker): they resolve
 * each event's lock in it themselves, so used alone they judge exactly as inside a CheckerSet.
 */
import { describe, expect, it } from 'vitest';
import { EarlyExpiryChecker, LivenessChecker, readEvent, type Violation } from '../../src/check/index.js';
import type { Checker } from '../../src/check/checker.js';
import { Stream, ms } from './stream.js';

/** Feed every event of `s` to `checker` alone, finish at `endMs`, and return the messages. */
function alone(checker: Checker, s: Stream, endMs: number): string[] {
  const found: Violation[] = [];
  const sink = { violation: (v: Violation) => found.push(v), observation: () => {} };
  for (const raw of s.events) checker.onEvent(readEvent(raw)!, sink);
  checker.finish(ms(endMs), sink);
  return found.map((v) => v.message);
}

describe('checkers with their own table', () => {
  it('liveness alone matches each answer to its own client and resource', () => {
    const s = new Stream().request(0, 'c1', 'a', 'lock', 'EX').request(0, 'c2', 'b', 'lock', 'EX').complete(5, 'c1', 'a', 'GRANTED', { mode: 'EX' });
    expect(alone(new LivenessChecker(ms(100), 0), s, 200)).toEqual([
      "c2's lock EX request on b (sent at 0.0 ms) was still unanswered at 100.0 ms, 100.0 ms after it was sent",
    ]);
  });

  it('early-expiry alone ends a belief at a crash of its lease-checking client', () => {
    const s = new Stream().grant(10, 'c1', 'a', 'EX').complete(12, 'c1', 'a', 'GRANTED', { mode: 'EX' }).expire(100, 'c1', 'a').crash(200, 'c1');
    expect(alone(new EarlyExpiryChecker(new Set(['c1'])), s, 400)).toEqual([
      "m1 expired c1's lock on a at 100.0 ms while c1's own lease on it still ran: it still trusted its lease until 200.0 ms (no lapse)",
    ]);
  });
});
