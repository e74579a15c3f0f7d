/**
 * Child process of the bench's `sweep` section: the swarm's seeds per second on one core, in a
 * process that has run nothing else, as `lockstep run --jobs 1` runs it. The pool's workers are
 * fresh too; timing the one-core sweep in the bench's own process, after the catalogue has warmed
 * its compiled code and heap, would compare two differently warmed runs. One untimed sweep of the
 * same seeds, then the best of `repeats`, as the pool is measured; prints JSON on stdout.
 *
 * usage: node dist-bench/sweep-one-core.js DIST SCENARIO_FILE SEEDS REPEATS
 */
import { loadLockstep } from './lockstep.js';
import { Stopwatch } from './stopwatch.js';

const [dist, file, seedsText, repeatsText] = process.argv.slice(2);
if (!dist || !file || !seedsText || !repeatsText) throw new Error('usage: node dist-bench/sweep-one-core.js DIST SCENARIO_FILE SEEDS REPEATS');
const seeds = Number(seedsText);
const repeats = Number(repeatsText);
const lockstep = await loadLockstep(dist);
const [swarm] = await lockstep.scenario.loadScenarios([file]);
if (swarm === undefined) throw new Error(`sweep-one-core: ${file} holds no scenario`);

/** Seeds per wall-clock and per CPU second of one sweep of seeds 0..seeds-1. */
function sweepOnce(): { perSecond: number; perCpuSecond: number } {
  const watch = new Stopwatch();
  const entry = lockstep.sweepScenario(swarm!, { seeds });
  const { wallSeconds, cpuSeconds } = watch.elapsed();
  if (!entry.met || entry.seedsRun !== seeds) throw new Error(`sweep-one-core: the swarm ran ${entry.seedsRun} of ${seeds} seeds, met ${entry.met}; a benchmark of a broken run means nothing`);
  return { perSecond: seeds / wallSeconds, perCpuSecond: seeds / cpuSeconds };
}

sweepOnce();
const best = { perSecond: 0, perCpuSecond: 0 };
for (let i = 0; i < repeats; i++) {
  const rate = sweepOnce();
  best.perSecond = Math.max(best.perSecond, rate.perSecond);
  best.perCpuSecond = Math.max(best.perCpuSecond, rate.perCpuSecond);
}
process.stdout.write(`${JSON.stringify(best)}\n`);
