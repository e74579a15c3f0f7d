/**
 * The storage chart's points, derived from the trace: every write the storage accepted or
 * rejected, with its token, flagged when a violation names it.
 */

import type { TraceEvent } from '../sim/types.js';
import type { ReplayResult } from '../explore/result.js';
import { eventMs, fieldNum, fieldStr } from './fields.js';

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
