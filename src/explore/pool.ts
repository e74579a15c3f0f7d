/**
 * Sweeps on every core: a suite's (scenario, seed range) chunks run on a pool of worker threads
 * (piscina), and the results are put back together in seed order so that the run result is the
 * one the sequential sweep gives, byte for byte (DESIGN §2: the seed decides everything).
 *
 * A chunk runs its seeds in order and stops at its first expected find; once a scenario has a find
 * at some seed, chunks after it are not started, and what chunks
 * already running find past it is dropped when the result is assembled. Every failing seed at or
 * before the stop is run a second time in a different worker than its first run, so state a
 * worker keeps between seeds cannot hide nondeterminism.
 */
import { fileURLToPath } from 'node:url';
import { Piscina, queueOptionsSymbol, type PiscinaTask } from 'piscina';
import type { ScenarioRunResult, SeedOverrun } from './result.js';
import { isExpectedFind, positionOf, rerunHash, runChunk, subRange, type ChunkOutcome, type FailingSeed, type SeedRange } from './chunk.js';
import { NondeterminismError, type SweepTarget } from './sweep.js';
import { withBounds, type ChunkTask, type FromWorker, type RerunTask } from './worker.js';
import type { Bounds } from '../scenario/index.js';
import { withRunNotes } from './rates.js';

/** Runs chunks and re-runs somewhere: on worker threads, or in this thread for one job. */
export interface Executor {
  /** How many chunks may run at once. */
  readonly lanes: number;
  runChunk(task: ChunkTask): Promise<ChunkOutcome & FromWorker>;
  /** Re-runs a seed in a worker other than `firstWorkerId` (when there is more than one). */
  rerun(task: RerunTask, firstWorkerId: number): Promise<{ traceHash: string } & FromWorker>;
  close(): Promise<void>;
}

/** The `workerId` of work done in the calling thread. */
export const IN_PROCESS_WORKER_ID = 0;

/** An executor in the calling thread, for `--jobs 1` (a shard, or the bench's baseline). */
export function inProcessExecutor(targets: readonly SweepTarget[]): Executor {
  const byKey = new Map(targets.map((t) => [`${t.file}\u0000${t.scenario.name}`, t.scenario]));
  const scenarioOf = (file: string, name: string) => {
    const scenario = byKey.get(`${file}\u0000${name}`);
    if (!scenario) throw new Error(`in-process executor: no scenario ${name} from ${file}`);
    return scenario;
  };
  return {
    lanes: 1,
    runChunk: async (task) => ({ ...runChunk(withBounds(scenarioOf(task.file, task.scenario), task.bounds), task.file, task.range, task.stopAtFirstFind, task.replayFlags), workerId: IN_PROCESS_WORKER_ID }),
    rerun: async (task) => ({ traceHash: rerunHash(withBounds(scenarioOf(task.file, task.scenario), task.bounds), task.seed), workerId: IN_PROCESS_WORKER_ID }),
    close: async () => undefined,
  };
}

interface AvoidWorkers {
  avoidWorkerIds: readonly number[];
}

/** piscina's load balancer (its worker type is not exported by name). */
type LoadBalancer = NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']>;
type PiscinaWorker = Parameters<LoadBalancer>[1][number];

/**
 * Hands a chunk to an idle worker, or leaves it in the queue when none is idle. A task that must
 * avoid some workers (a re-run, away from the worker of its first run) goes to an idle worker it
 * may use, else to the least busy one, where it runs after the task in hand: piscina stops
 * handing out queued tasks at the first one its balancer cannot place, so a re-run waiting at the
 * queue's head would hold the next chunk back while the only idle worker is the one it avoids.
 */
export function avoidingBalancer(task: PiscinaTask, workers: PiscinaWorker[]): PiscinaWorker | null {
  const options = task[queueOptionsSymbol as keyof PiscinaTask] as AvoidWorkers | null;
  let leastBusy: PiscinaWorker | null = null;
  for (const worker of workers) {
    if (options?.avoidWorkerIds.includes(worker.id) ?? false) continue;
    if (worker.currentUsage === 0) return worker;
    if (options && (leastBusy === null || worker.currentUsage < leastBusy.currentUsage)) leastBusy = worker;
  }
  return leastBusy;
}

/** The worker module, from the build this module belongs to (workers run compiled JavaScript). */
const WORKER_FILE = fileURLToPath(new URL('./worker.js', import.meta.url));

