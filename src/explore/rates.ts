/**
 * Failure rates of a seed sweep (`lockstep run --all-seeds`) and the early-stop notice of a sweep
 * that did not measure one.
 *
 * A sweep of an expected-violation scenario normally stops at its first find: that proves the bug
 * exists but says nothing about how often it occurs, which is what a fix (or a better search)
 * must move. `--all-seeds` runs every seed and counts, per invariant, the seeds that violated it;
 * the rate comes with a 95 % Wilson score interval, which (unlike the normal approximation) stays
 * inside [0, 1] and is honest at 0 or n finds, the usual cases here.
 */
import type { Scenario } from '../scenario/index.js';
import type { EarlyStop, InvariantRate, ReplayResult, ScenarioRunResult, Violation } from './result.js';
import { simulate, type SimulateOptions } from './simulate.js';
import { sweepScenario, type SweepOptions, type SweepTarget } from './sweep.js';
import { DistinctFailures, targetScenario } from './targets.js';

/** z for a two-sided 95 % interval. */
const Z_95 = 1.959963984540054;

/** The notice printed (and carried in JSON) when a sweep stopped at its first find. */
export const EARLY_STOP_NOTICE = 'stopped at the first find; --all-seeds to measure a rate';

/**
 * The Wilson score interval for `hits` successes in `trials` (95 % by default). With no trials
 * nothing is known: [0, 1].
 */
