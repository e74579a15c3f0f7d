/**
 * Which nodes get a lane (and a trace filter entry), and in what order.
 */

import type { TraceEvent } from '../sim/types.js';
import { fieldGroups, fieldStr } from './fields.js';

/**
 * Trace sources that are not nodes of the simulated system: the kernel attributes network-wide
 * faults to `net`, and the checkers trace violations as `checker`. They get no lane.
 */
export const NON_NODE_SOURCES: ReadonlySet<string> = new Set(['net', 'checker']);


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