/** A pool of `jobs` worker threads (at least 2), all started at once and kept for the run. */
export function threadExecutor(jobs: number): Executor {
  if (!Number.isInteger(jobs) || jobs < 2) throw new Error(`threadExecutor: expected at least 2 jobs, got ${jobs}`);
  const pool = new Piscina({ filename: WORKER_FILE, minThreads: jobs, maxThreads: jobs, loadBalancer: avoidingBalancer });
  return {
    lanes: jobs,
    runChunk: (task) => pool.run(task, { name: 'sweepChunk' }),
    rerun: async (task, firstWorkerId) => {
      const result = (await pool.run({ ...task, [queueOptionsSymbol]: { avoidWorkerIds: [firstWorkerId] } }, { name: 'rerunSeed' })) as { traceHash: string } & FromWorker;
      if (result.workerId === firstWorkerId) throw new Error(`pool: seed ${task.seed} of ${task.scenario} was re-run in worker ${firstWorkerId}, the worker of its first run`);
      return result;
    },
    close: async () => {
      await untilEveryWorkerLoaded(pool, jobs);
      await pool.destroy();
    },
  };
}

/**
 * Waits until each of the pool's `jobs` workers has loaded its module and answered a task: a
 * worker ended while it is still loading modules can abort the whole process, and a short sweep
 * (or a shard with no seeds) may be over before every worker is ready. Each round asks a worker
 * that has not answered yet, so at most `jobs` rounds.
 */
async function untilEveryWorkerLoaded(pool: Piscina, jobs: number): Promise<void> {
  const answered: number[] = [];
  for (let round = 0; round < jobs; round++) {
    const { workerId } = (await pool.run({ [queueOptionsSymbol]: { avoidWorkerIds: answered } }, { name: 'workerLoaded' })) as FromWorker;
    if (answered.includes(workerId)) throw new Error(`pool: worker ${workerId} answered twice while waiting for every worker to load`);
    answered.push(workerId);
  }
}

/** How far the sweep has got, for a progress line. */
export interface SweepProgress {
  seedsDone: number;
  /** Seeds still planned plus those done (it shrinks when a scenario stops at a find). */
  seedsTotal: number;
  /** Failing seeds seen so far (finds, for scenarios that expect a violation). */
  failingSeeds: number;
}

export interface PoolSweepOptions {
  /** Stop a scenario at its first expected find (default true, as `run` does). */
  stopAtFirstFind?: boolean;
  /** Largest number of seeds in one chunk (default 64). */
  maxChunkSeeds?: number;
  onProgress?: (progress: SweepProgress) => void;
  /** Told of every determinism re-run (tests check which worker ran it). */
  onRerun?: (rerun: { scenario: string; seed: number; firstWorkerId: number; rerunWorkerId: number }) => void;
  /** Milliseconds of some clock (the CLI's); with it, each scenario's result carries the time spent on its chunks. */
  clockMs?: () => number;
  /**
   * Asked before each chunk starts: true starts no more chunks (the CLI on Ctrl-C). The chunks
   * running finish, and each scenario's entry covers the seeds of its chunks that ran without a gap.
   */
  shouldStop?: () => boolean;
  /** Bounds over each scenario's own (the CLI's bound flags: workers load the files without them). */
  bounds?: Partial<Bounds>;
  /** Appended to every replay command (the same flags, so a replay reaches the same bound). */
  replayFlags?: string;
}

/** A scenario's result and the time its chunks took in workers (0 without a clock). */
export interface PoolScenarioResult {
  result: ScenarioRunResult;
  workMs: number;
  /** Set when `shouldStop` ended the sweep before this scenario's seeds were all run: the seeds it would have run. */
  cutShortOf?: number;
}

export interface Chunk {
  scenario: number;
  start: number;
  count: number;
}

/** One scenario's part of the sweep while it runs. */
class ScenarioState {
  stopPosition = Number.POSITIVE_INFINITY;
  /** Outcomes by the chunk's first position. */
  readonly outcomes = new Map<number, { chunk: Chunk; outcome: ChunkOutcome }>();
  readonly reruns = new Map<number, Promise<string>>();
  workMs = 0;

  constructor(
    readonly target: SweepTarget,
    readonly range: SeedRange,
  ) {}

  /** Records a chunk's outcome and moves the stop to its first expected find. */
  record(chunk: Chunk, outcome: ChunkOutcome, stopAtFirstFind: boolean): void {
    this.outcomes.set(chunk.start, { chunk, outcome });
    const find = outcome.failing.find((f) => isExpectedFind(this.target.scenario, f.invariant));
    if (stopAtFirstFind && find) this.stopPosition = Math.min(this.stopPosition, positionOf(this.range, find.seed));
  }
}

