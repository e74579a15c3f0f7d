/**
 * The kernel proper: the event loop, which runs queued events in scheduler order and hands each
 * to the part that owns it (messages, timers, fault application), and the building of processes
 * at start and restart. Module-private to src/sim: the public surface is {@link Simulation}.
 */
import { NodeClock } from './clock.js';
import { KernelCore, NET_NODE, type SimulationOptions } from './core.js';
import { QueueTopError, SimBoundExceeded, SimConfigError, SimError } from './errors.js';
import { EventKind, SimEvent } from './event.js';
import { FaultInjector, type PartitionRec, type WindowRec } from './fault-injection.js';
import { MessagePath, isReady } from './messages.js';
import { NodeContext } from './node-context.js';
import { NodeState, type Route } from './node-state.js';
import { deriveRng } from './rng.js';
import { TimerTable } from './timers.js';
import type { MessageType } from './trace.js';
import type { ClockConfig, Fault, Message, Process, ProcessFactory, Rng, SimStats, TraceListener } from './types.js';

/** The loop, and the parts it hands events to. */
export class Kernel extends KernelCore {
  private declare readonly timers: TimerTable;
  private declare readonly messages: MessagePath;
  private declare readonly faults: FaultInjector;
  private readonly harnessRngs = new Map<string, Rng>();
  private running = false;
  /** The last run() returned at a yield, before `untilUs` (see Simulation.requestYield). */
  yielded = false;
  /** Nodes added since the last run began: their starts are queued when the next run begins. */
  private unstarted: NodeState[] = [];
  /** Events run so far (cancelled ones not counted). */
  private eventCount = 0;

  constructor(opts: SimulationOptions) {
    super(opts);
    this.timers = new TimerTable(this);
    this.messages = new MessagePath(this);
    this.faults = new FaultInjector(this, this.timers, this.messages);
  }

  // -- setup -------------------------------------------------------------------------------

  addListener(l: TraceListener): void {
    this.publisher.addListener(l);
  }

  addNode(id: string, factory: ProcessFactory, clock: Partial<ClockConfig> | undefined): void {
    if (typeof id !== 'string' || id === '' || id === NET_NODE) {
      throw new SimConfigError(`lockstep: invalid node id ${JSON.stringify(id)} (non-empty, and not '${NET_NODE}')`);
    }
    if (this.byId.has(id)) throw new SimConfigError(`lockstep: node '${id}' added twice`);
    const index = this.network.addNode(id);
    const node = new NodeState(index, id, factory, new NodeClock({ offsetUs: 0, driftPpm: 0, ...clock }));
    this.nodes.push(node);
    this.byId.set(id, node);
    this.unstarted.push(node);
  }

  /**
   * Queues the starts of the nodes added since the last run, after the faults already queued: a
   * network or clock fault at the instant a node starts is in force before the node acts (a drop
   * from 0 ms drops its first message). A pause or crash of a node not yet started waits for
   * its start (FaultInjector.apply): starting is the node's first act.
   */
  private queueStarts(): void {
    for (const node of this.unstarted) this.push(new SimEvent(this.timeUs(), EventKind.Start, node.index, -1, null, null));
    this.unstarted = [];
  }

  addFaults(faults: readonly Fault[]): void {
    this.faults.schedule(faults);
  }

  /** A copy of the counters; every trace event takes one seq, so their count is the next seq. */
  statsNow(): SimStats {
    return {
      events: this.eventCount,
      messages: this.messages.sent,
      delivered: this.messages.delivered,
      dropped: this.messages.dropped,
      traceEvents: this.publisher.count,
      simUs: this.timeUs(),
    };
  }

  harnessRng(name: string): Rng {
    let r = this.harnessRngs.get(name);
    if (r === undefined) {
      r = deriveRng(this.seed, `harness/${name}`);
      this.harnessRngs.set(name, r);
    }
    return r;
  }

  // -- the loop ----------------------------------------------------------------------------

  run(untilUs: number): SimStats {
    if (this.running) throw new SimError('lockstep: Simulation.run() called from inside a run', this.nowUs, undefined);
    if (!Number.isSafeInteger(untilUs) || untilUs < this.timeUs()) {
      throw new SimConfigError(`lockstep: run(untilUs) needs an integer >= the current time ${this.timeUs()}, got ${untilUs}`);
    }
    this.running = true;
    this.yielded = false;
    this.queueStarts();
    try {
      this.faults.continueReplay();
      this.loop(untilUs, this.maxTimeUs ?? untilUs);
      if (!this.yielded) this.endUs = untilUs;
    } finally {
      this.running = false;
      // A handler that threw leaves its delivery queued: remove it, as pop() would have.
      if (this.pendingTop !== null) this.popPendingTop();
    }
    return this.statsNow();
  }

