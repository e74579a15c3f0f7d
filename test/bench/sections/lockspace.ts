/**
 * Bench section `lockSpace`: the pure lock space's hot paths (src/dlm/core).
 *
 * - uncontended: lock EX + unlock pairs on one resource by one owner (the resource is created and
 *   destroyed every pair), effects drained with `clearEffects()` as a master would after reading them;
 * - contended: one EX holder and 1,000 queued EX waiters on one resource, drained by unlocking the
 *   current holder until the queue is empty (each unlock runs the grant pass that hands the lock on);
 * - baseline: Map set + delete pairs in the same run, so the lock-pair figure is also given as a
 *   ratio that does not depend on the machine.
 * Each measurement runs for a fixed number of iterations after a warm-up and keeps the best of
 * several rounds (the least disturbed by GC and the scheduler).
 */
import { performance } from 'node:perf_hooks';
import type { LockSpace } from '../../../dist/dlm/core/index.js';
import type { BenchRow, BenchSection } from '../section.js';

const PAIRS = 1_000_000;
const ROUNDS = 5;
const WAITERS = 1_000;
const DRAINS = 200;

function bestOf(rounds: number, run: () => number): number {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) best = Math.min(best, run());
  return best;
}

type LockSpaceClass = typeof LockSpace;

function uncontendedSeconds(LockSpace: LockSpaceClass, pairs: number): number {
  const space = new LockSpace();
  const t0 = performance.now();
  for (let i = 0; i < pairs; i++) {
    const r = space.lock('c1', 'file', 'EX');
    space.unlock(r.lockId);
    space.clearEffects();
  }
  const seconds = (performance.now() - t0) / 1000;
  if (space.lockCount !== 0 || space.resourceCount !== 0) throw new Error('uncontended bench left locks behind');
  return seconds;
}

function contendedSeconds(LockSpace: LockSpaceClass, drains: number): number {
  let total = 0;
  for (let d = 0; d < drains; d++) {
    const space = new LockSpace();
    let holder = space.lock('c0', 'hot', 'EX').lockId;
    for (let i = 1; i <= WAITERS; i++) space.lock(`c${i}`, 'hot', 'EX');
    space.clearEffects();
    const t0 = performance.now();
    for (let i = 0; i < WAITERS; i++) {
      space.unlock(holder);
      const granted = space.effects.find((e) => e.type === 'complete' && e.status === 'GRANTED');
      if (granted === undefined || granted.type !== 'complete') throw new Error('contended bench: unlock granted nobody');
      holder = granted.lockId;
      space.clearEffects();
    }
    space.unlock(holder);
    total += performance.now() - t0;
    if (space.lockCount !== 0) throw new Error('contended bench left locks behind');
  }
  return total / 1000;
}

function baselineSeconds(pairs: number): number {
  const map = new Map<number, { id: number; owner: string }>();
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < pairs; i++) {
    map.set(i, { id: i, owner: 'c1' });
    sink += map.get(i)!.id;
    map.delete(i);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (sink < 0) throw new Error('unreachable');
  return seconds;
}

const section: BenchSection = {
  key: 'lockSpace',
  async run(lockstep) {
    const { LockSpace } = lockstep.dlmCore;
    uncontendedSeconds(LockSpace, 200_000);
    contendedSeconds(LockSpace, 5);
    baselineSeconds(200_000);
    const pairSeconds = bestOf(ROUNDS, () => uncontendedSeconds(LockSpace, PAIRS));
    const drainSeconds = bestOf(ROUNDS, () => contendedSeconds(LockSpace, DRAINS));
    const baseSeconds = bestOf(ROUNDS, () => baselineSeconds(PAIRS));
    const pairsPerSec = PAIRS / pairSeconds;
    const grantsPerSec = (DRAINS * WAITERS) / drainSeconds;
    const mapPairsPerSec = PAIRS / baseSeconds;
    const rows: BenchRow[] = [
      { section: 'lockSpace', metric: 'uncontended lock+unlock pairs', value: pairsPerSec, unit: 'pairs/s' },
      { section: 'lockSpace', metric: `contended: ${WAITERS} waiters drained by unlocks`, value: grantsPerSec, unit: 'grants/s' },
      { section: 'lockSpace', metric: 'contended: one drain of the queue', value: (drainSeconds / DRAINS) * 1000, unit: 'ms' },
      { section: 'lockSpace', metric: 'baseline: Map set+get+delete pairs', value: mapPairsPerSec, unit: 'pairs/s' },
      { section: 'lockSpace', metric: 'lock pairs / baseline pairs', value: pairsPerSec / mapPairsPerSec, unit: 'ratio' },
    ];
    return {
      json: {
        uncontendedPairsPerSec: pairsPerSec,
        uncontendedPairs: PAIRS,
        contendedWaiters: WAITERS,
        contendedDrains: DRAINS,
        contendedGrantsPerSec: grantsPerSec,
        contendedDrainMs: (drainSeconds / DRAINS) * 1000,
        baselineMapPairsPerSec: mapPairsPerSec,
        ratioToBaseline: pairsPerSec / mapPairsPerSec,
        targetPairsPerSec: 1_000_000,
        meetsTarget: pairsPerSec >= 1_000_000,
      },
      rows,
    };
  },
};

export default section;
