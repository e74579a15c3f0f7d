/**
 * The canonical trace (DESIGN §5.5) and its hash.
 *
 * A run's identity is its trace: one event per line, `{"seq","t","node","type",...fields}`, with
 * `t` the true time in milliseconds at microsecond precision. Every result carries `traceHash`,
 * and a `--trace FILE` dump must re-hash to the same value, so two paths compute the same hash:
 *
 * - {@link TraceHasher} hashes live events. It is the sweep fast path, so it builds no strings:
 *   it feeds the canonical field sequence (seq, t, node, type, then each field key and value in
 *   insertion order, recursing into arrays and objects) into two independent 32-bit
 *   multiply-xorshift lanes (64 bits in all), strings as UTF-16 code units two at a time,
 *   numbers by value (int32 directly, other doubles by their IEEE-754 bits).
 * - {@link hashLines} parses JSONL lines written with {@link canonicalLine} and feeds the same
 *   sequence. JSON round-trips every finite double exactly, so the two agree; the value rules
 *   mirror JSON.stringify (undefined, functions and symbols are skipped in objects and are null
 *   in arrays; NaN and ±Infinity are null; -0 is 0; `toJSON` is honoured).
 *
 * `t` enters the hash as the integer microsecond count it denotes (a line's `t` is converted
 * back with Math.round(t · 1000), exact for any run shorter than ~285 years).
 *
 * The hash is a fingerprint for determinism checks, not a cryptographic digest.
 */
import type { TraceEvent, TraceFields, TraceListener } from './types.js';

const TAG_INT = 0x494e5431;
const TAG_F64 = 0x46363431;
const TAG_NULL = 0x4e554c4c;
const TAG_TRUE = 0x54525545;
const TAG_FALSE = 0x46414c53;
const TAG_ARRAY = 0x41525231;
const TAG_OBJECT = 0x4f424a31;
const TAG_END = 0x454e4431;
const TAG_WIDE = 0x57494445;

const M1 = 0xcc9e2d51 | 0;
const M2 = 0x1b873593 | 0;
const SEED_A = 0x811c9dc5 | 0;
const SEED_B = 0x9747b28c | 0;

/** Deepest nesting of field values the hasher follows (JSON.stringify would overflow on cycles). */
export const MAX_FIELD_DEPTH = 64;

/** Field names every canonical line already uses; trace fields may not reuse them. */
export const RESERVED_TRACE_KEYS: readonly string[] = ['seq', 't', 'node', 'type'];

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

/** Lane A absorbs one 32-bit word (multiply, rotate). */
function absorbA(a: number, w: number): number {
  a = Math.imul(a ^ w, M1);
  return (a << 15) | (a >>> 17);
}

/** Lane B absorbs one 32-bit word (multiply, xorshift): a different structure from lane A. */
function absorbB(b: number, w: number): number {
  b = Math.imul(b ^ w, M2);
  return b ^ (b >>> 13);
}

// -- string digests ------------------------------------------------------------------------
// A string enters the hash as a 64-bit digest (two 32-bit words, one per lane) of its UTF-16
// code units. Trace strings repeat endlessly (node ids, event types, keys, message types), so
// digests are memoised in a small direct-mapped table keyed by the string itself; a slot is
// picked from the length and three code units, and a miss just recomputes. The table only
// caches a pure function, so sharing it between hashers cannot change any hash.

const CACHE_SIZE = 1024;
const cacheKeys: string[] = new Array<string>(CACHE_SIZE).fill('');
const cacheA = new Int32Array(CACHE_SIZE);
const cacheB = new Int32Array(CACHE_SIZE);

function digestA(s: string): number {
  const n = s.length;
  let h = absorbA(SEED_A, n);
  let i = 0;
  for (; i + 1 < n; i += 2) h = absorbA(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) h = absorbA(h, s.charCodeAt(i));
  return fmix(h);
}

