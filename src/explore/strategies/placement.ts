/**
 * Fault placement strategies: where in time a seed's drawn faults land.
 *
 * The swarm draw (sim/faults.ts) is left exactly as it is, so a scenario that names no strategy
 * draws what it always drew. A strategy only moves the drawn times afterwards, by a monotone map
 * that takes no further random draws: the plan keeps its kinds, targets and magnitudes, and the
 * seed keeps deciding everything.
 *
 * Workload placement needs to know, before the faulted run is simulated, when clients will hold
 * or wait for locks. A scripted client's schedule does not say (how long it waits depends on the
 * run), so the window is learnt from a fault-free pilot run of the same scenario and seed: the
 * same latencies, clocks and scripts, none of the drawn faults. The pilot is a pure function of
 * (scenario, seed), so the placement is too, and `replay --seed S` redraws it exactly. The faulted
 * run drifts from the pilot once its first fault strikes (waits grow), which is why the share of
 * faults landing in the faulted run's own window is measured (test/tools/fault-share.mjs), not
 * assumed.
 */
import type { Fault, Rng } from '../../sim/index.js';
import type { SpanUs } from './activity.js';

/**
 * Moves uniformly drawn fault times into `spans`: a time t of [0, durationUs) goes to the point at
 * the same fraction of the spans' total length, so a uniform draw over the run becomes a uniform
 * draw over the active time. Whole milliseconds, as drawn. With no active time, nothing moves.
 */
export function placeInSpans(faults: readonly Fault[], spans: readonly SpanUs[], durationUs: number): Fault[] {
  const activeMs = spans.map((s) => ({ fromMs: Math.ceil(s.fromUs / 1000), toMs: Math.ceil(Math.min(s.toUs, durationUs) / 1000) })).filter((s) => s.toMs > s.fromMs);
  const totalMs = activeMs.reduce((sum, s) => sum + (s.toMs - s.fromMs), 0);
  const durationMs = Math.floor(durationUs / 1000);
  if (totalMs === 0 || durationMs === 0) return [...faults];
  const placed = faults.map((f) => ({ ...f, atUs: placeMs(Math.floor(f.atUs / 1000), activeMs, totalMs, durationMs) * 1000 }));
  return stableByTime(placed);
}

/** The ms at fraction atMs/durationMs of the active time. */
function placeMs(atMs: number, activeMs: readonly { fromMs: number; toMs: number }[], totalMs: number, durationMs: number): number {
  let offsetMs = Math.floor((atMs * totalMs) / durationMs);
  for (const s of activeMs) {
    const lengthMs = s.toMs - s.fromMs;
    if (offsetMs < lengthMs) return s.fromMs + offsetMs;
    offsetMs -= lengthMs;
  }
  throw new Error(`lockstep: fault placement: ${atMs} ms maps past the active time (${totalMs} ms)`);
}

/** Sorted by time, ties in their given order. */
export function stableByTime<T extends { atUs: number }>(faults: readonly T[]): T[] {
  return faults.map((f, i) => [f, i] as const).sort((a, b) => a[0].atUs - b[0].atUs || a[1] - b[1]).map(([f]) => f);
}

/** The share of drawn crashes and partitions that never end, per kind (see randomFaults.permanent). */
export interface Permanence {
  crash?: number | undefined;
  partition?: number | undefined;
}

/**
 * Makes a `permanent` share of the drawn crashes never restart and of the drawn partitions never
 * heal. The coins come from their own stream, `rng`, one per crash or partition in plan order, so
 * the rest of the draw is untouched.
 */
export function makePermanent(faults: readonly Fault[], permanence: Permanence, rng: Rng): Fault[] {
  return faults.map((f) => {
    if (f.kind === 'crash' && permanence.crash !== undefined && rng.chance(permanence.crash)) {
      const { restartAfterUs: _restartAfterUs, ...forGood } = f;
      return forGood;
    }
    if (f.kind === 'partition' && permanence.partition !== undefined && rng.chance(permanence.partition)) {
      const { forUs: _forUs, ...forGood } = f;
      return forGood;
    }
    return f;
  });
}
