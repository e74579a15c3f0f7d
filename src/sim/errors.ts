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