function digestB(s: string): number {
  const n = s.length;
  let h = absorbB(SEED_B, n);
  let i = 0;
  for (; i + 1 < n; i += 2) h = absorbB(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) h = absorbB(h, s.charCodeAt(i));
  return fmix(h ^ 0x6a09e667);
}

cacheA[0] = digestA('');
cacheB[0] = digestB('');

/** The cache slot holding `s`'s digest, filled on a miss. */
function slot(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const i = (Math.imul(n, 0x9e3779b1) ^ (s.charCodeAt(0) << 3) ^ (s.charCodeAt(n - 1) << 6) ^ s.charCodeAt(n >> 1)) & (CACHE_SIZE - 1);
  if (cacheKeys[i] !== s || i === 0) {
    if (i === 0) return fillSlot0(s);
    cacheKeys[i] = s;
    cacheA[i] = digestA(s);
    cacheB[i] = digestB(s);
  }
  return i;
}

/** Slot 0 is reserved for the empty string; a non-empty string that maps there uses slot 1. */
function fillSlot0(s: string): number {
  cacheKeys[1] = s;
  cacheA[1] = digestA(s);
  cacheB[1] = digestB(s);
  return 1;
}

/** Thrown when a field value cannot be part of a canonical trace. */
export class TraceValueError extends Error {
  override readonly name = 'TraceValueError';
}

/**
 * The two hash lanes and the canonical feeding rules, shared by both hashing paths. The hot
 * path (`event`) keeps the lanes in locals and handles flat fields inline; nested arrays and
 * objects go through `nested`, which works on the stored lanes.
 */
class Lanes {
  a = SEED_A;
  b = SEED_B;

  /** Feeds a nested array/object value (rare in kernel events). */
  private nested(v: object, key: string, depth: number): void {
    if (depth >= MAX_FIELD_DEPTH) {
      throw new TraceValueError(`lockstep: trace field '${key}' nests deeper than ${MAX_FIELD_DEPTH} (a cycle?)`);
    }
    if (Array.isArray(v)) {
      this.a = absorbA(this.a, TAG_ARRAY);
      this.b = absorbB(this.b, TAG_ARRAY);
      for (let i = 0; i < v.length; i++) {
        if (!this.value(v[i], String(i), depth + 1)) {
          this.a = absorbA(this.a, TAG_NULL);
          this.b = absorbB(this.b, TAG_NULL);
        }
      }
    } else {
      this.a = absorbA(this.a, TAG_OBJECT);
      this.b = absorbB(this.b, TAG_OBJECT);
      const obj = v as Record<string, unknown>;
      for (const k in obj) {
        const a = this.a;
        const b = this.b;
        const i = slot(k);
        this.a = absorbA(a, cacheA[i]!);
        this.b = absorbB(b, cacheB[i]!);
        if (!this.value(obj[k], k, depth + 1)) {
          // JSON omits this key: undo it.
          this.a = a;
          this.b = b;
        }
      }
    }
    this.a = absorbA(this.a, TAG_END);
    this.b = absorbB(this.b, TAG_END);
  }

