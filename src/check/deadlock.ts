/**
 * `deadlock` (DESIGN §4, INV-DL of pitfalls §0): no wait-for cycle persists unresolved, and every
 * deadlock the service reports was a real cycle at that instant (no phantoms, pitfalls S21).
 *
 * The wait-for graph is built from the events alone. A waiter is a request the service enqueued
 * (`enqueue`) and has not yet granted or dequeued; it waits for every other client holding a live
 * grant on that resource in a mode incompatible with the requested one. That covers conversion
 * deadlocks (pitfalls S20: each converter still holds its old mode). A converter is not made to
 * wait for the conversions queued ahead of it (rule CQ): only holders block, as in the lock
 * manager's own search (dlm-semantics §6.1 [PROJECT]). A `release` with reason `demote`
 * (CONVDEADLK) leaves the lock at NL, blocking nobody, with its conversion still waiting.
 *
 * (a) A cycle that stays unresolved for longer than `boundUs` is a violation at the instant the
 *     bound ran out; a cycle still standing when the run ends is a violation at the end, however
 *     young (the run ended with those clients deadlocked).
 * (b) Each service `deadlock` event must describe a closed cycle whose every edge holds at that
 *     instant: `node` waits on `resource` (enqueued, or — for a detector that judges a request
 *     before queueing it, like immediate conversion-deadlock detection — an outstanding
 *     lock/convert request of the client), and `waitsFor` either holds a live grant there
 *     incompatible with the requested mode, or has a request the queue rules serve before
 *     `node`'s (a FIFO wait, which the lock manager's search follows). The victim must be one of
 *     the cycle's nodes. Otherwise: phantom.
 *
 * Choice: the graph judged in (a) has holder (conflict) edges only, at client level; a deadlock
 * that closes only through FIFO waits is left to `liveness`. Queue edges at client level would
 * join unrelated pending requests of one client into false cycles.
 */
import type { Checker, CheckSink } from './checker.js';
import type { CycleEdge, ModeName } from '../vocabulary/index.js';
import type { CheckedEvent, CheckedType, LockEvent } from './lock-event.js';
import { LockTable, TableChecker, noFlags, removeLock, type LockState, type LockSlot, type ResourceSlot } from './lock-table.js';
import { compatible } from './modes.js';
import { dequeueEnds, enqueueLock, grantEndEnds } from './queues.js';
import { formatUs } from '../sim/index.js';
import { WaitForGraph, waitLabel, type CycleRecord } from './wait-graph.js';

/** The default bound when none is given: 5 s (DESIGN: max(2 × deadlockWaitMs, 5000 ms)). */
export const DEFAULT_DEADLOCK_BOUND_US = 5_000_000;

/** max(2 × detection waitMs, 5000 ms), in microseconds; `waitMs` 0 or absent when detection is off. */
export function defaultDeadlockBoundUs(waitMs = 0): number {
  return Math.max(2 * waitMs * 1000, DEFAULT_DEADLOCK_BOUND_US);
}

/** Per lock: its queued request, and its outstanding lock/convert request. */
export class WaitingRequest {
  /** The queue its request is on; undefined: not queued. */
  queue: 'waiting' | 'converting' | undefined = undefined;
  mode: ModeName = 'NL';
  flags: readonly string[] = noFlags;
  /** The node that traced its latest `enqueue` (the master whose queue holds it). */
  queuedBy = '';
  /** The op of the lock/convert request sent and not yet answered; undefined: none. */
  sentOp: 'lock' | 'convert' | undefined = undefined;
  sentMode: ModeName = 'NL';
}

/** Per resource: the checker's mirror of its queues, head first (see queues.ts). */
export class WaitQueues {
  readonly converting: LockState[] = [];
  readonly waiting: LockState[] = [];
}

export class DeadlockChecker extends TableChecker implements Checker {
  readonly name = 'deadlock' as const;
  /** What it acts on; the bound of open cycles it judges at every checked event, whatever its type (`dueUs`). */
  readonly reads: readonly CheckedType[] = ['request', 'complete', 'crash', 'enqueue', 'grant', 'release', 'expire', 'dequeue', 'deadlock'];
  private readonly graph = new WaitForGraph();
  private readonly requests: LockSlot<WaitingRequest>;
  private readonly queues: ResourceSlot<WaitQueues>;

