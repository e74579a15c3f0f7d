/**
 * Child process of the bench's `sweep` section: the swarm's seeds per second in a process that
 * has run nothing else, as `lockstep run --jobs N` runs it, on one core (`jobs` 1: the sweep runs
 * in this thread) or on a pool of `jobs` worker threads. Both sides of the speedup are taken the
 * same way: timing either in the bench's own process, after the catalogue has warmed its compiled
 * code and grown its heap, would compare two differently warmed runs, and a user's `run` starts
 * fresh. One untimed sweep first, of `jobs` times the seeds, so that every worker has run as many
 * seeds as the one-core thread before its timed sweeps (code is still being optimized over the
 * first few thousand seeds); then the best of `repeats` sweeps of the seeds on the same thread or
 * workers. Prints JSON on stdout: seeds per wall-clock second and per CPU second of the whole
 * process (every thread, see stopwatch.ts).
 *
 * usage: node dist-bench/sweep-fresh.js DIST SCENARIO_FILE SEEDS REPEATS JOBS
 */
import type { LoadedScenario } from '../../dist/scenario/index.js';
import { loadLockstep, type Lockstep } from './lockstep.js';
import { Stopwatch } from './stopwatch.js';

const USAGE = 'usage: node dist-bench/sweep-fresh.js DIST SCENARIO_FILE SEEDS REPEATS JOBS';
const [dist, file, seedsText, repeatsText, jobsText] = process.argv.slice(2);
if (!dist || !file || !seedsText || !repeatsText || !jobsText) throw new Error(USAGE);
const seeds = Number(seedsText);
const repeats = Number(repeatsText);
const jobs = Number(jobsText);
if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`sweep-fresh: JOBS must be a whole number of at least 1, got ${jobsText}; ${USAGE}`);
const lockstep = await loadLockstep(dist);
const [swarm] = await lockstep.scenario.loadScenarios([file]);
if (swarm === undefined) throw new Error(`sweep-fresh: ${file} holds no scenario`);

/** Sweeps seeds 0..count-1 of the swarm; returns how many seeds ran and whether the sweep met its expectation. */
type Sweep = (count: number) => Promise<{ seedsRun: number; met: boolean }>;

function inThread(scenario: LoadedScenario): Sweep {
  return async (count) => lockstep.sweepScenario(scenario, { seeds: count });
}

function onPool(pool: NonNullable<Lockstep['pool']>, executor: ReturnType<NonNullable<Lockstep['pool']>['threadExecutor']>, scenario: LoadedScenario): Sweep {
  return async (count) => {
    const [entry] = await pool.sweepOnPool(executor, [scenario], [{ first: 0, step: 1, count }]);
    if (!entry) throw new Error('sweep-fresh: the pool returned no result');
    return entry.result;
  };
}

/** Seeds per wall-clock and per CPU second of one sweep of seeds 0..seeds-1. */
async function timeSweep(sweep: Sweep): Promise<{ perSecond: number; perCpuSecond: number }> {
  const watch = new Stopwatch();
  const entry = await sweep(seeds);
  const { wallSeconds, cpuSeconds } = watch.elapsed();
  if (!entry.met || entry.seedsRun !== seeds) throw new Error(`sweep-fresh: the swarm ran ${entry.seedsRun} of ${seeds} seeds on ${jobs} job(s), met ${entry.met}; a benchmark of a broken run means nothing`);
  return { perSecond: seeds / wallSeconds, perCpuSecond: seeds / cpuSeconds };
}

async function measure(sweep: Sweep): Promise<{ perSecond: number; perCpuSecond: number }> {
  await sweep(jobs * seeds);
  const best = { perSecond: 0, perCpuSecond: 0 };
  for (let i = 0; i < repeats; i++) {
    const rate = await timeSweep(sweep);
    best.perSecond = Math.max(best.perSecond, rate.perSecond);
    best.perCpuSecond = Math.max(best.perCpuSecond, rate.perCpuSecond);
  }
  return best;
}

let best: { perSecond: number; perCpuSecond: number };
if (jobs === 1) {
  best = await measure(inThread(swarm));
} else {
  const pool = lockstep.pool;
  if (!pool) throw new Error(`sweep-fresh: ${dist} has no worker pool (explore/pool.js)`);
  const executor = pool.threadExecutor(jobs);
  try {
    best = await measure(onPool(pool, executor, swarm));
  } finally {
    await executor.close();
  }
}
process.stdout.write(`${JSON.stringify(best)}\n`);
