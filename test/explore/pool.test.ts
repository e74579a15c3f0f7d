// The pool sweep: results assembled in seed order whatever order chunks finish in, stops at the
// first find, and the determinism re-run in another worker. The orchestration runs here from src
// against scripted executors; the real worker threads run from the built dist/ (workers run
// compiled JavaScript; `npm test` builds first).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { queueOptionsSymbol, type PiscinaTask } from 'piscina';
import { avoidingBalancer, chunkRange, sweepOnPool, taperTail, type Executor } from '../../src/explore/pool.js';
import { seedAt, type ChunkOutcome, type FailingSeed } from '../../src/explore/chunk.js';
import { NondeterminismError, sweepScenario } from '../../src/explore/sweep.js';
import type { SeedOverrun } from '../../src/explore/result.js';
import { loadScenarioFile, type Scenario } from '../../src/scenario/index.js';
import type * as PoolModule from '../../src/explore/pool.js';
import type * as ScenarioModule from '../../src/scenario/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** What each seed does in a scripted world: fail with an invariant, exceed a bound, or pass. */
type SeedScript = Record<number, { invariant?: 'stale-write' | 'mutual-exclusion'; bound?: true; rerunHash?: string }>;

/**
 * An executor whose chunks follow `script`, finishing in reverse order of submission within each
 * batch of lanes (so assembly cannot rely on arrival order), each chunk on worker 1 + its index
 * modulo `lanes`, and re-runs on the next worker.
 */
function scriptedExecutor(scenario: Scenario, script: SeedScript, lanes: number): Executor & { chunks: number[][] } {
  const chunks: number[][] = [];
  let submitted = 0;
  return {
    lanes,
    chunks,
    async runChunk(task) {
      const order = submitted++;
      const seeds: number[] = [];
      const failing: FailingSeed[] = [];
      const overruns: SeedOverrun[] = [];
      let outcome: ChunkOutcome | undefined;
      for (let i = 0; i < task.range.count && !outcome; i++) {
        const seed = seedAt(task.range, i);
        seeds.push(seed);
        const planned = script[seed] ?? {};
        if (planned.bound) overruns.push({ seed, kind: 'budget', bound: 'maxEvents', limit: 10, atMs: 5, message: `bound at seed ${seed}`, replay: `replay ${seed}` });
        else if (planned.invariant) {
          failing.push({ seed, invariant: planned.invariant, atMs: seed, message: `seed ${seed}`, replay: `replay ${seed}`, traceHash: `h${seed}` });
          if (task.stopAtFirstFind && scenario.expect !== 'pass' && scenario.expect.violation === planned.invariant) outcome = { seedsRun: i + 1, failing, overruns };
        }
      }
      chunks.push(seeds);
      await new Promise((resolve) => setTimeout(resolve, (lanes - (order % lanes)) * 2));
      return { ...(outcome ?? { seedsRun: task.range.count, failing, overruns }), workerId: 1 + (order % lanes) };
    },
    async rerun(task, firstWorkerId) {
      return { traceHash: script[task.seed]?.rerunHash ?? `h${task.seed}`, workerId: 1 + (firstWorkerId % lanes) };
    },
    close: async () => undefined,
  };
}

async function target(expect: Scenario['expect']) {
  const loaded = await loadScenarioFile('scenarios/gc-pause-fenced.json');
  return { ...loaded, scenario: { ...loaded.scenario, expect } };
}

