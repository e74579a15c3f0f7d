/**
 * The deterministic simulation kernel: virtual time, the event loop, processes and their
 * contexts, timers and marks, message passing over the {@link Network}, fault injection, and
 * the trace.
 *
 * A run is a pure function of (seed, nodes, links, faults, run length): the only sources of
 * choice are the scheduler (which pops by (time, seq) by default) and the named PRNG streams.
 * Processes see only their {@link ProcessContext}: their own clocks, never true time.
 *
 * Semantics (the rest of the project relies on them):
 * - Node start: `addNode` queues the node's start at the current true time; at start the
 *   factory builds the process (incarnation 0) and `onStart` runs.
 * - Timers fire when the node's clock reaches the armed reading. A wall-clock timer is
 *   re-evaluated when the wall clock jumps (a forward jump fires it early) and every timer when
 *   the drift changes. Marks are the same, but the kernel emits them as trace events at their
 *   true instant even while the node is paused.
 * - Pause: the node runs nothing; deliveries and timers that fall due are held in a per-node
 *   FIFO and replayed in order at resume, after `onResume`. Clocks keep running. Messages to a
 *   paused node travel normally and arrive into the held queue.
 * - Crash: the process object is discarded with its timers, marks (but those armed with
 *   `outlivesCrash`) and held events; messages
 *   arriving while the node is down are dropped (`down`); `durable` survives. With
 *   `restartAfterUs` the factory builds a fresh process (incarnation + 1) and `onStart` runs.
 *   Messages an old incarnation sent are on the wire and still arrive.
 * - Every trace event of a simulated node carries `local` (its wall-clock reading in ms) except
 *   the message events `send` and `deliver`, the bulk of every trace: reading a clock and hashing
 *   a double for every one of them would be a large share of a sweep's cost, while timers, lock-
 *   level and fault events (and drops), which the clock chart and the replay story read, keep
 *   it. Network-fault events (`partition`, `heal`, `delay`, `delay-end`, `drop-window`,
 *   `drop-window-end`) belong to no node and are attributed to node `net`. Drops decided at
 *   send time are traced by the sender; drops at arrival (`partition`, `down`) by the receiver.
 * - An event runs at max(now, its time), so an exploring scheduler may pick any queued event
 *   without time ever going backwards.
 */
import { NodeClock } from './clock.js';
import { SimBoundExceeded, SimConfigError, SimError } from './errors.js';
import { EventKind, SimEvent } from './event.js';
import { Link, Network, routeDropReason } from './network.js';
import { deriveRng } from './rng.js';
import { TimedScheduler, type Scheduler } from './scheduler.js';
import {
  MessageRoute,
  MessageTraceEvent,
  MessageType,
  TraceHasher,
  TraceName,
  isMessageEventSink,
  isNodeEventSink,
  readsMessageEvents,
  withLocal,
  type MessageEventSink,
  type NodeEventSink,
} from './trace.js';
import type {
  ClockConfig,
  ClockKind,
  Fault,
  LinkConfig,
  MarkOptions,
  Message,
  Process,
  ProcessContext,
  ProcessFactory,
  Rng,
  RunBounds,
  SimStats,
  TimerId,
  TraceEvent,
  TraceFields,
  TraceListener,
} from './types.js';

/** The node name network-fault trace events are attributed to. */
export const NET_NODE = 'net';

/** How many message types the kernel memoises trace names for (a process inventing types cannot grow it). */
const MAX_MESSAGE_TYPES = 4096;

/** How many finished delivery events the kernel keeps for reuse. */
const MAX_POOLED_EVENTS = 4096;

/** Default hard bound on the number of events in one simulation. */
export const DEFAULT_MAX_EVENTS = 5_000_000;

/** How to build a {@link Simulation}: the seed, bounds, network defaults, scheduler and listeners. */
export interface SimulationOptions {
  /** The run seed; every PRNG stream derives from it. Taken as an unsigned 32-bit integer. */
  seed: number;
  /** Hard bounds; maxEvents defaults to 5,000,000, maxTimeUs to each run's `untilUs`. */
  bounds?: Partial<RunBounds>;
  /** Default configuration of every link (see DEFAULT_LINK). */
  network?: Partial<LinkConfig>;
  /** Who picks the next event; a TimedScheduler by default. */
  scheduler?: Scheduler;
  /** Trace listeners, called in this order (more can be added with addListener). */
  listeners?: TraceListener[];
  /**
   * Trace `send`, `deliver` and `timer` events (default true). Big sweeps that only need the
   * lock-level events turn this off; the stats still count messages and deliveries.
   */
  traceKernelEvents?: boolean;
}

const TIMER_SCHEDULED = 0;
const TIMER_HELD = 1;
const TIMER_NEVER = 2;

/** A pending timer or mark. */
class TimerRec {
  declare readonly id: TimerId;
  declare readonly node: NodeState;
  declare readonly clock: ClockKind;
  declare readonly localUs: number;
  declare readonly tag: unknown;
  /** For marks: the trace event to emit. */
  declare readonly type: string;
  declare readonly fields: TraceFields | undefined;
  declare readonly isMark: boolean;
  /** For marks: kept when the node crashes (MarkOptions.outlivesCrash). */
  declare readonly outlivesCrash: boolean;
  state = TIMER_NEVER;
  ev: SimEvent | null = null;

  constructor(
    id: TimerId,
    node: NodeState,
    clock: ClockKind,
    localUs: number,
    tag: unknown,
    isMark: boolean,
    type: string,
    fields: TraceFields | undefined,
    outlivesCrash: boolean,
  ) {
    this.id = id;
    this.node = node;
    this.clock = clock;
    this.localUs = localUs;
    this.tag = tag;
    this.isMark = isMark;
    this.type = type;
    this.fields = fields;
    this.outlivesCrash = outlivesCrash;
  }
}

