/**
 * `early-expiry` (opt-in): the lock service never ends a lock by expiry while its holder's own
 * lease on it still runs. A client that checks its lease before acting (`checkLease`) trusts the
 * lock until its local deadline — the lease counted from when it *sent* the renewal the service
 * answered, less a margin for clock drift — passes on its own clock (its `lapse` mark). That is
 * only safe if the service's lease outlives the client's: Chubby's rule that the master's lease
 * timeout is never shorter than the client's local one. A service lease that ends early (counted
 * short, or from a later instant on the wrong clock), a client lease counted from the reply
 * instead of the request, or a drift margin added instead of subtracted all make the service
 * expire a lock the client still trusts, and a checked write then lands after another client was
 * granted the lock.
 *
 * Judged for lease-checking clients only (the others have no deadline of their own): an `expire`
 * of a lock its client believes it holds (from `complete` GRANTED until its `lapse`, its unlock
 * request, an outcome that leaves it nothing, or its crash) is remembered; it is a violation when
 * that belief then ends later in true time than the expiry did by any way but a lapse at the same
 * instant — a lapse strictly after it, or no lapse at all (judged when the belief ends, or at the
 * end of the run).
 */
import type { Checker, CheckSink } from './checker.js';
import type { CheckedEvent, CheckedType } from './lock-event.js';
import { LockTable, TableChecker, type LockState, type LockSlot } from './lock-table.js';
import { formatUs } from '../sim/index.js';

/** Per lock: the client's lease-backed belief, and the service's expiry of it, if any. */
class LeaseBelief {
  believed = false;
  /** The true time of the service's `expire` of this lock while it was believed; undefined: none. */
  expiredUs: number | undefined = undefined;
  /** The node that traced that `expire`. */
  expiredBy = '';
}

export class EarlyExpiryChecker extends TableChecker implements Checker {
  readonly name = 'early-expiry' as const;
  readonly reads: readonly CheckedType[] = ['complete', 'request', 'lapse', 'expire', 'crash'];
  private readonly beliefs: LockSlot<LeaseBelief>;
  /** Locks whose expiry is remembered and not yet judged, in the order they expired. */
  private readonly expired: LockState[] = [];

  /**
   * @param leaseChecking the clients that check their lease (they trace `lapse` marks)
   * @param shared the run's table, committed by the CheckerSet; omit to keep a private one
   */
  constructor(
    private readonly leaseChecking: ReadonlySet<string>,
    shared?: LockTable,
  ) {
    super(shared);
    this.beliefs = this.table.lockSlot(() => new LeaseBelief());
  }

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    // (It reads no grant, so a private table needs no commit.)
    if (this.own !== null) this.own.resolve(e);
    if (e.type === 'crash') {
      if (this.leaseChecking.has(e.crashed)) for (const lock of this.table.locksOf(e.crashed)) this.end(lock, e.tUs, false, sink);
      return;
    }
    const lock = this.table.lock;
    if (lock === undefined || !this.leaseChecking.has(lock.client)) return;
    const belief = this.beliefs.of(lock);
    switch (e.type) {
      case 'complete':
        if (e.fields.status === 'GRANTED' && e.fields.mode !== undefined) {
          // A new grant is a new lease-backed belief: an expiry of the previous one is judged first.
          this.end(lock, e.tUs, false, sink);
          belief.believed = true;
        } else if (e.fields.mode === undefined) {
          this.end(lock, e.tUs, false, sink);
        }
        return;
      case 'request':
        if (e.fields.op === 'unlock') this.end(lock, e.tUs, false, sink);
        return;
      case 'lapse':
        this.end(lock, e.tUs, true, sink);
        return;
      case 'expire':
        if (belief.believed && belief.expiredUs === undefined) {
          belief.expiredUs = e.tUs;
          belief.expiredBy = e.node;
          this.expired.push(lock);
        }
        return;
      default:
        return;
    }
  }

  /** The belief in `lock` ends at `atUs` (`lapsed`: by its lapse mark); judge an expiry before it. */
  private end(lock: LockState, atUs: number, lapsed: boolean, sink: CheckSink): void {
    const belief = this.beliefs.of(lock);
    belief.believed = false;
    const expiredUs = belief.expiredUs;
    if (expiredUs === undefined) return;
    belief.expiredUs = undefined;
    this.expired.splice(this.expired.indexOf(lock), 1);
    if (atUs <= expiredUs) return;
    const after = lapsed ? `its own lease lapsed only at ${formatUs(atUs)}` : `it still trusted its lease until ${formatUs(atUs)} (no lapse)`;
    sink.violation({
      invariant: this.name,
      atUs: expiredUs,
      message: `${belief.expiredBy} expired ${lock.client}'s lock on ${lock.res.name} at ${formatUs(expiredUs)} while ${lock.client}'s own lease on it still ran: ${after}`,
      resource: lock.res.name,
      nodes: [lock.client],
    });
  }

  finish(endUs: number, sink: CheckSink): void {
    for (const lock of [...this.expired]) this.end(lock, endUs, false, sink);
  }
}
