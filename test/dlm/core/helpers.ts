/**
 * Small helpers for the lock-space table tests: compact views of queues and effects so each test
 * asserts exact outcomes in one line.
 */
import { LockSpace, statusFlagNames, type Effect, type LockSpaceOptions } from '../../../src/dlm/core/index.js';

/** A fresh space with the given options. */
export function space(options: LockSpaceOptions = {}): LockSpace {
  return new LockSpace(options);
}

/** Queues of a resource as `id:mode` (granted), `id:gr>rq` (converting), `id:rq` (waiting). */
export function queues(s: LockSpace, ...path: string[]): { granted: string[]; converting: string[]; waiting: string[] } | undefined {
  const r = s.resource(...path);
  if (r === undefined) return undefined;
  return {
    granted: r.granted.map((l) => `${l.lockId}:${l.grantedMode}`),
    converting: r.converting.map((l) => `${l.lockId}:${l.grantedMode}>${l.requestedMode}`),
    waiting: r.waiting.map((l) => `${l.lockId}:${l.requestedMode}`),
  };
}

/** Completions as `id op STATUS mode [FLAGS] =value`, in order. */
export function completions(effects: readonly Effect[]): string[] {
  const out: string[] = [];
  for (const e of effects) {
    if (e.type !== 'complete') continue;
    let line = `${e.lockId} ${e.op} ${e.status} ${e.mode ?? '-'}`;
    const flags = statusFlagNames(e.flags);
    if (flags.length > 0) line += ` [${flags.join(',')}]`;
    if (e.value !== undefined) line += ` =${e.value}`;
    out.push(line);
  }
  return out;
}

/** Basts as `id:mode`, in order. */
export function basts(effects: readonly Effect[]): string[] {
  return effects.flatMap((e) => (e.type === 'bast' ? [`${e.lockId}:${e.mode}`] : []));
}

/** The effect types, in order. */
export function types(effects: readonly Effect[]): string[] {
  return effects.map((e) => e.type);
}

/** Locks `owner` a lock and returns its id, failing the test when it is not granted at once. */
export function granted(s: LockSpace, owner: string, resource: string, mode: Parameters<LockSpace['lock']>[2], opts?: Parameters<LockSpace['lock']>[3]): number {
  const r = s.lock(owner, resource, mode, opts);
  if (r.status !== 'GRANTED') throw new Error(`expected ${owner} ${String(mode)} on ${resource} to be granted, got ${r.status} ${r.reason ?? ''}`);
  return r.lockId;
}

/** Locks and expects the request to be queued; returns the id. */
export function queued(s: LockSpace, owner: string, resource: string, mode: Parameters<LockSpace['lock']>[2], opts?: Parameters<LockSpace['lock']>[3]): number {
  const r = s.lock(owner, resource, mode, opts);
  if (r.status !== 'QUEUED') throw new Error(`expected ${owner} ${String(mode)} on ${resource} to be queued, got ${r.status} ${r.reason ?? ''}`);
  return r.lockId;
}

/** The value block of a resource as `value` plus `!` when invalid. */
export function lvb(s: LockSpace, ...path: string[]): string | undefined {
  const r = s.resource(...path);
  return r === undefined ? undefined : `${r.valueBlock.value}${r.valueBlock.valid ? '' : '!'}`;
}
