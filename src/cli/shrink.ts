/**
 * `lockstep shrink SCENARIO --seed S [--invariant I] [--out FILE]`: shrink one failing seed to a
 * minimal repro file, print what was removed, and write the file (default
 * `scenarios/regressions/NAME-seed-S.json`, the corpus `run` and `npm test` replay).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { INVARIANTS, resolveScenario, type InvariantName } from '../scenario/index.js';
import { shrink, ShrinkError } from '../explore/shrink.js';
import { writeFileAtomic } from './files.js';

/** Where repro files go by default: the regression corpus. */
export const REGRESSIONS_DIR = 'scenarios/regressions';

/** Runs the shrink command; returns the exit code (0 written, 1 the seed does not fail that way). */
export async function shrinkCommand(scenarioArg: string, seed: number, invariantArg: string | undefined, out: string | undefined, usage: (message: string) => Error): Promise<number> {
  if (invariantArg !== undefined && !(INVARIANTS as readonly string[]).includes(invariantArg)) {
    throw usage(`--invariant: expected one of ${INVARIANTS.join(', ')}, got "${invariantArg}"`);
  }
  const loaded = await resolveScenario(scenarioArg);
  let outcome;
  try {
    outcome = shrink(loaded.scenario, seed, invariantArg as InvariantName | undefined, `${loaded.file} --seed ${seed}`);
  } catch (error) {
    if (!(error instanceof ShrinkError)) throw error;
    console.error(`shrink: ${error.message}`);
    return 1;
  }
  const file = out ?? path.join(REGRESSIONS_DIR, `${outcome.repro.name}.json`);
  writeFileAtomic('--out', file, JSON.stringify(outcome.file, null, 2) + '\n');
  const { before, after } = outcome;
  console.log(`shrink ${loaded.scenario.name} seed ${seed}: ${outcome.invariant} (delta debugging, ${outcome.tests} runs)`);
  for (const line of outcome.removed) console.log(`  - ${line}`);
  if (outcome.removed.length === 0) console.log('  (already minimal: nothing could be removed)');
  console.log(`  events ${before.events} → ${after.events}, faults ${before.faults} → ${after.faults}, clients ${before.clients} → ${after.clients}, steps ${before.steps} → ${after.steps}`);
  console.log(`repro: ${file}`);
  console.log(`replay: npx lockstep replay ${file}`);
  return 0;
}

/** What `run` sweeps without paths: the catalogue, and the regression corpus when there is one. */
export function defaultRunPaths(): string[] {
  return existsSync(REGRESSIONS_DIR) ? ['scenarios', REGRESSIONS_DIR] : ['scenarios'];
}