/** Splits a range into chunks that grow from 1 seed to `maxSeeds`, so an early find wastes little. */
export function chunkRange(scenario: number, range: SeedRange, maxSeeds: number, growFromOne: boolean): Chunk[] {
  const chunks: Chunk[] = [];
  let size = growFromOne ? 1 : maxSeeds;
  for (let start = 0; start < range.count; start += size, size = Math.min(maxSeeds, size * 2)) {
    chunks.push({ scenario, start, count: Math.min(size, range.count - start) });
  }
  return chunks;
}

/**
 * Splits the suite's last chunks so that they shrink towards its end (guided self-scheduling,
 * Polychronopoulos and Kuck, IEEE Trans. Computers 1987): no chunk holds more than 1/(2·lanes) of
 * the seeds still to run after it starts. Seeds differ in cost, so with full-size chunks to the
 * end one lane runs a last 64-seed chunk while the others idle; tapered, the lanes finish within
 * about one small chunk of each other. Early chunks keep their size (the bound only bites in the
 * last 2·lanes·maxSeeds seeds; one lane has no one to wait for), and which chunk a seed is in
 * never changes a result.
 */
export function taperTail(chunks: readonly Chunk[], lanes: number): Chunk[] {
  if (lanes === 1) return [...chunks];
  let remaining = chunks.reduce((sum, chunk) => sum + chunk.count, 0);
  const tapered: Chunk[] = [];
  for (const chunk of chunks) {
    for (let start = chunk.start, end = chunk.start + chunk.count; start < end; ) {
      const count = Math.min(end - start, Math.max(1, Math.ceil(remaining / (2 * lanes))));
      tapered.push({ scenario: chunk.scenario, start, count });
      start += count;
      remaining -= count;
    }
  }
  return tapered;
}

/**
 * Sweeps `targets[i]` over `ranges[i]` on `executor` and returns each scenario's §5.4 entry, in
 * suite order. The executor stays open: its owner closes it, so one pool of warm workers can
 * serve several sweeps. Throws what the sequential sweep would throw first: NondeterminismError, for the
 * earliest scenario and seed. A seed that reaches a bound is an overrun in its scenario's entry.
 */
export async function sweepOnPool(executor: Executor, targets: readonly SweepTarget[], ranges: readonly SeedRange[], options: PoolSweepOptions = {}): Promise<PoolScenarioResult[]> {
  const stopAtFirstFind = options.stopAtFirstFind ?? true;
  const maxChunkSeeds = options.maxChunkSeeds ?? 64;
  const states = targets.map((target, i) => new ScenarioState(target, ranges[i]!));
  const planned = states.flatMap((state, i) => chunkRange(i, state.range, maxChunkSeeds, stopAtFirstFind && state.target.scenario.expect !== 'pass'));
  const chunks = taperTail(planned, executor.lanes);
  const progress: SweepProgress = { seedsDone: 0, seedsTotal: ranges.reduce((sum, r) => sum + r.count, 0), failingSeeds: 0 };
  let cursor = 0;

  let stopped = false;
  const lane = async (): Promise<void> => {
    while (cursor < chunks.length) {
      if ((stopped ||= options.shouldStop?.() === true)) return;
      const chunk = chunks[cursor++]!;
      const state = states[chunk.scenario]!;
      if (chunk.start > state.stopPosition) {
        progress.seedsTotal -= chunk.count;
        continue;
      }
      const startedMs = options.clockMs?.() ?? 0;
      const { workerId, ...outcome } = await executor.runChunk({ ...boundsOf(options), file: state.target.file, scenario: state.target.scenario.name, range: subRange(state.range, chunk.start, chunk.count), stopAtFirstFind });
      state.workMs += (options.clockMs?.() ?? 0) - startedMs;
      state.record(chunk, outcome, stopAtFirstFind);
      for (const failing of outcome.failing) {
        if (positionOf(state.range, failing.seed) <= state.stopPosition) state.reruns.set(failing.seed, rerun(executor, state, failing, workerId, options));
      }
      progress.seedsDone += outcome.seedsRun;
      progress.seedsTotal -= chunk.count - outcome.seedsRun;
      progress.failingSeeds += outcome.failing.length;
      options.onProgress?.({ ...progress });
    }
  };

  await Promise.all(Array.from({ length: executor.lanes }, lane));
  const results: PoolScenarioResult[] = [];
  for (const state of states) {
    const { result, cutShort } = await assemble(state, stopAtFirstFind, stopped);
    results.push({ result, workMs: state.workMs, ...(cutShort ? { cutShortOf: state.range.count } : {}) });
  }
  return results;
}

