/**
 * The two Redis commands that both Redis-backed protocols — Redlock's instances and the
 * single-instance lease lock — are built from: `SET key value NX PX ttl` to take a key, and the
 * unlock, which is either the compare-and-delete script (`if GET == value then DEL`, the spec's
 * release) or a plain DEL (the `release: 'del'` bug, pitfalls S08).
 *
 * Each protocol keeps its own message type names (`rl.*`, `ll.*`) so a trace says which service
 * a message belongs to, and its own key store: the two differ in what a key records (the lease
 * lock tracks the owner and traces grants; a Redlock instance does not), in when a key counts
 * as expired, and in fencing. What they share is written here once, so the compare-and-delete
 * rule and the command shapes cannot drift apart between the two.
 */
import type { Message, ProcessContext } from '../../sim/types.js';
import { str } from '../shared.js';

/** `SET key value NX PX pxMs` under the protocol's message type `T`, tagged with the client's operation id. */
export interface SetNxCommand<T extends string> extends Message {
  readonly type: T;
  readonly op: number;
  readonly key: string;
  readonly value: string;
  readonly pxMs: number;
}

/** The answer to a {@link SetNxCommand}: whether the key was set (it was absent or expired). */
export interface SetNxReply<T extends string> extends Message {
  readonly type: T;
  readonly op: number;
  readonly ok: boolean;
}

/** The unlock under type `T`: compare-and-delete when `value` is present, plain DEL when absent. */
export interface DelCommand<T extends string> extends Message {
  readonly type: T;
  readonly op: number;
  readonly key: string;
  readonly value?: string;
}

/** The answer to a {@link DelCommand}: whether a key was deleted. */
export interface DelReply<T extends string> extends Message {
  readonly type: T;
  readonly op: number;
  readonly deleted: boolean;
}

/**
 * The unlock of `key`: compare-and-delete on `value` when `compare`, else a plain DEL that
 * removes whoever's key is there.
 */
export function delCommand<T extends string>(type: T, op: number, key: string, value: string, compare: boolean): DelCommand<T> {
  return compare ? { type, op, key, value } : { type, op, key };
}

/** The value a DEL compares against (undefined: a plain DEL), or throws ProtocolMessageError. */
export function delExpected(node: string, from: string, payload: Message): string | undefined {
  return payload['value'] === undefined ? undefined : str(node, from, payload, 'value');
}

/**
 * Whether a DEL expecting `expected` deletes the live key `stored` (undefined: none): a plain
 * DEL deletes any key, compare-and-delete only the one holding its own value.
 */
export function delDeletes(stored: { readonly value: string } | undefined, expected: string | undefined): boolean {
  return stored !== undefined && (expected === undefined || stored.value === expected);
}

/**
 * The map stored on the node's disk under `location`, created empty on first use. Keys kept
 * there survive a crash (`persistence: 'fsync'`) with their absolute expiry times.
 */
export function durableMap<V>(ctx: ProcessContext, location: string): Map<string, V> {
  const existing = ctx.durable.get(location);
  if (existing instanceof Map) return existing as Map<string, V>;
  const created = new Map<string, V>();
  ctx.durable.set(location, created);
  return created;
}
