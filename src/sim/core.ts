/**
 * The state every part of the kernel shares: true time, the event queue with its bound, the
 * nodes, the network and the trace publisher, with the few primitives they all use (queue an
 * event, hold one for a paused node, report a process's failure, emit a trace event).
 *
 * The loop (kernel.ts) extends this class; messages, timers and fault application hold it.
 * Fields set in a constructor are `declare`d (see SimEvent for why).
 */
import { SimBoundExceeded, SimConfigError, SimError, KernelInvariantError, EventInPastError } from './errors.js';
import type { SimEvent } from './event.js';
import { Network } from './network.js';
import type { NodeState } from './node-state.js';
import { TracePublisher } from './publisher.js';
import { TimedScheduler, type Scheduler } from './scheduler.js';
import type { LinkConfig, RunBounds, TraceFields, TraceListener } from './types.js';

/** The node name network-fault trace events are attributed to. */
export const NET_NODE = 'net';

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

/** Which handler of a process was running, for error messages. */
export type Handler = 'factory' | 'onStart' | 'onMessage' | 'onTimer' | 'onResume';

/** Errors that already say what went wrong and are passed through unwrapped. */
function isKernelError(e: unknown): boolean {
  return e instanceof SimError || e instanceof SimBoundExceeded || e instanceof SimConfigError || e instanceof KernelInvariantError;
}

/** The kernel's shared state and primitives (see the module comment). */
export class KernelCore {
  declare readonly seed: number;
  /**
   * True time of the event being run (or of the last one run), µs: the clock the loop advances.
   * Where a run() ended is kept apart in `endUs`, so that a run to a far bound (the bench runs to
   * Number.MAX_SAFE_INTEGER) never turns this field, read on every event, from a small integer
   * into a boxed double for every kernel of the process. `timeUs()` is the current time.
   */
  nowUs = 0;
  /** Where the last run() ended (time stands there until the next event runs). */
  protected endUs = 0;
  /**
   * Simulation.requestYield() was called: the loop returns after the event now running, and a
   * resumed node's replay of held events stops before the next one (FaultInjector.replayHeld).
   */
  yieldRequested = false;
  protected declare readonly sched: Scheduler;
  /** The scheduler has peek() and replaceTop() (see Scheduler.peek). */
  protected declare readonly lazyTop: boolean;
  /**
   * The delivery being handled while it stays in the scheduler as its first event, else null:
   * the first event its handler adds (usually a reply) replaces it, one sift-down instead of a
   * pop's sift-down and a push's sift-up, and the loop removes it after a handler that added
   * nothing. It is still first then because every event added while it runs comes after it in
   * (time, seq) order: push asserts that none is due before now, and seq grows.
   */
  protected pendingTop: SimEvent | null = null;
  /** Events in the scheduler's queue (cancelled ones included): pushed less taken by the loop. */
  protected queued = 0;
  private nextSeq = 0;
  declare readonly network: Network;
  declare readonly publisher: TracePublisher;
  declare readonly traceKernel: boolean;
  declare readonly maxEvents: number;
  protected declare readonly maxTimeUs: number | undefined;
  readonly nodes: NodeState[] = [];
  readonly byId = new Map<string, NodeState>();

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
    this.publisher = new TracePublisher(opts.listeners ?? [], maxEvents, () => this.tooManyEvents());
    this.traceKernel = opts.traceKernelEvents ?? true;
  }

  /** The current true time, µs: the running event's, or where the last run ended if later. */
  timeUs(): number {
    const end = this.endUs;
    return end > this.nowUs ? end : this.nowUs;
  }

  /** The node named `id`, or a SimConfigError naming `where` it was asked for. */
  node(id: string, where: string): NodeState {
    const n = this.byId.get(id);
    if (n === undefined) throw new SimConfigError(`lockstep: ${where}: unknown node '${id}'`);
    return n;
  }

  /** Queue `ev`, giving it the next seq; the first event a delivery's handler adds takes the delivery's place (see pendingTop). */
  push(ev: SimEvent): void {
    if (++this.queued > this.maxEvents) this.tooManyEvents();
    if (ev.timeUs < this.timeUs()) this.eventInPast(ev);
    ev.seq = this.nextSeq++;
    if (this.pendingTop !== null) {
      this.pendingTop = null;
      this.sched.replaceTop!(ev);
    } else {
      this.sched.push(ev);
    }
  }

  /** Throws the maxEvents bound error (kept out of the hot functions, which only test the bound). */
  tooManyEvents(): never {
    throw new SimBoundExceeded('maxEvents', this.maxEvents, this.nowUs);
  }

  private eventInPast(ev: SimEvent): never {
    throw new EventInPastError(ev.timeUs, this.timeUs(), this.nodes[ev.node]?.id);
  }

  /** Keep an event that fell due at a paused node, for its resume. */
  hold(node: NodeState, ev: SimEvent): void {
    if (node.held.length >= this.maxEvents) this.tooManyEvents();
    node.held.push(ev);
  }

  /** Rethrow what a process's `handler` threw as a SimError naming the node and the time. */
  fail(e: unknown, node: NodeState, handler: Handler): never {
    if (isKernelError(e)) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new SimError(
      `lockstep: node ${node.id} (incarnation ${node.incarnation}) threw in ${handler} at t=${this.nowUs / 1000} ms: ${msg}`,
      this.nowUs,
      node.id,
      { cause: e },
    );
  }

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
    // cheaper than an `in` test per reserved name on fields of ever-new shapes.
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

  /** Emit an event of a simulated node, with its wall reading (ms) as `local` (see checkFields). */
  emitWithLocal(node: NodeState, type: string, fields: TraceFields | undefined): void {
    const tUs = this.timeUs();
    this.publisher.nodeEvent(tUs, node.id, type, fields, node.clock.read('wall', tUs) / 1000);
  }

  /** Emit an event with its fields as given (of no simulated node, such as `net`'s). */
  emit(node: string, type: string, fields: TraceFields | undefined): void {
    this.publisher.event(this.timeUs(), node, type, fields);
  }
}