  /** Feeds any value as JSON.stringify would write it; false (nothing fed) if JSON omits it. */
  private value(v: unknown, key: string, depth: number): boolean {
    switch (typeof v) {
      case 'string': {
        const i = slot(v);
        this.a = absorbA(this.a, cacheA[i]!);
        this.b = absorbB(this.b, cacheB[i]!);
        return true;
      }
      case 'number':
        this.number(v);
        return true;
      case 'boolean':
        this.a = absorbA(this.a, v ? TAG_TRUE : TAG_FALSE);
        this.b = absorbB(this.b, v ? TAG_TRUE : TAG_FALSE);
        return true;
      case 'undefined':
      case 'function':
      case 'symbol':
        return false;
      case 'bigint':
        throw new TraceValueError(`lockstep: trace field '${key}' is a bigint, which JSON cannot carry`);
      default:
        break;
    }
    if (v === null) {
      this.a = absorbA(this.a, TAG_NULL);
      this.b = absorbB(this.b, TAG_NULL);
      return true;
    }
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      if (depth >= MAX_FIELD_DEPTH) throw new TraceValueError(`lockstep: trace field '${key}' nests too deep`);
      return this.value((toJSON as (k: string) => unknown).call(v, key), key, depth + 1);
    }
    this.nested(v as object, key, depth);
    return true;
  }

  /** A number: int32 (and -0, which JSON writes as 0) as one tagged word, other doubles by bits. */
  private number(v: number): void {
    if ((v | 0) === v) {
      this.a = absorbA(this.a, v | 0);
      this.b = absorbB(this.b, (v | 0) ^ TAG_INT);
    } else if (v - v !== 0) {
      this.a = absorbA(this.a, TAG_NULL);
      this.b = absorbB(this.b, TAG_NULL);
    } else {
      f64[0] = v;
      const lo = u32[0]! | 0;
      const hi = u32[1]! | 0;
      this.a = absorbA(absorbA(this.a, lo), hi);
      this.b = absorbB(absorbB(this.b, lo ^ TAG_F64), hi);
    }
  }

  /**
   * One event: seq, t (µs), node, type, then each field key and value. `parsed` is true for
   * lines re-read by hashLines, whose objects also carry the four canonical keys.
   */
  event(seq: number, tUs: number, node: string, type: string, fields: TraceFields | undefined, parsed: boolean): void {
    let a = this.a;
    let b = this.b;
    if (seq <= 0x7fffffff && seq >= 0) {
      a = absorbA(a, seq);
      b = absorbB(b, seq);
    } else {
      a = absorbA(absorbA(a, seq >>> 0), Math.floor(seq / 0x100000000) ^ TAG_WIDE);
      b = absorbB(absorbB(b, seq >>> 0), Math.floor(seq / 0x100000000) ^ TAG_WIDE);
    }
    if (tUs <= 0x7fffffff && tUs >= 0) {
      a = absorbA(a, tUs);
      b = absorbB(b, tUs);
    } else {
      a = absorbA(absorbA(a, tUs >>> 0), Math.floor(tUs / 0x100000000) ^ TAG_WIDE);
      b = absorbB(absorbB(b, tUs >>> 0), Math.floor(tUs / 0x100000000) ^ TAG_WIDE);
    }
    let i = slot(node);
    a = absorbA(a, cacheA[i]!);
    b = absorbB(b, cacheB[i]!);
    i = slot(type);
    a = absorbA(a, cacheA[i]!);
    b = absorbB(b, cacheB[i]!);
    if (fields !== undefined) {
      for (const k in fields) {
        if (parsed && (k === 'seq' || k === 't' || k === 'node' || k === 'type')) continue;
        const v = fields[k];
        const tv = typeof v;
        if (tv === 'undefined' || tv === 'function' || tv === 'symbol') continue;
        i = slot(k);
        a = absorbA(a, cacheA[i]!);
        b = absorbB(b, cacheB[i]!);
        if (tv === 'string') {
          i = slot(v as string);
          a = absorbA(a, cacheA[i]!);
          b = absorbB(b, cacheB[i]!);
        } else if (tv === 'number' && ((v as number) | 0) === v) {
          a = absorbA(a, (v as number) | 0);
          b = absorbB(b, ((v as number) | 0) ^ TAG_INT);
        } else if (tv === 'number' && (v as number) - (v as number) === 0) {
          f64[0] = v as number;
          const lo = u32[0]! | 0;
          const hi = u32[1]! | 0;
          a = absorbA(absorbA(a, lo), hi);
          b = absorbB(absorbB(b, lo ^ TAG_F64), hi);
        } else {
          this.a = a;
          this.b = b;
          if (!this.value(v, k, 1)) throw new TraceValueError(`lockstep: internal: field '${k}' vanished`);
          a = this.a;
          b = this.b;
        }
      }
    }
    this.a = a;
    this.b = b;
  }

  hex(): string {
    const a = fmix(this.a ^ 0x5f3759df) >>> 0;
    const b = fmix(this.b ^ a) >>> 0;
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
}

