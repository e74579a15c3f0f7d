/**
 * The simulated network: directed links with latency, loss, duplication, FIFO order, and the
 * network faults (partitions, delay windows, drop windows).
 *
 * Each directed link `from->to` owns its PRNG stream `net/<from>-><to>`, so adding a node or a
 * link never shifts another link's draws. A send consumes draws in a fixed order that depends
 * only on the link's configuration — loss (if dropRate > 0), latency (if max > min), tail (if
 * configured), duplicate (if duplicateRate > 0) and the duplicate's latency and tail — never on
 * faults, so deleting a partition from a fault plan does not move any later latency.
 *
 * Faults are reference-counted per link, so overlapping partitions and windows compose: a link
 * is cut while any partition cuts it, and a window's extra delay adds to any other's.
 * A message is dropped by a partition iff the link is cut at send time or at delivery time
 * (the kernel checks the second); delay and drop windows apply to messages sent inside them.
 * On a FIFO link a message never arrives before one sent earlier on the same link (its arrival
 * is raised to the previous one's; equal times keep send order through the event seq).
 */
import { deriveRng, type SimRng } from './rng.js';
import type { LinkConfig } from './types.js';

/** Link configuration used when a simulation names none: 1–10 ms, lossless, FIFO. */
export const DEFAULT_LINK: LinkConfig = {
  latencyUs: [1000, 10_000],
  tail: undefined,
  dropRate: 0,
  duplicateRate: 0,
  fifo: true,
};

/** Thrown for a link configuration that cannot be simulated. */
export class LinkConfigError extends Error {
  override readonly name = 'LinkConfigError';
}

function isRate(p: number): boolean {
  return Number.isFinite(p) && p >= 0 && p <= 1;
}

/** Merge `patch` over `base` and validate the result (integer µs, ordered range, rates in [0,1]). */
export function resolveLinkConfig(base: LinkConfig, patch: Partial<LinkConfig> | undefined, where: string): LinkConfig {
  const cfg: LinkConfig = { ...base, ...(patch ?? {}) };
  const [min, max] = cfg.latencyUs;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min) {
    throw new LinkConfigError(`lockstep: ${where}: latencyUs must be integers with 0 <= min <= max, got [${min}, ${max}]`);
  }
  if (cfg.tail !== undefined && (!isRate(cfg.tail.p) || !Number.isSafeInteger(cfg.tail.maxUs) || cfg.tail.maxUs < 0)) {
    throw new LinkConfigError(`lockstep: ${where}: tail needs p in [0, 1] and an integer maxUs >= 0`);
  }
  if (!isRate(cfg.dropRate)) throw new LinkConfigError(`lockstep: ${where}: dropRate must be in [0, 1], got ${cfg.dropRate}`);
  if (!isRate(cfg.duplicateRate)) {
    throw new LinkConfigError(`lockstep: ${where}: duplicateRate must be in [0, 1], got ${cfg.duplicateRate}`);
  }
  return cfg;
}

/** Why a message was dropped (the `reason` field of a `drop` trace event). */
export type DropReason = 'loss' | 'partition' | 'window' | 'down';

/** {@link Link.route}: dropped because a partition cuts the link at send time. */
export const ROUTE_PARTITION = -1;
/** {@link Link.route}: dropped because a drop window is open on the link. */
export const ROUTE_WINDOW = -2;
/** {@link Link.route}: lost at random (the link's dropRate). */
export const ROUTE_LOSS = -3;

/** Maps a negative {@link Link.route} result to its drop reason. */
export function routeDropReason(code: number): DropReason {
  return code === ROUTE_PARTITION ? 'partition' : code === ROUTE_WINDOW ? 'window' : 'loss';
}

/** One directed link and its mutable fault state. (Constructor-set fields are `declare`d: see SimEvent.) */
export class Link {
  declare readonly from: string;
  declare readonly to: string;
  private declare readonly rng: SimRng;
  private minUs = 0;
  private spanUs = 1;
  private tailP = 0;
  private tailSpanUs = 1;
  private dropRate = 0;
  private duplicateRate = 0;
  private fifo = true;
  /** Latest arrival time scheduled on this link (FIFO floor). */
  private lastArrivalUs = -1;
  /** Number of partitions currently cutting this link. */
  blocked = 0;
  /** Number of drop windows currently open on this link. */
  dropWindows = 0;
  /** Sum of the extra latency of the delay windows currently open on this link. */
  extraDelayUs = 0;
  /** Arrival time of the duplicate drawn by the last {@link route}, or -1 for none (always -1 on a plain link). */
  duplicateArrivalUs = -1;
  /** No loss, no tail, no duplicates: a send draws only its latency. */
  private plain = true;

  constructor(seed: number, from: string, to: string, cfg: LinkConfig) {
    this.from = from;
    this.to = to;
    this.rng = deriveRng(seed, `net/${from}->${to}`);
    this.configure(cfg);
  }

  /** Apply a (validated) configuration; draws already made are unaffected. */
  configure(cfg: LinkConfig): void {
    this.minUs = cfg.latencyUs[0];
    this.spanUs = cfg.latencyUs[1] - cfg.latencyUs[0] + 1;
    this.tailP = cfg.tail === undefined ? 0 : cfg.tail.p;
    this.tailSpanUs = cfg.tail === undefined ? 1 : cfg.tail.maxUs + 1;
    this.dropRate = cfg.dropRate;
    this.duplicateRate = cfg.duplicateRate;
    this.fifo = cfg.fifo;
    this.plain = this.dropRate === 0 && this.duplicateRate === 0 && this.tailP === 0;
    this.duplicateArrivalUs = -1;
  }

