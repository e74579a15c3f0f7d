/**
 * The canonical trace (DESIGN §5.5) and its hash.
 *
 * A run's identity is its trace: one event per line, `{"seq","t","node","type",...fields}`, with
 * `seq` counting from 0 and `t` the true time in milliseconds at microsecond precision. Every
 * result carries `traceHash`, and a `--trace FILE` dump must re-hash to the same value, so two
 * paths compute the same hash:
 *
 * - {@link TraceHasher} hashes live events. It is the sweep fast path, so it builds no strings.
 * - {@link hashLines} parses JSONL lines written with {@link canonicalLine}.
 *
 * Both turn each event into the same canonical sequence of 32-bit words (one word per lane; see
 * `Lanes`) and absorb it into two independent 32-bit multiply-rotate / multiply-xorshift lanes (64
 * bits in all), three words at a time (see blockA). Per event: `t` as the integer microsecond count
 * it denotes (one word below 2^31, otherwise a flagged high word and the low word), `node`, `type`,
 * then each field key and value in insertion order, recursing into arrays and objects. The word
 * rules mirror JSON.stringify: a string is a 32-bit digest per lane of its UTF-16 code units
 * (memoised), an int32 is its value, another finite double its IEEE-754 bits, undefined,
 * functions and symbols are skipped in objects and are null in arrays, NaN and ±Infinity are
 * null, -0 is 0, `toJSON` is honoured. JSON round-trips every finite double exactly, so the two
 * paths agree (a line's `t` is converted back with Math.round(t · 1000), exact for any run
 * shorter than ~285 years). `seq` is not hashed: it is implied by the position, and both paths
 * insist instead that it counts 0, 1, 2, ... (TraceSeqError, TraceLineError).
 *
 * Kernel message events (`send`/`deliver` with `{from, to, msg}`: {@link MessageTraceEvent},
 * {@link MessageEventSink}) take a fast path that folds the same words from terms precomputed
 * per route ({@link MessageRoute}) and per message type ({@link MessageType}).
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
const TAG_PAD = 0x50414431;
/** Set in the first word of a time that does not fit in 31 bits; a narrow time never has it. */
const WIDE_TIME = 0x80000000 | 0;

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

/**
 * The cache slot holding `s`'s digest, filled on a miss. Slot 0 is the empty string's; any
 * other string has two candidate slots, a pair (i, i ^ 1) picked from its length and three code
 * units: a hit in either is used, and a miss moves the pair's first entry to the second and
 * fills the first, so two strings that collide (the bench's 'EX' and 'tag' did) both stay.
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

/**
 * A string whose hash digests are computed once: the kernel names every node with one of these.
 * (Constructor-set fields are `declare`d here and below, so that V8 keeps them as small integers:
 * see SimEvent.)
 */
export class TraceName {
  declare readonly text: string;
  /** Lane A's digest of `text`. */
  declare readonly a: number;
  /** Lane B's digest of `text`. */
  declare readonly b: number;

  constructor(text: string) {
    this.text = text;
    this.a = digestA(text);
    this.b = digestB(text);
  }
}

/** The event types of kernel message events. */
export const SEND = new TraceName('send');
export const DELIVER = new TraceName('deliver');

const K_FROM = new TraceName('from');
const K_TO = new TraceName('to');
const K_MSG = new TraceName('msg');

/**
 * One direction between two nodes, named for the trace: the `send` event of a message on it is
 * the sender's (`from`), the `deliver` event the receiver's (`to`). Every message event is one of
 * these plus its time and message type, and nine words in three blocks (see hashMessage): the
 * route precomputes every fold term that does not change from one message to the next.
 */
export class MessageRoute {
  declare readonly from: TraceName;
  declare readonly to: TraceName;
  /** Block 1, (t, node, type), less t: of a send event, and of a deliver event; lane A, lane B. */
  declare readonly sendA: number;
  declare readonly sendB: number;
  declare readonly deliverA: number;
  declare readonly deliverB: number;
  /** Block 2, ("from", from, "to"), whole. */
  declare readonly fromA: number;
  declare readonly fromB: number;
  /** Block 3, (to, "msg", msg), less msg. */
  declare readonly toA: number;
  declare readonly toB: number;