/** Streams every event into a 64-bit hash; `hex()` is the run's `traceHash`. */
export class TraceHasher implements TraceListener {
  private readonly lanes = new Lanes();
  /** Events hashed so far. */
  count = 0;

  onEvent(e: TraceEvent): void {
    this.lanes.event(e.seq, e.tUs, e.node, e.type, e.fields, false);
    this.count++;
  }

  /** 16 lowercase hex digits. */
  hex(): string {
    return this.lanes.hex();
  }
}

/** Thrown when a recorder is asked to keep more events than it was sized for. */
export class TraceOverflowError extends Error {
  override readonly name = 'TraceOverflowError';
}

/** Keeps every event in memory, up to a fixed bound (for replays, reports and tests). */
export class TraceRecorder implements TraceListener {
  readonly events: TraceEvent[] = [];
  readonly maxEvents: number;

  constructor(maxEvents = 1_000_000) {
    if (!Number.isSafeInteger(maxEvents) || maxEvents < 0) {
      throw new RangeError(`lockstep: TraceRecorder maxEvents must be a non-negative integer, got ${maxEvents}`);
    }
    this.maxEvents = maxEvents;
  }

  onEvent(e: TraceEvent): void {
    if (this.events.length >= this.maxEvents) {
      throw new TraceOverflowError(
        `lockstep: the trace recorder is full (${this.maxEvents} events) at t=${e.tUs / 1000} ms — ` +
          'record a shorter run, or construct the TraceRecorder with a larger bound',
      );
    }
    this.events.push(e);
  }
}

/** Sends each event to every listener, in registration order. */
export class TraceBus implements TraceListener {
  private readonly listeners: TraceListener[] = [];

  add(l: TraceListener): void {
    this.listeners.push(l);
  }

  onEvent(e: TraceEvent): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i]!.onEvent(e);
  }
}

/** The canonical JSON line of an event: `{"seq":..,"t":..,"node":..,"type":..,...fields}`. */
export function canonicalLine(e: TraceEvent): string {
  let s = `{"seq":${e.seq},"t":${JSON.stringify(e.tUs / 1000)},"node":${JSON.stringify(e.node)},"type":${JSON.stringify(e.type)}`;
  const fields = e.fields;
  if (fields !== undefined) {
    for (const k in fields) {
      if (k === 'seq' || k === 't' || k === 'node' || k === 'type') {
        throw new TraceValueError(`lockstep: trace field '${k}' of a '${e.type}' event clashes with a canonical key`);
      }
      const json = JSON.stringify(fields[k]);
      if (json === undefined) continue;
      s += `,${JSON.stringify(k)}:${json}`;
    }
  }
  return s + '}';
}

/** Thrown by hashLines for a line that is not a canonical trace line. */
export class TraceLineError extends Error {
  override readonly name = 'TraceLineError';
}

/**
 * Re-hash a trace written as canonical JSON lines (blank lines ignored). Equals
 * `TraceHasher.hex()` of the run that produced the lines.
 */
export function hashLines(lines: Iterable<string>): string {
  const lanes = new Lanes();
  let lineNo = 0;
  for (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (line === '') continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (err) {
      throw new TraceLineError(`lockstep: trace line ${lineNo} is not JSON: ${(err as Error).message}`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      throw new TraceLineError(`lockstep: trace line ${lineNo} is not a JSON object`);
    }
    const r = o as Record<string, unknown>;
    const { seq, t, node, type } = r;
    if (typeof seq !== 'number' || typeof t !== 'number' || typeof node !== 'string' || typeof type !== 'string') {
      throw new TraceLineError(`lockstep: trace line ${lineNo} lacks seq/t/node/type`);
    }
    lanes.event(seq, Math.round(t * 1000), node, type, r, true);
  }
  return lanes.hex();
}
