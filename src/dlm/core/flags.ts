/**
 * Request flags and status flags (dlm-semantics §3.5, §4, §9), and the argument checks that turn a
 * bad combination into INVALID_ARG before anything changes.
 *
 * Flags are a bitmask on the hot path; the bit values are Linux's `DLM_LKF_*` so a reader who knows
 * `dlmconstants.h` recognises them. The operation itself says what Linux says with CONVERT and
 * CANCEL (`convert()`, `cancel()`), so those two bits do not exist here. Names are accepted at the
 * API edge (`['NOQUEUE', 'VALBLK']`) because scenario files speak names.
 */
import { Mode, quecvtAllowed } from './modes.js';

/** Request flag bits (Linux `DLM_LKF_*` values). */
export const LockFlag = {
  /** Fail with NOTQUEUED instead of queueing (§3.2, §3.3). */
  NOQUEUE: 0x1,
  /** Take part in value-block transfer (§4). */
  VALBLK: 0x8,
  /** Conversions only: queue behind already queued conversions (§3.5 table). */
  QUECVT: 0x10,
  /** Mark the value block invalid instead of writing it (PW/EX conversions and unlocks). */
  IVVALBLK: 0x20,
  /** Conversions only: resolve a conversion deadlock by demoting this lock to NL (§6.2). Not in the `vms` profile. */
  CONVDEADLK: 0x40,
  /** New requests: the lock outlives its owner as an orphan (Linux `DLM_LKF_PERSISTENT`, see `clearOwner`). */
  PERSISTENT: 0x80,
  /** Not a waiter for deadlock detection; a conversion deadlock queues anyway with a self-bast (§6). */
  NODLCKWT: 0x100,
  /** Not a blocker for deadlock detection (§6.1). */
  NODLCKBLK: 0x200,
  /** New NL requests only: grant at once, ignoring the queues (§3.5). */
  EXPEDITE: 0x400,
  /** With NOQUEUE only: bast the blockers before failing (§3.5, §7.2). */
  NOQUEUEBAST: 0x800,
  /** Queue at the head instead of the tail. */
  HEADQUE: 0x1000,
  /** Grant as soon as compatible, ignoring queue order. */
  NOORDER: 0x2000,
  /** If the mode cannot be granted, try PR; on success the completion carries ALTMODE. */
  ALTPR: 0x8000,
  /** If the mode cannot be granted, try CW; on success the completion carries ALTMODE. */
  ALTCW: 0x10000,
  /** Unlocks only: release the lock even while it is converting or waiting (Linux `DLM_LKF_FORCEUNLOCK`). */
  FORCEUNLOCK: 0x20000,
  /**
   * `vms` profile only, with VALBLK: transfer the whole 64-byte value block instead of the first
   * `valueBlockBytes` (VMS `LCK$M_XVALBLK`). Linux has no such bit; this one lies above its flags.
   */
  XVALBLK: 0x100000,
} as const;

/** The name of a request flag. */
export type FlagName = keyof typeof LockFlag;

/** Status flag bits carried by completions (Linux `DLM_SBF_*` values). */
export const StatusFlag = {
  /** The lock was demoted to NL by CONVDEADLK. */
  DEMOTED: 0x1,
  /** The resource's value block is marked invalid (§4.3). */
  VALNOTVALID: 0x2,
  /** The lock was granted in its alternate mode (ALTPR/ALTCW). */
  ALTMODE: 0x4,
  /**
   * An XVALBLK grant read a 64-byte block whose bytes past the short block were not written by the
   * latest writer (VMS `SS$_XVALNOTVALID`). Linux has no such bit; this one lies above its flags.
   */
  XVALNOTVALID: 0x100,
} as const;

/** The name of a status flag, as traced in `complete.flags`. */
export type StatusFlagName = keyof typeof StatusFlag;

const FLAG_ENTRIES = Object.entries(LockFlag) as [FlagName, number][];
const STATUS_ENTRIES = Object.entries(StatusFlag) as [StatusFlagName, number][];

/** Every request flag bit ORed together. */
export const ALL_LOCK_FLAGS = FLAG_ENTRIES.reduce((acc, [, bit]) => acc | bit, 0);

/** Flags a new request may carry (`lock()`). */
export const LOCK_FLAGS =
  LockFlag.NOQUEUE |
  LockFlag.NOQUEUEBAST |
  LockFlag.EXPEDITE |
  LockFlag.NODLCKWT |
  LockFlag.NODLCKBLK |
  LockFlag.ALTPR |
  LockFlag.ALTCW |
  LockFlag.HEADQUE |
  LockFlag.NOORDER |
  LockFlag.VALBLK |
  LockFlag.XVALBLK |
  LockFlag.PERSISTENT;

/** Flags a conversion may carry (`convert()`). */
export const CONVERT_FLAGS =
  LockFlag.NOQUEUE |
  LockFlag.NOQUEUEBAST |
  LockFlag.QUECVT |
  LockFlag.CONVDEADLK |
  LockFlag.NODLCKWT |
  LockFlag.NODLCKBLK |
  LockFlag.ALTPR |
  LockFlag.ALTCW |
  LockFlag.HEADQUE |
  LockFlag.NOORDER |
  LockFlag.VALBLK |
  LockFlag.XVALBLK |
  LockFlag.IVVALBLK |
  LockFlag.PERSISTENT;

