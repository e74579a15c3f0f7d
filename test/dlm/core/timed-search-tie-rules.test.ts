/**
 * §6.1 the timed search's order when queue time and event order disagree: requests are taken in
 * the order they timed out (their queue time, which a caller may give out of event order), and
 * only a tie of queue times falls back to event order — the order the requests were made, which
 * for conversions is not the order their locks were created. A victim's dequeue says why it ended.
 */
import { describe, expect, it } from 'vitest';
import { LockSpace } from '../../../src/dlm/core/index.js';
import { granted, queued } from './helpers.js';

const ms = 1000;

describe('§6.1 timed search order', () => {
  it('a request made later with an earlier queue time is searched first', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    for (const [owner, resource] of [['p1', 'a'], ['p2', 'b'], ['q1', 'c'], ['q2', 'd']] as const) granted(s, owner, resource, 'EX', { nowUs: 0 });
    // Cycle A is queued first in event order, at 5 and 6 ms; cycle B after it, at 1 and 2 ms.
    const p1 = queued(s, 'p1', 'b', 'EX', { nowUs: 5 * ms });
    queued(s, 'p2', 'a', 'EX', { nowUs: 6 * ms });
    const q1 = queued(s, 'q1', 'd', 'EX', { nowUs: 1 * ms });
    queued(s, 'q2', 'c', 'EX', { nowUs: 2 * ms });
    expect(s.findDeadlocks(30 * ms).map((d) => d.initiatorLockId)).toEqual([q1, p1]);
  });

  it('a tie of queue times goes by the order the requests were made, not lock ids', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    const x1 = granted(s, 'x1', 'a', 'PR', { nowUs: 0 });
    const x2 = granted(s, 'x2', 'b', 'PR', { nowUs: 0 });
    granted(s, 'x1', 'b', 'PR', { nowUs: 0 });
    granted(s, 'x2', 'a', 'PR', { nowUs: 0 });
    // The younger lock converts first, both at 5 ms.
    expect(s.convert(x2, 'EX', { nowUs: 5 * ms }).status).toBe('QUEUED');
    expect(s.convert(x1, 'EX', { nowUs: 5 * ms }).status).toBe('QUEUED');
    expect(s.findDeadlocks(20 * ms).map((d) => d.initiatorLockId)).toEqual([x2]);
  });
});

describe('§6.1 a victim chosen elsewhere', () => {
  it('leaves its queue with a dequeue whose reason is deadlock', () => {
    const s = new LockSpace();
    granted(s, 'h', 'r', 'EX');
    const w = queued(s, 'w', 'r', 'PR');
    s.clearEffects();
    expect(s.completeAsDeadlockVictim(w).status).toBe('DEADLOCK');
    expect(s.effects.filter((e) => e.type === 'dequeue')).toEqual([{ type: 'dequeue', lockId: w, owner: 'w', resource: 'r', mode: 'PR', reason: 'deadlock' }]);
  });
});
