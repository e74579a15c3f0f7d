/**
 * Ctrl-C and SIGTERM during `run`: the first signal asks the sweep to stop at the next seed
 * boundary, so the seeds already run are still reported (JSON with `"interrupted": true`, JUnit,
 * HTML); the second ends the process at once.
 *
 * Why the second needs no handler: a seed runs synchronously, and a JavaScript signal handler only
 * runs between seeds. So the first signal's handler removes itself, which gives the signal its
 * default action back: a second Ctrl-C then kills the process even in the middle of a long seed.
 */

/** Exit code after an interrupted run: 128 + the signal's number, as a shell reports it. */
export const INTERRUPT_EXIT: Readonly<Record<InterruptSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

export type InterruptSignal = 'SIGINT' | 'SIGTERM';
const SIGNALS: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM'];

/** Watches for SIGINT and SIGTERM while installed; `signal` is the first one received. */
export class Interrupt {
  private received: InterruptSignal | undefined;
  private readonly handlers = new Map<InterruptSignal, () => void>();

  /** The first signal received since {@link install}, if any. */
  get signal(): InterruptSignal | undefined {
    return this.received;
  }

  install(onFirst: (signal: InterruptSignal) => void): void {
    for (const signal of SIGNALS) {
      const handler = (): void => {
        this.received ??= signal;
        this.uninstall();
        onFirst(signal);
      };
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /** Gives both signals their default action back. */
  uninstall(): void {
    for (const [signal, handler] of this.handlers) process.removeListener(signal, handler);
    this.handlers.clear();
  }
}

/** Lets the event loop turn once, so a pending signal's handler runs. */
export function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
