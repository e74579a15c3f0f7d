/**
 * Bench section `sweep`: what `lockstep run` costs, through the same sweep function it uses.
 *
 * - the catalogue: one pass of every shipped scenario at its default seeds, loading included,
 *   timed once and first, in a fresh process, as `npm start` runs it (minus writing reports);
 * - the swarm: seeds per second of the shipped swarm scenario (`swarm-fenced-dlm`, seed-drawn
 *   faults against the fenced DLM) on one core, in a fresh child process as `run --jobs 1` runs it
 *   (see sweep-fresh.ts), after one untimed sweep of the same seeds, best of several sweeps;
 *   and, for information, the same in this process after the catalogue has warmed it.
 * - the swarm on 2 worker threads (`run --jobs 2`, the pool of explore/pool.ts) in the same run,
 *   in a fresh child process measured the same way (each worker warmed with as many seeds as the
 *   one-core thread): seeds per second, the speedup over one core, and the peak resident memory
 *   each worker adds (measured in another child process, see sweep-memory.ts).
 * Both in wall-clock and in CPU seconds (see stopwatch.ts). The `1` in `seedsPerSecond1` is the
 * number of cores the sweep uses.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { LoadedScenario } from '../../../dist/scenario/index.js';
import { repoRoot, type Lockstep } from '../lockstep.js';
import type { BenchRow, BenchSection } from '../section.js';
import { Stopwatch } from '../stopwatch.js';

const SWARM_FILE = 'scenarios/swarm-fenced-dlm.json';
/**
 * Three times the swarm scenario's default seed count (what `npm start` runs). The figures are
 * throughput, and a sweep must be long enough to show it: a pool sweep of the default 1000 seeds
 * lasts about a second, each worker runs only half of it and its code is still being optimized
 * over its first few thousand seeds, and the speedup of such short sweeps comes out lower and
 * swings from run to run.
 */
const SWARM_SEEDS = 3000;
const REPEATS = 3;
const JOBS = 2;
const MIB = 1024 * 1024;

/** A catalogue pass or a sweep that does not meet its expectation is a bug, not a figure. */
function assertMet(entries: readonly { scenario: string; met: boolean }[], what: string): void {
  const failed = entries.filter((e) => !e.met).map((e) => e.scenario);
  if (failed.length > 0) throw new Error(`bench sweep: ${what}: ${failed.join(', ')} did not meet its expectation; a benchmark of a broken run means nothing`);
}

/** Loads and sweeps every shipped scenario once; returns the time it took and what it ran. */
async function timeCatalogue(lockstep: Lockstep): Promise<{ wallSeconds: number; cpuSeconds: number; scenarios: number; seeds: number }> {
  const watch = new Stopwatch();
  const suite = await lockstep.scenario.loadScenarios([join(repoRoot, 'scenarios')]);
  const entries = suite.map((loaded) => lockstep.sweepScenario(loaded));
  const elapsed = watch.elapsed();
  assertMet(entries, 'the catalogue');
  return { ...elapsed, scenarios: entries.length, seeds: entries.reduce((sum, e) => sum + e.seedsRun, 0) };
}

/** The swarm's best rate on `jobs` cores in a fresh child process (see sweep-fresh.ts). */
function sweepSwarmInFreshProcess(dist: string, jobs: number): { perSecond: number; perCpuSecond: number } {
  const script = join(repoRoot, 'dist-bench', 'sweep-fresh.js');
  const output = execFileSync(process.execPath, [script, dist, join(repoRoot, SWARM_FILE), String(SWARM_SEEDS), String(REPEATS), String(jobs)], { encoding: 'utf8' });
  return JSON.parse(output) as { perSecond: number; perCpuSecond: number };
}

/** Seeds per wall-clock and per CPU second of one sweep of seeds 0..SWARM_SEEDS-1. */
function sweepSwarm(lockstep: Lockstep, swarm: LoadedScenario): { perSecond: number; perCpuSecond: number } {
  const watch = new Stopwatch();
  const entry = lockstep.sweepScenario(swarm, { seeds: SWARM_SEEDS });
  const { wallSeconds, cpuSeconds } = watch.elapsed();
  assertMet([entry], 'the swarm');
  if (entry.seedsRun !== SWARM_SEEDS) throw new Error(`bench sweep: the swarm ran ${entry.seedsRun} seeds, expected ${SWARM_SEEDS}`);
  return { perSecond: SWARM_SEEDS / wallSeconds, perCpuSecond: SWARM_SEEDS / cpuSeconds };
}

