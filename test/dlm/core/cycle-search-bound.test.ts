/**
 * §6 the cycle search's step bound is ample: a search from a request on no cycle that reaches a
 * dense deadlocked region (two owners, each of whose many pending requests waits for the other)
 * walks every successor list there — quadratic in the requests — and still ends with no cycle,
 * rather than tripping the invariant that bounds the walk.
 */
import { describe, expect, it } from 'vitest';
import { findCycleThrough, type EdgeKind, type EdgeView } from '../../../src/dlm/core/deadlock.js';

interface E {
  waiter: number;
  waiterOwner: string;
  holderOwner: string;
  kind: EdgeKind;
}

const view: EdgeView<E> = {
  waiter: (e) => e.waiter,
  waiterOwner: (e) => e.waiterOwner,
  holder: () => 0,
  holderOwner: (e) => e.holderOwner,
  kind: (e) => e.kind,
};

describe('§6 findCycleThrough bound', () => {
  it('a search that walks a dense region of two mutually waiting owners ends with no cycle through the start', () => {
    const perOwner = 16;
    const edges: E[] = [{ waiter: 0, waiterOwner: 's', holderOwner: 'a', kind: 'conflict' }];
    for (let i = 1; i <= perOwner; i++) edges.push({ waiter: i, waiterOwner: 'a', holderOwner: 'b', kind: 'conflict' });
    for (let i = 1; i <= perOwner; i++) edges.push({ waiter: perOwner + i, waiterOwner: 'b', holderOwner: 'a', kind: 'conflict' });
    expect(findCycleThrough(edges, 0, view)).toBeNull();
    // From a request inside the region the first cycle is found at once: a's first request, b's first.
    expect(findCycleThrough(edges, 1, view)?.map((e) => e.waiter)).toEqual([1, perOwner + 1]);
  });
});
