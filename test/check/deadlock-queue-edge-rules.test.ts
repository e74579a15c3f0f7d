/**
 * Rules of the `deadlock` invariant (src/check/deadlock.ts) for reported edges that hold through
 * the queues rather than through a conflicting grant: a queued conversion waits only for the
 * conversions queued ahead of it (rule CQ), none with NOORDER; a waiting request waits for every
 * queued conversion and the waiting requests ahead of it (rules P and NW), none with NOORDER or
 * EXPEDITE; a lock request not yet queued waits for everything queued; a cancel request does not
 * answer the lock request it cancels. Each case lists exactly the reasons the report is a phantom.
 */
import { describe, expect, it } from 'vitest';
import type { CycleEdge } from '../../src/vocabulary/index.js';
import { Stream, check } from './stream.js';

const edge = (node: string, resource: string, waitsFor: string, mode: CycleEdge['mode'] = 'EX'): CycleEdge => ({ node, resource, mode, waitsFor });

/** The phantom reasons of the reports in `s` (empty: every report held), one string per report. */
const phantoms = (s: Stream): string[] => check(s, ['deadlock'], { endMs: 100 }).violations.map((v) => v.message.replace(/^.*but at that instant /, ''));

/** c1 and c2 hold NL on r (blocking nobody) and queue conversions to EX, c1 first; `flags` are c2's. */
const twoConversions = (flags?: string[]): Stream =>
  new Stream().grant(0, 'c1', 'r', 'NL').grant(0, 'c2', 'r', 'NL').enqueue(5, 'c1', 'r', 'EX', 'converting').enqueue(6, 'c2', 'r', 'EX', 'converting', flags);

/** c0 holds NL on r; c1 then c2 queue new EX requests behind nothing that blocks them; `flags` are c2's. */
const twoWaiting = (flags?: string[]): Stream => new Stream().grant(0, 'c0', 'r', 'NL').enqueue(5, 'c1', 'r', 'EX').enqueue(6, 'c2', 'r', 'EX', 'waiting', flags);

const bothWays = (s: Stream): Stream => s.deadlock(20, 'c1', [edge('c1', 'r', 'c2'), edge('c2', 'r', 'c1')]);

describe('deadlock: queue edges of queued conversions (rule CQ)', () => {
  it('holds for a conversion queued behind another, not for the one ahead', () => {
    expect(phantoms(bothWays(twoConversions()))).toEqual(["c2's NL on r did not block c1's EX and had no request queued ahead of c1's: a phantom"]);
  });

  it('holds for neither when the later conversion carries NOORDER', () => {
    expect(phantoms(bothWays(twoConversions(['NOORDER'])))).toEqual([
      "c2's NL on r did not block c1's EX and had no request queued ahead of c1's; c1's NL on r did not block c2's EX and had no request queued ahead of c2's: a phantom",
    ]);
  });
});

describe('deadlock: queue edges of waiting requests (rules P and NW)', () => {
  it('holds for a request waiting behind another, not for the one ahead', () => {
    expect(phantoms(bothWays(twoWaiting()))).toEqual(["c2 held no lock on r and had no request queued ahead of c1's: a phantom"]);
  });

  it('holds for neither when the later request carries NOORDER, or EXPEDITE', () => {
    const neither = "c2 held no lock on r and had no request queued ahead of c1's; c1 held no lock on r and had no request queued ahead of c2's: a phantom";
    expect(phantoms(bothWays(twoWaiting(['NOORDER'])))).toEqual([neither]);
    expect(phantoms(bothWays(twoWaiting(['EXPEDITE'])))).toEqual([neither]);
  });

  it('holds for a waiting request behind a conversion queued after it', () => {
    const s = twoWaiting().enqueue(7, 'c0', 'r', 'EX', 'converting').deadlock(20, 'c2', [edge('c2', 'r', 'c0'), edge('c0', 'r', 'c2')]);
    expect(phantoms(s)).toEqual(["c2 held no lock on r and had no request queued ahead of c0's: a phantom"]);
  });
});

describe('deadlock: a lock request not yet queued', () => {
  /**
   * c1 and c2 hold PR on r, c3 waits there for EX; c4 holds EX on s, where c1 waits; c4 then sends a
   * CR lock request on r: behind c3's waiting request, so c4 → c3 → c1 → c4 is a real cycle.
   */
  const base = (): Stream =>
    new Stream().grant(0, 'c1', 'r', 'PR').grant(0, 'c2', 'r', 'PR').grant(0, 'c4', 's', 'EX').enqueue(5, 'c3', 'r', 'EX').enqueue(6, 'c1', 's', 'EX').request(10, 'c4', 'r', 'lock', 'CR');
  const report = (s: Stream): Stream => s.deadlock(20, 'c4', [edge('c4', 'r', 'c3', 'CR'), edge('c3', 'r', 'c1'), edge('c1', 's', 'c4')]);

  it('waits behind a waiting request queued before it was sent', () => {
    expect(phantoms(report(base()))).toEqual([]);
  });

  it('still waits after its client sends a cancel the service has not answered', () => {
    expect(phantoms(report(base().request(15, 'c4', 'r', 'cancel')))).toEqual([]);
  });
});
