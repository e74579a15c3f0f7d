/**
 * `npm run bench:instructions`: instructions per seed of a swarm sweep, counted by
 * valgrind's cachegrind, for comparing two builds on a machine whose speed drifts.
 *
 * Why: on a shared or throttled host the wall-clock ratio of two builds swings by more than the
 * 1 % the performance policy asks a change to show (CONTRIBUTING.md). An instruction count does not
 * depend on the machine's load. node runs with `--predictable` (no concurrent compiler or GC
 * threads), which keeps the count close from run to run, though not exact: two runs of one build
 * have differed by up to 2 %, so compare builds over repeated runs.
 *
 * What it counts is what the bench's `sweep` figure times: `lockstep run`'s own sweep, over seeds the
 * process has already run once. Each build runs in two processes, one sweeping seeds 0..N-1 once and
 * one sweeping them twice; the difference is the second pass, with start-up and first-pass warm-up
 * cancelled out.
 * `--predictable` runs TurboFan on the main thread, where a normal run gives it a background
 * thread, so the count is split: instructions V8 spends compiling (cachegrind's functions under
 * `v8::internal::compiler::`) and the rest, which is what the main thread executes.
 *
 * usage: npm run bench:instructions -- [--baseline-dist DIR] [--scenario FILE] [--seeds N]
 * Needs `valgrind` on the PATH (Debian: `apt-get install valgrind`).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { currentDist, isLockstepDist, repoRoot } from './lockstep.js';

const run = promisify(execFile);
const EXIT_BAD_INPUT = 2;
const DEFAULT_SEEDS = 200;
const MAX_SEEDS = 100_000;
/** cg_annotate prints one line per function; the biggest output seen is a few thousand lines. */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/** The instructions of one cachegrind run, split by who spent them. */
interface Counts {
  total: number;
  compile: number;
}

/** One build's second pass, per seed. */
interface PassCost {
  dist: string;
  perSeed: number;
  compilePerSeed: number;
}

function fail(message: string): never {
  process.stderr.write(`bench:instructions: ${message}\n`);
  process.exit(EXIT_BAD_INPUT);
}

/** Sum of the instructions cg_annotate attributes to TurboFan, and the program total. */
function annotate(outFile: string): Counts {
  const text = execFileSync('cg_annotate', ['--show=Ir', '--sort=Ir', '--auto=no', '--threshold=0', outFile], { encoding: 'utf8', maxBuffer: MAX_OUTPUT_BYTES });
  let total = -1;
  let compile = 0;
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (match === null) continue;
    const count = Number(match[1]!.replaceAll(',', ''));
    const where = match[2]!;
    if (where === 'PROGRAM TOTALS') total = count;
    else if (where.includes('v8::internal::compiler::')) compile += count;
  }
  if (total < 0) throw new Error(`bench:instructions: no PROGRAM TOTALS line in cg_annotate's report of ${outFile}`);
  return { total, compile };
}

/**
 * Runs `passes` sweeps of seeds 0..seeds-1 of `scenario` on `dist` under cachegrind. The child
 * fails (and this rejects) unless every pass ran every seed and met the scenario's expectation.
 */
async function countRun(dist: string, scenario: string, seeds: number, passes: number, dir: string, tag: string): Promise<Counts> {
  const outFile = join(dir, `${tag}-${passes}.out`);
  const child = join(repoRoot, 'dist-bench', 'instructions-sweep.js');
  await run(
    'valgrind',
    ['--tool=cachegrind', '--cache-sim=no', '--branch-sim=no', `--cachegrind-out-file=${outFile}`, process.execPath, '--predictable', child, dist, scenario, String(seeds), String(passes)],
    { encoding: 'utf8', maxBuffer: MAX_OUTPUT_BYTES },
  );
  return annotate(outFile);
}

/** The cost of the second pass of one build: two runs, side by side. */
async function passCost(dist: string, scenario: string, seeds: number, dir: string, tag: string): Promise<PassCost> {
  const [once, twice] = await Promise.all([countRun(dist, scenario, seeds, 1, dir, tag), countRun(dist, scenario, seeds, 2, dir, tag)]);
  return { dist, perSeed: (twice.total - once.total) / seeds, compilePerSeed: (twice.compile - once.compile) / seeds };
}

function row(label: string, cost: PassCost): string {
  const kilo = (n: number): string => (n / 1000).toFixed(1).padStart(10);
  return `${label.padEnd(10)} ${kilo(cost.perSeed)} ${kilo(cost.perSeed - cost.compilePerSeed)} ${kilo(cost.compilePerSeed)}  ${cost.dist}`;
}

async function main(): Promise<void> {
  let values: { 'baseline-dist'?: string; scenario?: string; seeds?: string };
  try {
    ({ values } = parseArgs({ options: { 'baseline-dist': { type: 'string' }, scenario: { type: 'string' }, seeds: { type: 'string' } }, allowPositionals: false }));
  } catch (error) {
    fail(`${(error as Error).message}; usage: npm run bench:instructions -- [--baseline-dist DIR] [--scenario FILE] [--seeds N]`);
  }
  const seeds = values.seeds === undefined ? DEFAULT_SEEDS : Number(values.seeds);
  if (!Number.isSafeInteger(seeds) || seeds < 1 || seeds > MAX_SEEDS) fail(`--seeds: a whole number from 1 to ${MAX_SEEDS}, got ${values.seeds}`);
  const scenario = resolve(values.scenario ?? join(repoRoot, 'scenarios', 'swarm-fenced-dlm.json'));
  if (!existsSync(scenario)) fail(`--scenario: ${scenario} does not exist`);
  const baseline = values['baseline-dist'] === undefined ? undefined : resolve(values['baseline-dist']);
  if (baseline !== undefined && !isLockstepDist(baseline)) fail(`--baseline-dist: ${baseline} is not a built lockstep (no sim/index.js)`);
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    fail('valgrind is not installed (Debian: apt-get install valgrind)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-instructions-'));
  try {
    const current = await passCost(currentDist, scenario, seeds, dir, 'current');
    const before = baseline === undefined ? undefined : await passCost(baseline, scenario, seeds, dir, 'baseline');
    process.stdout.write(`thousands of instructions per seed, second pass of seeds 0..${seeds - 1} of ${scenario}\n`);
    process.stdout.write(`${'build'.padEnd(10)} ${'total'.padStart(10)} ${'executed'.padStart(10)} ${'compile'.padStart(10)}\n`);
    if (before !== undefined) process.stdout.write(`${row('baseline', before)}\n`);
    process.stdout.write(`${row('current', current)}\n`);
    if (before !== undefined) {
      const executed = (current.perSeed - current.compilePerSeed) / (before.perSeed - before.compilePerSeed);
      process.stdout.write(`current/baseline: total ${(current.perSeed / before.perSeed).toFixed(3)}, executed ${executed.toFixed(3)}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
