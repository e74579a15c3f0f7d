/**
 * The words and lanes of the trace hash (see trace.ts for the encoding): string digests, the
 * two 32-bit lanes, and the canonical word rules both hashing paths share.
 */
import type { TraceFields } from './types.js';

const TAG_INT = 0x494e5431;
const TAG_F64 = 0x46363431;
const TAG_NULL = 0x4e554c4c;
const TAG_TRUE = 0x54525545;
const TAG_FALSE = 0x46414c53;
const TAG_ARRAY = 0x41525231;
const TAG_OBJECT = 0x4f424a31;
const TAG_END = 0x454e4431;
const TAG_PAD = 0x50414431;
/** Set in the first word of a time that does not fit in 31 bits; a narrow time never has it. */
const WIDE_TIME = 0x80000000 | 0;

const SEED_A = 0x811c9dc5 | 0;
const SEED_B = 0x9747b28c | 0;


/** Deepest nesting of field values the hasher follows (JSON.stringify would overflow on cycles). */
export const MAX_FIELD_DEPTH = 64;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

// The mixing functions below write their multipliers as literals: TurboFan folds a literal into
// the instruction, while a module-level constant is a context load and a type check per use.

/** Lane A absorbs one 32-bit word (multiply by 0xcc9e2d51, rotate). */
function absorbA(a: number, w: number): number {
  a = Math.imul(a ^ w, 0xcc9e2d51 | 0);
  return (a << 15) | (a >>> 17);
}

/** Lane B absorbs one 32-bit word (multiply by 0x1b873593, xorshift): a different structure from lane A. */
function absorbB(b: number, w: number): number {
  b = Math.imul(b ^ w, 0x1b873593);
  return b ^ (b >>> 13);
}

/**
 * Lane A absorbs a block of three words (x, y, z) folded to x + 0x9e3779b1·y + 0x7feb352c·z; lane B
 * (see {@link blockB}) folds to x + 0x85ebca6c·y + 0xc2b2ae3d·z. Modulo 2 the three words' pairs of
 * coefficients are (1,1), (1,0) and (0,1): any two of them are independent, so every 2×2 minor of
 * the two folds is odd, and a difference confined to any one or two words of a block always
 * changes the 64-bit state (three is the most words two 32-bit lanes can guarantee that for).
 * Folding three words per multiply thirds the serial chain of multiplies, which is what bounds
 * the hash's speed; the folds themselves run in parallel. (Every input and each partial sum is
 * cut to 32 bits explicitly: it lets the JIT keep them in integer registers instead of
 * converting through doubles.)
 */
function blockA(a: number, x: number, y: number, z: number): number {
  return absorbA(a | 0, ((((x | 0) + Math.imul(y | 0, 0x9e3779b1 | 0)) | 0) + Math.imul(z | 0, 0x7feb352c)) | 0);
}

/** Lane B absorbs a block of three words (x, y, z) folded to x + 0x85ebca6c·y + 0xc2b2ae3d·z (see {@link blockA}). */
function blockB(b: number, x: number, y: number, z: number): number {
  return absorbB(b | 0, ((((x | 0) + Math.imul(y | 0, 0x85ebca6c | 0)) | 0) + Math.imul(z | 0, 0xc2b2ae3d | 0)) | 0);
}

// -- string digests ------------------------------------------------------------------------
// A string is one word per lane: lane A takes one 32-bit digest of its UTF-16 code units and
// lane B another. Trace strings repeat endlessly (node ids, event types, keys, message types),
// so digests are memoised in a small direct-mapped table keyed by the string itself; a slot is
// picked from the length and three code units, and a miss just recomputes. The table only
// caches a pure function, so sharing it between hashers cannot change any hash.

const CACHE_SIZE = 1024;
const cacheKeys: string[] = new Array<string>(CACHE_SIZE).fill('');
const cacheA = new Int32Array(CACHE_SIZE);
const cacheB = new Int32Array(CACHE_SIZE);

export function digestA(s: string): number {
  const n = s.length;
  let h = absorbA(SEED_A, n);
  let i = 0;
  for (; i + 1 < n; i += 2) h = absorbA(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) h = absorbA(h, s.charCodeAt(i));
  return fmix(h);
}

