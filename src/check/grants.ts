/**
 * The lock service's grants as the events state them, keyed by (resource, client).
 *
 * A `grant` replaces the client's mode on the resource (a conversion is a grant in the new mode);
 * `release` and `expire` end it. Several checkers need this view; each owns its own table so that
 * enabling one invariant never depends on another being enabled.
 */
import type { ModeName } from './events.js';
import { PairMap } from './pair-map.js';

/** One live grant. */
export interface GrantRecord {
  readonly client: string;
  readonly mode: ModeName;
  /** True time of the grant event that set this mode. */
  readonly sinceUs: number;
  readonly token: number | undefined;
}

/** Live grants per resource, in insertion (first grant) order. */
export class GrantTable {
  private readonly table = new PairMap<GrantRecord>();

  /** Record that `client` now holds `mode` on `resource`; returns the grant it replaces, if any. */
  grant(client: string, resource: string, mode: ModeName, atUs: number, token: number | undefined): GrantRecord | undefined {
    const previous = this.table.get(client, resource);
    this.table.set(client, resource, { client, mode, sinceUs: atUs, token });
    return previous;
  }

  /** End `client`'s grant on `resource`; returns the grant that ended, if there was one. */
  end(client: string, resource: string): GrantRecord | undefined {
    const previous = this.table.get(client, resource);
    if (previous !== undefined) this.table.delete(client, resource);
    return previous;
  }

  get(client: string, resource: string): GrantRecord | undefined {
    return this.table.get(client, resource);
  }

  /** The live grants on `resource`, in first-grant order. Do not change the table while iterating. */
  holders(resource: string): Iterable<GrantRecord> {
    return this.table.valuesOn(resource);
  }

  /** How many clients hold a live grant on `resource`. */
  count(resource: string): number {
    return this.table.countOn(resource);
  }
}
