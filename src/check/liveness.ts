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
 * Deadlines are nondecreasing in request order, so requests sit in one queue in request order
 * and an event only looks at its head, and only once true time has passed the head's deadline
 * (otherwise it costs one comparison): a request still unanswered when true time passes its
 * deadline is reported then, at the deadline, and once. `finish` reports what is left with a
 * deadline before the end of the run.
 */
import type { Checker, CheckSink } from './checker.js';
import type { ModeName, RequestFields, StatusName } from '../vocabulary/index.js';
import type { CheckedEvent, CheckedType, LockEvent } from './lock-event.js';
import { LockTable, TableChecker, type LockSlot } from './lock-table.js';
import { formatUs } from '../sim/index.js';

/** A request waiting for its answer. */
export class Pending {
  /** Answered, dropped by a crash, or reported: no longer judged. */
  done = false;

  constructor(
    readonly client: string,
    readonly resource: string,
    readonly op: RequestFields['op'],
    readonly mode: ModeName | undefined,
    readonly atUs: number,
    readonly deadlineUs: number,
  ) {}
}

/** Most requests one client may have pending on one resource; more means a runaway producer. */
export const MAX_PENDING_PER_LOCK = 1000;

/**
 * Most requests the deadline queue may hold (pending, or answered but behind an older pending
 * one); the queue spans at most one liveness bound of requests, so more means a runaway producer.
 */
export const MAX_DEADLINE_QUEUE = 10_000_000;

/** GRANTED, NOTQUEUED, DEADLOCK and TIMEOUT answer a lock/convert (a switch: this runs at every `complete`). */
function answersLockOrConvert(status: StatusName): boolean {
  return status === 'GRANTED' || status === 'NOTQUEUED' || status === 'DEADLOCK' || status === 'TIMEOUT';
}

/** BUSY, INVALID_ARG, SUBLOCKS and PARNOTGRANT refuse the request just made. */
function isRefusal(status: StatusName): boolean {
  return status === 'BUSY' || status === 'INVALID_ARG' || status === 'SUBLOCKS' || status === 'PARNOTGRANT';
}

export class LivenessChecker extends TableChecker implements Checker {
  readonly name = 'liveness' as const;
  /** What it acts on; deadlines it judges at every checked event, whatever its type (`dueUs`). */
  readonly reads: readonly CheckedType[] = ['request', 'complete', 'crash'];
  /**
   * Requests in request order (= deadline order) from the oldest one not yet `done` (at `head`);
   * entries done later are skipped when the head reaches them. Slots behind the head are
   * cleared as it passes, so an answered request is garbage at once (dies young) rather than
   * kept until the next compaction.
   */
  private queue: (Pending | undefined)[] = [];
  private head = 0;
  /**
   * No unreported deadline is earlier than this (+Infinity: none pending), so an event at or
   * before it cannot pass one and costs a comparison. A lower bound only: answering a request
   * never makes it wrong, and the head is looked up again once time passes it.
   */
  dueUs = Infinity;
  /** Per lock: its pending requests, oldest first, reported or not. */
  private readonly pending: LockSlot<Pending[]>;

