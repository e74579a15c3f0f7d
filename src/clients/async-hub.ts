/**
 * What the async clients of one run share with the simulator that drives it: a way to make the
 * kernel yield after the event now running (so their code can run to its next await before the
 * next event, see async-client.ts), and the first failure of any of them, which ends the run.
 */

/** An async client's function threw or rejected, or misused its context. */
export class AsyncClientError extends Error {
  constructor(
    readonly client: string,
    cause: unknown,
  ) {
    super(`lockstep: async client ${client} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'AsyncClientError';
  }
}

/** What the hub asks of each client it watches. */
export interface WatchedClient {
  readonly client: string;
  /** Running with no ctx operation in flight after a drain: it awaits something outside the simulation. */
  stuck(): boolean;
}

/** One per run with async clients; see the module comment. */
export class AsyncClientHub {
  private readonly clients: WatchedClient[] = [];
  private failure: Error | undefined = undefined;

  /** `requestYield` makes the kernel return after the event now running (Simulation.requestYield). */
  constructor(private readonly requestYield: () => void) {}

  register(client: WatchedClient): void {
    this.clients.push(client);
  }

  /** A client's promise was resolved: its code must run before the next kernel event. */
  wake(): void {
    this.requestYield();
  }

  /** Records the run's first failure; the simulator throws it after the current drain. */
  fail(error: Error): void {
    this.failure ??= error;
    this.requestYield();
  }

  /**
   * Called after every drain: throws the first failure, or an {@link AsyncClientError} for a
   * client that awaits something the simulator does not resolve (its run could not be replayed).
   */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
    for (const client of this.clients) {
      if (client.stuck()) {
        throw new AsyncClientError(
          client.client,
          new Error('it awaits something the simulation does not control (only the promises of its ctx may be awaited: no real timers, I/O or network)'),
        );
      }
    }
  }
}
