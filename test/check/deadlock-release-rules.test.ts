/**
 * Rules of the `deadlock` invariant (src/check/deadlock.ts) about edges that end: a released or
 * expired lock stops both waiting (its own queued request leaves the queue, unless the release is a
 * CONVDEADLK demotion) and blocking (queued requests on its resource no longer wait for it), and a
 * grant adds or removes the edges of the requests queued behind it by mode compatibility.
 */
import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

const cycleFindings = (s: Stream): string[] => check(s, ['deadlock'], { deadlockBoundMs: 1_000, endMs: 3_000 }).violations.map((v) => v.message.replace(/ formed at .*$/, ''));

describe('deadlock rules: edges that end', () => {
  it('a released lock no longer blocks a waiting request (its edge goes, the cycle through it breaks)', () => {
    // c2 waits on r for the PR of c1 and c3; c1 waits on s for c2's EX; c1 then releases r.
    const s = new Stream().grant(0, 'c1', 'r', 'PR').grant(0, 'c3', 'r', 'PR').grant(0, 'c2', 's', 'EX')
      .enqueue(10, 'c2', 'r', 'EX').enqueue(20, 'c1', 's', 'EX');
    expect(cycleFindings(s)).toEqual(['wait-for cycle c1 -(EX on s)-> c2 -(EX on r)-> c1']);
    expect(cycleFindings(s.release(30, 'c1', 'r'))).toEqual([]);
  });

  it('an expired lock no longer blocks a queued conversion (its edge goes, the cycle through it breaks)', () => {
    // c2 converts PR to EX on r behind the PR of c1 and c3; c1 waits on s for c2's EX; c1's r expires.
    const s = new Stream().grant(0, 'c1', 'r', 'PR').grant(0, 'c3', 'r', 'PR').grant(0, 'c2', 'r', 'PR').grant(0, 'c2', 's', 'EX')
      .enqueue(10, 'c2', 'r', 'EX', 'converting').enqueue(20, 'c1', 's', 'EX');
    expect(cycleFindings(s)).toEqual(['wait-for cycle c1 -(EX on s)-> c2 -(EX on r)-> c1']);
    expect(cycleFindings(s.expire(30, 'c1', 'r'))).toEqual([]);
  });

  it('a lock released while its conversion is queued stops waiting, but a CONVDEADLK demotion keeps it waiting', () => {
    // c1 converts PR to EX on r behind c2's PR; c2 waits on s for c1's EX.
    const base = () => new Stream().grant(0, 'c1', 'r', 'PR').grant(0, 'c2', 'r', 'PR').grant(0, 'c1', 's', 'EX')
      .enqueue(10, 'c1', 'r', 'EX', 'converting').enqueue(20, 'c2', 's', 'EX');
    expect(cycleFindings(base())).toEqual(['wait-for cycle c2 -(EX on s)-> c1 -(EX on r)-> c2']);
    expect(cycleFindings(base().release(30, 'c1', 'r'))).toEqual([]);
    expect(cycleFindings(base().release(30, 'c1', 'r', 'demote'))).toEqual(['wait-for cycle c2 -(EX on s)-> c1 -(EX on r)-> c2']);
  });

  it('a grant makes a queued request wait for the new holder only when their modes conflict', () => {
    // c2 queues EX on r behind c3's EX, which goes; then c1 is granted r; c1 waits on s for c2's EX.
    const base = (mode: 'EX' | 'NL') => new Stream().grant(0, 'c3', 'r', 'EX').grant(0, 'c2', 's', 'EX')
      .enqueue(10, 'c2', 'r', 'EX').release(15, 'c3', 'r').grant(16, 'c1', 'r', mode).enqueue(20, 'c1', 's', 'EX');
    expect(cycleFindings(base('EX'))).toEqual(['wait-for cycle c1 -(EX on s)-> c2 -(EX on r)-> c1']);
    expect(cycleFindings(base('NL'))).toEqual([]);
  });

  it('a grant makes a queued conversion wait for the new holder when their modes conflict', () => {
    // c2 converts PR to EX on r behind c3's PR; c1 is then granted PR on r; c1 waits on s for c2's EX; c3 goes.
    const s = new Stream().grant(0, 'c2', 'r', 'PR').grant(0, 'c3', 'r', 'PR').grant(0, 'c2', 's', 'EX')
      .enqueue(10, 'c2', 'r', 'EX', 'converting').grant(15, 'c1', 'r', 'PR').enqueue(20, 'c1', 's', 'EX').release(25, 'c3', 'r');
    expect(cycleFindings(s)).toEqual(['wait-for cycle c1 -(EX on s)-> c2 -(EX on r)-> c1']);
  });
});
