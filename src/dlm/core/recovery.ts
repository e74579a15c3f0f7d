/**
 * The recovery half of the lock space (dlm-semantics §8.2 steps 4–6, §4.3): exporting every lock as
 * the copy a surviving node would report ({@link snapshotLocks}), and rebuilding resources from such
 * copies as a new master does ({@link adoptCopies}: check the whole batch, rebuild the queues,
 * repair in-flight PR↔CW conversions as Linux `recover_conversion` does, recover each value block as
 * Linux `recover_lvb` does, then run the first grant pass after recovery).
 *
 * It reaches the space only through {@link RecoveryHost}, the few operations recovery needs, so the
 * request paths and their bookkeeping stay private to lockspace.ts.
 */
import { AdoptError, LockSpaceInvariantError } from './errors.js';
import { LockFlag } from './flags.js';
import { type LockCopy, MAX_TREE_DEPTH, validTime } from './lockspace-types.js';
import { MODE_NAMES, Mode, NO_MODE, toMode } from './modes.js';
import { LockRecord, LockState, Resource, STATE_NAMES, pathOf } from './resource.js';
import { encodeValue } from './valueblock.js';

/** What recovery needs of the lock space it rebuilds. */
export interface RecoveryHost {
  readonly valueBlockBytes: number;
  /** The live lock `lockId`, or undefined. */
  lockById(lockId: number): LockRecord | undefined;
  /** The live resource at `path` (root name first), or undefined. */
  lookup(path: readonly string[]): Resource | undefined;
  /** Visits every resource, parents before children, in creation order. */
  forEachResource(visit: (resource: Resource) => void): void;
  /** Starts an operation at `nowUs`. */
  begin(nowUs: number): void;
  /** Makes every id the space hands out from now on greater than `lockId`. */
  reserveLockId(lockId: number): void;
  /** A fresh lock id. */
  freshLockId(): number;
  /** The next number of the space's global event order. */
  nextSeq(): number;
  /** The resource `name` under `parent` (a root when null), created when missing. */
  findOrCreate(name: string, parent: Resource | null): Resource;
  /** Counts a lock already linked on its queue as live in the space. */
  attach(lock: LockRecord): void;
  /** Marks the resource's value block invalid because recovery could not trust it. */
  invalidateValueBlock(resource: Resource): void;
  /** The first grant pass after recovery: conversions ignore queue order. */
  grantPendingAfterRecovery(resource: Resource): void;
}

/** One checked copy of a batch, with its modes, flags and value block decoded. */
interface PlannedCopy {
  copy: LockCopy;
  /** Position of the copy in the batch (the returned ids follow it). */
  index: number;
  grantedMode: number;
  requestedMode: number;
  flags: number;
  value: Uint8Array | null;
}

/**
 * Every lock as a {@link LockCopy}, resource by resource (parents before children), each resource's
 * locks in queue order: granted, converting, waiting.
 */
export function snapshotLocks(host: RecoveryHost): LockCopy[] {
  const out: LockCopy[] = [];
  host.forEachResource((resource) => {
    const path = pathOf(resource);
    for (const head of [resource.grantedHead, resource.convHead, resource.waitHead]) {
      for (let lock = head; lock !== null; lock = lock.next) out.push(copyOf(lock, path));
    }
  });
  return out;
}

function copyOf(lock: LockRecord, path: string[]): LockCopy {
  const copy: LockCopy = {
    lockId: lock.id,
    owner: lock.owner,
    path,
    state: STATE_NAMES[lock.state as 0 | 1 | 2],
    flags: lock.state === LockState.GRANTED ? lock.grantFlags : lock.flags,
    priority: lock.priority,
    queuedAtUs: lock.queuedAtUs,
  };
  if (lock.parent !== null) copy.parentLockId = lock.parent.id;
  if (lock.gr >= 0) copy.grantedMode = MODE_NAMES[lock.gr]!;
  if (lock.rq >= 0) copy.requestedMode = MODE_NAMES[lock.asked]!;
  if (lock.lvbCopy !== null) {
    copy.value = lock.lvbCopy;
    copy.lvbSeq = lock.lvbCopySeq;
  }
  return copy;
}

