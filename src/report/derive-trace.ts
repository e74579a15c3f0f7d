/**
 * The trace table's rows: every event, narrated, with the nodes and resource it concerns.
 */

import type { TraceEvent } from '../sim/types.js';
import { eventMs, fieldStr } from './fields.js';
import { isSignificant, narrate } from './narrate.js';

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
