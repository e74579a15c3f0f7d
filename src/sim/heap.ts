/**
 * A binary min-heap of {@link SimEvent}s ordered by (timeUs, seq).
 *
 * The event queue is the innermost loop of every run, so this is written to allocate nothing:
 * one backing array that only grows, hole-based sift-up/sift-down (one write per level instead
 * of a swap), and a comparison on two numeric fields of a monomorphic class. Because `seq` is
 * unique per event the order is total, so equal-time events pop in creation order regardless of
 * how the heap happens to be shaped — no reliance on an unstable structure.
 */
import type { SimEvent } from './event.js';

/** True when a must run before b. */
function before(a: SimEvent, b: SimEvent): boolean {
  return a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.seq < b.seq);
}

/** The queue behind the TimedScheduler: push and pop in O(log n), peek in O(1), no allocation. */
export class EventHeap {
  private readonly items: SimEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  push(ev: SimEvent): void {
    const items = this.items;
    let i = items.length;
    items.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!before(ev, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = ev;
  }

  /** The earliest event, without removing it. */
  peek(): SimEvent | undefined {
    return this.items[0];
  }

  pop(): SimEvent | undefined {
    const items = this.items;
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (n > 1) this.siftDown(last, n - 1);
    return top;
  }

  /**
   * Remove the first event and add `ev` (which may be the first event itself, re-keyed): one
   * sift-down, where pop() then push() would sift down and then up. The heap must not be empty.
   */
  replaceTop(ev: SimEvent): void {
    const size = this.items.length;
    if (size === 0) throw new RangeError('lockstep: EventHeap.replaceTop on an empty heap');
    this.siftDown(ev, size);
  }

  /** Put `ev` in the hole at the root of the first `size` items, moving it down to its place. */
  private siftDown(ev: SimEvent, size: number): void {
    const items = this.items;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      let c = l;
      let child = items[l]!;
      if (r < size) {
        const right = items[r]!;
        if (before(right, child)) {
          c = r;
          child = right;
        }
      }
      if (!before(child, ev)) break;
      items[i] = child;
      i = c;
    }
    items[i] = ev;
  }

  snapshot(): readonly SimEvent[] {
    return this.items.slice();
  }
}