/**
 * Rebuilds resources from surviving lock copies at `nowUs` (see LockSpace.adopt). Throws
 * {@link AdoptError} before changing anything when the copies are inconsistent. Returns the lock
 * ids, in copy order.
 */
export function adoptCopies(host: RecoveryHost, copies: readonly LockCopy[], nowUs: number): number[] {
  const plan = planAdoption(host, copies);
  host.begin(nowUs);
  // Fresh ids must not collide with ids the batch keeps.
  for (const { copy } of plan) if (copy.lockId !== undefined) host.reserveLockId(copy.lockId);
  const touched: Resource[] = [];
  const ids: number[] = new Array<number>(copies.length).fill(0);
  for (const planned of plan) {
    const lock = adoptCopy(host, planned, nowUs, touched);
    ids[planned.index] = lock.id;
  }
  for (const resource of touched) {
    recoverConversion(resource);
    recoverValueBlock(host, resource);
  }
  for (const resource of touched) host.grantPendingAfterRecovery(resource);
  return ids;
}

/** Links one checked copy onto its resource's queue; a resource receiving its first lock joins `touched`. */
function adoptCopy(host: RecoveryHost, planned: PlannedCopy, nowUs: number, touched: Resource[]): LockRecord {
  const { copy, grantedMode, requestedMode, flags, value } = planned;
  const parent = copy.parentLockId === undefined ? null : host.lockById(copy.parentLockId)!;
  let resource: Resource | null = parent === null ? null : parent.resource;
  for (let i = parent === null ? 0 : copy.path.length - 1; i < copy.path.length; i++) {
    resource = host.findOrCreate(copy.path[i]!, resource);
  }
  if (resource === null) throw new LockSpaceInvariantError('adopted copy without a resource');
  if (resource.lockCount === 0) touched.push(resource);
  const id = copy.lockId ?? host.freshLockId();
  const lock = new LockRecord(id, copy.owner, resource, parent, requestedMode, flags, copy.priority ?? 0);
  lock.gr = grantedMode;
  lock.grantFlags = flags;
  lock.queuedAtUs = copy.queuedAtUs ?? nowUs;
  lock.queueSeq = host.nextSeq();
  lock.grantedAtUs = nowUs;
  lock.grantSeq = lock.queueSeq;
  lock.lastCastMode = grantedMode;
  lock.lastCbMode = grantedMode;
  if (value !== null) {
    lock.lvbCopy = value;
    lock.lvbCopySeq = copy.lvbSeq ?? 0;
  }
  const state = copy.state === 'granted' ? LockState.GRANTED : copy.state === 'converting' ? LockState.CONVERTING : LockState.WAITING;
  resource.link(lock, state, false);
  if (grantedMode >= 0) resource.addHeld(grantedMode);
  host.attach(lock);
  return lock;
}

/**
 * Checks the whole batch before anything changes: each copy on its own, then each sub-resource
 * lock against its parent. Returns the copies in adoption order: parents before their sublocks
 * (shallower resources first, copy order otherwise).
 */
function planAdoption(host: RecoveryHost, copies: readonly LockCopy[]): PlannedCopy[] {
  const batchIds = new Map<number, LockCopy>();
  const freshPaths = new Set<string>();
  const plan = copies.map((copy, index) => planCopy(host, copy, index, batchIds, freshPaths));
  for (const { copy, index } of plan) checkParent(host, copy, index, batchIds);
  return plan
    .map((planned, order) => ({ planned, order }))
    .sort((a, b) => a.planned.copy.path.length - b.planned.copy.path.length || a.order - b.order)
    .map(({ planned }) => planned);
}

