/**
 * The parts of lockstep the bench drives, loaded at run time from one built `dist/` folder.
 *
 * Why at run time: the bench measures what users run (the compiled package under plain node),
 * and `--baseline-dist` measures a second build, possibly of an older layout, in the same run.
 * Types come from this checkout's `dist/` declarations; each module is then imported from the
 * folder the process was told to measure. Modules are reached through each folder's `index.js`
 * where the folder has one; a path that differs between layouts is resolved here, per dist, and
 * nowhere else.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as DlmCoreModule from '../../dist/dlm/core/index.js';
import type * as ScenarioModule from '../../dist/scenario/index.js';
import type * as SimModule from '../../dist/sim/index.js';
import type * as SimulateModule from '../../dist/explore/simulate.js';
import type * as SweepModule from '../../dist/explore/sweep.js';
import type * as PoolModule from '../../dist/explore/pool.js';

/** The checkout the bench belongs to: it is compiled to `<root>/dist-bench/`, see tsconfig.json here. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** This checkout's build, the one `npm run bench` measures by default. */
export const currentDist = join(repoRoot, 'dist');

/** One build of lockstep, as the sections use it. */
export interface Lockstep {
  /** The folder it was loaded from. */
  dist: string;
  sim: typeof SimModule;
  scenario: typeof ScenarioModule;
  dlmCore: typeof DlmCoreModule;
  simulate: typeof SimulateModule.simulate;
  sweepScenario: typeof SweepModule.sweepScenario;
  /** The worker pool of `run --jobs`; absent from builds older than it. */
  pool: typeof PoolModule | undefined;
}

/** Whether `dist` looks like a built lockstep (the check behind `--baseline-dist`'s error message). */
export function isLockstepDist(dist: string): boolean {
  return existsSync(join(dist, 'sim', 'index.js')) && existsSync(join(dist, 'explore'));
}

async function importFrom<T>(dist: string, modulePath: string): Promise<T> {
  return (await import(pathToFileURL(join(dist, modulePath)).href)) as T;
}

/** Imports every module the sections need from `dist`. */
export async function loadLockstep(dist: string): Promise<Lockstep> {
  const [sim, scenario, dlmCore, simulateModule, sweepModule] = await Promise.all([
    importFrom<typeof SimModule>(dist, 'sim/index.js'),
    importFrom<typeof ScenarioModule>(dist, 'scenario/index.js'),
    importFrom<typeof DlmCoreModule>(dist, 'dlm/core/index.js'),
    importFrom<typeof SimulateModule>(dist, 'explore/simulate.js'),
    importFrom<typeof SweepModule>(dist, 'explore/sweep.js'),
  ]);
  const pool = existsSync(join(dist, 'explore', 'pool.js')) ? await importFrom<typeof PoolModule>(dist, 'explore/pool.js') : undefined;
  return { dist, sim, scenario, dlmCore, simulate: simulateModule.simulate, sweepScenario: sweepModule.sweepScenario, pool };
}