  private latency(): number {
    const rng = this.rng;
    let us = this.spanUs > 1 ? this.minUs + Math.floor(rng.next() * this.spanUs) : this.minUs;
    if (this.tailP > 0 && rng.next() < this.tailP) us += Math.floor(rng.next() * this.tailSpanUs);
    return us;
  }

  /**
   * Decide the fate of a message sent now: its arrival time (>= 0), or ROUTE_PARTITION,
   * ROUTE_WINDOW or ROUTE_LOSS when it is dropped at send time. Sets `duplicateArrivalUs`.
   */
  route(nowUs: number): number {
    if (this.plain) {
      // No loss, tail or duplicate to draw: just the latency, as below.
      const latencyUs = this.spanUs > 1 ? this.minUs + Math.floor(this.rng.next() * this.spanUs) : this.minUs;
      if (this.blocked > 0) return ROUTE_PARTITION;
      if (this.dropWindows > 0) return ROUTE_WINDOW;
      let at = nowUs + latencyUs + this.extraDelayUs;
      const last = this.lastArrivalUs;
      if (at < last) {
        if (this.fifo) at = last;
      } else {
        this.lastArrivalUs = at;
      }
      return at;
    }
    return this.routeAny(nowUs);
  }

  /** {@link route} for a link with loss, a tail or duplicates. */
  private routeAny(nowUs: number): number {
    const lost = this.dropRate > 0 && this.rng.next() < this.dropRate;
    const latencyUs = this.latency();
    const duplicateLatencyUs = this.duplicateRate > 0 && this.rng.next() < this.duplicateRate ? this.latency() : -1;
    this.duplicateArrivalUs = -1;
    if (this.blocked > 0) return ROUTE_PARTITION;
    if (this.dropWindows > 0) return ROUTE_WINDOW;
    if (lost) return ROUTE_LOSS;
    let at = nowUs + latencyUs + this.extraDelayUs;
    if (this.fifo && at < this.lastArrivalUs) at = this.lastArrivalUs;
    if (at > this.lastArrivalUs) this.lastArrivalUs = at;
    if (duplicateLatencyUs >= 0) {
      let dup = nowUs + duplicateLatencyUs + this.extraDelayUs;
      if (this.fifo && dup < this.lastArrivalUs) dup = this.lastArrivalUs;
      if (dup > this.lastArrivalUs) this.lastArrivalUs = dup;
      this.duplicateArrivalUs = dup;
    }
    return at;
  }
}

/**
 * All links of one simulation, created on first use. Nodes are numbered in the order they are
 * registered; links are found by (from index, to index) without building strings.
 */
export class Network {
  private readonly seed: number;
  private readonly defaults: LinkConfig;
  private readonly ids: string[] = [];
  private readonly out: (Link | undefined)[][] = [];
  /** Per-link overrides by `from->to`, applied when the link is created. */
  private readonly overrides = new Map<string, LinkConfig>();

  constructor(seed: number, defaults: Partial<LinkConfig> | undefined) {
    this.seed = seed;
    this.defaults = resolveLinkConfig(DEFAULT_LINK, defaults, 'network');
  }

  /** Register a node; returns its index. */
  addNode(id: string): number {
    this.ids.push(id);
    this.out.push([]);
    return this.ids.length - 1;
  }

  /**
   * The links created so far, by from and to index (a hole where none was): what a world
   * fingerprint reads the links' fault state from.
   */
  linkRows(): readonly (readonly (Link | undefined)[])[] {
    return this.out;
  }

  /** The link from node index `from` to node index `to`. */
  link(from: number, to: number): Link {
    const row = this.out[from]!;
    const existing = row[to];
    if (existing !== undefined) return existing;
    const fromId = this.ids[from]!;
    const toId = this.ids[to]!;
    const cfg = this.overrides.get(`${fromId}->${toId}`) ?? this.defaults;
    const created = new Link(this.seed, fromId, toId, cfg);
    row[to] = created;
    return created;
  }

  /** Override one directed link's configuration (merged over the network defaults). */
  setLink(from: number, to: number, patch: Partial<LinkConfig>): void {
    const key = `${this.ids[from]!}->${this.ids[to]!}`;
    const cfg = resolveLinkConfig(this.defaults, patch, `link ${key}`);
    this.overrides.set(key, cfg);
    const existing = this.out[from]![to];
    if (existing !== undefined) existing.configure(cfg);
  }

  /**
   * Cut (`delta` = +1) or restore (`delta` = -1) the links a partition separates: between any
   * two groups both ways, or only groups[0] → groups[1] when `oneWay`.
   */
  partition(groups: readonly (readonly number[])[], oneWay: boolean, delta: 1 | -1): void {
    for (let i = 0; i < groups.length; i++) {
      for (let j = 0; j < groups.length; j++) {
        if (i === j || (oneWay && !(i === 0 && j === 1))) continue;
        for (const a of groups[i]!) {
          for (const b of groups[j]!) {
            const l = this.link(a, b);
            l.blocked += delta;
            if (l.blocked < 0) throw new Error(`lockstep: internal: partition count of ${l.from}->${l.to} went negative`);
          }
        }
      }
    }
  }
}
