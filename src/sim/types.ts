/**
 * The kernel's public vocabulary: what a simulated process may see and do, what a fault is,
 * and what a trace event looks like. Everything outside src/sim builds against these types
 * only, so that the timed scheduler and a later exploring scheduler can run the same processes.
 *
 * Units: every time inside the kernel is an integer count of microseconds (`Us` suffix).
 * Scenario files speak milliseconds; the scenario layer converts.
 */

/** Which of a node's two clocks a timer or reading refers to. */
export type ClockKind = 'wall' | 'mono';

/** A handle for a pending timer; 0 is never a valid handle. */
export type TimerId = number;

/**
 * What a process sees of the world. It never sees true time: only its own wall clock (which
 * has an offset, drifts and may jump) and its monotonic clock (which drifts but never jumps).
 */
export interface ProcessContext {
  /** This node's id (`m1`, `c2`, `storage`, ...). */
  readonly id: string;
  /** How many times this node has been (re)started; 0 for the first incarnation. */
  readonly incarnation: number;
  /** The local reading of one of this node's clocks, in microseconds. */
  now(clock: ClockKind): number;
  /** Send a message over the simulated network. Payloads are shared, never copied: treat as immutable. */
  send(to: string, payload: Message): void;
  /** Arm a timer `delayUs` from now as measured by `clock` (default mono); `tag` comes back in onTimer. */
  setTimer(delayUs: number, tag: unknown, clock?: ClockKind): TimerId;
  /** Arm a timer for when `clock` reads `localUs`. A wall timer moves when the wall clock jumps. */
  setTimerAt(localUs: number, clock: ClockKind, tag: unknown): TimerId;
  /** Cancel a pending timer; cancelling a fired or unknown timer is a no-op. */
  cancelTimer(id: TimerId): void;
  /**
   * Record, at the true instant this node's `clock` reads `localUs`, a trace event of `type`
   * with `fields` — even if the node is paused then. A mark is a fact about the clock (a lease
   * deadline passing), not an action of the process, so a pause cannot delay it. A crash
   * discards it with the rest of the process unless `opts.outlivesCrash`. Returns a handle that
   * `cancelMark` takes.
   */
  markAt(localUs: number, clock: ClockKind, type: string, fields: TraceFields, opts?: MarkOptions): TimerId;
  /** Cancel a pending mark. */
  cancelMark(id: TimerId): void;
  /** A PRNG stream private to this node: `rng('backoff')` is the stream `node/<id>/backoff`. */
  rng(name: string): Rng;
  /**
   * Emit a structured trace event attributed to this node at the current true time. The kernel
   * appends the node's wall reading as the last field, `local`; `fields` may not use `local`,
   * `seq`, `t`, `node` or `type`. The object is kept as given (not copied): do not change it after.
   */
  trace(type: string, fields?: TraceFields): void;
  /**
   * Durable storage that survives a crash of this node (a disk). Volatile state lives in the
   * process object and is lost on crash; only what is written here comes back on restart.
   */
  readonly durable: Map<string, unknown>;
}

