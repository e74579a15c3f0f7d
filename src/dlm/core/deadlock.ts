/**
 * Deadlock: the wait-for graph, the cycle search and the victim choice (dlm-semantics §6).
 *
 * The graph is over pending requests. A request X has an edge to
 * - a **conflict** target: a lock Y whose granted mode (a converting lock's too) is incompatible
 *   with X's requested mode — the [PROJECT] edge of §6; X then waits for Y's *owner*, i.e. for any
 *   of that owner's pending requests;
 * - a **queue** target: a pending request Y that the queue rules make X wait behind (Rule CQ for
 *   conversions, Rules NW and P for new requests). Strict FIFO means a request compatible with every
 *   granted mode still waits for the requests ahead of it, so without these edges a cycle through a
 *   FIFO wait (C holds R1 and waits on R2 for B; B waits NL on R1 behind A; A waits for C's EX) would
 *   never be found. Only the nearest predecessor that itself waits in order is linked; the chain
 *   carries the rest.
 * A cycle therefore always contains at least one conflict edge, and a request never falsely waits
 * for its own owner through a queue edge. NODLCKWT requests have no out-edges (they are not
 * waiters) and NODLCKBLK locks are never targets (they are not blockers) [VMS-V73].
 *
 * Everything here is pure: the lock space feeds it its queues; the cluster-wide detector of the
 * protocol layer feeds {@link findCycleThrough} edges gathered from several masters.
 */
import type { CycleEdge, ModeName } from '../../vocabulary/index.js';
import { LockFlag } from './flags.js';
import { MODE_NAMES } from './modes.js';
import { LockSpaceInvariantError } from './errors.js';
import { LockState, type LockRecord, type Resource } from './resource.js';

/** Why a request waits for another: a conflicting granted mode, or queue order. */
export type EdgeKind = 'conflict' | 'queue';

/**
 * One local wait-for edge: `waiter` waits for `holder` on `resource`, with the request that created
 * the edge (whichever of the waiter's queueing and the holder's grant or queueing came later).
 */
export interface WaitForEdge {
  kind: EdgeKind;
  resource: string;
  waiterLockId: number;
  waiterOwner: string;
  /** The mode the waiter requested. */
  waiterMode: ModeName;
  waiterPriority: number;
  /** When the waiter's request was queued (µs); a search times it out from here. */
  waiterSinceUs: number;
  /** The waiter's place in the space's global event order (ties of `waiterSinceUs`). */
  waiterSeq: number;
  holderLockId: number;
  /** The holder's owner; an orphan's is {@link orphanHolder} of its former owner, whose requests it does not wait for. */
  holderOwner: string;
  /** Conflict: the holder's granted mode. Queue: the mode the request ahead asked for. */
  holderMode: ModeName;
  /** The lock whose request (queueing, or grant of the holder's mode) created this edge, and when. */
  createdByLockId: number;
  createdAtUs: number;
}

/** How a deadlock was found and what was done about it. */
export interface DeadlockReport {
  /** `conversion`: immediate detection when a conversion cannot be granted (§6.2); `timed`: the wait-for search (§6.1). */
  detection: 'conversion' | 'timed';
  /**
   * `refused`: the newcomer's conversion was refused with DEADLOCK and keeps its old mode;
   * `demoted`: CONVDEADLK demoted it to NL; `queued`: NODLCKWT queued it anyway and it was sent a
   * bast for its own mode; `victim`: the timed search completed the victim's request with DEADLOCK.
   */
  resolution: 'refused' | 'demoted' | 'queued' | 'victim';
  /** The request on whose behalf the deadlock was found (the newcomer, or the timed-out request). */
  initiatorLockId: number;
  /** The request completed with DEADLOCK or demoted; undefined for `queued`. */
  victimLockId: number | undefined;
  victimOwner: string | undefined;
  /** The caller's time of the operation or search (µs). */
  atUs: number;
  /** The cycle, edge after edge: each edge's holder (or its owner) leads to the next edge's waiter. */
  cycle: WaitForEdge[];
}