/** Checks one copy on its own, recording its kept id in `batchIds` and its new resource in `freshPaths`. */
function planCopy(host: RecoveryHost, copy: LockCopy, index: number, batchIds: Map<number, LockCopy>, freshPaths: Set<string>): PlannedCopy {
  const where = `lock copy ${index}`;
  if (typeof copy.owner !== 'string' || copy.owner.length === 0) throw new AdoptError(`${where}: owner must be a non-empty string`);
  if (!Array.isArray(copy.path) || copy.path.length === 0 || copy.path.some((n) => typeof n !== 'string' || n.length === 0)) {
    throw new AdoptError(`${where}: path must be a non-empty list of names`);
  }
  if (copy.path.length > MAX_TREE_DEPTH) throw new AdoptError(`${where}: resource tree deeper than ${MAX_TREE_DEPTH}`);
  if (copy.lockId !== undefined) {
    if (!Number.isInteger(copy.lockId) || copy.lockId <= 0) throw new AdoptError(`${where}: lockId must be a positive integer`);
    if (host.lockById(copy.lockId) !== undefined || batchIds.has(copy.lockId)) throw new AdoptError(`${where}: lock id ${copy.lockId} is already in use`);
    batchIds.set(copy.lockId, copy);
  }
  const flags = copy.flags ?? 0;
  if (!Number.isInteger(flags) || flags < 0) throw new AdoptError(`${where}: flags must be a bitmask`);
  // lock() refuses PERSISTENT on a sublock; a copy carrying it was never a lock of any space, and
  // an orphaned sublock would outlive the parent lock its resource needs.
  if ((flags & LockFlag.PERSISTENT) !== 0 && copy.path.length > 1) throw new AdoptError(`${where}: PERSISTENT is not valid on a sublock (orphans are whole locks on root resources)`);
  const grantedMode = copy.grantedMode === undefined ? NO_MODE : toMode(copy.grantedMode);
  const requestedMode = copy.requestedMode === undefined ? NO_MODE : toMode(copy.requestedMode);
  if (copy.grantedMode !== undefined && grantedMode === NO_MODE) throw new AdoptError(`${where}: unknown grantedMode`);
  if (copy.requestedMode !== undefined && requestedMode === NO_MODE) throw new AdoptError(`${where}: unknown requestedMode`);
  checkQueueState(copy, where, grantedMode, requestedMode);
  if (copy.queuedAtUs !== undefined && !validTime(copy.queuedAtUs)) throw new AdoptError(`${where}: queuedAtUs must be a time`);
  if (copy.priority !== undefined && !Number.isFinite(copy.priority)) throw new AdoptError(`${where}: priority must be a finite number`);
  let value: Uint8Array | null = null;
  if (copy.value !== undefined) {
    value = encodeValue(copy.value, host.valueBlockBytes);
    if (value === null) throw new AdoptError(`${where}: value longer than ${host.valueBlockBytes} bytes`);
  }
  const key = JSON.stringify(copy.path);
  if (!freshPaths.has(key)) {
    if (host.lookup(copy.path) !== undefined) throw new AdoptError(`${where}: resource ${copy.path.join('/')} already exists`);
    freshPaths.add(key);
  }
  return { copy, index, grantedMode, requestedMode, flags, value };
}

/** Which modes a copy on each queue carries: granted only, both (a PR/CW conversion may omit its granted one), requested only. */
function checkQueueState(copy: LockCopy, where: string, grantedMode: number, requestedMode: number): void {
  if (copy.state === 'granted') {
    if (grantedMode === NO_MODE || requestedMode !== NO_MODE) throw new AdoptError(`${where}: a granted copy has a grantedMode and no requestedMode`);
  } else if (copy.state === 'converting') {
    if (requestedMode === NO_MODE) throw new AdoptError(`${where}: a converting copy has a requestedMode`);
    if (grantedMode === NO_MODE && requestedMode !== Mode.PR && requestedMode !== Mode.CW) {
      throw new AdoptError(`${where}: only a PR/CW conversion may omit its grantedMode`);
    }
  } else if (copy.state === 'waiting') {
    if (requestedMode === NO_MODE || grantedMode !== NO_MODE) throw new AdoptError(`${where}: a waiting copy has a requestedMode and no grantedMode`);
  } else {
    throw new AdoptError(`${where}: unknown state ${String(copy.state)}`);
  }
}

