/**
 * Running a prepared world when some of its clients are async functions: the kernel runs until
 * an async client's promise is resolved (the client asks it to yield), then every microtask is
 * drained — the client's code runs to its next await of a ctx operation, at that event's
 * simulated instant — and the kernel goes on with the next event. See src/clients/async-client.ts
 * for why this keeps the run a pure function of (scenario, seed), and ambient-fence.ts for the
 * refusal of ambient time and randomness while the clients' code runs.
 *
 * A scenario without async clients runs in one synchronous `run`, exactly as
 * `simulate` of src/explore does (same trace, same hash).
 */
import { AmbientCallError, AsyncClientError, drainMicrotasks, holdFence, releaseFence } from '../clients/index.js';
import { prepareRun, type SimulateOptions, type SimulateOutcome } from '../explore/simulate.js';
import { runOrBoundAsync, sweepSeeds, type SweepOptions, type SweepTarget } from '../explore/sweep.js';
import type { ScenarioRunResult } from '../explore/result.js';
import type { Scenario } from '../scenario/index.js';

/** Runs `scenario` under `seed` (async clients or not) and judges it. */
export async function simulateScenario(scenario: Scenario, seed: number, opts: SimulateOptions = {}): Promise<SimulateOutcome> {
  const run = prepareRun(scenario, seed, opts);
  const hub = run.asyncClients;
  if (hub === undefined) return run.finish(run.advance());
  holdFence();
  try {
    let stats = run.advance();
    while (run.sim.yielded && run.failure === undefined) {
      await drainMicrotasks();
      hub.check();
      stats = run.advance();
    }
    return run.finish(stats);
  } finally {
    releaseFence();
  }
}

/** {@link sweepScenario} of src/explore for any scenario: the same rules, each seed run by {@link simulateScenario}. */
export async function sweepScenarioAsync(target: SweepTarget, opts: Omit<SweepOptions, 'runner'> = {}): Promise<ScenarioRunResult> {
  const sweep = sweepSeeds(target, opts);
  let next = sweep.next();
  while (next.done !== true) {
    const seed = next.value;
    next = sweep.next(await runOrBoundAsync(async () => (await simulateScenario(target.scenario, seed, opts.simulate)).result));
  }
  return next.value;
}

/** Whether `error` is one an async client caused (its message says what to fix; no stack needed). */
export function isClientError(error: unknown): error is AmbientCallError | AsyncClientError {
  return error instanceof AmbientCallError || error instanceof AsyncClientError;
}
