/**
 * The human lines of `run` about rates: per-invariant rates after an `--all-seeds` sweep, or the
 * notice that a sweep stopped at its first find (so the reader does not take one find for a rate),
 * or that a repro file no longer fails.
 */
import type { ScenarioRunResult } from '../explore/result.js';
import { formatRate, planRunSweep, type RunSweepOptions } from '../explore/rates.js';
import { runOrBoundAsync, sweepSeeds, type SweepTarget } from '../explore/sweep.js';
import { SimBoundExceeded } from '../explore/simulate.js';
import { simulateScenario } from '../library/simulate.js';
import { turnEventLoop } from './interrupt.js';

/** The indented lines printed under a scenario's line of `lockstep run`. */
export function rateLines(entry: ScenarioRunResult): string[] {
  if (entry.fixed) return [`      ${entry.fixed}`];
  if (entry.rates) return entry.rates.map((rate) => `      rate ${formatRate(rate, entry.seedsRun)}`);
  if (entry.earlyStop) return [`      ${entry.earlyStop.notice} (seed ${entry.earlyStop.atSeed} of ${entry.earlyStop.seedsPlanned} planned)`];
  return [];
}

/** One scenario's sweep for `run`: its entry, and whether `shouldStop` cut it short of its planned seeds. */
export interface RunSweep {
  entry: ScenarioRunResult;
  stoppedEarly: boolean;
  seedsPlanned: number;
}

/**
 * `run`'s sweep of one scenario (async clients or not), with rates or the early-stop notice. Each
 * seed runs on its own turn of the event loop, so a signal's handler runs between seeds and
 * `shouldStop` sees it; a sweep stopped that way gets no early-stop or fixed note (it did not finish).
 */
export async function sweepForRunAsync(target: SweepTarget, opts: Omit<RunSweepOptions, 'runner'> = {}): Promise<RunSweep> {
  const plan = planRunSweep(target, opts);
  let stoppedEarly = false;
  const shouldStop = (): boolean => (stoppedEarly ||= opts.shouldStop?.() === true);
  const seeds = sweepSeeds(target, { ...plan.options, shouldStop });
  let next = seeds.next();
  while (next.done !== true) {
    const seed = next.value;
    const outcome = await runOrBoundAsync(async () => (await simulateScenario(target.scenario, seed, plan.options.simulate)).result);
    if (!(outcome instanceof SimBoundExceeded)) plan.record(seed, outcome);
    await turnEventLoop();
    next = seeds.next(outcome);
  }
  return { entry: stoppedEarly ? next.value : plan.finish(next.value), stoppedEarly, seedsPlanned: plan.seedsPlanned };
}
