/**
 * Random fault plans for swarm testing (DESIGN §2, §5.2 `randomFaults`).
 *
 * Swarm testing: rather than sprinkling every fault kind into every run, each seed first
 * decides which of the listed kinds are active at all (a coin flip per kind), then draws a
 * bounded number of faults of each active kind at absolute times within the run. Runs thus
 * differ in *which* faults interact, which finds bugs a uniform mix dilutes.
 *
 * The plan is plain data, drawn entirely up front from one stream, and returned sorted by
 * (atUs, kind, node) with the draw order as the final tie-break, so it can be printed, saved
 * with a failure, replayed and shrunk. Kinds are visited in the fixed order of
 * {@link FAULT_KINDS}, not in the profile's key order, so reordering a scenario's
 * `randomFaults` object changes nothing. Times and magnitudes are whole milliseconds (the
 * scenario's unit), expressed in µs.
 */
import type { Fault, FaultKind, Rng } from './types.js';

/** Per-kind knobs of a random fault profile. */
export interface RandomFaultSpec {
  /** Largest magnitude in ms: pause length, restart delay, |jump|, partition/window length, extra delay. */
  maxMs?: number;
  /** Smallest magnitude in ms (default 1). */
  minMs?: number;
  /** The nodes this kind may hit; for a partition, one side against every other node. */
  nodes?: readonly string[];
  /** Most faults of this kind per run (default 3). The number is drawn in [1, count]. */
  count?: number;
  /**
   * Faults per simulated second: when given, the most faults of this kind is
   * max(1, ceil(rate · seconds)), capped by `count` when both are present.
   */
  rate?: number;
  /** clock-drift only: largest |ppm| (default 200). */
  maxPpm?: number;
}

/** Which fault kinds a swarm run may draw, and how much of each. */
export type RandomFaultProfile = Partial<Record<FaultKind, RandomFaultSpec>>;

/** The order kinds are visited in (and the plan's tie-break order). */
export const FAULT_KINDS: readonly FaultKind[] = ['pause', 'crash', 'clock-jump', 'clock-drift', 'partition', 'delay', 'drop'];

/** Default magnitude per kind, ms. */
export const DEFAULT_MAX_MS: Readonly<Record<FaultKind, number>> = {
  pause: 5000,
  crash: 5000,
  'clock-jump': 5000,
  'clock-drift': 0,
  partition: 5000,
  delay: 2000,
  drop: 2000,
};

/** Default upper bound on faults of one kind per run. */
export const DEFAULT_FAULT_COUNT = 3;
/** Hard upper bound on faults of one kind per run, whatever the profile says. */
export const MAX_FAULTS_PER_KIND = 1000;
/** Default largest |ppm| of a drawn clock-drift. */
export const DEFAULT_MAX_PPM = 200;

/** Thrown for a profile that cannot be drawn from. */
export class FaultProfileError extends Error {
  override readonly name = 'FaultProfileError';
}

/** Where the faults may land. */
export interface FaultTargets {
  managers: readonly string[];
  clients: readonly string[];
  all: readonly string[];
}

function positive(v: number | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v < 0) throw new FaultProfileError(`lockstep: randomFaults: ${what} must be a non-negative number, got ${v}`);
  return v;
}

/** How many faults of one kind a run may draw at most. */
function maxCount(spec: RandomFaultSpec, kind: FaultKind, durationUs: number): number {
  const count = positive(spec.count, DEFAULT_FAULT_COUNT, `${kind}.count`);
  let n = Math.floor(count);
  if (spec.rate !== undefined) {
    const rate = positive(spec.rate, 0, `${kind}.rate`);
    const byRate = Math.max(1, Math.ceil((rate * durationUs) / 1e6));
    n = spec.count === undefined ? byRate : Math.min(byRate, n);
  }
  return Math.min(n, MAX_FAULTS_PER_KIND);
}

/** Two distinct nodes (from, to); needs at least two nodes. */
function pair(rng: Rng, nodes: readonly string[]): [string, string] {
  const from = rng.int(0, nodes.length - 1);
  let to = rng.int(0, nodes.length - 2);
  if (to >= from) to += 1;
  return [nodes[from]!, nodes[to]!];
}

/** A random split of `nodes` into two non-empty groups (needs at least two nodes). */
function split(rng: Rng, nodes: readonly string[]): string[][] {
  const a: string[] = [];
  const b: string[] = [];
  for (const n of nodes) (rng.chance(0.5) ? a : b).push(n);
  if (a.length === 0) a.push(b.shift()!);
  else if (b.length === 0) b.push(a.pop()!);
  return [a, b];
}

