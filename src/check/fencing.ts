/**
 * `fencing` (DESIGN §4, INV-FENCE of pitfalls §0): tokens issued for a resource strictly increase
 * in grant order, and the storage never accepts a token lower than one it already accepted for
 * that resource.
 *
 * Two independent judgements, per resource:
 * - issue: each `grant` carrying a token must exceed every token granted before on the resource.
 *   The one exception is a grant that restates the token of the client's own live grant (the same
 *   lock re-announced, e.g. rebuilt after recovery): equal is allowed then, lower never.
 * - acceptance: each storage `write` carrying a token must be ≥ the highest accepted so far
 *   (equal is fine: one holder may write several times, pitfalls S02). Writes without a token
 *   are not judged here (stale-write judges who wrote).
 */
import type { Checker, CheckSink } from './checker.js';
import type { CheckedEvent, CheckedType, LockEvent } from './lock-event.js';
import { LockTable, TableChecker, readsFor } from './lock-table.js';
import { formatMs } from './violation.js';

export class FencingChecker extends TableChecker implements Checker {
  readonly name = 'fencing' as const;
  readonly reads: readonly CheckedType[];

  /** @param shared the run's table, committed by the CheckerSet; omit to keep a private one */
  constructor(shared?: LockTable) {
    super(shared);
    // The table it reads: the token of each client's live grant (strict view: LockState.token while
    // `granted`), and per resource the highest token issued and accepted (ResourceState.issued*,
    // accepted*).
    this.reads = readsFor(['grant', 'write'], shared);
  }

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    const own = this.own;
    if (own !== null) own.resolve(e);
    if (e.type === 'grant') this.judgeGrant(e, sink);
    else if (e.type === 'write') this.judgeWrite(e, sink);
    if (own !== null) own.commit(e);
  }

  private judgeGrant(e: Extract<LockEvent, { type: 'grant' }>, sink: CheckSink): void {
    const { client, resource, token } = e.fields;
    if (token === undefined) return;
    const lock = this.table.lock!;
    const res = lock.res;
    const restated = lock.granted && lock.token === token;
    if (res.issued && token <= res.issuedToken && !(restated && token === res.issuedToken)) {
      sink.violation({
        invariant: this.name,
        atUs: e.tUs,
        message: `${e.node} issued token ${token} to ${client} for ${resource} at ${formatMs(e.tUs)}, not above token ${res.issuedToken} issued to ${res.issuedClient} at ${formatMs(res.issuedUs)}: tokens must strictly increase in grant order`,
        resource,
        nodes: res.issuedClient === client ? [client] : [client, res.issuedClient],
        seq: e.seq,
      });
    }
    if (!res.issued || token > res.issuedToken) {
      res.issued = true;
      res.issuedToken = token;
      res.issuedClient = client;
      res.issuedUs = e.tUs;
    }
  }

  private judgeWrite(e: Extract<LockEvent, { type: 'write' }>, sink: CheckSink): void {
    const { client, resource, token } = e.fields;
    if (token === undefined) return;
    const res = this.table.res!;
    if (res.accepted && token < res.acceptedToken) {
      sink.violation({
        invariant: this.name,
        atUs: e.tUs,
        message: `storage accepted ${client}'s write to ${resource} with token ${token} at ${formatMs(e.tUs)} after accepting token ${res.acceptedToken} from ${res.acceptedClient} at ${formatMs(res.acceptedUs)}`,
        resource,
        nodes: res.acceptedClient === client ? [client] : [client, res.acceptedClient],
        seq: e.seq,
      });
      return;
    }
    if (!res.accepted || token > res.acceptedToken) {
      res.accepted = true;
      res.acceptedToken = token;
      res.acceptedClient = client;
      res.acceptedUs = e.tUs;
    }
  }

  finish(): void {
    // Judged at each grant and accepted write; nothing is left open at the end.
  }
}
