/**
 * What the lock space says back: the synchronous result of each operation, and the effects it
 * appends to the space's effect buffer.
 *
 * The space is event-returning rather than callback-driven so a simulated master can turn every
 * effect into a message and a trace event in order (src/vocabulary/lock-events.ts: `grant` from a GRANTED
 * completion, `enqueue`, `dequeue`, `release`, `lvb-write`, `lvb-invalidate`, `deadlock`), and a
 * plain caller can simply read them. Effects are appended in causal order: an operation's own
 * completion first, then whatever its grant pass did, resource destruction last.
 *
 * How a master turns them into trace events (src/vocabulary/lock-events.ts):
 *
 * | effect | trace event |
 * |---|---|
 * | `complete` GRANTED | `grant` (client = owner, mode, value, flags via `statusFlagNames`) and a message to the client |
 * | `complete` UNLOCKED | `release` reason `unlock` |
 * | other `complete` | a message to the client (it traces `complete`) |
 * | `enqueue` | `enqueue` (flags via `flagNames`) |
 * | `dequeue` | `dequeue` (reason `cancel`, `deadlock` or `purge`) |
 * | `release` | `release` reason `purge` |
 * | `demote` | `release` reason `demote` (the lock keeps NL, its conversion still pending) |
 * | `lvb-write` / `lvb-invalidate` | same name |
 * | `deadlock` | `deadlock` with `victim` = `victimOwner` and `cycle` = `toCycleEdges(cycle)` |
 * | `bast` | a message to the client (it traces `bast`) |
 */
import type { ModeName, StatusName } from '../../vocabulary/index.js';
import type { DeadlockReport } from './deadlock.js';

/** The operation a completion answers. */
export type Operation = 'lock' | 'convert' | 'unlock' | 'cancel';

/**
 * A completion (the "completion AST", §7.1): exactly one per accepted lock, convert and unlock
 * request, and one per cancel that found nothing to cancel (CANCELGRANT). A cancel that does cancel
 * is answered by the cancelled request's own completion (ABORTED or CANCELLED, `op` = that
 * request's operation). A purge ends its owner's pending requests without completions (the owner
 * is gone): look for `dequeue`/`release` with reason `purge`.
 */
export interface CompleteEffect {
  type: 'complete';
  op: Operation;
  lockId: number;
  owner: string;
  resource: string;
  status: StatusName;
  /** The mode the lock holds now (undefined: it holds none, e.g. after UNLOCKED or ABORTED). */
  mode: ModeName | undefined;
  /** The mode the answered request asked for (undefined for unlock and CANCELGRANT). */
  requestedMode: ModeName | undefined;
  /** Status flags (`StatusFlag` bits): VALNOTVALID, DEMOTED, ALTMODE, XVALNOTVALID. */
  flags: number;
  /**
   * The value block, for a VALBLK request whose grant read it (§4.2 table value 1) or wrote it
   * (value 0, the value now in the resource). Trace form: UTF-8, trailing zeros stripped.
   */
  value: string | undefined;
  /** The same block as bytes (exactly the space's block size). Shared with the lock's recovery copy: do not mutate. */
  valueBytes: Uint8Array | undefined;
  /** The resource's write sequence number that `value` carries (recovery picks the highest, §4.3). */
  lvbSeq: number | undefined;
}

/** A blocking notification (§7.2): `lockId`'s holder blocks a request for `mode`. */
export interface BastEffect {
  type: 'bast';
  lockId: number;
  owner: string;
  resource: string;
  /** The blocked mode (Linux passes the blocked request's mode). */
  mode: ModeName;
}

/** A request was queued: `waiting` (a new request) or `converting` (a conversion, still holding `heldMode`). */
export interface EnqueueEffect {
  type: 'enqueue';
  lockId: number;
  owner: string;
  resource: string;
  mode: ModeName;
  heldMode: ModeName | undefined;
  queue: 'waiting' | 'converting';
  /** Request flag bits (`LockFlag`). */
  flags: number;
  atUs: number;
}

/** A queued request left its queue without a grant; a converting lock keeps its granted mode. */
export interface DequeueEffect {
  type: 'dequeue';
  lockId: number;
  owner: string;
  resource: string;
  /** The mode that had been requested. */
  mode: ModeName;
  reason: 'cancel' | 'deadlock' | 'purge';
}

