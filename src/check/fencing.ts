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
import { PairMap } from './pair-map.js';
import { formatMs } from './violation.js';

interface Seen {
  token: number;
  client: string;
  atUs: number;
}

export class FencingChecker implements Checker {
  readonly name = 'fencing' as const;
  readonly reads: readonly CheckedType[] = ['grant', 'release', 'expire', 'write'];
  private readonly highestIssued = new Map<string, Seen>();
  private readonly highestAccepted = new Map<string, Seen>();
  /** The token of each client's live grant, when it has one. */
  private readonly liveToken = new PairMap<number>();

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    switch (e.type) {
      case 'grant':
        this.judgeGrant(e, sink);
        return;
      case 'release':
      case 'expire':
        this.liveToken.delete(e.fields.client, e.fields.resource);
        return;
      case 'write':
        this.judgeWrite(e, sink);
        return;
      default:
        return;
    }
  }

  private judgeGrant(e: Extract<LockEvent, { type: 'grant' }>, sink: CheckSink): void {
    const { client, resource, token } = e.fields;
    if (token === undefined) {
      this.liveToken.delete(client, resource);
      return;
    }
    const highest = this.highestIssued.get(resource);
    const restated = this.liveToken.get(client, resource) === token;
    if (highest !== undefined && token <= highest.token && !(restated && token === highest.token)) {
      sink.violation({
        invariant: this.name,
        atUs: e.tUs,
        message: `${e.node} issued token ${token} to ${client} for ${resource} at ${formatMs(e.tUs)}, not above token ${highest.token} issued to ${highest.client} at ${formatMs(highest.atUs)}: tokens must strictly increase in grant order`,
        resource,
        nodes: highest.client === client ? [client] : [client, highest.client],
        seq: e.seq,
      });
    }
    if (highest === undefined || token > highest.token) this.highestIssued.set(resource, { token, client, atUs: e.tUs });
    this.liveToken.set(client, resource, token);
  }

  private judgeWrite(e: Extract<LockEvent, { type: 'write' }>, sink: CheckSink): void {
    const { client, resource, token } = e.fields;
    if (token === undefined) return;
    const highest = this.highestAccepted.get(resource);
    if (highest !== undefined && token < highest.token) {
      sink.violation({
        invariant: this.name,
        atUs: e.tUs,
        message: `storage accepted ${client}'s write to ${resource} with token ${token} at ${formatMs(e.tUs)} after accepting token ${highest.token} from ${highest.client} at ${formatMs(highest.atUs)}`,
        resource,
        nodes: highest.client === client ? [client] : [client, highest.client],
        seq: e.seq,
      });
      return;
    }
    if (highest === undefined || token > highest.token) this.highestAccepted.set(resource, { token, client, atUs: e.tUs });
  }

  finish(): void {
    // Judged at each grant and accepted write; nothing is left open at the end.
  }
}
