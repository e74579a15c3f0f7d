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
import { LockTable, TableChecker, readsFor, type ResourceSlot } from './lock-table.js';
import { formatUs } from '../sim/index.js';

/** Per resource: the highest token issued in a grant, and the highest the storage accepted. */
export class ResourceTokens {
  issued = false;
  issuedToken = 0;
  issuedClient = '';
  issuedUs = 0;
  accepted = false;
  acceptedToken = 0;
  acceptedClient = '';
  acceptedUs = 0;
}

export class FencingChecker extends TableChecker implements Checker {
  readonly name = 'fencing' as const;
  readonly reads: readonly CheckedType[];
  private readonly tokens: ResourceSlot<ResourceTokens>;

  /** @param shared the run's table, committed by the CheckerSet; omit to keep a private one */
  constructor(shared?: LockTable) {
    super(shared);
    // The table it reads: the token of each client's live grant (strict view: LockState.token while
    // `granted`); its own slot: per resource, the highest token issued and accepted.
    this.tokens = this.table.resourceSlot(() => new ResourceTokens());
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
    const tokens = this.tokens.of(lock.res);
    const restated = lock.granted && lock.token === token;
    if (tokens.issued && token <= tokens.issuedToken && !(restated && token === tokens.issuedToken)) {
      sink.violation({
        invariant: this.name,
        atUs: e.tUs,
        message: `${e.node} issued token ${token} to ${client} for ${resource} at ${formatUs(e.tUs)}, not above token ${tokens.issuedToken} issued to ${tokens.issuedClient} at ${formatUs(tokens.issuedUs)}: tokens must strictly increase in grant order`,
        resource,
        nodes: tokens.issuedClient === client ? [client] : [client, tokens.issuedClient],
        seq: e.seq,
      });
    }
    if (!tokens.issued || token > tokens.issuedToken) {
      tokens.issued = true;
      tokens.issuedToken = token;
      tokens.issuedClient = client;
      tokens.issuedUs = e.tUs;
    }
  }

  private judgeWrite(e: Extract<LockEvent, { type: 'write' }>, sink: CheckSink): void {
    const { client, resource, token } = e.fields;
    if (token === undefined) return;
    const tokens = this.tokens.of(this.table.res!);
    if (tokens.accepted && token < tokens.acceptedToken) {
      sink.violation({
        invariant: this.name,
        atUs: e.tUs,
        message: `storage accepted ${client}'s write to ${resource} with token ${token} at ${formatUs(e.tUs)} after accepting token ${tokens.acceptedToken} from ${tokens.acceptedClient} at ${formatUs(tokens.acceptedUs)}`,
        resource,
        nodes: tokens.acceptedClient === client ? [client] : [client, tokens.acceptedClient],
        seq: e.seq,
      });
      return;
    }
    if (!tokens.accepted || token > tokens.acceptedToken) {
      tokens.accepted = true;
      tokens.acceptedToken = token;
      tokens.acceptedClient = client;
      tokens.acceptedUs = e.tUs;
    }
  }

  finish(): void {
    // Judged at each grant and accepted write; nothing is left open at the end.
  }
}
