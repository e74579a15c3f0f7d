/**
 * Reading trace events as the typed lock vocabulary of ./events.ts, once, with validation.
 *
 * The checkers judge the lock service from its events alone, so a producer that omits a field
 * would silently blind them. Every lock-level event is therefore validated here: a required
 * field that is missing or of the wrong type, or an enum value outside the vocabulary, throws a
 * CheckError naming the event's seq and type. Kernel events are passed over (null), except
 * `crash`, which ends a crashed client's pending requests and beliefs.
 *
 * Validation allocates nothing: a valid lock event *is* its typed view (the same object, its
 * `fields` read in place), because the checkers run on every event of every simulated run and
 * a copy per event would cost more than the judgements. Checkers therefore must not mutate an
 * event's fields (they belong to the trace, which the hasher and recorder see too).
 */
import type { DequeueFields, EnqueueFields, LockEventFields, LockEventType, ReleaseFields, RequestFields, StatusName } from '../vocabulary/index.js';
import { isModeName } from './modes.js';
import type { TraceEvent } from '../sim/types.js';
import { CheckError } from './violation.js';

/** The position of an event in the run: its trace seq, true time and emitting node. */
export interface EventHead {
  readonly seq: number;
  readonly tUs: number;
  readonly node: string;
}

/** A validated lock-level event: `type` discriminates `fields`, the typed fields. */
export type LockEvent = {
  [K in LockEventType]: EventHead & { readonly type: K; readonly fields: LockEventFields[K] };
}[LockEventType];

/** A node crashed (kernel event); `crashed` is the node that lost its volatile state. */
export interface CrashEvent extends EventHead {
  readonly type: 'crash';
  readonly crashed: string;
}

/**
 * A watch notification a coordination service sent (zk and etcd servers trace `notify`): `client`
 * was woken because `cause` changed (`change`), under the watched `path`. The `herd` invariant
 * counts them per change.
 */
export interface NotifyEvent extends EventHead {
  readonly type: 'notify';
  readonly fields: { readonly client: string; readonly path: string; readonly cause: string; readonly change: string };
}

/** What the checkers consume. */
export type CheckedEvent = LockEvent | CrashEvent | NotifyEvent;

/** The event types the checkers consume: the lock vocabulary, the kernel's `crash` and the services' `notify`. */
export type CheckedType = CheckedEvent['type'];

/** Every CheckedType, in the order of events.ts, then `crash` and `notify`. */
export const checkedTypes: readonly CheckedType[] = [
  'request', 'complete', 'bast', 'lapse', 'enqueue', 'grant', 'release', 'expire', 'hold-end', 'dequeue',
  'lvb-write', 'lvb-invalidate', 'deadlock', 'write', 'reject', 'read', 'crash', 'notify',
];

// The vocabularies, as lists for messages and as switches for the checks: a switch on a string
// literal is a few pointer compares where a Set look-up hashes (this runs for every lock event).
const statuses: readonly StatusName[] = [
  'GRANTED', 'NOTQUEUED', 'DEADLOCK', 'ABORTED', 'CANCELLED', 'CANCELGRANT', 'UNLOCKED', 'BUSY',
  'INVALID_ARG', 'SUBLOCKS', 'PARNOTGRANT', 'TIMEOUT',
];
function isStatus(s: string): boolean {
  switch (s) {
    case 'GRANTED': case 'NOTQUEUED': case 'DEADLOCK': case 'ABORTED': case 'CANCELLED': case 'CANCELGRANT':
    case 'UNLOCKED': case 'BUSY': case 'INVALID_ARG': case 'SUBLOCKS': case 'PARNOTGRANT': case 'TIMEOUT':
      return true;
    default:
      return false;
  }
}
const requestOps: readonly RequestFields['op'][] = ['lock', 'convert', 'unlock', 'cancel'];
function isRequestOp(s: string): boolean {
  return s === 'lock' || s === 'convert' || s === 'unlock' || s === 'cancel';
}
const queues: readonly EnqueueFields['queue'][] = ['waiting', 'converting'];
function isQueue(s: string): boolean {
  return s === 'waiting' || s === 'converting';
}
const releaseReasons: readonly ReleaseFields['reason'][] = ['unlock', 'purge', 'cancel', 'demote', 'superseded'];
function isReleaseReason(s: string): boolean {
  return s === 'unlock' || s === 'purge' || s === 'cancel' || s === 'demote' || s === 'superseded';
}
const dequeueReasons: readonly DequeueFields['reason'][] = ['cancel', 'notqueued', 'deadlock', 'purge', 'reset'];
function isDequeueReason(s: string): boolean {
  return s === 'cancel' || s === 'notqueued' || s === 'deadlock' || s === 'purge' || s === 'reset';
}

