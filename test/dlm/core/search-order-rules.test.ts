/**
 * §6.1 when and in which order the timed search runs: it takes a time like every operation, it
 * resolves cycles in the order their requests timed out (queue time, then event order), not in
 * lock-id order, and the next search is due when the earliest pending request times out, or one
 * wait after now for requests that already have.
 */
import { describe, expect, it } from 'vitest';
import { LockSpace } from '../../../src/dlm/core/index.js';
import { granted, queued } from './helpers.js';

const ms = 1000;

describe('§6.1 timed search order', () => {
  it('refuses a search at a time that is not one', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    expect(() => s.findDeadlocks(-1)).toThrow(new RangeError('nowUs must be a finite number >= 0'));
    expect(() => s.findDeadlocks(Number.NaN)).toThrow(RangeError);
  });

  it('resolves first the cycle whose request timed out first, even when its locks are younger', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    // Old locks 1-4, whose conversions are queued late (cycle X, at 5 and 6 ms).
    const x1 = granted(s, 'x1', 'a', 'PR', { nowUs: 0 });
    const x2 = granted(s, 'x2', 'b', 'PR', { nowUs: 0 });
    granted(s, 'x1', 'b', 'PR', { nowUs: 0 });
    granted(s, 'x2', 'a', 'PR', { nowUs: 0 });
    // Cycle Y from new requests queued early (1 and 2 ms), locks 5-8.
    granted(s, 'y1', 'p', 'EX', { nowUs: 0 });
    granted(s, 'y2', 'q', 'EX', { nowUs: 0 });
    const y1 = queued(s, 'y1', 'q', 'EX', { nowUs: 1 * ms });
    queued(s, 'y2', 'p', 'EX', { nowUs: 2 * ms });
    expect(s.convert(x1, 'EX', { nowUs: 5 * ms }).status).toBe('QUEUED');
    expect(s.convert(x2, 'EX', { nowUs: 6 * ms }).status).toBe('QUEUED');
    const found = s.findDeadlocks(30 * ms);
    expect(found.map((d) => d.initiatorLockId)).toEqual([y1, x1]);
  });

  it('breaks a tie of queue times by event order', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    granted(s, 'c1', 'a', 'EX', { nowUs: 0 });
    granted(s, 'c2', 'b', 'EX', { nowUs: 0 });
    const w2 = queued(s, 'c2', 'a', 'EX', { nowUs: 1 * ms });
    queued(s, 'c1', 'b', 'EX', { nowUs: 1 * ms });
    expect(s.findDeadlocks(11 * ms).map((d) => d.initiatorLockId)).toEqual([w2]);
  });

  it('schedules the next search at the earliest time-out, or one wait after now for requests already timed out', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    granted(s, 'h', 'r', 'EX', { nowUs: 0 });
    queued(s, 'w1', 'r', 'EX', { nowUs: 5 * ms });
    queued(s, 'w2', 'r', 'PR', { nowUs: 3 * ms });
    expect(s.nextDeadlockSearchUs(0)).toBe(13 * ms);
    expect(s.nextDeadlockSearchUs(13 * ms)).toBe(15 * ms);
    expect(s.nextDeadlockSearchUs(15 * ms)).toBe(25 * ms);
  });
});