export function digestB(s: string): number {
  const n = s.length;
  let h = absorbB(SEED_B, n);
  let i = 0;
  for (; i + 1 < n; i += 2) h = absorbB(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) h = absorbB(h, s.charCodeAt(i));
  return fmix(h ^ 0x6a09e667);
}

cacheA[0] = digestA('');
cacheB[0] = digestB('');

// The key `local` closes every node event (see Lanes.nodeEvent): its digests are fixed here
// rather than found in the cache for each event.
const LOCAL_A = digestA('local');
const LOCAL_B = digestB('local');

/**
 * The cache slot holding `s`'s digest, filled on a miss. Slot 0 is the empty string's; any
 * other string has two candidate slots, a pair (i, i ^ 1) picked from its length and three code
 * units: a hit in either is used, and a miss moves the pair's first entry to the second and
 * fills the first, so two strings that collide both stay.
 */
function slot(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const pair = (Math.imul(n, 0x9e3779b1) ^ (s.charCodeAt(0) << 3) ^ (s.charCodeAt(n - 1) << 6) ^ s.charCodeAt(n >> 1)) & (CACHE_SIZE / 2 - 1);
  const i = (pair === 0 ? 1 : pair) << 1; // pair 0 holds the empty string
  if (cacheKeys[i] === s) return i;
  const j = i + 1;
  if (cacheKeys[j] === s) return j;
  cacheKeys[j] = cacheKeys[i]!;
  cacheA[j] = cacheA[i]!;
  cacheB[j] = cacheB[i]!;
  cacheKeys[i] = s;
  cacheA[i] = digestA(s);
  cacheB[i] = digestB(s);
  return i;
}

/** Thrown when a field value cannot be part of a canonical trace. */
export class TraceValueError extends Error {
  override readonly name = 'TraceValueError';
}

/** Thrown when an event's seq is not the next one of the stream (the hash implies seq by position). */
export class TraceSeqError extends Error {
  override readonly name = 'TraceSeqError';
}

/**
 * The two hash lanes and the canonical word rules, shared by both hashing paths.
 *
 * Each event's words are absorbed in blocks of three from the event's first word on; a last
 * block of one or two words is padded with TAG_PAD ^ (the event's word count). Words of the
 * block being filled wait in (`xa`, `xb`) and (`ya`, `yb`).
 */
export class Lanes {
  a = SEED_A;
  b = SEED_B;
  xa = 0;
  xb = 0;
  ya = 0;
  yb = 0;
  /** Words of the current event so far. */
  n = 0;
  /** Events absorbed so far; also the seq the next event must carry. */
  events = 0;

  /** Absorb one word of the current event, `wa` in lane A and `wb` in lane B. */
  word(wa: number, wb: number): void {
    switch (this.n++ % 3) {
      case 0:
        this.xa = wa;
        this.xb = wb;
        return;
      case 1:
        this.ya = wa;
        this.yb = wb;
        return;
      default:
        this.a = blockA(this.a, this.xa, this.ya, wa);
        this.b = blockB(this.b, this.xb, this.yb, wb);
    }
  }

  /** Close the current event: pad and absorb its last block, if partial. */
  private endEvent(): void {
    const n = this.n;
    const pad = TAG_PAD ^ n;
    if (n % 3 === 1) {
      this.a = blockA(this.a, this.xa, pad, pad);
      this.b = blockB(this.b, this.xb, pad, pad);
    } else if (n % 3 === 2) {
      this.a = blockA(this.a, this.xa, this.ya, pad);
      this.b = blockB(this.b, this.xb, this.yb, pad);
    }
    this.n = 0;
    this.events++;
  }

  private tag(tag: number): void {
    this.word(tag, tag);
  }

  private str(v: string): void {
    const i = slot(v);
    this.word(cacheA[i]!, cacheB[i]!);
  }

  /** int32 (and -0, which JSON writes as 0) as one word; other finite doubles by their bits. */
  private number(v: number): void {
    if ((v | 0) === v) {
      this.tag((v | 0) ^ TAG_INT);
    } else if (v - v !== 0) {
      this.tag(TAG_NULL);
    } else {
      f64[0] = v;
      this.tag((u32[0]! | 0) ^ TAG_F64);
      this.tag(u32[1]! | 0);
    }
  }

