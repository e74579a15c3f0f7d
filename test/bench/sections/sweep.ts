/**
 * Bench section `sweep`: what `lockstep run` costs, through the same sweep function it uses.
 *
 * - the catalogue: one pass of every shipped scenario at its default seeds, loading included,
 *   timed once and first, in a fresh process, as `npm start` runs it (minus writing reports);
 * - the swarm: seeds per second of the shipped swarm scenario (`swarm-fenced-dlm`, seed-drawn
 *   faults against the fenced DLM) on one core, after one untimed sweep of the same seeds, best
 *   of several sweeps.
 * Both in wall-clock and in CPU seconds (see stopwatch.ts). The `1` in `seedsPerSecond1` is the
 * number of cores the sweep uses.
 */
import { join } from 'node:path';
import type { LoadedScenario } from '../../../dist/scenario/index.js';
import { repoRoot, type Lockstep } from '../lockstep.js';
import type { BenchRow, BenchSection } from '../section.js';
import { Stopwatch } from '../stopwatch.js';

const SWARM_FILE = 'scenarios/swarm-fenced-dlm.json';
const SWARM_SEEDS = 400;
const REPEATS = 3;

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

/** Seeds per wall-clock and per CPU second of one sweep of seeds 0..SWARM_SEEDS-1. */
function sweepSwarm(lockstep: Lockstep, swarm: LoadedScenario): { perSecond: number; perCpuSecond: number } {
  const watch = new Stopwatch();
  const entry = lockstep.sweepScenario(swarm, { seeds: SWARM_SEEDS });
  const { wallSeconds, cpuSeconds } = watch.elapsed();
  assertMet([entry], 'the swarm');
  if (entry.seedsRun !== SWARM_SEEDS) throw new Error(`bench sweep: the swarm ran ${entry.seedsRun} seeds, expected ${SWARM_SEEDS}`);
  return { perSecond: SWARM_SEEDS / wallSeconds, perCpuSecond: SWARM_SEEDS / cpuSeconds };
}

const section: BenchSection = {
  key: 'sweep',
  async run(lockstep) {
    const catalogue = await timeCatalogue(lockstep);
    const [swarm] = await lockstep.scenario.loadScenarios([join(repoRoot, SWARM_FILE)]);
    if (swarm === undefined) throw new Error(`bench sweep: ${SWARM_FILE} holds no scenario`);
    sweepSwarm(lockstep, swarm);
    const best = { perSecond: 0, perCpuSecond: 0 };
    for (let i = 0; i < REPEATS; i++) {
      const rate = sweepSwarm(lockstep, swarm);
      best.perSecond = Math.max(best.perSecond, rate.perSecond);
      best.perCpuSecond = Math.max(best.perCpuSecond, rate.perCpuSecond);
    }
    const swarmLabel = `${swarm.scenario.name}, ${SWARM_SEEDS} seeds, 1 core`;
    const catalogueLabel = `catalogue: ${catalogue.scenarios} scenarios, ${catalogue.seeds} seeds`;
    const rows: BenchRow[] = [
      { section: 'sweep', metric: swarmLabel, value: best.perSecond, unit: 'seeds/s' },
      { section: 'sweep', metric: `${swarmLabel}, per CPU second`, value: best.perCpuSecond, unit: 'seeds/s' },
      { section: 'sweep', metric: `${catalogueLabel}: wall time`, value: catalogue.wallSeconds, unit: 's' },
      { section: 'sweep', metric: `${catalogueLabel}: CPU time`, value: catalogue.cpuSeconds, unit: 's' },
    ];
    return {
      json: {
        scenario: swarm.scenario.name,
        seeds: SWARM_SEEDS,
        repeats: REPEATS,
        seedsPerSecond1: best.perSecond,
        seedsPerCpuSecond1: best.perCpuSecond,
        catalogueScenarios: catalogue.scenarios,
        catalogueSeeds: catalogue.seeds,
        catalogueSeconds: catalogue.wallSeconds,
        catalogueCpuSeconds: catalogue.cpuSeconds,
      },
      rows,
    };
  },
};

export default section;
