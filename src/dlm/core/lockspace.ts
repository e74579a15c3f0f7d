/**
 * The lock space: a pure, synchronous VMS/Linux lock manager for the resources one master owns
 * (dlm-semantics §1–§9). No I/O and no clock: callers pass time (`nowUs`) where it matters — the
 * time a request was made, used by the timed deadlock search — and read back what happened from
 * the operation's result and the effects appended to {@link LockSpace.effects}.
 *
 * The grant logic follows Linux `fs/dlm/lock.c` (`_can_be_granted`, `can_be_granted`,
 * `grant_pending_locks`, `do_request/do_convert/do_unlock/do_cancel`, `set_lvb_lock`,
 * `send_blocking_asts`), itself modelled on VAXcluster Principles ch. 6, with the project's
 * [PROJECT] choices of the reference where the sources differ:
 * - immediate conversion-deadlock detection refuses the newcomer (DEADLOCK) unless CONVDEADLK; the
 *   `vms` profile leaves a conversion deadlock queued for the timed search instead (VMS
 *   `DEADLOCK_WAIT`: one search finds conversion and multi-resource deadlocks alike);
 * - a timed wait-for search across resources (`deadlockWaitMs`) picks the lowest-priority victim;
 * - an unlock writes the value block only when the caller passes a value (VMS `$DEQ valblk`);
 * - VALNOTVALID is reported on every grant to a VALBLK request while the block is invalid;
 * - a fresh resource's block reads as zeros and is valid; names compare as exact strings;
 * - a plain unlock of a lock that is not granted is BUSY (cancel it instead).
 *
 * Where this departs from Linux, on purpose (each case was found by the model-based or the
 * deadlock-search property test, see test/dlm/core):
 * - a request queued at the head (HEADQUE) or with NOORDER is offered to the grant pass at once:
 *   Linux leaves a grantable request queued until some later event runs a pass;
 * - ALTPR/ALTCW is tried before conversion-deadlock detection: a request grantable in its
 *   alternate mode never has to queue, so it cannot be deadlocked;
 * - the timed search (absent from Linux) starts over after every victim, since a victim changes
 *   the graph for requests already searched.
 *
 * Owner-wide operations: `dequeueAll` (VMS `$DEQ` LCK$M_DEQALL), `purge` (the owner's node died,
 * §8.2), `clearOwner` (the owner process exited: PERSISTENT locks become orphans, Linux
 * `dlm_clear_proc_locks`), `adoptOrphan` and `purgeOrphans` (Linux `dlm_user_adopt_orphan`, `do_purge`).
 *
 * Every lock is assumed to have a blocking-notification routine (a bast may always be delivered).
 * Hot paths allocate only the lock, the resource on first use, the result and the effects.
 */
import type { ModeName } from '../../vocabulary/index.js';
import {
  chooseVictim,
  collectResourceEdges,
  findCycleThrough,
  localEdgeView,
  makeEdge,
  type DeadlockReport,
  type WaitForEdge,
} from './deadlock.js';
import type {
  AdoptOrphanResult,
  CancelResult,
  CompleteEffect,
  ConvertResult,
  DequeueAllResult,
  Effect,
  LockResult,
  Operation,
  UnlockResult,
  VictimResult,
} from './effects.js';
import { LockSpaceCapacityError, LockSpaceConfigError, LockSpaceInvariantError } from './errors.js';
import {
  LockFlag,
  StatusFlag,
  convertFlagsError,
  flagsFromNames,
  lockFlagsError,
  profileFlagsError,
  quecvtError,
  unlockFlagsError,
} from './flags.js';
import { COMPATIBILITY, MODE_NAMES, Mode, NO_MODE, compatMasks, matrixShapeError, toMode } from './modes.js';
import type {
  AdoptOrphanOptions,
  ClearOwnerResult,
  ConvertOptions,
  DequeueAllOptions,
  FlagsArg,
  LockCopy,
  LockInfo,
  LockOptions,
  LockSpaceOptions,
  ResourceSnapshot,
  TimeOptions,
  UnlockOptions,
} from './lockspace-types.js';
import { MAX_TREE_DEPTH, VMS_EXTENDED_VALUE_BLOCK_BYTES, validTime } from './lockspace-types.js';
import { adoptCopies, snapshotLocks, type RecoveryHost } from './recovery.js';
import { LockRecord, LockState, Resource, STATE_NAMES, pathOf } from './resource.js';
import { LVB_OPERATIONS, LvbOp, decodeValue, encodeValue, invalidateBlock, writeBlock, writeBlockPrefix } from './valueblock.js';

const DEFAULT_MAX_LOCKS = 1 << 20;

/** Convert's and unlock's options once checked, with their defaults filled in. */
interface RequestOptions {
  flags: number;
  nowUs: number;
  value: Uint8Array | null;
}

/** The synchronous refusal of a request with a bad argument. */
interface InvalidArgument {
  status: 'INVALID_ARG';
  lockId: number;
  reason: string;
}

/** What a conversion pass leaves blocked: the highest requested mode, and whether one asks for CW. */
interface BlockedConversions {
  highestMode: number;
  anyConcurrentWrite: boolean;
}

/** Whether `lock` hangs, at any depth, under `ancestor` (resource trees, §5). */
function descendsFrom(lock: LockRecord, ancestor: LockRecord): boolean {
  for (let p = lock.parent; p !== null; p = p.parent) if (p === ancestor) return true;
  return false;
}

function refuse<S extends string>(status: S, lockId: number, reason: string): { status: S; lockId: number; reason: string } {
  return { status, lockId, reason };
}


/**
 * A lock space (see the module comment). Operations return synchronously and append effects; the
 * caller drains them with {@link takeEffects} or {@link clearEffects}.
 */
export class LockSpace {
  /** Value-block size in bytes a VALBLK request transfers. */
  readonly valueBlockBytes: number;
  /**
   * Size of the resource's own copy of the block, which an XVALBLK request transfers whole: the
   * same as `valueBlockBytes` in the `linux` profile; 64 bytes (or `valueBlockBytes`, when larger)
   * in the `vms` profile, whose system copy is always 64 bytes (VMS Programming Concepts §7.4.10).
   */
  readonly extendedValueBlockBytes: number;
  readonly profile: 'linux' | 'vms';
  /** Deadlock search wait (ms); 0 = off. */
  readonly deadlockWaitMs: number;
  readonly maxLocks: number;

  private readonly compatMask: number[];
  private readonly skipFifo: boolean;
  /** Linux refuses (or demotes) a conversion deadlock at once (§6.2); VMS leaves it to the timed search (§6.1). */
  private readonly immediateConversionDeadlock: boolean;
  /** Orphaned PERSISTENT locks, in the order their owners exited (Linux `ls_orphans`). */
  private readonly orphans = new Set<LockRecord>();
  private readonly roots = new Map<string, Resource>();
  private readonly locks = new Map<number, LockRecord>();
  private resourceTotal = 0;
  private nextLockId = 1;
  /** Global event order: every request and grant takes the next number (edge creation order). */
  private seq = 0;
  /** Latest caller time seen, the default for operations that pass none. */
  private lastNowUs = 0;
  /** Time of the operation in progress. */
  private nowUs = 0;
  private out: Effect[] = [];
  /** What recovery.ts may touch of this space. */
  private readonly recovery: RecoveryHost;

