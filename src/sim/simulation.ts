/**
 * The deterministic simulation kernel's entry point: {@link Simulation}, over the kernel's parts
 * (kernel.ts the loop, messages.ts message passing over the {@link Network}, timers.ts timers and
 * marks, fault-injection.ts faults, node-context.ts what processes see, publisher.ts the trace).
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
import type { NodeClock } from './clock.js';
import { Kernel } from './kernel.js';
import type { SimulationOptions } from './core.js';
import type { SimEvent } from './event.js';
import type { Fingerprint, WorldHasher } from './world-state.js';
import type { ClockConfig, Fault, LinkConfig, ProcessFactory, Rng, SimStats, TraceFields, TraceListener } from './types.js';

export { NET_NODE, DEFAULT_MAX_EVENTS, type SimulationOptions } from './core.js';

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

  /**
   * Run until the queue is empty or the next event lies past `untilUs`; time ends at `untilUs`.
   * A run returns earlier, right after the event during which {@link requestYield} was called,
   * with {@link yielded} true; calling `run(untilUs)` again continues with the next event.
   */
  run(untilUs: number): SimStats {
    return this.k.run(untilUs);
  }

  /**
   * Ask the running loop to return after the event now running, before the next one starts
   * (also between two held events a resumed node is handed). For a harness that must let code
   * outside the kernel run between two events at one simulated instant: the async clients'
   * promise continuations (src/clients/async-client.ts).
   */
  requestYield(): void {
    this.k.yieldRequested = true;
  }

  /** Whether the last {@link run} returned at a yield rather than at `untilUs`. */
  get yielded(): boolean {
    return this.k.yielded;
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

  /**
   * The canonical fingerprint of the world now (see world-state.ts): every node's state and the
   * given pending events, times relative to now, and `schedulerWords` and `sentAtUs`. For an exploring
   * scheduler, which owns the queue and may keep state of its own that shapes what comes next.
   */
  worldFingerprint(hasher: WorldHasher, pending: readonly SimEvent[], schedulerWords: readonly number[] = [], sentAtUs?: (ev: SimEvent) => number | undefined): Fingerprint {
    return hasher.fingerprint(this.k.nodes, this.k.network.linkRows(), pending, this.k.timeUs(), schedulerWords, sentAtUs);
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
