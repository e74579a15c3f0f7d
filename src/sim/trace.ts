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
import { Lanes, TraceValueError, digestA, digestB } from './trace-hash.js';
import type { TraceEvent, TraceFields, TraceListener } from './types.js';

export { MAX_FIELD_DEPTH, TraceSeqError, TraceValueError } from './trace-hash.js';

/** Field names every canonical line already uses; trace fields may not reuse them. */
export const RESERVED_TRACE_KEYS: readonly string[] = ['seq', 't', 'node', 'type'];

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
