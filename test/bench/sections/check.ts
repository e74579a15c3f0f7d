/**
 * Bench section `check`: `lockstep check` against SPIN on the same small lock service, in the same
 * run. SPIN explores bench/spin/lock-service.pml (one master, PR and EX, N clients × K rounds over
 * asynchronous FIFO channels); lockstep explores scenarios/check/spin-lock-service-NxK.json (the
 * real lock manager, one manager node, the same client scripts) with an asynchronous network.
 * For each: distinct states, states per second, and the counterexample of the planted bug (EX
 * compatible with PR: the Promela model's -DBUG, the lock manager's wrongMatrixEntry mutation),
 * SPIN's as its default depth-first trail and its breadth-first one, lockstep's as BFS finds it.
 *
 * The state counts differ by a difference of abstraction, named in bench.json
 * (`stateAbstraction`): a Promela state is the master's queue and grants plus the channels'
 * contents; a lockstep state is the real implementation's (sessions, reliable links with sequence
 * numbers and retransmission timers, keep-alive, heartbeat and deadlock-detection timers) with
 * every pending timer and message at its offset from now, so one Promela state is many timed
 * lockstep states. lockstep's search is therefore bounded by `LOCKSTEP_MAX_STATES`, and its
 * states per second are measured over that bounded search, depth first as pan's default search.
 * In the same run, the same search re-running every path from the start (`stateless`, how check
 * reached its states before world images) gives the baseline its speed-up is read against, and
 * one million fingerprints in the exact visited set give its memory.
 *
 * When `spin` is not installed (bench/spin/install-spin.sh installs it), the section says so and
 * reports lockstep's side only.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as BoundsModule from '../../../dist/explore/check/bounds.js';
import type * as SearchModule from '../../../dist/explore/check/search.js';
import type * as VisitedModule from '../../../dist/explore/check/visited.js';
import { repoRoot, type Lockstep } from '../lockstep.js';
import type { BenchRow, BenchSection } from '../section.js';
import { Stopwatch } from '../stopwatch.js';

/** Clients and rounds of the compared model (the reference size). */
const CLIENTS = 3;
const ROUNDS = 2;
const MODEL = join(repoRoot, 'bench', 'spin', 'lock-service.pml');
const SCENARIO = join(repoRoot, 'scenarios', 'check', `spin-lock-service-${CLIENTS}x${ROUNDS}.json`);
/** lockstep's bound on distinct states for the clean model (it cannot exhaust it: see the module comment). */
const LOCKSTEP_MAX_STATES = 10_000;
/** The stateless baseline's bound (it re-runs every path from the start, so it is kept small). */
const STATELESS_MAX_STATES = 500;
/** lockstep's bound for the planted bug's BFS. */
const LOCKSTEP_BUG_MAX_STATES = 20_000;
/** Fingerprints put in the exact visited set for its memory figure. */
const VISITED_MEMORY_STATES = 1_000_000;
/**
 * Runs of pan over which SPIN's rate is taken: states stored over pan's own search time (its
 * "elapsed time" line, which leaves out the seconds pan spends allocating its hash table and
 * stack before searching), summed over the runs because one run of a small model takes a few
 * hundredths of a second.
 */
const PAN_RUNS = 10;

const STATE_ABSTRACTION =
  'SPIN: the master queue, the grants and the channel contents of an untimed model. lockstep: every node of the real lock manager (sessions, reliable links with sequence numbers, acknowledgements and retransmission timers, keep-alive, heartbeat and deadlock-detection timers) and every pending event at its offset from now, so the order and instants of deliveries split one Promela state into many timed states.';

interface PanRun {
  states: number;
  transitions: number;
  trailSteps: number | undefined;
  /** pan's own search time, as it prints it (10 ms resolution). */
  searchSeconds: number;
}

function run(command: string, args: readonly string[], cwd: string): string {
  const out = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (out.error !== undefined || out.status !== 0) throw new Error(`bench check: ${command} ${args.join(' ')} failed: ${out.error?.message ?? out.stderr}${out.stdout}`);
  return out.stdout;
}

function spinInstalled(): boolean {
  return spawnSync('spin', ['-V'], { encoding: 'utf8' }).status === 0;
}

/** Build pan for the model (with or without the planted bug; depth-first or breadth-first) in `dir`. */
function buildPan(dir: string, bug: boolean, breadthFirst: boolean): string {
  const defines = [`-DN=${CLIENTS}`, `-DK=${ROUNDS}`, ...(bug ? ['-DBUG'] : [])];
  run('spin', ['-a', ...defines, 'lock-service.pml'], dir);
  const binary = `pan-${bug ? 'bug' : 'clean'}-${breadthFirst ? 'bfs' : 'dfs'}`;
  run('gcc', ['-O2', '-DSAFETY', '-DNOREDUCE', ...(breadthFirst ? ['-DBFS'] : []), '-o', binary, 'pan.c'], dir);
  return binary;
}