function rerun(executor: Executor, state: ScenarioState, failing: FailingSeed, firstWorkerId: number, options: PoolSweepOptions): Promise<string> {
  const task = { ...(options.bounds ? { bounds: options.bounds } : {}), file: state.target.file, scenario: state.target.scenario.name, seed: failing.seed };
  const hash = executor.rerun(task, firstWorkerId).then(({ traceHash, workerId }) => {
    options.onRerun?.({ scenario: task.scenario, seed: task.seed, firstWorkerId, rerunWorkerId: workerId });
    return traceHash;
  });
  // Awaited in seed order by assemble(); a rejection before then must not count as unhandled.
  hash.catch(() => undefined);
  return hash;
}

/** The bound fields of a chunk task, present only when given. */
function boundsOf(options: PoolSweepOptions): Pick<ChunkTask, 'bounds' | 'replayFlags'> {
  return { ...(options.bounds ? { bounds: options.bounds } : {}), ...(options.replayFlags ? { replayFlags: options.replayFlags } : {}) };
}

/**
 * The scenario's §5.4 entry from its chunks, walking seeds in order as the sequential sweep does:
 * a failing seed whose re-run differs throws, a seed that reached a bound is an overrun (the
 * walk goes on), an expected find ends the walk.
 * After a stop (`stopped`) the walk also ends at the first chunk that did not run, and the entry
 * is `cutShort`: it covers that prefix of the seeds only, without the run notes of a finished sweep.
 */
async function assemble(state: ScenarioState, stopAtFirstFind: boolean, stopped: boolean): Promise<{ result: ScenarioRunResult; cutShort: boolean }> {
  const { scenario, file } = state.target;
  const failures: ScenarioRunResult['failures'] = [];
  const overruns: SeedOverrun[] = [];
  let seedsRun = state.range.count;
  let nextPosition = 0;
  let cutShort = false;
  walk: for (const { chunk, outcome } of [...state.outcomes.values()].sort((a, b) => a.chunk.start - b.chunk.start)) {
    if (stopped && chunk.start !== nextPosition) break;
    assertContiguous(state, chunk, nextPosition);
    nextPosition = chunk.start + chunk.count;
    for (const overrun of outcome.overruns) if (positionOf(state.range, overrun.seed) <= state.stopPosition) overruns.push(overrun);
    for (const failing of outcome.failing) {
      const position = positionOf(state.range, failing.seed);
      if (position > state.stopPosition) break walk;
      const again = await state.reruns.get(failing.seed)!;
      if (again !== failing.traceHash) throw new NondeterminismError(scenario.name, failing.seed, failing.traceHash, again);
      const { traceHash: _hash, ...failure } = failing;
      failures.push(failure);
      if (stopAtFirstFind && isExpectedFind(scenario, failing.invariant)) {
        seedsRun = position + 1;
        break walk;
      }
    }
    if (outcome.seedsRun !== chunk.count) throw new Error(`pool: ${scenario.name}: the chunk at position ${chunk.start} ran ${outcome.seedsRun} of ${chunk.count} seeds without a find`);
  }
  if (seedsRun === state.range.count && nextPosition !== state.range.count) {
    if (!stopped) throw new Error(`pool: ${scenario.name}: chunks covered ${nextPosition} of ${state.range.count} seeds without a find`);
    seedsRun = nextPosition;
    cutShort = true;
  }
  // A seed without a verdict leaves a pass unproven; an expected violation found elsewhere stands.
  const met = scenario.expect === 'pass' ? failures.length === 0 && overruns.length === 0 : failures.some((f) => isExpectedFind(scenario, f.invariant));
  const entry = { scenario: scenario.name, file, seedsRun, expect: scenario.expect, met, failures, ...(overruns.length > 0 ? { overruns } : {}) };
  return { result: cutShort ? entry : withRunNotes(scenario, state.range.count, entry), cutShort };
}

/** Chunks before the stop follow each other without a gap (else seeds went unchecked). */
function assertContiguous(state: ScenarioState, chunk: Chunk, expectedStart: number): void {
  if (chunk.start !== expectedStart) {
    throw new Error(`pool: ${state.target.scenario.name}: a chunk starts at position ${chunk.start}, expected ${expectedStart}`);
  }
}