function draw(rng: Rng, kind: FaultKind, spec: RandomFaultSpec, t: FaultTargets, atUs: number): Fault | undefined {
  const maxMs = Math.floor(positive(spec.maxMs, DEFAULT_MAX_MS[kind], `${kind}.maxMs`));
  const minMs = Math.min(Math.max(1, maxMs), Math.max(1, Math.floor(positive(spec.minMs, 1, `${kind}.minMs`))));
  const ms = () => rng.int(minMs, Math.max(1, maxMs)) * 1000;
  const pool = (fallback: readonly string[]) => (spec.nodes !== undefined ? spec.nodes : fallback);
  switch (kind) {
    case 'pause':
      if (pool(t.all).length === 0) return undefined;
      return { kind, atUs, node: rng.pick(pool(t.all)), forUs: ms() };
    case 'crash': {
      const nodes = pool(t.managers.length > 0 ? t.managers : t.all);
      if (nodes.length === 0) return undefined;
      return { kind, atUs, node: rng.pick(nodes), restartAfterUs: ms() };
    }
    case 'clock-jump': {
      if (pool(t.all).length === 0) return undefined;
      const node = rng.pick(pool(t.all));
      const magnitude = ms();
      return { kind, atUs, node, byUs: rng.chance(0.5) ? magnitude : -magnitude, clock: 'wall' };
    }
    case 'clock-drift': {
      if (t.all.length === 0) return undefined;
      const maxPpm = Math.floor(positive(spec.maxPpm, DEFAULT_MAX_PPM, 'clock-drift.maxPpm'));
      return { kind, atUs, node: rng.pick(pool(t.all)), ppm: rng.int(-maxPpm, maxPpm) };
    }
    case 'partition': {
      if (t.all.length < 2) return undefined;
      const side = spec.nodes;
      const rest = side === undefined ? [] : t.all.filter((n) => !side.includes(n));
      const groups = side !== undefined && rest.length > 0 ? [[...side], rest] : split(rng, t.all);
      const forUs = ms();
      return rng.chance(0.25) ? { kind, atUs, groups, forUs, oneWay: true } : { kind, atUs, groups, forUs };
    }
    case 'delay': {
      if (t.all.length < 2) return undefined;
      const [from, to] = pair(rng, t.all);
      return { kind, atUs, from, to, extraUs: ms(), forUs: ms() };
    }
    case 'drop': {
      if (t.all.length < 2) return undefined;
      const [from, to] = pair(rng, t.all);
      return { kind, atUs, from, to, forUs: ms() };
    }
  }
}

/** The node a fault is sorted by: its node, or its link's sender, or '' for partitions. */
function sortNode(f: Fault): string {
  switch (f.kind) {
    case 'delay':
    case 'drop':
      return f.from;
    case 'partition':
      return '';
    default:
      return f.node;
  }
}

/**
 * Draw a swarm fault plan for one seed: which listed kinds are active, then up to the bound of
 * each active kind at whole-millisecond times in [0, durationUs). Sorted by (atUs, kind, node).
 */
export function drawFaultPlan(rng: Rng, profile: RandomFaultProfile, nodes: FaultTargets, durationUs: number): Fault[] {
  if (!Number.isSafeInteger(durationUs) || durationUs < 0) {
    throw new FaultProfileError(`lockstep: drawFaultPlan needs an integer durationUs >= 0, got ${durationUs}`);
  }
  // Validate every listed kind before any coin flip, so a bad knob fails on every seed.
  for (const kind of FAULT_KINDS) {
    const spec = profile[kind];
    if (spec === undefined) continue;
    maxCount(spec, kind, durationUs);
    positive(spec.maxMs, 0, `${kind}.maxMs`);
    if (positive(spec.maxPpm, 0, `${kind}.maxPpm`) >= 1e6) {
      throw new FaultProfileError(`lockstep: randomFaults: ${kind}.maxPpm must be below 1e6`);
    }
  }
  const durationMs = Math.floor(durationUs / 1000);
  const drawn: Fault[] = [];
  for (const kind of FAULT_KINDS) {
    const spec = profile[kind];
    if (spec === undefined) continue;
    if (!rng.chance(0.5)) continue; // swarm: this kind is off for this seed
    if (durationMs === 0) continue;
    const n = rng.int(1, Math.max(1, maxCount(spec, kind, durationUs)));
    for (let i = 0; i < n; i++) {
      const atUs = rng.int(0, durationMs - 1) * 1000;
      const f = draw(rng, kind, spec, nodes, atUs);
      if (f !== undefined) drawn.push(f);
    }
  }
  const order = new Map<Fault, number>(drawn.map((f, i) => [f, i]));
  const kindRank = (k: FaultKind) => FAULT_KINDS.indexOf(k);
  return drawn.sort((x, y) => {
    if (x.atUs !== y.atUs) return x.atUs - y.atUs;
    if (x.kind !== y.kind) return kindRank(x.kind) - kindRank(y.kind);
    const nx = sortNode(x);
    const ny = sortNode(y);
    if (nx !== ny) return nx < ny ? -1 : 1;
    return order.get(x)! - order.get(y)!;
  });
}
