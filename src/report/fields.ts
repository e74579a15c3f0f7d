/**
 * Typed reads of a trace event's untyped `fields`. The report consumes traces written by many
 * producers (kernel, lock services, storage, checkers); a missing or oddly typed field must
 * degrade to "absent", never throw, so that one surprising event cannot make a report unreadable.
 */

import type { TraceEvent } from '../sim/types.js';

/** A pointer to one trace event, so a chart element can link to its trace row. */
export interface EventRef {
  seq: number;
  tMs: number;
}

/** A string field, or undefined when absent or not a string. */
export function fieldStr(event: TraceEvent, key: string): string | undefined {
  const value = event.fields?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** A finite number field, or undefined. */
export function fieldNum(event: TraceEvent, key: string): number | undefined {
  const value = event.fields?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A string-array field (e.g. `flags`), or undefined. Non-string entries are dropped. */
export function fieldStrList(event: TraceEvent, key: string): string[] | undefined {
  const value = event.fields?.[key];
  if (!Array.isArray(value)) return undefined;
  return value.filter((item): item is string => typeof item === 'string');
}

/** Partition groups (`string[][]`), or undefined. */
export function fieldGroups(event: TraceEvent, key: string): string[][] | undefined {
  const value = event.fields?.[key];
  if (!Array.isArray(value)) return undefined;
  const groups: string[][] = [];
  for (const group of value) {
    if (Array.isArray(group)) groups.push(group.filter((item): item is string => typeof item === 'string'));
  }
  return groups;
}

/**
 * A duration field in milliseconds, whichever unit its producer used: `<base>Us` (kernel
 * microseconds) or `<base>Ms` (scenario milliseconds). E.g. `durationMs(e, 'for')` reads
 * `forUs` / `forMs`.
 */
export function fieldDurationMs(event: TraceEvent, base: string): number | undefined {
  const us = fieldNum(event, `${base}Us`);
  if (us !== undefined) return us / 1000;
  return fieldNum(event, `${base}Ms`);
}

/**
 * The node's local wall-clock reading carried by the event, in milliseconds (the kernel writes
 * `local` in ms on every event of a simulated node): a number, or `{ wall, mono }` (then the
 * wall reading, which is the clock that jumps).
 */
export function fieldLocalMs(event: TraceEvent): number | undefined {
  const value = event.fields?.['local'];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const wall = (value as Record<string, unknown>)['wall'];
    if (typeof wall === 'number' && Number.isFinite(wall)) return wall;
  }
  return undefined;
}

/** True time of an event in milliseconds, rounded to the microsecond (the trace's precision). */
export function eventMs(event: TraceEvent): number {
  return event.tUs / 1000;
}
