/**
 * What a caller hands the lock space and what it hands back: the options of the space and of each
 * operation, the read-only views of locks and resources, the lock copies recovery exchanges, and
 * the limits those options are checked against. Kept apart from lockspace.ts so the rules there read
 * without the declarations, and so recovery.ts can share them without importing the space itself.
 */
import type { ModeName } from '../../vocabulary/index.js';

/** Options of a {@link LockSpace}. */
export interface LockSpaceOptions {
  /**
   * Value-block size in bytes (positive integer) a VALBLK request transfers. Default 32, or 16 with
   * the `vms` profile (§4.1 [PROJECT]); there an XVALBLK request transfers the whole system copy of
   * {@link VMS_EXTENDED_VALUE_BLOCK_BYTES} bytes (or `valueBlockBytes`, when larger).
   */
  valueBlockBytes?: number;
  /**
   * `linux` (default) or `vms`, where the two differ (§10). `vms`: no immediate conversion-deadlock
   * detection (a conversion deadlock waits for the timed search, which cancels one victim, as VMS
   * does; CONVDEADLK is refused), a 16-byte value block by default and the 64-byte XVALBLK block.
   */
  profile?: 'linux' | 'vms';
  /** Wait after which a pending request starts a deadlock search (§6.1 DEADLOCK_WAIT). 0 (default) turns the search off. */
  deadlockWaitMs?: number;
  /** Bound on live locks; one more throws {@link LockSpaceCapacityError}. Default 1,048,576. */
  maxLocks?: number;
  /**
   * TEST-ONLY: replaces the compatibility matrix (`[held][requested]`, 6×6 booleans) so a test can
   * plant a wrong entry and check that its checker notices. Never set this outside tests.
   */
  compatibility?: readonly (readonly boolean[])[];
  /**
   * TEST-ONLY: the wait pass grants any compatible waiting request, not only the head (a planted
   * FIFO bug for checker self-tests). Never set this outside tests.
   */
  unsafeGrantSkipsFifo?: boolean;
}

/** Flags given as a bitmask of `LockFlag` bits, or as names (`['NOQUEUE', 'VALBLK']`). */
export type FlagsArg = number | readonly string[];

/** Options of {@link LockSpace.lock}. */
export interface LockOptions {
  flags?: FlagsArg;
  /** Accepted for symmetry; a new request never writes the value block (§4.2 row UN). */
  value?: string | Uint8Array;
  /** A granted lock of the same owner: the request is for the sub-resource named under its resource (§5). */
  parentLockId?: number;
  /** Deadlock priority: the lowest-priority request of a cycle is the victim. Default 0. */
  priority?: number;
  /** The caller's time of the request (µs). Default: the latest time seen by the space. */
  nowUs?: number;
}

/** Options of {@link LockSpace.convert}. */
export interface ConvertOptions {
  flags?: FlagsArg;
  /** The value to write where §4.2 says the conversion writes (from PW/EX, with VALBLK). */
  value?: string | Uint8Array;
  nowUs?: number;
}

/** Options of {@link LockSpace.unlock}. */
export interface UnlockOptions {
  /** VALBLK (accepted, no effect of its own), XVALBLK (`value` may fill the 64-byte block), IVVALBLK and FORCEUNLOCK. */
  flags?: FlagsArg;
  /** Written to the resource when the lock is held in PW or EX (VMS `$DEQ valblk`, §4.2 [PROJECT]). */
  value?: string | Uint8Array;
  nowUs?: number;
}

/** Options of {@link LockSpace.cancel}, {@link LockSpace.purge} and {@link LockSpace.completeAsDeadlockVictim}. */
export interface TimeOptions {
  nowUs?: number;
}

/** Options of {@link LockSpace.dequeueAll}. */
export interface DequeueAllOptions {
  /** Only the sublocks of this lock of the owner, at every depth (VMS `$DEQ` with a lock id and LCK$M_DEQALL). */
  parentLockId?: number;
  /** IVVALBLK: every PW/EX lock dequeued marks its value block invalid. */
  flags?: FlagsArg;
  nowUs?: number;
}

/** Options of {@link LockSpace.adoptOrphan}. */
export interface AdoptOrphanOptions {
  /** The adopter's flags for the lock (Linux sets them as the lock's flags): PERSISTENT and VALBLK count. */
  flags?: FlagsArg;
  nowUs?: number;
}

/** What {@link LockSpace.clearOwner} did: locks released (or requests ended) and locks left as orphans. */
export interface ClearOwnerResult {
  released: number;
  orphaned: number;
}

/** Read-only view of one lock. */
export interface LockInfo {
  lockId: number;
  owner: string;
  /** Display name of the resource (`parent/child` for a sub-resource). */
  resource: string;
  /** The resource's names from the root down. */
  path: string[];
  state: 'granted' | 'converting' | 'waiting';
  grantedMode: ModeName | undefined;
  requestedMode: ModeName | undefined;
  /** Request flags (`LockFlag` bits) of the latest request. */
  flags: number;
  priority: number;
  parentLockId: number | undefined;
  sublocks: number;
  /** CONVDEADLK demoted the pending conversion's granted mode to NL. */
  demoted: boolean;
  /** A PERSISTENT lock whose owner exited: `owner` is the former owner (see {@link LockSpace.adoptOrphan}). */
  orphan: boolean;
  /** When the pending request was made (µs), for a converting or waiting lock. */
  queuedAtUs: number | undefined;
  grantedAtUs: number | undefined;
}

/** Read-only view of one resource: its queues in order, its value block, its children. */
export interface ResourceSnapshot {
  resource: string;
  name: string;
  path: string[];
  parent: string | undefined;
  granted: LockInfo[];
  converting: LockInfo[];
  waiting: LockInfo[];
  /** `extendedValid`: false in the `vms` profile after a short write left the 64-byte tail stale (XVALNOTVALID). */
  valueBlock: { value: string; bytes: Uint8Array; valid: boolean; seq: number; extendedValid: boolean };
  children: string[];
}

/**
 * A lock as a surviving node reports it to a new master (§8.2 step 4), and as
 * {@link LockSpace.snapshot} exports it. `grantedMode` may be left out of a `converting` copy whose
 * PR↔CW middle conversion was in flight: {@link LockSpace.adopt} repairs it as Linux
 * `recover_conversion` does.
 */
export interface LockCopy {
  /** Keep this id in the new space (must be free); otherwise a fresh id is assigned. */
  lockId?: number;
  owner: string;
  /** Resource names from the root down. */
  path: readonly string[];
  /** The parent lock (by its id in the batch or in the space) of a sub-resource lock. */
  parentLockId?: number;
  state: 'granted' | 'converting' | 'waiting';
  grantedMode?: ModeName;
  requestedMode?: ModeName;
  flags?: number;
  priority?: number;
  queuedAtUs?: number;
  /** The copy of the value block this lock last read or wrote (VALBLK locks), and its sequence number. */
  value?: string | Uint8Array;
  lvbSeq?: number;
}

/** Size of the VMS extended value block (LCK$M_XVALBLK, VMS Programming Concepts §7.4.10). */
export const VMS_EXTENDED_VALUE_BLOCK_BYTES = 64;

/** Deepest sub-resource nesting accepted (FreeVMS caps it too, SS$_EXDEPTH). */
export const MAX_TREE_DEPTH = 32;

/** Whether `t` is a usable time in µs: a finite number, not negative. */
export function validTime(t: unknown): t is number {
  return typeof t === 'number' && Number.isFinite(t) && t >= 0;
}
