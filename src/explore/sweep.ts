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

/**
 * One scenario's sweep, a seed at a time. {@link sweepScenario} runs it to the end at once; the
 * CLI runs one seed per turn of the event loop instead, so that Ctrl-C can stop it at a seed
 * boundary and {@link result} still describes exactly the seeds that ran.
 */
export class Sweep {
  private readonly seeds: readonly number[];
  private readonly failures: SeedFailure[] = [];
  private readonly overruns: SeedOverrun[] = [];
  private readonly violated = new Set<string>();
  private readonly runOne: NonNullable<SweepOptions['runner']>;
  private seedsRun = 0;
  private found = false;

  constructor(
    private readonly target: SweepTarget,
    private readonly opts: SweepOptions = {},
  ) {
    this.seeds = opts.seed !== undefined ? [opts.seed] : range(opts.seeds ?? target.scenario.seeds);
    this.runOne = opts.runner ?? simulate;
  }

  /** How many seeds the sweep would run without stopping at a find. */
  get seedsPlanned(): number {
    return this.seeds.length;
  }

  /** Every seed has run, or an expected violation was found and the sweep stops at the first find. */
  get done(): boolean {
    return this.seedsRun >= this.seeds.length || this.found;
  }

  /**
   * Runs the next seed (and re-runs it if it failed). A seed that reaches a bound of its run is
   * an overrun (`budget`), recorded with its replay command; the sweep goes on. Throws
   * NondeterminismError.
   */
  runNext(): void {
    const { scenario, file } = this.target;
    const seed = this.seeds[this.seedsRun]!;
    const replay = replayCommand(file, seed) + (this.opts.replayFlags ? ` ${this.opts.replayFlags}` : '');
    const result = this.runSeed(seed, replay);
    this.seedsRun += 1;
    this.opts.onSeed?.(this.seedsRun, this.seeds.length);
    if (result === undefined || result.violations.length === 0) return;
    const again = this.runOne(scenario, seed, this.opts.simulate).result;
    if (again.traceHash !== result.traceHash) throw new NondeterminismError(scenario.name, seed, result.traceHash, again.traceHash);
    for (const v of result.violations) this.violated.add(v.invariant);
    const first = pickReported(scenario, result.violations);
    this.failures.push({ seed, invariant: first.invariant, atMs: first.atMs, message: first.message, replay });
    const expected = scenario.expect === 'pass' ? undefined : scenario.expect.violation;
    this.found = expected !== undefined && (this.opts.stopAtFirstFind ?? true) && this.violated.has(expected);
  }

  /** One seed's result, or undefined (and an overrun recorded) when it reached a bound. */
  private runSeed(seed: number, replay: string): ReplayResult | undefined {
    try {
      return this.runOne(this.target.scenario, seed, this.opts.simulate).result;
    } catch (error) {
      if (!(error instanceof SimBoundExceeded)) throw error;
      this.overruns.push({ seed, kind: 'budget', bound: error.bound, limit: error.limit, atMs: error.atUs / 1000, message: error.message, replay });
      return undefined;
    }
  }

  /** The DESIGN §5.4 entry of the seeds run so far. */
  result(): ScenarioRunResult {
    const { scenario, file } = this.target;
    const found = scenario.expect === 'pass' ? this.failures.length === 0 : this.violated.has(scenario.expect.violation);
    // A seed without a verdict leaves a pass unproven; an expected violation found elsewhere stands.
    const met = found && (scenario.expect !== 'pass' || this.overruns.length === 0);
    return {
      scenario: scenario.name,
      file,
      seedsRun: this.seedsRun,
      expect: scenario.expect,
      met,
      failures: [...this.failures],
      ...(this.overruns.length > 0 ? { overruns: [...this.overruns] } : {}),
    };
  }
}

/** Runs the seeds of one scenario and returns its DESIGN §5.4 entry. Throws NondeterminismError. */
export function sweepScenario(target: SweepTarget, opts: SweepOptions = {}): ScenarioRunResult {
  const sweep = new Sweep(target, opts);
  while (!sweep.done) sweep.runNext();
  return sweep.result();
}

/** The violation to headline for a seed: the expected one when present, else the first. */
function pickReported<V extends { invariant: string }>(scenario: Scenario, violations: readonly V[]): V {
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