  constructor(options: LockSpaceOptions = {}) {
    this.profile = options.profile ?? 'linux';
    if (this.profile !== 'linux' && this.profile !== 'vms') throw new LockSpaceConfigError(`unknown profile ${String(this.profile)}`);
    this.valueBlockBytes = options.valueBlockBytes ?? (this.profile === 'vms' ? 16 : 32);
    if (!Number.isInteger(this.valueBlockBytes) || this.valueBlockBytes <= 0 || this.valueBlockBytes > 65536) {
      throw new LockSpaceConfigError(`valueBlockBytes must be an integer in 1..65536, got ${this.valueBlockBytes}`);
    }
    this.extendedValueBlockBytes = this.profile === 'vms' ? Math.max(VMS_EXTENDED_VALUE_BLOCK_BYTES, this.valueBlockBytes) : this.valueBlockBytes;
    this.immediateConversionDeadlock = this.profile === 'linux';
    this.deadlockWaitMs = options.deadlockWaitMs ?? 0;
    if (!Number.isFinite(this.deadlockWaitMs) || this.deadlockWaitMs < 0) {
      throw new LockSpaceConfigError(`deadlockWaitMs must be a finite number >= 0, got ${this.deadlockWaitMs}`);
    }
    this.maxLocks = options.maxLocks ?? DEFAULT_MAX_LOCKS;
    if (!Number.isInteger(this.maxLocks) || this.maxLocks <= 0) throw new LockSpaceConfigError(`maxLocks must be a positive integer`);
    const matrix = options.compatibility ?? COMPATIBILITY;
    const shape = matrixShapeError(matrix);
    if (shape) throw new LockSpaceConfigError(shape);
    this.compatMask = compatMasks(matrix);
    this.skipFifo = options.unsafeGrantSkipsFifo === true;
    this.recovery = this.recoveryHost();
  }

  // ---------------------------------------------------------------- effects

  /** The effects appended since the last drain, in order (a live view: do not keep it across operations). */
  get effects(): readonly Effect[] {
    return this.out;
  }

  /** Returns the pending effects and starts a new buffer. */
  takeEffects(): Effect[] {
    const taken = this.out;
    this.out = [];
    return taken;
  }

  /**
   * Drops the pending effects, reusing the buffer (the allocation-free drain for hot loops). It
   * pops rather than assigning `length = 0`: that assignment releases the array's storage, so the
   * first effect of every later operation would allocate it again.
   */
  clearEffects(): void {
    const out = this.out;
    while (out.length > 0) out.pop();
  }

  // ---------------------------------------------------------------- requests

  /**
   * A new request by `owner` for `mode` on `resource` (§3.2): granted at once under Rule N (or
   * EXPEDITE, NOORDER, ALTPR/ALTCW), else queued on the waiting queue (tail, or head with HEADQUE)
   * with basts to the granted holders it conflicts with, or refused with NOTQUEUED under NOQUEUE.
   * A request queued at the head (HEADQUE) or with NOORDER is then offered to the grant pass, so
   * one the pending rules allow is granted in the same call (status GRANTED, after its `enqueue`
   * effect) instead of waiting for the next event — Linux would leave it queued until then.
   * With `parentLockId`, `resource` names a sub-resource of the parent lock's resource (§5).
   * INVALID_ARG and PARNOTGRANT are synchronous and create nothing; every other outcome also
   * appears as a completion effect.
   */
  lock(owner: string, resource: string, mode: ModeName | Mode, opts?: LockOptions): LockResult {
    const rq = toMode(mode);
    if (rq === NO_MODE) return refuse('INVALID_ARG', 0, `unknown mode ${String(mode)}`);
    let flags = 0;
    let priority = 0;
    let nowUs = this.lastNowUs;
    let parent: LockRecord | null = null;
    if (opts !== undefined) {
      if (opts.flags !== undefined) {
        flags = this.parseFlags(opts.flags);
        if (flags < 0) return refuse('INVALID_ARG', 0, 'unknown flag');
      }
      if (opts.priority !== undefined) {
        if (typeof opts.priority !== 'number' || !Number.isFinite(opts.priority)) return refuse('INVALID_ARG', 0, 'priority must be a finite number');
        priority = opts.priority;
      }
      if (opts.nowUs !== undefined) {
        if (!validTime(opts.nowUs)) return refuse('INVALID_ARG', 0, 'nowUs must be a finite number >= 0');
        nowUs = opts.nowUs;
      }
      if (opts.value !== undefined && encodeValue(opts.value, this.transferBytes(flags)) === null) {
        return refuse('INVALID_ARG', 0, `value longer than ${this.transferBytes(flags)} bytes`);
      }
      if (opts.parentLockId !== undefined) {
        const p = this.locks.get(opts.parentLockId);
        if (p === undefined) return refuse('INVALID_ARG', 0, `unknown parent lock ${opts.parentLockId}`);
        if (p.owner !== owner) return refuse('INVALID_ARG', 0, 'the parent lock belongs to another owner');
        if (p.state !== LockState.GRANTED) return refuse('PARNOTGRANT', 0, 'the parent lock is not granted');
        if (p.resource.depth + 1 >= MAX_TREE_DEPTH) return refuse('INVALID_ARG', 0, `resource tree deeper than ${MAX_TREE_DEPTH}`);
        parent = p;
      }
    }
    const bad = lockFlagsError(flags, rq) ?? profileFlagsError(flags, this.profile);
    if (bad !== null) return refuse('INVALID_ARG', 0, bad);
    if (flags & LockFlag.PERSISTENT && parent !== null) return refuse('INVALID_ARG', 0, 'PERSISTENT is not valid on a sublock (orphans are whole locks on root resources)');
    if (typeof owner !== 'string' || owner.length === 0) return refuse('INVALID_ARG', 0, 'owner must be a non-empty string');
    if (typeof resource !== 'string' || resource.length === 0) return refuse('INVALID_ARG', 0, 'resource name must be a non-empty string');
    if (this.locks.size >= this.maxLocks) throw new LockSpaceCapacityError(`lock space holds ${this.maxLocks} locks`);
    this.begin(nowUs);

    const res = this.findOrCreate(resource, parent === null ? null : parent.resource);
    const id = this.nextLockId++;
    const lock = new LockRecord(id, owner, res, parent, rq, flags, priority);
    lock.queuedAtUs = nowUs;
    lock.queueSeq = ++this.seq;
    this.attach(lock);

    if (this.canBeGranted(res, lock, true, false)) {
      this.grant(res, lock);
      return { status: 'GRANTED', lockId: id, reason: undefined };
    }
    if (!(flags & LockFlag.NOQUEUE)) {
      this.enqueue(res, lock, LockState.WAITING);
      this.sendBastQueue(res.grantedHead, lock, rq);
      if (flags & (LockFlag.HEADQUE | LockFlag.NOORDER)) {
        // At the head (Rule NW) or with NOORDER the pending rules may grant it at once; Linux
        // would leave it queued until the next grant pass.
        this.grantPending(res, false);
        if (lock.state === LockState.GRANTED) return { status: 'GRANTED', lockId: id, reason: undefined };
      }
      return { status: 'QUEUED', lockId: id, reason: undefined };
    }
    this.detach(lock);
    this.complete(lock, 'lock', 'NOTQUEUED', undefined);
    if (flags & LockFlag.NOQUEUEBAST) {
      this.sendBastQueue(res.grantedHead, lock, rq);
      this.sendBastQueue(res.convHead, lock, rq);
    }
    if (res.lockCount === 0) this.destroy(res);
    return { status: 'NOTQUEUED', lockId: id, reason: undefined };
  }