/**
 * Where messages from one node to the node named `to` go: resolved once per (sender, name), so a
 * send does no string lookup, and carried by each delivery event, so an arrival does none either.
 * Links are never replaced, only reconfigured, so a route stays valid.
 */
class Route extends MessageRoute {
  /** The destination's name as the sender gave it (what the sender's route cache compares). */
  declare readonly toId: string;
  declare readonly src: NodeState;
  declare readonly dst: NodeState;
  declare readonly link: Link;

  constructor(toId: string, src: NodeState, dst: NodeState, link: Link) {
    // A route is its own MessageRoute: the trace's message events name its two ends.
    super(src.name, dst.name);
    this.toId = toId;
    this.src = src;
    this.dst = dst;
    this.link = link;
  }
}

/** Everything the kernel knows about one node, across incarnations. */
class NodeState {
  declare readonly index: number;
  declare readonly id: string;
  declare readonly factory: ProcessFactory;
  declare readonly clock: NodeClock;
  /** The id with its trace-hash digest, for message events. */
  declare readonly name: TraceName;
  readonly durable = new Map<string, unknown>();
  readonly rngs = new Map<string, Rng>();
  incarnation = -1;
  up = false;
  process: Process | null = null;
  ctx: NodeContext | null = null;
  paused = false;
  pausedUntilUs = -1;
  held: SimEvent[] = [];
  readonly timers = new Map<TimerId, TimerRec>();
  readonly marks = new Map<TimerId, TimerRec>();
  /** Routes of the messages this node sends, by destination name, and the one used last. */
  readonly routes = new Map<string, Route>();
  lastRoute: Route | null = null;

  constructor(index: number, id: string, factory: ProcessFactory, clock: NodeClock) {
    this.index = index;
    this.id = id;
    this.factory = factory;
    this.clock = clock;
    this.name = new TraceName(id);
  }
}

/** A partition in force (kept for its heal). */
interface PartitionRec {
  readonly groups: string[][];
  readonly indices: number[][];
  readonly oneWay: boolean;
}

/** A delay or drop window in force (kept for its end). */
interface WindowRec {
  readonly link: Link;
  readonly extraUs: number;
}

/** Which handler of a process was running, for error messages. */
type Handler = 'factory' | 'onStart' | 'onMessage' | 'onTimer' | 'onResume';

/** The context one incarnation of a node sees. Stale once its incarnation has crashed. */
class NodeContext implements ProcessContext {
  declare readonly id: string;
  declare readonly incarnation: number;
  declare readonly durable: Map<string, unknown>;
  private declare readonly k: Kernel;
  private declare readonly node: NodeState;

  constructor(k: Kernel, node: NodeState) {
    this.k = k;
    this.node = node;
    this.id = node.id;
    this.incarnation = node.incarnation;
    this.durable = node.durable;
  }

  private live(what: string): NodeState {
    const node = this.node;
    if (node.ctx !== this) this.stale(what);
    return node;
  }

  private stale(what: string): never {
    throw new SimError(
      `lockstep: node ${this.node.id} incarnation ${this.incarnation} called ${what} after it crashed (a stale context)`,
      this.k.nowUs,
      this.node.id,
    );
  }

  now(clock: ClockKind): number {
    return this.node.clock.read(clock, this.k.timeUs());
  }

  send(to: string, payload: Message): void {
    this.k.send(this.live('send'), to, payload);
  }

  setTimer(delayUs: number, tag: unknown, clock: ClockKind = 'mono'): TimerId {
    const node = this.live('setTimer');
    if (!(delayUs >= 0 && delayUs < Infinity)) {
      throw new SimError(`lockstep: node ${node.id} set a timer with delay ${delayUs} µs`, this.k.nowUs, node.id);
    }
    return this.k.arm(node, node.clock.read(clock, this.k.timeUs()) + delayUs, clock, tag, false, '', undefined, false);
  }

  setTimerAt(localUs: number, clock: ClockKind, tag: unknown): TimerId {
    return this.k.arm(this.live('setTimerAt'), localUs, clock, tag, false, '', undefined, false);
  }

  cancelTimer(id: TimerId): void {
    this.k.disarm(this.live('cancelTimer').timers, id);
  }

  markAt(localUs: number, clock: ClockKind, type: string, fields: TraceFields, opts?: MarkOptions): TimerId {
    const node = this.live('markAt');
    this.k.checkFields(type, fields, node.id, true);
    return this.k.arm(node, localUs, clock, undefined, true, type, fields, opts?.outlivesCrash === true);
  }

  cancelMark(id: TimerId): void {
    this.k.disarm(this.live('cancelMark').marks, id);
  }

  rng(name: string): Rng {
    const node = this.node;
    let r = node.rngs.get(name);
    if (r === undefined) {
      r = deriveRng(this.k.seed, `node/${node.id}/${name}`);
      node.rngs.set(name, r);
    }
    return r;
  }

  trace(type: string, fields?: TraceFields): void {
    const node = this.live('trace');
    this.k.checkFields(type, fields, node.id, true);
    this.k.emitWithLocal(node, type, fields);
  }
}

/** True when a message on `route` can be handed to its destination now (no cut, up, not paused). */
function isReady(route: Route): boolean {
  return route.link.blocked === 0 && route.dst.up && !route.dst.paused;
}

/** Errors that already say what went wrong and are passed through unwrapped. */
function isKernelError(e: unknown): boolean {
  return e instanceof SimError || e instanceof SimBoundExceeded || e instanceof SimConfigError;
}