/** Flags an unlock may carry (`unlock()`): the value-block flags and FORCEUNLOCK (Linux `set_unlock_args`). */
export const UNLOCK_FLAGS = LockFlag.VALBLK | LockFlag.XVALBLK | LockFlag.IVVALBLK | LockFlag.FORCEUNLOCK;

/**
 * Turns flag names into a bitmask; returns -1 for an unknown name (the caller answers INVALID_ARG).
 */
export function flagsFromNames(names: readonly string[]): number {
  let bits = 0;
  for (const name of names) {
    const bit = Object.hasOwn(LockFlag, name) ? (LockFlag as Record<string, number>)[name] : undefined;
    if (bit === undefined) return -1;
    bits |= bit;
  }
  return bits;
}

/** The names of the request flags set in `bits`, in bit order (for traces and messages). */
export function flagNames(bits: number): FlagName[] {
  const out: FlagName[] = [];
  for (const [name, bit] of FLAG_ENTRIES) if (bits & bit) out.push(name);
  return out;
}

/** The names of the status flags set in `bits`, in bit order: DEMOTED, VALNOTVALID, ALTMODE, XVALNOTVALID. */
export function statusFlagNames(bits: number): StatusFlagName[] {
  const out: StatusFlagName[] = [];
  for (const [name, bit] of STATUS_ENTRIES) if (bits & bit) out.push(name);
  return out;
}

function onlyAllowed(flags: number, allowed: number, op: string): string | null {
  const extra = flags & ~allowed;
  if (extra === 0) return null;
  if ((extra & ALL_LOCK_FLAGS) !== extra) return `unknown flag bits 0x${(extra & ~ALL_LOCK_FLAGS).toString(16)}`;
  return `${flagNames(extra).join(', ')} not valid on ${op}`;
}

/**
 * Argument checks of a new request (Linux `set_lock_args`, §3.5): returns the reason for
 * INVALID_ARG, or null when the combination is valid. [PROJECT]: flags that only make sense on a
 * conversion or unlock (QUECVT, CONVDEADLK, IVVALBLK) are rejected on a new request, and
 * NOQUEUEBAST is rejected without NOQUEUE ("only together with NOQUEUE").
 */
export function lockFlagsError(flags: number, mode: Mode): string | null {
  const bad = onlyAllowed(flags, LOCK_FLAGS, 'a new request');
  if (bad) return bad;
  if (flags & LockFlag.EXPEDITE) {
    if (flags & LockFlag.NOQUEUE) return 'EXPEDITE cannot be combined with NOQUEUE';
    if (mode !== Mode.NL) return 'EXPEDITE is valid only for NL requests';
  }
  if (flags & LockFlag.NOQUEUEBAST && !(flags & LockFlag.NOQUEUE)) return 'NOQUEUEBAST requires NOQUEUE';
  return null;
}

/**
 * Argument checks that depend on the profile (§10): XVALBLK is a VMS flag and needs VALBLK
 * (VMS Programming Concepts §7.4.10); CONVDEADLK resolves Linux's immediate conversion-deadlock
 * detection, which the `vms` profile does not run (its timed search picks a victim instead).
 */
export function profileFlagsError(flags: number, profile: 'linux' | 'vms'): string | null {
  if (flags & LockFlag.XVALBLK) {
    if (profile !== 'vms') return 'XVALBLK is valid only in the vms profile';
    if (!(flags & LockFlag.VALBLK)) return 'XVALBLK requires VALBLK';
  }
  if (flags & LockFlag.CONVDEADLK && profile === 'vms') return 'CONVDEADLK is not valid in the vms profile (conversion deadlocks go to the timed search)';
  return null;
}

/**
 * Argument checks of a conversion that do not depend on the lock's state (Linux `set_lock_args`).
 * The QUECVT table, which needs the granted mode, is checked by {@link quecvtError}.
 */
export function convertFlagsError(flags: number): string | null {
  const bad = onlyAllowed(flags, CONVERT_FLAGS, 'a conversion');
  if (bad) return bad;
  if (flags & LockFlag.CONVDEADLK && flags & LockFlag.NOQUEUE) return 'CONVDEADLK cannot be combined with NOQUEUE';
  if (flags & LockFlag.NOQUEUEBAST && !(flags & LockFlag.NOQUEUE)) return 'NOQUEUEBAST requires NOQUEUE';
  return null;
}

/** The QUECVT validity check (§3.5 table): `granted` is -1 for a lock that holds no mode. */
export function quecvtError(flags: number, granted: number, requested: Mode): string | null {
  if (!(flags & LockFlag.QUECVT)) return null;
  if (granted < 0 || !quecvtAllowed(granted as Mode, requested)) return 'QUECVT not valid for this conversion';
  return null;
}

/** Argument checks of an unlock. */
export function unlockFlagsError(flags: number): string | null {
  return onlyAllowed(flags, UNLOCK_FLAGS, 'an unlock');
}
