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
import type { CheckedEvent, CheckedType, LockEvent } from './lock-event.js';
import { LockTable, TableChecker, readsFor, type LockState } from './lock-table.js';
import { compatible } from './modes.js';
import { formatUs } from '../sim/index.js';

export class MutualExclusionChecker extends TableChecker implements Checker {
  readonly name = 'mutual-exclusion' as const;
  readonly reads: readonly CheckedType[];

  /** @param shared the run's table, committed by the CheckerSet; omit to keep a private one */
  constructor(shared?: LockTable) {
    super(shared);
    // The table it reads: the grants (strict view): a `release` of any reason, or an `expire`, ends
    // one.
    this.reads = readsFor(['grant'], shared);
  }

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    const own = this.own;
    if (own !== null) own.resolve(e);
    if (e.type === 'grant') this.judgeGrant(e, sink);
    if (own !== null) own.commit(e);
  }

  private judgeGrant(e: Extract<LockEvent, { type: 'grant' }>, sink: CheckSink): void {
    const lock = this.table.lock!;
    const { client, resource, mode } = e.fields;
    // The array is made only for a conflict: a clean grant allocates nothing.
    let conflicts: LockState[] | undefined;
    const holders = lock.res.holders;
    for (let i = 0; i < holders.length; i++) {
      const held = holders[i]!;
      if (held !== lock && held.granted && !compatible(held.mode!, mode)) (conflicts ??= []).push(held);
    }
    if (conflicts === undefined) return;
    // Listed in the order the grants became live.
    conflicts.sort((a, b) => a.grantOrder - b.grantOrder);
    const holdersText = conflicts.map((h) => `${h.client} holds ${h.mode!} (granted at ${formatUs(h.grantedUs)})`).join(', ');
    sink.violation({
      invariant: this.name,
      atUs: e.tUs,
      message: `${e.node} granted ${mode} on ${resource} to ${client} at ${formatUs(e.tUs)} while ${holdersText}: incompatible modes`,
      resource,
      nodes: [client, ...conflicts.map((h) => h.client)],
      seq: e.seq,
    });
  }

  finish(): void {
    // Every conflict is judged at the grant that creates it; nothing is left open at the end.
  }
}
