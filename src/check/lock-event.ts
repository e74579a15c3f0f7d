/**
 * Reading trace events into the typed lock vocabulary of ./events.ts, once, with validation.
 *
 * The checkers judge the lock service from its events alone, so a producer that omits a field
 * would silently blind them. Every lock-level event is therefore validated here: a required
 * field that is missing or of the wrong type, or an enum value outside the vocabulary, throws a
 * CheckError naming the event's seq and type. Kernel events are passed over (null), except
 * `crash`, which ends a crashed client's pending requests and beliefs.
 */
import type {
  CycleEdge,
  LockEventFields,
  LockEventType,
  ModeName,
  RequestFields,
  StatusName,
} from './events.js';
import { isModeName } from './modes.js';
import type { TraceEvent } from '../sim/types.js';
import { CheckError } from './violation.js';

/** The position of an event in the run: its trace seq, true time and emitting node. */
export interface EventHead {
  readonly seq: number;
  readonly tUs: number;
  readonly node: string;
}

/** A validated lock-level event: `type` discriminates `f`, the typed fields. */
export type LockEvent = {
  [K in LockEventType]: EventHead & { readonly type: K; readonly f: LockEventFields[K] };
}[LockEventType];

/** A node crashed (kernel event); `crashed` is the node that lost its volatile state. */
export interface CrashEvent extends EventHead {
  readonly type: 'crash';
  readonly crashed: string;
}

/** What the checkers consume. */
export type CheckedEvent = LockEvent | CrashEvent;

const statuses: ReadonlySet<string> = new Set<StatusName>([
  'GRANTED', 'NOTQUEUED', 'DEADLOCK', 'ABORTED', 'CANCELLED', 'CANCELGRANT', 'UNLOCKED', 'BUSY',
  'INVALID_ARG', 'SUBLOCKS', 'PARNOTGRANT', 'TIMEOUT',
]);
const requestOps: ReadonlySet<string> = new Set<RequestFields['op']>(['lock', 'convert', 'unlock', 'cancel']);
const queues: ReadonlySet<string> = new Set(['waiting', 'converting']);
const releaseReasons: ReadonlySet<string> = new Set(['unlock', 'purge', 'cancel', 'demote', 'superseded']);
const dequeueReasons: ReadonlySet<string> = new Set(['cancel', 'notqueued', 'deadlock', 'purge']);

/** Field reader bound to one event, so every error names the event. */
class Reader {
  private readonly fields: Record<string, unknown>;

  constructor(private readonly e: TraceEvent) {
    this.fields = e.fields ?? {};
  }

  private fail(field: string, problem: string): never {
    throw new CheckError(this.e.seq, this.e.type, field, problem);
  }

  str(name: string): string {
    const v = this.fields[name];
    if (v === undefined) this.fail(name, 'is missing');
    if (typeof v !== 'string') this.fail(name, `must be a string, got ${JSON.stringify(v)}`);
    return v;
  }

  optStr(name: string): string | undefined {
    return this.fields[name] === undefined ? undefined : this.str(name);
  }

  num(name: string): number {
    const v = this.fields[name];
    if (v === undefined) this.fail(name, 'is missing');
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(name, `must be a finite number, got ${JSON.stringify(v)}`);
    return v;
  }

  optNum(name: string): number | undefined {
    return this.fields[name] === undefined ? undefined : this.num(name);
  }

  oneOf<T extends string>(name: string, allowed: ReadonlySet<string>): T {
    const v = this.str(name);
    if (!allowed.has(v)) this.fail(name, `must be one of ${[...allowed].join('|')}, got '${v}'`);
    return v as T;
  }

  mode(name: string): ModeName {
    const v = this.str(name);
    if (!isModeName(v)) this.fail(name, `must be a lock mode (NL CR CW PR PW EX), got '${v}'`);
    return v;
  }

  optMode(name: string): ModeName | undefined {
    return this.fields[name] === undefined ? undefined : this.mode(name);
  }

  optFlags(name: string): string[] | undefined {
    const v = this.fields[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) this.fail(name, 'must be an array of strings');
    return v as string[];
  }

