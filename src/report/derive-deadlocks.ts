/**
 * The deadlock section's cycles, derived from the result and the trace: each wait-for edge with
 * the events that created it.
 */

import type { TraceEvent } from '../sim/types.js';
import type { DeadlockReport } from '../explore/result.js';
import { eventMs, fieldStr, type EventRef } from './fields.js';
import { narrate } from './narrate.js';

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
  /** Absent for a cycle nobody resolved (`unresolved`). */
  victim?: string;
  /** A cycle the service never broke, reported by the `deadlock` checker as a violation. */
  unresolved?: true;
  /** When an unresolved cycle formed. */
  formedAtMs?: number;
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
 * resource and the holder's latest `grant` there, both before the deadlock event (for an
 * unresolved cycle, before the checker judged it). Deadlock
 * events of the trace that the result does not list are appended, so none is hidden.
 */
export function deriveDeadlocks(events: readonly TraceEvent[], reported: readonly DeadlockReport[]): DeadlockView[] {
  const deadlockEvents: number[] = [];
  events.forEach((event, index) => {
    if (event.type === 'deadlock') deadlockEvents.push(index);
  });
  const used = new Set<number>();
  const views: DeadlockView[] = [];
  const build = (cycle: DeadlockReport['cycle'], atMs: number, victim: string | undefined, eventIndex: number | undefined): DeadlockView => {
    const cut = eventIndex ?? upperBoundByTime(events, atMs);
    const view: DeadlockView = { atMs, edges: [] };
    if (victim !== undefined) view.victim = victim;
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
    if (report.unresolved === true) {
      const view = build(report.cycle, report.atMs, undefined, undefined);
      view.unresolved = true;
      if (report.formedAtMs !== undefined) view.formedAtMs = report.formedAtMs;
      views.push(view);
      continue;
    }
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