type Fields = Readonly<Record<string, unknown>>;

/** The fields of an event that carries none: every required field then reads as missing. */
const noFields: Fields = Object.freeze({});

function fieldsOf(e: TraceEvent): Fields {
  return e.fields ?? noFields;
}

// Field checks: each takes the field's name and value (read by the validator with a literal
// property access, which stays fast where a computed key would not) and throws a CheckError
// naming the event when it is wrong. None allocates on success.

function fail(e: TraceEvent, field: string, problem: string): never {
  throw new CheckError(e.seq, e.type, field, problem);
}

function str(e: TraceEvent, name: string, v: unknown): string {
  if (typeof v === 'string') return v;
  return fail(e, name, v === undefined ? 'is missing' : `must be a string, got ${JSON.stringify(v)}`);
}

function optStr(e: TraceEvent, name: string, v: unknown): void {
  if (v !== undefined) str(e, name, v);
}

function num(e: TraceEvent, name: string, v: unknown): void {
  if (typeof v === 'number' && Number.isFinite(v)) return;
  fail(e, name, v === undefined ? 'is missing' : `must be a finite number, got ${JSON.stringify(v)}`);
}

function optNum(e: TraceEvent, name: string, v: unknown): void {
  if (v !== undefined) num(e, name, v);
}

function oneOf(e: TraceEvent, name: string, v: unknown, is: (s: string) => boolean, allowed: readonly string[]): string {
  const s = str(e, name, v);
  if (!is(s)) fail(e, name, `must be one of ${allowed.join('|')}, got '${s}'`);
  return s;
}

function mode(e: TraceEvent, name: string, v: unknown): void {
  const s = str(e, name, v);
  if (!isModeName(s)) fail(e, name, `must be a lock mode (NL CR CW PR PW EX), got '${s}'`);
}

function optMode(e: TraceEvent, name: string, v: unknown): void {
  if (v !== undefined) mode(e, name, v);
}

function optFlags(e: TraceEvent, name: string, v: unknown): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) fail(e, name, 'must be an array of strings');
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') fail(e, name, 'must be an array of strings');
}

function strings(e: TraceEvent, name: string, v: unknown): void {
  if (v === undefined) fail(e, name, 'is missing');
  optFlags(e, name, v);
}

function optBool(e: TraceEvent, name: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean') fail(e, name, `must be a boolean, got ${JSON.stringify(v)}`);
}

const edgeStrings = ['node', 'resource', 'waitsFor'] as const;

function cycle(e: TraceEvent, name: string, v: unknown): void {
  if (v === undefined) fail(e, name, 'is missing');
  if (!Array.isArray(v) || v.length === 0) fail(e, name, 'must be a non-empty array of edges');
  for (let i = 0; i < v.length; i++) {
    const edge: unknown = v[i];
    const at = `${name}[${i}]`;
    if (typeof edge !== 'object' || edge === null) fail(e, at, 'must be an object');
    const r = edge as Record<string, unknown>;
    for (const key of edgeStrings) if (typeof r[key] !== 'string') fail(e, `${at}.${key}`, 'must be a string');
    if (!isModeName(r.mode)) fail(e, `${at}.mode`, 'must be a lock mode');
    if (r.heldMode !== undefined && !isModeName(r.heldMode)) fail(e, `${at}.heldMode`, 'must be a lock mode');
  }
}

/** Validates `e` (of the type it is registered under) and returns its typed view. */
type Validator = (e: TraceEvent) => CheckedEvent;

