/**
 * Internal records of the lock space: a lock (one client's request and grant on one resource) and a
 * resource (its three queues, the modes held on it, its value block, its sub-resources).
 *
 * Queues are intrusive doubly linked lists through the locks themselves, so linking, unlinking and
 * head insertion (HEADQUE) are O(1) and allocate nothing. Each resource also keeps a count per held
 * mode and a bitmask of the modes present (granted locks plus the granted modes of converting
 * locks, §2 "implementation note"), which turns "compatible with every granted mode" into one bit
 * test. These classes are not exported from the package: callers see snapshots.
 */
import { LockSpaceInvariantError } from './errors.js';
import { LockFlag } from './flags.js';
import { NO_MODE } from './modes.js';
import type { ValueBlockState } from './valueblock.js';

/**
 * Which queue a lock is on (§3.1): exactly one of the three once it is accepted. `NONE` is the
 * moment between creating a new request's record and granting or queueing it.
 */
export const LockState = { GRANTED: 0, CONVERTING: 1, WAITING: 2, NONE: 3 } as const;
/** A lock's queue. */
export type LockState = (typeof LockState)[keyof typeof LockState];

/** The queue names of LockState GRANTED, CONVERTING and WAITING, as views and copies spell them. */
export const STATE_NAMES = ['granted', 'converting', 'waiting'] as const;

/** One lock: its identity, modes, current request and the bookkeeping the rules need. */
export class LockRecord {
  /** Previous / next lock on the same queue. */
  prev: LockRecord | null = null;
  next: LockRecord | null = null;
  state: LockState = LockState.NONE;
  /** Granted mode, or -1 (a waiting new request holds nothing). */
  gr: number = NO_MODE;
  /** Requested mode of the pending request, or -1 when nothing is pending. */
  rq: number;
  /** Flags of the latest lock/convert request (Linux `lkb_exflags`). */
  flags: number;
  /** Flags of the request that produced the current grant: restored when a conversion is refused or reverted. */
  grantFlags = 0;
  /** The mode the pending request asked for (before any ALTPR/ALTCW substitution). */
  asked: number;
  /** Status flags (DEMOTED, ALTMODE) accumulated for the pending request's completion. */
  sb = 0;
  /** Locks whose parent is this lock (§5 trees). */
  sublocks = 0;
  /** Highest bast mode sent since the last grant (Linux `lkb_highbast`, reset to 0 on grant). */
  highbast = 0;
  /** Mode carried by the last completion, -1 before any (bast staleness, §7.2). */
  lastCastMode: number = NO_MODE;
  /** Mode of the last notification and whether it was a bast (bast de-duplication, §7.2). */
  lastCbMode: number = NO_MODE;
  lastCbBast = false;
  /** Value the pending request passed, already encoded (written only where §4.2 says so). */
  pendingValue: Uint8Array | null = null;
  /** When the pending request was made (µs) and its place in the space's global event order. */
  queuedAtUs = 0;
  queueSeq = 0;
  /** When the current granted mode was granted (µs) and its place in the global event order. */
  grantedAtUs = 0;
  grantSeq = 0;
  /** The last value block this lock read or wrote and its sequence number (recovery copies, §8.2). */
  lvbCopy: Uint8Array | null = null;
  lvbCopySeq = 0;
  /** Its owner exited and it was PERSISTENT: it stays granted, ownerless, until adopted or purged. */
  orphan = false;

  constructor(
    readonly id: number,
    /** The owner; changes only when another owner adopts the lock as an orphan. */
    public owner: string,
    readonly resource: Resource,
    readonly parent: LockRecord | null,
    rq: number,
    flags: number,
    readonly priority: number,
  ) {
    this.rq = rq;
    this.asked = rq;
    this.flags = flags;
  }
}

/** One resource: three queues, held-mode counts, value block, children (§3.1, §4, §5). */
export class Resource implements ValueBlockState {
  grantedHead: LockRecord | null = null;
  grantedTail: LockRecord | null = null;
  convHead: LockRecord | null = null;
  convTail: LockRecord | null = null;
  waitHead: LockRecord | null = null;
  waitTail: LockRecord | null = null;
  grantedCount = 0;
  convCount = 0;
  waitCount = 0;
  /**
   * Waiting requests per asked mode, and how many carry NOORDER: after the wait pass stops at the
   * first blocked head, these give the highest blocked mode (for basts) without walking the rest
   * of the queue, which kept draining a long queue O(n) per unlock.
   */
  waitAsked: number[] | null = null;
  waitNoorder = 0;
  /** Locks attached to this resource (on any queue). The resource dies when it reaches 0. */
  lockCount = 0;
  /** Count of each held mode (granted locks and converting locks' granted modes). */
  readonly held: number[] = [0, 0, 0, 0, 0, 0];
  /** Bit m set when `held[m] > 0`. */
  heldMask = 0;
  lvb: Uint8Array | null = null;
  lvbInvalid = false;
  lvbSeq = 0;
  /** `vms` profile: the latest write was short (VALBLK without XVALBLK), so the block's tail is stale. */
  extendedStale = false;
  /** Sub-resources by name (created on first use). */
  children: Map<string, Resource> | null = null;
  /** Display name: the name for a root, `parent/name` for a sub-resource. */
  readonly display: string;
  readonly depth: number;

