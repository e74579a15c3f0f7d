/**
 * Named, order-independent PRNG streams derived from one run seed (DESIGN §2).
 *
 * Every component and entity draws from its own stream, named by a path such as
 * `net/m1->c2`, `node/c1/backoff` or `harness/faults`. A stream is a pure function of
 * (seed, name): it is seeded from the string `lockstep/v1/<seed>/<name>`, so creating a new
 * stream, or drawing more from one, never shifts the draws of any other. That is what keeps a
 * shrunk counterexample stable when a client or a fault is deleted.
 *
 * Generator: seedrandom's Alea (Baagøe), seeded with that string. Alea hashes the string with
 * its Mash function (seedrandom is the key-derivation function) and then produces doubles with
 * 32 bits of randomness in a few ns each — the fastest of seedrandom's algorithms, which
 * matters because the network draws one latency per message. SimRng runs the same recurrence
 * inline, so its draws equal `seedrandom.alea(streamSeed(seed, name))()` exactly.
 * Changing the algorithm or the seed-string format changes every trace: bump `v1` if you do.
 */
import seedrandom from 'seedrandom';
import type { Rng } from './types.js';

/** The version tag in every stream's seed string; part of the replay contract. */
export const RNG_DERIVATION = 'lockstep/v1';

/** Which generator backs every stream (recorded so that a trace names its generator). */
export const RNG_BACKEND = 'seedrandom.alea';

/** The exact seed string of a stream: `lockstep/v1/<seed as uint32>/<name>`. */
export function streamSeed(seed: number, name: string): string {
  return `${RNG_DERIVATION}/${seed >>> 0}/${name}`;
}

/**
 * A deterministic stream. Seeded by seedrandom's Alea (its Mash hash of the seed string is the
 * key derivation), then advanced here with the identical Alea recurrence on this object's own
 * fields: the same numbers as `seedrandom.alea(seedString)`, but a monomorphic method the JIT
 * can inline into the kernel's hot path (seedrandom's generator is a closure per stream).
 * `int`, `chance` and `pick` each consume exactly one draw.
 */
export class SimRng implements Rng {
  // `declare`: no class-field definition is emitted, so the first store is the constructor's
  // double. A defined field starts out `undefined`, which makes V8 keep it as a tagged pointer
  // and box every double stored into it afterwards (an allocation per draw).
  private declare s0: number;
  private declare s1: number;
  private declare s2: number;
  private declare c: number;

  /** Prefer {@link deriveRng}; this constructor takes the full seed string. */
  constructor(seedString: string) {
    const st = seedrandom.alea(seedString, { state: true }).state();
    this.s0 = st.s0;
    this.s1 = st.s1;
    this.s2 = st.s2;
    this.c = st.c;
  }

  /** A float in [0, 1) with 32 bits of randomness (Alea, Baagøe 2010). */
  next(): number {
    const t = 2091639 * this.s0 + this.c * 2.3283064365386963e-10; // 2^-32
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.c = t | 0;
    return (this.s2 = t - this.c);
  }

  /**
   * An integer in [min, max], both inclusive. Exact for spans up to 2^32 (the generator's
   * resolution); larger spans are refused rather than silently biased.
   */
  int(min: number, max: number): number {
    const span = max - min + 1;
    if (!(span >= 1 && span <= 0x100000000) || !Number.isInteger(min) || !Number.isInteger(max)) {
      throw new RangeError(`lockstep: Rng.int(${min}, ${max}) needs integers with min <= max and a span of at most 2^32`);
    }
    return min + Math.floor(this.next() * span);
  }

  /** True with probability p (p <= 0 is never, p >= 1 is always); always consumes one draw. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    const n = items.length;
    if (n === 0) throw new RangeError('lockstep: Rng.pick() on an empty array');
    return items[Math.floor(this.next() * n)] as T;
  }
}

/**
 * The stream `name` of run `seed`. Pure: the same (seed, name) always yields a fresh stream
 * with the same sequence, independent of every other stream and of creation order.
 */
export function deriveRng(seed: number, name: string): SimRng {
  return new SimRng(streamSeed(seed, name));
}
