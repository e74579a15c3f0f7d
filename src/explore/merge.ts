/**
 * `lockstep merge`: shard results (shard.ts) back into one run result. Each scenario's failing
 * seeds from every shard are put in seed order and walked as the sequential sweep walks them, so
 * the merged result is the unsharded run's: the same failures, the same `seedsRun` (up to the
 * first expected find), the same verdict.
 */
import { z } from 'zod';
import type { RunResult, ScenarioRunResult, SeedFailure } from './result.js';
import { isExpectedFind, positionOf, type SeedRange } from './chunk.js';
import { LOCKSTEP_VERSION, shardRanges, type ShardResult, type ShardScenarioResult } from './shard.js';
import { withRunNotes } from './rates.js';

/** A shard file that cannot be merged; the message names the file and what is wrong. */
export class ShardMergeError extends Error {
  override name = 'ShardMergeError';
}

const count = z.number().int().min(0);
const seedRange = z.object({ first: count, step: z.number().int().min(1), count });
const failure = z.object({ seed: count, invariant: z.string(), atMs: z.number(), message: z.string(), replay: z.string() });
const overrun = z.object({ seed: count, kind: z.literal('budget'), bound: z.enum(['maxEvents', 'maxTimeUs']), limit: z.number(), atMs: z.number(), message: z.string(), replay: z.string() });
const shardSchema = z.object({
  lockstep: z.string(),
  suite: z.string(),
  shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }),
  scenarios: z.array(
    z.object({
      scenario: z.string(),
      file: z.string(),
      seedsRun: count,
      expect: z.union([z.literal('pass'), z.object({ violation: z.string() })]),
      failures: z.array(failure),
      overruns: z.array(overrun).optional(),
      seeds: seedRange,
      workMs: z.number().min(0),
      repro: z.object({ seed: count, invariant: z.string(), from: z.string().optional() }).optional(),
    }),
  ),
  interrupted: z.literal(true).optional(),
});

/** Checks the shape of one parsed shard file. */
export function readShard(file: string, data: unknown): ShardResult {
  const parsed = shardSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(top level)';
    throw new ShardMergeError(`${file}: ${field}: ${issue.message} (is it the output of lockstep run --shard i/n --json?)`);
  }
  // An interrupted shard ran only part of its seeds: merged, its missing seeds would read as passed.
  if (parsed.data.interrupted) throw new ShardMergeError(`${file}: shard ${parsed.data.shard.index}/${parsed.data.shard.count} was interrupted before its seeds all ran; run that shard again`);
  return parsed.data as ShardResult;
}

/** A merged run: the §5.4 result, and each scenario's time summed over the shards, ms. */
export interface MergedRun {
  run: RunResult;
  workMs: Map<string, number>;
}

/** Merges every shard of one sharded run; throws ShardMergeError naming the file at fault. */
export function mergeShards(shards: readonly { file: string; result: ShardResult }[]): MergedRun {
  checkSameRun(shards);
  const ordered = [...shards].sort((a, b) => a.result.shard.index - b.result.shard.index);
  const first = ordered[0]!.result;
  const scenarios: ScenarioRunResult[] = [];
  const workMs = new Map<string, number>();
  const fullRanges = first.scenarios.map((s) => s.seeds);
  const owned = ordered.map(({ result }) => shardRanges(fullRanges, result.shard));
  first.scenarios.forEach((entry, i) => {
    const parts = ordered.map(({ file, result }, k) => ({ file, entry: result.scenarios[i]!, range: owned[k]![i]! }));
    scenarios.push(mergeScenario(entry, parts));
    workMs.set(entry.scenario, parts.reduce((sum, p) => sum + p.entry.workMs, 0));
  });
  return { run: { ok: scenarios.every((s) => s.met), scenarios }, workMs };
}