describe('sweepOnPool', () => {
  it('lists every failing seed of a pass scenario in seed order, whatever order chunks finish in', async () => {
    const t = await target('pass');
    const executor = scriptedExecutor(t.scenario, { 3: { invariant: 'mutual-exclusion' }, 17: { invariant: 'stale-write' }, 40: { invariant: 'stale-write' } }, 3);
    const [entry] = await sweepOnPool(executor, [t], [{ first: 0, step: 1, count: 50 }], { maxChunkSeeds: 8 });
    expect(entry!.result.failures.map((f) => [f.seed, f.invariant])).toEqual([[3, 'mutual-exclusion'], [17, 'stale-write'], [40, 'stale-write']]);
    expect(entry!.result).toMatchObject({ seedsRun: 50, met: false });
    expect(executor.chunks.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('stops an expected-violation scenario at its first find: later failures dropped, later chunks not started', async () => {
    const t = await target({ violation: 'stale-write' });
    const executor = scriptedExecutor(t.scenario, { 2: { invariant: 'mutual-exclusion' }, 5: { invariant: 'stale-write' }, 6: { invariant: 'stale-write' }, 9: { invariant: 'stale-write' } }, 2);
    const [entry] = await sweepOnPool(executor, [t], [{ first: 0, step: 1, count: 1000 }], { maxChunkSeeds: 4 });
    expect(entry!.result).toMatchObject({ seedsRun: 6, met: true });
    expect(entry!.result.failures.map((f) => f.seed)).toEqual([2, 5]);
    // Chunks grow 1, 2, 4, 4, …: seeds 0 | 1-2 | 3-6 | 7-10 | 11-14 at most before the find stops them.
    expect(Math.max(...executor.chunks.flat())).toBeLessThan(15);
  });

  it('throws NondeterminismError for the first failing seed whose re-run differs, in seed order', async () => {
    const t = await target('pass');
    const executor = scriptedExecutor(t.scenario, { 4: { invariant: 'stale-write' }, 11: { invariant: 'stale-write', rerunHash: 'other-11' }, 30: { invariant: 'stale-write', rerunHash: 'other-30' } }, 3);
    const error = await sweepOnPool(executor, [t], [{ first: 0, step: 1, count: 40 }], { maxChunkSeeds: 4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NondeterminismError);
    expect(error).toMatchObject({ seed: 11, firstHash: 'h11', secondHash: 'other-11' });
  });

  it('lists a seed that reaches a bound as a budget overrun and sweeps on; a pass with an overrun is not met', async () => {
    const t = await target('pass');
    const executor = scriptedExecutor(t.scenario, { 4: { invariant: 'stale-write' }, 9: { bound: true }, 20: { invariant: 'stale-write' }, 26: { bound: true } }, 2);
    const [entry] = await sweepOnPool(executor, [t], [{ first: 0, step: 1, count: 30 }], { maxChunkSeeds: 4 });
    expect(entry!.result).toMatchObject({ seedsRun: 30, met: false });
    expect(entry!.result.failures.map((f) => f.seed)).toEqual([4, 20]);
    expect(entry!.result.overruns!.map((o) => [o.seed, o.kind, o.bound])).toEqual([[9, 'budget', 'maxEvents'], [26, 'budget', 'maxEvents']]);
  });

  it('chunks grow from one seed to the largest size when a find may stop the scenario early', () => {
    expect(chunkRange(0, { first: 0, step: 1, count: 20 }, 4, true).map((c) => [c.start, c.count])).toEqual([[0, 1], [1, 2], [3, 4], [7, 4], [11, 4], [15, 4], [19, 1]]);
    expect(chunkRange(2, { first: 5, step: 3, count: 9 }, 4, false).map((c) => [c.scenario, c.start, c.count])).toEqual([[2, 0, 4], [2, 4, 4], [2, 8, 1]]);
  });

  it('the last chunks of the suite shrink to a quarter of what is left on two lanes, covering every seed once', () => {
    const planned = [...chunkRange(0, { first: 0, step: 1, count: 40 }, 16, false), ...chunkRange(1, { first: 0, step: 1, count: 12 }, 16, false)];
    const tapered = taperTail(planned, 2);
    expect(tapered.map((c) => [c.scenario, c.start, c.count])).toEqual([
      [0, 0, 13], [0, 13, 3], [0, 16, 9], [0, 25, 7], [0, 32, 5], [0, 37, 3],
      [1, 0, 3], [1, 3, 3], [1, 6, 2], [1, 8, 1], [1, 9, 1], [1, 10, 1], [1, 11, 1],
    ]);
    expect(tapered.reduce((sum, c) => sum + c.count, 0)).toBe(52);
    expect(taperTail(planned, 1)).toEqual(planned);
  });
});

describe('avoidingBalancer', () => {
  type Worker = Parameters<typeof avoidingBalancer>[1][number];
  /** Workers 1..n with the given numbers of tasks in hand (only `id` and `currentUsage` are read). */
  const workers = (...usage: number[]): Worker[] => usage.map((currentUsage, i) => ({ id: i + 1, currentUsage }) as unknown as Worker);
  const chunk = {} as PiscinaTask;
  const rerunAvoiding = (...ids: number[]) => ({ [queueOptionsSymbol]: { avoidWorkerIds: ids } }) as unknown as PiscinaTask;

  it('hands a chunk to the first idle worker, and leaves it queued when every worker is busy', () => {
    expect(avoidingBalancer(chunk, workers(1, 0, 0))?.id).toBe(2);
    expect(avoidingBalancer(chunk, workers(1, 2))).toBeNull();
  });

  it('hands a re-run to an idle worker other than those it avoids, else to the least busy of those', () => {
    expect(avoidingBalancer(rerunAvoiding(1), workers(0, 1, 0))?.id).toBe(3);
    // The only idle worker is the avoided one: the re-run waits on worker 3 instead of blocking the queue.
    expect(avoidingBalancer(rerunAvoiding(1), workers(0, 2, 1))?.id).toBe(3);
    expect(avoidingBalancer(rerunAvoiding(1, 2), workers(0, 0))).toBeNull();
  });
});

describe('the thread pool (built dist/)', () => {
  /** The pool and loader as built (types from src: the same modules before compilation). */
  async function dist() {
    const pool = (await import(pathToFileURL(path.join(ROOT, 'dist/explore/pool.js')).href)) as typeof PoolModule;
    const scenario = (await import(pathToFileURL(path.join(ROOT, 'dist/scenario/index.js')).href)) as typeof ScenarioModule;
    return { pool, scenario };
  }

  it('re-runs every failing seed in a different worker than its first run, and gives the sequential result', async () => {
    const { pool, scenario } = await dist();
    const suite = await scenario.loadScenarios(['test/cli/fixtures/jobs/redlock-pause-expect-pass.json']);
    const reruns: { seed: number; firstWorkerId: number; rerunWorkerId: number }[] = [];
    const [entry] = await pool.sweepOnPool(pool.threadExecutor(2), suite, [{ first: 0, step: 1, count: 6 }], { maxChunkSeeds: 2, onRerun: (r) => reruns.push(r) });
    expect(reruns.map((r) => r.seed).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const r of reruns) {
      expect(r.rerunWorkerId, `seed ${r.seed}`).not.toBe(r.firstWorkerId);
      expect(r.firstWorkerId).not.toBe(pool.IN_PROCESS_WORKER_ID);
    }
    expect(entry!.result).toEqual(sweepScenario(suite[0]!, { seeds: 6 }));
  }, 60_000);
});