/** A message payload. `type` names it in the trace (`msg` field of send/deliver/drop). */
export interface Message {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** A simulated process: a node's program. Handlers run to completion; nothing is concurrent. */
export interface Process {
  /** Called once when the node starts or restarts (after a crash). */
  onStart?(ctx: ProcessContext): void;
  /** A message arrived. */
  onMessage(ctx: ProcessContext, from: string, payload: Message): void;
  /** A timer armed with setTimer/setTimerAt fired. */
  onTimer?(ctx: ProcessContext, tag: unknown, id: TimerId): void;
  /** Called when the node resumes from a pause, before held events are replayed. */
  onResume?(ctx: ProcessContext): void;
  /**
   * The process's state in a form whose canonical text identifies it, for a model checker's
   * visited set (see world-state.ts). Optional: without it the process object is walked field by
   * field, which misses state kept only in closures.
   */
  canonicalState?(): unknown;
}

/** Builds a fresh process for a node: at start, and again at each restart after a crash. */
export type ProcessFactory = (ctx: ProcessContext) => Process;

/** A deterministic PRNG stream. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

/** Extra fields of a trace event. Values must be JSON-serialisable and built deterministically. */
export type TraceFields = Record<string, unknown>;

/**
 * One structured event. `tUs` is true time in microseconds; the canonical line (DESIGN §5.5)
 * writes it as `t` in milliseconds with microsecond precision.
 */
/** How a mark behaves beyond the ordinary (see ProcessContext.markAt). */
export interface MarkOptions {
  /**
   * Keep the mark when this node crashes: it still fires, on the node's clock, while the node
   * is down or after it restarts. For a deadline that holds in the world whatever becomes of the
   * process that computed it: a Redlock client's validity deadline is when its lock ends at the
   * instances, whether or not the client lives to see it. State the process keeps itself (a
   * server's own key expiry) dies with it and should not outlive a crash.
   */
  outlivesCrash?: boolean;
}

export interface TraceEvent {
  readonly seq: number;
  readonly tUs: number;
  readonly node: string;
  readonly type: string;
  readonly fields: TraceFields | undefined;
}

/** Anything that consumes the event stream: the hasher, the recorder, the online checkers. */
export interface TraceListener {
  onEvent(event: TraceEvent): void;
  /**
   * False for a listener that never reads the kernel's `send` and `deliver` events (the online
   * checkers): the kernel then does not hand it them, and they, the bulk of every trace, cost it
   * nothing. Every other event still reaches it. Default true.
   */
  readonly messageEvents?: boolean;
}

// ----------------------------------------------------------------------------------------------
// Faults as data (DESIGN §5.2). Absolute true times, microseconds inside the kernel.

export interface PauseFault { kind: 'pause'; atUs: number; node: string; forUs: number }
export interface CrashFault { kind: 'crash'; atUs: number; node: string; restartAfterUs?: number }
export interface ClockJumpFault { kind: 'clock-jump'; atUs: number; node: string; byUs: number; clock: 'wall' }
export interface ClockDriftFault { kind: 'clock-drift'; atUs: number; node: string; ppm: number }
/**
 * Symmetric partition: nodes in different groups cannot talk; a node in no group is unaffected.
 * One-way partition: `oneWay: true` with exactly two groups drops only messages from groups[0]
 * to groups[1].
 */
export interface PartitionFault { kind: 'partition'; atUs: number; groups: string[][]; forUs?: number; oneWay?: boolean }
export interface DelayFault { kind: 'delay'; atUs: number; from: string; to: string; extraUs: number; forUs: number }
export interface DropFault { kind: 'drop'; atUs: number; from: string; to: string; forUs: number }

export type Fault =
  | PauseFault
  | CrashFault
  | ClockJumpFault
  | ClockDriftFault
  | PartitionFault
  | DelayFault
  | DropFault;

export type FaultKind = Fault['kind'];

// ----------------------------------------------------------------------------------------------
// Configuration.

/** Latency model of a link. */
export interface LinkConfig {
  /** Uniform one-way latency range [min, max] in microseconds. */
  latencyUs: readonly [number, number];
  /** Long tail: with probability `p`, add a uniform extra delay in [0, maxUs]. */
  tail?: { p: number; maxUs: number } | undefined;
  dropRate: number;
  duplicateRate: number;
  /** FIFO: a message never overtakes an earlier one on the same directed link. */
  fifo: boolean;
}

/** A node's clock at time 0: offset from true time, and rate error in parts per million. */
export interface ClockConfig {
  offsetUs: number;
  driftPpm: number;
}

/** Hard bounds on a run: exceeding either is an error (a message storm must not hang the process). */
export interface RunBounds {
  maxEvents: number;
  maxTimeUs: number;
}

/** Counters every run reports. */
export interface SimStats {
  events: number;
  messages: number;
  delivered: number;
  dropped: number;
  traceEvents: number;
  simUs: number;
}
