/**
 * Shards of a distributed sweep: shard i of n owns every n-th (scenario, seed) pair of the suite,
 * counted across scenarios in suite order, so each shard gets a fair part of every scenario
 * whatever the scenarios cost. A shard writes a {@link ShardResult}; `lockstep merge` puts the
 * shards back together (merge.ts) into the result the unsharded run prints.
 */
import { createHash } from 'node:crypto';
import type { ScenarioRunResult } from './result.js';
import type { SeedRange } from './chunk.js';
import type { SweepTarget } from './sweep.js';
import { reproSeedOf } from './rates.js';
import type { Scenario } from '../scenario/index.js';

/** The version written into shard results; shards of another version are not merged. */
export const LOCKSTEP_VERSION = '0.1.0';

/** Shard `index` of `count` (1-based, as on the command line: `--shard 2/3`). */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `i/n`; throws a RangeError whose message says what was expected. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > 1_000_000 || index < 1 || index > count) {
    throw new RangeError(`expected i/n with 1 <= i <= n <= 1000000 (e.g. 2/3), got "${text}"`);
  }
  return { index, count };
}

/**
 * The seeds each scenario sweeps: `seed` alone, a repro file's own seed when no seeds are chosen,
 * or 0..seeds-1 (default: the scenario's own `seeds`).
 */
export function planRanges(targets: readonly SweepTarget[], choice: { seeds?: number; seed?: number }): SeedRange[] {
  return targets.map((t) => {
    const only = choice.seed ?? reproSeedOf(t.scenario, choice);
    return only !== undefined ? { first: only, step: 1, count: 1 } : { first: 0, step: 1, count: choice.seeds ?? t.scenario.seeds };
  });
}

/**
 * The part of each scenario's range that `shard` owns: the pairs whose index in the suite's
 * flattened (scenario, seed) list is `shard.index - 1` modulo `shard.count`.
 */
export function shardRanges(ranges: readonly SeedRange[], shard: Shard): SeedRange[] {
  let offset = 0;
  return ranges.map((range) => {
    const firstPosition = (((shard.index - 1 - offset) % shard.count) + shard.count) % shard.count;
    offset += range.count;
    const count = firstPosition < range.count ? Math.ceil((range.count - firstPosition) / shard.count) : 0;
    return { first: range.first + firstPosition * range.step, step: range.step * shard.count, count };
  });
}

/**
 * A fingerprint of what a sweep runs: each scenario's name, file, data and seeds. Shards whose
 * fingerprints differ ran different suites (other files, other `--seeds`) and cannot be merged.
 * A TypeScript scenario's functions are not part of its JSON; its file name and data are.
 */
export function suiteDigest(targets: readonly SweepTarget[], ranges: readonly SeedRange[]): string {
  const hash = createHash('sha256');
  targets.forEach((t, i) => hash.update(JSON.stringify([t.file, t.scenario, ranges[i]])).update('\n'));
  return hash.digest('hex');
}

/** One scenario of a shard: the §5.4 entry for the shard's seeds, and the whole sweep's seeds. */
export interface ShardScenarioResult extends Omit<ScenarioRunResult, 'met' | 'earlyStop' | 'fixed'> {
  /** The scenario's repro seed and invariant, when it is a repro file (merge adds its `fixed` note). */
  repro?: Scenario['repro'];
  /** The unsharded sweep's seeds of this scenario (each shard owns a part, see {@link shardRanges}). */
  seeds: SeedRange;
  /** Time this shard spent on the scenario, ms (summed into the merged JUnit and report). */
  workMs: number;
}

/** What `lockstep run --shard i/n --json` prints, and `lockstep merge` reads. */
export interface ShardResult {
  lockstep: string;
  suite: string;
  shard: Shard;
  scenarios: ShardScenarioResult[];
}

/** A shard's result from its scenarios' results (each for the shard's own seeds). */
export function shardResult(shard: Shard, targets: readonly SweepTarget[], ranges: readonly SeedRange[], results: readonly { result: ScenarioRunResult; workMs: number }[]): ShardResult {
  return {
    lockstep: LOCKSTEP_VERSION,
    suite: suiteDigest(targets, ranges),
    shard,
    scenarios: results.map(({ result: { met: _partial, earlyStop: _early, fixed: _fixed, ...entry }, workMs }, i) => {
      const repro = targets[i]!.scenario.repro;
      return { ...entry, ...(repro !== undefined ? { repro } : {}), seeds: ranges[i]!, workMs };
    }),
  };
}
