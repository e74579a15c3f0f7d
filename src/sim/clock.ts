/**
 * Per-node local clocks: a wall clock (offset, drift, jumps) and a monotonic clock (drift only).
 *
 * A node's clocks are piecewise-linear functions of true time. Each change (a drift change, a
 * wall-clock jump) starts a new segment at the true instant it happens; earlier segments are
 * kept so that any true time can be read back (tests and reports do). With integer
 * microseconds and integer ppm the arithmetic is exact: the drift effect is kept as an integer
 * numerator `D(t) = Σ ppm_i · Δt_i` (µs·ppm), and a reading is
 *
 *     mono(t) = t + ⌊D(t) / 1e6⌋
 *     wall(t) = t + offsetUs + jumps(t) + ⌊D(t) / 1e6⌋
 *
 * so both clocks run at rate 1 + ppm/1e6, mono starts at 0 and never decreases, and a wall jump
 * shifts only the wall clock. The floor is computed exactly (no float rounding at the integer
 * boundary) while |D| < 2^53, i.e. for years of simulated time at realistic ppm.
 *
 * {@link NodeClock.trueTimeWhen} inverts a reading: it is how the kernel turns "when my wall
 * clock reads X" into a true instant for timers and lease marks.
 */
import type { ClockConfig, ClockKind } from './types.js';

const PPM = 1_000_000;

/** ⌊d / 1e6⌋, exact for integer |d| < 2^53 (plain division can round up across the boundary). */
function floorPpm(d: number): number {
  let q = Math.floor(d / PPM);
  if (q * PPM > d) q -= 1;
  else if ((q + 1) * PPM <= d) q += 1;
  return q;
}

/** Thrown for an impossible clock change (going back in time, a stopped clock, a fractional jump). */
export class ClockError extends Error {
  override readonly name = 'ClockError';
}

/** The most segments one clock may accumulate (one per fault); a guard against runaway loops. */
export const MAX_CLOCK_SEGMENTS = 1_000_000;

interface Segment {
  /** True time at which this segment starts. */
  readonly startUs: number;
  /** Rate error during the segment. */
  readonly ppm: number;
  /** Drift numerator D(startUs). */
  readonly driftNum: number;
  /** Sum of wall jumps up to and including this segment's start. */
  readonly jumpUs: number;
}

/** One node's wall and monotonic clocks, as piecewise-linear functions of true time. */
export class NodeClock {
  readonly offsetUs: number;
  private readonly segments: Segment[];
  /** The last segment, cached: the kernel reads clocks at the present almost always. */
  private last: Segment;

  constructor(cfg: ClockConfig) {
    if (!Number.isSafeInteger(cfg.offsetUs)) {
      throw new ClockError(`lockstep: clock offsetUs must be an integer number of microseconds, got ${cfg.offsetUs}`);
    }
    checkPpm(cfg.driftPpm);
    this.offsetUs = cfg.offsetUs;
    this.last = { startUs: 0, ppm: cfg.driftPpm, driftNum: 0, jumpUs: 0 };
    this.segments = [this.last];
  }

  /** The local reading of `kind` at true time `trueUs`, in integer microseconds. */
  read(kind: ClockKind, trueUs: number): number {
    const s = trueUs >= this.last.startUs ? this.last : this.segmentAt(trueUs);
    const d = s.driftNum + s.ppm * (trueUs - s.startUs);
    const base = d === 0 ? trueUs : trueUs + floorPpm(d);
    return kind === 'wall' ? base + this.offsetUs + s.jumpUs : base;
  }

  /** The current rate error in ppm (from the latest change on). */
  get driftPpm(): number {
    return this.last.ppm;
  }

  /**
   * The earliest integer true time >= `fromTrueUs` at which `read(kind)` >= `localUs`, given the
   * changes known so far (Infinity if the clock never gets there). Later jumps or drift changes
   * move the answer; the kernel recomputes it when they happen.
   */
  trueTimeWhen(kind: ClockKind, localUs: number, fromTrueUs: number): number {
    const target = Math.ceil(localUs);
    if (!Number.isFinite(target)) return target > 0 ? Infinity : fromTrueUs;
    const segs = this.segments;
    let i = fromTrueUs >= this.last.startUs ? segs.length - 1 : this.indexAt(fromTrueUs);
    for (; i < segs.length; i++) {
      const s = segs[i]!;
      const next = segs[i + 1];
      const a = Math.max(fromTrueUs, s.startUs);
      const b = next === undefined ? Infinity : next.startUs - 1;
      if (a > b) continue;
      if (this.read(kind, a) >= target) return a;
      if (b !== Infinity && this.read(kind, b) < target) continue;
      return this.solveIn(kind, target, a, b, 1 + s.ppm / PPM);
    }
    return Infinity;
  }