  /**
   * Converts a granted lock to `mode` (§3.3): granted at once under Rule C (QUECVT: only when no
   * conversion is queued), else checked for conversion deadlock (§6.2: refused with DEADLOCK, or
   * demoted to NL with CONVDEADLK, or queued anyway with NODLCKWT), else queued on the conversion
   * queue still holding its old mode, or refused with NOTQUEUED under NOQUEUE (it keeps its mode).
   * A conversion queued at the head (HEADQUE), with NOORDER (QUECVT+NOORDER) or after a CONVDEADLK
   * demotion is offered to the grant pass at once. A lock that is not granted, or already converting, is BUSY.
   */
  convert(lockId: number, mode: ModeName | Mode, opts?: ConvertOptions): ConvertResult {
    const lock = this.locks.get(lockId);
    if (lock === undefined) return refuse('INVALID_ARG', lockId, `unknown lock ${lockId}`);
    const rq = toMode(mode);
    if (rq === NO_MODE) return refuse('INVALID_ARG', lockId, `unknown mode ${String(mode)}`);
    const options = this.readOptions(lockId, opts);
    if ('status' in options) return options;
    const { flags, nowUs, value } = options;
    const bad = convertFlagsError(flags) ?? profileFlagsError(flags, this.profile) ?? quecvtError(flags, lock.gr, rq);
    if (bad !== null) return refuse('INVALID_ARG', lockId, bad);
    if (lock.orphan) return refuse('INVALID_ARG', lockId, 'the lock is an orphan (adopt it first)');
    if (lock.state !== LockState.GRANTED) return refuse('BUSY', lockId, 'the lock is not granted or has a request pending');
    this.begin(nowUs);

    const res = lock.resource;
    lock.rq = rq;
    lock.asked = rq;
    lock.flags = flags;
    lock.pendingValue = value;
    lock.sb = 0;
    lock.queuedAtUs = nowUs;
    lock.queueSeq = ++this.seq;

    if (this.canBeGranted(res, lock, true, false)) {
      this.grant(res, lock);
      this.grantPending(res, false);
      return { status: 'GRANTED', lockId, reason: undefined };
    }
    const partner = this.immediateConversionDeadlock ? this.detectConversionDeadlock(res, lock) : null;
    if (partner !== null && !(flags & LockFlag.NODLCKWT)) {
      this.reportConversionDeadlock(lock, partner, 'refused');
      this.revert(lock);
      this.complete(lock, 'convert', 'DEADLOCK', undefined);
      return { status: 'DEADLOCK', lockId, reason: undefined };
    }
    if (lock.sb & StatusFlag.DEMOTED) {
      // CONVDEADLK demoted this lock to NL: earlier conversions may now go first, then retry this one (Linux do_convert).
      this.convertPass(res, false);
      if (this.grantableIgnoringAlt(res, lock, true)) {
        this.grant(res, lock);
        this.grantPending(res, false);
        return { status: 'GRANTED', lockId, reason: undefined };
      }
    }
    if (!(flags & LockFlag.NOQUEUE)) {
      res.unlink(lock);
      this.enqueue(res, lock, LockState.CONVERTING);
      this.sendBastQueue(res.grantedHead, lock, lock.rq);
      if (partner !== null) {
        // NODLCKWT: queued despite the conversion deadlock; tell the owner with a bast for its own mode.
        this.reportConversionDeadlock(lock, partner, 'queued');
        if (lock.highbast < lock.rq) {
          this.queueBast(lock, lock.rq);
          lock.highbast = lock.rq;
        }
      }
      if (lock.sb & StatusFlag.DEMOTED || flags & (LockFlag.HEADQUE | LockFlag.NOORDER)) {
        // A demotion may unblock others; a conversion put at the head (Rule CQ), or a NOORDER one
        // that QUECVT forced to queue, may be grantable by the pending rules at once.
        this.grantPending(res, false);
        if (lock.state === LockState.GRANTED) return { status: 'GRANTED', lockId, reason: undefined };
      }
      return { status: 'QUEUED', lockId, reason: undefined };
    }
    this.revert(lock);
    this.complete(lock, 'convert', 'NOTQUEUED', undefined);
    if (flags & LockFlag.NOQUEUEBAST) {
      this.sendBastQueue(res.grantedHead, lock, rq);
      this.sendBastQueue(res.convHead, lock, rq);
    }
    return { status: 'NOTQUEUED', lockId, reason: undefined };
  }

  /**
   * Releases a granted lock (§3.6): from PW/EX, IVVALBLK invalidates the value block and a passed
   * `value` is written; then the grant pass runs, and the resource dies with its last lock. A lock
   * that is converting or waiting is BUSY (cancel it first) unless FORCEUNLOCK is given: then, as
   * Linux `do_unlock` does for any queue (`validate_unlock_args` lets FORCEUNLOCK through), its
   * pending request leaves its queue (a `dequeue` effect, reason `cancel`), a converting lock's
   * granted mode is released by the same value-block rule, and the one UNLOCKED completion also
   * answers the pending request (Linux queues a single `-DLM_EUNLOCK` cast). A lock with sublocks
   * is SUBLOCKS; an orphan is INVALID_ARG (adopt or purge it).
   */
  unlock(lockId: number, opts?: UnlockOptions): UnlockResult {
    const lock = this.locks.get(lockId);
    if (lock === undefined) return refuse('INVALID_ARG', lockId, `unknown lock ${lockId}`);
    const options = this.readOptions(lockId, opts);
    if ('status' in options) return options;
    const { flags, nowUs, value } = options;
    const bad = unlockFlagsError(flags) ?? profileFlagsError(flags, this.profile);
    if (bad !== null) return refuse('INVALID_ARG', lockId, bad);
    if (lock.orphan) return refuse('INVALID_ARG', lockId, 'the lock is an orphan (adopt or purge it)');
    if (lock.state !== LockState.GRANTED && !(flags & LockFlag.FORCEUNLOCK)) {
      return refuse('BUSY', lockId, 'the lock is not granted (cancel its pending request, or unlock with FORCEUNLOCK)');
    }
    if (lock.sublocks > 0) return refuse('SUBLOCKS', lockId, `the lock still has ${lock.sublocks} sublocks`);
    this.begin(nowUs);

    const res = lock.resource;
    this.releaseByOwner(lock, flags, value);
    if (res.lockCount === 0) this.destroy(res);
    else this.grantPending(res, false);
    return { status: 'UNLOCKED', lockId, reason: undefined };
  }

  /**
   * Dequeues every lock of `owner` (VMS `$DEQ` with LCK$M_DEQALL), or with `parentLockId` every
   * sublock under that lock of the owner, at any depth, the lock itself kept (VMS: "all sublocks of
   * that lock"). Each lock goes as a FORCEUNLOCK would (Linux's purge of a process's own locks,
   * `purge_proc_locks`, unlocks each with FORCEUNLOCK): pending requests leave their queues and
   * every lock gets one UNLOCKED completion, sublocks before their parents, then lock-id order. No
   * value is written (DEQALL takes no value block); IVVALBLK invalidates the block of each PW/EX lock.
   * Orphans are not the owner's any more and stay. The grant passes run once every lock is gone.
   */
  dequeueAll(owner: string, opts?: DequeueAllOptions): DequeueAllResult {
    let flags = 0;
    let nowUs = this.lastNowUs;
    let parent: LockRecord | null = null;
    if (opts?.flags !== undefined) {
      flags = this.parseFlags(opts.flags);
      if (flags < 0 || (flags & ~LockFlag.IVVALBLK) !== 0) return { ...refuse('INVALID_ARG', 0, 'only IVVALBLK is valid on dequeueAll'), count: 0 };
    }
    if (opts?.nowUs !== undefined) {
      if (!validTime(opts.nowUs)) return { ...refuse('INVALID_ARG', 0, 'nowUs must be a finite number >= 0'), count: 0 };
      nowUs = opts.nowUs;
    }
    if (opts?.parentLockId !== undefined) {
      const p = this.locks.get(opts.parentLockId);
      if (p === undefined || p.owner !== owner || p.orphan) {
        return { ...refuse('INVALID_ARG', opts.parentLockId, `lock ${opts.parentLockId} is not a lock of ${owner}`), count: 0 };
      }
      parent = p;
    }
    const doomed: LockRecord[] = [];
    for (const l of this.locks.values()) {
      if (l.owner === owner && !l.orphan && (parent === null || descendsFrom(l, parent))) doomed.push(l);
    }
    doomed.sort((a, b) => b.resource.depth - a.resource.depth || a.id - b.id);
    const lockId = parent === null ? 0 : parent.id;
    if (doomed.length === 0) return { status: 'UNLOCKED', lockId, reason: undefined, count: 0 };
    this.begin(nowUs);
    const touched: Resource[] = [];
    for (const l of doomed) {
      if (!touched.includes(l.resource)) touched.push(l.resource);
      this.releaseByOwner(l, flags, null);
    }
    this.settleResources(touched);
    return { status: 'UNLOCKED', lockId, reason: undefined, count: doomed.length };
  }

