/**
 * The search's frontier: a binary min-heap by (key, order of insertion) for the breadth-first
 * search by kernel events, a stack for depth first. The heap's ties go to the older entry, so
 * among paths of equal length the one with fewer decisions comes first.
 */

/** What the frontier orders by. */
export interface Keyed {
  /** Kernel events before the entry's last decision (a lower bound of the events its path runs). */
  readonly key: number;
}

/** A frontier of pending entries. */
export interface Frontier<T extends Keyed> {
  push(item: T): void;
  pop(): T | undefined;
  /** The smallest key pending; Infinity when empty, and always for a stack (which does not order by key). */
  minKey(): number;
  readonly size: number;
}

/** Last in, first out. */
export class StackFrontier<T extends Keyed> implements Frontier<T> {
  private readonly items: T[] = [];

  push(item: T): void {
    this.items.push(item);
  }

  pop(): T | undefined {
    return this.items.pop();
  }

  minKey(): number {
    return Infinity;
  }

  get size(): number {
    return this.items.length;
  }
}

/** Smallest key first, then first in. */
export class HeapFrontier<T extends Keyed> implements Frontier<T> {
  private readonly items: T[] = [];
  private readonly orders: number[] = [];
  private next = 0;

  push(item: T): void {
    const items = this.items;
    const orders = this.orders;
    let at = items.length;
    items.push(item);
    orders.push(this.next++);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.less(at, parent)) break;
      this.swap(at, parent);
      at = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const lastItem = items.pop()!;
    const lastOrder = this.orders.pop()!;
    if (items.length > 0) {
      items[0] = lastItem;
      this.orders[0] = lastOrder;
      this.siftDown(0);
    }
    return top;
  }

  minKey(): number {
    return this.items.length === 0 ? Infinity : this.items[0]!.key;
  }

  get size(): number {
    return this.items.length;
  }

  private siftDown(from: number): void {
    const length = this.items.length;
    let at = from;
    for (;;) {
      const left = at * 2 + 1;
      if (left >= length) return;
      const right = left + 1;
      const child = right < length && this.less(right, left) ? right : left;
      if (!this.less(child, at)) return;
      this.swap(child, at);
      at = child;
    }
  }

  private less(a: number, b: number): boolean {
    const keyA = this.items[a]!.key;
    const keyB = this.items[b]!.key;
    return keyA < keyB || (keyA === keyB && this.orders[a]! < this.orders[b]!);
  }

  private swap(a: number, b: number): void {
    const items = this.items;
    const orders = this.orders;
    const item = items[a]!;
    items[a] = items[b]!;
    items[b] = item;
    const order = orders[a]!;
    orders[a] = orders[b]!;
    orders[b] = order;
  }
}
