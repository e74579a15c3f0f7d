/**
 * The human lines of `run` about rates: per-invariant rates after an `--all-seeds` sweep, or the
 * notice that a sweep stopped at its first find (so the reader does not take one find for a rate),
 * or that a repro file no longer fails; and the distinct failures and coverage a search reports.
 */
import type { ScenarioRunResult } from '../explore/result.js';
import { formatRate, planRunSweep, type RunSweepOptions } from '../explore/rates.js';
import { runOrBoundAsync, sweepSeeds, type SweepTarget } from '../explore/sweep.js';
import { SimBoundExceeded } from '../explore/simulate.js';
import { formatDistinctFailure } from '../explore/targets.js';
import { CoverageMap, formatCoverage, transitionsOf } from '../explore/coverage.js';
import { INVARIANTS, type InvariantName } from '../scenario/index.js';
import { simulateScenario } from '../library/simulate.js';
import { turnEventLoop } from './interrupt.js';

/** The indented lines printed under a scenario's line of `lockstep run`. */
export function rateLines(entry: ScenarioRunResult): string[] {
  const target = entry.expect === 'pass' ? undefined : entry.expect.violation;
  const distinct = (entry.distinctFailures ?? []).map((failure) => `      ${formatDistinctFailure(failure, target)}`);
  const coverage = entry.coverage ? [`      ${formatCoverage(entry.coverage, entry.seedsRun)}`] : [];
  return [...noteLines(entry), ...distinct, ...coverage];
}

function noteLines(entry: ScenarioRunResult): string[] {
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
 * `run`'s sweep of one scenario (async clients or not), with rates or the early-stop notice, and
 * with `coverage` the transitions its seeds reached. Each seed runs on its own turn of the event
 * loop, so a signal's handler runs between seeds and `shouldStop` sees it; a sweep stopped that way
 * gets no early-stop or fixed note (it did not finish).
 */
export async function sweepForRunAsync(target: SweepTarget, opts: Omit<RunSweepOptions, 'runner'> & { coverage?: boolean } = {}): Promise<RunSweep> {
  const { coverage: measureCoverage = false, ...runOptions } = opts;
  const plan = planRunSweep(target, runOptions);
  const coverage = measureCoverage ? new CoverageMap() : undefined;
  const clientIds = target.scenario.clients.map((client) => client.id);
  let stoppedEarly = false;
  const shouldStop = (): boolean => (stoppedEarly ||= opts.shouldStop?.() === true);
  const seeds = sweepSeeds(plan.target, { ...plan.options, shouldStop });
  const simulateOptions = coverage ? { ...plan.options.simulate, record: true } : plan.options.simulate;
  let next = seeds.next();
  while (next.done !== true) {
    const seed = next.value;
    const outcome = await runOrBoundAsync(async () => {
      const { result, events } = await simulateScenario(plan.target.scenario, seed, simulateOptions);
      coverage?.add(seed, transitionsOf(events ?? [], clientIds));
      return result;
    });
    if (!(outcome instanceof SimBoundExceeded)) plan.record(seed, outcome);
    await turnEventLoop();
    next = seeds.next(outcome);
  }
  if (stoppedEarly) return { entry: next.value, stoppedEarly, seedsPlanned: plan.seedsPlanned };
  const entry = plan.finish(next.value);
  return { entry: coverage ? { ...entry, coverage: coverage.summary() } : entry, stoppedEarly, seedsPlanned: plan.seedsPlanned };
}

/** `--invariant I` of run: one of the invariants, else a usage error naming the choices. */
export function parseInvariant(value: string | undefined, usage: (message: string) => Error): InvariantName | undefined {
  if (value === undefined) return undefined;
  if (!(INVARIANTS as readonly string[]).includes(value)) throw usage(`--invariant: expected one of ${INVARIANTS.join(', ')}, got "${value}"`);
  return value as InvariantName;
}