function checkSameRun(shards: readonly { file: string; result: ShardResult }[]): void {
  if (shards.length === 0) throw new ShardMergeError('merge: expected at least one shard result file');
  const [head, ...rest] = shards;
  const { lockstep, suite, shard } = head!.result;
  for (const { file, result } of shards) {
    if (result.lockstep !== LOCKSTEP_VERSION) throw new ShardMergeError(`${file}: lockstep: written by lockstep ${result.lockstep}, this is lockstep ${LOCKSTEP_VERSION}; run every shard and the merge with one version`);
  }
  for (const { file, result } of rest) {
    if (result.lockstep !== lockstep) throw new ShardMergeError(`${file}: lockstep: written by lockstep ${result.lockstep}, but ${head!.file} by lockstep ${lockstep}`);
    if (result.suite !== suite) throw new ShardMergeError(`${file}: suite: a different suite from ${head!.file} (other scenario files, scenario contents or --seeds); shards merge only with shards of the same run`);
    if (result.shard.count !== shard.count) throw new ShardMergeError(`${file}: shard: part of a run in ${result.shard.count} shards, but ${head!.file} of one in ${shard.count}`);
  }
  const byIndex = new Map<number, string>();
  for (const { file, result } of shards) {
    const other = byIndex.get(result.shard.index);
    if (other !== undefined) throw new ShardMergeError(`${file}: shard: shard ${result.shard.index}/${shard.count} again (also ${other})`);
    byIndex.set(result.shard.index, file);
  }
  const missing = Array.from({ length: shard.count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) throw new ShardMergeError(`merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${shard.count}`).join(', ')} missing; every shard of the run is needed`);
  for (const { file, result } of rest) {
    if (result.scenarios.length !== head!.result.scenarios.length) throw new ShardMergeError(`${file}: scenarios: ${result.scenarios.length} scenarios, but ${head!.file} has ${head!.result.scenarios.length}`);
  }
}

/**
 * One scenario from its shards: every failing seed in seed order up to the first expected find
 * (where the unsharded sweep stops), after checking that the shards ran every seed before it.
 */
function mergeScenario(head: ShardScenarioResult, parts: readonly { file: string; entry: ShardScenarioResult; range: SeedRange }[]): ScenarioRunResult {
  const scenario = { name: head.scenario, expect: head.expect } as const;
  const failures: SeedFailure[] = parts.flatMap((p) => p.entry.failures).sort((a, b) => a.seed - b.seed);
  const findIndex = failures.findIndex((f) => isExpectedFind(scenario, f.invariant));
  const stopSeed = findIndex >= 0 ? failures[findIndex]!.seed : undefined;
  for (const { file, entry, range } of parts) {
    const needed = stopSeed === undefined ? range.count : seedsUpTo(range, stopSeed);
    if (entry.seedsRun < needed || entry.seedsRun > range.count) {
      throw new ShardMergeError(`${file}: scenarios.${head.scenario}.seedsRun: ${entry.seedsRun}, but the shard owns ${range.count} seeds and the merge needs the first ${needed} of them`);
    }
  }
  const kept = stopSeed === undefined ? failures : failures.slice(0, findIndex + 1);
  const overruns = parts
    .flatMap((p) => p.entry.overruns ?? [])
    .filter((o) => stopSeed === undefined || o.seed < stopSeed)
    .sort((a, b) => a.seed - b.seed);
  const seedsRun = stopSeed === undefined ? head.seeds.count : positionOf(head.seeds, stopSeed) + 1;
  // A seed without a verdict leaves a pass unproven, as in the unsharded sweep.
  const met = head.expect === 'pass' ? kept.length === 0 && overruns.length === 0 : stopSeed !== undefined;
  const entry = { scenario: head.scenario, file: head.file, seedsRun, expect: head.expect, met, failures: kept, ...(overruns.length > 0 ? { overruns } : {}) };
  return withRunNotes(head, head.seeds.count, entry);
}

/** How many seeds of `range` are at most `seed`. */
function seedsUpTo(range: SeedRange, seed: number): number {
  if (range.count === 0 || seed < range.first) return 0;
  return Math.min(range.count, Math.floor((seed - range.first) / range.step) + 1);
}
