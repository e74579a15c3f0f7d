/**
 * Hand-written event streams for the checker tests: TraceEvent objects with increasing seq, times
 * given in milliseconds (as the pitfall timelines are) and stored in microseconds. Lock events
 * get the node their producer would have: client-side types the client, storage types
 * `storage`, service types `m1` unless given.
 */
import { createCheckers, type CheckerOptions, type CheckerSet, type InvariantName } from '../../src/check/index.js';
import type { CycleEdge, LockEventFields, LockEventType, ModeName, StatusName } from '../../src/vocabulary/index.js';
import type { TraceEvent, TraceFields } from '../../src/sim/types.js';

const clientSide: ReadonlySet<string> = new Set(['request', 'complete', 'bast', 'lapse']);
const storageSide: ReadonlySet<string> = new Set(['write', 'reject', 'read']);

export const ms = (t: number): number => Math.round(t * 1000);

export class Stream {
  readonly events: TraceEvent[] = [];
  private seq = 0;

  /** Append a raw event (any type, any fields). */
  raw(tMs: number, node: string, type: string, fields: TraceFields | undefined): this {
    this.seq += 1;
    this.events.push({ seq: this.seq, tUs: ms(tMs), node, type, fields });
    return this;
  }

  /** Append a lock-level event with its typed fields. */
  add<T extends LockEventType>(tMs: number, type: T, fields: LockEventFields[T], node?: string): this {
    const f = fields as unknown as TraceFields;
    const who = node ?? (clientSide.has(type) ? String(f.client) : storageSide.has(type) ? 'storage' : 'm1');
    return this.raw(tMs, who, type, { ...f });
  }

  request(tMs: number, client: string, resource: string, op: 'lock' | 'convert' | 'unlock' | 'cancel', mode?: ModeName, flags?: string[]): this {
    return this.add(tMs, 'request', { client, resource, op, ...(mode ? { mode } : {}), ...(flags ? { flags } : {}) });
  }

  complete(tMs: number, client: string, resource: string, status: StatusName, extra: Partial<LockEventFields['complete']> = {}): this {
    return this.add(tMs, 'complete', { client, resource, status, ...extra });
  }

  grant(tMs: number, client: string, resource: string, mode: ModeName, extra: Partial<LockEventFields['grant']> = {}, node?: string): this {
    return this.add(tMs, 'grant', { client, resource, mode, ...extra }, node);
  }

  release(tMs: number, client: string, resource: string, reason: LockEventFields['release']['reason'] = 'unlock'): this {
    return this.add(tMs, 'release', { client, resource, reason });
  }

  expire(tMs: number, client: string, resource: string): this {
    return this.add(tMs, 'expire', { client, resource });
  }

  holdEnd(tMs: number, resource: string, kept: string[] = [], node = 'm1'): this {
    return this.add(tMs, 'hold-end', { resource, kept }, node);
  }

  enqueue(tMs: number, client: string, resource: string, mode: ModeName, queue: 'waiting' | 'converting' = 'waiting', flags?: string[]): this {
    return this.add(tMs, 'enqueue', { client, resource, mode, queue, ...(flags ? { flags } : {}) });
  }

  dequeue(tMs: number, client: string, resource: string, reason: LockEventFields['dequeue']['reason'] = 'cancel'): this {
    return this.add(tMs, 'dequeue', { client, resource, reason });
  }

  write(tMs: number, client: string, resource: string, value: string, token?: number): this {
    return this.add(tMs, 'write', { client, resource, value, ...(token !== undefined ? { token } : {}) });
  }

  lvbWrite(tMs: number, client: string, resource: string, value: string): this {
    return this.add(tMs, 'lvb-write', { client, resource, value });
  }

  lvbInvalidate(tMs: number, resource: string, reason: string, client?: string): this {
    return this.add(tMs, 'lvb-invalidate', { resource, reason, ...(client ? { client } : {}) });
  }

  deadlock(tMs: number, victim: string, cycle: CycleEdge[], node = 'm1'): this {
    return this.add(tMs, 'deadlock', { victim, cycle }, node);
  }

  lapse(tMs: number, client: string, resource: string): this {
    return this.add(tMs, 'lapse', { client, resource });
  }

  crash(tMs: number, node: string): this {
    return this.raw(tMs, node, 'crash', {});
  }
}

/** Options for `check`: the invariants, and the rest of CheckerOptions (times in ms). */
export interface CheckOpts {
  livenessMs?: number;
  healMs?: number;
  deadlockBoundMs?: number;
  leaseChecking?: string[];
  endMs?: number;
}

/** Run `invariants` over the stream and finish at `endMs` (default: the last event's time). */
export function check(stream: Stream, invariants: InvariantName[], opts: CheckOpts = {}): CheckerSet {
  const options: CheckerOptions = {
    invariants,
    livenessUs: ms(opts.livenessMs ?? 60_000),
    healUs: ms(opts.healMs ?? 0),
    leaseChecking: new Set(opts.leaseChecking ?? []),
    ...(opts.deadlockBoundMs !== undefined ? { deadlockBoundUs: ms(opts.deadlockBoundMs) } : {}),
  };
  const set = createCheckers(options);
  for (const e of stream.events) set.onEvent(e);
  const last = stream.events[stream.events.length - 1];
  set.finish(opts.endMs !== undefined ? ms(opts.endMs) : (last?.tUs ?? 0));
  return set;
}
