/**
 * The clock chart's lines, derived from the trace and the harness's clock samples: each node's
 * wall clock minus true time, and its clock jumps.
 */

import type { TraceEvent } from '../sim/types.js';
import type { NodeClockSamples } from '../explore/result.js';
import { eventMs, fieldDurationMs, fieldLocalMs, type EventRef } from './fields.js';

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
