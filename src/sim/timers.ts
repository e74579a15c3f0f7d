/**
 * Timers and marks: armed on a node's clock reading, queued at the true instant that clock
 * reaches it, moved when the clock jumps or drifts, held while the node is paused.
 */
import type { KernelCore } from './core.js';
import { NodeNotReadyError, SimError } from './errors.js';
import { EventKind, SimEvent } from './event.js';
import { TIMER_HELD, TIMER_NEVER, TIMER_SCHEDULED, TimerRec, type NodeState } from './node-state.js';
import type { ClockKind, TimerId, TraceFields } from './types.js';

/** How many finished timer records (each with its event) the table keeps for reuse. */
const MAX_POOLED_TIMERS = 4096;

/**
 * Arms, moves and fires the timers and marks of every node.
 *
 * A run arms a timer every few events (retransmissions, heartbeats, leases, client steps), so a
 * record whose timer fired, or whose mark was emitted, goes back to a pool with its event (which
 * the loop has popped by then) and serves a later arm: arming allocates nothing once the pool
 * has filled. Records of cancelled timers are left to the collector (their events may still be
 * queued), as are those fired from a paused node's held queue.
 */
export class TimerTable {
  private declare readonly core: KernelCore;
  private nextTimerId = 1;
  /** Finished records, each with its finished event (or none), ready to be armed again. */
  private readonly pool: TimerRec[] = [];

  constructor(core: KernelCore) {
    this.core = core;
  }

  /** Arm a timer (or, with `isMark`, a mark emitting `type` with `fields`) for when `node`'s `clock` reads `localUs`. */
  arm(
    node: NodeState,
    localUs: number,
    clock: ClockKind,
    tag: unknown,
    isMark: boolean,
    type: string,
    fields: TraceFields | undefined,
    outlivesCrash: boolean,
  ): TimerId {
    if (clock !== 'wall' && clock !== 'mono') {
      throw new SimError(`lockstep: node ${node.id} armed a timer on unknown clock '${String(clock)}'`, this.core.nowUs, node.id);
    }
    if (Number.isNaN(localUs)) throw new SimError(`lockstep: node ${node.id} armed a timer at NaN`, this.core.nowUs, node.id);
    const id = this.nextTimerId++;
    const pooled = this.pool.pop();
    const rec = pooled === undefined ? new TimerRec(id, node, clock, Math.ceil(localUs), tag, isMark, type, fields, outlivesCrash) : pooled.set(id, node, clock, Math.ceil(localUs), tag, isMark, type, fields, outlivesCrash);
    (isMark ? node.marks : node.timers).set(id, rec);
    this.schedule(rec, pooled === undefined ? null : pooled.ev);
    return id;
  }

  /**
   * Queue `rec` at the true instant its clock reaches its reading (nothing if it never will), in
   * `finished` (an event no longer queued anywhere) when given, else in a new event.
   */
  private schedule(rec: TimerRec, finished: SimEvent | null = null): void {
    const t = rec.node.clock.trueTimeWhen(rec.clock, rec.localUs, this.core.timeUs());
    if (t === Infinity) {
      rec.state = TIMER_NEVER;
      rec.ev = null;
      return;
    }
    const kind = rec.isMark ? EventKind.Mark : EventKind.Timer;
    const ev = finished === null ? new SimEvent(t, kind, rec.node.index, -1, rec, null) : reuseEvent(finished, t, kind, rec);
    rec.state = TIMER_SCHEDULED;
    rec.ev = ev;
    this.core.push(ev);
  }

  /** Cancel timer or mark `id` of `map` (nothing if it already fired or was cancelled). */
  disarm(map: Map<TimerId, TimerRec>, id: TimerId): void {
    const rec = map.get(id);
    if (rec === undefined) return;
    map.delete(id);
    if (rec.ev !== null) rec.ev.cancelled = true;
  }

  /** After a clock change: move every affected pending timer and mark to its new true instant. */
  reevaluate(node: NodeState, wallOnly: boolean): void {
    for (const map of [node.timers, node.marks]) {
      for (const rec of map.values()) {
        if (rec.state === TIMER_HELD || (wallOnly && rec.clock !== 'wall')) continue;
        const t = node.clock.trueTimeWhen(rec.clock, rec.localUs, this.core.nowUs);
        if (rec.ev !== null && rec.ev.timeUs === t) continue;
        if (rec.ev !== null) rec.ev.cancelled = true;
        this.schedule(rec);
      }
    }
  }

  /** A timer or mark event fell due: emit the mark, or fire the timer (held while its node is paused). */
  due(ev: SimEvent): void {
    const rec = ev.data as TimerRec;
    const node = rec.node;
    if (rec.isMark) {
      node.marks.delete(rec.id);
      this.core.emitWithLocal(node, rec.type, rec.fields);
      this.recycle(rec, ev);
      return;
    }
    if (node.paused) {
      rec.state = TIMER_HELD;
      this.core.hold(node, ev);
      return;
    }
    this.fire(node, rec);
    this.recycle(rec, ev);
  }

  /** Keep a record whose timer fired or whose mark was emitted, and its popped event `ev`, for a later arm. */
  private recycle(rec: TimerRec, ev: SimEvent): void {
    if (rec.ev !== ev) throw new SimError(`lockstep: internal: timer ${rec.id} finished with an event it was not queued in`, this.core.nowUs, rec.node.id);
    if (this.pool.length >= MAX_POOLED_TIMERS) return;
    rec.tag = undefined;
    rec.fields = undefined;
    ev.data = null;
    this.pool.push(rec);
  }

  /** Run `node`'s onTimer for `rec` (traced as `timer` when kernel events are traced). */
  fire(node: NodeState, rec: TimerRec): void {
    const p = node.process;
    if (p === null || node.paused) throw new NodeNotReadyError(`timer ${rec.id} fired`, this.core.nowUs, node.id);
    node.timers.delete(rec.id);
    if (this.core.traceKernel) {
      const tag = rec.tag;
      this.core.emitWithLocal(node, 'timer', typeof tag === 'string' || typeof tag === 'number' ? { tag } : undefined);
    }
    if (p.onTimer === undefined) return;
    try {
      p.onTimer(node.ctx!, rec.tag, rec.id);
    } catch (e) {
      this.core.fail(e, node, 'onTimer');
    }
  }
}

/** `ev`, finished and no longer queued, made the event of timer or mark `rec` due at `timeUs`. */
function reuseEvent(ev: SimEvent, timeUs: number, kind: EventKind, rec: TimerRec): SimEvent {
  ev.timeUs = timeUs;
  ev.kind = kind;
  ev.node = rec.node.index;
  ev.from = -1;
  ev.data = rec;
  ev.link = null;
  ev.msgType = null;
  ev.cancelled = false;
  return ev;
}
