/**
 * Pure functions that turn a run's trace (DESIGN §5.5) into the data the run report draws:
 * what the service granted and what each client believed it held (the gap between the two is
 * the lesson of most pitfalls), storage writes with their tokens, each node's clock error,
 * the messages of the space-time diagram, pauses/crashes/partitions as intervals, deadlock
 * cycles with the events that built each edge, and the narrated trace. Every function is a
 * single pass (or a few) over the events in order; none looks at wall time or randomness.
 *
 * All times in the derived data are true-time milliseconds (`tUs / 1000`).
 */

import type { TraceEvent } from '../sim/types.js';
import type { DeadlockReport, NodeClockSamples, ReplayResult } from '../explore/result.js';
import { eventMs, fieldDurationMs, fieldGroups, fieldLocalMs, fieldNum, fieldStr } from './fields.js';
import { isSignificant, narrate } from './narrate.js';

/** Thrown when derived data would exceed a bound that keeps the report drawable. */
export class ReportBoundError extends Error {
  override readonly name = 'ReportBoundError';
}

/**
 * Trace sources that are not nodes of the simulated system: the kernel attributes network-wide
 * faults to `net`, and the checkers trace violations as `checker`. They get no lane.
 */
export const NON_NODE_SOURCES: ReadonlySet<string> = new Set(['net', 'checker']);

/** A pointer to one trace event, so a chart element can link to its trace row. */
export interface EventRef {
  seq: number;
  tMs: number;
}

// ----------------------------------------------------------------------------------------------
// Lock timeline.

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
 * `release` or `expire` of that grant. A second grant on the same key (a conversion) ends the
 * first interval (`converted`) and starts a new one in the new mode. Intervals still open at
 * the end of the trace run to `endMs`.
 */