  /**
   * Cancels a lock's pending request (§3.6): a waiting new request is removed (ABORTED), a
   * conversion returns to the granted queue in its old mode (CANCELLED); the grant pass runs after
   * either. With nothing pending the answer is CANCELGRANT and nothing changes.
   */
  cancel(lockId: number, opts?: TimeOptions): CancelResult {
    const lock = this.locks.get(lockId);
    if (lock === undefined) return refuse('INVALID_ARG', lockId, `unknown lock ${lockId}`);
    let nowUs = this.lastNowUs;
    if (opts?.nowUs !== undefined) {
      if (!validTime(opts.nowUs)) return refuse('INVALID_ARG', lockId, 'nowUs must be a finite number >= 0');
      nowUs = opts.nowUs;
    }
    this.begin(nowUs);
    if (lock.state === LockState.GRANTED) {
      this.complete(lock, 'cancel', 'CANCELGRANT', undefined);
      return { status: 'CANCELGRANT', lockId, reason: undefined };
    }
    const converting = lock.state === LockState.CONVERTING;
    this.endPending(lock, 'cancel', converting ? 'CANCELLED' : 'ABORTED');
    return { status: converting ? 'CANCELLED' : 'ABORTED', lockId, reason: undefined };
  }

  /**
   * Removes every lock of `owner` (its node or session died, §8.2 step 2): waiting requests
   * disappear, granted and converting locks are released, and a purged PW/EX holder marks the value
   * block invalid (§4.3 b). No completions are sent (the owner is gone): `dequeue` and `release`
   * effects with reason `purge` say what ended. Then each touched resource gets a grant pass, or is
   * destroyed when empty. Returns how many locks were removed.
   */
  purge(owner: string, opts?: TimeOptions): number {
    let nowUs = this.lastNowUs;
    if (opts?.nowUs !== undefined && validTime(opts.nowUs)) nowUs = opts.nowUs;
    const doomed: LockRecord[] = [];
    for (const l of this.locks.values()) if (l.owner === owner) doomed.push(l);
    if (doomed.length === 0) return 0;
    this.begin(nowUs);
    const touched: Resource[] = [];
    const seen = new Set<Resource>();
    for (const l of doomed) {
      if (!seen.has(l.resource)) {
        seen.add(l.resource);
        touched.push(l.resource);
      }
      this.dropOwnerless(l);
    }
    this.settleResources(touched);
    return doomed.length;
  }

  /**
   * The owner process exited (Linux `dlm_clear_proc_locks`; its node lives on, unlike {@link purge}).
   * A lock whose latest request carried PERSISTENT becomes an orphan: a pending conversion is
   * cancelled back to its granted mode and a waiting request ends (Linux `orphan_proc_lock` cancels
   * it), and a granted lock stays granted with no owner until {@link adoptOrphan} or
   * {@link purgeOrphans}. Every other lock is removed as Linux `unlock_proc_lock` does (FORCEUNLOCK
   * with IVVALBLK: a PW/EX holder marks the value block invalid). As in a purge, the owner is gone,
   * so no completions: `dequeue`/`release` effects with reason `purge` say what ended.
   */
  clearOwner(owner: string, opts?: TimeOptions): ClearOwnerResult {
    let nowUs = this.lastNowUs;
    if (opts?.nowUs !== undefined && validTime(opts.nowUs)) nowUs = opts.nowUs;
    const mine: LockRecord[] = [];
    for (const l of this.locks.values()) if (l.owner === owner && !l.orphan) mine.push(l);
    const result: ClearOwnerResult = { released: 0, orphaned: 0 };
    if (mine.length === 0) return result;
    this.begin(nowUs);
    const touched: Resource[] = [];
    for (const l of mine) {
      if (!touched.includes(l.resource)) touched.push(l.resource);
      if (!(l.flags & LockFlag.PERSISTENT) || l.state === LockState.WAITING) {
        this.dropOwnerless(l);
        result.released++;
        continue;
      }
      if (l.state === LockState.CONVERTING) {
        this.emitDequeue(l, 'purge');
        l.resource.unlink(l);
        l.resource.link(l, LockState.GRANTED, false);
        this.revert(l);
        l.sb = 0;
      }
      l.orphan = true;
      this.orphans.add(l);
      result.orphaned++;
    }
    this.settleResources(touched);
    return result;
  }

  /**
   * Takes over an orphan (Linux `dlm_user_adopt_orphan`): the first orphan, in the order they were
   * orphaned, on root resource `resource` granted in `mode` becomes `owner`'s lock, same id, same
   * queue place, with the adopter's `flags`. NOTQUEUED when orphans exist there only in other modes
   * (Linux `-EAGAIN`), INVALID_ARG when there is none (Linux `-ENOENT`). Nothing is granted or
   * queued, so no effects.
   */
  adoptOrphan(owner: string, resource: string, mode: ModeName | Mode, opts?: AdoptOrphanOptions): AdoptOrphanResult {
    const rq = toMode(mode);
    if (rq === NO_MODE) return refuse('INVALID_ARG', 0, `unknown mode ${String(mode)}`);
    if (typeof owner !== 'string' || owner.length === 0) return refuse('INVALID_ARG', 0, 'owner must be a non-empty string');
    let flags = 0;
    if (opts?.flags !== undefined) {
      flags = this.parseFlags(opts.flags);
      if (flags < 0) return refuse('INVALID_ARG', 0, 'unknown flag');
    }
    const bad = lockFlagsError(flags, rq) ?? profileFlagsError(flags, this.profile);
    if (bad !== null) return refuse('INVALID_ARG', 0, bad);
    if (opts?.nowUs !== undefined) {
      if (!validTime(opts.nowUs)) return refuse('INVALID_ARG', 0, 'nowUs must be a finite number >= 0');
      this.begin(opts.nowUs);
    }
    let otherMode = false;
    for (const l of this.orphans) {
      if (l.resource.parent !== null || l.resource.name !== resource) continue;
      if (l.gr !== rq) {
        otherMode = true;
        continue;
      }
      this.orphans.delete(l);
      l.orphan = false;
      l.owner = owner;
      l.flags = flags;
      l.grantFlags = flags;
      return { status: 'ADOPTED', lockId: l.id, reason: undefined };
    }
    if (otherMode) return refuse('NOTQUEUED', 0, `the orphans on ${resource} hold other modes`);
    return refuse('INVALID_ARG', 0, `no orphan lock on ${resource}`);
  }

  /**
   * Removes the orphans of `formerOwner`, or every orphan when it is undefined (Linux `do_purge`,
   * pid 0 = all): each is unlocked with FORCEUNLOCK and IVVALBLK (`unlock_proc_lock`), so a PW/EX
   * orphan marks its value block invalid; `release` effects with reason `purge`, no completions.
   * Returns how many orphans were removed.
   */
  purgeOrphans(formerOwner?: string, opts?: TimeOptions): number {
    const doomed: LockRecord[] = [];
    for (const l of this.orphans) if (formerOwner === undefined || l.owner === formerOwner) doomed.push(l);
    if (doomed.length === 0) return 0;
    this.begin(opts?.nowUs !== undefined && validTime(opts.nowUs) ? opts.nowUs : this.lastNowUs);
    const touched: Resource[] = [];
    for (const l of doomed) {
      if (!touched.includes(l.resource)) touched.push(l.resource);
      this.dropOwnerless(l);
    }
    this.settleResources(touched);
    return doomed.length;
  }

  // ---------------------------------------------------------------- deadlock

