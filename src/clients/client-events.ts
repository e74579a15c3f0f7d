/**
 * The client-side trace events (src/vocabulary/lock-events.ts) as both clients build them: the field
 * objects of `request`, `complete`, `skip` and `done`, with their keys always in the same order,
 * so a scripted client and an async client doing the same thing trace byte-identical events.
 */
import type { BastFields, CompleteFields, ModeName, RequestFields } from '../vocabulary/index.js';
import type { TraceFields } from '../sim/types.js';
import type { LockOutcome } from '../protocols/contract.js';
import type { StorageReadRequest, StorageWriteRequest } from '../storage/storage.js';

/** Why a `checkLease` step was not sent. */
export type SkipReason = 'lease-expired' | 'not-held';

/** Fields of the client's `skip` event. */
export interface SkipFields {
  client: string;
  resource: string;
  reason: SkipReason;
}

/** Fields of the client's `done` event. */
export interface DoneFields {
  client: string;
}

/**
 * A trace event's typed fields as the kernel's `trace` takes them. The field interfaces have no
 * index signature, so they are not assignable to TraceFields; this cast replaces the
 * `{ ...fields }` copy per event that used to satisfy the type (each fields object is fresh and
 * never touched again, so the kernel may copy it or keep it).
 */
export function asTraceFields(fields: RequestFields | CompleteFields | BastFields | SkipFields | DoneFields): TraceFields {
  return fields as unknown as TraceFields;
}

/**
 * The `complete` event's fields for `outcome`, keys always in the order client, resource, status,
 * mode, flags, value, token. The usual outcomes (no flags, no value) are built as literals: one
 * allocation of a fixed shape instead of a literal grown key by key.
 */
export function completeFields(client: string, resource: string, outcome: LockOutcome): CompleteFields {
  const { status, mode, flags, value, token } = outcome;
  if ((flags === undefined || flags.length === 0) && value === undefined) {
    if (mode === undefined) return token === undefined ? { client, resource, status } : { client, resource, status, token };
    return token === undefined ? { client, resource, status, mode } : { client, resource, status, mode, token };
  }
  const fields: CompleteFields = { client, resource, status };
  if (mode !== undefined) fields.mode = mode;
  if (flags !== undefined && flags.length > 0) fields.flags = [...flags];
  if (value !== undefined) fields.value = value;
  if (token !== undefined) fields.token = token;
  return fields;
}

/** The `request` event's fields; keys always in the order client, resource, op, mode, flags. */
export function requestFields(client: string, resource: string, op: RequestFields['op'], mode: ModeName | undefined, flags: readonly string[] | undefined): RequestFields {
  let fields: RequestFields;
  if (flags === undefined || flags.length === 0) {
    fields = mode === undefined ? { client, resource, op } : { client, resource, op, mode };
  } else {
    fields = { client, resource, op };
    if (mode !== undefined) fields.mode = mode;
    fields.flags = [...flags];
  }
  return fields;
}

/** A request to the storage. */
export type StorageRequest = StorageWriteRequest | StorageReadRequest;

/**
 * The storage request both clients send: keys in the order type, resource, value, token, reqId;
 * `token` only when the client attaches one, `value` only on a write.
 */
export function storageRequest(op: 'write' | 'read', resource: string, value: string, token: number | undefined, reqId: number): StorageRequest {
  if (op === 'read') return { type: 'read', resource, reqId };
  return token === undefined ? { type: 'write', resource, value, reqId } : { type: 'write', resource, value, token, reqId };
}