export function deriveGrantBars(events: readonly TraceEvent[], endMs: number): LockBar[] {
  const bars: LockBar[] = [];
  const open = new Map<string, number>();
  for (const event of events) {
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

// ----------------------------------------------------------------------------------------------
// Storage.

/** One write the storage accepted or rejected. */
export interface StorageOp {
  tMs: number;
  seq: number;
  client: string;
  resource: string;
  accepted: boolean;
  token?: number;
  /** For a rejection: the highest token already accepted. */
  highest?: number;
  value: string;
  /** True when a stale-write or fencing violation was reported at this write. */
  violating: boolean;
}

/** Accepted (`write`) and rejected (`reject`) writes in trace order, flagged when a violation names them. */
export function deriveStorageOps(events: readonly TraceEvent[], result: Pick<ReplayResult, 'violations'>): StorageOp[] {
  const ops: StorageOp[] = [];
  for (const event of events) {
    if (event.type !== 'write' && event.type !== 'reject') continue;
    const resource = fieldStr(event, 'resource') ?? '?';
    const tMs = eventMs(event);
    const violating = result.violations.some(
      (v) =>
        (v.invariant === 'stale-write' || v.invariant === 'fencing') &&
        Math.abs(v.atMs - tMs) < 0.0005 &&
        (v.resource === undefined || v.resource === resource),
    );
    const op: StorageOp = {
      tMs,
      seq: event.seq,
      client: fieldStr(event, 'client') ?? '?',
      resource,
      accepted: event.type === 'write',
      value: fieldStr(event, 'value') ?? '',
      violating,
    };
    const token = fieldNum(event, 'token');
    if (token !== undefined) op.token = token;
    const highest = fieldNum(event, 'highest');
    if (highest !== undefined) op.highest = highest;
    ops.push(op);
  }
  return ops;
}

// ----------------------------------------------------------------------------------------------
// Clocks.

/** One node's clock error over time, in columns (compact when embedded). */
export interface ClockSeries {
  node: string;
  /** True time of each sample, ms. */
  tMs: number[];
  /** Local wall clock minus true time at that sample, ms. */
  offsetMs: number[];
  seq: number[];
}

/** A step of a node's wall clock. */
export interface ClockJump extends EventRef {
  node: string;
  byMs: number;
}

/**
 * Each node's clock error, sampled at every event that carries `local`, plus its clock jumps.
 * With the harness's samples (`exact`), every node it sampled gets a line even if it traces
 * nothing with `local`, and its jumps and drift changes are drawn at their instants; those
 * points carry seq -1 (no trace row).
 */
export function deriveClocks(events: readonly TraceEvent[], exact: readonly NodeClockSamples[] = []): { series: ClockSeries[]; jumps: ClockJump[] } {
  const byNode = new Map<string, ClockSeries>();
  const jumps: ClockJump[] = [];
  for (const event of events) {
    if (event.type === 'clock-jump') {
      jumps.push({ node: event.node, byMs: fieldDurationMs(event, 'by') ?? 0, seq: event.seq, tMs: eventMs(event) });
    }
    const localMs = fieldLocalMs(event);
    if (localMs === undefined) continue;
    let series = byNode.get(event.node);
    if (series === undefined) {
      series = { node: event.node, tMs: [], offsetMs: [], seq: [] };
      byNode.set(event.node, series);
    }
    series.tMs.push(eventMs(event));
    series.offsetMs.push(Math.round(localMs * 1000 - event.tUs) / 1000);
    series.seq.push(event.seq);
  }
  for (const samples of exact) {
    const fromEvents = byNode.get(samples.node);
    byNode.set(samples.node, mergeClockSamples(samples, fromEvents));
  }
  return { series: [...byNode.values()], jumps };
}

/** The harness's samples of a node's clock with the event samples, in time order (harness first at equal times). */
function mergeClockSamples(samples: NodeClockSamples, fromEvents: ClockSeries | undefined): ClockSeries {
  const out: ClockSeries = { node: samples.node, tMs: [], offsetMs: [], seq: [] };
  const n = samples.tUs.length;
  const m = fromEvents?.tMs.length ?? 0;
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const harnessMs = i < n ? samples.tUs[i]! / 1000 : Infinity;
    const eventMs = j < m ? fromEvents!.tMs[j]! : Infinity;
    if (harnessMs <= eventMs) {
      out.tMs.push(harnessMs);
      out.offsetMs.push(samples.offsetUs[i]! / 1000);
      out.seq.push(-1);
      i += 1;
    } else {
      out.tMs.push(eventMs);
      out.offsetMs.push(fromEvents!.offsetMs[j]!);
      out.seq.push(fromEvents!.seq[j]!);
      j += 1;
    }
  }
  return out;
}

// ----------------------------------------------------------------------------------------------
// Messages and fault intervals (the space-time diagram).

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

/** A time interval in which nodes were paused, crashed, or partitioned from each other. */
export interface FaultSpan {
  kind: 'pause' | 'crash' | 'partition' | 'delay' | 'drop-window';
  /** The paused/crashed node, every node of the partition's groups, or a link's sender. */
  nodes: string[];
  /** Partition groups (partitions only). */
  groups?: string[][];
  oneWay?: boolean;
  /** The link of a delay or drop window. */
  link?: { from: string; to: string };
  /** The extra latency of a delay window. */
  extraMs?: number;
  fromMs: number;
  toMs: number;
  /** True when the trace ended before the fault did. */
  open: boolean;
  seq: number;
  endSeq?: number;
}

function sameGroups(a: string[][] | undefined, b: string[][] | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Pause (`pause`→`resume`), crash (`crash`→`restart`), partition (`partition`→`heal`), and
 * link delay/drop windows (`delay`→`delay-end`, `drop-window`→`drop-window-end`) intervals. A `heal` that names groups closes the open partition with those groups, else the
 * oldest open one. A pause whose `resume` is missing but whose duration is traced ends after it.
 */
export function deriveFaultSpans(events: readonly TraceEvent[], endMs: number): FaultSpan[] {
  const spans: FaultSpan[] = [];
  const openPause = new Map<string, number>();
  const openCrash = new Map<string, number>();
  const openPartitions: number[] = [];
  const openLinks = new Map<string, number>();
  const closeSpan = (index: number | undefined, tMs: number, seq: number): void => {
    const span = index !== undefined ? spans[index] : undefined;
    if (span === undefined) return;
    span.toMs = tMs;
    span.open = false;
    span.endSeq = seq;
  };
  for (const event of events) {
    const tMs = eventMs(event);
    switch (event.type) {
      case 'pause': {
        const forMs = fieldDurationMs(event, 'for');
        openPause.set(event.node, spans.length);
        spans.push({
          kind: 'pause',
          nodes: [event.node],
          fromMs: tMs,
          toMs: forMs !== undefined ? Math.min(endMs, tMs + forMs) : endMs,
          open: forMs === undefined || tMs + forMs > endMs,
          seq: event.seq,
        });
        break;
      }
      case 'resume':
        closeSpan(openPause.get(event.node), tMs, event.seq);
        openPause.delete(event.node);
        break;
      case 'crash':
        openCrash.set(event.node, spans.length);
        spans.push({ kind: 'crash', nodes: [event.node], fromMs: tMs, toMs: endMs, open: true, seq: event.seq });
        break;
      case 'restart':
        closeSpan(openCrash.get(event.node), tMs, event.seq);
        openCrash.delete(event.node);
        break;
      case 'partition': {
        const groups = fieldGroups(event, 'groups') ?? [];
        const span: FaultSpan = {
          kind: 'partition',
          nodes: groups.flat(),
          groups,
          fromMs: tMs,
          toMs: endMs,
          open: true,
          seq: event.seq,
        };
        if (event.fields?.['oneWay'] === true) span.oneWay = true;
        openPartitions.push(spans.length);
        spans.push(span);
        break;
      }
      case 'heal': {
        const groups = fieldGroups(event, 'groups');
        let at = groups !== undefined ? openPartitions.findIndex((i) => sameGroups(spans[i]?.groups, groups)) : -1;
        if (at < 0 && openPartitions.length > 0) at = 0;
        if (at >= 0) {
          closeSpan(openPartitions[at], tMs, event.seq);
          openPartitions.splice(at, 1);
        }
        break;
      }
      case 'delay':
      case 'drop-window': {
        const from = fieldStr(event, 'from');
        const to = fieldStr(event, 'to');
        if (from === undefined || to === undefined) break;
        const forMs = fieldDurationMs(event, 'for');
        const span: FaultSpan = {
          kind: event.type,
          nodes: [from],
          link: { from, to },
          fromMs: tMs,
          toMs: forMs !== undefined ? Math.min(endMs, tMs + forMs) : endMs,
          open: forMs === undefined || tMs + forMs > endMs,
          seq: event.seq,
        };
        const extraMs = fieldDurationMs(event, 'extra');
        if (extraMs !== undefined) span.extraMs = extraMs;
        openLinks.set(`${event.type}\u0000${from}\u0000${to}`, spans.length);
        spans.push(span);
        break;
      }
      case 'delay-end':
      case 'drop-window-end': {
        const key = `${event.type.slice(0, -'-end'.length)}\u0000${fieldStr(event, 'from') ?? ''}\u0000${fieldStr(event, 'to') ?? ''}`;
        closeSpan(openLinks.get(key), tMs, event.seq);
        openLinks.delete(key);
        break;
      }
      default:
        break;
    }
  }
  return spans;
}

/**
 * The nodes in lane order: managers `m1..mN`, then the other nodes (clients), then `storage`;
 * names in natural order within each group (`c2` before `c10`). `NON_NODE_SOURCES` are left out.
 */
export function orderNodes(events: readonly TraceEvent[]): string[] {
  const seen = new Set<string>();
  const note = (name: string | undefined): void => {
    if (name !== undefined && name !== '') seen.add(name);
  };
  for (const event of events) {
    if (!NON_NODE_SOURCES.has(event.node)) note(event.node);
    note(fieldStr(event, 'client'));
    note(fieldStr(event, 'from'));
    note(fieldStr(event, 'to'));
    for (const group of fieldGroups(event, 'groups') ?? []) for (const name of group) note(name);
  }
  const group = (name: string): number => (/^m\d+$/.test(name) ? 0 : name === 'storage' ? 2 : 1);
  return [...seen].sort((a, b) => group(a) - group(b) || naturalCompare(a, b));
}

/** Compares names so that `c2` sorts before `c10`: text parts by code unit, digit runs by value. */
export function naturalCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i += 1) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  if (pa.length !== pb.length) return pa.length - pb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

// ----------------------------------------------------------------------------------------------
// Deadlocks.

/** An event that created a wait-for edge, with its narration. */
export interface EdgeEvent extends EventRef {
  type: string;
  node: string;
  text: string;
}

/** One edge of a found cycle, with the events that built it. */
export interface DeadlockEdgeView {
  node: string;
  resource: string;
  mode: string;
  waitsFor: string;
  /** The `enqueue` of `node`'s request on `resource` (why it waits). */
  waitEvent?: EdgeEvent;
  /** The latest `grant` to `waitsFor` on `resource` before the deadlock (what it waits for). */
  holdEvent?: EdgeEvent;
}

/** One deadlock: the cycle, the victim, and where it was found. */
export interface DeadlockView {
  atMs: number;
  victim: string;
  /** The node that found it, and the `deadlock` event (when traced). */
  detector?: string;
  seq?: number;
  edges: DeadlockEdgeView[];
}

function edgeEvent(event: TraceEvent): EdgeEvent {
  return { seq: event.seq, tMs: eventMs(event), type: event.type, node: event.node, text: narrate(event) };
}

function cycleFromEvent(event: TraceEvent): DeadlockReport['cycle'] {
  const raw = event.fields?.['cycle'];
  const cycle: DeadlockReport['cycle'] = [];
  if (!Array.isArray(raw)) return cycle;
  for (const edge of raw) {
    if (typeof edge !== 'object' || edge === null) continue;
    const record = edge as Record<string, unknown>;
    const node = record['node'];
    const resource = record['resource'];
    const mode = record['mode'];
    const waitsFor = record['waitsFor'];
    if (typeof node === 'string' && typeof resource === 'string' && typeof mode === 'string' && typeof waitsFor === 'string') {
      cycle.push({ node, resource, mode: mode as DeadlockReport['cycle'][number]['mode'], waitsFor });
    }
  }
  return cycle;
}

/**
 * The deadlocks of the result, each matched to its `deadlock` trace event (same time and
 * victim) and each edge to the events that created it: the waiter's latest `enqueue` on the
 * resource and the holder's latest `grant` there, both before the deadlock event. Deadlock
 * events of the trace that the result does not list are appended, so none is hidden.
 */
export function deriveDeadlocks(events: readonly TraceEvent[], reported: readonly DeadlockReport[]): DeadlockView[] {
  const deadlockEvents: number[] = [];
  events.forEach((event, index) => {
    if (event.type === 'deadlock') deadlockEvents.push(index);
  });
  const used = new Set<number>();
  const views: DeadlockView[] = [];
  const build = (cycle: DeadlockReport['cycle'], atMs: number, victim: string, eventIndex: number | undefined): DeadlockView => {
    const cut = eventIndex ?? upperBoundByTime(events, atMs);
    const view: DeadlockView = { atMs, victim, edges: [] };
    const found = eventIndex !== undefined ? events[eventIndex] : undefined;
    if (found !== undefined) {
      view.detector = found.node;
      view.seq = found.seq;
    }
    for (const edge of cycle) {
      const edgeView: DeadlockEdgeView = { node: edge.node, resource: edge.resource, mode: edge.mode, waitsFor: edge.waitsFor };
      for (let i = cut - 1; i >= 0; i -= 1) {
        const event = events[i];
        if (event === undefined || fieldStr(event, 'resource') !== edge.resource) continue;
        const client = fieldStr(event, 'client');
        if (edgeView.waitEvent === undefined && event.type === 'enqueue' && client === edge.node) edgeView.waitEvent = edgeEvent(event);
        if (edgeView.holdEvent === undefined && event.type === 'grant' && client === edge.waitsFor) edgeView.holdEvent = edgeEvent(event);
        if (edgeView.waitEvent !== undefined && edgeView.holdEvent !== undefined) break;
      }
      view.edges.push(edgeView);
    }
    return view;
  };
  for (const report of reported) {
    const match = deadlockEvents.find((index) => {
      const event = events[index];
      return (
        event !== undefined &&
        !used.has(index) &&
        Math.abs(eventMs(event) - report.atMs) < 0.0005 &&
        fieldStr(event, 'victim') === report.victim
      );
    });
    if (match !== undefined) used.add(match);
    const matchEvent = match !== undefined ? events[match] : undefined;
    const cycle = report.cycle.length > 0 || matchEvent === undefined ? report.cycle : cycleFromEvent(matchEvent);
    views.push(build(cycle, report.atMs, report.victim, match));
  }
  for (const index of deadlockEvents) {
    const event = events[index];
    if (used.has(index) || event === undefined) continue;
    views.push(build(cycleFromEvent(event), eventMs(event), fieldStr(event, 'victim') ?? '?', index));
  }
  return views;
}

/** Index of the first event with true time strictly after `atMs` (events are in time order). */
function upperBoundByTime(events: readonly TraceEvent[], atMs: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const event = events[mid];
    if (event !== undefined && eventMs(event) <= atMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ----------------------------------------------------------------------------------------------
// The narrated trace.

/** One row of the trace table. */
export interface TraceRow {
  seq: number;
  tMs: number;
  node: string;
  type: string;
  /** The resource the event concerns, when it names one. */
  resource?: string;
  /** Every node the event concerns (its node, client, sender and receiver), for filtering. */
  involved: string[];
  text: string;
  significant: boolean;
}

/** The narrated trace, one row per event, in event order. */
export function deriveTraceRows(events: readonly TraceEvent[]): TraceRow[] {
  return events.map((event) => {
    const involved = [event.node];
    for (const key of ['client', 'from', 'to', 'victim']) {
      const name = fieldStr(event, key);
      if (name !== undefined && !involved.includes(name)) involved.push(name);
    }
    const row: TraceRow = {
      seq: event.seq,
      tMs: eventMs(event),
      node: event.node,
      type: event.type,
      involved,
      text: narrate(event),
      significant: isSignificant(event),
    };
    const resource = fieldStr(event, 'resource');
    if (resource !== undefined) row.resource = resource;
    return row;
  });
}

// ----------------------------------------------------------------------------------------------
// Everything at once.

/** Caps that keep a report of any run drawable; past them the report says what it left out. */
export const REPORT_LIMITS = {
  /** Floating bars per timeline dataset (bars are not decimated). */
  timelineBars: 20_000,
} as const;

/** All the derived data one run report draws. */
export interface RunView {
  endMs: number;
  nodes: string[];
  resources: string[];
  grants: LockBar[];
  beliefs: LockBar[];
  /** Waits in a queue at the service (enqueue to grant/dequeue). */
  queued: LockBar[];
  /** Bars left out of the timeline beyond `REPORT_LIMITS.timelineBars` (per dataset, summed). */
  barsOmitted: number;
  storage: StorageOp[];
  clocks: ClockSeries[];
  jumps: ClockJump[];
  messages: MessageArrow[];
  unmatchedMessages: number;
  spans: FaultSpan[];
  deadlocks: DeadlockView[];
  rows: TraceRow[];
}

/**
 * Derives everything a run report shows. `endMs` is the later of the run's simulated length
 * and its last event, so open intervals reach the right edge of every chart.
 */
export function deriveRunView(events: readonly TraceEvent[], result: ReplayResult, clocks: readonly NodeClockSamples[] = []): RunView {
  for (let i = 1; i < events.length; i += 1) {
    const prev = events[i - 1];
    const next = events[i];
    if (prev !== undefined && next !== undefined && (next.tUs < prev.tUs || next.seq <= prev.seq)) {
      throw new ReportBoundError(`trace is not in event order at seq ${next.seq} (after seq ${prev.seq})`);
    }
  }
  const last = events[events.length - 1];
  const endMs = Math.max(result.stats.simMs, last !== undefined ? eventMs(last) : 0);
  const grantsAll = deriveGrantBars(events, endMs);
  const beliefsAll = deriveBeliefBars(events, endMs);
  const queuedAll = deriveQueueBars(events, endMs);
  const grants = grantsAll.slice(0, REPORT_LIMITS.timelineBars);
  const beliefs = beliefsAll.slice(0, REPORT_LIMITS.timelineBars);
  const queued = queuedAll.slice(0, REPORT_LIMITS.timelineBars);
  const resources: string[] = [];
  for (const bar of [...grantsAll, ...beliefsAll, ...queuedAll]) if (!resources.includes(bar.resource)) resources.push(bar.resource);
  for (const event of events) {
    const resource = fieldStr(event, 'resource');
    if (resource !== undefined && !resources.includes(resource)) resources.push(resource);
  }
  const clockView = deriveClocks(events, clocks);
  const messages = deriveMessages(events);
  return {
    endMs,
    nodes: orderNodes(events),
    resources,
    grants,
    beliefs,
    queued,
    barsOmitted: grantsAll.length - grants.length + beliefsAll.length - beliefs.length + queuedAll.length - queued.length,
    storage: deriveStorageOps(events, result),
    clocks: clockView.series,
    jumps: clockView.jumps,
    messages: messages.messages,
    unmatchedMessages: messages.unmatched,
    spans: deriveFaultSpans(events, endMs),
    deadlocks: deriveDeadlocks(events, result.deadlocks),
    rows: deriveTraceRows(events),
  };
}