  constructor(
    readonly name: string,
    readonly parent: Resource | null,
  ) {
    this.display = parent === null ? name : `${parent.display}/${name}`;
    this.depth = parent === null ? 0 : parent.depth + 1;
  }

  /** Counts `mode` as held. */
  addHeld(mode: number): void {
    if (this.held[mode]!++ === 0) this.heldMask |= 1 << mode;
  }

  /** Stops counting one hold of `mode`. */
  removeHeld(mode: number): void {
    const n = this.held[mode]! - 1;
    if (n < 0) throw new LockSpaceInvariantError(`held count of mode ${mode} would go negative on ${this.display}`);
    this.held[mode] = n;
    if (n === 0) this.heldMask &= ~(1 << mode);
  }

  /** Links `lock` onto the queue of `state`, at the tail or (HEADQUE) the head, and sets its state. */
  link(lock: LockRecord, state: LockState, atHead: boolean): void {
    lock.state = state;
    if (state === LockState.GRANTED) {
      if (atHead) {
        lock.prev = null;
        lock.next = this.grantedHead;
        if (this.grantedHead) this.grantedHead.prev = lock;
        else this.grantedTail = lock;
        this.grantedHead = lock;
      } else {
        lock.next = null;
        lock.prev = this.grantedTail;
        if (this.grantedTail) this.grantedTail.next = lock;
        else this.grantedHead = lock;
        this.grantedTail = lock;
      }
      this.grantedCount++;
    } else if (state === LockState.CONVERTING) {
      if (atHead) {
        lock.prev = null;
        lock.next = this.convHead;
        if (this.convHead) this.convHead.prev = lock;
        else this.convTail = lock;
        this.convHead = lock;
      } else {
        lock.next = null;
        lock.prev = this.convTail;
        if (this.convTail) this.convTail.next = lock;
        else this.convHead = lock;
        this.convTail = lock;
      }
      this.convCount++;
    } else {
      if (atHead) {
        lock.prev = null;
        lock.next = this.waitHead;
        if (this.waitHead) this.waitHead.prev = lock;
        else this.waitTail = lock;
        this.waitHead = lock;
      } else {
        lock.next = null;
        lock.prev = this.waitTail;
        if (this.waitTail) this.waitTail.next = lock;
        else this.waitHead = lock;
        this.waitTail = lock;
      }
      this.waitCount++;
      (this.waitAsked ??= [0, 0, 0, 0, 0, 0])[lock.asked]!++;
      if (lock.flags & LockFlag.NOORDER) this.waitNoorder++;
    }
  }

  /** Unlinks `lock` from whichever queue its state names; the lock is then on none. */
  unlink(lock: LockRecord): void {
    const { prev, next } = lock;
    if (lock.state === LockState.NONE) throw new LockSpaceInvariantError(`lock ${lock.id} is on no queue`);
    if (lock.state === LockState.GRANTED) {
      if (prev) prev.next = next;
      else this.grantedHead = next;
      if (next) next.prev = prev;
      else this.grantedTail = prev;
      this.grantedCount--;
    } else if (lock.state === LockState.CONVERTING) {
      if (prev) prev.next = next;
      else this.convHead = next;
      if (next) next.prev = prev;
      else this.convTail = prev;
      this.convCount--;
    } else {
      if (prev) prev.next = next;
      else this.waitHead = next;
      if (next) next.prev = prev;
      else this.waitTail = prev;
      this.waitCount--;
      this.waitAsked![lock.asked]!--;
      if (lock.flags & LockFlag.NOORDER) this.waitNoorder--;
    }
    lock.prev = null;
    lock.next = null;
    lock.state = LockState.NONE;
  }
}

/** The names of a resource from the root down (the path views and lock copies carry). */
export function pathOf(r: Resource): string[] {
  const out: string[] = [];
  for (let x: Resource | null = r; x !== null; x = x.parent) out.push(x.name);
  return out.reverse();
}
