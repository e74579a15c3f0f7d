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
import type { CycleEdge, ModeName } from './events.js';
import { GrantTable } from './grants.js';
import { checkedTypes, type CheckedEvent, type LockEvent } from './lock-event.js';
import { compatible } from './modes.js';
import { PairMap } from './pair-map.js';
import { QueueMirror, type QueueEntry } from './queues.js';
import { formatMs } from './violation.js';
import { WaitForGraph, type CycleRecord } from './wait-graph.js';

/** The default bound when none is given: 5 s (DESIGN: max(2 × deadlockWaitMs, 5000 ms)). */
export const DEFAULT_DEADLOCK_BOUND_US = 5_000_000;

/** max(2 × detection waitMs, 5000 ms), in microseconds; `waitMs` 0 or absent when detection is off. */
export function defaultDeadlockBoundUs(waitMs = 0): number {
  return Math.max(2 * waitMs * 1000, DEFAULT_DEADLOCK_BOUND_US);
}

export class DeadlockChecker implements Checker {
  readonly name = 'deadlock' as const;
  /** Every type: the bound of open cycles is judged at every checked event, whatever its type. */
  readonly reads = checkedTypes;
  private readonly grants = new GrantTable();
  private readonly queues = new QueueMirror();
  /** Lock/convert requests clients have sent and not yet had answered. */
  private readonly outstanding = new PairMap<{ mode: ModeName; op: 'lock' | 'convert' }>();
  private readonly graph = new WaitForGraph();

  constructor(private readonly boundUs: number = DEFAULT_DEADLOCK_BOUND_US) {
    if (!(boundUs >= 0)) throw new RangeError(`deadlock: the bound must be ≥ 0 µs, got ${boundUs}`);
  }

  onEvent(e: CheckedEvent, sink: CheckSink): void {
    this.judgePersistence(e.tUs, sink);
    switch (e.type) {
      case 'request':
        if (e.fields.op === 'lock' || e.fields.op === 'convert') this.outstanding.set(e.fields.client, e.fields.resource, { mode: e.fields.mode!, op: e.fields.op });
        return;
      case 'complete':
        this.outstanding.delete(e.fields.client, e.fields.resource);
        return;
      case 'crash':
        this.dropOutstanding(e.crashed);
        return;
      case 'enqueue': {
        const { client, resource, mode, queue } = e.fields;
        this.stopWaiting(client, resource);
        this.queues.enqueue(resource, { client, mode, queue, flags: e.fields.flags ?? [], atUs: e.tUs });
        for (const held of this.grants.holders(resource)) {
          if (held.client !== client && !compatible(held.mode, mode)) {
            this.graph.addSupport(client, held.client, resource, { mode, heldMode: held.mode }, e.tUs);
          }
        }
        return;
      }
      case 'grant': {
        const { client, resource, mode } = e.fields;
        this.stopWaiting(client, resource);
        this.grants.grant(client, resource, mode, e.tUs, e.fields.token);
        const q = this.queues.queues(resource);
        if (q !== undefined) {
          // Conversions first, then waiting requests, each head first (the order edges appear in).
          for (const x of q.converting) this.relink(x, client, resource, mode, e.tUs);
          for (const x of q.waiting) this.relink(x, client, resource, mode, e.tUs);
        }
        return;
      }
      case 'release':
      case 'expire': {
        const { client, resource } = e.fields;
        if (e.type === 'release' && e.fields.reason === 'demote') {
          // CONVDEADLK: the lock lives on at NL (blocking nobody) and its conversion still waits.
          this.grants.grant(client, resource, 'NL', e.tUs, undefined);
        } else {
          this.grants.end(client, resource);
          this.stopWaiting(client, resource);
        }
        const q = this.queues.queues(resource);
        if (q !== undefined) {
          for (const x of q.converting) if (x.client !== client) this.graph.removeSupport(x.client, client, resource);
          for (const x of q.waiting) if (x.client !== client) this.graph.removeSupport(x.client, client, resource);
        }
        return;
      }
      case 'dequeue':
        this.stopWaiting(e.fields.client, e.fields.resource);
        return;
      case 'deadlock':
        this.judgeReport(e, sink);
        return;
      default:
        return;
    }
  }

  /** `holder` now holds `mode` on `resource`: the queued `waiter` waits for it, or no longer does. */
  private relink(waiter: QueueEntry, holder: string, resource: string, mode: ModeName, atUs: number): void {
    if (waiter.client === holder) return;
    if (compatible(mode, waiter.mode)) this.graph.removeSupport(waiter.client, holder, resource);
    else this.graph.addSupport(waiter.client, holder, resource, { mode: waiter.mode, heldMode: mode }, atUs);
  }

  private stopWaiting(client: string, resource: string): void {
    if (this.queues.remove(client, resource) !== undefined) this.graph.removeWaiterOn(client, resource);
  }

  private dropOutstanding(client: string): void {
    const mine: string[] = [];
    for (const [c, resource] of this.outstanding.all()) if (c === client) mine.push(resource);
    for (const resource of mine) this.outstanding.delete(client, resource);
  }

  /** Report every open cycle whose bound ran out strictly before `nowUs`. */
  private judgePersistence(nowUs: number, sink: CheckSink): void {
    if (this.graph.openCycleCount === 0) return;
    for (const record of this.graph.openCycles()) {
      if (record.reported || record.sinceUs + this.boundUs >= nowUs) continue;
      record.reported = true;
      this.reportCycle(record, record.sinceUs + this.boundUs, `persisted unresolved for more than ${formatMs(this.boundUs)}`, sink);
    }
  }

  private reportCycle(record: CycleRecord, atUs: number, how: string, sink: CheckSink): void {
    const edges = this.graph.describe(record.path);
    sink.violation({
      invariant: this.name,
      atUs,
      message: `wait-for cycle ${cycleText(edges)} formed at ${formatMs(record.sinceUs)} and ${how}`,
      resource: edges[0]!.resource,
      nodes: [...record.path],
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
      message: `${e.node} reported a deadlock at ${formatMs(e.tUs)} (victim ${victim}): ${cycleText(cycle)}, but at that instant ${problems.join('; ')}: a phantom`,
      resource: cycle[0]!.resource,
      nodes: [...new Set(nodes)],
      seq: e.seq,
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
    const queued = this.queues.find(node, resource);
    const sent = this.outstanding.get(node, resource);
    const wanted = queued?.mode ?? sent?.mode;
    if (wanted === undefined) return `${node} was not waiting on ${resource}`;
    if (node === waitsFor) return `${node} cannot wait for itself`;
    const held = this.grants.get(waitsFor, resource);
    if (held !== undefined && !compatible(held.mode, wanted)) return undefined;
    // Served first: queued ahead of node's entry, or — for a request not yet queued — ahead of
    // where it would go (behind every queued conversion; a new request behind everything).
    const first = queued !== undefined
      ? this.queues.ahead(node, resource)
      : this.queues.entries(resource).filter((x) => sent?.op === 'lock' || x.queue === 'converting');
    if (first.some((x) => x.client === waitsFor)) return undefined;
    const notAhead = ` and had no request queued ahead of ${node}'s`;
    return held === undefined
      ? `${waitsFor} held no lock on ${resource}${notAhead}`
      : `${waitsFor}'s ${held.mode} on ${resource} did not block ${node}'s ${wanted}${notAhead}`;
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
