/**
 * Pure functions that turn a run's trace (DESIGN §5.5) into the data the run report draws, one
 * file per concern: the lock timeline (derive-locks.ts), storage writes (derive-storage.ts),
 * each node's clock error (derive-clocks.ts), the messages and fault intervals of the space-time
 * diagram (derive-messages.ts, derive-faults.ts, derive-lanes.ts), deadlock cycles
 * (derive-deadlocks.ts) and the narrated trace (derive-trace.ts). This file runs them all for
 * one report. Every function is a single pass (or a few) over the events in order; none looks at
 * wall time or randomness.
 *
 * All times in the derived data are true-time milliseconds (`tUs / 1000`).
 */

import type { TraceEvent } from '../sim/types.js';
import type { NodeClockSamples, ReplayResult } from '../explore/result.js';
import { deriveClocks, type ClockJump, type ClockSeries } from './derive-clocks.js';
import { deriveDeadlocks, type DeadlockView } from './derive-deadlocks.js';
import { deriveFaultSpans, type FaultSpan } from './derive-faults.js';
import { orderNodes } from './derive-lanes.js';
import { deriveBeliefBars, deriveGrantBars, deriveQueueBars, type LockBar } from './derive-locks.js';
import { deriveMessages, type MessageArrow } from './derive-messages.js';
import { deriveStorageOps, type StorageOp } from './derive-storage.js';
import { deriveTraceRows, type TraceRow } from './derive-trace.js';
import { eventMs, fieldStr } from './fields.js';


/** Thrown when derived data would exceed a bound that keeps the report drawable. */
export class ReportBoundError extends Error {
  override readonly name = 'ReportBoundError';
}

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
