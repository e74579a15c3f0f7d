/**
 * `value-block` (DESIGN §4, dlm-semantics §4): every value block a holder reads is the last one
 * written by a PW/EX holder, or is flagged VALNOTVALID.
 *
 * Per resource the checker keeps the last value written (`lvb-write`, trailing zero bytes
 * stripped) and whether it is valid. It becomes invalid on `lvb-invalidate`, and also — by the
 * checker's own judgement, so a service that forgets to invalidate is caught — when a PW/EX
 * holder that took part in value-block transfer (its last lock/convert carried VALBLK, or its
 * grant carried a value) loses its lock by `expire` or `release` with reason `purge` (it died
 * holding the lock, so whatever it changed was never written back). A write makes it valid
 * again. A resource is destroyed with its value block when its last lock goes (no live grant
 * and nothing queued, dlm-semantics §4.4): the next one reads as fresh, "" and valid.
 *
 * Judged: a `grant` carrying `value` whose value-block operation is a read (any new request;
 * conversions per the §4.2 table — conversions that write or do nothing are not reads), and a
 * client `complete` GRANTED carrying `value`, compared with the state at the moment of that
 * client's grant (or the current state when no grant was seen). Either must equal the last
 * written value, or carry VALNOTVALID; while the block is invalid, VALNOTVALID is required.
 *
 * Producer contract: trace `lvb-write` / `lvb-invalidate` before the grant or release that
 * performs them.
 */
import type { Checker, CheckSink } from './checker.js';
import type { CheckedEvent, CheckedType } from './lock-event.js';
import { LockTable, TableChecker, readsFor, type LockState, type ResourceState, type LockSlot, type ResourceSlot } from './lock-table.js';
import { lvbOperation, type LvbOperation } from './modes.js';
import { dequeueEnds, grantEndEnds } from './queues.js';
import { formatUs } from '../sim/index.js';

/** A resource's value block as the checker believes it must be (immutable: replaced, never changed). */
export interface BlockState {
  /** The last value written, trailing zero bytes stripped; "" for a fresh resource. */
  readonly value: string;
  /** Who wrote it and when (absent for a fresh resource). */
  readonly writer: { client: string; atUs: number } | undefined;
  /** Why and when it was invalidated; absent while valid. */
  readonly invalid: { why: string; atUs: number; client: string | undefined } | undefined;
}

const fresh: BlockState = { value: '', writer: undefined, invalid: undefined };

/** A value block as compared: trailing zero bytes carry no information (DESIGN §5.5). */
export function stripZeros(value: string): string {
  return value.replace(/\u0000+$/, '');
}

/** Per lock: whether it takes part in value-block transfer, whether it is queued, and what its last grant handed out. */
export class BlockLock {
  /** Whether the client takes part in value-block transfer (VALBLK, or its grant carried a value). */
  valblk = false;
  /** Whether a request of this lock is queued. */
  queued = false;
  /** The node that traced its latest `enqueue` (the master whose queue holds it). */
  queuedBy = '';
  /** The value-block operation of the last grant, until the client's `complete`; undefined: none. */
  grantOp: LvbOperation | undefined = undefined;
  /** The value block as it was at that grant. */
  grantBlock: BlockState | undefined = undefined;
}

/** Per resource: the value block and how many requests are queued. */
export class BlockResource {
  /** The value block as the checker believes it must be; undefined: fresh. */
  block: BlockState | undefined = undefined;
  /** How many locks have a request queued. */
  queuedCount = 0;
}

export class ValueBlockChecker extends TableChecker implements Checker {
  readonly name = 'value-block' as const;
  readonly reads: readonly CheckedType[];
  private readonly perLock: LockSlot<BlockLock>;
  private readonly perResource: ResourceSlot<BlockResource>;