  /**
   * The timed deadlock search (§6.1): on behalf of every pending request that has waited at least
   * `deadlockWaitMs` (NODLCKWT excluded), in the order they timed out, look for a wait-for cycle
   * through it; complete the cycle's victim (lowest priority, then first timed out) with DEADLOCK and
   * start over, until no timed-out request is on a cycle. Returns the deadlocks found (also appended as
   * `deadlock` effects, each before its victim's completion). Returns [] when the search is off.
   */
  findDeadlocks(nowUs: number): DeadlockReport[] {
    if (this.deadlockWaitMs <= 0) return [];
    if (!validTime(nowUs)) throw new RangeError('nowUs must be a finite number >= 0');
    this.begin(nowUs);
    const waitUs = this.deadlockWaitMs * 1000;
    const timedOut: LockRecord[] = [];
    for (const l of this.locks.values()) {
      if (l.state !== LockState.GRANTED && !(l.flags & LockFlag.NODLCKWT) && nowUs - l.queuedAtUs >= waitUs) timedOut.push(l);
    }
    timedOut.sort((a, b) => a.queuedAtUs - b.queuedAtUs || a.queueSeq - b.queueSeq);
    const reports: DeadlockReport[] = [];
    // Each victim changes the graph (a reverted conversion blocks again, a grant pass adds
    // holders), so after one the scan starts over from the first request that timed out. Every
    // round but the last ends a pending request, which bounds the rounds.
    const bound = this.locks.size + 1;
    for (let round = 0; ; round++) {
      if (round > bound) throw new LockSpaceInvariantError('deadlock search resolved more cycles than there are requests');
      let resolved = false;
      for (const x of timedOut) {
        if (this.locks.get(x.id) !== x || x.state === LockState.GRANTED) continue;
        const cycle = findCycleThrough(this.waitForEdges(), x.id, localEdgeView);
        if (cycle === null) continue;
        const v = this.locks.get(chooseVictim(cycle).waiterLockId);
        if (v === undefined || v.state === LockState.GRANTED) throw new LockSpaceInvariantError('deadlock victim is not a pending request');
        const report: DeadlockReport = {
          detection: 'timed',
          resolution: 'victim',
          initiatorLockId: x.id,
          victimLockId: v.id,
          victimOwner: v.owner,
          atUs: nowUs,
          cycle,
        };
        this.out.push({ type: 'deadlock', ...report });
        reports.push(report);
        this.endPending(v, 'deadlock', 'DEADLOCK');
        resolved = true;
        break;
      }
      if (!resolved) return reports;
    }
  }

  /**
   * When the next deadlock search is due after `afterUs`: the earliest time a pending request times
   * out, or, for requests already timed out, `afterUs + deadlockWaitMs` (a cycle can close after
   * all its members timed out, so searches repeat while they wait). Undefined when the search is
   * off or nothing eligible is pending.
   */
  nextDeadlockSearchUs(afterUs: number): number | undefined {
    if (this.deadlockWaitMs <= 0) return undefined;
    const waitUs = this.deadlockWaitMs * 1000;
    let next: number | undefined;
    for (const l of this.locks.values()) {
      if (l.state === LockState.GRANTED || l.flags & LockFlag.NODLCKWT) continue;
      const due = l.queuedAtUs + waitUs > afterUs ? l.queuedAtUs + waitUs : afterUs + waitUs;
      if (next === undefined || due < next) next = due;
    }
    return next;
  }

  /**
   * Every local wait-for edge (NODLCKWT waiters and NODLCKBLK blockers excluded), resource by
   * resource, for a cluster-wide search that gathers edges from several masters.
   */
  waitForEdges(): WaitForEdge[] {
    const edges: WaitForEdge[] = [];
    this.forEachResource((r) => collectResourceEdges(r, this.compatMask, edges));
    return edges;
  }

  /**
   * Completes a pending request as a deadlock victim chosen elsewhere (the cluster-wide search):
   * status DEADLOCK, a conversion back to its granted mode, a waiting request removed; then the
   * grant pass. INVALID_ARG when the lock is unknown or has nothing pending.
   */
  completeAsDeadlockVictim(lockId: number, opts?: TimeOptions): VictimResult {
    const lock = this.locks.get(lockId);
    if (lock === undefined) return refuse('INVALID_ARG', lockId, `unknown lock ${lockId}`);
    if (lock.state === LockState.GRANTED) return refuse('INVALID_ARG', lockId, 'the lock has no pending request');
    this.begin(opts?.nowUs !== undefined && validTime(opts.nowUs) ? opts.nowUs : this.lastNowUs);
    this.endPending(lock, 'deadlock', 'DEADLOCK');
    return { status: 'DEADLOCK', lockId, reason: undefined };
  }

  // ---------------------------------------------------------------- inspection

  /** Number of live locks. */
  get lockCount(): number {
    return this.locks.size;
  }

  /** Number of live resources (sub-resources included). */
  get resourceCount(): number {
    return this.resourceTotal;
  }

  /** The lock `lockId`, or undefined when it does not exist (never did, or ended). */
  lockInfo(lockId: number): LockInfo | undefined {
    const l = this.locks.get(lockId);
    return l === undefined ? undefined : this.info(l);
  }

  /** The locks of `owner`, in lock-id order. */
  locksOf(owner: string): LockInfo[] {
    const out: LockInfo[] = [];
    for (const l of this.locks.values()) if (l.owner === owner) out.push(this.info(l));
    return out;
  }

  /** The resource named by `path` (root name, then sub-resource names), or undefined when it does not exist. */
  resource(...path: string[]): ResourceSnapshot | undefined {
    const r = this.lookup(path);
    if (r === undefined) return undefined;
    const list = (head: LockRecord | null): LockInfo[] => {
      const out: LockInfo[] = [];
      for (let l = head; l !== null; l = l.next) out.push(this.info(l));
      return out;
    };
    const bytes = r.lvb === null ? new Uint8Array(this.extendedValueBlockBytes) : r.lvb.slice();
    return {
      resource: r.display,
      name: r.name,
      path: pathOf(r),
      parent: r.parent?.display,
      granted: list(r.grantedHead),
      converting: list(r.convHead),
      waiting: list(r.waitHead),
      valueBlock: { value: decodeValue(bytes), bytes, valid: !r.lvbInvalid, seq: r.lvbSeq, extendedValid: !r.extendedStale },
      children: r.children === null ? [] : [...r.children.keys()],
    };
  }

  /** The paths of every live resource, parents before children, in creation order. */
  resourcePaths(): string[][] {
    const out: string[][] = [];
    this.forEachResource((r) => out.push(pathOf(r)));
    return out;
  }

  // ---------------------------------------------------------------- recovery (recovery.ts)

  /**
   * Every lock as a {@link LockCopy}, resource by resource (parents before children), each resource's
   * locks in queue order: granted, converting, waiting. What the surviving nodes' copies would tell a
   * new master; `adopt(snapshot())` into an empty space rebuilds the same queues.
   */
  snapshot(): LockCopy[] {
    return snapshotLocks(this.recovery);
  }

  /**
   * Rebuilds resources from surviving lock copies as a new master does (§8.2 steps 4–6): the copies
   * go onto their queues in the order given; converting copies without a granted mode (PR↔CW in
   * flight) are repaired; each resource's value block is recovered from the copies (§4.3: a copy
   * held above CR wins; otherwise the highest sequence number, and the block is marked invalid);
   * then a grant pass grants conversions regardless of queue order (the first pass after
   * recovery). Every resource that receives copies must not exist yet. Throws {@link AdoptError}
   * before changing anything when the copies are inconsistent. Returns the lock ids, in copy order.
   */
  adopt(copies: readonly LockCopy[], opts?: TimeOptions): number[] {
    const nowUs = opts?.nowUs !== undefined && validTime(opts.nowUs) ? opts.nowUs : this.lastNowUs;
    return adoptCopies(this.recovery, copies, nowUs);
  }

  /** The internals recovery.ts works through (see {@link RecoveryHost}). */
  private recoveryHost(): RecoveryHost {
    return {
      valueBlockBytes: this.extendedValueBlockBytes,
      lockById: (lockId) => this.locks.get(lockId),
      lookup: (path) => this.lookup(path),
      forEachResource: (visit) => this.forEachResource(visit),
      begin: (nowUs) => this.begin(nowUs),
      reserveLockId: (lockId) => {
        if (lockId >= this.nextLockId) this.nextLockId = lockId + 1;
      },
      freshLockId: () => this.nextLockId++,
      nextSeq: () => ++this.seq,
      findOrCreate: (name, parent) => this.findOrCreate(name, parent),
      attach: (lock) => this.attach(lock),
      invalidateValueBlock: (res) => this.invalidate(res, 'recovery', null),
      grantPendingAfterRecovery: (res) => this.grantPending(res, true),
    };
  }

  // ---------------------------------------------------------------- internals: grant rules

