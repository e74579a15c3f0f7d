/**
 * The canonical world state, for model checking (DESIGN §2): a 64-bit fingerprint that two
 * simulations share exactly when their nodes and their pending events are the same up to the
 * passage of time (and but for a hash collision, about 2^-64 per pair of states).
 *
 * An exploring search that meets a state it has already expanded need not expand it again; this
 * is what tells it so. Every node contributes its liveness, its durable storage and its process's
 * state: what the process's optional `canonicalState()` returns, or else the process object
 * itself walked field by field (functions and the kernel's own objects skipped). Pending events
 * contribute their kind, nodes, payload and due time *relative to now*, in (offset, node, kind)
 * order, so two states reached at different instants with the same timers still left to run
 * hash alike. The walk feeds the hash as it goes (no text is built), and the pending events
 * enter it as their own fingerprints in sorted order, so the order the queue keeps them in does
 * not count. Absolute times that a process keeps in its fields do still distinguish states:
 * that costs merges, never soundness.
 *
 * What the walk cannot see is state captured only in closures. A process that keeps state there
 * (rather than in fields or `ctx.durable`) must implement `canonicalState()`.
 */
import { EventKind, type SimEvent } from './event.js';
import type { PartitionRec, WindowRec } from './fault-injection.js';
import type { Link } from './network.js';
import { NodeContext } from './node-context.js';
import { NodeState, Route, TimerRec } from './node-state.js';

/** How deep the structural walk goes before it writes a marker instead (guards runaway graphs). */
const MAX_WALK_DEPTH = 64;

/** Type tags, so that values of different types never feed the same words. */
const TAG_NULL = 1;
const TAG_UNDEFINED = 2;
const TAG_FALSE = 3;
const TAG_TRUE = 4;
const TAG_INT = 5;
const TAG_DOUBLE = 6;
const TAG_STRING = 7;
const TAG_FUNCTION = 8;
const TAG_KERNEL = 9;
const TAG_BACK_REFERENCE = 10;
const TAG_TOO_DEEP = 11;
const TAG_ARRAY = 12;
const TAG_MAP = 13;
const TAG_SET = 14;
const TAG_OBJECT = 15;
const TAG_CUSTOM = 16;
const TAG_END = 17;
const TAG_BIGINT = 18;

const doubleView = new Float64Array(1);
const doubleWords = new Uint32Array(doubleView.buffer);

/** A 64-bit fingerprint as its two 32-bit halves (unsigned). */
export interface Fingerprint {
  readonly high: number;
  readonly low: number;
}

/**
 * Feeds values, in one canonical form, into a 64-bit hash of two 32-bit lanes (a multiply-xorshift
 * step per 32-bit word on each lane, different constants, a finalising avalanche on each).
 */
export class CanonicalHasher {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;
  private readonly seen = new Map<object, number>();
  /** Two words per field name and class name seen, by first sight: names recur in every state, so each is hashed once. */
  private readonly nameIndex = new Map<string, number>();
  private nameWords: number[] = [];

  /** Start over (the same hasher serves many states without allocating). */
  reset(): void {
    this.a = 0x811c9dc5;
    this.b = 0x9747b28c;
    this.seen.clear();
  }

  /** Feed one 32-bit word. */
  word(w: number): void {
    let a = Math.imul(this.a ^ w, 0x01000193);
    a ^= a >>> 15;
    this.a = a;
    let b = Math.imul(this.b ^ w, 0x5bd1e995);
    b ^= b >>> 13;
    this.b = b;
  }

  /** Feed a number exactly (integers as one word, other numbers as their 64 bits). */
  number(n: number): void {
    if ((n | 0) === n) {
      this.word(TAG_INT);
      this.word(n);
      return;
    }
    doubleView[0] = n;
    this.word(TAG_DOUBLE);
    this.word(doubleWords[0]!);
    this.word(doubleWords[1]!);
  }

