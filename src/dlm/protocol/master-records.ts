/**
 * The master role's records (see ./master.ts): one {@link LockMeta} per (client, resource) it has
 * heard of, the state of each root it masters, the ended locks still in its lock space, and the
 * messages that keep each lock's copy holder in step with the record. Every other part of the
 * master (requests, effects, sessions, recovery, deadlock participation) reads and writes these
 * records through {@link MasterRecords}; none of them keeps a second index of its own.
 */
import type { ModeName, StatusName } from '../../vocabulary/index.js';
import type { LockSpace } from '../core/index.js';
import type { TimerId } from '../../sim/types.js';
import type { ManagerEnv } from './env.js';
import { lockKey } from './session.js';
import { RelMessage } from './links.js';
import type {
  CopyInstallMsg,
  CopyReleaseBody,
  CopyReleaseMsg,
  CopyWire,
  GatherResultBody,
  InstallWire,
  LostMasterWire,
  MasterOutcomeMsg,
  OpWire,
  OutWire,
  ValueBlockInvalidMsg,
} from './wire.js';

/** Why a session's locks end: its lease or grace ran out (`expire`), or its reclaim failed (`lost`). */
export type EndReason = 'expire' | 'lost';

/** What identifies a lock and its session in a request or a copy (both {@link OpWire} and {@link CopyWire} carry it). */
export type LockIdentity = Pick<OpWire, 'client' | 'resource' | 'root' | 'path' | 'parent' | 'sess' | 'priority'>;

/** What the master keeps per (client, resource): the lock, its routing and its de-duplication state. */
export class LockMeta {
  readonly key: string;
  lockId = 0;
  /** Bumped at every change of the lock (queued, granted, dequeued, ...): copies and edge validation compare it. */
  version = 0;
  /** Highest request id accepted for this lock. */
  lastReqId = 0;
  /** The lock/convert/unlock request awaiting its completion, and the cancel awaiting its answer. */
  mainReqId = 0;
  cancelReqId = 0;
  /**
   * The last lock/convert/unlock and cancel executed here: while their ids are still
   * {@link mainReqId} and {@link cancelReqId}, they are what the lock's copy must keep pending.
   */
  mainOp: OpWire | null = null;
  cancelOp: OpWire | null = null;
  /** Flags of the pending request (they become the grant's flags). */
  reqFlags = 0;
  grantFlags = 0;
  mode: ModeName | null = null;
  token: number | null = null;
  value: string | null = null;
  lvbSeq = 0;
  /** Recent outcomes, re-sent when a request comes again. */
  outcomes: OutWire[] = [];
  /** Being ended because its session is over, and why: its completions are internal, not outcomes. */
  ending: EndReason | null = null;
  /** Pinned by a deadlock round being decided. */
  pinned = 0;
  /** Requests of this lock waiting in its root's deferred queue. */
  queued = 0;
  /** Generations of the home and copy holder when last set: a restart of either counts as a death. */
  homeGen = -1;
  copyHolderGen = -1;

  constructor(
    readonly client: string,
    readonly resource: string,
    readonly root: string,
    readonly path: readonly string[],
    readonly parent: string | null,
    public sess: string,
    public home: string,
    public copyHolder: string,
    public priority: number,
  ) {
    this.key = lockKey(client, resource);
  }
}

/** A gather reply, with the manager it came from. */
export interface GatheredReply {
  readonly from: string;
  readonly reply: GatherResultBody;
}

/**
 * Where a mastered root stands. `gathering`: rebuilding from the survivors' copies, waiting for
 * the managers in `waiting`; `rebuilding`: the copies are in and being adopted (one synchronous
 * step); `holding`: rebuilt after losing several managers, nothing is granted until `untilUs`
 * (mono µs); `serving`: requests are executed as they come.
 */
export type RootPhase =
  | { readonly kind: 'serving' }
  | { readonly kind: 'gathering'; readonly round: number; readonly waiting: Set<string>; readonly collected: GatheredReply[] }
  | { readonly kind: 'rebuilding' }
  | {
      readonly kind: 'holding';
      readonly untilUs: number;
      timer: TimerId;
      /** The lock ids of the value blocks' stand-ins, which leave when the hold is over. */
      readonly standIns: readonly number[];
      /** The time is up but this master had no quorum then: the hold ends when one is back. */
      overWithoutQuorum: boolean;
      /** The clients the managers the rebuild gathered from knew to have had a session end. */
      readonly sessionsOver: ReadonlySet<string>;
    };

export const SERVING: RootPhase = { kind: 'serving' };