/**
 * The kernel proper. Module-private: the public surface is {@link Simulation}.
 *
 * Fields set in a constructor are `declare`d in this module's classes (see SimEvent for why).
 * Message types, routes and the trace's per-route hash terms are resolved once and cached: the
 * message path is the bulk of every run.
 */
class Kernel {
  declare readonly seed: number;
  /**
   * True time of the event being run (or of the last one run), µs: the clock the loop advances.
   * Where a run() ended is kept apart in `endUs`, so that a run to a far bound (the bench runs to
   * Number.MAX_SAFE_INTEGER) never turns this field, read on every event, from a small integer
   * into a boxed double for every kernel of the process. `timeUs()` is the current time.
   */
  nowUs = 0;
  /** Where the last run() ended (time stands there until the next event runs). */
  private endUs = 0;
  private declare readonly sched: Scheduler;
  declare readonly network: Network;
  private declare readonly listeners: TraceListener[];
  /** The listeners, when every one takes message events as arguments (no event objects needed). */
  /** The listeners that read message events (TraceListener.messageEvents). */
  private declare messageListeners: TraceListener[];
  /** Those, when every one takes message events as arguments (no event objects needed). */
  private declare sinks: MessageEventSink[] | null;
  /** The listeners, when every one also takes node events as arguments (no event objects, no field copies). */
  private declare nodeSinks: NodeEventSink[] | null;
  /** The one listener that reads message events, when it is a TraceHasher (they go straight to it). */
  private declare soleHasher: TraceHasher | null;
  private declare readonly traceKernel: boolean;
  private declare readonly maxEvents: number;
  private declare readonly maxTimeUs: number | undefined;
  readonly nodes: NodeState[] = [];
  readonly byId = new Map<string, NodeState>();
  private readonly harnessRngs = new Map<string, Rng>();
  /**
   * Finished delivery events, reused by later sends: the first `poolSize` entries (a stack kept
   * by index; slots above it may still point at events that are back in use, and are overwritten).
   */
  private readonly pool: SimEvent[] = [];
  private poolSize = 0;
  /** The scheduler has peek() and replaceTop() (see Scheduler.peek). */
  private declare readonly lazyTop: boolean;
  /**
   * True while the delivery being handled is still in the scheduler, as its first event: the
   * first event its handler adds (usually a reply) replaces it, one sift-down instead of a pop's
   * sift-down and a push's sift-up, and the loop removes it after a handler that added nothing.
   * It is still first then because every event added while it runs comes after it in (time, seq)
   * order: time never goes back (a timer armed for a passed reading is due now) and seq grows.
   */
  private topPending = false;
  /**
   * Events in the scheduler's queue (cancelled ones included), counted here as pushed less popped
   * rather than asked of the scheduler on every push (a chain of getters the JIT must inline).
   */
  private queued = 0;
  /** True while listeners are being called; events emitted then wait in `nested`. */
  private publishing = false;
  private readonly nested: TraceEvent[] = [];
  private nextSeq = 0;
  private traceSeq = 0;
  /** Trace names of message types, and the last one asked for (most traffic repeats a type). */
  private readonly msgNames = new Map<string, MessageType>();
  private lastMsgType = '';
  private lastMsgName = new MessageType('');
  private nextTimerId = 1;
  private running = false;
  /** The counters behind statsNow(). */
  private eventCount = 0;
  private messageCount = 0;
  private deliveryCount = 0;
  private dropCount = 0;

