/**
 * Fault application: validating a fault plan, and applying each fault when it falls due (pause
 * and resume, crash, clock jumps and drift, partitions and their heal, delay and drop windows).
 * A crash's restart is queued here and run by the loop, which builds processes.
 */
import { NET_NODE, type KernelCore } from './core.js';
import { SimConfigError, SimError } from './errors.js';
import { EventKind, SimEvent } from './event.js';
import type { MessagePath } from './messages.js';
import type { Link } from './network.js';
import type { NodeState, Route, TimerRec } from './node-state.js';
import type { TimerTable } from './timers.js';
import type { MessageType } from './trace.js';
import type { Fault, Message } from './types.js';

/** The fault of kind `K`. */
type FaultOf<K extends Fault['kind']> = Extract<Fault, { kind: K }>;

/** A partition in force (kept for its heal). */
export interface PartitionRec {
  readonly groups: string[][];
  readonly indices: number[][];
  readonly oneWay: boolean;
}

/** A delay or drop window in force (kept for its end). */
export interface WindowRec {
  readonly link: Link;
  readonly extraUs: number;
}

/** Validates fault plans and applies their faults to nodes, clocks and links. */
export class FaultInjector {
  /** The rest of a resumed node's held events, when a yield stopped their replay (see replayHeld). */
  private heldReplay: { node: NodeState; held: SimEvent[]; next: number } | undefined = undefined;
  private declare readonly core: KernelCore;
  private declare readonly timers: TimerTable;
  private declare readonly messages: MessagePath;

  constructor(core: KernelCore, timers: TimerTable, messages: MessagePath) {
    this.core = core;
    this.timers = timers;
    this.messages = messages;
  }

  /** Queue every fault of `faults` at its time, after validating the whole plan: nothing is applied half-way. */
  schedule(faults: readonly Fault[]): void {
    for (const f of faults) this.checkFault(f);
    for (const f of faults) this.core.push(new SimEvent(f.atUs, EventKind.Fault, -1, -1, f, null));
  }

