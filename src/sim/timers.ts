/**
 * Timers and marks: armed on a node's clock reading, queued at the true instant that clock
 * reaches it, moved when the clock jumps or drifts, held while the node is paused.
 */
import type { KernelCore } from './core.js';
import { NodeNotReadyError, SimError } from './errors.js';
import { EventKind, SimEvent } from './event.js';
import { TIMER_HELD, TIMER_NEVER, TIMER_SCHEDULED, TimerRec, type NodeState } from './node-state.js';
import type { ClockKind, TimerId, TraceFields } from './types.js';

/** Arms, moves and fires the timers and marks of every node. */
export class TimerTable {
  private declare readonly core: KernelCore;
  private nextTimerId = 1;

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
    const rec = new TimerRec(id, node, clock, Math.ceil(localUs), tag, isMark, type, fields, outlivesCrash);
    (isMark ? node.marks : node.timers).set(id, rec);
    this.schedule(rec);
    return id;
  }

  /** Queue `rec` at the true instant its clock reaches its reading (nothing if it never will). */
  private schedule(rec: TimerRec): void {
    const t = rec.node.clock.trueTimeWhen(rec.clock, rec.localUs, this.core.timeUs());
    if (t === Infinity) {
      rec.state = TIMER_NEVER;
      rec.ev = null;
      return;
    }
    const ev = new SimEvent(t, rec.isMark ? EventKind.Mark : EventKind.Timer, rec.node.index, -1, rec, null);
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
      return;
    }
    if (node.paused) {
      rec.state = TIMER_HELD;
      this.core.hold(node, ev);
      return;
    }
    this.fire(node, rec);
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
