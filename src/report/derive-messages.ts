/**
 * The space-time diagram's arrows, derived from the trace: each `send` paired with its
 * `deliver` or `drop`.
 */

import type { TraceEvent } from '../sim/types.js';
import { eventMs, fieldNum, fieldStr } from './fields.js';

/** What became of a message. `in-flight` when the run ended before it arrived. */
export type MessageFate = 'delivered' | 'dropped' | 'in-flight';

/** One message arrow: sent by `from` at `sendMs`, delivered to `to` (or dropped, or never). */
export interface MessageArrow {
  from: string;
  to: string;
  msg: string;
  sendMs: number;
  sendSeq: number;
  fate: MessageFate;
  /** Arrival (delivered) or loss (dropped) time. */
  endMs?: number;
  endSeq?: number;
  /** A second delivery of an already delivered message (network duplication). */
  duplicate: boolean;
}

function messageKey(from: string, to: string, msg: string): string {
  return `${from}\u0000${to}\u0000${msg}`;
}

/**
 * Pairs `send` with `deliver`/`drop`. A message id field (`id`) is used when the kernel traces
 * one; otherwise sends are matched in FIFO order per (from, to, msg). A delivery with nothing
 * pending is a duplicate of the last matched message on that key; `unmatched` counts arrivals
 * that match nothing at all (a trace cut mid-flight).
 */
export function deriveMessages(events: readonly TraceEvent[]): { messages: MessageArrow[]; unmatched: number } {
  const messages: MessageArrow[] = [];
  const pending = new Map<string, { queue: number[]; head: number; last: number | undefined }>();
  const byId = new Map<number, number>();
  let unmatched = 0;
  for (const event of events) {
    if (event.type !== 'send' && event.type !== 'deliver' && event.type !== 'drop') continue;
    const from = fieldStr(event, 'from') ?? (event.type === 'deliver' ? '?' : event.node);
    const to = fieldStr(event, 'to') ?? (event.type === 'deliver' ? event.node : '?');
    const msg = fieldStr(event, 'msg') ?? 'message';
    const id = fieldNum(event, 'id');
    const key = messageKey(from, to, msg);
    let slot = pending.get(key);
    if (slot === undefined) {
      slot = { queue: [], head: 0, last: undefined };
      pending.set(key, slot);
    }
    const tMs = eventMs(event);
    if (event.type === 'send') {
      const index = messages.length;
      messages.push({ from, to, msg, sendMs: tMs, sendSeq: event.seq, fate: 'in-flight', duplicate: false });
      slot.queue.push(index);
      if (id !== undefined) byId.set(id, index);
      continue;
    }
    let index: number | undefined;
    if (id !== undefined && byId.has(id)) {
      index = byId.get(id);
      const arrow = index !== undefined ? messages[index] : undefined;
      if (arrow !== undefined && arrow.fate !== 'in-flight') {
        index = undefined;
        if (event.type === 'deliver') {
          messages.push({ ...arrow, fate: 'delivered', endMs: tMs, endSeq: event.seq, duplicate: true });
        }
        continue;
      }
      if (index !== undefined) removeFromQueue(slot, index);
    } else if (slot.head < slot.queue.length) {
      index = slot.queue[slot.head];
      slot.head += 1;
    }
    if (index !== undefined) {
      const arrow = messages[index];
      if (arrow !== undefined) {
        arrow.fate = event.type === 'deliver' ? 'delivered' : 'dropped';
        arrow.endMs = tMs;
        arrow.endSeq = event.seq;
        slot.last = index;
      }
      if (slot.head > 1024 && slot.head * 2 > slot.queue.length) {
        slot.queue = slot.queue.slice(slot.head);
        slot.head = 0;
      }
      continue;
    }
    // Nothing pending on this key.
    const last = slot.last !== undefined ? messages[slot.last] : undefined;
    if (event.type === 'deliver' && last !== undefined) {
      messages.push({ ...last, fate: 'delivered', endMs: tMs, endSeq: event.seq, duplicate: true });
    } else if (event.type === 'drop') {
      // Lost at the sender, before any send was traced: a zero-length arrow that ends in a cross.
      messages.push({ from, to, msg, sendMs: tMs, sendSeq: event.seq, fate: 'dropped', endMs: tMs, endSeq: event.seq, duplicate: false });
    } else {
      unmatched += 1;
    }
  }
  return { messages, unmatched };
}

function removeFromQueue(slot: { queue: number[]; head: number }, index: number): void {
  const at = slot.queue.indexOf(index, slot.head);
  if (at >= 0) slot.queue.splice(at, 1);
}
