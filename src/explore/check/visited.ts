/**
 * The visited set of world fingerprints (64-bit, src/sim/world-state.ts): exact (every
 * fingerprint kept) or bitstate (SPIN's hash compaction: a fixed bit array set at two positions
 * per state, so memory is bounded and a collision may wrongly prune a state, with a probability
 * that grows as the array fills).
 *
 * The exact set is an open-addressing table of the two 32-bit halves in one Uint32Array, with
 * linear probing, doubled when half full: 8 bytes per slot, at most 32 bytes per state, and no
 * object per state (a JavaScript Set of numbers would box every hash above 2^31).
 */
import type { Fingerprint } from '../../sim/index.js';

/** Records states seen; `add` returns false when the state was (or, in bitstate, may have been) seen. */
export interface VisitedSet {
  add(print: Fingerprint): boolean;
  readonly size: number;
  /** Bytes the set's own storage takes. */
  readonly bytes: number;
}

/** Slots of a new exact table (a power of two). */
const INITIAL_SLOTS = 1 << 12;

/** Every fingerprint kept (see the module comment). A slot of two zero words is empty; the fingerprint 0:0 is kept aside. */
export class ExactVisited implements VisitedSet {
  private table = new Uint32Array(INITIAL_SLOTS * 2);
  private mask = INITIAL_SLOTS - 1;
  private count = 0;
  private zeroSeen = false;

  add(print: Fingerprint): boolean {
    const { high, low } = print;
    if (high === 0 && low === 0) {
      if (this.zeroSeen) return false;
      this.zeroSeen = true;
      this.count++;
      return true;
    }
    if (!this.insert(this.table, this.mask, high, low)) return false;
    this.count++;
    if (this.count * 2 > this.mask + 1) this.grow();
    return true;
  }

  /** Put (high, low) in `table` unless it is there; whether it was new. */
  private insert(table: Uint32Array, mask: number, high: number, low: number): boolean {
    let slot = (low ^ Math.imul(high, 0x9e3779b1)) & mask;
    for (;;) {
      const at = slot * 2;
      const h = table[at]!;
      const l = table[at + 1]!;
      if (h === 0 && l === 0) {
        table[at] = high;
        table[at + 1] = low;
        return true;
      }
      if (h === high && l === low) return false;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    this.table = new Uint32Array(slots * 2);
    this.mask = slots - 1;
    for (let at = 0; at < old.length; at += 2) {
      const high = old[at]!;
      const low = old[at + 1]!;
      if (high !== 0 || low !== 0) this.insert(this.table, this.mask, high, low);
    }
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.table.byteLength;
  }
}

/** A bit array of 2^bits bits; a state sets one bit from each half of its fingerprint. */
export class BitstateVisited implements VisitedSet {
  private readonly words: Uint32Array;
  private readonly mask: number;
  private count = 0;

  constructor(bits: number) {
    if (!Number.isInteger(bits) || bits < 10 || bits > 31) throw new RangeError(`lockstep: bitstate size must be 2^10..2^31 bits, got 2^${bits}`);
    this.words = new Uint32Array(2 ** (bits - 5));
    this.mask = 2 ** bits - 1;
  }

  add(print: Fingerprint): boolean {
    const fresh1 = this.set((print.low & this.mask) >>> 0);
    const fresh2 = this.set((Math.imul(print.high, 0x9e3779b1) & this.mask) >>> 0);
    if (!fresh1 && !fresh2) return false;
    this.count++;
    return true;
  }

  private set(bit: number): boolean {
    const word = bit >>> 5;
    const flag = 1 << (bit & 31);
    const before = this.words[word]!;
    if ((before & flag) !== 0) return false;
    this.words[word] = before | flag;
    return true;
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.words.byteLength;
  }
}