  /** Feed a string (its length, then its UTF-16 units two to a word). */
  string(text: string): void {
    const length = text.length;
    this.word(TAG_STRING);
    this.word(length);
    let i = 0;
    for (; i + 1 < length; i += 2) this.word(text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16));
    if (i < length) this.word(text.charCodeAt(i));
  }

  /** Feed a name (a field's or a class's): the same words as {@link string}'s, folded to two and cached. */
  name(text: string): void {
    let index = this.nameIndex.get(text);
    if (index === undefined) {
      const folded = new CanonicalHasher();
      folded.string(text);
      const print = folded.fingerprint();
      index = this.nameWords.length;
      this.nameWords.push(print.high, print.low);
      this.nameIndex.set(text, index);
    }
    this.word(this.nameWords[index]!);
    this.word(this.nameWords[index + 1]!);
  }

  /** Feed `value` in canonical form (see the module comment). */
  value(value: unknown, depth = 0): void {
    if (value === null) return this.word(TAG_NULL);
    switch (typeof value) {
      case 'undefined':
        return this.word(TAG_UNDEFINED);
      case 'number':
        return this.number(value);
      case 'boolean':
        return this.word(value ? TAG_TRUE : TAG_FALSE);
      case 'string':
        return this.string(value);
      case 'bigint':
        this.word(TAG_BIGINT);
        return this.string(value.toString());
      case 'function':
      case 'symbol':
        return this.word(TAG_FUNCTION);
      default:
        return this.object(value as object, depth);
    }
  }

  private object(value: object, depth: number): void {
    const constructor: unknown = value.constructor;
    if (KERNEL_CLASSES.has(constructor)) return this.word(TAG_KERNEL);
    const back = this.seen.get(value);
    if (back !== undefined) {
      this.word(TAG_BACK_REFERENCE);
      return this.word(back);
    }
    if (depth >= MAX_WALK_DEPTH) return this.word(TAG_TOO_DEEP);
    this.seen.set(value, this.seen.size);
    if (constructor === Array || Array.isArray(value)) {
      const array = value as unknown[];
      this.word(TAG_ARRAY);
      for (let i = 0; i < array.length; i++) this.value(array[i], depth + 1);
    } else if (constructor === Map || value instanceof Map) {
      this.word(TAG_MAP);
      for (const [k, v] of value as Map<unknown, unknown>) {
        this.value(k, depth + 1);
        this.value(v, depth + 1);
      }
    } else if (constructor === Set || value instanceof Set) {
      this.word(TAG_SET);
      for (const item of value as Set<unknown>) this.value(item, depth + 1);
    } else {
      this.fields(value, depth);
    }
    this.word(TAG_END);
  }

  private fields(value: object, depth: number): void {
    const custom = (value as { canonicalState?: () => unknown }).canonicalState;
    if (typeof custom === 'function') {
      this.word(TAG_CUSTOM);
      this.value(custom.call(value), depth + 1);
      return;
    }
    this.word(TAG_OBJECT);
    this.name(value.constructor?.name ?? '');
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
      this.name(key);
      this.value(record[key], depth + 1);
    }
  }

  /** The fingerprint of what was fed since the last reset. */
  fingerprint(): Fingerprint {
    return { high: avalanche(this.a, 0x85ebca6b), low: avalanche(this.b, 0xc2b2ae35) };
  }
}