  /**
   * Linux `_can_be_granted` (§3.2–§3.5): `now` = the request is being made (not yet queued),
   * `recover` = the first pass after recovery (conversions ignore queue order).
   */
  private grantableIgnoringAlt(res: Resource, lock: LockRecord, now: boolean, recover = false): boolean {
    const conv = lock.gr >= 0;
    const flags = lock.flags;
    if (flags & LockFlag.EXPEDITE) return true;
    let held = res.heldMask;
    if (conv && res.held[lock.gr] === 1) held &= ~(1 << lock.gr);
    if ((held & ~this.compatMask[lock.rq]!) !== 0) return false;
    if (conv && recover) return true;
    if (now && conv) return !(flags & LockFlag.QUECVT) || res.convHead === null;
    if (flags & LockFlag.NOORDER) return true;
    if (conv) return res.convHead === lock;
    if (now) return res.convHead === null && res.waitHead === null;
    return res.convHead === null && (res.waitHead === lock || this.skipFifo);
  }

  /**
   * Linux `can_be_granted`: the rules above, then the ALTPR/ALTCW retry. Linux checks for
   * conversion deadlock before trying the alternate mode; here a request grantable in its alternate
   * mode is granted, since it never has to queue (the model-based test found a NODLCKWT conversion
   * queued as "deadlocked" while its ALTPR mode was grantable), and the deadlock check
   * ({@link detectConversionDeadlock}) follows a refusal.
   */
  private canBeGranted(res: Resource, lock: LockRecord, now: boolean, recover: boolean): boolean {
    if (this.grantableIgnoringAlt(res, lock, now, recover)) return true;
    const flags = lock.flags;
    const orig = lock.rq;
    const alt = orig !== Mode.PR && flags & LockFlag.ALTPR ? Mode.PR : orig !== Mode.CW && flags & LockFlag.ALTCW ? Mode.CW : NO_MODE;
    if (alt !== NO_MODE) {
      lock.rq = alt;
      if (this.grantableIgnoringAlt(res, lock, now, false)) {
        lock.sb |= StatusFlag.ALTMODE;
        return true;
      }
      lock.rq = orig;
    }
    return false;
  }

  /**
   * The deadlock half of Linux `can_be_granted`, for a request it just refused: a queueable
   * conversion in conversion deadlock is demoted to NL under CONVDEADLK (and null returned);
   * otherwise its partner is returned. Null when there is no conversion deadlock.
   */
  private detectConversionDeadlock(res: Resource, lock: LockRecord): LockRecord | null {
    if (lock.gr < 0 || lock.flags & LockFlag.NOQUEUE) return null;
    const partner = this.conversionDeadlockPartner(res, lock);
    if (partner === null) return null;
    if (lock.flags & LockFlag.CONVDEADLK && lock.gr !== Mode.NL) {
      this.demote(res, lock, partner);
      return null;
    }
    return partner;
  }

  /**
   * Linux `conversion_deadlock_detect` (§6.2): a conversion is deadlocked with a queued conversion
   * ahead of it whose requested mode its own granted mode blocks, or with one behind it when each
   * blocks the other. Returns that partner, or null.
   */
  private conversionDeadlockPartner(res: Resource, lock: LockRecord): LockRecord | null {
    const grBit = 1 << lock.gr;
    let behind = false;
    for (let other = res.convHead; other !== null; other = other.next) {
      if (other === lock) {
        behind = true;
        continue;
      }
      const blocksOther = (this.compatMask[other.rq]! & grBit) === 0;
      if (!behind) {
        if (blocksOther) return other;
      } else if (blocksOther && (this.compatMask[lock.rq]! & (1 << other.gr)) === 0) {
        return other;
      }
    }
    return null;
  }

  /** CONVDEADLK: the lock's granted mode becomes NL and its completion will carry DEMOTED (§6.2). */
  private demote(res: Resource, lock: LockRecord, partner: LockRecord): void {
    this.reportConversionDeadlock(lock, partner, 'demoted');
    const from = lock.gr;
    res.removeHeld(from);
    res.addHeld(Mode.NL);
    lock.gr = Mode.NL;
    lock.grantedAtUs = this.nowUs;
    lock.grantSeq = ++this.seq;
    lock.sb |= StatusFlag.DEMOTED;
    this.out.push({ type: 'demote', lockId: lock.id, owner: lock.owner, resource: res.display, fromMode: MODE_NAMES[from]!, mode: 'NL' });
  }

  /**
   * Linux `grant_pending_locks` (§3.4): the conversion pass, the wait pass, then basts to the granted
   * locks that block the highest still-blocked mode.
   */
  private grantPending(res: Resource, recover: boolean): void {
    const blocked = this.convertPass(res, recover);
    let high = blocked.highestMode;
    let cw = blocked.anyConcurrentWrite;
    // Wait pass. Once a head stays blocked, only NOORDER requests behind it can still be granted,
    // so the walk stops there unless some are queued (or the test-only FIFO plant is on).
    let headBlocked = false;
    for (let l = res.waitHead; l !== null; ) {
      const next = l.next;
      if (headBlocked && !(l.flags & LockFlag.NOORDER) && !this.skipFifo) {
        l = next;
        continue;
      }
      if (this.canBeGranted(res, l, false, false)) this.grant(res, l);
      else if (res.waitNoorder === 0 && !this.skipFifo) break;
      else headBlocked = true;
      l = next;
    }
    if (res.waitCount > 0) {
      // Every request still waiting is blocked: the highest asked mode and any CW among them.
      const asked = res.waitAsked!;
      for (let m = Mode.EX; m > high; m--) {
        if (asked[m]! > 0) {
          high = m;
          break;
        }
      }
      if (asked[Mode.CW]! > 0) cw = true;
    }
    if (high === NO_MODE) return;
    for (let g = res.grantedHead; g !== null; g = g.next) {
      if (this.lockRequiresBast(g, high, cw)) {
        this.queueBast(g, cw && high === Mode.PR && g.gr === Mode.PR ? Mode.CW : high);
        g.highbast = high;
      }
    }
  }

  /**
   * The conversion pass (Linux `grant_pending_convert`): grants queued conversions in order
   * (Rule CQ; NOORDER and recovery ignore order), restarting from the head after every grant or
   * demotion; a NODLCKWT lock found in conversion deadlock gets a bast for its own mode. Returns
   * what stays blocked (conversions in conversion deadlock left out).
   */
  private convertPass(res: Resource, recover: boolean): BlockedConversions {
    const limit = 2 * res.convCount + 2;
    let rounds = 0;
    // Stryker disable next-line ConditionalExpression: the instrumenter wraps the loop in an if that takes the label, which cannot compile (`continue restart`)
    restart: for (;;) {
      if (++rounds > limit) throw new LockSpaceInvariantError(`conversion pass on ${res.display} did not settle`);
      let high: number = NO_MODE;
      let cw = false;
      for (let l = res.convHead; l !== null; ) {
        const next = l.next;
        const wasDemoted = (l.sb & StatusFlag.DEMOTED) !== 0;
        if (this.canBeGranted(res, l, false, recover)) {
          this.grant(res, l);
          continue restart;
        }
        const partner = this.immediateConversionDeadlock ? this.detectConversionDeadlock(res, l) : null;
        if (!wasDemoted && l.sb & StatusFlag.DEMOTED) continue restart;
        if (partner !== null) {
          if (l.flags & LockFlag.NODLCKWT && l.highbast < l.rq) {
            this.reportConversionDeadlock(l, partner, 'queued');
            this.queueBast(l, l.rq);
            l.highbast = l.rq;
          }
          l = next;
          continue;
        }
        if (l.rq > high) high = l.rq;
        if (l.rq === Mode.CW) cw = true;
        l = next;
      }
      return { highestMode: high, anyConcurrentWrite: cw };
    }
  }