  constructor(opts: SimulationOptions) {
    if (!Number.isSafeInteger(opts.seed)) throw new SimConfigError(`lockstep: seed must be an integer, got ${opts.seed}`);
    this.seed = opts.seed >>> 0;
    const maxEvents = opts.bounds?.maxEvents ?? DEFAULT_MAX_EVENTS;
    if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) {
      throw new SimConfigError(`lockstep: bounds.maxEvents must be a positive integer, got ${maxEvents}`);
    }
    const maxTimeUs = opts.bounds?.maxTimeUs;
    if (maxTimeUs !== undefined && (!Number.isSafeInteger(maxTimeUs) || maxTimeUs < 0)) {
      throw new SimConfigError(`lockstep: bounds.maxTimeUs must be a non-negative integer, got ${maxTimeUs}`);
    }
    this.maxEvents = maxEvents;
    this.maxTimeUs = maxTimeUs;
    this.sched = opts.scheduler ?? new TimedScheduler();
    this.lazyTop = typeof this.sched.peek === 'function' && typeof this.sched.replaceTop === 'function';
    this.network = new Network(this.seed, opts.network);
    this.listeners = opts.listeners === undefined ? [] : [...opts.listeners];
    this.messageListeners = [];
    this.sinks = null;
    this.nodeSinks = null;
    this.soleHasher = null;
    this.listenersChanged();
    this.traceKernel = opts.traceKernelEvents ?? true;
  }

  // -- setup -------------------------------------------------------------------------------

  addListener(l: TraceListener): void {
    this.listeners.push(l);
    this.listenersChanged();
  }

  /** Pick the cheapest way to publish message events to the current listeners. */
  private listenersChanged(): void {
    const ls = this.listeners;
    const readers = ls.filter(readsMessageEvents);
    this.messageListeners = readers;
    this.sinks = readers.every(isMessageEventSink) ? (readers as MessageEventSink[]) : null;
    this.nodeSinks = ls.every(isNodeEventSink) ? (ls as NodeEventSink[]) : null;
    this.soleHasher = readers.length === 1 && readers[0] instanceof TraceHasher ? readers[0] : null;
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
    this.push(new SimEvent(this.timeUs(), EventKind.Start, index, -1, null, null));
  }

  node(id: string, where: string): NodeState {
    const n = this.byId.get(id);
    if (n === undefined) throw new SimConfigError(`lockstep: ${where}: unknown node '${id}'`);
    return n;
  }

  addFaults(faults: readonly Fault[]): void {
    // Validate the whole plan before queueing any of it: nothing is applied half-way.
    for (const f of faults) this.checkFault(f);
    for (const f of faults) this.push(new SimEvent(f.atUs, EventKind.Fault, -1, -1, f, null));
  }

  private checkFault(f: Fault): void {
    const where = `fault ${f.kind} at ${f.atUs} µs`;
    const int = (v: number, name: string, min: number) => {
      if (!Number.isSafeInteger(v) || v < min) throw new SimConfigError(`lockstep: ${where}: ${name} must be an integer >= ${min}, got ${v}`);
    };
    int(f.atUs, 'atUs', this.timeUs());
    switch (f.kind) {
      case 'pause':
        this.node(f.node, where);
        int(f.forUs, 'forUs', 0);
        return;
      case 'crash':
        this.node(f.node, where);
        if (f.restartAfterUs !== undefined) int(f.restartAfterUs, 'restartAfterUs', 0);
        return;
      case 'clock-jump':
        this.node(f.node, where);
        int(f.byUs, 'byUs', Number.MIN_SAFE_INTEGER);
        if (f.clock !== 'wall') throw new SimConfigError(`lockstep: ${where}: only the wall clock jumps`);
        return;
      case 'clock-drift':
        this.node(f.node, where);
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
            this.node(id, where);
            if (seen.has(id)) throw new SimConfigError(`lockstep: ${where}: node '${id}' is in two groups`);
            seen.add(id);
          }
        }
        return;
      }
      case 'delay':
        this.node(f.from, where);
        this.node(f.to, where);
        int(f.extraUs, 'extraUs', 0);
        int(f.forUs, 'forUs', 0);
        return;
      case 'drop':
        this.node(f.from, where);
        this.node(f.to, where);
        int(f.forUs, 'forUs', 0);
        return;
      default: {
        const never: never = f;
        throw new SimConfigError(`lockstep: unknown fault kind in ${JSON.stringify(never)}`);
      }
    }
  }

  /** The current true time, µs: the running event's, or where the last run ended if later. */
  timeUs(): number {
    const end = this.endUs;
    return end > this.nowUs ? end : this.nowUs;
  }

  /** A copy of the counters; every trace event takes one seq, so their count is the next seq. */
  statsNow(): SimStats {
    return {
      events: this.eventCount,
      messages: this.messageCount,
      delivered: this.deliveryCount,
      dropped: this.dropCount,
      traceEvents: this.traceSeq,
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

  push(ev: SimEvent): void {
    if (++this.queued > this.maxEvents) this.tooManyEvents();
    ev.seq = this.nextSeq++;
    // The first event a delivery's handler adds takes the delivery's place (see topPending).
    if (this.topPending) {
      this.topPending = false;
      this.sched.replaceTop!(ev);
    } else {
      this.sched.push(ev);
    }
  }

  /** Throws the maxEvents bound error (kept out of the hot functions, which only test the bound). */
  private tooManyEvents(): never {
    throw new SimBoundExceeded('maxEvents', this.maxEvents, this.nowUs);
  }

  run(untilUs: number): SimStats {
    if (this.running) throw new SimError('lockstep: Simulation.run() called from inside a run', this.nowUs, undefined);
    if (!Number.isSafeInteger(untilUs) || untilUs < this.timeUs()) {
      throw new SimConfigError(`lockstep: run(untilUs) needs an integer >= the current time ${this.timeUs()}, got ${untilUs}`);
    }
    this.running = true;
    try {
      this.loop(untilUs, this.maxTimeUs ?? untilUs);
      this.endUs = untilUs;
    } finally {
      this.running = false;
      // A handler that threw leaves its delivery queued: remove it, as pop() would have.
      if (this.topPending) this.popPendingTop();
    }
    return this.statsNow();
  }

  /** The event loop proper: run events in scheduler order until the next lies past `untilUs`. */
  private loop(untilUs: number, maxTimeUs: number): void {
    for (let ev = this.takeDue(untilUs); ev !== undefined; ev = this.takeDue(untilUs)) {
      this.queued--;
      if (ev.cancelled) {
        if (this.lazyTop) this.sched.pop();
        continue;
      }
      const t = ev.timeUs;
      if (t > maxTimeUs) throw new SimBoundExceeded('maxTimeUs', maxTimeUs, t);
      if (++this.eventCount > this.maxEvents) this.tooManyEvents();
      if (t > this.nowUs) this.nowUs = t;
      if (ev.kind === EventKind.Deliver && isReady(ev.link as Route)) {
        this.runDelivery(ev);
      } else {
        if (this.lazyTop) this.sched.pop();
        this.dispatch(ev);
      }
    }
  }

  /**
   * The next event due by `untilUs`, or undefined. It is removed from the queue, except with a
   * scheduler that can replace its first event: there it stays first until the loop has decided
   * how to run it (see topPending).
   */
  private takeDue(untilUs: number): SimEvent | undefined {
    const sched = this.sched;
    if (this.lazyTop) {
      const ev = sched.peek!();
      return ev === undefined || ev.timeUs > untilUs ? undefined : ev;
    }
    return sched.peekTimeUs() > untilUs ? undefined : sched.pop();
  }

  /**
   * Run a delivery to a ready node. Its event is recycled before the handler runs, so the reply
   * the handler sends reuses it; with a lazy-top scheduler it stays queued meanwhile (topPending).
   */
  private runDelivery(ev: SimEvent): void {
    const route = ev.link as Route;
    const payload = ev.data as Message;
    const msg = ev.msgType as MessageType | null;
    this.recycle(ev);
    this.topPending = this.lazyTop;
    this.deliver(route, payload, msg);
    if (this.topPending) this.popPendingTop();
  }

  /** Remove the delivery that ran from the queue, where it stayed because its handler added no event (see topPending). */
  private popPendingTop(): void {
    this.topPending = false;
    this.sched.pop();
  }

  /** Runs every event but a delivery to a ready node (see runDelivery). */
  private dispatch(ev: SimEvent): void {
    switch (ev.kind) {
      case EventKind.Deliver:
        this.arriveAtUnready(ev.link as Route, ev);
        return;
      case EventKind.Timer:
      case EventKind.Mark:
        this.due(ev);
        return;
      case EventKind.Start:
        this.start(this.nodes[ev.node]!);
        return;
      case EventKind.Fault:
        this.applyFault(ev.data as Fault);
        return;
      case EventKind.Resume:
        this.resume(this.nodes[ev.node]!, ev.timeUs);
        return;
      case EventKind.Restart:
        this.restart(this.nodes[ev.node]!);
        return;
      case EventKind.Heal:
        this.heal(ev.data as PartitionRec);
        return;
      case EventKind.DelayEnd:
      case EventKind.DropEnd:
        this.endWindow(ev.kind, ev.data as WindowRec);
        return;
      default:
        throw new SimError(`lockstep: internal: unknown event kind ${String(ev.kind)}`, this.nowUs, undefined);
    }
  }

  // -- processes ---------------------------------------------------------------------------

  private fail(e: unknown, node: NodeState, handler: Handler): never {
    if (isKernelError(e)) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new SimError(
      `lockstep: node ${node.id} (incarnation ${node.incarnation}) threw in ${handler} at t=${this.nowUs / 1000} ms: ${msg}`,
      this.nowUs,
      node.id,
      { cause: e },
    );
  }

  private boot(node: NodeState): void {
    node.incarnation += 1;
    node.up = true;
    node.paused = false;
    const ctx = new NodeContext(this, node);
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

  // -- messages ----------------------------------------------------------------------------

  send(src: NodeState, to: string, payload: Message): void {
    let route = src.lastRoute;
    if (route === null || route.toId !== to) route = this.resolveRoute(src, to, payload);
    this.messageCount++;
    // timeUs(), not nowUs: a harness may send through a context between runs.
    const now = this.timeUs();
    // The type is read once, here: the delivery event carries it to the deliver trace event.
    const msg = this.traceKernel ? this.messageName(payload.type, src) : null;
    if (msg !== null) this.emitMessage(false, route, msg, now);
    const at = route.link.route(now);
    if (at < 0 || route.link.duplicateArrivalUs >= 0) {
      this.dropOrDuplicate(at, payload, route, msg);
      return;
    }
    this.enqueueDelivery(at, payload, route, msg);
  }

  /** The rest of send when the link dropped the message (`at` < 0) or duplicated it. */
  private dropOrDuplicate(at: number, payload: Message, route: Route, msg: MessageType | null): void {
    if (at < 0) {
      this.drop(route.src, route.src, route.dst, payload, routeDropReason(at));
      return;
    }
    this.enqueueDelivery(at, payload, route, msg);
    this.enqueueDelivery(route.link.duplicateArrivalUs, payload, route, msg);
  }

  /** The route from `src` to the node named `to` (cached per sender), or a SimError for an unknown node. */
  private resolveRoute(src: NodeState, to: string, payload: Message): Route {
    let route = src.routes.get(to);
    if (route === undefined) {
      const dst = this.byId.get(to);
      if (dst === undefined) {
        throw new SimError(`lockstep: node ${src.id} sent '${String(payload.type)}' to unknown node '${to}'`, this.nowUs, src.id);
      }
      route = new Route(to, src, dst, this.network.link(src.index, dst.index));
      src.routes.set(to, route);
    }
    src.lastRoute = route;
    return route;
  }

  /** Queue the arrival of `payload` at `at`, in an event recycled from the pool when one is free. */
  private enqueueDelivery(at: number, payload: Message, route: Route, msg: MessageType | null): void {
    const ev = this.poolSize === 0 ? this.newDeliveryEvent() : this.pool[--this.poolSize]!;
    ev.timeUs = at;
    ev.node = route.dst.index;
    ev.from = route.src.index;
    ev.data = payload;
    ev.link = route;
    ev.msgType = msg;
    this.push(ev);
  }

  /** A fresh delivery event for enqueueDelivery to fill in (the pool was empty). */
  private newDeliveryEvent(): SimEvent {
    return new SimEvent(0, EventKind.Deliver, -1, -1, null, null);
  }

  /** Return a finished delivery event to the pool (never one that is still queued or held). */
  private recycle(ev: SimEvent): void {
    if (this.poolSize < MAX_POOLED_EVENTS) {
      ev.data = null;
      ev.link = null;
      this.pool[this.poolSize++] = ev;
    }
  }

  private drop(at: NodeState, src: NodeState, dst: NodeState, payload: Message, reason: string): void {
    this.dropCount++;
    this.emitWithLocal(at, 'drop', { from: src.id, to: dst.id, msg: payload.type, reason });
  }

  /** A message arrives over a cut link, at a node that is down (both drop it) or paused (held). */
  private arriveAtUnready(route: Route, ev: SimEvent): void {
    const dst = route.dst;
    if (route.link.blocked > 0) {
      this.drop(dst, route.src, dst, ev.data as Message, 'partition');
    } else if (!dst.up) {
      this.drop(dst, route.src, dst, ev.data as Message, 'down');
    } else {
      this.hold(dst, ev);
      return;
    }
    this.recycle(ev);
  }

  /** Hand a message to its destination's process. */
  private deliver(route: Route, payload: Message, msg: MessageType | null): void {
    const dst = route.dst;
    this.deliveryCount++;
    if (msg !== null) this.emitMessage(true, route, msg, this.nowUs);
    try {
      dst.process!.onMessage(dst.ctx!, route.src.id, payload);
    } catch (e) {
      this.fail(e, dst, 'onMessage');
    }
  }

  private hold(node: NodeState, ev: SimEvent): void {
    if (node.held.length >= this.maxEvents) this.tooManyEvents();
    node.held.push(ev);
  }

  // -- timers and marks --------------------------------------------------------------------

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
      throw new SimError(`lockstep: node ${node.id} armed a timer on unknown clock '${String(clock)}'`, this.nowUs, node.id);
    }
    if (Number.isNaN(localUs)) throw new SimError(`lockstep: node ${node.id} armed a timer at NaN`, this.nowUs, node.id);
    const id = this.nextTimerId++;
    const rec = new TimerRec(id, node, clock, Math.ceil(localUs), tag, isMark, type, fields, outlivesCrash);
    (isMark ? node.marks : node.timers).set(id, rec);
    this.schedule(rec);
    return id;
  }

  private schedule(rec: TimerRec): void {
    const t = rec.node.clock.trueTimeWhen(rec.clock, rec.localUs, this.timeUs());
    if (t === Infinity) {
      rec.state = TIMER_NEVER;
      rec.ev = null;
      return;
    }
    const ev = new SimEvent(t, rec.isMark ? EventKind.Mark : EventKind.Timer, rec.node.index, -1, rec, null);
    rec.state = TIMER_SCHEDULED;
    rec.ev = ev;
    this.push(ev);
  }

  disarm(map: Map<TimerId, TimerRec>, id: TimerId): void {
    const rec = map.get(id);
    if (rec === undefined) return;
    map.delete(id);
    if (rec.ev !== null) rec.ev.cancelled = true;
  }

  /** After a clock change: move every affected pending timer and mark to its new true instant. */
  private reevaluate(node: NodeState, wallOnly: boolean): void {
    for (const map of [node.timers, node.marks]) {
      for (const rec of map.values()) {
        if (rec.state === TIMER_HELD || (wallOnly && rec.clock !== 'wall')) continue;
        const t = node.clock.trueTimeWhen(rec.clock, rec.localUs, this.nowUs);
        if (rec.ev !== null && rec.ev.timeUs === t) continue;
        if (rec.ev !== null) rec.ev.cancelled = true;
        this.schedule(rec);
      }
    }
  }

  private due(ev: SimEvent): void {
    const rec = ev.data as TimerRec;
    const node = rec.node;
    if (rec.isMark) {
      node.marks.delete(rec.id);
      this.emitWithLocal(node, rec.type, rec.fields);
      return;
    }
    if (node.paused) {
      rec.state = TIMER_HELD;
      this.hold(node, ev);
      return;
    }
    this.fire(node, rec);
  }

  private fire(node: NodeState, rec: TimerRec): void {
    node.timers.delete(rec.id);
    if (this.traceKernel) {
      const tag = rec.tag;
      this.emitWithLocal(node, 'timer', typeof tag === 'string' || typeof tag === 'number' ? { tag } : undefined);
    }
    const p = node.process!;
    if (p.onTimer === undefined) return;
    try {
      p.onTimer(node.ctx!, rec.tag, rec.id);
    } catch (e) {
      this.fail(e, node, 'onTimer');
    }
  }

  // -- faults ------------------------------------------------------------------------------

  private applyFault(f: Fault): void {
    switch (f.kind) {
      case 'pause':
        this.pause(this.byId.get(f.node)!, f.forUs);
        return;
      case 'crash':
        this.crash(this.byId.get(f.node)!, f.restartAfterUs);
        return;
      case 'clock-jump': {
        const node = this.byId.get(f.node)!;
        node.clock.jump(this.nowUs, f.byUs);
        this.emitWithLocal(node, 'clock-jump', { byMs: f.byUs / 1000, clock: 'wall' });
        this.reevaluate(node, true);
        return;
      }
      case 'clock-drift': {
        const node = this.byId.get(f.node)!;
        node.clock.setDrift(this.nowUs, f.ppm);
        this.emitWithLocal(node, 'clock-drift', { ppm: f.ppm });
        this.reevaluate(node, false);
        return;
      }
      case 'partition': {
        const rec: PartitionRec = {
          groups: f.groups.map((g) => [...g]),
          indices: f.groups.map((g) => g.map((id) => this.byId.get(id)!.index)),
          oneWay: f.oneWay === true,
        };
        this.network.partition(rec.indices, rec.oneWay, 1);
        this.emit(NET_NODE, 'partition', rec.oneWay ? { groups: rec.groups, oneWay: true } : { groups: rec.groups });
        if (f.forUs !== undefined) this.push(new SimEvent(this.nowUs + f.forUs, EventKind.Heal, -1, -1, rec, null));
        return;
      }
      case 'delay': {
        const link = this.network.link(this.byId.get(f.from)!.index, this.byId.get(f.to)!.index);
        link.extraDelayUs += f.extraUs;
        this.emit(NET_NODE, 'delay', { from: f.from, to: f.to, extraMs: f.extraUs / 1000, forMs: f.forUs / 1000 });
        const rec: WindowRec = { link, extraUs: f.extraUs };
        this.push(new SimEvent(this.nowUs + f.forUs, EventKind.DelayEnd, -1, -1, rec, null));
        return;
      }
      case 'drop': {
        const link = this.network.link(this.byId.get(f.from)!.index, this.byId.get(f.to)!.index);
        link.dropWindows += 1;
        this.emit(NET_NODE, 'drop-window', { from: f.from, to: f.to, forMs: f.forUs / 1000 });
        const rec: WindowRec = { link, extraUs: 0 };
        this.push(new SimEvent(this.nowUs + f.forUs, EventKind.DropEnd, -1, -1, rec, null));
        return;
      }
      default: {
        const never: never = f;
        throw new SimError(`lockstep: internal: unknown fault ${JSON.stringify(never)}`, this.nowUs, undefined);
      }
    }
  }

  private pause(node: NodeState, forUs: number): void {
    if (!node.up) return;
    this.emitWithLocal(node, 'pause', { forMs: forUs / 1000 });
    const end = this.nowUs + forUs;
    const extends_ = !node.paused || end > node.pausedUntilUs;
    node.paused = true;
    if (extends_) {
      node.pausedUntilUs = end;
      this.push(new SimEvent(end, EventKind.Resume, node.index, -1, null, null));
    }
  }

  private resume(node: NodeState, endUs: number): void {
    if (!node.up || !node.paused || node.pausedUntilUs !== endUs) return;
    node.paused = false;
    this.emitWithLocal(node, 'resume', undefined);
    const ctx = node.ctx!;
    const p = node.process!;
    if (p.onResume !== undefined) {
      try {
        p.onResume(ctx);
      } catch (e) {
        this.fail(e, node, 'onResume');
      }
    }
    const held = node.held;
    node.held = [];
    for (let i = 0; i < held.length; i++) {
      const ev = held[i]!;
      if (ev.cancelled) continue;
      if (ev.kind === EventKind.Deliver) this.deliver(ev.link as Route, ev.data as Message, ev.msgType as MessageType | null);
      else this.fire(node, ev.data as TimerRec);
    }
  }

  private crash(node: NodeState, restartAfterUs: number | undefined): void {
    if (!node.up) return;
    this.emitWithLocal(node, 'crash', undefined);
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
      this.push(new SimEvent(this.nowUs + restartAfterUs, EventKind.Restart, node.index, -1, null, null));
    }
  }

  private heal(rec: PartitionRec): void {
    this.network.partition(rec.indices, rec.oneWay, -1);
    this.emit(NET_NODE, 'heal', rec.oneWay ? { groups: rec.groups, oneWay: true } : { groups: rec.groups });
  }

  private endWindow(kind: EventKind, rec: WindowRec): void {
    const { link } = rec;
    if (kind === EventKind.DelayEnd) {
      link.extraDelayUs -= rec.extraUs;
      this.emit(NET_NODE, 'delay-end', { from: link.from, to: link.to, extraMs: rec.extraUs / 1000 });
    } else {
      link.dropWindows -= 1;
      this.emit(NET_NODE, 'drop-window-end', { from: link.from, to: link.to });
    }
  }

  // -- trace -------------------------------------------------------------------------------

  /**
   * Refuse fields the canonical line cannot carry: they would collide with seq/t/node/type, or,
   * in an event of a simulated node (`simulated`), with the `local` reading the kernel appends.
   */
  checkFields(type: string, fields: TraceFields | undefined, node: string | undefined, simulated: boolean): void {
    if (typeof type !== 'string' || type === '') {
      throw new SimError(`lockstep: trace event type must be a non-empty string, got ${String(type)}`, this.nowUs, node);
    }
    if (fields === undefined) return;
    // One pass over the keys the canonical line will write (for-in, as canonicalLine does):
    // several times cheaper than an `in` test per reserved name on fields of ever-new shapes.
    for (const k in fields) {
      if (k === 'seq' || k === 't' || k === 'node' || k === 'type') {
        throw new SimError(
          `lockstep: a '${type}' trace event uses a reserved field name (seq, t, node and type are the canonical keys)`,
          this.nowUs,
          node,
        );
      }
      if (k === 'local' && simulated) {
        throw new SimError(`lockstep: a '${type}' trace event of node ${String(node)} has a 'local' field (the kernel appends the node's clock reading as 'local')`, this.nowUs, node);
      }
    }
  }

  /**
   * Emit an event of a simulated node, appending its `local` wall reading (ms) to its fields
   * (which checkFields made sure have no `local` of their own). Listeners that all take node
   * events as arguments get them so; others get the event object with the fields copied.
   */
  emitWithLocal(node: NodeState, type: string, fields: TraceFields | undefined): void {
    const tUs = this.timeUs();
    const localMs = node.clock.read('wall', tUs) / 1000;
    const sinks = this.nodeSinks;
    if (sinks === null || this.publishing) {
      this.emit(node.id, type, withLocal(fields, localMs));
      return;
    }
    const seq = this.traceSeq++;
    this.publishing = true;
    try {
      for (let i = 0; i < sinks.length; i++) sinks[i]!.onNodeEvent(seq, tUs, node.id, type, fields, localMs);
      this.drainNested();
    } finally {
      this.endPublishing();
    }
  }

  /**
   * The trace form of message type `type`, memoised so the hash finds its precomputed term
   * (and the last one kept apart: most traffic repeats a type).
   */
  private messageName(type: string, src: NodeState): MessageType {
    if (type === this.lastMsgType) return this.lastMsgName;
    let name = this.msgNames.get(type);
    if (name === undefined) {
      if (typeof type !== 'string') {
        throw new SimError(`lockstep: node ${src.id} sent a message whose type is ${String(type)}, not a string`, this.nowUs, src.id);
      }
      name = new MessageType(type);
      if (this.msgNames.size < MAX_MESSAGE_TYPES) this.msgNames.set(type, name);
    }
    this.lastMsgType = type;
    this.lastMsgName = name;
    return name;
  }

  /**
   * Emit the send (`deliver` false) or deliver event of a message of type `msg` on `route`
   * (its fields are built only if a listener asks) to the listeners that read message events.
   * When those are one TraceHasher (a hash-only sweep, or a checked run: the checkers read no
   * message events) it is called directly: the hasher emits nothing, so nothing can queue behind
   * it, and no listener is mid-publish here (processes, which send, never run inside a listener).
   */
  private emitMessage(deliver: boolean, route: Route, msg: MessageType, tUs: number): void {
    const hasher = this.soleHasher;
    if (hasher !== null) hasher.onMessageEvent(this.traceSeq++, tUs, deliver, route, msg);
    else this.publishMessage(deliver, route, msg, tUs);
  }

  /** emitMessage for listeners other than a sole hasher. */
  private publishMessage(deliver: boolean, route: Route, msg: MessageType, tUs: number): void {
    const sinks = this.sinks;
    if (sinks !== null && !this.publishing) {
      const seq = this.traceSeq++;
      this.publishing = true;
      try {
        for (let i = 0; i < sinks.length; i++) sinks[i]!.onMessageEvent(seq, tUs, deliver, route, msg);
        this.drainNested();
      } finally {
        this.endPublishing();
      }
      return;
    }
    this.publish(new MessageTraceEvent(this.traceSeq++, tUs, deliver, route, msg), this.messageListeners);
  }

  emit(node: string, type: string, fields: TraceFields | undefined): void {
    const e: TraceEvent = { seq: this.traceSeq++, tUs: this.timeUs(), node, type, fields };
    this.publish(e);
  }

  /** Publish the events listeners emitted while being called (the queue may grow meanwhile). */
  private drainNested(): void {
    if (this.nested.length === 0) return;
    const ls = this.listeners;
    for (let j = 0; j < this.nested.length; j++) {
      const next = this.nested[j]!;
      for (let i = 0; i < ls.length; i++) ls[i]!.onEvent(next);
    }
  }

  /** The end of a publication, however it ended: listeners may emit directly again. */
  private endPublishing(): void {
    this.publishing = false;
    if (this.nested.length !== 0) this.nested.length = 0;
  }

  /**
   * Hand an event to every listener in order (a message event: to those that read them, `ls`).
   * A listener may itself emit (a checker tracing a `violation`); such events are queued and
   * published after the current one has reached every listener, so all listeners see the same
   * events in seq order.
   */
  private publish(e: TraceEvent, ls: readonly TraceListener[] = this.listeners): void {
    if (this.publishing) {
      // Only listeners emit while publishing, and they never emit message events.
      if (this.nested.length >= this.maxEvents) this.tooManyEvents();
      this.nested.push(e);
      return;
    }
    this.publishing = true;
    try {
      for (let i = 0; i < ls.length; i++) ls[i]!.onEvent(e);
      this.drainNested();
    } finally {
      this.endPublishing();
    }
  }
}

