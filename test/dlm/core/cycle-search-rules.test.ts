/**
 * §6 the pure parts of deadlock detection (src/dlm/core/deadlock.ts), rule by rule: the cycle
 * search follows a conflict edge to every pending request of the holder's owner but a queue edge
 * only to the request ahead; it answers with exactly the edges of the cycle (dead ends left out),
 * depth-first in edge order. The victim is the lowest priority, then the earliest queued, then the
 * earliest in event order.
 */
import { describe, expect, it } from 'vitest';
import { chooseVictim, findCycleThrough, orphanHolder, type EdgeKind, type EdgeView, type WaitForEdge } from '../../../src/dlm/core/deadlock.js';

interface E {
  name: string;
  waiter: number;
  waiterOwner: string;
  holder: number;
  holderOwner: string;
  kind: EdgeKind;
}

const view: EdgeView<E> = {
  waiter: (e) => e.waiter,
  waiterOwner: (e) => e.waiterOwner,
  holder: (e) => e.holder,
  holderOwner: (e) => e.holderOwner,
  kind: (e) => e.kind,
};

/** Edge `name`: request `waiter` of `waiterOwner` waits for `holderOwner` (conflict) or request `holder` (queue). */
const edge = (name: string, waiter: number, waiterOwner: string, kind: EdgeKind, holderOwner: string, holder = 0): E => ({ name, waiter, waiterOwner, holder, holderOwner, kind });
const names = (cycle: E[] | null): string[] | null => cycle?.map((e) => e.name) ?? null;

describe('§6 findCycleThrough', () => {
  it('finds nothing from a request that waits for nobody', () => {
    expect(findCycleThrough([edge('e', 2, 'b', 'conflict', 'a')], 1, view)).toBeNull();
    expect(findCycleThrough([], 1, view)).toBeNull();
  });

  it('follows a conflict edge to every pending request of the holder’s owner, in the order they first wait', () => {
    const edges = [edge('a1', 1, 'a', 'conflict', 'b'), edge('b2', 2, 'b', 'conflict', 'z'), edge('b3', 3, 'b', 'conflict', 'a')];
    expect(names(findCycleThrough(edges, 1, view))).toEqual(['a1', 'b3']);
  });

  it('follows a queue edge only to the request ahead, not to its owner’s other requests', () => {
    const queue = [edge('a1', 1, 'a', 'queue', 'b', 2), edge('b3', 3, 'b', 'conflict', 'a')];
    expect(findCycleThrough(queue, 1, view)).toBeNull();
    const through = [edge('a1', 1, 'a', 'queue', 'b', 3), edge('b3', 3, 'b', 'conflict', 'a')];
    expect(names(findCycleThrough(through, 1, view))).toEqual(['a1', 'b3']);
  });

  it('leaves dead ends out of the answer and takes the first cycle in edge order', () => {
    const edges = [
      edge('a-dead', 1, 'a', 'conflict', 'x'),
      edge('a-b', 1, 'a', 'conflict', 'b'),
      edge('a-c', 1, 'a', 'conflict', 'c'),
      edge('x-y', 5, 'x', 'conflict', 'y'),
      edge('b-a', 2, 'b', 'conflict', 'a'),
      edge('c-a', 4, 'c', 'conflict', 'a'),
    ];
    expect(names(findCycleThrough(edges, 1, view))).toEqual(['a-b', 'b-a']);
    expect(names(findCycleThrough(edges, 4, view))).toEqual(['c-a', 'a-c']);
  });

  it('does not revisit a request, so a cycle not through the start is no answer', () => {
    const edges = [edge('a-b', 1, 'a', 'conflict', 'b'), edge('b-c', 2, 'b', 'conflict', 'c'), edge('c-b', 3, 'c', 'conflict', 'b')];
    expect(findCycleThrough(edges, 1, view)).toBeNull();
    expect(names(findCycleThrough(edges, 2, view))).toEqual(['b-c', 'c-b']);
  });

  it('names an orphan’s holder after its former owner, so no request of a new owner of that name is waited for', () => {
    expect(orphanHolder('c7')).toBe('orphan of c7');
  });
});

describe('§6 chooseVictim', () => {
  const waiter = (waiterLockId: number, waiterPriority: number, waiterSinceUs: number, waiterSeq: number): WaitForEdge => ({
    kind: 'conflict',
    resource: 'r',
    waiterLockId,
    waiterOwner: `o${waiterLockId}`,
    waiterMode: 'EX',
    waiterPriority,
    waiterSinceUs,
    waiterSeq,
    holderLockId: 0,
    holderOwner: 'h',
    holderMode: 'EX',
    createdByLockId: waiterLockId,
    createdAtUs: waiterSinceUs,
  });
  const victim = (...cycle: WaitForEdge[]): number => chooseVictim(cycle).waiterLockId;

  it('takes the lowest priority first, whatever the times', () => {
    expect(victim(waiter(1, 2, 0, 0), waiter(2, 1, 50, 9), waiter(3, 3, 0, 0))).toBe(2);
    expect(victim(waiter(1, -1, 50, 9), waiter(2, 0, 0, 0))).toBe(1);
  });

  it('on a priority tie takes the earliest queued, then the earliest in event order', () => {
    expect(victim(waiter(1, 0, 20, 1), waiter(2, 0, 10, 5), waiter(3, 0, 15, 0))).toBe(2);
    expect(victim(waiter(1, 0, 10, 7), waiter(2, 0, 10, 3), waiter(3, 0, 10, 5))).toBe(2);
    expect(victim(waiter(1, 0, 10, 3), waiter(2, 0, 10, 3))).toBe(1);
  });

  it('refuses an empty cycle', () => {
    expect(() => chooseVictim([])).toThrow('a cycle has at least one edge');
  });
});
