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
  /** Every type: open cycles/deadlines are judged at every event, whatever it is. */
  readonly reads = checkedTypes;
  /** Pending requests not yet reported, in request order (= deadline order). */
  private readonly byDeadline = new Map<number, Pending>();
  /** Pending requests per (client, resource), oldest first, reported or not. */
  private readonly byLock = new PairMap<Pending[]>();
  private nextId = 1;

  constructor(
    private readonly livenessUs: number,
    private readonly healUs: number,
  ) {
    if (!(livenessUs >= 0) || !(healUs >= 0)) throw new RangeError(`liveness: livenessUs and healUs must be ≥ 0, got ${livenessUs} and ${healUs}`);
  }

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    this.judgeDeadlines(e.tUs, sink);
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
        const list = this.byLock.get(client, resource) ?? [];
        list.push(entry);
        if (list.length > MAX_PENDING_PER_LOCK) throw new RangeError(`liveness: ${client} has more than ${MAX_PENDING_PER_LOCK} requests pending on ${resource}`);
        this.byLock.set(client, resource, list);
        this.byDeadline.set(entry.id, entry);
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

  private answer(e: Extract<LockEvent, { type: 'complete' }>): void {
    const { client, resource, status } = e.fields;
    const list = this.byLock.get(client, resource);
    if (list === undefined || list.length === 0) return;
    const answered: Pending[] = [];
    const oldest = (ops: readonly RequestFields['op'][]) => list.find((p) => ops.includes(p.op) && !answered.includes(p));
    const take = (p: Pending | undefined) => {
      if (p !== undefined) answered.push(p);
    };
    if (answersLockOrConvert.has(status)) take(oldest(['lock', 'convert']));
    else if (status === 'ABORTED' || status === 'CANCELLED') {
      take(oldest(['lock', 'convert']));
      take(oldest(['cancel']));
    } else if (status === 'CANCELGRANT') take(oldest(['cancel']));
    else if (status === 'UNLOCKED') take(oldest(['unlock']));
    else if (refusals.has(status)) take(list[list.length - 1]);
    if (answered.length === 0) take(list[0]);
    const rest = list.filter((p) => !answered.includes(p));
    for (const p of answered) this.byDeadline.delete(p.id);
    if (rest.length === 0) this.byLock.delete(client, resource);
    else this.byLock.set(client, resource, rest);
  }

  /** Report every pending request whose deadline passed strictly before `nowUs`. */
  private judgeDeadlines(nowUs: number, sink: CheckSink): void {
    for (const p of this.byDeadline.values()) {
      if (p.deadlineUs >= nowUs) return;
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
  }

  finish(endUs: number, sink: CheckSink): void {
    this.judgeDeadlines(endUs, sink);
  }
}