/**
 * A deterministic simulation of a set of nodes. Build it (nodes, links, faults, listeners),
 * then `run(untilUs)`; `run` may be called again to continue.
 */
export class Simulation {
  /** The run seed (as an unsigned 32-bit integer). */
  readonly seed: number;
  private readonly k: Kernel;

  constructor(opts: SimulationOptions) {
    this.k = new Kernel(opts);
    this.seed = this.k.seed;
  }

  /**
   * Add a node: `factory` builds its process at start (queued at the current true time) and
   * again at each restart. `clock` sets its clock's offset and drift (default 0 and 0).
   */
  addNode(id: string, factory: ProcessFactory, clock?: Partial<ClockConfig>): void {
    this.k.addNode(id, factory, clock);
  }

  /** Configure one directed link (merged over the simulation's network defaults). */
  setLink(from: string, to: string, cfg: Partial<LinkConfig>): void {
    const a = this.k.node(from, 'setLink');
    const b = this.k.node(to, 'setLink');
    this.k.network.setLink(a.index, b.index, cfg);
  }

  addListener(l: TraceListener): void {
    this.k.addListener(l);
  }

  /**
   * Schedule faults at their absolute true times. The nodes they name must already exist; the
   * whole plan is validated first, and faults at the same instant apply in the given order.
   */
  addFaults(faults: readonly Fault[]): void {
    this.k.addFaults(faults);
  }

