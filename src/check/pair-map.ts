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
export class PairMap<V> {
  private readonly byResource = new Map<string, Map<string, V>>();
  private entries = 0;
  /** The last resource looked up and its inner map: a checker's next lookup is mostly the same. */
  private lastResource: string | undefined = undefined;
  private lastInner: Map<string, V> | undefined = undefined;

  private inner(resource: string): Map<string, V> | undefined {
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
      inner = new Map();
      this.byResource.set(resource, inner);
    } else if (inner.size === 0) {
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
    return this.byResource.get(resource)?.entries() ?? noEntries;
  }

  /** The values on one resource, in insertion order. */
  valuesOn(resource: string): Iterable<V> {
    return this.byResource.get(resource)?.values() ?? noEntries;
  }

  /** How many entries there are on `resource`. */
  countOn(resource: string): number {
    return this.byResource.get(resource)?.size ?? 0;
  }

  /** Every entry as [client, resource, value], resources in the order described above. */
  *all(): Generator<[string, string, V]> {
    for (const [resource, inner] of this.byResource) {
      for (const [client, value] of inner) yield [client, resource, value];
    }
  }

  get size(): number {
    return this.entries;
  }
}

const noEntries: readonly never[] = [];
