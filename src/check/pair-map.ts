/**
 * A map keyed by (client, resource) pairs, the key of almost every piece of checker state
 * (one lock per client per resource, DESIGN §5.5). Nested maps rather than joined strings, so no
 * resource or client name can collide with another pair's key. Iteration is in insertion order.
 */
export class PairMap<V> {
  private readonly byResource = new Map<string, Map<string, V>>();
  private entries = 0;

  get(client: string, resource: string): V | undefined {
    return this.byResource.get(resource)?.get(client);
  }

  set(client: string, resource: string, value: V): void {
    let inner = this.byResource.get(resource);
    if (inner === undefined) {
      inner = new Map();
      this.byResource.set(resource, inner);
    }
    if (!inner.has(client)) this.entries++;
    inner.set(client, value);
  }

  delete(client: string, resource: string): boolean {
    const inner = this.byResource.get(resource);
    if (inner === undefined || !inner.delete(client)) return false;
    this.entries--;
    if (inner.size === 0) this.byResource.delete(resource);
    return true;
  }

  /** The entries on one resource, as [client, value], in insertion order. */
  onResource(resource: string): Iterable<[string, V]> {
    return this.byResource.get(resource)?.entries() ?? [];
  }

  /** How many entries there are on `resource`. */
  countOn(resource: string): number {
    return this.byResource.get(resource)?.size ?? 0;
  }

  /** Every entry as [client, resource, value], resources in first-insertion order. */
  *all(): Generator<[string, string, V]> {
    for (const [resource, inner] of this.byResource) {
      for (const [client, value] of inner) yield [client, resource, value];
    }
  }

  get size(): number {
    return this.entries;
  }
}
