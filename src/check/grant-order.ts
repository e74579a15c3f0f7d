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
import type { CheckedEvent, LockEvent } from './lock-event.js';
import { PairMap } from './pair-map.js';
import { formatMs } from './violation.js';

/** A queued request. */
interface QueueEntry {
  readonly client: string;
  readonly mode: ModeName;
  readonly flags: readonly string[];
  readonly atUs: number;
}

interface ResourceQueues {
  waiting: QueueEntry[];
  converting: QueueEntry[];
}

/** Most requests one resource's queue may hold; a longer queue means a runaway producer. */
export const MAX_QUEUE_LENGTH = 100_000;

export class GrantOrderChecker implements Checker {
  readonly name = 'grant-order' as const;
  private readonly grants = new GrantTable();
  private readonly queues = new Map<string, ResourceQueues>();
  private readonly requestFlags = new PairMap<readonly string[]>();

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    switch (e.type) {
      case 'request':
        if (e.f.op === 'lock' || e.f.op === 'convert') this.requestFlags.set(e.f.client, e.f.resource, e.f.flags ?? []);
        return;
      case 'enqueue': {
        const { client, resource, mode, queue } = e.f;
        this.remove(resource, client);
        const q = this.queuesOf(resource);
        const entry: QueueEntry = { client, mode, flags: e.f.flags ?? this.requestFlags.get(client, resource) ?? [], atUs: e.tUs };
        const list = queue === 'waiting' ? q.waiting : q.converting;
        if (entry.flags.includes('HEADQUE')) list.unshift(entry);
        else list.push(entry);
        if (list.length > MAX_QUEUE_LENGTH) throw new RangeError(`grant-order: the ${queue} queue of ${resource} exceeds ${MAX_QUEUE_LENGTH} requests`);
        return;
      }
      case 'grant':
        this.judgeGrant(e, sink);
        return;
      case 'dequeue':
        this.remove(e.f.resource, e.f.client);
        return;
      case 'release':
        if (e.f.reason === 'demote') {
          // CONVDEADLK: the lock lives on at NL and its conversion stays queued.
          this.grants.grant(e.f.client, e.f.resource, 'NL', e.tUs, undefined);
          return;
        }
        this.grants.end(e.f.client, e.f.resource);
        this.remove(e.f.resource, e.f.client);
        return;
      case 'expire':
        this.grants.end(e.f.client, e.f.resource);
        this.remove(e.f.resource, e.f.client);
        return;
      default:
        return;
    }
  }

  private judgeGrant(e: Extract<LockEvent, { type: 'grant' }>, sink: CheckSink): void {
    const { client, resource, mode } = e.f;
    const q = this.queues.get(resource);
    const held = this.grants.get(client, resource);
    this.grants.grant(client, resource, mode, e.tUs, e.f.token);
    if (q === undefined) return;
    const ci = q.converting.findIndex((x) => x.client === client);
    const wi = q.waiting.findIndex((x) => x.client === client);
    if (e.f.recovery === true) {
      this.remove(resource, client);
      return;
    }

    let what: string;
    let first: QueueEntry[];
    let rule: string;
    if (ci >= 0) {
      const entry = q.converting[ci]!;
      what = `${client}'s queued conversion to ${entry.mode}`;
      first = entry.flags.includes('NOORDER') ? [] : q.converting.slice(0, ci);
      rule = 'rule CQ: conversions are granted in queue order';
    } else if (wi >= 0) {
      const entry = q.waiting[wi]!;
      what = `${client}'s waiting request for ${entry.mode}`;
      const exempt = entry.flags.includes('NOORDER') || entry.flags.includes('EXPEDITE');
      first = exempt ? [] : [...q.converting, ...q.waiting.slice(0, wi)];
      rule = 'rules P/NW: queued conversions first, then waiting requests in FIFO order';
    } else {
      const flags = this.requestFlags.get(client, resource) ?? [];
      if (held !== undefined) {
        what = `${client}'s conversion from ${held.mode} to ${mode} with QUECVT, immediately,`;
        first = flags.includes('QUECVT') ? [...q.converting] : [];
        rule = 'QUECVT: a conversion waits behind queued conversions';
      } else {
        what = `${client}'s new request for ${mode}, immediately,`;
        const exempt = flags.includes('NOORDER') || (flags.includes('EXPEDITE') && mode === 'NL');
        first = exempt ? [] : [...q.converting, ...q.waiting];
        rule = 'rule N: a new request is granted at once only when both queues are empty';
      }
    }
    const converting = new Set(q.converting);
    this.remove(resource, client);
    if (first.length === 0) return;
    const ahead = first.map((x) => `${x.client}'s ${converting.has(x) ? 'queued conversion to' : 'waiting request for'} ${x.mode} (queued at ${formatMs(x.atUs)})`);
    sink.violation({
      invariant: this.name,
      atUs: e.tUs,
      message: `${e.node} granted ${what} on ${resource} at ${formatMs(e.tUs)} ahead of ${ahead.join(', ')} (${rule})`,
      resource,
      nodes: [client, ...first.map((x) => x.client)],
      seq: e.seq,
    });
  }

  private queuesOf(resource: string): ResourceQueues {
    let q = this.queues.get(resource);
    if (q === undefined) {
      q = { waiting: [], converting: [] };
      this.queues.set(resource, q);
    }
    return q;
  }

  private remove(resource: string, client: string): void {
    const q = this.queues.get(resource);
    if (q === undefined) return;
    const ci = q.converting.findIndex((x) => x.client === client);
    if (ci >= 0) q.converting.splice(ci, 1);
    const wi = q.waiting.findIndex((x) => x.client === client);
    if (wi >= 0) q.waiting.splice(wi, 1);
    if (q.converting.length === 0 && q.waiting.length === 0) this.queues.delete(resource);
  }

  finish(): void {
    // Judged at each grant; requests still queued at the end are liveness's concern.
  }
}