  private checkFault(f: Fault): void {
    const where = `fault ${f.kind} at ${f.atUs} µs`;
    const int = (v: number, name: string, min: number) => {
      if (!Number.isSafeInteger(v) || v < min) throw new SimConfigError(`lockstep: ${where}: ${name} must be an integer >= ${min}, got ${v}`);
    };
    int(f.atUs, 'atUs', this.core.timeUs());
    switch (f.kind) {
      case 'pause':
        this.core.node(f.node, where);
        int(f.forUs, 'forUs', 0);
        return;
      case 'crash':
        this.core.node(f.node, where);
        if (f.restartAfterUs !== undefined) int(f.restartAfterUs, 'restartAfterUs', 0);
        return;
      case 'clock-jump':
        this.core.node(f.node, where);
        int(f.byUs, 'byUs', Number.MIN_SAFE_INTEGER);
        if (f.clock !== 'wall') throw new SimConfigError(`lockstep: ${where}: only the wall clock jumps`);
        return;
      case 'clock-drift':
        this.core.node(f.node, where);
        if (!Number.isFinite(f.ppm) || f.ppm <= -1e6 || f.ppm >= 1e6) {
          throw new SimConfigError(`lockstep: ${where}: ppm must be in (-1e6, 1e6), got ${f.ppm}`);
        }
        return;
      case 'partition': {
        if (f.forUs !== undefined) int(f.forUs, 'forUs', 0);
        if (f.groups.length < 2) throw new SimConfigError(`lockstep: ${where}: a partition needs at least two groups`);
        if (f.oneWay === true && f.groups.length !== 2) {
          throw new SimConfigError(`lockstep: ${where}: a one-way partition needs exactly two groups`);
        }
        const seen = new Set<string>();
        for (const g of f.groups) {
          for (const id of g) {
            this.core.node(id, where);
            if (seen.has(id)) throw new SimConfigError(`lockstep: ${where}: node '${id}' is in two groups`);
            seen.add(id);
          }
        }
        return;
      }
      case 'delay':
        this.core.node(f.from, where);
        this.core.node(f.to, where);
        int(f.extraUs, 'extraUs', 0);
        int(f.forUs, 'forUs', 0);
        return;
      case 'drop':
        this.core.node(f.from, where);
        this.core.node(f.to, where);
        int(f.forUs, 'forUs', 0);
        return;
      default: {
        const never: never = f;
        throw new SimConfigError(`lockstep: unknown fault kind in ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * Apply fault `f`, now due. A pause or crash of a node whose start is still queued at this
   * instant goes back in the queue behind it: the start is the node's first act, and a fault
   * of the node itself needs a running node to take effect on.
   */
  apply(f: Fault): void {
    switch (f.kind) {
      case 'pause':
      case 'crash': {
        const node = this.nodeNamed(f.node);
        if (node.incarnation < 0) {
          this.core.push(new SimEvent(this.core.nowUs, EventKind.Fault, -1, -1, f, null));
          return;
        }
        if (f.kind === 'pause') this.pause(node, f.forUs);
        else this.crash(node, f.restartAfterUs);
        return;
      }
      case 'clock-jump':
        this.jumpClock(this.nodeNamed(f.node), f.byUs);
        return;
      case 'clock-drift':
        this.setDrift(this.nodeNamed(f.node), f.ppm);
        return;
      case 'partition':
        this.partition(f);
        return;
      case 'delay':
        this.delay(f);
        return;
      case 'drop':
        this.dropWindow(f);
        return;
      default: {
        const never: never = f;
        throw new SimError(`lockstep: internal: unknown fault ${JSON.stringify(never)}`, this.core.nowUs, undefined);
      }
    }
  }

  /** A node a validated fault names (checkFault made sure it exists). */
  private nodeNamed(id: string): NodeState {
    return this.core.byId.get(id)!;
  }

  /** The link from the node named `from` to the node named `to`. */
  private linkBetween(from: string, to: string): Link {
    return this.core.network.link(this.nodeNamed(from).index, this.nodeNamed(to).index);
  }

  private jumpClock(node: NodeState, byUs: number): void {
    node.clock.jump(this.core.nowUs, byUs);
    this.core.emitWithLocal(node, 'clock-jump', { byMs: byUs / 1000, clock: 'wall' });
    this.timers.reevaluate(node, true);
  }

  private setDrift(node: NodeState, ppm: number): void {
    node.clock.setDrift(this.core.nowUs, ppm);
    this.core.emitWithLocal(node, 'clock-drift', { ppm });
    this.timers.reevaluate(node, false);
  }

  private partition(f: FaultOf<'partition'>): void {
    const rec: PartitionRec = {
      groups: f.groups.map((g) => [...g]),
      indices: f.groups.map((g) => g.map((id) => this.nodeNamed(id).index)),
      oneWay: f.oneWay === true,
    };
    this.core.network.partition(rec.indices, rec.oneWay, 1);
    this.core.emit(NET_NODE, 'partition', rec.oneWay ? { groups: rec.groups, oneWay: true } : { groups: rec.groups });
    if (f.forUs !== undefined) this.core.push(new SimEvent(this.core.nowUs + f.forUs, EventKind.Heal, -1, -1, rec, null));
  }

  private delay(f: FaultOf<'delay'>): void {
    const link = this.linkBetween(f.from, f.to);
    link.extraDelayUs += f.extraUs;
    this.core.emit(NET_NODE, 'delay', { from: f.from, to: f.to, extraMs: f.extraUs / 1000, forMs: f.forUs / 1000 });
    const rec: WindowRec = { link, extraUs: f.extraUs };
    this.core.push(new SimEvent(this.core.nowUs + f.forUs, EventKind.DelayEnd, -1, -1, rec, null));
  }

  private dropWindow(f: FaultOf<'drop'>): void {
    const link = this.linkBetween(f.from, f.to);
    link.dropWindows += 1;
    this.core.emit(NET_NODE, 'drop-window', { from: f.from, to: f.to, forMs: f.forUs / 1000 });
    const rec: WindowRec = { link, extraUs: 0 };
    this.core.push(new SimEvent(this.core.nowUs + f.forUs, EventKind.DropEnd, -1, -1, rec, null));
  }

  private pause(node: NodeState, forUs: number): void {
    if (!node.up) return;
    this.core.emitWithLocal(node, 'pause', { forMs: forUs / 1000 });
    const end = this.core.nowUs + forUs;
    const extends_ = !node.paused || end > node.pausedUntilUs;
    node.paused = true;
    if (extends_) {
      node.pausedUntilUs = end;
      this.core.push(new SimEvent(end, EventKind.Resume, node.index, -1, null, null));
    }
  }

  /** The pause of `node` that ends at `endUs` ends (unless a later pause or a crash superseded it): replay what it held. */
  resume(node: NodeState, endUs: number): void {
    if (!node.up || !node.paused || node.pausedUntilUs !== endUs) return;
    node.paused = false;
    this.core.emitWithLocal(node, 'resume', undefined);
    const ctx = node.ctx!;
    const p = node.process!;
    if (p.onResume !== undefined) {
      try {
        p.onResume(ctx);
      } catch (e) {
        this.core.fail(e, node, 'onResume');
      }
    }
    const held = node.held;
    node.held = [];
    this.replayHeld(node, held, 0);
  }

  /**
   * Hands a resumed node its held events from index `from` on. A yield requested by one of them
   * (Simulation.requestYield) stops the replay there; the next run() continues it
   * ({@link continueReplay}) before any other event, so code outside the kernel runs between two
   * held events as it would between two ordinary events.
   */
  private replayHeld(node: NodeState, held: SimEvent[], from: number): void {
    for (let i = from; i < held.length; i++) {
      if (this.core.yieldRequested && i > from) {
        this.heldReplay = { node, held, next: i };
        return;
      }
      const ev = held[i]!;
      if (ev.cancelled) continue;
      if (ev.kind === EventKind.Deliver) this.messages.deliver(ev.link as Route, ev.data as Message, ev.msgType as MessageType | null);
      else this.timers.fire(node, ev.data as TimerRec);
    }
  }

  /** Continues a replay of held events that a yield stopped (called by run() before its loop). */
  continueReplay(): void {
    const replay = this.heldReplay;
    if (replay === undefined) return;
    this.heldReplay = undefined;
    // Nothing ran since the yield but code outside the kernel, which cannot crash or pause a node.
    if (!replay.node.up || replay.node.paused) {
      throw new SimError(`lockstep: internal: node ${replay.node.id} changed state during a yield`, this.core.nowUs, replay.node.id);
    }
    this.replayHeld(replay.node, replay.held, replay.next);
  }

  private crash(node: NodeState, restartAfterUs: number | undefined): void {
    if (!node.up) return;
    this.core.emitWithLocal(node, 'crash', undefined);
    node.up = false;
    node.paused = false;
    node.pausedUntilUs = -1;
    node.process = null;
    node.ctx = null;
    node.held = [];
    for (const rec of node.timers.values()) if (rec.ev !== null) rec.ev.cancelled = true;
    node.timers.clear();
    for (const [id, rec] of node.marks) {
      if (rec.outlivesCrash) continue;
      if (rec.ev !== null) rec.ev.cancelled = true;
      node.marks.delete(id);
    }
    if (restartAfterUs !== undefined) {
      this.core.push(new SimEvent(this.core.nowUs + restartAfterUs, EventKind.Restart, node.index, -1, null, null));
    }
  }

  /** A partition's time is up: reconnect its groups. */
  heal(rec: PartitionRec): void {
    this.core.network.partition(rec.indices, rec.oneWay, -1);
    this.core.emit(NET_NODE, 'heal', rec.oneWay ? { groups: rec.groups, oneWay: true } : { groups: rec.groups });
  }

  /** A delay or drop window's time is up: take its effect off the link. */
  endWindow(kind: EventKind, rec: WindowRec): void {
    const { link } = rec;
    if (kind === EventKind.DelayEnd) {
      link.extraDelayUs -= rec.extraUs;
      this.core.emit(NET_NODE, 'delay-end', { from: link.from, to: link.to, extraMs: rec.extraUs / 1000 });
    } else {
      link.dropWindows -= 1;
      this.core.emit(NET_NODE, 'drop-window-end', { from: link.from, to: link.to });
    }
  }
}