  /**
   * Grants the lock its requested mode (Linux `grant_lock`: `set_lvb_lock` then `_grant_lock`) and
   * appends its GRANTED completion.
   */
  private grant(res: Resource, lock: LockRecord): void {
    const prev = lock.gr;
    const rq = lock.rq;
    const flags = lock.flags;
    let value: Uint8Array | undefined;
    const op = LVB_OPERATIONS[prev + 1]![rq]!;
    if (op === LvbOp.READ) {
      if (flags & LockFlag.VALBLK) value = this.readFor(res, lock, flags);
    } else if (op === LvbOp.WRITE) {
      if (flags & LockFlag.IVVALBLK) this.invalidate(res, 'ivvalblk', lock);
      else if (flags & LockFlag.VALBLK && lock.pendingValue !== null) value = this.write(res, lock, lock.pendingValue);
    }
    if (flags & LockFlag.VALBLK && res.lvbInvalid) lock.sb |= StatusFlag.VALNOTVALID;
    if (lock.state !== LockState.GRANTED) {
      if (lock.state !== LockState.NONE) res.unlink(lock);
      res.link(lock, LockState.GRANTED, false);
    } else if (prev !== rq) {
      res.unlink(lock);
      res.link(lock, LockState.GRANTED, false);
    }
    if (prev >= 0) res.removeHeld(prev);
    res.addHeld(rq);
    lock.gr = rq;
    lock.rq = NO_MODE;
    lock.highbast = 0;
    lock.pendingValue = null;
    lock.grantFlags = flags;
    lock.grantedAtUs = this.nowUs;
    lock.grantSeq = ++this.seq;
    if (value !== undefined) {
      lock.lvbCopy = value;
      lock.lvbCopySeq = res.lvbSeq;
    }
    this.complete(lock, prev < 0 ? 'lock' : 'convert', 'GRANTED', value);
  }

  /**
   * Ends a lock at its owner's request (unlock, FORCEUNLOCK, DEQALL) with one UNLOCKED completion: a
   * pending request leaves its queue first; from PW/EX, IVVALBLK invalidates the value block and a
   * passed value is written. The caller runs the grant pass or destroys the resource.
   */
  private releaseByOwner(lock: LockRecord, flags: number, value: Uint8Array | null): void {
    const res = lock.resource;
    if (lock.state !== LockState.GRANTED) this.emitDequeue(lock, 'cancel');
    if (lock.gr >= Mode.PW) {
      if (flags & LockFlag.IVVALBLK) this.invalidate(res, 'ivvalblk', lock);
      else if (value !== null) this.write(res, lock, value);
    }
    res.unlink(lock);
    if (lock.gr >= 0) res.removeHeld(lock.gr);
    lock.gr = NO_MODE;
    lock.rq = NO_MODE;
    lock.sb = 0;
    this.detach(lock);
    this.complete(lock, 'unlock', 'UNLOCKED', undefined);
  }

  /**
   * Removes a lock whose owner is gone (purge, process exit, orphan purge), without a completion: a
   * pending request's `dequeue`, a granted mode's `release` (reason `purge`), and a PW/EX mode marks
   * the value block invalid (§4.3 b). The caller settles the resource.
   */
  private dropOwnerless(l: LockRecord): void {
    const res = l.resource;
    if (l.state !== LockState.GRANTED) this.emitDequeue(l, 'purge');
    if (l.gr >= 0) {
      this.out.push({ type: 'release', lockId: l.id, owner: l.owner, resource: res.display, mode: MODE_NAMES[l.gr]!, reason: 'purge' });
      if (l.gr >= Mode.PW) this.invalidate(res, 'purge', l);
      res.removeHeld(l.gr);
    }
    res.unlink(l);
    this.detach(l);
  }

  /** After locks were removed: each touched resource, deepest first (a sub-resource before its parent), dies empty or gets a grant pass. */
  private settleResources(touched: readonly Resource[]): void {
    const order = touched.map((r, i) => ({ r, i })).sort((a, b) => b.r.depth - a.r.depth || a.i - b.i);
    for (const { r } of order) {
      if (r.lockCount === 0) this.destroy(r);
      else this.grantPending(r, false);
    }
  }

  /** Ends a pending request without a grant (cancel, deadlock victim): ABORTED/CANCELLED/DEADLOCK. */
  private endPending(lock: LockRecord, reason: 'cancel' | 'deadlock', status: 'ABORTED' | 'CANCELLED' | 'DEADLOCK'): void {
    const res = lock.resource;
    this.emitDequeue(lock, reason);
    if (lock.state === LockState.CONVERTING) {
      res.unlink(lock);
      res.link(lock, LockState.GRANTED, false);
      this.revert(lock);
      this.complete(lock, 'convert', status, undefined);
      this.grantPending(res, false);
      return;
    }
    res.unlink(lock);
    this.detach(lock);
    this.complete(lock, 'lock', status, undefined);
    if (res.lockCount === 0) this.destroy(res);
    else this.grantPending(res, false);
  }

  /** A conversion that did not happen: no mode requested any more, the granted request's flags back. */
  private revert(lock: LockRecord): void {
    lock.rq = NO_MODE;
    lock.flags = lock.grantFlags;
    lock.pendingValue = null;
  }

  /** Puts a request on the waiting or conversion queue and announces it. */
  private enqueue(res: Resource, lock: LockRecord, state: typeof LockState.WAITING | typeof LockState.CONVERTING): void {
    res.link(lock, state, (lock.flags & LockFlag.HEADQUE) !== 0);
    this.out.push({
      type: 'enqueue',
      lockId: lock.id,
      owner: lock.owner,
      resource: res.display,
      mode: MODE_NAMES[lock.rq]!,
      heldMode: lock.gr >= 0 ? MODE_NAMES[lock.gr] : undefined,
      queue: state === LockState.WAITING ? 'waiting' : 'converting',
      flags: lock.flags,
      atUs: this.nowUs,
    });
  }

  // ---------------------------------------------------------------- internals: basts (§7.2)

  /** Linux `lock_requires_bast`: after a grant pass, does granted lock `g` block the highest blocked mode? */
  private lockRequiresBast(g: LockRecord, high: number, cw: boolean): boolean {
    if (g.gr === Mode.PR && cw) return g.highbast < Mode.EX;
    return g.highbast < high && ((this.compatMask[high]! >> g.gr) & 1) === 0;
  }

  /**
   * Linux `send_bast_queue`: basts to the locks of one queue (from `head`) that block a request for
   * `mode` by `self`, with the highbast rule and the PR/CW special case (§7.2 rule 1).
   */
  private sendBastQueue(head: LockRecord | null, self: LockRecord, mode: number): void {
    for (let g = head; g !== null; g = g.next) {
      if (g === self) continue;
      let needed: boolean;
      if ((g.gr === Mode.PR && mode === Mode.CW) || (g.gr === Mode.CW && mode === Mode.PR)) needed = g.highbast < Mode.EX;
      else needed = g.highbast < mode && ((this.compatMask[mode]! >> g.gr) & 1) === 0;
      if (needed) {
        this.queueBast(g, mode);
        g.highbast = mode;
      }
    }
  }

  /**
   * Appends a bast unless suppressed (Linux `dlm_may_skip_callback`, §7.2): stale when its mode is
   * compatible with the mode of the lock's last completion; redundant right behind a bast for the
   * same mode or for a more restrictive mode above PR.
   */
  private queueBast(lock: LockRecord, mode: number): void {
    if (lock.lastCastMode >= 0 && ((this.compatMask[mode]! >> lock.lastCastMode) & 1) === 1) return;
    if (lock.lastCbBast && (lock.lastCbMode === mode || (lock.lastCbMode > mode && lock.lastCbMode > Mode.PR))) return;
    lock.lastCbMode = mode;
    lock.lastCbBast = true;
    this.out.push({ type: 'bast', lockId: lock.id, owner: lock.owner, resource: lock.resource.display, mode: MODE_NAMES[mode]! });
  }

  // ---------------------------------------------------------------- internals: effects and bookkeeping

  /** Appends a completion carrying the lock's current mode and pending status flags, then clears them. */
  private complete(lock: LockRecord, op: Operation, status: CompleteEffect['status'], value: Uint8Array | undefined): void {
    const gr = lock.gr;
    const asked = op === 'lock' || op === 'convert' ? lock.asked : NO_MODE;
    this.out.push({
      type: 'complete',
      op,
      lockId: lock.id,
      owner: lock.owner,
      resource: lock.resource.display,
      status,
      mode: gr >= 0 ? MODE_NAMES[gr] : undefined,
      requestedMode: asked >= 0 ? MODE_NAMES[asked] : undefined,
      flags: lock.sb,
      value: value === undefined ? undefined : decodeValue(value),
      valueBytes: value,
      lvbSeq: value === undefined ? undefined : lock.resource.lvbSeq,
    });
    lock.sb = 0;
    lock.lastCastMode = gr;
    lock.lastCbMode = gr;
    lock.lastCbBast = false;
  }