/** The final mix of one lane (murmur3's fmix32 with one constant changed per lane). */
function avalanche(lane: number, multiplier: number): number {
  let h = lane;
  h ^= h >>> 16;
  h = Math.imul(h, multiplier);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Classes of the kernel itself, whose objects are never part of a process's own state (none is subclassed). */
const KERNEL_CLASSES: ReadonlySet<unknown> = new Set<unknown>([NodeContext, NodeState, Route, TimerRec]);

/** The hashers one world fingerprint uses: the world's, and one per pending event. */
export class WorldHasher {
  private readonly world = new CanonicalHasher();
  private readonly event = new CanonicalHasher();
  private readonly eventPrints: number[] = [];

  /**
   * The fingerprint of the world: every node (in registration order), the links' fault state and
   * every pending, non-cancelled event, times relative to `nowUs`; the events as a sorted multiset;
   * and `schedulerWords`, what a scheduler that chooses keeps of its own that decides its choices
   * (`sentAtUs`: when a message in flight was sent, which bounds when it may arrive; hashed as how
   * long ago).
   */
  fingerprint(
    nodes: readonly NodeState[],
    links: readonly (readonly (Link | undefined)[])[],
    pending: readonly SimEvent[],
    nowUs: number,
    schedulerWords: readonly number[],
    sentAtUs: ((ev: SimEvent) => number | undefined) | undefined,
  ): Fingerprint {
    const world = this.world;
    world.reset();
    world.word(schedulerWords.length);
    for (const word of schedulerWords) world.word(word);
    for (const node of nodes) {
      world.word(node.index);
      world.word(node.incarnation);
      world.word((node.up ? 1 : 0) | (node.paused ? 2 : 0));
      // A jump or drift moves what the node's clocks read now, which decides when its leases end.
      world.number(node.clock.read('wall', nowUs) - nowUs);
      world.number(node.clock.read('mono', nowUs) - nowUs);
      world.number(node.clock.driftPpm);
      world.value(node.durable);
      world.value(node.process);
      world.word(node.held.length);
      for (const ev of node.held) eventWords(world, ev, nowUs);
    }
    linkWords(world, links);
    const prints = this.eventPrints;
    prints.length = 0;
    for (const ev of pending) {
      if (ev.cancelled) continue;
      this.event.reset();
      eventWords(this.event, ev, nowUs);
      const sent = sentAtUs?.(ev);
      if (sent !== undefined) this.event.number(nowUs - sent);
      const print = this.event.fingerprint();
      // 53 of its 64 bits, so that it sorts exactly as a double.
      prints.push(print.high * 0x200000 + (print.low >>> 11));
    }
    prints.sort((x, y) => x - y);
    world.word(prints.length);
    for (const print of prints) world.number(print);
    return world.fingerprint();
  }
}

/** Every link in a fault's grip: its ends and how many partitions cut it, windows drop on it, and the extra delay on it. */
function linkWords(hasher: CanonicalHasher, links: readonly (readonly (Link | undefined)[])[]): void {
  for (let from = 0; from < links.length; from++) {
    const row = links[from]!;
    for (let to = 0; to < row.length; to++) {
      const link = row[to];
      if (link === undefined || (link.blocked === 0 && link.dropWindows === 0 && link.extraDelayUs === 0)) continue;
      hasher.word(from);
      hasher.word(to);
      hasher.word(link.blocked);
      hasher.word(link.dropWindows);
      hasher.number(link.extraDelayUs);
    }
  }
  hasher.word(TAG_END);
}

/** One pending event: kind, node, sender, offset from now, and its payload's canonical form. */
function eventWords(hasher: CanonicalHasher, ev: SimEvent, nowUs: number): void {
  hasher.word(ev.kind);
  hasher.word(ev.node);
  hasher.word(ev.from);
  hasher.number(Math.max(0, ev.timeUs - nowUs));
  if (ev.kind === EventKind.Timer || ev.kind === EventKind.Mark) {
    const rec = ev.data as TimerRec;
    hasher.string(rec.type);
    hasher.value(rec.tag);
  } else if (ev.kind === EventKind.Deliver || ev.kind === EventKind.Fault) {
    hasher.value(ev.data);
  } else if (ev.kind === EventKind.Heal) {
    // Which links the heal restores: two partitions due to heal at swapped instants differ.
    const rec = ev.data as PartitionRec;
    hasher.value(rec.indices);
    hasher.word(rec.oneWay ? 1 : 0);
  } else if (ev.kind === EventKind.DelayEnd || ev.kind === EventKind.DropEnd) {
    const rec = ev.data as WindowRec;
    hasher.string(rec.link.from);
    hasher.string(rec.link.to);
    hasher.number(rec.extraUs);
  }
}