  /** Run until the queue is empty or the next event lies past `untilUs`; time ends at `untilUs`. */
  run(untilUs: number): SimStats {
    return this.k.run(untilUs);
  }

  /** True time in µs. For the harness only — processes must never see it. */
  nowUs(): number {
    return this.k.timeUs();
  }

  /** A node's clocks, for harness and test introspection. */
  clockOf(id: string): NodeClock {
    return this.k.node(id, 'clockOf').clock;
  }

  /** A harness-level named stream (`harness/<name>`), cached so repeated calls continue it. */
  rng(name: string): Rng {
    return this.k.harnessRng(name);
  }

  /** Node ids in the order they were added. */
  nodeIds(): readonly string[] {
    return this.k.nodes.map((n) => n.id);
  }

  /** Counters so far. */
  stats(): SimStats {
    return this.k.statsNow();
  }

  /**
   * Emit a harness-level trace event at the current true time (checkers use it for
   * `violation`). When `node` is a simulated node the event carries its `local` reading.
   */
  emit(node: string, type: string, fields?: TraceFields): void {
    const n = this.k.byId.get(node);
    this.k.checkFields(type, fields, node, n !== undefined);
    if (n !== undefined) this.k.emitWithLocal(n, type, fields);
    else this.k.emit(node, type, fields);
  }
}