/** A request key in a (possibly cluster-wide) graph: lock ids locally, anything unique globally. */
export type RequestKey = number | string;

/** How {@link findCycleThrough} reads an edge type, so cluster-wide edges can use their own keys. */
export interface EdgeView<E> {
  waiter(e: E): RequestKey;
  waiterOwner(e: E): string;
  /** The request a queue edge points at. */
  holder(e: E): RequestKey;
  holderOwner(e: E): string;
  kind(e: E): EdgeKind;
}

/** The view of this module's own {@link WaitForEdge}. */
export const localEdgeView: EdgeView<WaitForEdge> = {
  waiter: (e) => e.waiterLockId,
  waiterOwner: (e) => e.waiterOwner,
  holder: (e) => e.holderLockId,
  holderOwner: (e) => e.holderOwner,
  kind: (e) => e.kind,
};

interface Frame<E> {
  edges: readonly E[];
  ei: number;
  succ: readonly RequestKey[] | null;
  si: number;
}

/**
 * Finds a cycle through the request `start`: a path of edges from `start` back to it, where a
 * conflict edge continues from any pending request of the holder's owner and a queue edge continues
 * from the request ahead. Depth-first in edge order, so the answer is deterministic. Returns the
 * edges of the cycle, or null when `start` is on none.
 */
export function findCycleThrough<E>(edges: readonly E[], start: RequestKey, view: EdgeView<E>): E[] | null {
  const out = new Map<RequestKey, E[]>();
  const pendingOf = new Map<string, RequestKey[]>();
  for (const e of edges) {
    const w = view.waiter(e);
    let list = out.get(w);
    if (!list) {
      list = [];
      out.set(w, list);
      const owner = view.waiterOwner(e);
      let reqs = pendingOf.get(owner);
      if (!reqs) pendingOf.set(owner, (reqs = []));
      reqs.push(w);
    }
    list.push(e);
  }
  const first = out.get(start);
  if (!first) return null;
  const empty: E[] = [];
  const none: RequestKey[] = [];
  const successors = (e: E): readonly RequestKey[] =>
    view.kind(e) === 'queue' ? [view.holder(e)] : (pendingOf.get(view.holderOwner(e)) ?? none);
  const visited = new Set<RequestKey>([start]);
  const path: E[] = [];
  const stack: Frame<E>[] = [{ edges: first, ei: 0, succ: null, si: 0 }];
  const bound = 4 * (edges.length + out.size + 2) * (edges.length + 2);
  let steps = 0;
  while (stack.length > 0) {
    if (++steps > bound) throw new LockSpaceInvariantError('cycle search exceeded its bound');
    const top = stack[stack.length - 1]!;
    if (top.succ !== null && top.si < top.succ.length) {
      const next = top.succ[top.si++]!;
      if (next === start) return path.slice();
      if (!visited.has(next)) {
        visited.add(next);
        stack.push({ edges: out.get(next) ?? empty, ei: 0, succ: null, si: 0 });
      }
      continue;
    }
    if (top.succ !== null) {
      path.pop();
      top.succ = null;
    }
    if (top.ei < top.edges.length) {
      const e = top.edges[top.ei++]!;
      path.push(e);
      top.succ = successors(e);
      top.si = 0;
      continue;
    }
    stack.pop();
  }
  return null;
}

/**
 * The victim of a cycle (§6 [PROJECT]): the waiting request with the lowest priority; on a tie, the
 * one that timed out first (earliest queued, then earliest in event order). Returns the edge whose
 * waiter is the victim.
 */