  optBool(name: string): boolean | undefined {
    const v = this.fields[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.fail(name, `must be a boolean, got ${JSON.stringify(v)}`);
    return v;
  }

  cycle(name: string): CycleEdge[] {
    const v = this.fields[name];
    if (v === undefined) this.fail(name, 'is missing');
    if (!Array.isArray(v) || v.length === 0) this.fail(name, 'must be a non-empty array of edges');
    return v.map((edge: unknown, i: number) => {
      const at = `${name}[${i}]`;
      if (typeof edge !== 'object' || edge === null) this.fail(at, 'must be an object');
      const r = edge as Record<string, unknown>;
      for (const key of ['node', 'resource', 'waitsFor']) {
        if (typeof r[key] !== 'string') this.fail(`${at}.${key}`, 'must be a string');
      }
      if (!isModeName(r.mode)) this.fail(`${at}.mode`, 'must be a lock mode');
      if (r.heldMode !== undefined && !isModeName(r.heldMode)) this.fail(`${at}.heldMode`, 'must be a lock mode');
      const out: CycleEdge = { node: r.node as string, resource: r.resource as string, mode: r.mode, waitsFor: r.waitsFor as string };
      if (r.heldMode !== undefined) out.heldMode = r.heldMode as ModeName;
      return out;
    });
  }
}

/** Drop undefined members so the typed fields carry only what the event carried. */
function compact<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) {
    if (o[key] === undefined) delete o[key];
  }
  return o;
}

/**
 * Validate and type one trace event. Returns null for events the checkers do not read (kernel
 * events other than `crash`, and the checkers' own `violation` events).
 * @throws CheckError when a lock-level event is malformed.
 */
export function readEvent(e: TraceEvent): CheckedEvent | null {
  const head = { seq: e.seq, tUs: e.tUs, node: e.node };
  const r = new Reader(e);
  switch (e.type) {
    case 'crash': {
      const named = e.fields?.node;
      return { ...head, type: 'crash', crashed: typeof named === 'string' ? named : e.node };
    }
    case 'request': {
      const op = r.oneOf<RequestFields['op']>('op', requestOps);
      const f: RequestFields = compact({
        client: r.str('client'),
        resource: r.str('resource'),
        op,
        mode: op === 'lock' || op === 'convert' ? r.mode('mode') : r.optMode('mode'),
        flags: r.optFlags('flags'),
      });
      return { ...head, type: 'request', f };
    }
    case 'complete':
      return {
        ...head,
        type: 'complete',
        f: compact({
          client: r.str('client'),
          resource: r.str('resource'),
          status: r.oneOf<StatusName>('status', statuses),
          mode: r.optMode('mode'),
          flags: r.optFlags('flags'),
          value: r.optStr('value'),
          token: r.optNum('token'),
        }),
      };
    case 'bast':
      return { ...head, type: 'bast', f: { client: r.str('client'), resource: r.str('resource'), mode: r.mode('mode') } };
    case 'lapse':
      return { ...head, type: 'lapse', f: { client: r.str('client'), resource: r.str('resource') } };
    case 'enqueue':
      return {
        ...head,
        type: 'enqueue',
        f: compact({
          client: r.str('client'),
          resource: r.str('resource'),
          mode: r.mode('mode'),
          queue: r.oneOf<'waiting' | 'converting'>('queue', queues),
          flags: r.optFlags('flags'),
        }),
      };
    case 'grant':
      return {
        ...head,
        type: 'grant',
        f: compact({
          client: r.str('client'),
          resource: r.str('resource'),
          mode: r.mode('mode'),
          token: r.optNum('token'),
          value: r.optStr('value'),
          flags: r.optFlags('flags'),
          recovery: r.optBool('recovery'),
        }),
      };
    case 'release':
      return {
        ...head,
        type: 'release',
        f: {
          client: r.str('client'),
          resource: r.str('resource'),
          reason: r.oneOf<LockEventFields['release']['reason']>('reason', releaseReasons),
        },
      };
    case 'expire':
      return { ...head, type: 'expire', f: { client: r.str('client'), resource: r.str('resource') } };
    case 'dequeue':
      return {
        ...head,
        type: 'dequeue',
        f: {
          client: r.str('client'),
          resource: r.str('resource'),
          reason: r.oneOf<LockEventFields['dequeue']['reason']>('reason', dequeueReasons),
        },
      };
    case 'lvb-write':
      return { ...head, type: 'lvb-write', f: { client: r.str('client'), resource: r.str('resource'), value: r.str('value') } };
    case 'lvb-invalidate':
      return {
        ...head,
        type: 'lvb-invalidate',
        f: compact({ resource: r.str('resource'), reason: r.str('reason'), client: r.optStr('client') }),
      };
    case 'deadlock':
      return { ...head, type: 'deadlock', f: { victim: r.str('victim'), cycle: r.cycle('cycle') } };
    case 'write':
      return {
        ...head,
        type: 'write',
        f: compact({ client: r.str('client'), resource: r.str('resource'), value: r.str('value'), token: r.optNum('token') }),
      };
    case 'reject':
      return {
        ...head,
        type: 'reject',
        f: compact({
          client: r.str('client'),
          resource: r.str('resource'),
          value: r.str('value'),
          token: r.optNum('token'),
          highest: r.num('highest'),
        }),
      };
    case 'read':
      return { ...head, type: 'read', f: { client: r.str('client'), resource: r.str('resource'), value: r.str('value') } };
    default:
      return null;
  }
}
