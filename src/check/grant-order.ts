/**
 * `grant-order` (DESIGN §4, dlm-semantics §3): no request is granted ahead of an earlier one that
 * the queue rules say goes first.
 *
 * The checker mirrors each resource's waiting and converting queues from the service's
 * `enqueue` / `grant` / `dequeue` events (HEADQUE inserts at the head) and judges every grant:
 * - a queued conversion may not be granted while an earlier queued conversion is still there
 *   (rule CQ), unless it carries NOORDER;
 * - a queued new request may not be granted while any conversion is queued (rule P) or an earlier
 *   waiting request is still there (rule NW), unless it carries NOORDER or EXPEDITE;
 * - an immediate grant (never enqueued) of a new request is a violation while anything is queued
 *   on the resource (rule N), except an EXPEDITE request for NL and a NOORDER request;
 * - an immediate conversion ignores both queues (rule C) unless it carries QUECVT, in which case
 *   it may not be granted while a conversion is queued.
 * Flags come from the `enqueue` event, or for immediate grants from the client's last
 * lock/convert `request`. A `release` with reason `demote` (CONVDEADLK) leaves the lock at NL with
 * its conversion still queued. A grant marked `recovery` (first pass after recovery, where order is
 * not binding) is not judged. A protocol that never traces `enqueue` has empty queues here and is
 * therefore never judged, which is what we want for Redlock, zk and lease-lock.
 */
import type { Checker, CheckSink } from './checker.js';
import type { ModeName } from './events.js';
import { GrantTable } from './grants.js';
import type { CheckedEvent, CheckedType, LockEvent } from './lock-event.js';
import { PairMap } from './pair-map.js';
import { QueueMirror, type QueueEntry } from './queues.js';
import { formatMs } from './violation.js';

export class GrantOrderChecker implements Checker {
  readonly name = 'grant-order' as const;
  readonly reads: readonly CheckedType[] = ['request', 'enqueue', 'grant', 'dequeue', 'release', 'expire'];
  private readonly grants = new GrantTable();
  private readonly queues = new QueueMirror();
  private readonly requestFlags = new PairMap<readonly string[]>();

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    switch (e.type) {
      case 'request':
        if (e.fields.op === 'lock' || e.fields.op === 'convert') this.requestFlags.set(e.fields.client, e.fields.resource, e.fields.flags ?? []);
        return;
      case 'enqueue': {
        const { client, resource, mode, queue } = e.fields;
        const flags = e.fields.flags ?? this.requestFlags.get(client, resource) ?? [];
        this.queues.enqueue(resource, { client, mode, queue, flags, atUs: e.tUs });
        return;
      }
      case 'grant':
        this.judgeGrant(e, sink);
        return;
      case 'dequeue':
        this.queues.remove(e.fields.client, e.fields.resource);
        return;
      case 'release':
        if (e.fields.reason === 'demote') {
          // CONVDEADLK: the lock lives on at NL and its conversion stays queued.
          this.grants.grant(e.fields.client, e.fields.resource, 'NL', e.tUs, undefined);
          return;
        }
        this.grants.end(e.fields.client, e.fields.resource);
        this.queues.remove(e.fields.client, e.fields.resource);
        return;
      case 'expire':
        this.grants.end(e.fields.client, e.fields.resource);
        this.queues.remove(e.fields.client, e.fields.resource);
        return;
      default:
        return;
    }
  }

  private judgeGrant(e: Extract<LockEvent, { type: 'grant' }>, sink: CheckSink): void {
    const { client, resource, mode } = e.fields;
    const held = this.grants.get(client, resource);
    this.grants.grant(client, resource, mode, e.tUs, e.fields.token);
    const q = this.queues.queues(resource);
    if (q === undefined) return;
    const mine = this.queues.find(client, resource);
    const first: QueueEntry[] = e.fields.recovery === true ? [] : this.servedFirst(client, resource, mode, mine, held?.mode);
    let what: string;
    let rule: string;
    if (mine?.queue === 'converting') {
      what = `${client}'s queued conversion to ${mine.mode}`;
      rule = 'rule CQ: conversions are granted in queue order';
    } else if (mine?.queue === 'waiting') {
      what = `${client}'s waiting request for ${mine.mode}`;
      rule = 'rules P/NW: queued conversions first, then waiting requests in FIFO order';
    } else if (held !== undefined) {
      what = `${client}'s conversion from ${held.mode} to ${mode} with QUECVT, immediately,`;
      rule = 'QUECVT: a conversion waits behind queued conversions';
    } else {
      what = `${client}'s new request for ${mode}, immediately,`;
      rule = 'rule N: a new request is granted at once only when both queues are empty';
    }
    this.queues.remove(client, resource);
    if (first.length === 0) return;
    const ahead = first.map((x) => `${x.client}'s ${x.queue === 'converting' ? 'queued conversion to' : 'waiting request for'} ${x.mode} (queued at ${formatMs(x.atUs)})`);
    sink.violation({
      invariant: this.name,
      atUs: e.tUs,
      message: `${e.node} granted ${what} on ${resource} at ${formatMs(e.tUs)} ahead of ${ahead.join(', ')} (${rule})`,
      resource,
      nodes: [client, ...first.map((x) => x.client)],
      seq: e.seq,
    });
  }

  /** The queued requests the rules serve before this grant (empty when it is in order). */
  private servedFirst(client: string, resource: string, mode: ModeName, mine: QueueEntry | undefined, heldMode: ModeName | undefined): QueueEntry[] {
    if (mine !== undefined) return this.queues.ahead(client, resource);
    const flags = this.requestFlags.get(client, resource) ?? [];
    const entries = this.queues.entries(resource);
    if (heldMode !== undefined) return flags.includes('QUECVT') ? entries.filter((x) => x.queue === 'converting') : [];
    const exempt = flags.includes('NOORDER') || (flags.includes('EXPEDITE') && mode === 'NL');
    return exempt ? [] : entries;
  }

  finish(): void {
    // Judged at each grant; requests still queued at the end are liveness's concern.
  }
}
