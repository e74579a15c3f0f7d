/**
 * The master role: the authoritative queues of the resources this manager masters, in one
 * {@link LockSpace} (src/dlm/core), and everything the lock service decides about them.
 *
 * Requests arrive from copy holders (`mreq`), are de-duplicated by the driver's request id (the
 * network may duplicate; recovery and re-homing re-send), and go to the lock space; its effects
 * become, in order, the lock-level trace events of src/vocabulary/lock-events.ts — `enqueue`, `grant` (with
 * token, value and flags), `release`, `dequeue`, `lvb-write`, `lvb-invalidate`, `deadlock` — and
 * the outcomes and blocking notifications sent back through the copy holder. Every lock-level
 * event of a resource is traced here, at the master, at the moment the lock space decides it, so
 * the trace orders them exactly as the master did.
 *
 * Fencing tokens. Each resource has a generation number that strictly increases with every PW/EX
 * grant (a Chubby sequencer); it rides in the grant, its trace event and the outcome. The counter
 * outlives the resource (mastery stays put until the master dies). When a master dies, the new
 * master learns from every live manager the highest token it ever issued or saw on the resource,
 * and starts {@link TOKEN_RECOVERY_GAP} above it. A token reaches a client only through the lock's
 * copy holder, which records it first, so every token a client can hold is known to a live node
 * after any single failure; only grants the dead master traced but never got out can be unknown,
 * and each further PW/EX grant on a resource needs its previous holder to let go first, so far
 * fewer than the gap can be outstanding. These high-water marks are kept in each node's durable
 * storage, so a crash-restart or a reset forgets none. Each node that answers a gather raises
 * its marks of the root by the gap for good (./copyholder.ts): a recovered master cut off from
 * every copy holder may issue tokens nobody records before it is declared dead in turn, and the
 * next master then starts above those as well. Two failures together (a master and a
 * copy holder, both never to return) can lose a token; the gap is then what keeps tokens
 * increasing, with no proof beyond its size.
 *
 * Expiry and lock-delay (pitfalls S09). When a session ends (lease expired, grace ran out, reclaim
 * failed) its locks end here: waiting requests leave (`dequeue` purge), conversions are cancelled,
 * and each grant ends with `expire` (or `release` purge when the session was lost), after the
 * value block is invalidated if a PW/EX holder that took part in value-block transfer dies
 * (§4.3 b). With lockDelayMs > 0 the ended grant stays in the lock space, ownerless, for that long
 * on the master's `expiryClock`: nobody else can be granted a conflicting mode meanwhile. A clean
 * unlock has no delay.
 *
 * Grace (pitfalls S10). When a client's home dies, its locks here are kept for graceMs of this
 * master's clock; a reclaim within that time re-homes them (`adopt`), otherwise they expire.
 *
 * Quorum. Without a majority in its view a master executes nothing (requests wait) and runs no
 * grant pass: a session that ends meanwhile has its locks' ends traced, but they stay in the lock
 * space (like lock-delay remnants) until a quorum is back. So the minority side of a partition
 * never grants, while still recording the end of locks whose leases ran out there.
 *
 * Recovery (dlm-semantics §8.2). A manager that the directory makes master of a resource whose
 * master died gathers every live manager's copies, then, in one step:
 * 1. restates what the dead master may have traced beyond the copies: a `release` (superseded)
 *    for every request that may have been granted without its copy holder hearing of it, and a
 *    `grant` (recovery) of the copy's mode for every granted lock with an operation in flight;
 * 2. rebuilds the granted locks in a fresh resource ({@link LockSpace.adopt}: value block per
 *    §4.3, grant pass ignoring conversion order);
 * 3. replays every operation still pending in the copies, in request order — unlocks and
 *    down-conversions (which may already have happened) first;
 * and only then serves the requests that waited. Grants made in this step carry `recovery: true`.
 * Copies of sessions already over are ended, not replayed; a value block whose newest copies saw
 * it invalid stays invalid. When several managers went down at once (two missing, or two deaths
 * within a lease, a grace period and a failure timeout), a lock whose master and copy holder were
 * both among them is unknown: the root is then held — nothing granted — for a lease, a failure
 * timeout and a KeepAlive (by then any such lock's lease has run out, its home lacking a quorum to
 * extend it), and its value blocks are marked invalid, since what such a lock wrote is unknown.
 *
 * Cluster-wide deadlock detection (with ./coordinator.ts): this role reports its local wait-for
 * edges, validates and pins a proposed cycle's edges, and completes the chosen victim with
 * DEADLOCK.
 */
import type { ModeName, StatusName } from '../../vocabulary/index.js';
import {
  COMPATIBILITY,
  LockFlag,
  LockSpace,
  isDownConversion,
  toMode,
  type Mode,
  flagNames,
  statusFlagNames,
  toCycleEdges,
  type CompleteEffect,
  type Effect,
  type LockCopy,
} from '../core/index.js';
import type { TimerId } from '../../sim/types.js';
import type { ManagerEnv, MasterPort } from './env.js';
import { isNewerSession, lockKey } from './session.js';
import { TOKEN_RECOVERY_GAP } from './tuning.js';
import { RelMessage } from './links.js';
import type {
  BastRelayMsg,
  BastWire,
  CopiesDropMsg,
  CopyInstallMsg,
  ValueBlockInvalidMsg,
  CopyReleaseMsg,
  CopyWire,
  EdgeWire,
  GatherRequestMsg,
  GatherResultBody,
  HeldWire,
  MasterOutcomeMsg,
  NotMasterMsg,
  OpWire,
  OutWire,
} from './wire.js';

