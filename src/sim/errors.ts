/**
 * The kernel's error classes. Each names what went wrong and where (true time, node), so a
 * failing seed's message is enough to start debugging.
 */

/** A run hit one of its hard bounds (DESIGN §6: bound every loop and assert the bound). */
export class SimBoundExceeded extends Error {
  override readonly name = 'SimBoundExceeded';
  readonly bound: 'maxEvents' | 'maxTimeUs';
  /** True time at which the bound was hit, µs. */
  readonly atUs: number;
  /** The bound's value. */
  readonly limit: number;

  constructor(bound: 'maxEvents' | 'maxTimeUs', limit: number, atUs: number) {
    super(
      bound === 'maxEvents'
        ? `lockstep: run exceeded ${limit} events at t=${atUs / 1000} ms (a message storm?) — ` +
            'raise bounds.maxEvents if the scenario really needs more, or look for a loop of messages or timers'
        : `lockstep: run reached an event at t=${atUs / 1000} ms, past bounds.maxTimeUs (${limit / 1000} ms) — ` +
            'raise bounds.maxTimeUs or shorten the run',
    );
    this.bound = bound;
    this.limit = limit;
    this.atUs = atUs;
  }
}

/** A failure inside a run: a process threw, or asked the kernel for something impossible. */
export class SimError extends Error {
  override readonly name = 'SimError';
  /** True time of the failure, µs. */
  readonly atUs: number;
  /** The node whose code was running, if any. */
  readonly node: string | undefined;

  constructor(message: string, atUs: number, node: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.atUs = atUs;
    this.node = node;
  }
}

/** The simulation was set up wrongly (unknown node, duplicate id, bad fault, bad bound). */
export class SimConfigError extends Error {
  override readonly name = 'SimConfigError';
}

/**
 * A kernel invariant failed: a bug in the kernel or in a scheduler, never in a process. Carries
 * where (true time, node) like every kernel error, so the failing seed's message locates it.
 */
export class KernelInvariantError extends Error {
  override readonly name: string = 'KernelInvariantError';
  /** True time at which the invariant was found broken, µs. */
  readonly atUs: number;
  /** The node concerned, if any. */
  readonly node: string | undefined;

  constructor(message: string, atUs: number, node: string | undefined) {
    super(`lockstep: internal: ${message} (t=${atUs / 1000} ms${node === undefined ? '' : `, node ${node}`})`);
    this.atUs = atUs;
    this.node = node;
  }
}

/**
 * An event was queued for before the current time. Every event is due now or later (a timer
 * armed for a passed reading is due now), so the timed scheduler never moves time backwards, and
 * an event added while a delivery runs always sorts after it (which replacing the queue's first
 * event relies on).
 */
export class EventInPastError extends KernelInvariantError {
  override readonly name: string = 'EventInPastError';
  /** The time the event was queued for, µs. */
  readonly eventUs: number;

  constructor(eventUs: number, atUs: number, node: string | undefined) {
    super(`an event was queued for t=${eventUs / 1000} ms, before the current time`, atUs, node);
    this.eventUs = eventUs;
  }
}

/**
 * The delivery that ran while staying first in the queue was not first any more when removed:
 * the scheduler's peek/replaceTop broke their contract (see Scheduler.peek).
 */
export class QueueTopError extends KernelInvariantError {
  override readonly name: string = 'QueueTopError';

  constructor(atUs: number, node: string | undefined) {
    super('the delivery that ran was no longer first in the scheduler when removed', atUs, node);
  }
}

/** A handler was about to run on a node that is down or paused (only ready nodes run code). */
export class NodeNotReadyError extends KernelInvariantError {
  override readonly name: string = 'NodeNotReadyError';

  constructor(what: string, atUs: number, node: string) {
    super(`${what} on a node that is down or paused`, atUs, node);
  }
}
