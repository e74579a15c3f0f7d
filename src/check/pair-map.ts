/**
 * A map keyed by (client, resource) pairs, the key of almost every piece of checker state
 * (one lock per client per resource, DESIGN §5.5). Nested maps rather than joined strings, so no
 * resource or client name can collide with another pair's key, and no key is built per event.
 *
 * Iteration is in insertion order, resources in the order they last went from no entry to one
 * (as if a resource were dropped when its last entry goes). A resource's inner map is kept when
 * it empties, and only moved to the end when it fills again: locks come and go on the same few
 * resources all run long, and a new map per first lock would be most of the cost. So memory is
 * bounded by the number of distinct resources named, like the rest of the checkers' state.
 */
/**
 * The first key of every inner map, never removed (and never equal to a client name): a Map
 * that empties shrinks its table and regrows it on the next insertion, which would cost a
 * runtime call and an allocation every time a resource's last lock ends.
 */
const keeper: unique symbol = Symbol('PairMap.keeper');

type Inner<V> = Map<string | typeof keeper, V | undefined>;

export class PairMap<V> {
  private readonly byResource = new Map<string, Inner<V>>();
  private entries = 0;
  /** The last resource looked up and its inner map: a checker's next lookup is mostly the same. */
  private lastResource: string | undefined = undefined;
  private lastInner: Inner<V> | undefined = undefined;

  private inner(resource: string): Inner<V> | undefined {
    if (resource === this.lastResource) return this.lastInner;
    const inner = this.byResource.get(resource);
    if (inner !== undefined) {
      this.lastResource = resource;
      this.lastInner = inner;
    }
    return inner;
  }

  get(client: string, resource: string): V | undefined {
    const inner = this.inner(resource);
    return inner === undefined ? undefined : inner.get(client);
  }

  set(client: string, resource: string, value: V): void {
    let inner = this.inner(resource);
    if (inner === undefined) {
      inner = new Map([[keeper, undefined]]);
      this.byResource.set(resource, inner);
    } else if (inner.size === 1) {
      // Filling again: to the end of the resource order, where a new map would go.
      this.byResource.delete(resource);
      this.byResource.set(resource, inner);
    }
    const before = inner.size;
    inner.set(client, value);
    this.entries += inner.size - before;
  }

  delete(client: string, resource: string): boolean {
    const inner = this.inner(resource);
    if (inner === undefined || !inner.delete(client)) return false;
    this.entries--;
    return true;
  }

  /** The entries on one resource, as [client, value], in insertion order. */
  onResource(resource: string): Iterable<[string, V]> {
    const inner = this.byResource.get(resource);
    if (inner === undefined) return noEntries;
    const it = inner.entries();
    it.next(); // the keeper
    return it as IterableIterator<[string, V]>;
  }

  /** The values on one resource, in insertion order. */
  valuesOn(resource: string): Iterable<V> {
    const inner = this.byResource.get(resource);
    if (inner === undefined) return noEntries;
    const it = inner.values();
    it.next(); // the keeper
    return it as IterableIterator<V>;
  }

  /** How many entries there are on `resource`. */
  countOn(resource: string): number {
    const inner = this.byResource.get(resource);
    return inner === undefined ? 0 : inner.size - 1;
  }

  /** Every entry as [client, resource, value], resources in the order described above. */
  *all(): Generator<[string, string, V]> {
    for (const [resource, inner] of this.byResource) {
      for (const [client, value] of inner) if (client !== keeper) yield [client, resource, value as V];
    }
  }

  get size(): number {
    return this.entries;
  }
}

const noEntries: readonly never[] = [];
