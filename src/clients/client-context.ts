/**
 * What a user-written client sees: the context its async function gets (`ctx.lock`, `ctx.write`,
 * `ctx.now`, ...), the options it passes and the results it awaits. One module for these types
 * alone, so the client package and the library's public entry re-export the same list.
 */
import type { ModeName, StatusName } from '../vocabulary/index.js';

/** Options of `ctx.lock` and `ctx.convert`. */
export interface LockOptions {
  /** Request flags (NOQUEUE, QUECVT, CONVDEADLK, VALBLK, ...; the dlm reads them all, the exclusive protocols only NOQUEUE). */
  flags?: readonly string[];
  /** The value-block buffer to write (with VALBLK). */
  value?: string;
  /** Cancel the request if it is still pending after this many ms of the client's monotonic clock. */
  timeoutMs?: number;
  /** `lock` only: the parent resource (a lock this client holds), for resource trees (dlm). */
  parent?: string;
}

/** Options of `ctx.unlock`. */
export interface UnlockOptions {
  /** VALBLK / IVVALBLK. */
  flags?: readonly string[];
  /** The value block written back on unlock (with VALBLK). */
  value?: string;
}

/** How a lock or convert ended. */
export interface LockResult {
  readonly resource: string;
  /** GRANTED, or the refusal: NOTQUEUED, DEADLOCK, CANCELLED, ABORTED, BUSY, INVALID_ARG, ... */
  readonly status: StatusName;
  /** `status === 'GRANTED'`. */
  readonly granted: boolean;
  /** The mode now held on the resource (absent when none). */
  readonly mode: ModeName | undefined;
  /** The fencing token of the grant, when the service issues tokens. Pass it to `ctx.write` to fence. */
  readonly token: number | undefined;
  /** The value block returned (VALBLK). */
  readonly value: string | undefined;
  /** Status flags: VALNOTVALID, DEMOTED, ALTMODE. */
  readonly flags: readonly string[];
}

/** How an unlock ended (normally UNLOCKED). */
export interface UnlockResult {
  readonly resource: string;
  readonly status: StatusName;
}

/** Options of `ctx.write`. */
export interface WriteOptions {
  /** The fencing token to attach; without one, a token-checking storage rejects the write. */
  token?: number;
}

/** The storage's answer to a write. */
export interface WriteResult {
  /** False when the storage checks tokens and this one was missing or lower than the highest accepted. */
  readonly accepted: boolean;
  /** The highest token the storage has accepted for the resource (0: none). */
  readonly highestToken: number;
}

/** The storage's answer to a read. */
export interface ReadResult {
  /** The register's value (`''` if never written). */
  readonly value: string;
}

/** A reading of the client node's own clocks, in ms. */
export interface ClockReading {
  /** The wall clock: offset, drift and jumps included (what the host's wall clock would say on that machine). */
  readonly wallMs: number;
  /** The monotonic clock: drifts, never jumps (what the host's monotonic timer would say on that machine). */
  readonly monoMs: number;
}

/**
 * What a user-written client sees: its lock service, the storage and its own clocks, all
 * simulated. Every promise is resolved by the simulator (see the module comment), so await
 * nothing else.
 */
export interface ClientContext {
  /** The client's node id. */
  readonly id: string;
  /** Ask for a lock on `resource` in `mode` (default EX); resolves when the service answers. */
  lock(resource: string, mode?: ModeName, options?: LockOptions): Promise<LockResult>;
  /** Convert the lock held on `resource` to `mode` (dlm). */
  convert(resource: string, mode: ModeName, options?: LockOptions): Promise<LockResult>;
  /** Release the lock on `resource`; resolves when the service confirms. */
  unlock(resource: string, options?: UnlockOptions): Promise<UnlockResult>;
  /** Cancel the pending lock or convert on `resource` (its promise resolves with the outcome). No-op when none is pending. */
  cancel(resource: string): void;
  /** Read the storage register `resource`. */
  read(resource: string): Promise<ReadResult>;
  /** Write `value` to the storage register `resource`, with `options.token` when given. */
  write(resource: string, value: string, options?: WriteOptions): Promise<WriteResult>;
  /** Idle for `ms` of the client's monotonic clock. */
  sleep(ms: number): Promise<void>;
  /** Be busy for `ms` of the client's monotonic clock (a process pause that strikes inside stretches it). */
  work(ms: number): Promise<void>;
  /** The node's own wall and monotonic clocks (never true time). */
  now(): ClockReading;
  /** A float in [0, 1) from the node's seeded stream `node/<id>/random`. */
  random(): number;
}

/** A user-written client: an async function of its simulated context. */
export type ClientProgram = (ctx: ClientContext) => Promise<void>;