/** Once validated, an event is its own typed view. */
function typed(e: TraceEvent): LockEvent {
  return e as unknown as LockEvent;
}

// Fields are checked in the same order for every type (client, resource, then the rest as
// events.ts lists them), so the first problem reported is stable.
const validators: ReadonlyMap<string, Validator> = new Map<CheckedType, Validator>([
  ['crash', (e) => {
    const named = e.fields?.node;
    return { seq: e.seq, tUs: e.tUs, node: e.node, type: 'crash', crashed: typeof named === 'string' ? named : e.node };
  }],
  ['notify', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'path', f.path);
    str(e, 'cause', f.cause);
    str(e, 'change', f.change);
    return e as unknown as NotifyEvent;
  }],
  ['request', (e) => {
    const f = fieldsOf(e);
    const op = oneOf(e, 'op', f.op, isRequestOp, requestOps);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    if (op === 'lock' || op === 'convert') mode(e, 'mode', f.mode);
    else optMode(e, 'mode', f.mode);
    optFlags(e, 'flags', f.flags);
    return typed(e);
  }],
  ['complete', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    oneOf(e, 'status', f.status, isStatus, statuses);
    optMode(e, 'mode', f.mode);
    optFlags(e, 'flags', f.flags);
    optStr(e, 'value', f.value);
    optNum(e, 'token', f.token);
    return typed(e);
  }],
  ['bast', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    mode(e, 'mode', f.mode);
    return typed(e);
  }],
  ['lapse', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    return typed(e);
  }],
  ['enqueue', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    mode(e, 'mode', f.mode);
    oneOf(e, 'queue', f.queue, isQueue, queues);
    optFlags(e, 'flags', f.flags);
    return typed(e);
  }],
  ['grant', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    mode(e, 'mode', f.mode);
    optNum(e, 'token', f.token);
    optStr(e, 'value', f.value);
    optFlags(e, 'flags', f.flags);
    optBool(e, 'recovery', f.recovery);
    return typed(e);
  }],
  ['release', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    oneOf(e, 'reason', f.reason, isReleaseReason, releaseReasons);
    return typed(e);
  }],
  ['expire', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    return typed(e);
  }],
  ['hold-end', (e) => {
    const f = fieldsOf(e);
    str(e, 'resource', f.resource);
    strings(e, 'kept', f.kept);
    return typed(e);
  }],
  ['dequeue', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    oneOf(e, 'reason', f.reason, isDequeueReason, dequeueReasons);
    return typed(e);
  }],
  ['lvb-write', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    str(e, 'value', f.value);
    return typed(e);
  }],
  ['lvb-invalidate', (e) => {
    const f = fieldsOf(e);
    str(e, 'resource', f.resource);
    str(e, 'reason', f.reason);
    optStr(e, 'client', f.client);
    return typed(e);
  }],
  ['deadlock', (e) => {
    const f = fieldsOf(e);
    str(e, 'victim', f.victim);
    cycle(e, 'cycle', f.cycle);
    return typed(e);
  }],
  ['write', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    str(e, 'value', f.value);
    optNum(e, 'token', f.token);
    return typed(e);
  }],
  ['reject', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    str(e, 'value', f.value);
    optNum(e, 'token', f.token);
    num(e, 'highest', f.highest);
    return typed(e);
  }],
  ['read', (e) => {
    const f = fieldsOf(e);
    str(e, 'client', f.client);
    str(e, 'resource', f.resource);
    str(e, 'value', f.value);
    return typed(e);
  }],
]);

/**
 * The validator for events of `type`, or undefined for a type the checkers do not read (kernel
 * events other than `crash`, and the checkers' own `violation` events). The CheckerSet looks
 * this up once per type, not per event.
 */
export function readerFor(type: string): Validator | undefined {
  return validators.get(type);
}

/**
 * Validate and type one trace event: the event itself, typed (a `crash` becomes a CrashEvent),
 * or null for events the checkers do not read.
 * @throws CheckError when a lock-level event is malformed.
 */
export function readEvent(e: TraceEvent): CheckedEvent | null {
  const read = validators.get(e.type);
  return read === undefined ? null : read(e);
}