/** Per root this node masters. */
export class RootState {
  phase: RootPhase = SERVING;
  /** Gather rounds started so far: a reply names its round, so a late one from an earlier round is ignored. */
  gatherRounds = 0;
  /** Requests that arrived while the root recovered or their lock was pinned, in order. */
  deferred: OpWire[] = [];

  constructor(
    readonly root: string,
    /**
     * The masters the root lost whose rebuild has not finished, as its directory node knew them
     * (./directory.ts); one that is an earlier generation of this node makes this node's own loss
     * of state the master's loss.
     */
    readonly lostMasters: readonly LostMasterWire[] = [],
  ) {}
}

/**
 * A lock whose owner's session is over but which still sits in the lock space: during lock-delay,
 * or on a master without a quorum (which must not run a grant pass). Its end was already traced.
 */
export interface Zombie {
  timer: TimerId;
  /** The lock-delay (if any) is over. */
  delayed: boolean;
  /** The value block must still be marked invalid in the lock space (traced already). */
  invalidate: boolean;
  /**
   * A request ended without a quorum, whose `dequeue` is traced when the lock leaves the space: a
   * master cut off may have been superseded, and the new master may have it queued still. The
   * lock leaves the space with a quorum back, or with the whole space when this node resets.
   */
  dequeue?: { readonly client: string; readonly resource: string };
}

/** How many recent outcomes a lock keeps for re-sending. */
const OUTCOMES_KEPT = 4;

/** The master's records and the messages that keep copy holders in step with them (see the module comment). */
export class MasterRecords {
  /** Every lock heard of, by client then resource. */
  readonly metas = new Map<string, Map<string, LockMeta>>();
  /** The records of the locks that exist in the lock space, by lock id. */
  readonly byLockId = new Map<number, LockMeta>();
  readonly roots = new Map<string, RootState>();
  /** Ended locks still in the lock space, by lock id (see {@link Zombie}). */
  readonly zombies = new Map<number, Zombie>();
  private highestLockId = 0;

  constructor(
    private readonly env: ManagerEnv,
    private readonly space: LockSpace,
  ) {}

  /**
   * The roots whose granted locks these records hold: every root mastered here but those still
   * gathering their copies, when the copies are all that knows the grants.
   */
  rootsKnown(): string[] {
    const known: string[] = [];
    for (const [root, state] of this.roots) if (state.phase.kind !== 'gathering') known.push(root);
    return known;
  }

  /** A lock id above every id the lock space has handed out (for copies adopted in a rebuild). */
  nextLockId(): number {
    return ++this.highestLockId;
  }

  /** The record of `lock`, created (homed at `home`) if need be. */
  metaFor(lock: LockIdentity, home: string): LockMeta {
    let byResource = this.metas.get(lock.client);
    if (byResource === undefined) {
      byResource = new Map();
      this.metas.set(lock.client, byResource);
    }
    let meta = byResource.get(lock.resource);
    if (meta === undefined) {
      meta = new LockMeta(lock.client, lock.resource, lock.root, lock.path, lock.parent, lock.sess, home, this.copyHolderFor(home), lock.priority);
      this.setHome(meta, home);
      byResource.set(lock.resource, meta);
    }
    return meta;
  }

  findMeta(client: string, resource: string): LockMeta | undefined {
    return this.metas.get(client)?.get(resource);
  }

  bind(meta: LockMeta, lockId: number): void {
    meta.lockId = lockId;
    this.byLockId.set(lockId, meta);
    if (lockId > this.highestLockId) this.highestLockId = lockId;
  }

  unbind(meta: LockMeta): void {
    this.byLockId.delete(meta.lockId);
    meta.lockId = 0;
    meta.mode = null;
    meta.token = null;
  }

  /** Where outcomes of a lock of a client homed at `home` go: the home, or this node's buddy when it is the home (or the home is dead). */
  copyHolderFor(home: string): string {
    const env = this.env;
    if (home !== env.id && env.members.isAlive(home)) return home;
    return env.members.successorOf(env.id) ?? env.id;
  }

  /** Set the lock's home (and so its copy holder), remembering their generations. */
  setHome(meta: LockMeta, home: string): void {
    const members = this.env.members;
    meta.home = home;
    meta.homeGen = members.genOf(home);
    meta.copyHolder = this.copyHolderFor(home);
    meta.copyHolderGen = members.genOf(meta.copyHolder);
  }

  /** The lock's home is alive at the generation it had when it sent the lock's requests. */
  homeLives(meta: LockMeta): boolean {
    const members = this.env.members;
    return members.isAlive(meta.home) && members.genOf(meta.home) === meta.homeGen;
  }

