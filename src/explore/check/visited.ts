/**
 * The visited set of world-state hashes: exact (every 52-bit hash kept) or bitstate (SPIN's
 * hash compaction: a fixed bit array set at two positions per state, so memory is bounded and a
 * collision may wrongly prune a state, with a probability that grows as the array fills).
 */

/** Records states seen; `add` returns false when the state was (or, in bitstate, may have been) seen. */
export interface VisitedSet {
  add(hash: number): boolean;
  readonly size: number;
  /** Bytes the set's own storage takes (exact for bitstate, estimated for the exact set). */
  readonly bytes: number;
}

/** Bytes per entry of a JavaScript Set of numbers (hash table slot plus the heap number), measured order of magnitude. */
const EXACT_BYTES_PER_ENTRY = 40;

/** Every hash kept. */
export class ExactVisited implements VisitedSet {
  private readonly seen = new Set<number>();

  add(hash: number): boolean {
    if (this.seen.has(hash)) return false;
    this.seen.add(hash);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  get bytes(): number {
    return this.seen.size * EXACT_BYTES_PER_ENTRY;
  }
}

/** A bit array of 2^bits bits; a state sets two bits from the two halves of its hash. */
export class BitstateVisited implements VisitedSet {
  private readonly words: Uint32Array;
  private readonly mask: number;
  private count = 0;

  constructor(bits: number) {
    if (!Number.isInteger(bits) || bits < 10 || bits > 31) throw new RangeError(`lockstep: bitstate size must be 2^10..2^31 bits, got 2^${bits}`);
    this.words = new Uint32Array(2 ** (bits - 5));
    this.mask = 2 ** bits - 1;
  }

  add(hash: number): boolean {
    const low = hash % 0x100000000;
    const high = Math.floor(hash / 0x100000);
    const fresh1 = this.set((low & this.mask) >>> 0);
    const fresh2 = this.set((Math.imul(high, 0x9e3779b1) & this.mask) >>> 0);
    if (!fresh1 && !fresh2) return false;
    this.count++;
    return true;
  }

  private set(bit: number): boolean {
    const word = Math.floor(bit / 32);
    const flag = 1 << bit % 32;
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
