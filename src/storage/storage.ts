/**
 * The storage service: the resource the locks protect (DESIGN §1 `storage/`, pitfalls §0
 * "Storage"). One node, `storage`, holding one register per resource name. It may check fencing
 * tokens (pitfalls S02): with `checkTokens`, a write whose token is lower than the highest token
 * it has accepted for that resource is rejected — equal is accepted, because one holder may write
 * several times under one grant.
 *
 * The storage is deliberately ignorant of locks: it never asks the lock service anything. What it
 * accepts and rejects goes to the trace (`write`, `reject`, `read`), and the checkers judge it
 * there (stale-write, fencing). That is the point of the exercise: the only protection a resource
 * has against a client whose lock has silently ended is the token the client presents.
 */
import type { StorageReadFields, StorageRejectFields, StorageWriteFields } from '../vocabulary/index.js';
import type { Message, Process, ProcessContext, ProcessFactory } from '../sim/types.js';

/** The default node id of the storage service (DESIGN §5.2 node names). */
export const STORAGE_NODE_ID = 'storage';

/** A client asks the storage to overwrite the register `resource` with `value`. */
export interface StorageWriteRequest extends Message {
  readonly type: 'write';
  readonly resource: string;
  readonly value: string;
  /** The client's fencing token for `resource`, when it has one. */
  readonly token?: number;
  /** Request id; strictly increasing per sender over the whole run (see {@link storageProcess}). */
  readonly reqId: number;
}

/** A client asks the storage for the current value of the register `resource`. */
export interface StorageReadRequest extends Message {
  readonly type: 'read';
  readonly resource: string;
  /** Request id; strictly increasing per sender over the whole run (shared with writes). */
  readonly reqId: number;
}

/** The storage's answer to a {@link StorageWriteRequest}. */
export interface StorageWriteAck extends Message {
  readonly type: 'write-ack';
  readonly resource: string;
  readonly reqId: number;
  readonly accepted: boolean;
  /** The highest token accepted for `resource` after this write; 0 when none has been accepted. */
  readonly highest: number;
}

/** The storage's answer to a {@link StorageReadRequest}. */
export interface StorageReadAck extends Message {
  readonly type: 'read-ack';
  readonly resource: string;
  readonly reqId: number;
  /** The register's value; `''` for a register never written. */
  readonly value: string;
}

/** Every message a client may send to the storage. */
export type StorageRequest = StorageWriteRequest | StorageReadRequest;
/** Every message the storage sends back. */
export type StorageReply = StorageWriteAck | StorageReadAck;

/** Options of the storage node (DESIGN §5.2 `storage`). */
export interface StorageOptions {
  /** Reject writes whose token is lower than the highest accepted one (and writes with no token). */
  checkTokens: boolean;
  /**
   * Test-only broken variant: accept every write even when `checkTokens` is on. It exists so the
   * stale-write and fencing checkers can be shown to fire (DESIGN §6). Never set by scenario files.
   */
  ignoreTokens?: boolean;
}

/** A storage request that does not have the shape of {@link StorageRequest}: a bug in the sender. */
export class StorageMessageError extends Error {
  constructor(from: string, detail: string) {
    super(`storage: malformed message from ${from}: ${detail}`);
    this.name = 'StorageMessageError';
  }
}

/** One register: its value and the highest fencing token accepted for it (undefined: none yet). */
interface Register {
  value: string;
  highestToken: number | undefined;
}

/** The last request answered for one sender, kept so a duplicated request is answered, not re-applied. */
interface LastReply {
  reqId: number;
  reply: StorageReply;
}

/** Keys of the storage's durable state (its disk): the registers survive a crash of the node. */
const DURABLE_REGISTERS = 'storage/registers';
const DURABLE_LAST_REPLY = 'storage/last-reply';

/** Upper bound on distinct resources and senders the storage tracks: a runaway workload must fail loudly. */
export const STORAGE_MAX_ENTRIES = 1_000_000;

/**
 * The token rule, pure so that it can be tested and reused: should a write carrying `token` be
 * accepted when `highestToken` is the highest token accepted so far for its resource?
 *
 * - Without `checkTokens` (or with the `ignoreTokens` mutation) every write is accepted.
 * - With `checkTokens`, a write with no token is rejected: a storage that checks tokens cannot
 *   tell an unfenced writer from a stale one, so it refuses both (Chubby's `CheckSequencer`).
 * - Otherwise a write is accepted iff `token >= highestToken` (or no token was accepted yet).
 */
export function acceptsWrite(
  options: StorageOptions,
  highestToken: number | undefined,
  token: number | undefined,
): boolean {
  if (!options.checkTokens || options.ignoreTokens === true) return true;
  if (token === undefined) return false;
  return highestToken === undefined || token >= highestToken;
}

function durableMap<V>(ctx: ProcessContext, key: string): Map<string, V> {
  const existing = ctx.durable.get(key);
  if (existing instanceof Map) return existing as Map<string, V>;
  const created = new Map<string, V>();
  ctx.durable.set(key, created);
  return created;
}

