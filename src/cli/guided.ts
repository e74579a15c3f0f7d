/**
 * `lockstep run --guided`: the feedback-directed fault search of explore/coverage.ts, one
 * scenario at a time. A find is written as a repro file (its plan may have been mutated from
 * earlier runs', so its seed alone does not replay it) and listed with the command that replays it.
 */
import path from 'node:path';
import type { ScenarioRunResult } from '../explore/result.js';
import { guidedSearch } from '../explore/coverage.js';
import { toFileForm } from '../explore/shrink.js';
import type { SweepTarget } from '../explore/sweep.js';
import type { InvariantName } from '../scenario/index.js';
import { simulateScenario } from '../library/simulate.js';
import { writeFileAtomic } from './files.js';

/** Where guided finds are written unless --out names a folder. */
export const GUIDED_REPRO_DIR = 'guided-repros';

/** Runs the guided search of one scenario for its target; returns its §5.4 entry (with coverage). */
export async function guidedRun(target: SweepTarget, choice: { invariant?: InvariantName; seeds?: number; seed?: number; out?: string }, usage: (message: string) => Error): Promise<ScenarioRunResult> {
  const { scenario, file } = target;
  const invariant = choice.invariant ?? (scenario.expect === 'pass' ? undefined : scenario.expect.violation);
  if (invariant === undefined) throw usage(`--guided searches for one invariant: ${file} expects pass, so name one with --invariant`);
  const budget = choice.seeds ?? scenario.seeds;
  const baseSeed = choice.seed ?? 0;
  const runner = (run: typeof scenario, seed: number) => simulateScenario(run, seed, { record: true });
  const outcome = await guidedSearch(scenario, invariant, budget, baseSeed, runner, `${file} --guided --seed ${baseSeed}`);
  const entry: ScenarioRunResult = { scenario: scenario.name, file, seedsRun: outcome.runs, expect: { violation: invariant }, met: outcome.find !== undefined, failures: [], target: invariant, coverage: outcome.coverage };
  if (outcome.find === undefined) return entry;
  const reproFile = path.join(choice.out ?? GUIDED_REPRO_DIR, `${outcome.find.repro.name}.json`);
  writeFileAtomic('--out', reproFile, JSON.stringify(toFileForm(outcome.find.repro), null, 2) + '\n');
  const { result } = await simulateScenario(outcome.find.repro, outcome.find.seed);
  const violation = result.violations.find((v) => v.invariant === invariant);
  if (violation === undefined) throw new Error(`lockstep: guided find of ${scenario.name} at seed ${outcome.find.seed} does not replay from its repro file`);
  const how = outcome.find.mutated ? 'a mutated plan' : "the seed's own plan";
  return { ...entry, failures: [{ seed: outcome.find.seed, invariant, atMs: violation.atMs, message: `${violation.message} (run ${outcome.find.iteration + 1}, ${how})`, replay: `npx lockstep replay ${reproFile}` }] };
}