  /** The lock's copy holder is alive at the generation its copy was made for. */
  copyHolderLives(meta: LockMeta): boolean {
    const members = this.env.members;
    return members.isAlive(meta.copyHolder) && members.genOf(meta.copyHolder) === meta.copyHolderGen;
  }

  // ------------------------------------------------------------------ outcomes

  /** A synchronous refusal (no completion effect): answer with the mode still held. */
  refuse(meta: LockMeta, reqId: number, status: StatusName): void {
    this.sendOutcome(meta, outcomeOf(meta, reqId, 0, status, 0, null, 0));
  }

  /** Send `out` to the lock's copy holder, keeping it for a re-send. */
  sendOutcome(meta: LockMeta, out: OutWire): void {
    const kept = meta.outcomes;
    kept.push(out);
    if (kept.length > OUTCOMES_KEPT) kept.shift();
    const env = this.env;
    if (meta.copyHolder === env.id) {
      env.copyHolder.onMasterOutcome(out, meta.home);
      return;
    }
    const msg: MasterOutcomeMsg = new RelMessage('mout', out, meta.home);
    if (env.tuning.mutations.lostGrantNeverRetried === true && out.status === 'GRANTED') {
      // MUTATION lostGrantNeverRetried: a grant goes out once, unreliably; if the network loses
      // it, nobody ever sends it again (seq 0: handled outside the reliable links).
      if (env.members.isAlive(meta.copyHolder)) env.ctx.send(meta.copyHolder, msg);
      return;
    }
    env.post(meta.copyHolder, msg);
  }

  /**
   * A request came again: its outcome, if it has one, goes again (to the lock's current copy
   * holder), unless the lock has changed since (every change bumps its version). The copy holder
   * applies an outcome as the lock's state: an old one would undo what came after it, and where
   * the copy was let go at an unlock, it would make the copy again, granted, a grant that a later
   * rebuild restates beside the grants made since. A client awaiting the answer has not moved the
   * lock on (it asks for nothing on it but a cancel, which changes nothing when refused), so the
   * outcome it awaits is still the lock's state.
   */
  resend(meta: LockMeta, reqId: number): void {
    for (const out of meta.outcomes) {
      if (out.reqId === reqId || out.also === reqId) {
        if (out.version !== meta.version) return;
        this.sendOutcome(meta, { ...out, sess: meta.sess });
        return;
      }
    }
  }

  /**
   * `meta`, a lock of a client homed here, moved its copy from a holder now lost (dead, or
   * restarted since): when the home here still awaits the lock's latest outcome and that outcome is
   * still the lock's state, send it again, to the new holder. An outcome reaches the client only
   * through the copy holder, which records it before passing it on, and a request sent while
   * another node mastered the root does not go again when its outcome's holder is lost (the home
   * sent it through itself): without this, the client would wait for ever on a grant the master
   * holds for it, and every request behind it too. Call once the new holder has been sent its
   * copy, so that the copy arrives first.
   */
  resendAwaited(meta: LockMeta): void {
    const out = meta.outcomes[meta.outcomes.length - 1];
    if (out === undefined || out.version !== meta.version) return;
    if (!this.env.home.awaitsOutcome(meta.client, meta.sess, out.reqId)) return;
    this.sendOutcome(meta, { ...out, sess: meta.sess });
  }

  // ------------------------------------------------------------------ copies

  /**
   * The copy of `meta` its copy holder keeps, with the operations still pending here: a queued
   * request or conversion that moves to a new copy holder stays pending there, or a later rebuild
   * that gathers the copy from it would never hear of the request.
   */
  copyOf(meta: LockMeta): CopyWire {
    return {
      client: meta.client,
      sess: meta.sess,
      home: meta.home,
      resource: meta.resource,
      root: meta.root,
      path: meta.path,
      parent: meta.parent,
      lockId: meta.lockId,
      version: meta.version,
      grantedMode: meta.mode,
      grantFlags: meta.grantFlags,
      token: meta.token,
      value: meta.value,
      lvbSeq: meta.lvbSeq,
      priority: meta.priority,
      pending: pendingOf(meta),
      lost: false,
      lvbInvalid: this.valueBlockInvalid(meta.path),
    };
  }

  /** Whether the value block of the resource at `path` is marked invalid here. */
  private valueBlockInvalid(path: readonly string[]): boolean {
    const resource = this.space.resource(...path);
    return resource !== undefined && !resource.valueBlock.valid;
  }

  /** Tell a lock's copy holder, if it is another live node, that its copy moves elsewhere. */
  releaseCopy(meta: LockMeta): void {
    this.releaseAt(meta.copyHolder, { client: meta.client, root: meta.root, resource: meta.resource, version: meta.version });
  }