function requireString(from: string, payload: Message, field: string): string {
  const v = payload[field];
  if (typeof v !== 'string') throw new StorageMessageError(from, `${payload.type}.${field} must be a string`);
  return v;
}

function requireReqId(from: string, payload: Message): number {
  const v = payload['reqId'];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new StorageMessageError(from, `${payload.type}.reqId must be a safe integer`);
  }
  return v;
}

function optionalToken(from: string, payload: Message): number | undefined {
  const v = payload['token'];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new StorageMessageError(from, 'write.token must be a safe integer when present');
  }
  return v;
}

/**
 * The storage node's process.
 *
 * - `write` → `write-ack`: applies the token rule ({@link acceptsWrite}); traces `write`
 *   {client, resource, value, token?} when accepted and `reject` {client, resource, value,
 *   token?, highest} when not (`highest` = the highest accepted token, 0 when none). `client` is
 *   the sending node. The register's highest token only grows (max of accepted tokens), also when
 *   tokens are not checked, so the ack always reports what the storage has seen.
 * - `read` → `read-ack` with the register's value (`''` if never written); traces `read`.
 * - Duplicates: each sender's `reqId`s must strictly increase over the run (a sender has at most
 *   one request in flight). A request whose `reqId` equals the sender's last one is a network
 *   duplicate or a retransmission: it gets the same reply again and is neither re-applied nor
 *   traced. One with a lower `reqId` is an old copy its sender no longer waits for: dropped.
 *   This is the at-most-once behaviour of any RPC server with request ids; a write that is merely
 *   *late* (a delay fault, pitfalls S01 variant C) is still applied when it arrives.
 * - Crash: the registers and the duplicate table live in `ctx.durable` (the disk) and survive.
 * - Other message types are ignored: the storage is reachable by anything on the network.
 */
export function storageProcess(opts: StorageOptions): ProcessFactory {
  const options: StorageOptions = { ...opts };
  return (ctx: ProcessContext): Process => {
    const registers = durableMap<Register>(ctx, DURABLE_REGISTERS);
    const lastReplies = durableMap<LastReply>(ctx, DURABLE_LAST_REPLY);

    function register(from: string, resource: string): Register {
      let reg = registers.get(resource);
      if (reg === undefined) {
        if (registers.size >= STORAGE_MAX_ENTRIES) {
          throw new StorageMessageError(from, `more than ${STORAGE_MAX_ENTRIES} resources`);
        }
        reg = { value: '', highestToken: undefined };
        registers.set(resource, reg);
      }
      return reg;
    }

    /** Returns true when the request is a duplicate (already answered or obsolete). */
    function handledAsDuplicate(from: string, reqId: number): boolean {
      const last = lastReplies.get(from);
      if (last === undefined || reqId > last.reqId) return false;
      if (reqId === last.reqId) ctx.send(from, last.reply);
      return true;
    }

    function remember(from: string, reqId: number, reply: StorageReply): void {
      if (!lastReplies.has(from) && lastReplies.size >= STORAGE_MAX_ENTRIES) {
        throw new StorageMessageError(from, `more than ${STORAGE_MAX_ENTRIES} senders`);
      }
      lastReplies.set(from, { reqId, reply });
      ctx.send(from, reply);
    }

    function onWrite(from: string, payload: Message): void {
      const resource = requireString(from, payload, 'resource');
      const value = requireString(from, payload, 'value');
      const token = optionalToken(from, payload);
      const reqId = requireReqId(from, payload);
      if (handledAsDuplicate(from, reqId)) return;
      const reg = register(from, resource);
      const accepted = acceptsWrite(options, reg.highestToken, token);
      if (accepted) {
        reg.value = value;
        if (token !== undefined && (reg.highestToken === undefined || token > reg.highestToken)) {
          reg.highestToken = token;
        }
        const fields: StorageWriteFields = token === undefined
          ? { client: from, resource, value }
          : { client: from, resource, value, token };
        ctx.trace('write', { ...fields });
      } else {
        const highest = reg.highestToken ?? 0;
        const fields: StorageRejectFields = token === undefined
          ? { client: from, resource, value, highest }
          : { client: from, resource, value, token, highest };
        ctx.trace('reject', { ...fields });
      }
      const reply: StorageWriteAck = { type: 'write-ack', resource, reqId, accepted, highest: reg.highestToken ?? 0 };
      remember(from, reqId, reply);
    }

    function onRead(from: string, payload: Message): void {
      const resource = requireString(from, payload, 'resource');
      const reqId = requireReqId(from, payload);
      if (handledAsDuplicate(from, reqId)) return;
      const value = registers.get(resource)?.value ?? '';
      const fields: StorageReadFields = { client: from, resource, value };
      ctx.trace('read', { ...fields });
      const reply: StorageReadAck = { type: 'read-ack', resource, reqId, value };
      remember(from, reqId, reply);
    }

    return {
      onMessage(_ctx: ProcessContext, from: string, payload: Message): void {
        if (payload.type === 'write') onWrite(from, payload);
        else if (payload.type === 'read') onRead(from, payload);
      },
    };
  };
}
