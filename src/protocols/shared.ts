/**
 * What the three comparison protocols (redlock, zk, lease-lock) share: option reading with their
 * defaults, the request checks every driver applies before doing anything, bounded retry delays,
 * and the idle process that stands in for manager nodes a protocol does not use.
 *
 * All three services have a single exclusive lock and no conversions, value blocks or resource
 * trees (the scenario validator already refuses those in files); a driver answers anything else
 * with INVALID_ARG rather than guessing a meaning.
 */
import type { LockOutcome, LockRequest, ServiceOptions } from './contract.js';
import type { ClockKind, Message, Process, ProcessFactory, Rng } from '../sim/types.js';
import { msToUs } from '../sim/index.js';

/** The Redlock spec's per-instance timeout for a 10 s TTL ("~5–50 ms"), used when unset. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 50;

/**
 * Most acquisition attempts one lock request may make (each retry is one). A bound, not a
 * tuning knob: a run of 60 s with a 200 ms retry delay makes a few hundred; hitting it means a
 * retry loop that no longer advances time.
 */
export const MAX_ATTEMPTS_PER_REQUEST = 1_000_000;

/** Most operations a driver queues while it has no session (zk) — a bound on a runaway client. */
export const MAX_QUEUED_OPS = 10_000;

/** A ServiceOptions value a protocol cannot run with (a configuration error, not a bug). */
export class ProtocolConfigError extends Error {
  constructor(protocol: string, detail: string) {
    super(`lockstep ${protocol}: ${detail}`);
    this.name = 'ProtocolConfigError';
  }
}

/** A message whose fields do not match the protocol (a bug in whoever sent it). */
export class ProtocolMessageError extends Error {
  constructor(node: string, from: string, payload: Message, detail: string) {
    super(`lockstep: ${node} got a malformed '${payload.type}' from ${from}: ${detail}`);
    this.name = 'ProtocolMessageError';
  }
}

/** A protocol's own consistency check failed (a bug in src/protocols). */
export class ProtocolInvariantError extends Error {
  constructor(node: string, detail: string) {
    super(`lockstep: ${node}: protocol invariant broken: ${detail}`);
    this.name = 'ProtocolInvariantError';
  }
}

/** The client-side settings every driver reads, with the defaults of the scenario schema. */
export interface ClientSettings {
  /** The clock the client measures elapsed time and its lease deadline on. */
  clock: ClockKind;
  /** Subtracted from every local lease deadline. */
  marginUs: number;
  /** How long to wait for one reply before treating it as lost. */
  requestTimeoutUs: number;
  /** Upper bound of the random retry delay. */
  retryDelayUs: number;
}

/** Reads and checks the client settings; throws {@link ProtocolConfigError}. */
export function clientSettings(protocol: string, options: ServiceOptions): ClientSettings {
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!(Number.isFinite(requestTimeoutMs) && requestTimeoutMs > 0)) {
    throw new ProtocolConfigError(protocol, `requestTimeoutMs must be > 0, got ${requestTimeoutMs}`);
  }
  if (!(Number.isFinite(options.retryDelayMs) && options.retryDelayMs >= 0)) {
    throw new ProtocolConfigError(protocol, `retryDelayMs must be >= 0, got ${options.retryDelayMs}`);
  }
  const marginMs = options.clientMarginMs ?? 0;
  if (!(Number.isFinite(marginMs) && marginMs >= 0)) {
    throw new ProtocolConfigError(protocol, `clientMarginMs must be >= 0, got ${marginMs}`);
  }
  if (!(Number.isFinite(options.leaseMs) && options.leaseMs >= 0)) {
    throw new ProtocolConfigError(protocol, `leaseMs must be >= 0, got ${options.leaseMs}`);
  }
  return {
    clock: options.clientClock ?? 'mono',
    marginUs: msToUs(marginMs),
    requestTimeoutUs: msToUs(requestTimeoutMs),
    retryDelayUs: msToUs(options.retryDelayMs),
  };
}

/**
 * A random retry delay in [1 µs, maxUs] from `rng` (the client's `retry` stream). Never zero, so
 * a retry loop against an instance that answers instantly still moves time forward.
 */
export function retryDelayUs(rng: Rng, maxUs: number): number {
  return rng.int(1, Math.max(1, maxUs));
}

/**
 * Why `req` cannot be served by an exclusive-only service, as the outcome to report, or
 * undefined when it can. Locks must ask for EX (the only mode these services have); `convert`
 * does not exist; the only flag is NOQUEUE (try once instead of waiting).
 */
export function unsupported(req: LockRequest): LockOutcome | undefined {
  if (req.op === 'convert') return { status: 'INVALID_ARG' };
  if (req.op === 'lock') {
    if (req.mode !== 'EX') return { status: 'INVALID_ARG' };
    if (req.parent !== undefined || req.value !== undefined) return { status: 'INVALID_ARG' };
  }
  for (const flag of req.flags ?? []) {
    if (flag !== 'NOQUEUE') return { status: 'INVALID_ARG' };
  }
  return undefined;
}

/** Whether a lock request asks to fail instead of waiting. */
export function noQueue(req: LockRequest): boolean {
  return (req.flags ?? []).includes('NOQUEUE');
}

/**
 * A manager node a protocol does not use (zk with managers > 1: only m1 is the server). It
 * exists so that scenario faults naming it stay valid; it runs nothing and ignores messages.
 */
export function idleProcess(): ProcessFactory {
  return (): Process => ({ onMessage(): void {} });
}

/** The manager node ids m1..mN. */
export function managerIds(managers: number, protocol: string): string[] {
  if (!Number.isSafeInteger(managers) || managers < 1) {
    throw new ProtocolConfigError(protocol, `needs at least one manager node, got ${managers}`);
  }
  return Array.from({ length: managers }, (_, i) => `m${i + 1}`);
}

/** A lock value no other acquisition has: node id, a per-driver counter and 32 random bits. */
export function uniqueValue(clientId: string, counter: number, rng: Rng): string {
  const bits = rng.int(0, 0xffffffff).toString(16).padStart(8, '0');
  return `${clientId}:${counter}:${bits}`;
}

/** Reads a string field of a message, or throws {@link ProtocolMessageError}. */
export function str(node: string, from: string, payload: Message, field: string): string {
  const v = payload[field];
  if (typeof v !== 'string') throw new ProtocolMessageError(node, from, payload, `${field} must be a string`);
  return v;
}

/** Reads a safe-integer field of a message, or throws {@link ProtocolMessageError}. */
export function int(node: string, from: string, payload: Message, field: string): number {
  const v = payload[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new ProtocolMessageError(node, from, payload, `${field} must be a safe integer`);
  }
  return v;
}

/** Reads a boolean field of a message, or throws {@link ProtocolMessageError}. */
export function bool(node: string, from: string, payload: Message, field: string): boolean {
  const v = payload[field];
  if (typeof v !== 'boolean') throw new ProtocolMessageError(node, from, payload, `${field} must be a boolean`);
  return v;
}
