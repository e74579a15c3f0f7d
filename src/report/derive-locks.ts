/**
 * The lock timeline's intervals, derived from the trace: what the service granted, what each
 * client believed it held (the gap between the two is the lesson of most pitfalls), and how long
 * requests waited in a queue. One pass over the events each; times are true-time milliseconds.
 */

import type { TraceEvent } from '../sim/types.js';
import { eventMs, fieldNum, fieldStr, fieldStrList } from './fields.js';

/** Why a grant or belief interval ended. `open` means it was still running when the run ended. */
export type IntervalEnd =
  | 'release'
  | 'expire'
  | 'converted'
  | 'unlock'
  | 'complete'
  | 'lapse'
  | 'crash'
  | 'granted'
  | 'dequeue'
  | 'open';

/** One interval of a lock held (by the service's account, or in a client's belief). */
export interface LockBar {
  resource: string;
  client: string;
  mode: string;
  token?: number;
  fromMs: number;
  toMs: number;
  end: IntervalEnd;
  /** The event that started the interval (`grant` or `complete`). */
  seq: number;
  /** The event that ended it (absent when `end` is `open`). */
  endSeq?: number;
}

function intervalKey(resource: string, client: string): string {
  return `${resource}\u0000${client}`;
}

/**
 * What the lock service considered granted, per (resource, client): from a `grant` to the
 * `release` or `expire` of that grant, or a `hold-end` on its resource that does not keep it. A
 * second grant on the same key (a conversion) ends the first interval (`converted`) and starts a
 * new one in the new mode. Intervals still open at the end of the trace run to `endMs`.
 */
export function deriveGrantBars(events: readonly TraceEvent[], endMs: number): LockBar[] {
  const bars: LockBar[] = [];
  const open = new Map<string, number>();
  for (const event of events) {
    if (event.type === 'hold-end') {
      endUnkept(event, bars, open);
      continue;
    }
    if (event.type !== 'grant' && event.type !== 'release' && event.type !== 'expire') continue;
    const resource = fieldStr(event, 'resource');
    const client = fieldStr(event, 'client');
    if (resource === undefined || client === undefined) continue;
    const key = intervalKey(resource, client);
    const current = open.get(key);
    const tMs = eventMs(event);
    if (current !== undefined) {
      const bar = bars[current];
      if (bar !== undefined) {
        bar.toMs = tMs;
        bar.end = event.type === 'grant' ? 'converted' : event.type;
        bar.endSeq = event.seq;
      }
      open.delete(key);
    }
    if (event.type === 'grant') {
      const token = fieldNum(event, 'token');
      const bar: LockBar = {
        resource,
        client,
        mode: fieldStr(event, 'mode') ?? '?',
        fromMs: tMs,
        toMs: endMs,
        end: 'open',
        seq: event.seq,
      };
      if (token !== undefined) bar.token = token;
      open.set(key, bars.length);
      bars.push(bar);
    }
  }
  return bars;
}

/** A `hold-end`: the grants on its resource of every client not `kept` expire. */
function endUnkept(event: TraceEvent, bars: LockBar[], open: Map<string, number>): void {
  const resource = fieldStr(event, 'resource');
  const kept = fieldStrList(event, 'kept') ?? [];
  for (const [key, index] of [...open]) {
    const bar = bars[index];
    if (bar === undefined || bar.resource !== resource || kept.includes(bar.client)) continue;
    bar.toMs = eventMs(event);
    bar.end = 'expire';
    bar.endSeq = event.seq;
    open.delete(key);
  }
}

/**
 * How long each request waited in a queue at the service, per (resource, client): from its
 * `enqueue` to the `grant` that ends the wait (`granted`), or its `dequeue` (cancel, refusal,
 * deadlock victim) or a `release` of the queued lock (`release`, e.g. a purge).
 */
export function deriveQueueBars(events: readonly TraceEvent[], endMs: number): LockBar[] {
  const bars: LockBar[] = [];
  const open = new Map<string, number>();
  for (const event of events) {
    if (event.type !== 'enqueue' && event.type !== 'grant' && event.type !== 'dequeue' && event.type !== 'release') continue;
    const resource = fieldStr(event, 'resource');
    const client = fieldStr(event, 'client');
    if (resource === undefined || client === undefined) continue;
    const key = intervalKey(resource, client);
    const index = open.get(key);
    const tMs = eventMs(event);
    if (event.type === 'enqueue') {
      if (index !== undefined) continue;
      open.set(key, bars.length);
      bars.push({ resource, client, mode: fieldStr(event, 'mode') ?? '?', fromMs: tMs, toMs: endMs, end: 'open', seq: event.seq });
      continue;
    }
    const bar = index !== undefined ? bars[index] : undefined;
    if (bar === undefined) continue;
    bar.toMs = tMs;
    bar.end = event.type === 'grant' ? 'granted' : event.type;
    bar.endSeq = event.seq;
    open.delete(key);
  }
  return bars;
}

/**
 * What each client believed it held (DESIGN §4, belief-overlap): from the `complete` GRANTED it
 * learns, until it sends an `unlock` request, learns an outcome that leaves it holding nothing,
 * its own lease deadline lapses (`lapse`, for lease-checking clients), or it crashes. A
 * `complete` that leaves it holding a different mode or token starts a new interval.
 */
export function deriveBeliefBars(events: readonly TraceEvent[], endMs: number): LockBar[] {
  const bars: LockBar[] = [];
  const open = new Map<string, number>();
  const close = (key: string, tMs: number, end: IntervalEnd, seq: number): void => {
    const index = open.get(key);
    if (index === undefined) return;
    const bar = bars[index];
    if (bar !== undefined) {
      bar.toMs = tMs;
      bar.end = end;
      bar.endSeq = seq;
    }
    open.delete(key);
  };
  for (const event of events) {
    const tMs = eventMs(event);
    if (event.type === 'crash') {
      // A crashed client believes nothing: end every belief it had, in the order they began.
      for (const [key, index] of [...open]) {
        if (bars[index]?.client === event.node) close(key, tMs, 'crash', event.seq);
      }
      continue;
    }
    if (event.type !== 'complete' && event.type !== 'request' && event.type !== 'lapse') continue;
    const resource = fieldStr(event, 'resource');
    const client = fieldStr(event, 'client') ?? event.node;
    if (resource === undefined) continue;
    const key = intervalKey(resource, client);
    if (event.type === 'request') {
      if (fieldStr(event, 'op') === 'unlock') close(key, tMs, 'unlock', event.seq);
      continue;
    }
    if (event.type === 'lapse') {
      close(key, tMs, 'lapse', event.seq);
      continue;
    }
    const status = fieldStr(event, 'status');
    const mode = fieldStr(event, 'mode');
    const token = fieldNum(event, 'token');
    const index = open.get(key);
    const current = index !== undefined ? bars[index] : undefined;
    if (mode === undefined) {
      // The outcome leaves the client holding nothing (UNLOCKED, ABORTED, a refused new lock).
      close(key, tMs, 'complete', event.seq);
      continue;
    }
    const changed = current === undefined || current.mode !== mode || (token !== undefined && current.token !== token);
    if (status !== 'GRANTED' && current === undefined) continue;
    if (!changed) continue;
    close(key, tMs, 'converted', event.seq);
    const bar: LockBar = { resource, client, mode, fromMs: tMs, toMs: endMs, end: 'open', seq: event.seq };
    const keptToken = token ?? current?.token;
    if (keptToken !== undefined) bar.token = keptToken;
    open.set(key, bars.length);
    bars.push(bar);
  }
  return bars;
}
