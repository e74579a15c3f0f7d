/**
 * The fault intervals of the timeline and the space-time diagram, derived from the trace:
 * pauses, crashes, partitions, and link delay and drop windows.
 */

import type { TraceEvent } from '../sim/types.js';
import { eventMs, fieldDurationMs, fieldGroups, fieldStr } from './fields.js';

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