  /**
   * Run events in scheduler order until the next lies past `untilUs`. An event runs at
   * max(now, its time), so an exploring scheduler may pick any queued event and time still never
   * goes backwards; with the timed scheduler it is always the event's time (see push).
   */
  private loop(untilUs: number, maxTimeUs: number): void {
    for (;;) {
      // A yield is taken before the next event is: an event taken is an event run.
      if (this.yieldRequested) {
        this.yieldRequested = false;
        this.yielded = true;
        return;
      }
      const ev = this.takeDue(untilUs);
      if (ev === undefined) return;
      this.queued--;
      if (ev.cancelled) {
        if (this.lazyTop) this.sched.pop();
        continue;
      }
      const t = ev.timeUs;
      if (t > maxTimeUs) throw new SimBoundExceeded('maxTimeUs', maxTimeUs, t);
      if (++this.eventCount > this.maxEvents) this.tooManyEvents();
      if (t > this.nowUs) this.nowUs = t;
      if (ev.kind !== EventKind.Deliver || !isReady(ev.link as Route)) {
        if (this.lazyTop) this.sched.pop();
        this.dispatch(ev);
        continue;
      }
      // A delivery to a ready node. Its event is recycled before the handler runs, so the reply the
      // handler sends reuses it; with a lazy-top scheduler it stays queued meanwhile (pendingTop).
      const route = ev.link as Route;
      const payload = ev.data as Message;
      const msg = ev.msgType as MessageType | null;
      this.messages.recycle(ev);
      if (this.lazyTop) this.pendingTop = ev;
      this.messages.deliver(route, payload, msg);
      if (this.pendingTop !== null) this.popPendingTop();
    }
  }

  /**
   * The next event due by `untilUs`, or undefined. It is removed from the queue, except with a
   * scheduler that can replace its first event: there it stays first until the loop has decided
   * how to run it (see pendingTop).
   */
  private takeDue(untilUs: number): SimEvent | undefined {
    const sched = this.sched;
    if (this.lazyTop) {
      const ev = sched.peek!();
      return ev === undefined || ev.timeUs > untilUs ? undefined : ev;
    }
    return sched.peekTimeUs() > untilUs ? undefined : sched.pop();
  }

  /** Remove the delivery that ran from the queue, where it stayed because its handler added no event (see pendingTop). */
  private popPendingTop(): void {
    const expected = this.pendingTop!;
    this.pendingTop = null;
    if (this.sched.pop() !== expected) this.topLost(expected);
  }

  /** The delivery that ran was no longer first in the scheduler (a scheduler broke its contract). */
  private topLost(expected: SimEvent): never {
    throw new QueueTopError(this.nowUs, this.nodes[expected.node]?.id);
  }

  /** Runs every event but a delivery to a ready node (the loop runs those). */
  private dispatch(ev: SimEvent): void {
    switch (ev.kind) {
      case EventKind.Deliver:
        this.messages.arriveAtUnready(ev.link as Route, ev);
        return;
      case EventKind.Timer:
      case EventKind.Mark:
        this.timers.due(ev);
        return;
      case EventKind.Start:
        this.start(this.nodes[ev.node]!);
        return;
      case EventKind.Fault:
        this.faults.apply(ev.data as Fault);
        return;
      case EventKind.Resume:
        this.faults.resume(this.nodes[ev.node]!, ev.timeUs);
        return;
      case EventKind.Restart:
        this.restart(this.nodes[ev.node]!);
        return;
      case EventKind.Heal:
        this.faults.heal(ev.data as PartitionRec);
        return;
      case EventKind.DelayEnd:
      case EventKind.DropEnd:
        this.faults.endWindow(ev.kind, ev.data as WindowRec);
        return;
      default:
        throw new SimError(`lockstep: internal: unknown event kind ${String(ev.kind)}`, this.nowUs, undefined);
    }
  }

  // -- processes ---------------------------------------------------------------------------

  /** Build `node`'s next incarnation: a fresh context and process, then its onStart. */
  private boot(node: NodeState): void {
    node.incarnation += 1;
    node.up = true;
    node.paused = false;
    const ctx = new NodeContext(this, this.timers, this.messages, node);
    node.ctx = ctx;
    let p: Process;
    try {
      p = node.factory(ctx);
    } catch (e) {
      this.fail(e, node, 'factory');
    }
    node.process = p;
    if (p.onStart !== undefined) {
      try {
        p.onStart(ctx);
      } catch (e) {
        this.fail(e, node, 'onStart');
      }
    }
  }

  private start(node: NodeState): void {
    if (node.incarnation >= 0) return;
    this.boot(node);
  }

  private restart(node: NodeState): void {
    if (node.up) return;
    this.emitWithLocal(node, 'restart', { incarnation: node.incarnation + 1 });
    this.boot(node);
  }
}
