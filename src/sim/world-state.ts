/**
 * The canonical world state, for model checking (DESIGN §2): a hash that two simulations share
 * exactly when their nodes and their pending events are the same up to the passage of time.
 *
 * An exploring search that meets a state it has already expanded need not expand it again; this
 * is what tells it so. Every node contributes its liveness, its durable storage and its process's
 * state: what the process's optional `canonicalState()` returns, or else the process object
 * itself walked field by field (functions and the kernel's own objects skipped). Pending events
 * contribute their kind, nodes, payload and due time *relative to now*, in (offset, node, kind)
 * order, so two states reached at different instants with the same timers still left to run
 * hash alike. Absolute times that a process keeps in its fields do still distinguish states:
 * that costs merges, never soundness.
 *
 * What the walk cannot see is state captured only in closures. A process that keeps state there
 * (rather than in fields or `ctx.durable`) must implement `canonicalState()`.
 */
import { EventKind, type SimEvent } from './event.js';
import { NodeContext } from './node-context.js';
import { NodeState, Route, TimerRec } from './node-state.js';

/** How deep the structural walk goes before it writes a marker instead (guards runaway graphs). */
const MAX_WALK_DEPTH = 64;

/** Writes values in one canonical text form, and hashes the text. */
export class CanonicalWriter {
  private readonly parts: string[] = [];
  private readonly seen = new Map<object, number>();

  /** Append `value` in canonical form. */
  value(value: unknown, depth = 0): void {
    if (value === null || value === undefined) {
      this.parts.push(value === null ? 'n' : 'u');
      return;
    }
    switch (typeof value) {
      case 'number':
      case 'boolean':
      case 'bigint':
        this.parts.push(String(value));
        return;
      case 'string':
        this.parts.push(JSON.stringify(value));
        return;
      case 'function':
      case 'symbol':
        this.parts.push('f');
        return;
      default:
        this.object(value as object, depth);
    }
  }

  private object(value: object, depth: number): void {
    if (isKernelObject(value)) {
      this.parts.push('k');
      return;
    }
    const back = this.seen.get(value);
    if (back !== undefined) {
      this.parts.push(`@${back}`);
      return;
    }
    if (depth >= MAX_WALK_DEPTH) {
      this.parts.push('…');
      return;
    }
    this.seen.set(value, this.seen.size);
    if (Array.isArray(value)) {
      this.parts.push('[');
      for (const item of value) this.value(item, depth + 1);
      this.parts.push(']');
    } else if (value instanceof Map) {
      this.parts.push('M{');
      for (const [k, v] of value) {
        this.value(k, depth + 1);
        this.value(v, depth + 1);
      }
      this.parts.push('}');
    } else if (value instanceof Set) {
      this.parts.push('S{');
      for (const item of value) this.value(item, depth + 1);
      this.parts.push('}');
    } else {
      this.fields(value, depth);
    }
  }

  private fields(value: object, depth: number): void {
    const custom = (value as { canonicalState?: () => unknown }).canonicalState;
    if (typeof custom === 'function') {
      this.parts.push('C');
      this.value(custom.call(value), depth + 1);
      return;
    }
    this.parts.push(`${value.constructor?.name ?? ''}{`);
    for (const key of Object.keys(value)) {
      this.parts.push(key);
      this.value((value as Record<string, unknown>)[key], depth + 1);
    }
    this.parts.push('}');
  }

  /** Append a raw token (already canonical). */
  token(text: string): void {
    this.parts.push(text);
  }

  /** The canonical text written so far. */
  text(): string {
    return this.parts.join('|');
  }
}

/** Objects of the kernel itself, never part of a process's own state. */
function isKernelObject(value: object): boolean {
  return value instanceof NodeContext || value instanceof NodeState || value instanceof Route || value instanceof TimerRec;
}

/**
 * The canonical text of the world: every node (in registration order) and every pending,
 * non-cancelled event, times relative to `nowUs`.
 */
export function canonicalWorld(nodes: readonly NodeState[], pending: readonly SimEvent[], nowUs: number): string {
  const writer = new CanonicalWriter();
  for (const node of nodes) {
    writer.token(`N${node.index}:${node.incarnation}:${node.up ? 1 : 0}${node.paused ? 1 : 0}`);
    writer.value(node.durable);
    writer.value(node.process);
    writer.token(`H${node.held.length}`);
    for (const ev of node.held) eventToken(writer, ev, nowUs);
  }
  const live = pending.filter((ev) => !ev.cancelled);
  const keyed = live.map((ev) => {
    const one = new CanonicalWriter();
    eventToken(one, ev, nowUs);
    return one.text();
  });
  keyed.sort();
  writer.token(`E${keyed.length}`);
  for (const key of keyed) writer.token(key);
  return writer.text();
}

/** One pending event: kind, node, sender, offset from now, and its payload's canonical form. */
function eventToken(writer: CanonicalWriter, ev: SimEvent, nowUs: number): void {
  const offsetUs = Math.max(0, ev.timeUs - nowUs);
  writer.token(`${ev.kind}:${ev.node}:${ev.from}:+${offsetUs}`);
  if (ev.kind === EventKind.Timer || ev.kind === EventKind.Mark) {
    const rec = ev.data as TimerRec;
    writer.token(rec.type);
    writer.value(rec.tag);
  } else if (ev.kind === EventKind.Deliver || ev.kind === EventKind.Fault) {
    writer.value(ev.data);
  }
}

/**
 * A 52-bit hash of `text` (two independent 32-bit FNV-1a style lanes, the second seeded
 * differently), as a safe-integer number so a visited set can hold it unboxed.
 */
export function hashText(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  return (a >>> 0) * 0x100000 + (b >>> 12);
}