/** A sub-resource lock's parent (in the batch or in the space) has the same owner, is not waiting, and sits on the parent resource. */
function checkParent(host: RecoveryHost, copy: LockCopy, index: number, batchIds: Map<number, LockCopy>): void {
  const where = `lock copy ${index}`;
  if (copy.path.length === 1) {
    if (copy.parentLockId !== undefined) throw new AdoptError(`${where}: a root resource lock has no parent`);
    return;
  }
  if (copy.parentLockId === undefined) throw new AdoptError(`${where}: a sub-resource lock needs its parentLockId`);
  const inBatch = batchIds.get(copy.parentLockId);
  const existing = host.lockById(copy.parentLockId);
  const parentPath = inBatch?.path ?? (existing ? pathOf(existing.resource) : undefined);
  const parentOwner = inBatch?.owner ?? existing?.owner;
  const parentState = inBatch?.state ?? (existing ? STATE_NAMES[existing.state as 0 | 1 | 2] : undefined);
  if (parentPath === undefined) throw new AdoptError(`${where}: unknown parent lock ${copy.parentLockId}`);
  if (parentOwner !== copy.owner) throw new AdoptError(`${where}: the parent lock belongs to another owner`);
  if (parentState === 'waiting') throw new AdoptError(`${where}: the parent lock is not granted`);
  if (JSON.stringify(parentPath) !== JSON.stringify(copy.path.slice(0, -1))) {
    throw new AdoptError(`${where}: the parent lock is not on the parent resource`);
  }
}

/** Linux `recover_conversion`: a PR↔CW converter whose granted mode is unknown gets a consistent one. */
function recoverConversion(resource: Resource): void {
  let other: number = NO_MODE;
  for (let granted = resource.grantedHead; granted !== null; granted = granted.next) {
    if (granted.gr === Mode.PR || granted.gr === Mode.CW) {
      other = granted.gr;
      break;
    }
  }
  for (let converting = resource.convHead; converting !== null; converting = converting.next) {
    if (converting.gr !== NO_MODE) continue;
    converting.gr = other === NO_MODE ? converting.rq : other;
    resource.addHeld(converting.gr);
    converting.lastCastMode = converting.gr;
    converting.lastCbMode = converting.gr;
  }
}

/**
 * Linux `recover_lvb` (§4.3): rebuild the block from the best surviving copy: one held above CR
 * wins; otherwise the highest sequence number, and the block is marked invalid.
 */
function recoverValueBlock(host: RecoveryHost, resource: Resource): void {
  let heldAboveCr: LockRecord | null = null;
  let highestSeq: LockRecord | null = null;
  let any = false;
  scan: for (const head of [resource.grantedHead, resource.convHead]) {
    for (let lock = head; lock !== null; lock = lock.next) {
      if (!(lock.flags & LockFlag.VALBLK)) continue;
      any = true;
      if (lock.gr > Mode.CR) {
        heldAboveCr = lock;
        break scan;
      }
      if (highestSeq === null || lock.lvbCopySeq >= highestSeq.lvbCopySeq) highestSeq = lock;
    }
  }
  if (!any) return;
  const source = heldAboveCr ?? highestSeq;
  if (source !== null) {
    resource.lvb = source.lvbCopy === null ? null : source.lvbCopy.slice();
    resource.lvbSeq = source.lvbCopySeq;
  }
  if (heldAboveCr === null) host.invalidateValueBlock(resource);
}