  /** Tell `holder`, if it is another live node, to drop its copy of `copy`'s lock unless newer than `copy.version`. */
  releaseAt(holder: string, copy: CopyReleaseBody): void {
    const env = this.env;
    if (holder === env.id || !env.members.isAlive(holder)) return;
    const msg: CopyReleaseMsg = new RelMessage('ch-release', { client: copy.client, root: copy.root, resource: copy.resource, version: copy.version });
    env.post(holder, msg);
  }

  /**
   * Move `meta`'s copy to `copyHolder`, adding it to `installs` when `install` says the new holder
   * is sent one. The holder it leaves, when another live node, keeps its copy until the new one
   * has this one (see {@link InstallWire}); with no install to carry that word, it lets go now.
   * Call before the record names the new holder.
   */
  handOver(meta: LockMeta, copyHolder: string, installs: Map<string, InstallWire[]>, install: boolean): void {
    const former = meta.copyHolder;
    const leaves = copyHolder !== former && former !== this.env.id && this.env.members.isAlive(former);
    if (!install) {
      if (leaves) this.releaseCopy(meta);
      return;
    }
    pushTo(installs, copyHolder, leaves ? { ...this.copyOf(meta), formerHolder: former } : this.copyOf(meta));
  }

  /** Send each copy holder the copies it now keeps. */
  sendInstalls(installs: Map<string, InstallWire[]>): void {
    for (const [copyHolder, records] of installs) {
      const msg: CopyInstallMsg = new RelMessage('ch-install', records);
      this.env.post(copyHolder, msg);
    }
  }

  /** Tell the copy holders of `resource`'s other locks that its value block is now invalid. */
  announceInvalid(dead: LockMeta): void {
    const env = this.env;
    const told = new Set<string>();
    for (const meta of this.byLockId.values()) {
      if (meta === dead || meta.resource !== dead.resource || told.has(meta.copyHolder)) continue;
      told.add(meta.copyHolder);
      if (meta.copyHolder === env.id) {
        env.copyHolder.onValueBlockInvalid(meta.root, meta.resource);
        continue;
      }
      const msg: ValueBlockInvalidMsg = new RelMessage('ch-lvb', { root: meta.root, resource: meta.resource });
      env.post(meta.copyHolder, msg);
    }
  }

  /**
   * Move `meta` to a new home: the old copy holder lets its copy go, and the copy is added to
   * `installs` for the new one when the holder changed or restarted (and is another node when
   * `remoteOnly`). A lock that does not exist only changes home.
   */
  rehome(meta: LockMeta, home: string, installs: Map<string, InstallWire[]>, remoteOnly: boolean): void {
    const copyHolder = this.copyHolderFor(home);
    if (meta.lockId === 0) {
      this.setHome(meta, home);
      return;
    }
    const moved = copyHolder !== meta.copyHolder || this.env.members.genOf(copyHolder) !== meta.copyHolderGen;
    if (moved) this.handOver(meta, copyHolder, installs, !remoteOnly || copyHolder !== this.env.id);
    this.setHome(meta, home);
  }
}

/** The outcome of `reqId` on `meta` as its copy holder and client see it. */
export function outcomeOf(meta: LockMeta, reqId: number, also: number, status: StatusName, flags: number, value: string | null, lvbSeq: number): OutWire {
  return {
    key: meta.key,
    client: meta.client,
    sess: meta.sess,
    reqId,
    also,
    resource: meta.resource,
    root: meta.root,
    path: meta.path,
    parent: meta.parent,
    status,
    mode: meta.mode,
    flags,
    value,
    lvbSeq,
    token: meta.token,
    grantFlags: meta.grantFlags,
    priority: meta.priority,
    lockId: meta.lockId,
    version: meta.version,
  };
}

/** The operations executed on `meta` that have not completed yet, oldest first. */
function pendingOf(meta: LockMeta): OpWire[] {
  const pending: OpWire[] = [];
  if (meta.mainReqId !== 0 && meta.mainOp?.reqId === meta.mainReqId) pending.push(meta.mainOp);
  if (meta.cancelReqId !== 0 && meta.cancelOp?.reqId === meta.cancelReqId) pending.push(meta.cancelOp);
  return pending;
}

/** Append `value` to the list of `key`. */
export function pushTo<K, T>(map: Map<K, T[]>, key: K, value: T): void {
  let list = map.get(key);
  if (list === undefined) {
    list = [];
    map.set(key, list);
  }
  list.push(value);
}
