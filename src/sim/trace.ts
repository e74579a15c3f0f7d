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
 *   multiply-rotate / multiply-xorshift lanes (64 bits in all). Strings enter as 64-bit digests
 *   of their UTF-16 code units (memoised), numbers by value (int32 directly, other doubles by
 *   their IEEE-754 bits), and adjacent words are paired before absorption (see `Lanes`).
 *   Kernel message events ({@link MessageTraceEvent}) take a fast path over precomputed digests
 *   that feeds exactly the same words.
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

/** Digests of every TraceName, by id: typed arrays keep the int32 words unboxed for the JIT. */
let nameA = new Int32Array(64);
let nameB = new Int32Array(64);
let nameCount = 0;

/**
 * A string whose hash digest is computed once. The kernel names every node, event type and
 * field key it emits with one of these, so the hasher's fast path never re-reads them.
 */
export class TraceName {
  readonly text: string;
  /** Index of this name's digests in the module's digest tables. */
  readonly id: number;

  constructor(text: string) {
    this.text = text;
    if (nameCount === nameA.length) {
      const a = new Int32Array(nameA.length * 2);
      const b = new Int32Array(nameB.length * 2);
      a.set(nameA);
      b.set(nameB);
      nameA = a;
      nameB = b;
    }
    this.id = nameCount++;
    nameA[this.id] = digestA(text);
    nameB[this.id] = digestB(text);
  }
}

const K_FROM_A = digestA('from');
const K_FROM_B = digestB('from');
const K_TO_A = digestA('to');
const K_TO_B = digestB('to');
const K_MSG_A = digestA('msg');
const K_MSG_B = digestB('msg');
const K_REASON_A = digestA('reason');
const K_REASON_B = digestB('reason');
const K_LOCAL_A = digestA('local');
const K_LOCAL_B = digestB('local');

/** The two hash lanes' state, as the fast path of {@link MessageTraceEvent} updates it. */
export interface HashLanes {
  a: number;
  b: number;
}

/**
 * A kernel message event (`send`, `deliver`, `drop`): fields `{from, to, msg[, reason], local}`.
 * It is the bulk of every trace, so it remembers the digests of its names (in private fields,
 * invisible to comparisons and serialisation) and hashes itself without walking its fields.
 * Its hash and canonical line are exactly those of the equivalent plain {@link TraceEvent}.
 * Like every trace event it must be treated as immutable.
 */
export class MessageTraceEvent implements TraceEvent {
  readonly seq: number;
  readonly tUs: number;
  readonly node: string;
  readonly type: string;
  readonly fields: TraceFields;
  readonly #node: TraceName;
  readonly #type: TraceName;
  readonly #from: TraceName;
  readonly #to: TraceName;
  readonly #msg: string;
  readonly #reason: string | undefined;
  readonly #local: number;

  constructor(
    seq: number,
    tUs: number,
    nodeName: TraceName,
    typeName: TraceName,
    fromName: TraceName,
    toName: TraceName,
    msg: string,
    reason: string | undefined,
    local: number,
  ) {
    this.seq = seq;
    this.tUs = tUs;
    this.node = nodeName.text;
    this.type = typeName.text;
    this.fields =
      reason === undefined
        ? { from: fromName.text, to: toName.text, msg, local }
        : { from: fromName.text, to: toName.text, msg, reason, local };
    this.#node = nodeName;
    this.#type = typeName;
    this.#from = fromName;
    this.#to = toName;
    this.#msg = msg;
    this.#reason = reason;
    this.#local = local;
  }