  /** The integer microseconds of an event: one word below 2^31, else a flagged high word and the low word. */
  private time(tUs: number): void {
    if (tUs >= 0 && tUs <= 0x7fffffff) {
      this.tag(tUs);
    } else {
      this.tag(WIDE_TIME | (Math.floor(tUs / 0x100000000) & 0x7fffffff));
      this.tag(tUs | 0);
    }
  }

  /** What JSON.stringify serialises for `v` under `key`: `v` after its `toJSON`, if it has one. */
  private static resolve(v: unknown, key: string): unknown {
    if (typeof v === 'object' && v !== null) {
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return (toJSON as (k: string) => unknown).call(v, key);
    }
    return v;
  }

  /** True for the values JSON.stringify leaves out of an object (and writes as null in an array). */
  private static omitted(v: unknown): boolean {
    return typeof v === 'undefined' || typeof v === 'function' || typeof v === 'symbol';
  }

  /** Feeds a resolved, not omitted value as JSON.stringify would write it. */
  private value(v: unknown, key: string, depth: number): void {
    // One test of `typeof v` per type (as in `omitted`): the JIT folds such a test into a type
    // check, while a switch over `typeof v`, or a `typeof` kept in a variable, calls the typeof
    // builtin for every value.
    if (typeof v === 'string') {
      this.str(v);
      return;
    }
    if (typeof v === 'number') {
      this.number(v);
      return;
    }
    if (typeof v === 'boolean') {
      this.tag(v ? TAG_TRUE : TAG_FALSE);
      return;
    }
    if (typeof v === 'bigint') throw new TraceValueError(`lockstep: trace field '${key}' is a bigint, which JSON cannot carry`);
    if (v === null) {
      this.tag(TAG_NULL);
      return;
    }
    if (depth >= MAX_FIELD_DEPTH) {
      throw new TraceValueError(`lockstep: trace field '${key}' nests deeper than ${MAX_FIELD_DEPTH} (a cycle?)`);
    }
    if (Array.isArray(v)) {
      this.tag(TAG_ARRAY);
      for (let i = 0; i < v.length; i++) {
        const e = Lanes.resolve(v[i], String(i));
        if (Lanes.omitted(e)) this.tag(TAG_NULL);
        else this.value(e, String(i), depth + 1);
      }
    } else {
      this.tag(TAG_OBJECT);
      this.entries(v as Record<string, unknown>, depth + 1, false);
    }
    this.tag(TAG_END);
  }

  /** Each entry JSON writes: key, then value. `parsed` skips the canonical keys of a re-read line. */
  private entries(obj: Record<string, unknown>, depth: number, parsed: boolean): void {
    for (const k in obj) {
      if (parsed && (k === 'seq' || k === 't' || k === 'node' || k === 'type')) continue;
      const v = Lanes.resolve(obj[k], k);
      if (Lanes.omitted(v)) continue;
      this.str(k);
      this.value(v, k, depth);
    }
  }

  /** Refuse an event whose seq is not the next position in the stream. */
  checkSeq(seq: number): void {
    if (seq !== this.events) {
      throw new TraceSeqError(`lockstep: trace event seq ${String(seq)} where ${this.events} was expected (seq counts 0, 1, 2, ...)`);
    }
  }

  /**
   * One event in the canonical encoding (its seq already checked). `parsed` is true for lines
   * re-read by hashLines, whose objects also carry the four canonical keys.
   */
  event(tUs: number, node: string, type: string, fields: TraceFields | undefined, parsed: boolean): void {
    this.time(tUs);
    this.str(node);
    this.str(type);
    if (fields !== undefined) this.entries(fields, 1, parsed);
    this.endEvent();
  }

  /** `event(tUs, node, type, { ...fields, local: localMs }, false)`, without building the object (`fields` has no `local`). */
  nodeEvent(tUs: number, node: string, type: string, fields: TraceFields | undefined, localMs: number): void {
    this.time(tUs);
    this.str(node);
    this.str(type);
    if (fields !== undefined) this.entries(fields, 1, false);
    this.word(LOCAL_A, LOCAL_B);
    this.number(localMs);
    this.endEvent();
  }

  hex(): string {
    let a = absorbA(this.a, this.events | 0);
    let b = absorbB(this.b, this.events | 0);
    a = fmix(a ^ 0x5f3759df) >>> 0;
    b = fmix(b ^ a) >>> 0;
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
}