  /** @param shared the run's table, committed by the CheckerSet; omit to keep a private one */
  constructor(shared?: LockTable) {
    super(shared);
    // The table it reads: the grants (lock view: a demotion leaves NL). Its own slots: per
    // resource, the value block and how many requests are queued; per lock, whether it is queued,
    // whether it takes part in value-block transfer, and what its last grant handed out.
    this.perLock = this.table.lockSlot(() => new BlockLock());
    this.perResource = this.table.resourceSlot(() => new BlockResource());
    this.reads = readsFor(['request', 'enqueue', 'grant', 'complete', 'lvb-write', 'lvb-invalidate', 'release', 'expire', 'dequeue'], shared);
  }

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    const own = this.own;
    if (own !== null) own.resolve(e);
    this.judge(e, sink);
    if (own !== null) own.commit(e);
  }

  private judge(e: CheckedEvent, sink: CheckSink): void {
    switch (e.type) {
      case 'request':
        if (e.fields.op === 'lock' || e.fields.op === 'convert') this.perLock.of(this.table.lock!).valblk = e.fields.flags?.includes('VALBLK') ?? false;
        return;
      case 'enqueue': {
        const lock = this.table.lock!;
        this.setQueued(lock, true);
        const mine = this.perLock.of(lock);
        mine.queuedBy = e.node;
        if (e.fields.flags?.includes('VALBLK')) mine.valblk = true;
        return;
      }
      case 'grant': {
        const lock = this.table.lock!;
        const { client, resource, mode, value } = e.fields;
        const mine = this.perLock.of(lock);
        this.setQueued(lock, false);
        if (value !== undefined) mine.valblk = true;
        const state = this.perResource.of(lock.res).block ?? fresh;
        // The table still holds the mode before this grant (it commits after the checkers).
        const op = lvbOperation(lock.mode, mode);
        mine.grantOp = op;
        mine.grantBlock = state;
        if (value !== undefined && op === 'read') {
          const what = `${e.node} granted ${mode} on ${resource} to ${client} at ${formatUs(e.tUs)} with value block ${JSON.stringify(stripZeros(value))}`;
          this.judgeRead(what, client, resource, value, e.fields.flags, state, e.tUs, e.seq, sink);
        }
        return;
      }
      case 'complete': {
        const { client, resource, value } = e.fields;
        if (e.fields.status !== 'GRANTED') return;
        const lock = this.table.lock!;
        const mine = this.perLock.of(lock);
        const op = mine.grantOp;
        const block = mine.grantBlock;
        mine.grantOp = undefined;
        mine.grantBlock = undefined;
        if (value === undefined) return;
        if (op !== undefined && op !== 'read') return;
        const state = block ?? this.perResource.of(lock.res).block ?? fresh;
        const held = e.fields.mode !== undefined ? ` ${e.fields.mode}` : '';
        const what = `${client} learned it was GRANTED${held} on ${resource} at ${formatUs(e.tUs)} with value block ${JSON.stringify(stripZeros(value))}`;
        this.judgeRead(what, client, resource, value, e.fields.flags, state, e.tUs, e.seq, sink);
        return;
      }
      case 'lvb-write':
        this.perResource.of(this.table.res!).block = { value: stripZeros(e.fields.value), writer: { client: e.fields.client, atUs: e.tUs }, invalid: undefined };
        return;
      case 'lvb-invalidate': {
        const res = this.perResource.of(this.table.res!);
        const state = res.block ?? fresh;
        const why = e.fields.client !== undefined ? `${e.fields.reason}, ${e.fields.client}` : e.fields.reason;
        res.block = { ...state, invalid: { why, atUs: e.tUs, client: e.fields.client } };
        return;
      }
      case 'release':
      case 'expire': {
        // CONVDEADLK: the lock lives on at NL (the table makes it so), and the resource and its
        // value block live on with it.
        if (e.type === 'release' && e.fields.reason === 'demote') return;
        const lock = this.table.lock!;
        const client = e.fields.client;
        const mine = this.perLock.of(lock);
        const ended = lock.mode;
        // Not a cut-off former master's end of a grant already superseded (see grantEndEnds).
        if (grantEndEnds(e.node, lock, mine.queuedBy, e.type === 'release' ? e.fields.reason : undefined)) this.setQueued(lock, false);
        const died = e.type === 'expire' || e.fields.reason === 'purge';
        if (ended !== undefined && died && (ended === 'PW' || ended === 'EX') && mine.valblk) {
          const res = this.perResource.of(lock.res);
          const state = res.block ?? fresh;
          if (state.invalid === undefined) {
            const how = e.type === 'expire' ? 'expired' : 'was purged';
            res.block = { ...state, invalid: { why: `${client}'s ${ended} lock ${how}`, atUs: e.tUs, client } };
          }
        }
        if (ended !== undefined) mine.valblk = false;
        // The table ends the grant after this: the holders then are the others.
        this.destroyIfUnused(lock.res, ended !== undefined ? 1 : 0);
        return;
      }
      case 'dequeue': {
        const lock = this.table.lock!;
        if (!dequeueEnds(e, this.perLock.of(lock).queuedBy)) return;
        this.setQueued(lock, false);
        this.destroyIfUnused(lock.res, 0);
        return;
      }
      default:
        return;
    }
  }

  private judgeRead(
    what: string,
    client: string,
    resource: string,
    value: string,
    flags: readonly string[] | undefined,
    state: BlockState,
    atUs: number,
    seq: number,
    sink: CheckSink,
  ): void {
    if (flags?.includes('VALNOTVALID')) return;
    let why: string;
    let other: string | undefined;
    if (state.invalid !== undefined) {
      why = `, not flagged VALNOTVALID, but the value block was invalidated at ${formatUs(state.invalid.atUs)} (${state.invalid.why})`;
      other = state.invalid.client;
    } else if (stripZeros(value) !== state.value) {
      why = state.writer !== undefined
        ? `, but the last value written is ${JSON.stringify(state.value)} (by ${state.writer.client} at ${formatUs(state.writer.atUs)})`
        : ', but nothing was written to it yet (a fresh resource reads as "")';
      other = state.writer?.client;
    } else {
      return;
    }
    sink.violation({
      invariant: this.name,
      atUs,
      message: `${what}${why}`,
      resource,
      nodes: other !== undefined && other !== client ? [client, other] : [client],
      seq,
    });
  }

  /** Mark whether `lock` has a request queued, keeping its resource's count. */
  private setQueued(lock: LockState, queued: boolean): void {
    const mine = this.perLock.of(lock);
    if (mine.queued === queued) return;
    mine.queued = queued;
    this.perResource.of(lock.res).queuedCount += queued ? 1 : -1;
  }

  /**
   * The resource and its value block go with its last lock (dlm-semantics §4.4): no live grant
   * (the table's holders, less `ending` that this event ends) and nothing queued.
   */
  private destroyIfUnused(res: ResourceState, ending: number): void {
    const mine = this.perResource.of(res);
    if (res.holders.length - ending === 0 && mine.queuedCount === 0) mine.block = undefined;
  }

  finish(): void {
    // Judged at each grant and completion; nothing is left open at the end.
  }
}
