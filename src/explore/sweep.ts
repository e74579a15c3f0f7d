/**
 * Seed sweeps: run one scenario over many seeds, keep only hashes and verdicts (the fast path),
 * and re-run every failing seed once to prove it reproduces (DESIGN §2: a failure that does not
 * replay byte for byte is reported as nondeterminism, its own error, never as a finding).
 */
import type { Scenario } from '../scenario/index.js';
import type { ReplayResult, ScenarioRunResult, SeedFailure, SeedOverrun } from './result.js';
import { SimBoundExceeded, simulate, type SimulateOptions } from './simulate.js';

/** A scenario as loaded from a file. */
export interface SweepTarget {
  scenario: Scenario;
  file: string;
}

export interface SweepOptions {
  /** Seeds 0..seeds-1 (default: the scenario's own `seeds`). */
  seeds?: number;
  /** Run only this seed. */
  seed?: number;
  /** Stop at the first seed that meets an expected violation (default true). */
  stopAtFirstFind?: boolean;
  /**
   * Asked before each seed: true ends the sweep there, and its entry covers the seeds run so far
   * (the CLI stops a run at a seed boundary on Ctrl-C this way).
   */
  shouldStop?: () => boolean;
  /** Called after each seed; the CLI draws progress with it. */
  onSeed?: (done: number, total: number) => void;
  /** Appended to every replay command (the CLI's bound flags, so a replay reaches the same bound). */
  replayFlags?: string;
  /** Passed to every simulation (tests plant bugs through it). */
  simulate?: SimulateOptions;
  /**
   * Runs one seed (default {@link simulate}). The determinism re-check is only as good as its
   * ability to fire, so tests substitute a runner whose hash differs on the re-run.
   */
  runner?: (scenario: Scenario, seed: number, opts: SimulateOptions | undefined) => { result: ReplayResult };
}

/** A failing seed whose re-run gave a different trace hash. */
export class NondeterminismError extends Error {
  constructor(
    readonly scenario: string,
    readonly seed: number,
    readonly firstHash: string,
    readonly secondHash: string,
  ) {
    super(`lockstep: nondeterminism in ${scenario} seed ${seed}: trace hash ${firstHash} on the first run, ${secondHash} on the re-run`);
    this.name = 'NondeterminismError';
  }
}

/** The shell command that replays one seed of a scenario file. */
export function replayCommand(file: string, seed: number): string {
  return `npx lockstep replay ${file} --seed ${seed}`;
}

/** Runs the seeds of one scenario and returns its DESIGN §5.4 entry. Throws NondeterminismError. */
export function sweepScenario(target: SweepTarget, opts: SweepOptions = {}): ScenarioRunResult {
  const runOne = opts.runner ?? simulate;
  const sweep = sweepSeeds(target, opts);
  let next = sweep.next();
  while (next.done !== true) {
    const seed = next.value;
    next = sweep.next(runOrBound(() => runOne(target.scenario, seed, opts.simulate).result));
  }
  return next.value;
}

/** What a sweep's driver sends back for a seed: the run's result, or the bound the run reached. */
export type SeedOutcome = ReplayResult | SimBoundExceeded;

/** Runs one seed, turning a bound the run reaches into its outcome (anything else is thrown). */
export function runOrBound(run: () => ReplayResult): SeedOutcome {
  try {
    return run();
  } catch (error) {
    if (error instanceof SimBoundExceeded) return error;
    throw error;
  }
}

/** {@link runOrBound} for a seed run asynchronously (scenarios with async clients). */
export async function runOrBoundAsync(run: () => Promise<ReplayResult>): Promise<SeedOutcome> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SimBoundExceeded) return error;
    throw error;
  }
}

/** A seed that reached a bound, as the scenario's entry lists it (kind `budget`). */
export function overrunOf(bound: SimBoundExceeded, seed: number, replay: string): SeedOverrun {
  return { seed, kind: 'budget', bound: bound.bound, limit: bound.limit, atMs: bound.atUs / 1000, message: bound.message, replay };
}

/** The replay command of one seed, with the flags every replay of the sweep repeats. */
function replayLine(file: string, seed: number, replayFlags: string | undefined): string {
  return replayCommand(file, seed) + (replayFlags ? ` ${replayFlags}` : '');
}

/**
 * The sweep as a generator, so that a synchronous runner ({@link sweepScenario}) and an
 * asynchronous one (the async simulator of src/library, for scenarios with async clients) share
 * one set of rules: it yields each seed to run — a failing seed twice, for the determinism
 * re-check — takes that run's outcome back, and returns the scenario's DESIGN §5.4 entry. A seed
 * whose run reached a bound is an overrun (`budget`) with its replay command; the sweep goes on.
 */
export function* sweepSeeds(target: SweepTarget, opts: Omit<SweepOptions, 'runner' | 'simulate'> = {}): Generator<number, ScenarioRunResult, SeedOutcome> {
  const { scenario, file } = target;
  const seeds = opts.seed !== undefined ? [opts.seed] : range(opts.seeds ?? scenario.seeds);
  const stopAtFirstFind = opts.stopAtFirstFind ?? true;
  const expectsViolation = scenario.expect !== 'pass';
  const failures: SeedFailure[] = [];
  const overruns: SeedOverrun[] = [];
  const violated = new Set<string>();
  let seedsRun = 0;

  for (const seed of seeds) {
    if (opts.shouldStop?.() === true) break;
    const result: SeedOutcome = yield seed;
    seedsRun += 1;
    opts.onSeed?.(seedsRun, seeds.length);
    const replay = replayLine(file, seed, opts.replayFlags);
    if (result instanceof SimBoundExceeded) {
      overruns.push(overrunOf(result, seed, replay));
      continue;
    }
    if (result.violations.length === 0) continue;
    const again: SeedOutcome = yield seed;
    const againHash = again instanceof SimBoundExceeded ? `none (${again.message})` : again.traceHash;
    if (againHash !== result.traceHash) throw new NondeterminismError(scenario.name, seed, result.traceHash, againHash);
    for (const v of result.violations) violated.add(v.invariant);
    const first = pickReported(scenario, result.violations);
    failures.push({
      seed,
      invariant: first.invariant,
      atMs: first.atMs,
      message: first.message,
      replay,
    });
    if (expectsViolation && stopAtFirstFind && violated.has((scenario.expect as { violation: string }).violation)) break;
  }

  // A seed without a verdict leaves a pass unproven; an expected violation found elsewhere stands.
  const met = expectsViolation
    ? violated.has((scenario.expect as { violation: string }).violation)
    : failures.length === 0 && overruns.length === 0;
  return { scenario: scenario.name, file, seedsRun, expect: scenario.expect, met, failures, ...(overruns.length > 0 ? { overruns } : {}) };
}

/** The violation to headline for a seed: the expected one when present, else the first (chunks in workers headline the same way). */
export function pickReported<V extends { invariant: string }>(scenario: Scenario, violations: readonly V[]): V {
  if (scenario.expect !== 'pass') {
    const expected = scenario.expect.violation;
    const hit = violations.find((v) => v.invariant === expected);
    if (hit) return hit;
  }
  return violations[0]!;
}

function range(n: number): number[] {
  const seeds: number[] = [];
  for (let i = 0; i < n; i++) seeds.push(i);
  return seeds;
}