export function chooseVictim(cycle: readonly WaitForEdge[]): WaitForEdge {
  let best: WaitForEdge | undefined;
  for (const e of cycle) {
    if (
      best === undefined ||
      e.waiterPriority < best.waiterPriority ||
      (e.waiterPriority === best.waiterPriority &&
        (e.waiterSinceUs < best.waiterSinceUs ||
          (e.waiterSinceUs === best.waiterSinceUs && e.waiterSeq < best.waiterSeq)))
    ) {
      best = e;
    }
  }
  if (best === undefined) throw new LockSpaceInvariantError('a cycle has at least one edge');
  return best;
}

/** The trace form of a cycle (src/vocabulary/lock-events.ts `CycleEdge`); `heldMode` only on conflict edges. */
export function toCycleEdges(cycle: readonly WaitForEdge[]): CycleEdge[] {
  return cycle.map((e) => {
    const edge: CycleEdge = { node: e.waiterOwner, resource: e.resource, mode: e.waiterMode, waitsFor: e.holderOwner };
    if (e.kind === 'conflict') edge.heldMode = e.holderMode;
    return edge;
  });
}

/**
 * The holder name of an orphan (a PERSISTENT lock whose owner exited): no process holds it, so a
 * conflict edge to it leads to no pending request, even if a new process takes the old owner's name.
 */
export function orphanHolder(formerOwner: string): string {
  return `orphan of ${formerOwner}`;
}

/** Builds the edge from pending request `x` to `y` (conflict: y's granted mode; queue: y's request). */
export function makeEdge(kind: EdgeKind, x: LockRecord, y: LockRecord): WaitForEdge {
  const ySeq = kind === 'conflict' ? y.grantSeq : y.queueSeq;
  const yAt = kind === 'conflict' ? y.grantedAtUs : y.queuedAtUs;
  const byHolder = ySeq > x.queueSeq;
  return {
    kind,
    resource: x.resource.display,
    waiterLockId: x.id,
    waiterOwner: x.owner,
    waiterMode: MODE_NAMES[x.rq]!,
    waiterPriority: x.priority,
    waiterSinceUs: x.queuedAtUs,
    waiterSeq: x.queueSeq,
    holderLockId: y.id,
    holderOwner: y.orphan ? orphanHolder(y.owner) : y.owner,
    holderMode: MODE_NAMES[kind === 'conflict' ? y.gr : y.rq]!,
    createdByLockId: byHolder ? y.id : x.id,
    createdAtUs: byHolder ? yAt : x.queuedAtUs,
  };
}

/** True when lock `y` (a predecessor) itself waits in queue order, so a chain through it is complete. */
function waitsInOrder(y: LockRecord): boolean {
  return (y.flags & (LockFlag.NOORDER | LockFlag.NODLCKWT | LockFlag.NODLCKBLK)) === 0;
}

/**
 * Appends the wait-for edges of one resource's pending requests to `out` (see the module comment).
 * `compatMask[rq]` has bit h set when a held h is compatible with rq.
 */
export function collectResourceEdges(res: Resource, compatMask: readonly number[], out: WaitForEdge[]): void {
  for (let x = res.convHead ?? res.waitHead; x !== null; x = x.next ?? (x === res.convTail ? res.waitHead : null)) {
    if (x.flags & LockFlag.NODLCKWT) continue;
    const mask = compatMask[x.rq]!;
    for (let y = res.grantedHead ?? res.convHead; y !== null; y = y.next ?? (y === res.grantedTail ? res.convHead : null)) {
      if (y === x || y.flags & LockFlag.NODLCKBLK) continue;
      if (((mask >> y.gr) & 1) === 0) out.push(makeEdge('conflict', x, y));
    }
    if (x.flags & LockFlag.NOORDER) continue;
    let y: LockRecord | null = x.prev ?? (x.state === LockState.WAITING ? res.convTail : null);
    while (y !== null) {
      if (!(y.flags & LockFlag.NODLCKBLK)) out.push(makeEdge('queue', x, y));
      if (waitsInOrder(y)) break;
      y = y.prev ?? (y.state === LockState.WAITING ? res.convTail : null);
    }
  }
}
