/**
 * `liveness` (DESIGN §4, LIVE-ACQ of pitfalls §0): once faults have healed, every pending request
 * completes (granted or refused) within the scenario's bound.
 *
 * Every client `request` (lock, convert, unlock, cancel — with or without wait:false) opens a
 * pending entry with deadline max(requestUs, healUs) + livenessUs. A `complete` for the same
 * client and resource answers entries by its status:
 * - GRANTED, NOTQUEUED, DEADLOCK, TIMEOUT answer the oldest pending lock/convert;
 * - ABORTED, CANCELLED answer the oldest pending lock/convert and the oldest pending cancel;
 * - CANCELGRANT answers the oldest pending cancel; UNLOCKED the oldest pending unlock;
 * - BUSY, INVALID_ARG, SUBLOCKS, PARNOTGRANT (refusals of the request just made) answer the newest;
 * and when no entry of the expected op is pending, the oldest entry of any op. A client that
 * crashes drops its pending entries (its process, and its interest, are gone).
 *
 * Deadlines are nondecreasing in request order, so pending entries sit in one insertion-ordered
 * map and each event only looks at its head: a request still unanswered when true time passes
 * its deadline is reported then, at the deadline, and once. `finish` reports what is left with a
 * deadline before the end of the run.
 */
import type { Checker, CheckSink } from './checker.js';
import type { ModeName, RequestFields, StatusName } from './events.js';
import { checkedTypes, type CheckedEvent, type LockEvent } from './lock-event.js';
import { PairMap } from './pair-map.js';
import { formatMs } from './violation.js';

interface Pending {
  readonly id: number;
  readonly client: string;
  readonly resource: string;
  readonly op: RequestFields['op'];
  readonly mode: ModeName | undefined;
  readonly atUs: number;
  readonly deadlineUs: number;
}

/** Most requests one client may have pending on one resource; more means a runaway producer. */
export const MAX_PENDING_PER_LOCK = 1000;

const answersLockOrConvert: ReadonlySet<StatusName> = new Set(['GRANTED', 'NOTQUEUED', 'DEADLOCK', 'TIMEOUT']);
const refusals: ReadonlySet<StatusName> = new Set(['BUSY', 'INVALID_ARG', 'SUBLOCKS', 'PARNOTGRANT']);

export class LivenessChecker implements Checker {
  readonly name = 'liveness' as const;
  /** Every type: deadlines are judged at every checked event, whatever its type. */
  readonly reads = checkedTypes;
  /** Pending requests not yet reported, in request order (= deadline order). */
  private readonly byDeadline = new Map<number, Pending>();
  /** Pending requests per (client, resource), oldest first, reported or not. */
  private readonly byLock = new PairMap<Pending[]>();
  private nextId = 1;
  /**
   * No unreported deadline is earlier than this (+Infinity: none pending), so an event at or
   * before it cannot pass one and costs a comparison. A lower bound only: answering a request
   * never makes it wrong, and the head is looked up again once time passes it.
   */
  private dueUs = Infinity;

  constructor(
    private readonly livenessUs: number,
    private readonly healUs: number,
  ) {
    if (!(livenessUs >= 0) || !(healUs >= 0)) throw new RangeError(`liveness: livenessUs and healUs must be ≥ 0, got ${livenessUs} and ${healUs}`);
  }

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    if (e.tUs > this.dueUs) this.judgeDeadlines(e.tUs, sink);
    switch (e.type) {
      case 'request': {
        const { client, resource, op, mode } = e.fields;
        const entry: Pending = {
          id: this.nextId++,
          client,
          resource,
          op,
          mode,
          atUs: e.tUs,
          deadlineUs: Math.max(e.tUs, this.healUs) + this.livenessUs,
        };
        let list = this.byLock.get(client, resource);
        if (list === undefined) {
          list = [];
          this.byLock.set(client, resource, list);
        }
        list.push(entry);
        if (list.length > MAX_PENDING_PER_LOCK) throw new RangeError(`liveness: ${client} has more than ${MAX_PENDING_PER_LOCK} requests pending on ${resource}`);
        this.byDeadline.set(entry.id, entry);
        if (entry.deadlineUs < this.dueUs) this.dueUs = entry.deadlineUs;
        return;
      }
      case 'complete':
        this.answer(e);
        return;
      case 'crash': {
        const mine: [string, Pending[]][] = [];
        for (const [client, resource, list] of this.byLock.all()) if (client === e.crashed) mine.push([resource, list]);
        for (const [resource, list] of mine) {
          for (const p of list) this.byDeadline.delete(p.id);
          this.byLock.delete(e.crashed, resource);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Take the entries a `complete` answers (see the module comment) off the client's list. */
  private answer(e: Extract<LockEvent, { type: 'complete' }>): void {
    const { client, resource, status } = e.fields;
    const list = this.byLock.get(client, resource);
    if (list === undefined || list.length === 0) return;
    let first = -1;
    let second = -1;
    if (answersLockOrConvert.has(status)) first = oldest(list, 'lock', 'convert');
    else if (status === 'ABORTED' || status === 'CANCELLED') {
      first = oldest(list, 'lock', 'convert');
      second = oldest(list, 'cancel', 'cancel');
    } else if (status === 'CANCELGRANT') first = oldest(list, 'cancel', 'cancel');
    else if (status === 'UNLOCKED') first = oldest(list, 'unlock', 'unlock');
    else if (refusals.has(status)) first = list.length - 1;
    if (first < 0 && second < 0) first = 0;
    // Two answered entries have different ops, so different indexes: take the later one first.
    const later = Math.max(first, second);
    const earlier = Math.min(first, second);
    this.byDeadline.delete(removeAt(list, later).id);
    if (earlier >= 0) this.byDeadline.delete(removeAt(list, earlier).id);
    if (list.length === 0) this.byLock.delete(client, resource);
  }

  /** Report every pending request whose deadline passed strictly before `nowUs`. */
  private judgeDeadlines(nowUs: number, sink: CheckSink): void {
    for (const p of this.byDeadline.values()) {
      if (p.deadlineUs >= nowUs) {
        this.dueUs = p.deadlineUs;
        return;
      }
      this.byDeadline.delete(p.id);
      const what = p.mode !== undefined ? `${p.op} ${p.mode}` : p.op;
      const after = this.healUs > p.atUs ? `the faults healed at ${formatMs(this.healUs)}` : 'it was sent';
      sink.violation({
        invariant: this.name,
        atUs: p.deadlineUs,
        message: `${p.client}'s ${what} request on ${p.resource} (sent at ${formatMs(p.atUs)}) was still unanswered at ${formatMs(p.deadlineUs)}, ${formatMs(this.livenessUs)} after ${after}`,
        resource: p.resource,
        nodes: [p.client],
      });
    }
    this.dueUs = Infinity;
  }

  finish(endUs: number, sink: CheckSink): void {
    this.judgeDeadlines(endUs, sink);
  }
}

/** The index of the oldest entry of `list` whose op is `a` or `b`, or -1. */
function oldest(list: readonly Pending[], a: RequestFields['op'], b: RequestFields['op']): number {
  for (let i = 0; i < list.length; i++) {
    const op = list[i]!.op;
    if (op === a || op === b) return i;
  }
  return -1;
}

/** Remove and return `list[i]` (which exists), keeping the order of the rest. */
function removeAt(list: Pending[], i: number): Pending {
  const p = list[i]!;
  for (let j = i; j < list.length - 1; j++) list[j] = list[j + 1]!;
  list.length--;
  return p;
}