/** What the master keeps per (client, resource): the lock, its routing and its de-duplication state. */
class LockMeta {
  readonly key: string;
  lockId = 0;
  /** Bumped at every change of the lock (queued, granted, dequeued, ...): copies and edge validation compare it. */
  version = 0;
  /** Highest request id accepted for this lock. */
  lastReqId = 0;
  /** The lock/convert/unlock request awaiting its completion, and the cancel awaiting its answer. */
  mainReqId = 0;
  cancelReqId = 0;
  /** Flags of the pending request (they become the grant's flags). */
  reqFlags = 0;
  grantFlags = 0;
  mode: ModeName | null = null;
  token: number | null = null;
  value: string | null = null;
  lvbSeq = 0;
  /** Recent outcomes, re-sent when a request comes again. */
  outcomes: OutWire[] = [];
  /** Being ended by a purge: its completions are internal. */
  dying = false;
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

/** Per root this node masters. */
class RootState {
  recovering = false;
  round = 0;
  waiting = new Set<string>();
  collected: { from: string; msg: GatherResultBody }[] = [];
  /** Requests that arrived while the root recovered or their lock was pinned, in order. */
  deferred: OpWire[] = [];
  /** Rebuilt after losing several managers: nothing is granted before this (mono µs). */
  holdUntilUs = 0;
  holdTimer: TimerId = 0;
}

/**
 * A lock whose owner's session is over but which still sits in the lock space: during lock-delay,
 * or on a master without a quorum (which must not run a grant pass). Its end was already traced.
 */
interface Zombie {
  timer: TimerId;
  /** The lock-delay (if any) is over. */
  delayed: boolean;
  /** The value block must still be marked invalid in the lock space (traced already). */
  invalidate: boolean;
}

interface Orphan {
  sess: string;
  timer: TimerId;
}

/** Owner of the ownerless NL lock that carries an invalid value block through a rebuild. */
const STAND_IN = '~lvb';

/** How many recent outcomes a lock keeps for re-sending. */
const OUTCOMES_KEPT = 4;
/** Most requests one root may defer. */
export const MAX_DEFERRED_PER_ROOT = 100_000;

const VALBLK = LockFlag.VALBLK;
const IVVALBLK = LockFlag.IVVALBLK;

export class MasterRole implements MasterPort {
  readonly space: LockSpace;
  private readonly metas = new Map<string, Map<string, LockMeta>>();
  private readonly byLock = new Map<number, LockMeta>();
  private readonly roots = new Map<string, RootState>();
  private readonly tokenHigh = new Map<string, number>();
  private readonly zombies = new Map<number, Zombie>();
  private readonly orphans = new Map<string, Orphan>();
  private readonly unknown = new Map<string, { from: string; op: OpWire }[]>();
  private readonly pins = new Map<string, LockMeta[]>();
  private deferredPurges: { client: string; sess: string; reason: 'expire' | 'lost' }[] = [];
  private buddy: string | undefined;
  private recoveryStep = false;
  /** The lock the operation being executed concerns (its own demotion is re-queued by the lock space). */
  private currentLockId = 0;
  private dyingReason: 'expire' | 'lost' = 'expire';
  private maxLockId = 0;

  constructor(private readonly env: ManagerEnv) {
    const t = env.tuning;
    const m = t.mutations;
    let compatibility: boolean[][] | undefined;
    if (m.wrongMatrixEntry === true) {
      // MUTATION wrongMatrixEntry: PR is compatible with EX (and EX with PR).
      compatibility = COMPATIBILITY.map((row) => [...row]);
      compatibility[3]![5] = true;
      compatibility[5]![3] = true;
    }
    this.space = new LockSpace({
      valueBlockBytes: t.valueBlockBytes,
      profile: t.profile,
      deadlockWaitMs: 0,
      ...(compatibility !== undefined ? { compatibility } : {}),
      // MUTATION grantSkipsFifo: the lock space's test-only wait pass that ignores FIFO.
      ...(m.grantSkipsFifo === true ? { unsafeGrantSkipsFifo: true } : {}),
    });
    this.buddy = env.members.successorOf(env.id);
  }

  private now(): number {
    return this.env.ctx.now('mono');
  }

  /** The roots this node masters. */
  masteredRoots(): IterableIterator<string> {
    return this.roots.keys();
  }

  masters(root: string): boolean {
    return this.roots.has(root);
  }

  /** Where outcomes of a lock of a client homed at `home` go: the home, or this node's buddy when it is the home (or the home is dead). */
  private copyHolderFor(home: string): string {
    const env = this.env;
    if (home !== env.id && env.members.isAlive(home)) return home;
    return env.members.successorOf(env.id) ?? env.id;
  }

  // ------------------------------------------------------------------ mastery

  /** The directory made this node master of `root` (`recover`: rebuild it from the survivors' copies). */
  becomeMaster(root: string, recover: boolean): void {
    if (this.roots.has(root)) return;
    const rootState = new RootState();
    this.roots.set(root, rootState);
    if (recover) this.startGather(root, rootState);
  }

  /** A request for a root this node does not know it masters: ask the directory first. */
  private deferUnknown(from: string, op: OpWire): void {
    let list = this.unknown.get(op.root);
    if (list === undefined) {
      list = [];
      this.unknown.set(op.root, list);
    }
    list.push({ from, op });
    this.env.lookup(op.root);
  }

  /** `root`'s master became known: serve or bounce the requests that waited for it. */
  onMasterKnown(root: string): void {
    const list = this.unknown.get(root);
    if (list === undefined) return;
    this.unknown.delete(root);
    const rootState = this.roots.get(root);
    if (rootState !== undefined) {
      for (const { op } of list) this.accept(rootState, op);
      return;
    }
    const told = new Set<string>();
    for (const { from } of list) {
      if (told.has(from)) continue;
      told.add(from);
      const msg: NotMasterMsg = new RelMessage('not-master', root);
      this.env.post(from, msg);
    }
  }

  // ------------------------------------------------------------------ requests

  onMasterRequest(from: string, op: OpWire): void {
    const rootState = this.roots.get(op.root);
    if (rootState === undefined) {
      this.deferUnknown(from, op);
      return;
    }
    this.accept(rootState, op);
  }

  private accept(rootState: RootState, op: OpWire): void {
    const env = this.env;
    if (env.lostSessions.has(op.sess)) return;
    const meta = this.sessionMeta(op);
    if (meta === undefined) return;
    if (op.reqId <= meta.lastReqId) {
      this.followHome(meta, op);
      this.resend(meta, op.reqId);
      return;
    }
    if (!this.mayAct(rootState) || meta.pinned > 0 || meta.queued > 0) {
      meta.queued++;
      rootState.deferred.push(op);
      if (rootState.deferred.length > MAX_DEFERRED_PER_ROOT) throw new RangeError(`master ${env.id}: more than ${MAX_DEFERRED_PER_ROOT} requests deferred on ${op.root}`);
      return;
    }
    this.execute(meta, op);
  }

  /** The lock's bookkeeping for `op`, after retiring an older session's lock; undefined when `op` is from an older session. */
  private sessionMeta(op: OpWire): LockMeta | undefined {
    const env = this.env;
    const meta = this.metaFor(op.client, op.resource, op.root, op.path, op.parent, op.sess, op.home, op.priority);
    if (meta.sess === op.sess) return meta;
    if (!isNewerSession(op.sess, meta.sess)) return undefined;
    // A newer session of the same client: the old one is over, whatever is left of it goes.
    if (meta.lockId !== 0) {
      env.lostSessions.add(meta.sess);
      this.endLock(meta, 'lost');
    }
    meta.sess = op.sess;
    meta.lastReqId = 0;
    return meta;
  }

  /** Recovery replay: like {@link accept}, but ahead of whatever waited meanwhile. */
  private replay(op: OpWire): void {
    if (this.env.lostSessions.has(op.sess)) return;
    const meta = this.sessionMeta(op);
    if (meta === undefined || op.reqId <= meta.lastReqId) return;
    this.execute(meta, op);
  }

  /**
   * The home outcomes of `op`'s session go to: the one that last adopted the session, as this node
   * heard it, else the one the operation names. An operation gathered from a copy, or forwarded
   * before a reclaim, still names the home the session had then; the adoption, which every master
   * hears before the new home forwards anything, is newer.
   */
  private homeFor(op: OpWire): string {
    return this.env.sessionHomes.get(op.sess) ?? op.home;
  }

