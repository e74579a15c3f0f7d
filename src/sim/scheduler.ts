/**
 * The one place where "which enabled event runs next" is decided (DESIGN §2).
 *
 * The kernel hands every event it creates to a {@link Scheduler} and runs whatever `pop()`
 * returns, at max(current time, event time) so that time never goes backwards. Processes never
 * see the scheduler. The timed scheduler below pops strictly by (time, seq), which is what a
 * seeded simulation run uses. An exploring scheduler for exhaustive model checking can replace
 * it without touching any process: it keeps the same queue, but `pop()` returns the event its
 * search chose among the enabled ones (for instance every non-cancelled event due at the
 * earliest time, or any in-flight delivery), and it may hash the world state between pops.
 */
import type { SimEvent } from './event.js';
import { EventHeap } from './heap.js';

/**
 * Chooses which queued event runs next. The kernel assigns `seq` before `push`, skips events
 * marked `cancelled`, and reuses delivery events once they have run: a scheduler must not keep
 * references to events it has popped.
 */
export interface Scheduler {
  /** Accept a new event (its seq is already assigned). */
  push(ev: SimEvent): void;
  /** Remove and return the event to run next; undefined when nothing is queued. */
  pop(): SimEvent | undefined;
  /** The time of the event `pop()` would return next; Infinity when empty. */
  peekTimeUs(): number;
  /** Queued events, including cancelled ones not yet discarded. */
  readonly size: number;
  /**
   * Optional, with `replaceTop`: the event `pop()` would return, left in the queue. A scheduler
   * that has both lets the kernel run a delivery before removing it, and then remove it and add
   * the reply its handler sent in one step (a heap's sift-down, instead of a pop's sift-down and
   * a push's sift-up). The result is the same as pop-then-push: the order is total.
   */
  peek?(): SimEvent | undefined;
  /** Remove the event `peek()` returned (still the first: nothing was added since) and add `ev`. */
  replaceTop?(ev: SimEvent): void;
}

/** Pops the minimum (timeUs, seq): the ordinary seeded-simulation scheduler. */
export class TimedScheduler implements Scheduler {
  private readonly heap = new EventHeap();

  get size(): number {
    return this.heap.size;
  }

  push(ev: SimEvent): void {
    this.heap.push(ev);
  }

  pop(): SimEvent | undefined {
    return this.heap.pop();
  }

  peek(): SimEvent | undefined {
    return this.heap.peek();
  }

  replaceTop(ev: SimEvent): void {
    this.heap.replaceTop(ev);
  }

  peekTimeUs(): number {
    const top = this.heap.peek();
    return top === undefined ? Infinity : top.timeUs;
  }

  /** Every queued event (heap order), valid until the next pop; for exploring schedulers and debugging. */
  pending(): readonly SimEvent[] {
    return this.heap.snapshot();
  }
}