export function wilsonInterval(hits: number, trials: number, z = Z_95): { low: number; high: number } {
  if (!(Number.isInteger(hits) && Number.isInteger(trials) && hits >= 0 && hits <= trials)) {
    throw new RangeError(`wilsonInterval: need whole 0 <= hits <= trials, got ${hits}/${trials}`);
  }
  if (trials === 0) return { low: 0, high: 1 };
  const p = hits / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Per-invariant rates from the invariants each seed violated. The scenario's expected invariant
 * is always listed (at 0 when no seed hit it: the figure a fixed twin is judged by); the others
 * in order of first appearance.
 */
export function invariantRates(violatedBySeed: ReadonlyMap<number, ReadonlySet<Violation['invariant']>>, seedsRun: number, expected?: Violation['invariant']): InvariantRate[] {
  const counts = new Map<Violation['invariant'], number>();
  if (expected !== undefined) counts.set(expected, 0);
  for (const invariants of violatedBySeed.values()) {
    for (const invariant of invariants) counts.set(invariant, (counts.get(invariant) ?? 0) + 1);
  }
  return [...counts].map(([invariant, seeds]) => ({ invariant, seeds, rate: seedsRun === 0 ? 0 : seeds / seedsRun, ...wilsonInterval(seeds, seedsRun) }));
}

/** Options of {@link sweepForRun}: a sweep's, plus whether to measure rates. */
export interface RunSweepOptions extends Omit<SweepOptions, 'stopAtFirstFind' | 'runner'> {
  /** Run every seed even after a find, and report per-invariant rates. */
  allSeeds?: boolean;
  /** Count only finds of this invariant: the sweep stops at and is met by a find of it alone. */
  invariant?: Violation['invariant'];
  /** Runs one seed (default {@link simulate}); tests substitute their own. */
  runner?: (scenario: Scenario, seed: number, opts: SimulateOptions | undefined) => { result: ReplayResult };
}

/** What a run sweep needs besides the sweep itself: the options it runs with and the seeds' verdicts. */
export interface RunSweepPlan {
  /** The sweep's options: a repro file's own seed, no stop at the first find with allSeeds. */
  options: SweepOptions;
  /** The scenario to sweep: the loaded one, or its search for the target invariant. */
  target: SweepTarget;
  /** Records the invariants one seed violated (a re-run records the same set again). */
  record(seed: number, result: ReplayResult): void;
  /** The seeds the sweep would run without stopping early. */
  seedsPlanned: number;
  /** The §5.4 entry with the rates, the early-stop notice or the fixed notice added. */
  finish(entry: ScenarioRunResult): ScenarioRunResult;
}

/**
 * Plans one scenario's sweep as `lockstep run` does it: with `allSeeds`, every seed and a `rates`
 * list; otherwise the usual stop at the first expected find, stated in `earlyStop` when it cut
 * the sweep short. A repro file replays its own seed unless told otherwise, and one whose seed no
 * longer fails is marked `fixed`. The sweep itself is the caller's (sync or async clients).
 */
export function planRunSweep(target: SweepTarget, opts: RunSweepOptions = {}): RunSweepPlan {
  const { allSeeds = false, invariant, runner: _runner, ...sweepOptions } = opts;
  const searched: SweepTarget = { ...target, scenario: targetScenario(target.scenario, invariant === 'assertion' ? undefined : invariant) };
  const distinct = allSeeds || invariant !== undefined ? new DistinctFailures() : undefined;
  const violatedBySeed = new Map<number, Set<Violation['invariant']>>();
  const reproSeed = reproSeedOf(target.scenario, opts);
  const options: SweepOptions = { ...sweepOptions, ...(reproSeed !== undefined ? { seed: reproSeed } : {}), stopAtFirstFind: !allSeeds };
  const seedsPlanned = options.seed !== undefined ? 1 : (opts.seeds ?? target.scenario.seeds);
  const record = (seed: number, result: ReplayResult): void => {
    if (result.violations.length > 0) violatedBySeed.set(seed, new Set(result.violations.map((v) => v.invariant)));
    distinct?.record(seed, result);
  };
  const finish = (swept: ScenarioRunResult): ScenarioRunResult => {
    const entry: ScenarioRunResult = {
      ...swept,
      ...(invariant !== undefined ? { target: invariant } : {}),
      ...(distinct ? { distinctFailures: distinct.list() } : {}),
    };
    if (allSeeds && !isFixedRepro(searched.scenario, entry)) {
      const expected = searched.scenario.expect === 'pass' ? undefined : searched.scenario.expect.violation;
      return { ...entry, rates: invariantRates(violatedBySeed, entry.seedsRun, expected) };
    }
    return withRunNotes(searched.scenario, seedsPlanned, entry);
  };
  return { options, target: searched, record, seedsPlanned, finish };
}

/** What {@link withRunNotes} needs of a scenario (a shard result carries the same two fields). */
export interface RunNoteSource {
  expect: Scenario['expect'];
  repro?: Scenario['repro'];
}

function isFixedRepro(source: RunNoteSource, entry: ScenarioRunResult): boolean {
  return source.repro !== undefined && source.expect !== 'pass' && !entry.met;
}

/**
 * The notes every path of `lockstep run` adds to a finished §5.4 entry (sequential, worker pool,
 * merged shards), so their JSON stays byte-identical: `fixed` for a repro whose seed no longer
 * fails, else `earlyStop` when the stop at the first find cut the sweep short of `seedsPlanned`.
 */
export function withRunNotes(source: RunNoteSource, seedsPlanned: number, entry: ScenarioRunResult): ScenarioRunResult {
  const repro = source.repro;
  if (repro !== undefined && isFixedRepro(source, entry)) {
    return { ...entry, fixed: `fixed: repro seed ${repro.seed} no longer violates ${repro.invariant}; set its "expect" to "pass" to keep it as a regression test` };
  }
  if (entry.seedsRun < seedsPlanned && entry.failures.length > 0) {
    const earlyStop: EarlyStop = { atSeed: entry.failures.at(-1)!.seed, seedsPlanned, notice: EARLY_STOP_NOTICE };
    return { ...entry, earlyStop };
  }
  return entry;
}

/**
 * The seed a repro file replays when the command line names none (`--seed` and `--seeds`
 * override it), shared by the sequential sweep and the worker pool's seed ranges.
 */
export function reproSeedOf(scenario: Pick<Scenario, 'repro'>, choice: { seeds?: number; seed?: number }): number | undefined {
  return choice.seed === undefined && choice.seeds === undefined ? scenario.repro?.seed : undefined;
}

/** {@link planRunSweep} over the synchronous sweep (scenarios without async clients). */
export function sweepForRun(target: SweepTarget, opts: RunSweepOptions = {}): ScenarioRunResult {
  const plan = planRunSweep(target, opts);
  const runner = opts.runner ?? simulate;
  const recording = (scenario: Scenario, seed: number, simulateOptions: SimulateOptions | undefined) => {
    const outcome = runner(scenario, seed, simulateOptions);
    plan.record(seed, outcome.result);
    return outcome;
  };
  return plan.finish(sweepScenario(plan.target, { ...plan.options, runner: recording }));
}

/** One rate as a human line: `stale-write: 12/200 seeds = 6.00 % (95 % CI 3.47–10.2 %)`. */
export function formatRate(rate: InvariantRate, seedsRun: number): string {
  return `${rate.invariant}: ${rate.seeds}/${seedsRun} seeds = ${percent(rate.rate)} (95 % CI ${percent(rate.low, false)}–${percent(rate.high)})`;
}

function percent(fraction: number, unit = true): string {
  const value = fraction * 100;
  const text = value === 0 || value >= 10 ? value.toFixed(1) : value.toPrecision(3);
  return unit ? `${text} %` : text;
}