  /**
   * Absorb this event into `l` exactly as the general path would; returns false (having done
   * nothing) when the event needs the general path (wide counters, an integral or non-finite
   * `local`, a non-string `msg`).
   */
  hashInto(l: HashLanes): boolean {
    return hashMessage(l, this.seq, this.tUs, this.#node, this.#type, this.#from, this.#to, this.#msg, this.#reason, this.#local);
  }
}

/**
 * A listener that can take kernel message events as plain arguments. When every listener of a
 * simulation is one (a hash-only sweep), the kernel calls this instead of building event
 * objects: no allocation per message event at all.
 */
export interface MessageEventSink extends TraceListener {
  onMessageEvent(
    seq: number,
    tUs: number,
    node: TraceName,
    type: TraceName,
    from: TraceName,
    to: TraceName,
    msg: string,
    reason: string | undefined,
    local: number,
  ): void;
}

/** True when `l` implements {@link MessageEventSink}. */
export function isMessageEventSink(l: TraceListener): l is MessageEventSink {
  return typeof (l as Partial<MessageEventSink>).onMessageEvent === 'function';
}

/** The message-event fast path shared by MessageTraceEvent and TraceHasher.onMessageEvent. */
function hashMessage(
  l: HashLanes,
  seq: number,
  tUs: number,
  nodeName: TraceName,
  typeName: TraceName,
  fromName: TraceName,
  toName: TraceName,
  msg: string,
  reason: string | undefined,
  local: number,
): boolean {
  if (seq > 0x7fffffff || tUs > 0x7fffffff || (local | 0) === local || local - local !== 0 || typeof msg !== 'string') {
    return false;
  }
  f64[0] = local;
  const lo = (u32[0]! | 0) ^ TAG_F64;
  const hi = u32[1]! | 0;
  const m = slot(msg);
  const na = nameA;
  const nb = nameB;
  const node = nodeName.id;
  const type = typeName.id;
  const from = fromName.id;
  const to = toName.id;
  let a = absorbA(l.a, (seq + Math.imul(tUs, G_A)) | 0);
  let b = absorbB(l.b, (seq + Math.imul(tUs, G_B)) | 0);
  a = absorbA(a, (na[node]! + Math.imul(na[type]!, G_A)) | 0);
  b = absorbB(b, (nb[node]! + Math.imul(nb[type]!, G_B)) | 0);
  a = absorbA(a, (K_FROM_A + Math.imul(na[from]!, G_A)) | 0);
  b = absorbB(b, (K_FROM_B + Math.imul(nb[from]!, G_B)) | 0);
  a = absorbA(a, (K_TO_A + Math.imul(na[to]!, G_A)) | 0);
  b = absorbB(b, (K_TO_B + Math.imul(nb[to]!, G_B)) | 0);
  a = absorbA(a, (K_MSG_A + Math.imul(cacheA[m]!, G_A)) | 0);
  b = absorbB(b, (K_MSG_B + Math.imul(cacheB[m]!, G_B)) | 0);
  if (reason !== undefined) {
    const r = slot(reason);
    a = absorbA(a, (K_REASON_A + Math.imul(cacheA[r]!, G_A)) | 0);
    b = absorbB(b, (K_REASON_B + Math.imul(cacheB[r]!, G_B)) | 0);
  }
  a = absorbA(a, (K_LOCAL_A + Math.imul(lo, G_A)) | 0);
  b = absorbB(b, (K_LOCAL_B + Math.imul(lo, G_B)) | 0);
  l.a = absorbA(a, hi);
  l.b = absorbB(b, hi);
  return true;
}


/** Thrown when a field value cannot be part of a canonical trace. */
export class TraceValueError extends Error {
  override readonly name = 'TraceValueError';
}

/** Pairing multipliers: lane A folds (x, y) to x + G_A·y, lane B to x + G_B·y. G_A − G_B is
 * odd, so the two lanes together map every pair of 32-bit words injectively to 64 bits. */
const G_A = 0x9e3779b1 | 0;
const G_B = 0x85ebca6c | 0;
const TAG_ELEM = 0x454c454d;

/**
 * The two hash lanes and the canonical feeding rules, shared by both hashing paths.
 *
 * Encoding (per lane, with that lane's digests and pairing multiplier): an event absorbs
 * pair(seq, tUs), then pair(node, type), then for each field pair(key, first word of the value)
 * followed by the value's remaining words. Value words: a string is its digest; an int32 is
 * v ^ TAG_INT; another finite double is lo ^ TAG_F64 then hi of its IEEE-754 bits; true, false
 * and null (also NaN/±Infinity, as JSON) are tags; an array or object is its tag, then each
 * element (paired with TAG_ELEM) or entry (paired with its key), then TAG_END. Pairing two words
 * before absorbing halves the serial chain of multiplies, which is what bounds the hash's speed.
 */
class Lanes implements HashLanes {
  a = SEED_A;
  b = SEED_B;