  /** Jump the wall clock by `byUs` at true time `trueUs`. The monotonic clock never jumps. */
  jump(trueUs: number, byUs: number): void {
    if (!Number.isSafeInteger(byUs)) {
      throw new ClockError(`lockstep: a clock jump must be an integer number of microseconds, got ${byUs}`);
    }
    this.append(trueUs, this.last.ppm, this.last.jumpUs + byUs);
  }

  /** From true time `trueUs` on, both clocks run at rate 1 + ppm/1e6. */
  setDrift(trueUs: number, ppm: number): void {
    checkPpm(ppm);
    this.append(trueUs, ppm, this.last.jumpUs);
  }

  /**
   * The true times at which the clock changed (jumps and drift changes), in order. Between two
   * of them both clocks are linear in true time, so reading just before and at each change
   * (and at the ends) describes a clock exactly: what a report's clock chart draws.
   */
  changeTimesUs(): number[] {
    const out: number[] = [];
    for (let i = 1; i < this.segments.length; i++) out.push(this.segments[i]!.startUs);
    return out;
  }

  /** Number of segments (1 + number of changes); for tests and bounds. */
  get segmentCount(): number {
    return this.segments.length;
  }

  private append(trueUs: number, ppm: number, jumpUs: number): void {
    const last = this.last;
    if (!Number.isSafeInteger(trueUs) || trueUs < last.startUs) {
      throw new ClockError(
        `lockstep: clock changes must come in true-time order (change at ${trueUs} µs after one at ${last.startUs} µs)`,
      );
    }
    const seg: Segment = { startUs: trueUs, ppm, driftNum: last.driftNum + last.ppm * (trueUs - last.startUs), jumpUs };
    if (trueUs === last.startUs) {
      this.segments[this.segments.length - 1] = seg;
    } else {
      if (this.segments.length >= MAX_CLOCK_SEGMENTS) {
        throw new ClockError(`lockstep: a clock accumulated more than ${MAX_CLOCK_SEGMENTS} changes`);
      }
      this.segments.push(seg);
    }
    this.last = seg;
  }

  private indexAt(trueUs: number): number {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]!.startUs <= trueUs) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private segmentAt(trueUs: number): Segment {
    return this.segments[this.indexAt(trueUs)]!;
  }

  /**
   * Within one segment [a, b] (read increasing, read(a) < target, and read(b) >= target when b
   * is finite), the first true time reading >= target: a linear estimate, a gallop to bracket
   * it, then a binary search on the exact reading. Bounded by ~2·53 reads.
   */
  private solveIn(kind: ClockKind, target: number, a: number, b: number, rate: number): number {
    const estimate = a + Math.max(1, Math.ceil((target - this.read(kind, a)) / rate));
    let lo = a; // read(lo) < target
    let hi = Math.min(estimate, b); // candidate with read(hi) >= target, once bracketed
    let step = 1;
    while (this.read(kind, hi) < target) {
      lo = hi;
      hi = Math.min(hi + step, b);
      step *= 2;
      if (!Number.isSafeInteger(hi)) return Infinity;
    }
    // Tighten lo from the estimate side too, then bisect: invariant read(lo) < target <= read(hi).
    let back = 1;
    while (hi - back > lo && this.read(kind, hi - back) >= target) {
      hi -= back;
      back *= 2;
    }
    if (hi - back > lo) lo = hi - back;
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (this.read(kind, mid) >= target) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}

function checkPpm(ppm: number): void {
  if (!Number.isFinite(ppm) || ppm <= -PPM || ppm >= PPM) {
    throw new ClockError(`lockstep: clock drift must be a finite ppm in (-1e6, 1e6), got ${ppm}`);
  }
}