/** Run pan; parse its states, transitions and the depth of a violation's trail. */
function runPan(dir: string, binary: string): PanRun {
  const text = spawnSync(`./${binary}`, ['-m100000'], { cwd: dir, encoding: 'utf8' }).stdout;
  const states = /(\d+) states, stored/.exec(text);
  const matched = /(\d+) states, matched/.exec(text);
  const elapsed = /pan: elapsed time ([\d.e+-]+) seconds/.exec(text);
  if (states === null || matched === null || elapsed === null) throw new Error(`bench check: cannot read pan's output:\n${text}`);
  const trail = /assertion violated .* \(at depth (\d+)\)/.exec(text);
  return { states: Number(states[1]), transitions: Number(states[1]) + Number(matched[1]), trailSteps: trail === null ? undefined : Number(trail[1]), searchSeconds: Number(elapsed[1]) };
}

/** SPIN's side: the clean model's state space and rate, the planted bug's DFS and BFS trails. */
function spinSide(): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-spin-'));
  try {
    copyFileSync(MODEL, join(dir, 'lock-service.pml'));
    const clean = buildPan(dir, false, false);
    const runs = Array.from({ length: PAN_RUNS }, () => runPan(dir, clean));
    const first = runs[0]!;
    if (first.trailSteps !== undefined) throw new Error('bench check: the clean Promela model violates its assertion');
    const seconds = runs.reduce((sum, r) => sum + r.searchSeconds, 0);
    if (seconds === 0) throw new Error(`bench check: ${PAN_RUNS} runs of pan took no measurable time; raise PAN_RUNS`);
    const dfs = runPan(dir, buildPan(dir, true, false));
    const bfs = runPan(dir, buildPan(dir, true, true));
    if (dfs.trailSteps === undefined || bfs.trailSteps === undefined) throw new Error('bench check: the planted bug was not found by SPIN');
    return {
      version: run('spin', ['-V'], dir).trim(),
      states: first.states,
      transitions: first.transitions,
      exhaustive: true,
      searchSeconds: seconds / PAN_RUNS,
      statesPerSecond: Math.round((first.states * PAN_RUNS) / seconds),
      bugTrailStepsDfs: dfs.trailSteps,
      bugTrailStepsBfs: bfs.trailSteps,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function importCheck(lockstep: Lockstep): Promise<{ search: typeof SearchModule.search; bounds: typeof BoundsModule; visited: typeof VisitedModule }> {
  const at = (path: string) => pathToFileURL(join(lockstep.dist, 'explore', 'check', path)).href;
  const searchModule = (await import(at('search.js'))) as typeof SearchModule;
  return { search: searchModule.search, bounds: (await import(at('bounds.js'))) as typeof BoundsModule, visited: (await import(at('visited.js'))) as typeof VisitedModule };
}

/** The exact visited set holding {@link VISITED_MEMORY_STATES} distinct fingerprints: its own bytes, and what the process grew by. */
function visitedMemory(visited: typeof VisitedModule): { states: number; bytes: number; residentBytes: number } {
  const before = process.memoryUsage().rss;
  const set = new visited.ExactVisited();
  for (let i = 0; i < VISITED_MEMORY_STATES; i++) set.add({ high: Math.imul(i, 0x9e3779b1) >>> 0, low: Math.imul(i ^ 0x5bd1e995, 0x85ebca6b) >>> 0 });
  const residentBytes = process.memoryUsage().rss - before;
  if (set.size !== VISITED_MEMORY_STATES) throw new Error(`bench check: the visited set holds ${set.size} of ${VISITED_MEMORY_STATES} distinct fingerprints`);
  return { states: set.size, bytes: set.bytes, residentBytes };
}

/** lockstep's side: the clean model depth first (images, then the stateless baseline), the planted bug by BFS. */
async function lockstepSide(lockstep: Lockstep): Promise<Record<string, unknown>> {
  const { search, bounds, visited } = await importCheck(lockstep);
  const scenario = lockstep.scenario.parseScenario(JSON.parse(readFileSync(SCENARIO, 'utf8')), SCENARIO);
  const common = {
    scenario,
    seed: 0,
    bounds: bounds.choiceBounds(scenario, { network: 'async', faultKinds: [], faultBudget: 0, ...lockstep.scenario.CHECK_FAULT_SIZES_MS }),
    maxEvents: 1_000_000,
    deadlockBoundUs: bounds.checkDeadlockBoundUs(scenario),
    strategy: 'dfs' as const,
    depth: 10_000,
    sleepSets: false,
    bitstateBits: undefined,
    walks: 1,
    pctChangePoints: 2,
  };
  const watch = new Stopwatch();
  const clean = search({ ...common, maxStates: LOCKSTEP_MAX_STATES });
  const { wallSeconds, cpuSeconds } = watch.elapsed();
  if (clean.counterexample !== undefined) throw new Error(`bench check: the clean scenario violates ${clean.violated.join(', ')}`);
  const baselineWatch = new Stopwatch();
  const stateless = search({ ...common, maxStates: STATELESS_MAX_STATES, stateless: true });
  const baseline = baselineWatch.elapsed();
  const bug = search({ ...common, strategy: 'bfs', sleepSets: true, maxStates: LOCKSTEP_BUG_MAX_STATES, mutations: { wrongMatrixEntry: true } });
  if (bug.counterexample === undefined) throw new Error('bench check: lockstep did not find the planted bug');
  const statesPerSecond = Math.round(clean.states / wallSeconds);
  const statelessStatesPerSecond = Math.round(stateless.states / baseline.wallSeconds);
  return {
    strategy: 'dfs',
    mode: clean.mode,
    states: clean.states,
    transitions: clean.transitions,
    exhaustive: clean.exhaustive,
    maxStates: LOCKSTEP_MAX_STATES,
    unexplored: clean.unexplored,
    wallSeconds,
    statesPerSecond,
    statesPerCpuSecond: Math.round(clean.states / cpuSeconds),
    stateless: { states: stateless.states, wallSeconds: baseline.wallSeconds, statesPerSecond: statelessStatesPerSecond, statesPerCpuSecond: Math.round(stateless.states / baseline.cpuSeconds) },
    imageSpeedup: Number((statesPerSecond / statelessStatesPerSecond).toFixed(2)),
    bugStrategy: 'bfs by kernel events, sleep sets',
    bugSteps: bug.counterexample.steps,
    bugDecisions: bug.counterexample.decisions.length,
    bugInvariants: bug.counterexample.invariants,
    bugStatesExplored: bug.states,
    bugShortestWithinBounds: bug.states < LOCKSTEP_BUG_MAX_STATES,
    visitedMemory: visitedMemory(visited),
    // World images the clean search held (a build before the image budget reports none).
    imageMemory: clean.memory ?? null,
  };
}

const section: BenchSection = {
  key: 'check',
  async run(lockstep) {
    if (!existsSync(SCENARIO) || !existsSync(MODEL)) throw new Error(`bench check: ${SCENARIO} or ${MODEL} is missing`);
    const ours = await lockstepSide(lockstep);
    const spin = spinInstalled() ? spinSide() : undefined;
    const rows: BenchRow[] = [
      { section: 'check', metric: `lockstep states (bound ${LOCKSTEP_MAX_STATES})`, value: ours.states as number, unit: 'states' },
      { section: 'check', metric: 'lockstep states/s', value: ours.statesPerSecond as number, unit: 'states/s' },
      { section: 'check', metric: 'lockstep states/s, world images ÷ re-running from the start', value: ours.imageSpeedup as number, unit: 'ratio' },
      { section: 'check', metric: `exact visited set, ${VISITED_MEMORY_STATES} states`, value: (ours.visitedMemory as { bytes: number }).bytes / 2 ** 20, unit: 'MiB' },
      { section: 'check', metric: 'lockstep planted-bug counterexample', value: ours.bugSteps as number, unit: 'events' },
    ];
    const json: Record<string, unknown> = {
      model: { clients: CLIENTS, rounds: ROUNDS, promela: 'bench/spin/lock-service.pml', scenario: `scenarios/check/spin-lock-service-${CLIENTS}x${ROUNDS}.json`, network: 'async' },
      stateAbstraction: STATE_ABSTRACTION,
      lockstep: ours,
      statesPerSecond: ours.statesPerSecond,
    };
    if (spin === undefined) {
      json.spin = { installed: false, note: 'spin is not installed (bash bench/spin/install-spin.sh installs it); lockstep side only' };
      return { json, rows };
    }
    const spinRatio = (ours.statesPerSecond as number) / (spin.statesPerSecond as number);
    Object.assign(json, { spin, spinStatesPerSecond: spin.statesPerSecond, spinRatio: Number(spinRatio.toFixed(6)) });
    rows.push(
      { section: 'check', metric: 'SPIN states (exhaustive)', value: spin.states as number, unit: 'states' },
      { section: 'check', metric: 'SPIN states/s', value: spin.statesPerSecond as number, unit: 'states/s' },
      { section: 'check', metric: 'lockstep ÷ SPIN states/s', value: spinRatio, unit: 'ratio' },
      { section: 'check', metric: 'SPIN planted-bug DFS trail', value: spin.bugTrailStepsDfs as number, unit: 'steps' },
      { section: 'check', metric: 'SPIN planted-bug BFS trail', value: spin.bugTrailStepsBfs as number, unit: 'steps' },
    );
    return { json, rows };
  },
};

export default section;
