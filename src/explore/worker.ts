/**
 * The worker-thread side of the sweep pool (loaded by piscina from dist/explore/worker.js). A
 * worker loads each scenario file itself, once, rather than receiving the scenario: a TypeScript
 * scenario may hold functions, which cannot cross a thread boundary, and loading from the same
 * file through the same loader gives the same validated scenario as the main thread's.
 */
import { threadId } from 'node:worker_threads';
import { loadScenarios, type Bounds, type Scenario } from '../scenario/index.js';
import { rerunHash, runChunk, type ChunkOutcome, type SeedRange } from './chunk.js';

/** One chunk of seeds of one scenario. */
export interface ChunkTask {
  file: string;
  scenario: string;
  range: SeedRange;
  stopAtFirstFind: boolean;
  /** Bounds over the scenario file's own (the CLI's bound flags), and the flags a replay repeats. */
  bounds?: Partial<Bounds>;
  replayFlags?: string;
}

/** One failing seed to run again, for the determinism check. */
export interface RerunTask {
  file: string;
  scenario: string;
  seed: number;
  bounds?: Partial<Bounds>;
}

/** Which worker answered: the pool checks that a re-run ran in a different worker than the first run. */
export interface FromWorker {
  workerId: number;
}

const loaded = new Map<string, Promise<Scenario>>();

function scenarioOf(file: string, name: string): Promise<Scenario> {
  const key = `${file}\u0000${name}`;
  let scenario = loaded.get(key);
  if (!scenario) {
    scenario = loadScenarios([file]).then((suite) => {
      const found = suite.find((one) => one.scenario.name === name);
      if (!found) throw new Error(`worker: ${file} no longer holds scenario ${name}`);
      return found.scenario;
    });
    loaded.set(key, scenario);
  }
  return scenario;
}

/** Runs a chunk (piscina task `sweepChunk`). */
export async function sweepChunk(task: ChunkTask): Promise<ChunkOutcome & FromWorker> {
  const scenario = withBounds(await scenarioOf(task.file, task.scenario), task.bounds);
  return { ...runChunk(scenario, task.file, task.range, task.stopAtFirstFind, task.replayFlags), workerId: threadId };
}

/** Re-runs one seed and returns its trace hash (piscina task `rerunSeed`). */
export async function rerunSeed(task: RerunTask): Promise<{ traceHash: string } & FromWorker> {
  const scenario = withBounds(await scenarioOf(task.file, task.scenario), task.bounds);
  return { traceHash: rerunHash(scenario, task.seed), workerId: threadId };
}

/** Answers once this worker has loaded its module (piscina task `workerLoaded`; the pool's close waits for every worker). */
export function workerLoaded(): FromWorker {
  return { workerId: threadId };
}

/** The scenario with `bounds` over its own (a worker loads the file, which does not carry the CLI's flags). */
export function withBounds(scenario: Scenario, bounds: Partial<Bounds> | undefined): Scenario {
  return bounds === undefined || Object.keys(bounds).length === 0 ? scenario : { ...scenario, bounds: { ...scenario.bounds, ...bounds } };
}
