/**
 * Child process of `bench:instructions` (see instructions.ts): sweeps seeds 0..SEEDS-1 of one
 * scenario PASSES times in this thread, through DIST's own loader and sweep (what `lockstep run
 * --jobs 1` runs). It throws unless every pass runs every seed and meets the scenario's expectation.
 * Nothing else runs, so that every instruction counted is the sweep's or start-up's (which the
 * two-run difference cancels).
 *
 * usage: node --predictable dist-bench/instructions-sweep.js DIST SCENARIO_FILE SEEDS PASSES
 */
import { loadLockstep } from './lockstep.js';

const USAGE = 'usage: node dist-bench/instructions-sweep.js DIST SCENARIO_FILE SEEDS PASSES';
const [dist, file, seedsText, passesText] = process.argv.slice(2);
if (!dist || !file || !seedsText || !passesText) throw new Error(USAGE);
const seeds = Number(seedsText);
const passes = Number(passesText);
const lockstep = await loadLockstep(dist);
const [loaded] = await lockstep.scenario.loadScenarios([file]);
if (loaded === undefined) throw new Error(`instructions-sweep: ${file} holds no scenario`);
for (let pass = 0; pass < passes; pass++) {
  const entry = lockstep.sweepScenario(loaded, { seeds });
  if (!entry.met || entry.seedsRun !== seeds) throw new Error(`instructions-sweep: pass ${pass} ran ${entry.seedsRun} of ${seeds} seeds, met ${entry.met}; counting a broken sweep means nothing`);
}