/** A granted mode ended without an unlock completion: its owner was purged. */
export interface ReleaseEffect {
  type: 'release';
  lockId: number;
  owner: string;
  resource: string;
  mode: ModeName;
  reason: 'purge';
}

/** CONVDEADLK demoted a converting lock's granted mode to NL (§6.2); its conversion stays pending. */
export interface DemoteEffect {
  type: 'demote';
  lockId: number;
  owner: string;
  resource: string;
  fromMode: ModeName;
  mode: 'NL';
}

/** The resource's value block was written. */
export interface LvbWriteEffect {
  type: 'lvb-write';
  lockId: number;
  owner: string;
  resource: string;
  value: string;
  valueBytes: Uint8Array;
  seq: number;
}

/** The resource's value block was marked invalid (§4.3). */
export interface LvbInvalidateEffect {
  type: 'lvb-invalidate';
  resource: string;
  /** `ivvalblk`: a PW/EX holder asked for it; `purge`: a PW/EX holder was purged; `recovery`: §4.3 (c). */
  reason: 'ivvalblk' | 'purge' | 'recovery';
  lockId: number | undefined;
  owner: string | undefined;
}

/** A deadlock was found (and resolved as `resolution` says). */
export interface DeadlockEffect extends DeadlockReport {
  type: 'deadlock';
}

/** A resource came into existence (first request for its name, §5). */
export interface ResourceCreateEffect {
  type: 'resource-create';
  resource: string;
  name: string;
  /** Display name of the parent resource for a sub-resource. */
  parent: string | undefined;
}

/** A resource and its value block ceased to exist (its last lock went, §4.4, §5). */
export interface ResourceDestroyEffect {
  type: 'resource-destroy';
  resource: string;
  name: string;
  parent: string | undefined;
}

/** Everything the lock space can append to its effect buffer. */
export type Effect =
  | CompleteEffect
  | BastEffect
  | EnqueueEffect
  | DequeueEffect
  | ReleaseEffect
  | DemoteEffect
  | LvbWriteEffect
  | LvbInvalidateEffect
  | DeadlockEffect
  | ResourceCreateEffect
  | ResourceDestroyEffect;

/** The synchronous answer of an operation: its status, the lock id (0 when no lock was involved), and why, on refusal. */
export interface OpResult<S extends string> {
  status: S;
  lockId: number;
  reason: string | undefined;
}

/** `lock()`: GRANTED or QUEUED, NOTQUEUED (NOQUEUE), or a synchronous refusal (§9: no completion follows). */
export type LockResult = OpResult<'GRANTED' | 'QUEUED' | 'NOTQUEUED' | 'INVALID_ARG' | 'PARNOTGRANT'>;
/** `convert()`: also DEADLOCK (conversion deadlock, refused) and BUSY (not granted / conversion pending). */
export type ConvertResult = OpResult<'GRANTED' | 'QUEUED' | 'NOTQUEUED' | 'DEADLOCK' | 'INVALID_ARG' | 'BUSY'>;
/** `unlock()`. */
export type UnlockResult = OpResult<'UNLOCKED' | 'BUSY' | 'INVALID_ARG' | 'SUBLOCKS'>;
/** `cancel()`: ABORTED (waiting new request removed), CANCELLED (conversion reverted) or CANCELGRANT (nothing pending). */
export type CancelResult = OpResult<'ABORTED' | 'CANCELLED' | 'CANCELGRANT' | 'INVALID_ARG'>;
/** `dequeueAll()`: UNLOCKED with how many locks went (0 is fine), or INVALID_ARG; `lockId` is the parent lock given, else 0. */
export type DequeueAllResult = OpResult<'UNLOCKED' | 'INVALID_ARG'> & { count: number };
/** `adoptOrphan()`: ADOPTED (`lockId` is the orphan's), NOTQUEUED (orphans there hold other modes), INVALID_ARG (none there, or bad arguments). */
export type AdoptOrphanResult = OpResult<'ADOPTED' | 'NOTQUEUED' | 'INVALID_ARG'>;
/** `completeAsDeadlockVictim()`: DEADLOCK when a pending request was completed, INVALID_ARG otherwise. */
export type VictimResult = OpResult<'DEADLOCK' | 'INVALID_ARG'>;