  constructor(from: TraceName, to: TraceName) {
    this.from = from;
    this.to = to;
    this.sendA = (Math.imul(from.a, 0x9e3779b1 | 0) + Math.imul(SEND.a, 0x7feb352c)) | 0;
    this.sendB = (Math.imul(from.b, 0x85ebca6c | 0) + Math.imul(SEND.b, 0xc2b2ae3d | 0)) | 0;
    this.deliverA = (Math.imul(to.a, 0x9e3779b1 | 0) + Math.imul(DELIVER.a, 0x7feb352c)) | 0;
    this.deliverB = (Math.imul(to.b, 0x85ebca6c | 0) + Math.imul(DELIVER.b, 0xc2b2ae3d | 0)) | 0;
    this.fromA = (K_FROM.a + Math.imul(from.a, 0x9e3779b1 | 0) + Math.imul(K_TO.a, 0x7feb352c)) | 0;
    this.fromB = (K_FROM.b + Math.imul(from.b, 0x85ebca6c | 0) + Math.imul(K_TO.b, 0xc2b2ae3d | 0)) | 0;
    this.toA = (to.a + Math.imul(K_MSG.a, 0x9e3779b1 | 0)) | 0;
    this.toB = (to.b + Math.imul(K_MSG.b, 0x85ebca6c | 0)) | 0;
  }
}

/**
 * The type of a message (its payload's `type`, the `msg` field of its events), with the hash
 * term it contributes to the third block of every message event (see hashMessage) precomputed.
 */
export class MessageType {
  declare readonly text: string;
  /** Block 3's msg term, lane A and lane B. */
  declare readonly termA: number;
  declare readonly termB: number;

  constructor(text: string) {
    this.text = text;
    this.termA = Math.imul(digestA(text), 0x7feb352c);
    this.termB = Math.imul(digestB(text), 0xc2b2ae3d);
  }
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
class Lanes {
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
    const t = typeof v;
    return t === 'undefined' || t === 'function' || t === 'symbol';
  }

