/**
 * `run --jobs N` and `run --shard i/n`: the command-line side of sweeps on a worker pool
 * (src/explore/pool.ts) and of shards (src/explore/shard.ts). The sweep itself, the partition
 * and the merge are explore's; this file reads the flags, draws progress and times scenarios.
 */
import { availableParallelism } from 'node:os';
import type { Bounds, LoadedScenario } from '../scenario/index.js';
import type { ScenarioRunResult } from '../explore/result.js';
import { inProcessExecutor, sweepOnPool, threadExecutor, type Executor, type PoolScenarioResult } from '../explore/pool.js';
import { turnEventLoop } from './interrupt.js';
import { parseShard, planRanges, shardRanges, shardResult, type Shard, type ShardResult } from '../explore/shard.js';
import { Progress, Stopwatch, SweepProgressLine } from './progress.js';

/** Most worker threads `--jobs` accepts. */
const MAX_JOBS = 256;

/** `--jobs N` (default: the cores this process may use); a bad value is a usage message. */
export function parseJobs(text: string | undefined, usage: (message: string) => Error): number {
  if (text === undefined) return availableParallelism();
  const jobs = Number(text);
  if (!/^\d+$/.test(text) || jobs < 1 || jobs > MAX_JOBS) throw usage(`--jobs: expected a whole number from 1 to ${MAX_JOBS}, got "${text}"`);
  return jobs;
}

/** `--shard i/n`, or undefined without the flag. */
export function parseShardFlag(text: string | undefined, usage: (message: string) => Error): Shard | undefined {
  if (text === undefined) return undefined;
  try {
    return parseShard(text);
  } catch (error) {
    throw usage(`--shard: ${(error as Error).message}`);
  }
}

/** What a pool sweep gives the run command: results in suite order and each scenario's time. */
export interface PoolRun {
  results: ScenarioRunResult[];
  wallMs: Map<string, number>;
  /** Scenarios an interrupt cut short, with the seeds each would have run. */
  cutShort: Map<string, number>;
  /** Set for a shard: the result to print for `lockstep merge`. */
  shard?: ShardResult;
}

/** How the run command steers a pool sweep: when to stop (an interrupt), and the progress line to draw on. */
export interface PoolRunControl {
  shouldStop?: () => boolean;
  progress?: Progress;
  /** The bound flags, for the workers (which load the scenario files without them) and the replay commands. */
  bounds?: Partial<Bounds>;
  replayFlags?: string;
}

/**
 * The in-thread executor with a turn of the event loop before each chunk, so a signal's handler
 * runs between chunks (the chunk itself runs synchronously) and `shouldStop` can see it.
 */
function turningBetweenChunks(executor: Executor): Executor {
  return {
    ...executor,
    runChunk: async (task) => {
      await turnEventLoop();
      return executor.runChunk(task);
    },
  };
}

/**
 * Sweeps `suite` on `jobs` workers (in this thread for one), or only the part `shard` owns. A
 * scenario's time is the time its chunks took in workers, so it adds up across shards. `shouldStop`
 * (an interrupt) starts no more chunks; the results then cover the seeds that ran.
 */
export async function sweepSuiteOnPool(suite: readonly LoadedScenario[], choice: { seeds?: number; seed?: number }, jobs: number, shard: Shard | undefined, control: PoolRunControl = {}): Promise<PoolRun> {
  const { shouldStop, progress = new Progress(), bounds, replayFlags } = control;
  const planned = planRanges(suite, choice);
  const ranges = shard ? shardRanges(planned, shard) : planned;
  const line = new SweepProgressLine(progress);
  const watch = new Stopwatch();
  const executor = jobs === 1 ? turningBetweenChunks(inProcessExecutor(suite)) : threadExecutor(jobs);
  let outcome: PoolScenarioResult[];
  try {
    outcome = await sweepOnPool(executor, suite, ranges, {
      onProgress: (counts) => line.update(counts),
      clockMs: () => watch.elapsedMs(),
      ...(shouldStop ? { shouldStop } : {}),
      ...(bounds && Object.keys(bounds).length > 0 ? { bounds } : {}),
      ...(replayFlags ? { replayFlags } : {}),
    });
  } finally {
    line.clear();
    await executor.close();
  }
  return {
    results: outcome.map((o) => o.result),
    wallMs: new Map(outcome.map((o) => [o.result.scenario, o.workMs])),
    cutShort: new Map(outcome.flatMap((o) => (o.cutShortOf !== undefined ? [[o.result.scenario, o.cutShortOf] as const] : []))),
    ...(shard ? { shard: shardResult(shard, suite, planned, outcome) } : {}),
  };
}