  private emitDequeue(lock: LockRecord, reason: 'cancel' | 'deadlock' | 'purge'): void {
    this.out.push({ type: 'dequeue', lockId: lock.id, owner: lock.owner, resource: lock.resource.display, mode: MODE_NAMES[lock.rq]!, reason });
  }

  /**
   * The block a VALBLK grant reads (§4.2 value 1): the resource's copy, or in the `vms` profile its
   * first `valueBlockBytes` unless XVALBLK asks for all of it, flagged XVALNOTVALID when a short
   * write left the tail stale (VMS `SS$_XVALNOTVALID`).
   */
  private readFor(res: Resource, lock: LockRecord, flags: number): Uint8Array {
    if (this.extendedValueBlockBytes === this.valueBlockBytes) return res.lvb ?? new Uint8Array(this.valueBlockBytes);
    const block = res.lvb ?? new Uint8Array(this.extendedValueBlockBytes);
    if (!(flags & LockFlag.XVALBLK)) return block.slice(0, this.valueBlockBytes);
    if (res.extendedStale) lock.sb |= StatusFlag.XVALNOTVALID;
    return block;
  }

  /**
   * Writes the resource's value block from `lock` and returns what the writer now holds: the whole
   * block, or (a short VMS VALBLK write into the 64-byte copy) its first bytes, which leaves the tail
   * stale for XVALBLK readers until an XVALBLK writer writes it all.
   */
  private write(res: Resource, lock: LockRecord, value: Uint8Array): Uint8Array {
    const whole = value.length === this.extendedValueBlockBytes;
    if (whole) writeBlock(res, value);
    else writeBlockPrefix(res, value, this.extendedValueBlockBytes);
    res.extendedStale = !whole;
    const bytes = res.lvb!;
    this.out.push({ type: 'lvb-write', lockId: lock.id, owner: lock.owner, resource: res.display, value: decodeValue(bytes), valueBytes: bytes, seq: res.lvbSeq });
    return whole ? bytes : bytes.slice(0, value.length);
  }

  /** Bytes a request with `flags` transfers: the whole block with XVALBLK, else `valueBlockBytes`. */
  private transferBytes(flags: number): number {
    return flags & LockFlag.XVALBLK ? this.extendedValueBlockBytes : this.valueBlockBytes;
  }

  private invalidate(res: Resource, reason: 'ivvalblk' | 'purge' | 'recovery', lock: LockRecord | null): void {
    invalidateBlock(res);
    this.out.push({ type: 'lvb-invalidate', resource: res.display, reason, lockId: lock?.id, owner: lock?.owner });
  }

  private reportConversionDeadlock(newcomer: LockRecord, partner: LockRecord, resolution: 'refused' | 'demoted' | 'queued'): void {
    const back = (this.compatMask[newcomer.rq]! >> partner.gr) & 1 ? 'queue' : 'conflict';
    this.out.push({
      type: 'deadlock',
      detection: 'conversion',
      resolution,
      initiatorLockId: newcomer.id,
      victimLockId: resolution === 'queued' ? undefined : newcomer.id,
      victimOwner: resolution === 'queued' ? undefined : newcomer.owner,
      atUs: this.nowUs,
      cycle: [makeEdge('conflict', partner, newcomer), makeEdge(back, newcomer, partner)],
    });
  }

  /** Counts a new lock as live: in the space, on its resource, under its parent lock. */
  private attach(lock: LockRecord): void {
    this.locks.set(lock.id, lock);
    lock.resource.lockCount++;
    if (lock.parent !== null) lock.parent.sublocks++;
  }

  /** Removes an ended lock from the space (its queue link is already gone). */
  private detach(lock: LockRecord): void {
    if (lock.orphan) {
      lock.orphan = false;
      this.orphans.delete(lock);
    }
    this.locks.delete(lock.id);
    lock.resource.lockCount--;
    if (lock.parent !== null) lock.parent.sublocks--;
  }

  private begin(nowUs: number): void {
    this.nowUs = nowUs;
    if (nowUs > this.lastNowUs) this.lastNowUs = nowUs;
  }

  /**
   * Reads convert's and unlock's shared options (flags, nowUs, value, checked in that order), with
   * their defaults; returns the refusal of the first invalid one instead.
   */
  private readOptions(lockId: number, opts: ConvertOptions | UnlockOptions | undefined): RequestOptions | InvalidArgument {
    const options: RequestOptions = { flags: 0, nowUs: this.lastNowUs, value: null };
    if (opts === undefined) return options;
    if (opts.flags !== undefined) {
      options.flags = this.parseFlags(opts.flags);
      if (options.flags < 0) return refuse('INVALID_ARG', lockId, 'unknown flag');
    }
    if (opts.nowUs !== undefined) {
      if (!validTime(opts.nowUs)) return refuse('INVALID_ARG', lockId, 'nowUs must be a finite number >= 0');
      options.nowUs = opts.nowUs;
    }
    if (opts.value !== undefined) {
      const size = this.transferBytes(options.flags);
      options.value = encodeValue(opts.value, size);
      if (options.value === null) return refuse('INVALID_ARG', lockId, `value longer than ${size} bytes`);
    }
    return options;
  }

  private parseFlags(flags: FlagsArg): number {
    if (typeof flags === 'number') return Number.isInteger(flags) && flags >= 0 ? flags : -1;
    return Array.isArray(flags) ? flagsFromNames(flags) : -1;
  }

  private findOrCreate(name: string, parent: Resource | null): Resource {
    const table = parent === null ? this.roots : (parent.children ??= new Map<string, Resource>());
    let res = table.get(name);
    if (res === undefined) {
      res = new Resource(name, parent);
      table.set(name, res);
      this.resourceTotal++;
      this.out.push({ type: 'resource-create', resource: res.display, name, parent: parent?.display });
    }
    return res;
  }

  private destroy(res: Resource): void {
    if (res.lockCount !== 0 || (res.children !== null && res.children.size > 0)) {
      throw new LockSpaceInvariantError(`resource ${res.display} destroyed while in use`);
    }
    const table = res.parent === null ? this.roots : res.parent.children;
    if (table === null || table.get(res.name) !== res) throw new LockSpaceInvariantError(`resource ${res.display} is not registered`);
    table.delete(res.name);
    this.resourceTotal--;
    this.out.push({ type: 'resource-destroy', resource: res.display, name: res.name, parent: res.parent?.display });
  }

  private lookup(path: readonly string[]): Resource | undefined {
    let table: Map<string, Resource> | null = this.roots;
    let res: Resource | undefined;
    for (const name of path) {
      if (table === null) return undefined;
      res = table.get(name);
      if (res === undefined) return undefined;
      table = res.children;
    }
    return res;
  }

  /** Visits every resource, parents before children, in insertion order (bounded by the resource count). */
  private forEachResource(visit: (r: Resource) => void): void {
    const stack: Resource[] = [...this.roots.values()].reverse();
    let visited = 0;
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (++visited > this.resourceTotal) throw new LockSpaceInvariantError('resource tree larger than the resource count');
      visit(r);
      if (r.children !== null) {
        const kids = [...r.children.values()];
        for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
      }
    }
  }

  private info(l: LockRecord): LockInfo {
    return {
      lockId: l.id,
      owner: l.owner,
      resource: l.resource.display,
      path: pathOf(l.resource),
      state: STATE_NAMES[l.state as 0 | 1 | 2],
      grantedMode: l.gr >= 0 ? MODE_NAMES[l.gr] : undefined,
      requestedMode: l.rq >= 0 ? MODE_NAMES[l.rq] : undefined,
      flags: l.flags,
      priority: l.priority,
      parentLockId: l.parent?.id,
      sublocks: l.sublocks,
      demoted: (l.sb & StatusFlag.DEMOTED) !== 0,
      orphan: l.orphan,
      queuedAtUs: l.state === LockState.GRANTED ? undefined : l.queuedAtUs,
      grantedAtUs: l.gr >= 0 ? l.grantedAtUs : undefined,
    };
  }
}