  /** Feeds a resolved, not omitted value as JSON.stringify would write it. */
  private value(v: unknown, key: string, depth: number): void {
    switch (typeof v) {
      case 'string':
        this.str(v);
        return;
      case 'number':
        this.number(v);
        return;
      case 'boolean':
        this.tag(v ? TAG_TRUE : TAG_FALSE);
        return;
      case 'bigint':
        throw new TraceValueError(`lockstep: trace field '${key}' is a bigint, which JSON cannot carry`);
      default:
        break;
    }
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
    this.str('local');
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

/**
 * The message-event fast path shared by MessageTraceEvent and TraceHasher.onMessageEvent: the
 * nine words of `{t, node, type, from, to, msg}` (t narrow), three full blocks folded from the
 * route's precomputed terms, exactly as the general path would feed them. The folds and mixes
 * of blockA/blockB are written out: this runs twice per message.
 */
function hashMessage(l: Lanes, tUs: number, deliver: boolean, route: MessageRoute, msg: MessageType): void {
  // Kept small in bytecode (one load of Math.imul) so that the JIT can inline it into the kernel.
  const imul = Math.imul;
  let a = imul(l.a ^ (tUs + (deliver ? route.deliverA : route.sendA)), 0xcc9e2d51);
  let b = imul(l.b ^ (tUs + (deliver ? route.deliverB : route.sendB)), 0x1b873593);
  a = imul(((a << 15) | (a >>> 17)) ^ route.fromA, 0xcc9e2d51);
  b = imul(b ^ (b >>> 13) ^ route.fromB, 0x1b873593);
  a = imul(((a << 15) | (a >>> 17)) ^ (route.toA + msg.termA), 0xcc9e2d51);
  b = imul(b ^ (b >>> 13) ^ (route.toB + msg.termB), 0x1b873593);
  l.a = (a << 15) | (a >>> 17);
  l.b = b ^ (b >>> 13);
  l.events++;
}

/** A message event whose time needs two words: by the general path. */
function hashMessageWide(l: Lanes, tUs: number, deliver: boolean, route: MessageRoute, msg: MessageType): void {
  l.event(tUs, deliver ? route.to.text : route.from.text, deliver ? DELIVER.text : SEND.text, messageFields(route, msg), false);
}

/** The plain fields of a message event. */
function messageFields(route: MessageRoute, msg: MessageType): TraceFields {
  return { from: route.from.text, to: route.to.text, msg: msg.text };
}

/** Absorbs a {@link MessageTraceEvent} (its seq already checked), by the fast path when it applies. */
let hashMessageEvent: (l: Lanes, e: MessageTraceEvent) => void;

/**
 * A kernel message event (`send` or `deliver`): fields `{from, to, msg}`.
 * It is the bulk of every trace, so it remembers its route (in private fields, invisible to
 * comparisons and serialisation) and hashes itself without walking its fields. Its hash and
 * canonical line are exactly those of the equivalent plain {@link TraceEvent}. Like every trace
 * event it must be treated as immutable.
 */
export class MessageTraceEvent implements TraceEvent {
  readonly seq: number;
  readonly tUs: number;
  readonly node: string;
  readonly type: string;
  readonly fields: TraceFields;
  readonly #deliver: boolean;
  readonly #route: MessageRoute;
  readonly #msg: MessageType;

  /** The `deliver` event (node: the receiver) if `deliver`, else the `send` event (node: the sender). */
  constructor(seq: number, tUs: number, deliver: boolean, route: MessageRoute, msg: MessageType) {
    this.seq = seq;
    this.tUs = tUs;
    this.node = deliver ? route.to.text : route.from.text;
    this.type = deliver ? DELIVER.text : SEND.text;
    this.fields = messageFields(route, msg);
    this.#deliver = deliver;
    this.#route = route;
    this.#msg = msg;
  }

  static {
    hashMessageEvent = (l, e) => {
      if (e.tUs <= 0x7fffffff) hashMessage(l, e.tUs, e.#deliver, e.#route, e.#msg);
      else hashMessageWide(l, e.tUs, e.#deliver, e.#route, e.#msg);
    };
  }
}

/**
 * A listener that can take kernel message events as plain arguments. When every listener of a
 * simulation is one (a hash-only sweep), the kernel calls this instead of building event
 * objects: no allocation per message event at all.
 */
export interface MessageEventSink extends TraceListener {
  /** The event `new MessageTraceEvent(seq, tUs, deliver, route, msg)` describes. */
  onMessageEvent(seq: number, tUs: number, deliver: boolean, route: MessageRoute, msg: MessageType): void;
}

/** True when `l` implements {@link MessageEventSink}. */
export function isMessageEventSink(l: TraceListener): l is MessageEventSink {
  return typeof (l as Partial<MessageEventSink>).onMessageEvent === 'function';
}

/**
 * A listener that can also take the events of simulated nodes (lock events, timers, faults)
 * as plain arguments: their fields come as the node gave them, with the `local` reading apart.
 * When every listener of a simulation is one, the kernel builds neither an event object nor a
 * copy of the fields with `local` appended (an object spread of a different shape for almost
 * every event type, the costliest step of emitting one).
 */
export interface NodeEventSink extends TraceListener {
  /**
   * The event `{ seq, tUs, node, type, fields: { ...fields, local: localMs } }`. `fields` never
   * has a `local` key of its own (the kernel refuses one), so `local` is canonically the last.
   */
  onNodeEvent(seq: number, tUs: number, node: string, type: string, fields: TraceFields | undefined, localMs: number): void;
}

/** True when `l` implements {@link NodeEventSink}. */
export function isNodeEventSink(l: TraceListener): l is NodeEventSink {
  return typeof (l as Partial<NodeEventSink>).onNodeEvent === 'function';
}

/** True when `l` wants the kernel's `send` and `deliver` events (see TraceListener.messageEvents). */
export function readsMessageEvents(l: TraceListener): boolean {
  return l.messageEvents !== false;
}

/** The canonical fields of a node event taken apart (see NodeEventSink.onNodeEvent). */
export function withLocal(fields: TraceFields | undefined, localMs: number): TraceFields {
  return fields === undefined ? { local: localMs } : { ...fields, local: localMs };
}

/** Streams every event into a 64-bit hash; `hex()` is the run's `traceHash`. */
export class TraceHasher implements MessageEventSink, NodeEventSink {
  private readonly lanes = new Lanes();

  /** Events hashed so far. */
  get count(): number {
    return this.lanes.events;
  }

  onMessageEvent(seq: number, tUs: number, deliver: boolean, route: MessageRoute, msg: MessageType): void {
    const l = this.lanes;
    if (seq !== l.events) l.checkSeq(seq);
    if (tUs <= 0x7fffffff) hashMessage(l, tUs, deliver, route, msg);
    else hashMessageWide(l, tUs, deliver, route, msg);
  }

  onNodeEvent(seq: number, tUs: number, node: string, type: string, fields: TraceFields | undefined, localMs: number): void {
    const l = this.lanes;
    if (seq !== l.events) l.checkSeq(seq);
    l.nodeEvent(tUs, node, type, fields, localMs);
  }

  onEvent(e: TraceEvent): void {
    const l = this.lanes;
    if (e.seq !== l.events) l.checkSeq(e.seq);
    if (e instanceof MessageTraceEvent) hashMessageEvent(l, e);
    else l.event(e.tUs, e.node, e.type, e.fields, false);
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
 * `TraceHasher.hex()` of the run that produced the lines. The lines must be the whole trace:
 * their seq must count 0, 1, 2, ... (a TraceLineError says where it does not).
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
    if (seq !== lanes.events) {
      throw new TraceLineError(`lockstep: trace line ${lineNo} has seq ${seq} where ${lanes.events} was expected (a trace counts 0, 1, 2, ...)`);
    }
    lanes.event(Math.round(t * 1000), node, type, r, true);
  }
  return lanes.hex();
}