/** The peak resident memory one worker adds, from a fresh child process (see sweep-memory.ts). */
function perWorkerPeakBytes(dist: string): number {
  const script = join(repoRoot, 'dist-bench', 'sweep-memory.js');
  const output = execFileSync(process.execPath, [script, dist, join(repoRoot, SWARM_FILE), String(SWARM_SEEDS), String(JOBS)], { encoding: 'utf8' });
  return (JSON.parse(output) as { perWorkerBytes: number }).perWorkerBytes;
}

const section: BenchSection = {
  key: 'sweep',
  async run(lockstep) {
    const catalogue = await timeCatalogue(lockstep);
    const [swarm] = await lockstep.scenario.loadScenarios([join(repoRoot, SWARM_FILE)]);
    if (swarm === undefined) throw new Error(`bench sweep: ${SWARM_FILE} holds no scenario`);
    sweepSwarm(lockstep, swarm);
    const warm = { perSecond: 0, perCpuSecond: 0 };
    for (let i = 0; i < REPEATS; i++) {
      const rate = sweepSwarm(lockstep, swarm);
      warm.perSecond = Math.max(warm.perSecond, rate.perSecond);
      warm.perCpuSecond = Math.max(warm.perCpuSecond, rate.perCpuSecond);
    }
    const best = sweepSwarmInFreshProcess(lockstep.dist, 1);
    const parallel = lockstep.pool ? { ...sweepSwarmInFreshProcess(lockstep.dist, JOBS), perWorkerBytes: perWorkerPeakBytes(lockstep.dist) } : undefined;
    const swarmLabel = `${swarm.scenario.name}, ${SWARM_SEEDS} seeds, 1 core`;
    const catalogueLabel = `catalogue: ${catalogue.scenarios} scenarios, ${catalogue.seeds} seeds`;
    const rows: BenchRow[] = [
      { section: 'sweep', metric: swarmLabel, value: best.perSecond, unit: 'seeds/s' },
      { section: 'sweep', metric: `${swarmLabel}, per CPU second`, value: best.perCpuSecond, unit: 'seeds/s' },
      { section: 'sweep', metric: `${swarmLabel}, after the catalogue in the same process`, value: warm.perSecond, unit: 'seeds/s' },
      { section: 'sweep', metric: `${catalogueLabel}: wall time`, value: catalogue.wallSeconds, unit: 's' },
      { section: 'sweep', metric: `${catalogueLabel}: CPU time`, value: catalogue.cpuSeconds, unit: 's' },
    ];
    if (parallel) {
      const poolLabel = `${swarm.scenario.name}, ${SWARM_SEEDS} seeds, ${JOBS} worker threads`;
      rows.push(
        { section: 'sweep', metric: poolLabel, value: parallel.perSecond, unit: 'seeds/s' },
        { section: 'sweep', metric: `${poolLabel}, per CPU second`, value: parallel.perCpuSecond, unit: 'seeds/s' },
        { section: 'sweep', metric: `${poolLabel}: speedup over 1 core`, value: parallel.perSecond / best.perSecond, unit: 'x' },
        { section: 'sweep', metric: `${poolLabel}: peak resident memory per worker`, value: parallel.perWorkerBytes / MIB, unit: 'MiB' },
      );
    }
    return {
      json: {
        scenario: swarm.scenario.name,
        seeds: SWARM_SEEDS,
        repeats: REPEATS,
        seedsPerSecond1: best.perSecond,
        seedsPerCpuSecond1: best.perCpuSecond,
        seedsPerSecond1AfterCatalogue: warm.perSecond,
        catalogueScenarios: catalogue.scenarios,
        catalogueSeeds: catalogue.seeds,
        catalogueSeconds: catalogue.wallSeconds,
        catalogueCpuSeconds: catalogue.cpuSeconds,
        ...(parallel
          ? { jobs: JOBS, seedsPerSecond2: parallel.perSecond, seedsPerCpuSecond2: parallel.perCpuSecond, speedup: parallel.perSecond / best.perSecond, peakResidentBytesPerWorker: parallel.perWorkerBytes }
          : {}),
      },
      rows,
    };
  },
};

export default section;