  /**
   * Feeds `v` paired with the prefix words (pa, pb) as JSON.stringify would write it; returns
   * false, having fed nothing, if JSON omits it (undefined, functions, symbols).
   */
  private value(pa: number, pb: number, v: unknown, key: string, depth: number): boolean {
    switch (typeof v) {
      case 'string': {
        const i = slot(v);
        this.a = absorbA(this.a, (pa + Math.imul(cacheA[i]!, G_A)) | 0);
        this.b = absorbB(this.b, (pb + Math.imul(cacheB[i]!, G_B)) | 0);
        return true;
      }
      case 'number':
        this.number(pa, pb, v);
        return true;
      case 'boolean':
        this.tag(pa, pb, v ? TAG_TRUE : TAG_FALSE);
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
      this.tag(pa, pb, TAG_NULL);
      return true;
    }
    if (depth >= MAX_FIELD_DEPTH) {
      throw new TraceValueError(`lockstep: trace field '${key}' nests deeper than ${MAX_FIELD_DEPTH} (a cycle?)`);
    }
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      return this.value(pa, pb, (toJSON as (k: string) => unknown).call(v, key), key, depth + 1);
    }
    if (Array.isArray(v)) {
      this.tag(pa, pb, TAG_ARRAY);
      for (let i = 0; i < v.length; i++) {
        if (!this.value(TAG_ELEM, TAG_ELEM, v[i], String(i), depth + 1)) this.tag(TAG_ELEM, TAG_ELEM, TAG_NULL);
      }
    } else {
      this.tag(pa, pb, TAG_OBJECT);
      const obj = v as Record<string, unknown>;
      for (const k in obj) {
        const i = slot(k);
        this.value(cacheA[i]!, cacheB[i]!, obj[k], k, depth + 1);
      }
    }
    this.a = absorbA(this.a, TAG_END);
    this.b = absorbB(this.b, TAG_END);
    return true;
  }

  private tag(pa: number, pb: number, tag: number): void {
    this.a = absorbA(this.a, (pa + Math.imul(tag, G_A)) | 0);
    this.b = absorbB(this.b, (pb + Math.imul(tag, G_B)) | 0);
  }

  /** int32 (and -0, which JSON writes as 0) as one word; other finite doubles by their bits. */
  private number(pa: number, pb: number, v: number): void {
    if ((v | 0) === v) {
      this.tag(pa, pb, (v | 0) ^ TAG_INT);
    } else if (v - v !== 0) {
      this.tag(pa, pb, TAG_NULL);
    } else {
      f64[0] = v;
      this.tag(pa, pb, (u32[0]! | 0) ^ TAG_F64);
      this.a = absorbA(this.a, u32[1]! | 0);
      this.b = absorbB(this.b, u32[1]! | 0);
    }
  }

  /** The pair (seq, tUs), narrow (one word) when both fit in 31 bits. */
  private header(seq: number, tUs: number): void {
    if (seq >= 0 && seq <= 0x7fffffff && tUs >= 0 && tUs <= 0x7fffffff) {
      this.tag(seq, seq, tUs);
    } else {
      this.tag(seq >>> 0, seq >>> 0, (Math.floor(seq / 0x100000000) ^ TAG_WIDE) | 0);
      this.tag(tUs >>> 0, tUs >>> 0, (Math.floor(tUs / 0x100000000) ^ TAG_WIDE) | 0);
    }
  }

  /**
   * One event in the canonical encoding. `parsed` is true for lines re-read by hashLines, whose
   * objects also carry the four canonical keys.
   */
  event(seq: number, tUs: number, node: string, type: string, fields: TraceFields | undefined, parsed: boolean): void {
    this.header(seq, tUs);
    const n = slot(node);
    const na = cacheA[n]!;
    const nb = cacheB[n]!;
    const t = slot(type);
    this.a = absorbA(this.a, (na + Math.imul(cacheA[t]!, G_A)) | 0);
    this.b = absorbB(this.b, (nb + Math.imul(cacheB[t]!, G_B)) | 0);
    if (fields === undefined) return;
    for (const k in fields) {
      if (parsed && (k === 'seq' || k === 't' || k === 'node' || k === 'type')) continue;
      const i = slot(k);
      this.value(cacheA[i]!, cacheB[i]!, fields[k], k, 1);
    }
  }

  hex(): string {
    const a = fmix(this.a ^ 0x5f3759df) >>> 0;
    const b = fmix(this.b ^ a) >>> 0;
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
}

/** Streams every event into a 64-bit hash; `hex()` is the run's `traceHash`. */
export class TraceHasher implements MessageEventSink {
  private readonly lanes = new Lanes();
  /** Events hashed so far. */
  count = 0;

  onMessageEvent(
    seq: number,
    tUs: number,
    node: TraceName,
    type: TraceName,
    from: TraceName,
    to: TraceName,
    msg: string,
    reason: string | undefined,
    local: number,
  ): void {
    if (!hashMessage(this.lanes, seq, tUs, node, type, from, to, msg, reason, local)) {
      this.lanes.event(seq, tUs, node.text, type.text, new MessageTraceEvent(seq, tUs, node, type, from, to, msg, reason, local).fields, false);
    }
    this.count++;
  }

  onEvent(e: TraceEvent): void {
    if (!(e instanceof MessageTraceEvent && e.hashInto(this.lanes))) {
      this.lanes.event(e.seq, e.tUs, e.node, e.type, e.fields, false);
    }
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