  /**
   * A request came again, possibly from the session's new home (the driver re-sends what is
   * unanswered after a reclaim): outcomes follow the session there, and so does the lock's copy.
   */
  private followHome(meta: LockMeta, op: OpWire): void {
    if (meta.sess !== op.sess) return;
    const home = this.homeFor(op);
    if (home === meta.home || !this.env.members.isAlive(home)) return;
    const copyHolder = this.copyHolderFor(home);
    if (meta.lockId === 0) {
      this.setHome(meta, home);
      return;
    }
    if (copyHolder !== meta.copyHolder) this.releaseCopy(meta);
    const moved = copyHolder !== meta.copyHolder || this.env.members.genOf(copyHolder) !== meta.copyHolderGen;
    this.setHome(meta, home);
    if (moved && copyHolder !== this.env.id) this.sendInstalls(new Map([[copyHolder, [this.wire(meta)]]]));
  }

  /** Requests on `rootState` may be executed now: not rebuilding, not on hold, and a quorum. */
  private mayAct(rootState: RootState): boolean {
    return !rootState.recovering && rootState.holdUntilUs === 0 && this.env.members.hasQuorum;
  }

  /** Serve the deferred requests that may go now, in order; a lock still blocked keeps the rest of its requests waiting. */
  private processDeferred(rootState: RootState): void {
    if (!this.mayAct(rootState) || rootState.deferred.length === 0) return;
    const list = rootState.deferred;
    rootState.deferred = [];
    const blocked = new Set<LockMeta>();
    for (const op of list) {
      const meta = this.findMeta(op.client, op.resource);
      if (meta === undefined) continue;
      meta.queued--;
      if (blocked.has(meta) || meta.pinned > 0 || !this.mayAct(rootState)) {
        blocked.add(meta);
        meta.queued++;
        rootState.deferred.push(op);
        continue;
      }
      if (this.env.lostSessions.has(op.sess)) continue;
      const m = this.sessionMeta(op);
      if (m === undefined) continue;
      if (op.reqId <= m.lastReqId) {
        this.followHome(m, op);
        this.resend(m, op.reqId);
        continue;
      }
      this.execute(m, op);
    }
  }

  private execute(meta: LockMeta, op: OpWire): void {
    const space = this.space;
    const nowUs = this.now();
    meta.sess = op.sess;
    this.setHome(meta, this.homeFor(op));
    meta.priority = op.priority;
    meta.lastReqId = op.reqId;
    switch (op.op) {
      case 'lock': {
        if (meta.lockId !== 0 || op.mode === null || op.flags < 0) {
          this.refuse(meta, op.reqId, 'INVALID_ARG');
          return;
        }
        let parentLockId: number | undefined;
        if (op.parent !== null) {
          const pm = this.findMeta(op.client, op.parent);
          if (pm === undefined || pm.lockId === 0) {
            this.refuse(meta, op.reqId, 'INVALID_ARG');
            return;
          }
          parentLockId = pm.lockId;
        }
        meta.mainReqId = op.reqId;
        meta.reqFlags = op.flags;
        const name = op.parent === null ? op.root : op.path[op.path.length - 1]!;
        // The lock space reads an undefined option as absent.
        const r = space.lock(op.client, name, op.mode, { flags: op.flags, priority: op.priority, nowUs, parentLockId });
        if (r.status === 'INVALID_ARG' || r.status === 'PARNOTGRANT') {
          meta.mainReqId = 0;
          this.refuse(meta, op.reqId, r.status);
          return;
        }
        this.bind(meta, r.lockId);
        this.drain();
        return;
      }
      case 'convert': {
        if (meta.lockId === 0 || op.mode === null || op.flags < 0) {
          this.refuse(meta, op.reqId, 'INVALID_ARG');
          return;
        }
        const prevReq = meta.mainReqId;
        const prevFlags = meta.reqFlags;
        meta.mainReqId = op.reqId;
        meta.reqFlags = op.flags;
        this.currentLockId = meta.lockId;
        const r = space.convert(meta.lockId, op.mode, { flags: op.flags, nowUs, value: op.value ?? undefined });
        if (r.status === 'INVALID_ARG' || r.status === 'BUSY') {
          this.currentLockId = 0;
          meta.mainReqId = prevReq;
          meta.reqFlags = prevFlags;
          this.refuse(meta, op.reqId, r.status);
          return;
        }
        this.drain();
        this.currentLockId = 0;
        return;
      }
      case 'unlock': {
        if (meta.lockId === 0 || op.flags < 0) {
          this.refuse(meta, op.reqId, 'INVALID_ARG');
          return;
        }
        const prevReq = meta.mainReqId;
        meta.mainReqId = op.reqId;
        const r = space.unlock(meta.lockId, { flags: op.flags, nowUs, value: op.value ?? undefined });
        if (r.status !== 'UNLOCKED') {
          meta.mainReqId = prevReq;
          this.refuse(meta, op.reqId, r.status);
          return;
        }
        this.drain();
        return;
      }
      case 'cancel': {
        if (meta.lockId === 0) {
          this.refuse(meta, op.reqId, 'CANCELGRANT');
          return;
        }
        meta.cancelReqId = op.reqId;
        const r = space.cancel(meta.lockId, { nowUs });
        if (r.status === 'INVALID_ARG') {
          meta.cancelReqId = 0;
          this.refuse(meta, op.reqId, 'INVALID_ARG');
          return;
        }
        this.drain();
        return;
      }
    }
  }

  private bind(meta: LockMeta, lockId: number): void {
    meta.lockId = lockId;
    this.byLock.set(lockId, meta);
    if (lockId > this.maxLockId) this.maxLockId = lockId;
  }

  private unbind(meta: LockMeta): void {
    this.byLock.delete(meta.lockId);
    meta.lockId = 0;
    meta.mode = null;
    meta.token = null;
  }

  /** A synchronous refusal (no completion effect): answer with the mode still held. */
  private refuse(meta: LockMeta, reqId: number, status: StatusName): void {
    this.send(meta, this.outcome(meta, reqId, 0, status, 0, null, 0));
  }