  /**
   * @param boundUs how long a cycle may stand
   * @param shared the run's table, committed by the CheckerSet; omit to keep a private one
   */
  constructor(
    private readonly boundUs: number = DEFAULT_DEADLOCK_BOUND_US,
    shared?: LockTable,
  ) {
    if (!(boundUs >= 0)) throw new RangeError(`deadlock: the bound must be ≥ 0 µs, got ${boundUs}`);
    super(shared);
    // The table it reads: the grants (lock view: a demotion leaves NL). Its own slots: per lock,
    // its queued request and its outstanding lock/convert request; per resource, its queues.
    this.requests = this.table.lockSlot(() => new WaitingRequest());
    this.queues = this.table.resourceSlot(() => new WaitQueues());
  }

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    const own = this.own;
    if (own !== null) own.resolve(e);
    this.judgePersistence(e.tUs, sink);
    this.judge(e, sink);
    if (own !== null) own.commit(e);
  }

  private judge(e: CheckedEvent, sink: CheckSink): void {
    switch (e.type) {
      case 'request':
        if (e.fields.op === 'lock' || e.fields.op === 'convert') {
          const request = this.requests.of(this.table.lock!);
          request.sentOp = e.fields.op;
          request.sentMode = e.fields.mode!;
        }
        return;
      case 'complete':
        this.requests.of(this.table.lock!).sentOp = undefined;
        return;
      case 'crash':
        for (const lock of this.table.locksOf(e.crashed)) this.requests.of(lock).sentOp = undefined;
        return;
      case 'enqueue': {
        const lock = this.table.lock!;
        const { mode, queue } = e.fields;
        this.stopWaiting(lock);
        const request = this.requests.of(lock);
        request.queue = queue;
        request.mode = mode;
        request.flags = e.fields.flags ?? noFlags;
        request.queuedBy = e.node;
        const res = lock.res;
        const queues = this.queues.of(res);
        enqueueLock(queue === 'waiting' ? queues.waiting : queues.converting, lock, request.flags, queue);
        const holders = res.holders;
        for (let i = 0; i < holders.length; i++) {
          const held = holders[i]!;
          if (held !== lock && !compatible(held.mode!, mode)) {
            this.graph.addSupport(lock.client, held.client, res.name, waitLabel(mode, held.mode!), e.tUs);
          }
        }
        return;
      }
      case 'grant': {
        const lock = this.table.lock!;
        const mode = e.fields.mode;
        this.stopWaiting(lock);
        // Conversions first, then waiting requests, each head first (the order edges appear in).
        const queues = this.queues.of(lock.res);
        for (let i = 0; i < queues.converting.length; i++) this.relink(queues.converting[i]!, lock, mode, e.tUs);
        for (let i = 0; i < queues.waiting.length; i++) this.relink(queues.waiting[i]!, lock, mode, e.tUs);
        return;
      }
      case 'release':
      case 'expire': {
        const lock = this.table.lock!;
        // CONVDEADLK: the lock lives on at NL (the table makes it so), blocking nobody, and its
        // conversion still waits.
        // Not a cut-off former master's end of a grant already superseded (see grantEndEnds).
        if (!(e.type === 'release' && e.fields.reason === 'demote') && grantEndEnds(e.node, lock, this.requests.of(lock).queuedBy, e.type === 'release' ? e.fields.reason : undefined)) this.stopWaiting(lock);
        const res = lock.res;
        const queues = this.queues.of(res);
        const client = lock.client;
        for (let i = 0; i < queues.converting.length; i++) {
          const x = queues.converting[i]!;
          if (x !== lock) this.graph.removeSupport(x.client, client, res.name);
        }
        for (let i = 0; i < queues.waiting.length; i++) {
          const x = queues.waiting[i]!;
          if (x !== lock) this.graph.removeSupport(x.client, client, res.name);
        }
        return;
      }
      case 'dequeue': {
        const lock = this.table.lock!;
        if (dequeueEnds(e, this.requests.of(lock).queuedBy)) this.stopWaiting(lock);
        return;
      }
      case 'deadlock':
        this.judgeReport(e, sink);
        return;
      default:
        return;
    }
  }

  /** `holder` now holds `mode`: the queued `waiter` waits for it, or no longer does. */
  private relink(waiter: LockState, holder: LockState, mode: ModeName, atUs: number): void {
    if (waiter === holder) return;
    const wanted = this.requests.of(waiter).mode;
    if (compatible(mode, wanted)) this.graph.removeSupport(waiter.client, holder.client, holder.res.name);
    else this.graph.addSupport(waiter.client, holder.client, holder.res.name, waitLabel(wanted, mode), atUs);
  }

  /** `lock`'s queued request, if any, leaves the queue: it waits for nobody there any more. */
  private stopWaiting(lock: LockState): void {
    const request = this.requests.of(lock);
    const queue = request.queue;
    if (queue === undefined) return;
    const queues = this.queues.of(lock.res);
    removeLock(queue === 'waiting' ? queues.waiting : queues.converting, lock);
    request.queue = undefined;
    this.graph.removeWaiterOn(lock.client, lock.res.name);
  }

  /** The earliest instant an open cycle outlives the bound (+Infinity: none open, or all reported). */
  get dueUs(): number {
    let due = Infinity;
    if (this.graph.openCycleCount === 0) return due;
    for (const record of this.graph.openCycles()) if (!record.reported) due = Math.min(due, record.sinceUs + this.boundUs);
    return due;
  }

  /** Report every open cycle whose bound ran out strictly before `nowUs`. */
  private judgePersistence(nowUs: number, sink: CheckSink): void {
    if (this.graph.openCycleCount === 0) return;
    for (const record of this.graph.openCycles()) {
      if (record.reported || record.sinceUs + this.boundUs >= nowUs) continue;
      record.reported = true;
      this.reportCycle(record, record.sinceUs + this.boundUs, `persisted unresolved for more than ${formatUs(this.boundUs)}`, sink);
    }
  }

  private reportCycle(record: CycleRecord, atUs: number, how: string, sink: CheckSink): void {
    const edges = this.graph.describe(record.path);
    sink.violation({
      invariant: this.name,
      atUs,
      message: `wait-for cycle ${cycleText(edges)} formed at ${formatUs(record.sinceUs)} and ${how}`,
      resource: edges[0]!.resource,
      nodes: [...record.path],
      cycle: edges,
      formedUs: record.sinceUs,
    });
  }

  private judgeReport(e: Extract<LockEvent, { type: 'deadlock' }>, sink: CheckSink): void {
    const { victim, cycle } = e.fields;
    const problems: string[] = [];
    cycle.forEach((edge, i) => {
      const next = cycle[(i + 1) % cycle.length]!;
      if (edge.waitsFor !== next.node) problems.push(`the cycle is not closed (${edge.node} waits for ${edge.waitsFor}, but the next edge starts at ${next.node})`);
      const problem = this.edgeProblem(edge);
      if (problem !== undefined) problems.push(problem);
    });
    if (!cycle.some((edge) => edge.node === victim)) problems.push(`the victim ${victim} is not in the cycle`);
    if (problems.length === 0) return;
    const nodes = [victim, ...cycle.map((edge) => edge.node).filter((n) => n !== victim)];
    sink.violation({
      invariant: this.name,
      atUs: e.tUs,
      message: `${e.node} reported a deadlock at ${formatUs(e.tUs)} (victim ${victim}): ${cycleText(cycle)}, but at that instant ${problems.join('; ')}: a phantom`,
      resource: cycle[0]!.resource,
      nodes: [...new Set(nodes)],
      seq: e.seq,
      cycle: cycle.map((edge) => ({ ...edge })),
    });
  }

  /**
   * Why a reported edge does not hold now, or undefined when it does. An edge holds when `waitsFor`
   * holds a mode on the resource incompatible with what `node` waits for (a conflict edge), or —
   * for a queued `node` — has a request the queue rules serve first (a queue edge: the lock
   * manager's search follows strict FIFO waits too, so a cycle may run through one).
   */
  private edgeProblem(edge: CycleEdge): string | undefined {
    const { node, resource, waitsFor } = edge;
    const lock = this.table.find(node, resource);
    const request = lock === undefined ? undefined : this.requests.of(lock);
    const queued = request?.queue !== undefined;
    const sentOp = request?.sentOp;
    // What node waits for: its queued request, else the lock/convert it sent and is not yet answered.
    const wanted = queued ? request?.mode : sentOp !== undefined ? request?.sentMode : undefined;
    if (lock === undefined || request === undefined || wanted === undefined) return `${node} was not waiting on ${resource}`;
    if (node === waitsFor) return `${node} cannot wait for itself`;
    const heldMode = this.table.find(waitsFor, resource)?.mode;
    if (heldMode !== undefined && !compatible(heldMode, wanted)) return undefined;
    // Served first: queued ahead of node's entry, or — for a request not yet queued — ahead of
    // where it would go (behind every queued conversion; a new request behind everything).
    const queues = this.queues.of(lock.res);
    const first = queued
      ? ahead(queues, lock, request)
      : [...queues.converting, ...queues.waiting].filter((x) => sentOp === 'lock' || this.requests.of(x).queue === 'converting');
    if (first.some((x) => x.client === waitsFor)) return undefined;
    const notAhead = ` and had no request queued ahead of ${node}'s`;
    return heldMode === undefined
      ? `${waitsFor} held no lock on ${resource}${notAhead}`
      : `${waitsFor}'s ${heldMode} on ${resource} did not block ${node}'s ${wanted}${notAhead}`;
  }

  finish(endUs: number, sink: CheckSink): void {
    this.judgePersistence(endUs, sink);
    for (const record of this.graph.openCycles()) {
      if (record.reported) continue;
      record.reported = true;
      this.reportCycle(record, endUs, 'was still unresolved when the run ended', sink);
    }
  }
}

/** "c1 -(EX on a)-> c2 -(EX on b)-> c1". */
function cycleText(edges: readonly CycleEdge[]): string {
  const parts = edges.map((edge) => `${edge.node} -(${edge.mode} on ${edge.resource})->`);
  return `${parts.join(' ')} ${edges[0]?.node ?? ''}`.trimEnd();
}

/**
 * The requests the queue rules serve before `lock`'s queued `request`: for a conversion, the
 * conversions ahead of it (rule CQ); for a waiting request, every queued conversion (rule P) and the
 * waiting requests ahead of it (rule NW). None when its request carries NOORDER (or EXPEDITE, waiting).
 */
function ahead(queues: WaitQueues, lock: LockState, request: WaitingRequest): LockState[] {
  if (request.queue === 'converting') return request.flags.includes('NOORDER') ? [] : queues.converting.slice(0, queues.converting.indexOf(lock));
  if (request.flags.includes('NOORDER') || request.flags.includes('EXPEDITE')) return [];
  return [...queues.converting, ...queues.waiting.slice(0, queues.waiting.indexOf(lock))];
}