  /**
   * @param shared the run's table, committed by the CheckerSet; omit to keep a private one
   */
  constructor(
    private readonly livenessUs: number,
    private readonly healUs: number,
    shared?: LockTable,
  ) {
    if (!(livenessUs >= 0) || !(healUs >= 0)) throw new RangeError(`liveness: livenessUs and healUs must be ≥ 0, got ${livenessUs} and ${healUs}`);
    super(shared);
    // Its own slot: per lock, its pending requests. A list that empties is kept for the lock's
    // next request (one lock per client and resource, requested all run).
    this.pending = this.table.lockSlot((): Pending[] => []);
  }

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    // (Liveness reads no grant, so a private table needs no commit.)
    if (this.own !== null) this.own.resolve(e);
    if (e.tUs > this.dueUs) this.judgeDeadlines(e.tUs, sink);
    switch (e.type) {
      case 'request': {
        const { client, resource, op, mode } = e.fields;
        const entry = new Pending(client, resource, op, mode, e.tUs, Math.max(e.tUs, this.healUs) + this.livenessUs);
        const list = this.pending.of(this.table.lock!);
        list.push(entry);
        if (list.length > MAX_PENDING_PER_LOCK) throw new RangeError(`liveness: ${client} has more than ${MAX_PENDING_PER_LOCK} requests pending on ${resource}`);
        this.queue.push(entry);
        if (this.queue.length > MAX_DEADLINE_QUEUE) throw new RangeError(`liveness: more than ${MAX_DEADLINE_QUEUE} requests tracked`);
        if (entry.deadlineUs < this.dueUs) this.dueUs = entry.deadlineUs;
        return;
      }
      case 'complete':
        this.answer(e);
        return;
      case 'crash': {
        for (const lock of this.table.locksOf(e.crashed)) {
          const list = this.pending.of(lock);
          for (const p of list) p.done = true;
          list.length = 0;
        }
        this.skipDone();
        return;
      }
      default:
        return;
    }
  }

  /** Take the entries a `complete` answers (see the module comment) off the client's list. */
  private answer(e: Extract<LockEvent, { type: 'complete' }>): void {
    const status = e.fields.status;
    const list = this.pending.of(this.table.lock!);
    if (list.length === 0) return;
    if (list.length === 1) {
      // Whatever the status, a lone pending request is the one answered (the common case).
      list.pop()!.done = true;
      this.skipDone();
      return;
    }
    let first = -1;
    let second = -1;
    if (answersLockOrConvert(status)) first = oldest(list, 'lock', 'convert');
    else if (status === 'ABORTED' || status === 'CANCELLED') {
      first = oldest(list, 'lock', 'convert');
      second = oldest(list, 'cancel', 'cancel');
    } else if (status === 'CANCELGRANT') first = oldest(list, 'cancel', 'cancel');
    else if (status === 'UNLOCKED') first = oldest(list, 'unlock', 'unlock');
    else if (isRefusal(status)) first = list.length - 1;
    if (first < 0 && second < 0) first = 0;
    // Two answered entries have different ops, so different indexes: take the later one first.
    const later = Math.max(first, second);
    const earlier = Math.min(first, second);
    removeAt(list, later).done = true;
    if (earlier >= 0) removeAt(list, earlier).done = true;
    this.skipDone();
  }

  /** Report every pending request whose deadline passed strictly before `nowUs`. */
  private judgeDeadlines(nowUs: number, sink: CheckSink): void {
    const queue = this.queue;
    for (; this.head < queue.length; queue[this.head++] = undefined) {
      const p = queue[this.head]!;
      if (p.done) continue;
      if (p.deadlineUs >= nowUs) {
        this.dueUs = p.deadlineUs;
        this.compact();
        return;
      }
      p.done = true;
      const what = p.mode !== undefined ? `${p.op} ${p.mode}` : p.op;
      const after = this.healUs > p.atUs ? `the faults healed at ${formatUs(this.healUs)}` : 'it was sent';
      sink.violation({
        invariant: this.name,
        atUs: p.deadlineUs,
        message: `${p.client}'s ${what} request on ${p.resource} (sent at ${formatUs(p.atUs)}) was still unanswered at ${formatUs(p.deadlineUs)}, ${formatUs(this.livenessUs)} after ${after}`,
        resource: p.resource,
        nodes: [p.client],
      });
    }
    this.dueUs = Infinity;
    this.compact();
  }

  /**
   * Move the head past requests already done, so that the queue holds only the requests from the
   * oldest pending one on (answers come in milliseconds: entries die young, not a bound later).
   */
  private skipDone(): void {
    const queue = this.queue;
    while (this.head < queue.length && queue[this.head]!.done) queue[this.head++] = undefined;
    this.compact();
  }

  /** Drop the queue's done prefix once it is most of the queue (amortised O(1) per request). */
  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      return;
    }
    if (this.head < 1024 || this.head * 2 < this.queue.length) return;
    this.queue = this.queue.slice(this.head);
    this.head = 0;
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
  list.pop(); // (not `length--`: setting an array's length is a runtime call)
  return p;
}
