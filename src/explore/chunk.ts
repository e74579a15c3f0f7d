/**
 * A sweep cut into chunks: a (scenario, seed range) is the unit of work a worker thread runs,
 * and a seed range is also what a shard of a distributed sweep owns. Ranges are arithmetic
 * (`first`, `first + step`, …) so a shard's seeds, which are every n-th pair of the suite, stay as
 * compact as a contiguous run of seeds.
 */
import type { Scenario } from '../scenario/index.js';
import type { SeedFailure, SeedOverrun, Violation } from './result.js';
import { SimBoundExceeded } from '../sim/index.js';
import { simulate } from './simulate.js';
import { overrunOf, pickReported, replayCommand, runOrBound } from './sweep.js';

/** The seeds `first`, `first + step`, … (`count` of them). */
export interface SeedRange {
  first: number;
  step: number;
  count: number;
}

/** The seed at position `index` of a range. */
export function seedAt(range: SeedRange, index: number): number {
  return range.first + index * range.step;
}

/** The position of `seed` in a range (the seed must belong to it). */
export function positionOf(range: SeedRange, seed: number): number {
  const position = (seed - range.first) / range.step;
  if (!Number.isInteger(position) || position < 0 || position >= range.count) {
    throw new Error(`seed ${seed} is not in the range first ${range.first}, step ${range.step}, count ${range.count}`);
  }
  return position;
}

/** Positions `start` to `start + count - 1` of a range, as a range of their own. */
export function subRange(range: SeedRange, start: number, count: number): SeedRange {
  return { first: seedAt(range, start), step: range.step, count };
}

/** A failing seed as a chunk reports it: the §5.4 failure plus what the merge needs. */
export interface FailingSeed extends SeedFailure {
  /** The trace hash of this run; a re-run elsewhere must give the same. */
  traceHash: string;
}

/** What running one chunk found. Seeds after a stop (an expected find) did not run. */
export interface ChunkOutcome {
  seedsRun: number;
  failing: FailingSeed[];
  /** Seeds that reached a bound of their run (kind `budget`), in seed order; the chunk went on past them. */
  overruns: SeedOverrun[];
}

/** Whether a failure of this scenario is the violation it expects (the sweep may stop there). */
export function isExpectedFind(scenario: Pick<Scenario, 'expect'>, invariant: Violation['invariant']): boolean {
  return scenario.expect !== 'pass' && scenario.expect.violation === invariant;
}

/**
 * Runs the seeds of `range` in order, as the sequential sweep would: every failing seed is
 * recorded (its re-run is the caller's, in another worker), a seed that reaches a bound is an
 * overrun and the chunk goes on, and the chunk stops after the first expected find when
 * `stopAtFirstFind`. `replayFlags` are appended to every replay command (the CLI's bound flags).
 */
export function runChunk(scenario: Scenario, file: string, range: SeedRange, stopAtFirstFind: boolean, replayFlags = ''): ChunkOutcome {
  const failing: FailingSeed[] = [];
  const overruns: SeedOverrun[] = [];
  for (let index = 0; index < range.count; index++) {
    const seed = seedAt(range, index);
    const replay = replayCommand(file, seed) + (replayFlags ? ` ${replayFlags}` : '');
    const result = runOrBound(() => simulate(scenario, seed).result);
    if (result instanceof SimBoundExceeded) {
      overruns.push(overrunOf(result, seed, replay));
      continue;
    }
    if (result.violations.length === 0) continue;
    const reported = pickReported(scenario, result.violations);
    failing.push({
      seed,
      invariant: reported.invariant,
      atMs: reported.atMs,
      message: reported.message,
      replay,
      traceHash: result.traceHash,
    });
    if (stopAtFirstFind && isExpectedFind(scenario, reported.invariant)) return { seedsRun: index + 1, failing, overruns };
  }
  return { seedsRun: range.count, failing, overruns };
}

/** The trace hash of one seed (the determinism re-run). */
export function rerunHash(scenario: Scenario, seed: number): string {
  return simulate(scenario, seed).result.traceHash;
}