  private outcome(meta: LockMeta, reqId: number, also: number, status: StatusName, flags: number, value: string | null, lvbSeq: number): OutWire {
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

  private send(meta: LockMeta, out: OutWire): void {
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

  /** A request came again: its outcome, if it has one, goes again (to the lock's current copy holder). */
  private resend(meta: LockMeta, reqId: number): void {
    for (const out of meta.outcomes) {
      if (out.reqId === reqId || out.also === reqId) {
        this.send(meta, { ...out, sess: meta.sess });
        return;
      }
    }
  }

  // ------------------------------------------------------------------ effects

  /** Turns the lock space's effects into trace events and messages, in order. */
  private drain(): void {
    const out = this.space.effects;
    for (let i = 0; i < out.length; i++) this.effect(out[i]!);
    this.space.clearEffects();
  }

  private effect(e: Effect): void {
    const env = this.env;
    switch (e.type) {
      case 'complete':
        this.complete(e);
        return;
      case 'enqueue': {
        if (this.zombies.has(e.lockId)) return;
        const meta = this.byLock.get(e.lockId);
        if (meta !== undefined) meta.version++;
        const f: Record<string, unknown> = { client: e.owner, resource: e.resource, mode: e.mode, queue: e.queue };
        if (e.flags !== 0) f.flags = flagNames(e.flags);
        env.trace('enqueue', f);
        return;
      }
      case 'dequeue': {
        if (this.zombies.has(e.lockId)) return;
        const meta = this.byLock.get(e.lockId);
        if (meta !== undefined) meta.version++;
        const reason = meta !== undefined && meta.dying ? 'purge' : e.reason;
        env.trace('dequeue', { client: e.owner, resource: e.resource, reason });
        return;
      }
      case 'release':
        env.trace('release', { client: e.owner, resource: e.resource, reason: 'purge' });
        return;
      case 'demote': {
        const meta = this.byLock.get(e.lockId);
        if (meta !== undefined) {
          meta.version++;
          meta.mode = 'NL';
        }
        env.trace('release', { client: e.owner, resource: e.resource, reason: 'demote' });
        // A lock demoted while it waited in the conversion queue is still there, converting from
        // NL now (the one being converted is queued, or granted, by the lock space itself).
        const info = e.lockId === this.currentLockId ? undefined : this.space.lockInfo(e.lockId);
        if (info?.requestedMode !== undefined) {
          env.trace('enqueue', { client: e.owner, resource: e.resource, mode: info.requestedMode, queue: 'converting' });
        }
        return;
      }
      case 'lvb-write':
        if (this.zombies.has(e.lockId)) return;
        env.trace('lvb-write', { client: e.owner, resource: e.resource, value: e.value });
        return;
      case 'lvb-invalidate': {
        if (e.lockId !== undefined && this.zombies.has(e.lockId)) return;
        const meta = e.lockId === undefined ? undefined : this.byLock.get(e.lockId);
        const reason = meta !== undefined && meta.dying ? 'purge' : e.reason;
        const f: Record<string, unknown> = { resource: e.resource, reason };
        if (e.owner !== undefined) f.client = e.owner;
        env.trace('lvb-invalidate', f);
        return;
      }
      case 'deadlock':
        if (e.victimOwner !== undefined && e.resolution !== 'queued') {
          env.trace('deadlock', { victim: e.victimOwner, cycle: toCycleEdges(e.cycle) });
        }
        return;
      case 'bast': {
        const meta = this.byLock.get(e.lockId);
        if (meta === undefined || meta.dying) return;
        const b: BastWire = { client: meta.client, sess: meta.sess, home: meta.home, resource: meta.resource, mode: e.mode };
        if (meta.copyHolder === env.id) {
          env.copyHolder.onMasterBast(b);
        } else {
          const msg: BastRelayMsg = new RelMessage('mbast', b);
          env.post(meta.copyHolder, msg);
        }
        return;
      }
      default:
        return;
    }
  }

  private complete(e: CompleteEffect): void {
    const meta = this.byLock.get(e.lockId);
    if (meta === undefined) return; // a lock-delay remnant: nobody to tell
    const env = this.env;
    meta.version++;
    meta.mode = e.mode ?? null;
    if (meta.dying) {
      if (e.op === 'unlock') {
        if (this.dyingReason === 'expire') env.trace('expire', { client: meta.client, resource: meta.resource });
        else env.trace('release', { client: meta.client, resource: meta.resource, reason: 'purge' });
      }
      if (e.mode === undefined) this.unbind(meta);
      return;
    }
    let reqId: number;
    let also = 0;
    if (e.op === 'cancel') {
      reqId = meta.cancelReqId;
      meta.cancelReqId = 0;
    } else {
      reqId = meta.mainReqId;
      meta.mainReqId = 0;
      if ((e.status === 'ABORTED' || e.status === 'CANCELLED') && meta.cancelReqId !== 0) {
        also = meta.cancelReqId;
        meta.cancelReqId = 0;
      }
    }
    let value: string | null = null;
    if (e.status === 'GRANTED') {
      const mode = e.mode!;
      meta.grantFlags = meta.reqFlags;
      if (mode === 'PW' || mode === 'EX') meta.token = this.env.tuning.fencing ? this.issueToken(meta.resource) : null;
      else meta.token = null;
      if (e.value !== undefined) {
        value = e.value;
        meta.value = e.value;
        meta.lvbSeq = e.lvbSeq ?? 0;
      }
      const f: Record<string, unknown> = { client: meta.client, resource: meta.resource, mode };
      if (meta.token !== null) f.token = meta.token;
      if (value !== null) f.value = value;
      if (e.flags !== 0) f.flags = statusFlagNames(e.flags);
      if (this.recoveryStep) f.recovery = true;
      env.trace('grant', f);
    } else if (e.status === 'UNLOCKED') {
      env.trace('release', { client: meta.client, resource: meta.resource, reason: 'unlock' });
    }
    if (e.mode === undefined) {
      this.unbind(meta);
      meta.grantFlags = 0;
    }
    this.send(meta, this.outcome(meta, reqId, also, e.status, e.flags, value, meta.lvbSeq));
  }

  /** The next fencing token of `resource`: above the counter and above anything this node ever saw issued. */
  private issueToken(resource: string): number {
    const marks = this.env.tokenWatermarks;
    const cur = Math.max(this.tokenHigh.get(resource) ?? 0, marks.get(resource) ?? 0);
    // MUTATION tokenNotIncremented: every PW/EX grant reuses the current token.
    const token = this.env.tuning.mutations.tokenNotIncremented === true ? Math.max(cur, 1) : cur + 1;
    this.tokenHigh.set(resource, token);
    if (token > (marks.get(resource) ?? 0)) marks.set(resource, token);
    return token;
  }

  // ------------------------------------------------------------------ sessions: purge, grace, adoption

  /** A session ended (`expire`: lease or grace ran out; `lost`: reclaim failed): its locks here end. */
  onPurge(client: string, sess: string, reason: 'expire' | 'lost'): void {
    const o = this.orphans.get(client);
    if (o !== undefined && o.sess === sess) {
      this.env.cancelTimer(o.timer);
      this.orphans.delete(client);
    }
    const ms = this.metas.get(client);
    if (ms === undefined) return;
    const doomed: LockMeta[] = [];
    for (const meta of ms.values()) {
      if (meta.sess !== sess || meta.lockId === 0) continue;
      if (meta.pinned > 0) {
        this.deferredPurges.push({ client, sess, reason });
        return;
      }
      doomed.push(meta);
    }
    // Sublocks before their parents.
    doomed.sort((a, b) => b.path.length - a.path.length);
    for (const meta of doomed) if (meta.lockId !== 0) this.endLock(meta, reason);
  }

  /** Ends one lock of a dead session (see the module comment, "Expiry and lock-delay"). */
  private endLock(meta: LockMeta, reason: 'expire' | 'lost'): void {
    const space = this.space;
    const env = this.env;
    const nowUs = this.now();
    const info = space.lockInfo(meta.lockId);
    if (info === undefined) {
      this.unbind(meta);
      return;
    }
    this.dyingReason = reason;
    meta.dying = true;
    meta.mainReqId = 0;
    meta.cancelReqId = 0;
    const gr = info.grantedMode;
    const invalidate =
      (gr === 'PW' || gr === 'EX') &&
      ((info.flags | meta.grantFlags) & VALBLK) !== 0 &&
      // MUTATION noLvbInvalidateOnHolderDeath: the dead PW/EX holder's value block stays valid.
      env.tuning.mutations.noLvbInvalidateOnHolderDeath !== true;
    const delayUs = env.tuning.lockDelayUs;
    if (!env.members.hasQuorum) {
      // No quorum: trace the end, but change nothing in the lock space (no grant pass may run
      // here); the lock leaves the space once a quorum is back.
      if (info.state !== 'granted') env.trace('dequeue', { client: meta.client, resource: meta.resource, reason: 'purge' });
      if (gr !== undefined) {
        if (invalidate) env.trace('lvb-invalidate', { resource: meta.resource, reason: 'purge', client: meta.client });
        this.traceEnd(meta, reason);
      }
      this.zombify(meta, delayUs, invalidate);
    } else {
      if (info.state !== 'granted') {
        space.cancel(meta.lockId, { nowUs });
        this.drain();
      }
      if (meta.lockId !== 0) {
        if (delayUs > 0) {
          if (invalidate) {
            space.convert(meta.lockId, gr!, { flags: IVVALBLK, nowUs });
            this.drain();
          }
          this.traceEnd(meta, reason);
          this.zombify(meta, delayUs, false);
        } else {
          space.unlock(meta.lockId, { flags: invalidate ? IVVALBLK : 0, nowUs });
          this.drain();
        }
      }
    }
    meta.dying = false;
    meta.version++;
    meta.grantFlags = 0;
    if (invalidate) this.announceInvalid(meta);
    // The copy holder may forget this lock now.
    this.releaseCopy(meta);
  }

  private traceEnd(meta: LockMeta, reason: 'expire' | 'lost'): void {
    if (reason === 'expire') this.env.trace('expire', { client: meta.client, resource: meta.resource });
    else this.env.trace('release', { client: meta.client, resource: meta.resource, reason: 'purge' });
  }

  /** Keep an ended lock in the lock space for lock-delay and/or until a quorum is back. */
  private zombify(meta: LockMeta, delayUs: number, invalidate: boolean): void {
    const env = this.env;
    const lockId = meta.lockId;
    const z: Zombie = { timer: 0, delayed: delayUs <= 0, invalidate };
    this.zombies.set(lockId, z);
    this.unbind(meta);
    if (delayUs > 0) {
      const clock = env.tuning.expiryClock;
      z.timer = env.timerAt(env.ctx.now(clock) + delayUs, clock, () => {
        z.timer = 0;
        z.delayed = true;
        this.finishZombie(lockId);
      });
    } else {
      this.finishZombie(lockId);
    }
  }

  /** Lock-delay over and a quorum: the ended lock finally leaves the lock space and the queue moves. */
  private finishZombie(lockId: number): void {
    const z = this.zombies.get(lockId);
    if (z === undefined || !z.delayed || !this.env.members.hasQuorum) return;
    const space = this.space;
    const nowUs = this.now();
    const info = space.lockInfo(lockId);
    if (info !== undefined && info.state !== 'granted') space.cancel(lockId, { nowUs });
    const after = space.lockInfo(lockId);
    if (after !== undefined) {
      const gr = after.grantedMode;
      if (z.invalidate && (gr === 'PW' || gr === 'EX')) space.convert(lockId, gr, { flags: IVVALBLK, nowUs });
      // The zombie's own effects are not traced (it is still in the map); the unlock's grant pass
      // is what the others see.
      this.drain();
      this.zombies.delete(lockId);
      space.unlock(lockId, { nowUs });
    } else {
      this.zombies.delete(lockId);
    }
    this.drain();
  }

  /** `client`'s home died: keep its session's locks for graceMs, then let them expire. */
  private orphan(client: string, sess: string): void {
    const existing = this.orphans.get(client);
    if (existing !== undefined && existing.sess === sess) return;
    const env = this.env;
    const clock = env.tuning.expiryClock;
    const timer = env.timerAt(env.ctx.now(clock) + env.tuning.graceUs, clock, () => {
      const o = this.orphans.get(client);
      if (o === undefined || o.sess !== sess) return;
      this.orphans.delete(client);
      env.lostSessions.add(sess);
      this.onPurge(client, sess, 'expire');
    });
    this.orphans.set(client, { sess, timer });
  }

  /** A manager adopted `sess` (reclaim or open): re-home its locks. Returns whether it may, and its granted locks here. */
  onAdopt(client: string, sess: string, home: string): { ok: boolean; held: HeldWire[] } {
    const env = this.env;
    if (env.lostSessions.has(sess)) return { ok: false, held: [] };
    const o = this.orphans.get(client);
    if (o !== undefined && o.sess === sess) {
      env.cancelTimer(o.timer);
      this.orphans.delete(client);
    }
    const held: HeldWire[] = [];
    const ms = this.metas.get(client);
    if (ms === undefined) return { ok: true, held };
    const installs = new Map<string, CopyWire[]>();
    for (const meta of ms.values()) {
      if (meta.sess !== sess) continue;
      const copyHolder = this.copyHolderFor(home);
      if (meta.lockId === 0) {
        this.setHome(meta, home);
        continue;
      }
      if (copyHolder !== meta.copyHolder) this.releaseCopy(meta);
      const moved = copyHolder !== meta.copyHolder || this.env.members.genOf(copyHolder) !== meta.copyHolderGen;
      this.setHome(meta, home);
      if (moved) pushTo(installs, copyHolder, this.wire(meta));
      if (meta.mode !== null) held.push({ resource: meta.resource, mode: meta.mode });
    }
    this.sendInstalls(installs);
    return { ok: true, held };
  }

  /** Tell a lock's copy holder, if it is another live node, that its copy moves elsewhere. */
  private releaseCopy(meta: LockMeta): void {
    const env = this.env;
    const old = meta.copyHolder;
    if (old === env.id || !env.members.isAlive(old)) return;
    const msg: CopyReleaseMsg = new RelMessage('ch-release', { client: meta.client, root: meta.root, resource: meta.resource, version: meta.version });
    env.post(old, msg);
  }

  private wire(meta: LockMeta): CopyWire {
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
      pending: [],
      lost: false,
      lvbInvalid: this.lvbInvalid(meta.path),
    };
  }

  /** Whether the value block of the resource at `path` is marked invalid here. */
  private lvbInvalid(path: readonly string[]): boolean {
    const r = this.space.resource(...path);
    return r !== undefined && !r.valueBlock.valid;
  }

  /** Tell the copy holders of `resource`'s other locks that its value block is now invalid. */
  private announceInvalid(dead: LockMeta): void {
    const env = this.env;
    const told = new Set<string>();
    for (const m of this.byLock.values()) {
      if (m === dead || m.resource !== dead.resource || told.has(m.copyHolder)) continue;
      told.add(m.copyHolder);
      if (m.copyHolder === env.id) {
        env.copyHolder.onValueBlockInvalid(m.root, m.resource);
        continue;
      }
      const msg: ValueBlockInvalidMsg = new RelMessage('ch-lvb', { root: m.root, resource: m.resource });
      env.post(m.copyHolder, msg);
    }
  }

  private sendInstalls(installs: Map<string, CopyWire[]>): void {
    for (const [copyHolder, records] of installs) {
      const msg: CopyInstallMsg = new RelMessage('ch-install', records);
      this.env.post(copyHolder, msg);
    }
  }

  // ------------------------------------------------------------------ membership

  /**
   * The view changed (`dead`: the ids whose generation died, a restart included): orphan the locks
   * of dead homes, move copies whose holder changed or died, stop waiting for the dead.
   */
  onViewChange(dead: ReadonlySet<string>): void {
    const env = this.env;
    const members = env.members;
    const installs = new Map<string, CopyWire[]>();
    for (const ms of this.metas.values()) {
      for (const meta of ms.values()) {
        if (meta.lockId === 0) continue;
        if (!this.homeLives(meta)) this.orphan(meta.client, meta.sess);
        const copyHolder = this.copyHolderFor(meta.home);
        if (copyHolder !== meta.copyHolder || members.genOf(copyHolder) !== meta.copyHolderGen) {
          // The holder the copy leaves (if it is still alive: the home came back, and the copy
          // returns from the buddy) lets its copy go; kept, it would outrank the new holder's
          // fresher but lower-versioned records in a later recovery.
          if (copyHolder !== meta.copyHolder) this.releaseCopy(meta);
          meta.copyHolder = copyHolder;
          meta.copyHolderGen = members.genOf(copyHolder);
          if (copyHolder !== env.id) pushTo(installs, copyHolder, this.wire(meta));
        }
      }
    }
    const buddy = members.successorOf(env.id);
    if (this.buddy !== undefined && this.buddy !== buddy && members.isAlive(this.buddy)) {
      const msg: CopiesDropMsg = new RelMessage('ch-drop', env.id);
      env.post(this.buddy, msg);
    }
    this.buddy = buddy;
    this.sendInstalls(installs);
    for (const [root, rootState] of this.roots) {
      if (!rootState.recovering) continue;
      for (const m of [...rootState.waiting]) if (dead.has(m) || !members.isAlive(m)) rootState.waiting.delete(m);
      this.tryFinish(root, rootState);
    }
    // Homes that came back at the same generation (a minority merged back): no orphans any more.
    for (const [client, o] of [...this.orphans]) {
      const ms = this.metas.get(client);
      let lives = false;
      if (ms !== undefined) for (const meta of ms.values()) if (meta.sess === o.sess && meta.lockId !== 0) lives = this.homeLives(meta);
      if (lives) {
        env.cancelTimer(o.timer);
        this.orphans.delete(client);
      }
    }
    if (members.hasQuorum) {
      // A quorum (back): what waited for one goes on.
      for (const lockId of [...this.zombies.keys()]) this.finishZombie(lockId);
      for (const rootState of this.roots.values()) this.processDeferred(rootState);
    }
  }

  /** The quorum came or went in the same view: what waited for one goes on (recovery included). */
  onQuorumChange(): void {
    if (!this.env.members.hasQuorum) return;
    for (const lockId of [...this.zombies.keys()]) this.finishZombie(lockId);
    for (const [root, rootState] of this.roots) {
      if (rootState.recovering) this.tryFinish(root, rootState);
      else this.processDeferred(rootState);
    }
  }

  // ------------------------------------------------------------------ recovery

  private startGather(root: string, rootState: RootState): void {
    const env = this.env;
    rootState.recovering = true;
    rootState.round++;
    rootState.collected = [];
    rootState.waiting = new Set(env.members.live);
    for (const m of env.members.live) {
      const msg: GatherRequestMsg = new RelMessage('gather-req', { root, round: rootState.round });
      env.post(m, msg);
    }
  }

  onGatherResult(from: string, msg: GatherResultBody): void {
    const rootState = this.roots.get(msg.root);
    if (rootState === undefined || !rootState.recovering || msg.round !== rootState.round || !rootState.waiting.delete(from)) return;
    rootState.collected.push({ from, msg });
    this.tryFinish(msg.root, rootState);
  }

  private tryFinish(root: string, rootState: RootState): void {
    if (rootState.waiting.size > 0 || !this.env.members.hasQuorum) return;
    const order = this.env.members.live;
    const collected = rootState.collected.slice().sort((a, b) => order.indexOf(a.from) - order.indexOf(b.from));
    rootState.collected = [];
    this.rebuild(root, rootState, collected.map((c) => c.msg));
  }

  private rebuild(root: string, rootState: RootState, replies: readonly GatherResultBody[]): void {
    const env = this.env;
    const nowUs = this.now();
    // Merge the copies: the newest version of each lock, and every pending operation once.
    const merged = new Map<string, { w: CopyWire; pending: OpWire[] }>();
    const seen = new Map<string, number>();
    const see = (resource: string, token: number) => {
      const cur = seen.get(resource);
      if (cur === undefined || token > cur) seen.set(resource, token);
    };
    for (const reply of replies) {
      for (const [resource, token] of reply.tokens) see(resource, token);
      for (const w of reply.records) {
        if (w.token !== null) see(w.resource, w.token);
        const key = lockKey(w.client, w.resource);
        const cur = merged.get(key);
        if (cur === undefined) {
          merged.set(key, { w, pending: w.pending.slice() });
          continue;
        }
        if (w.version > cur.w.version || (w.lost && !cur.w.lost)) cur.w = w;
        for (const op of w.pending) if (!cur.pending.some((p) => p.reqId === op.reqId)) cur.pending.push(op);
        cur.pending.sort((a, b) => a.reqId - b.reqId);
      }
    }
    // Fencing: start above every token any survivor saw, plus the gap.
    if (!seen.has(root)) seen.set(root, 0);
    for (const [resource, token] of seen) {
      const base = Math.max(this.tokenHigh.get(resource) ?? 0, token + TOKEN_RECOVERY_GAP);
      this.tokenHigh.set(resource, base);
    }
    this.recoveryStep = true;
    const entries = [...merged.values()];
    // A copy of a session that is over: its lock is ended (below), its requests are not replayed.
    const over = (w: CopyWire) => w.lost || env.lostSessions.has(w.sess);
    // 1. Restate what the dead master may have traced beyond the copies.
    for (const { w, pending } of entries) {
      if (w.grantedMode === null && pending.some((op) => op.op === 'lock')) {
        env.trace('release', { client: w.client, resource: w.resource, reason: 'superseded' });
      }
    }
    for (const { w, pending } of entries) {
      if (w.grantedMode === null || pending.length === 0 || over(w)) continue;
      // What the dead master may have done already, never more than it could have granted: an
      // unlock or a down-conversion in flight counts as done (Linux treats remote down-conversions
      // as fire-and-forget too); an up-conversion as not done.
      const main = mainOp(pending);
      if (main?.op === 'unlock') env.trace('release', { client: w.client, resource: w.resource, reason: 'unlock' });
      else if (main?.op === 'convert' && decreases(w.grantedMode, main.mode)) env.trace('grant', { client: w.client, resource: w.resource, mode: main.mode!, recovery: true });
      else env.trace('grant', { client: w.client, resource: w.resource, mode: w.grantedMode, recovery: true });
    }
    // 2. Rebuild the granted locks (parents first).
    const granted = entries.filter((x) => x.w.grantedMode !== null).sort((a, b) => a.w.path.length - b.w.path.length);
    // Value blocks: one whose newest copies saw it invalid (a PW/EX holder died, nobody wrote
    // since) must stay invalid. The lock space recovers a block as valid from any copy held above
    // CR, so for such a resource the copies are adopted without VALBLK and one ownerless NL copy
    // carries the block: the lock space then rebuilds it from that copy and marks it invalid
    // (§4.3), and the stand-in leaves at once.
    const newest = new Map<string, { seq: number; invalid: boolean; value: string | null; path: readonly string[] }>();
    for (const { w } of granted) {
      if ((w.grantFlags & VALBLK) === 0 && w.value === null) continue;
      const cur = newest.get(w.resource);
      if (cur === undefined || w.lvbSeq > cur.seq) newest.set(w.resource, { seq: w.lvbSeq, invalid: w.lvbInvalid, value: w.value, path: w.path });
      else if (w.lvbSeq === cur.seq && w.lvbInvalid) cur.invalid = true;
    }
    // Several managers gone at once: a lock whose master and copy holder were both among them is
    // unknown here. Its client's home (cut off, without a quorum) extends no lease, so such a lock
    // is certainly over within a lease and a failure timeout: the root is held that long. And
    // whatever such a lock wrote is unknown too: every rebuilt value block is marked invalid, and
    // kept (by its stand-in) until the hold is over.
    const t = env.tuning;
    const lossy = t.leaseUs > 0 && (env.members.missing >= 2 || env.members.recentDeaths(t.leaseUs + t.failureTimeoutUs + t.graceUs) >= 2);
    const invalidRes = new Set<string>();
    for (const [resource, n] of newest) if (n.invalid && n.path.length === 1) invalidRes.add(resource);
    if (lossy) {
      invalidRes.add(root);
      for (const { w } of granted) if (w.path.length === 1) invalidRes.add(w.resource);
    }
    const ids = new Map<string, number>();
    const copies: LockCopy[] = [];
    const adopted: CopyWire[] = [];
    const standIns: number[] = [];
    for (const resource of invalidRes) {
      const n = newest.get(resource);
      const lockId = ++this.maxLockId;
      const copy: LockCopy = { lockId, owner: STAND_IN, path: n?.path ?? [resource], state: 'granted', grantedMode: 'NL', flags: VALBLK, lvbSeq: n?.seq ?? 0 };
      if (n !== undefined && n.value !== null) copy.value = n.value;
      copies.push(copy);
      standIns.push(lockId);
    }
    const ended: LockMeta[] = [];
    for (const { w } of granted) {
      let parentLockId: number | undefined;
      if (w.parent !== null) {
        parentLockId = ids.get(lockKey(w.client, w.parent));
        if (parentLockId === undefined) {
          env.trace('release', { client: w.client, resource: w.resource, reason: 'superseded' });
          continue;
        }
      }
      const lockId = ++this.maxLockId;
      ids.set(lockKey(w.client, w.resource), lockId);
      const flags = invalidRes.has(w.resource) ? w.grantFlags & ~VALBLK : w.grantFlags;
      const copy: LockCopy = { lockId, owner: w.client, path: w.path, state: 'granted', grantedMode: w.grantedMode!, flags, priority: w.priority };
      if (parentLockId !== undefined) copy.parentLockId = parentLockId;
      if (w.value !== null) {
        copy.value = w.value;
        copy.lvbSeq = w.lvbSeq;
      }
      copies.push(copy);
      adopted.push(w);
    }
    const installs = new Map<string, CopyWire[]>();
    if (copies.length > 0) {
      // A held root's stand-ins stay until the hold is over (`delayed` false until then).
      for (const id of standIns) this.zombies.set(id, { timer: 0, delayed: !lossy, invalidate: false });
      const all = this.space.adopt(copies, { nowUs });
      const lockIds = all.slice(standIns.length);
      adopted.forEach((w, i) => {
        // A reclaim may have moved the session while its copies were being gathered.
        const home = env.sessionHomes.get(w.sess) ?? w.home;
        const meta = this.metaFor(w.client, w.resource, w.root, w.path, w.parent, w.sess, home, w.priority);
        meta.sess = w.sess;
        this.setHome(meta, home);
        meta.version = Math.max(meta.version, w.version) + 1;
        meta.mode = w.grantedMode;
        meta.grantFlags = w.grantFlags;
        meta.token = w.token;
        meta.value = w.value;
        meta.lvbSeq = w.lvbSeq;
        this.bind(meta, lockIds[i]!);
        if (over(w)) ended.push(meta);
        else if (!this.homeLives(meta)) this.orphan(w.client, w.sess);
        if (meta.copyHolder !== env.id) pushTo(installs, meta.copyHolder, this.wire(meta));
      });
      this.drain();
      if (!lossy) for (const id of standIns) this.finishZombie(id);
    }
    // Locks of sessions that ended while their master was down end now (expire: value block
    // invalidated where a PW/EX holder dies), so the trace never keeps them standing.
    for (const meta of ended) {
      env.lostSessions.add(meta.sess);
      this.endLock(meta, 'expire');
    }
    // Copies this node held as a home now belong with its buddy.
    if (env.members.successorOf(env.id) !== undefined) env.copyHolder.onCopiesDrop(env.id);
    this.sendInstalls(installs);
    rootState.recovering = false;
    // Locks letting go (unlock, down-conversion) replay first, so the rebuilt queues are
    // consistent again before anything else is decided; each client's operations stay in order.
    const replays: OpWire[] = [];
    for (const pass of [true, false]) {
      for (const { w, pending } of entries) {
        if (over(w) || pending.length === 0) continue;
        const main = mainOp(pending);
        const letsGo = main !== undefined && (main.op === 'unlock' || (main.op === 'convert' && w.grantedMode !== null && decreases(w.grantedMode, main.mode)));
        if (letsGo === pass) for (const op of pending) replays.push(op);
      }
    }
    if (lossy) {
      this.hold(rootState, replays, standIns);
    } else {
      // 3. Replay the operations still pending, in request order.
      for (const op of replays) this.replay(op);
    }
    this.recoveryStep = false;
    this.processDeferred(rootState);
  }

  /** Put `rootState` on hold (see {@link rebuild}); the replays wait at the head of its queue. */
  private hold(rootState: RootState, replays: readonly OpWire[], standIns: readonly number[]): void {
    const env = this.env;
    const t = env.tuning;
    const holdUs = t.leaseUs + t.failureTimeoutUs + t.keepAliveUs;
    rootState.holdUntilUs = this.now() + holdUs;
    for (const op of replays) {
      const meta = this.findMeta(op.client, op.resource);
      if (meta !== undefined) meta.queued++;
      else this.metaFor(op.client, op.resource, op.root, op.path, op.parent, op.sess, op.home, op.priority).queued++;
    }
    rootState.deferred = [...replays, ...rootState.deferred];
    if (rootState.holdTimer !== 0) env.cancelTimer(rootState.holdTimer);
    rootState.holdTimer = env.timer(holdUs, () => {
      rootState.holdTimer = 0;
      rootState.holdUntilUs = 0;
      // The first pass after the hold is still recovery: queue order was rebuilt, not kept.
      this.recoveryStep = true;
      this.processDeferred(rootState);
      for (const id of standIns) {
        const z = this.zombies.get(id);
        if (z !== undefined) z.delayed = true;
        this.finishZombie(id);
      }
      this.recoveryStep = false;
    });
  }

  // ------------------------------------------------------------------ deadlock participant

  /** This master's wait-for edges (conflict edges between live locks). */
  deadlockEdges(): EdgeWire[] {
    const out: EdgeWire[] = [];
    const nowUs = this.now();
    const me = this.env.id;
    for (const e of this.space.waitForEdges()) {
      if (e.kind !== 'conflict') continue;
      const wm = this.byLock.get(e.waiterLockId);
      const hm = this.byLock.get(e.holderLockId);
      if (wm === undefined || hm === undefined) continue;
      out.push({
        master: me,
        resource: e.resource,
        waiterLockId: e.waiterLockId,
        waiterOwner: e.waiterOwner,
        waiterMode: e.waiterMode,
        waiterPriority: e.waiterPriority,
        waitedUs: nowUs - e.waiterSinceUs,
        waiterVersion: wm.version,
        holderLockId: e.holderLockId,
        holderOwner: e.holderOwner,
        holderMode: e.holderMode,
        holderVersion: hm.version,
      });
    }
    return out;
  }

  /**
   * Validate a proposed cycle's edges at this master: each waiter and holder must be unchanged
   * since the edges were gathered. If all are, pin them until the coordinator decides, so the
   * cycle still stands when the coordinator reports it. Returns the vote.
   */
  deadlockPrepare(coord: string, round: number, edges: readonly EdgeWire[]): boolean {
    const metas: LockMeta[] = [];
    for (const e of edges) {
      const wm = this.byLock.get(e.waiterLockId);
      const hm = this.byLock.get(e.holderLockId);
      if (wm === undefined || hm === undefined || wm.version !== e.waiterVersion || hm.version !== e.holderVersion) return false;
      const info = this.space.lockInfo(e.waiterLockId);
      if (info === undefined || info.state === 'granted') return false;
      metas.push(wm, hm);
    }
    for (const m of metas) m.pinned++;
    this.pins.set(`${coord}#${round}`, metas);
    return true;
  }

  /** The coordinator decided: unpin, and complete the victim with DEADLOCK when it is here. */
  deadlockDecide(coord: string, round: number, commit: boolean, victimLockId: number, victimVersion: number): void {
    this.releasePins(`${coord}#${round}`);
    if (commit && victimLockId !== 0) {
      const meta = this.byLock.get(victimLockId);
      if (meta !== undefined && meta.version === victimVersion) {
        this.space.completeAsDeadlockVictim(victimLockId, { nowUs: this.now() });
        this.drain();
      }
    }
    this.afterUnpin();
  }

  /** A coordinator died or lost its role: its pins go. */
  onCoordinatorGone(coord: string): void {
    const prefix = `${coord}#`;
    for (const key of [...this.pins.keys()]) if (key.startsWith(prefix)) this.releasePins(key);
    this.afterUnpin();
  }

  private releasePins(key: string): void {
    const metas = this.pins.get(key);
    if (metas === undefined) return;
    this.pins.delete(key);
    for (const m of metas) m.pinned--;
  }

  private afterUnpin(): void {
    const purges = this.deferredPurges;
    this.deferredPurges = [];
    for (const p of purges) this.onPurge(p.client, p.sess, p.reason);
    for (const rootState of this.roots.values()) this.processDeferred(rootState);
  }

  // ------------------------------------------------------------------ bookkeeping

  private metaFor(
    client: string,
    resource: string,
    root: string,
    path: readonly string[],
    parent: string | null,
    sess: string,
    home: string,
    priority: number,
  ): LockMeta {
    let ms = this.metas.get(client);
    if (ms === undefined) {
      ms = new Map();
      this.metas.set(client, ms);
    }
    let meta = ms.get(resource);
    if (meta === undefined) {
      meta = new LockMeta(client, resource, root, path, parent, sess, home, this.copyHolderFor(home), priority);
      this.setHome(meta, home);
      ms.set(resource, meta);
    }
    return meta;
  }

  /** Set the lock's home (and so its copy holder), remembering their generations. */
  private setHome(meta: LockMeta, home: string): void {
    const members = this.env.members;
    meta.home = home;
    meta.homeGen = members.genOf(home);
    meta.copyHolder = this.copyHolderFor(home);
    meta.copyHolderGen = members.genOf(meta.copyHolder);
  }

  /** The lock's home is alive at the generation it had when it sent the lock's requests. */
  private homeLives(meta: LockMeta): boolean {
    const members = this.env.members;
    return members.isAlive(meta.home) && members.genOf(meta.home) === meta.homeGen;
  }

  private findMeta(client: string, resource: string): LockMeta | undefined {
    return this.metas.get(client)?.get(resource);
  }

  /** The token counter of `resource` (tests). */
  tokenOf(resource: string): number {
    return this.tokenHigh.get(resource) ?? 0;
  }

  /** Whether `root` is being rebuilt (tests). */
  recovering(root: string): boolean {
    return this.roots.get(root)?.recovering ?? false;
  }
}

/** The lock/convert/unlock among a copy's pending operations (a cancel may ride along). */
function mainOp(pending: readonly OpWire[]): OpWire | undefined {
  for (const op of pending) if (op.op !== 'cancel') return op;
  return undefined;
}

/** A conversion from `from` to `to` that only gives capability up (always granted at once). */
function decreases(from: ModeName, to: ModeName | null): boolean {
  return to !== null && (from === to || isDownConversion(toMode(from) as Mode, toMode(to) as Mode));
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  let list = map.get(key);
  if (list === undefined) {
    list = [];
    map.set(key, list);
  }
  list.push(value);
}
