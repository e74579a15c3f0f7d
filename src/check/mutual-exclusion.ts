/**
 * `mutual-exclusion` (DESIGN §4, INV-ME-grant of pitfalls §0): at every instant of true time the
 * grants the lock service considers live on a resource are pairwise compatible.
 *
 * The set of live grants only grows at a `grant` event, so checking each grant against the other
 * clients' live grants on the same resource (by the checker's own copy of the matrix) covers
 * every instant. A client's own earlier grant is replaced, never compared (a conversion keeps
 * one lock). What "granted" means is the producer's: the DLM master's grants with a live lease,
 * a Redlock client's majority within validity, the zk client that sees itself first.
 */
import type { Checker, CheckSink } from './checker.js';
import { GrantTable, type GrantRecord } from './grants.js';
import type { CheckedEvent, CheckedType } from './lock-event.js';
import { compatible } from './modes.js';
import { formatMs } from './violation.js';

export class MutualExclusionChecker implements Checker {
  readonly name = 'mutual-exclusion' as const;
  readonly reads: readonly CheckedType[] = ['grant', 'release', 'expire'];
  private readonly grants = new GrantTable();

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    switch (e.type) {
      case 'grant': {
        const { client, resource, mode } = e.fields;
        const conflicts: GrantRecord[] = [];
        for (const held of this.grants.holders(resource)) {
          if (held.client !== client && !compatible(held.mode, mode)) conflicts.push(held);
        }
        this.grants.grant(client, resource, mode, e.tUs, e.fields.token);
        if (conflicts.length > 0) {
          const holders = conflicts.map((h) => `${h.client} holds ${h.mode} (granted at ${formatMs(h.sinceUs)})`).join(', ');
          sink.violation({
            invariant: this.name,
            atUs: e.tUs,
            message: `${e.node} granted ${mode} on ${resource} to ${client} at ${formatMs(e.tUs)} while ${holders}: incompatible modes`,
            resource,
            nodes: [client, ...conflicts.map((h) => h.client)],
            seq: e.seq,
          });
        }
        return;
      }
      case 'release':
      case 'expire':
        this.grants.end(e.fields.client, e.fields.resource);
        return;
      default:
        return;
    }
  }

  finish(): void {
    // Every conflict is judged at the grant that creates it; nothing is left open at the end.
  }
}
