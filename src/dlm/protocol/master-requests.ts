/**
 * Request handling at the master role (see ./master.ts): requests arrive from copy holders
 * (`mreq`), wait while their root has no known master here, is being rebuilt or held, or their
 * lock is pinned by a deadlock round; they are de-duplicated by the driver's request id (the
 * network may duplicate; recovery and re-homing re-send), and go to the lock space, whose effects
 * ./master-effects.ts turns into trace events and outcomes.
 */
import type { LockSpace } from '../core/index.js';
import type { ManagerEnv } from './env.js';
import { RelMessage } from './links.js';
import type { EffectTranslator } from './master-effects.js';
import { pushTo, type LockMeta, type MasterRecords, type RootState } from './master-records.js';
import type { MasterSessions } from './master-sessions.js';
import { isNewerSession } from './session.js';
import type { CopyWire, InstallWire, NotMasterMsg, OpWire } from './wire.js';

/** Most requests one root may defer. */
export const MAX_DEFERRED_PER_ROOT = 100_000;

/** The request path of one master. */
export class MasterRequests {
  /** Requests for roots this node was not known to master when they came, by root. */
  private readonly unknown = new Map<string, { from: string; op: OpWire }[]>();

  constructor(
    private readonly env: ManagerEnv,
    private readonly space: LockSpace,
    private readonly records: MasterRecords,
    private readonly effects: EffectTranslator,
    private readonly sessions: MasterSessions,
  ) {}

  onMasterRequest(from: string, op: OpWire): void {
    const rootState = this.records.roots.get(op.root);
    if (rootState === undefined) {
      this.deferUnknown(from, op);
      return;
    }
    this.accept(rootState, op);
    this.takeStrayCopy(from, op);
  }

  /**
   * `from` recorded `op` pending in a copy of its lock before passing it on, but the lock's
   * outcomes go to another holder: the session moved home (a reclaim) while `op` was on its way
   * from the home it left — a paused or cut-off home sends what it held once it runs again — or
   * the master's buddy changed. No outcome ever reaches `from`, so its copy would keep `op`
   * pending for good; a later rebuild that gathered it would replay `op`, long answered, ahead of
   * the client's later requests on the lock, and grant the lock to a client that never asks for
   * it again (nobody would ever unlock it). The lock's copy holder is sent the copy as it stands
   * here, naming `from` as the holder it leaves, which lets go once the copy has arrived (the
   * hand-over of {@link MasterRecords.handOver}).
   */
  private takeStrayCopy(from: string, op: OpWire): void {
    const env = this.env;
    if (from === env.id || !env.members.isAlive(from)) return;
    const meta = this.records.findMeta(op.client, op.resource);
    if (meta === undefined || meta.sess !== op.sess) return;
    const holder = this.records.copyHolderFor(this.homeFor(op));
    if (holder === from) return;
    const installs = new Map<string, InstallWire[]>();
    pushTo(installs, holder, { ...this.records.copyOf(meta), formerHolder: from });
    this.records.sendInstalls(installs);
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
    const rootState = this.records.roots.get(root);
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

  private accept(rootState: RootState, op: OpWire): void {
    // Without a quorum even a repeated request waits: re-sending its outcome would hand a grant to
    // a copy holder in this minority, which the majority's rebuild never gathers, and the grant
    // would reach a client after the majority ended it (superseded).
    if (!this.env.members.hasQuorum && !this.env.lostSessions.has(op.sess)) {
      this.defer(rootState, this.records.metaFor(op, op.home), op);
      return;
    }
    const meta = this.admit(op);
    if (meta === undefined) return;
    if (!this.mayAct(rootState) || meta.pinned > 0 || meta.queued > 0) {
      this.defer(rootState, meta, op);
      return;
    }
    this.execute(meta, op);
  }

  private defer(rootState: RootState, meta: LockMeta, op: OpWire): void {
    meta.queued++;
    rootState.deferred.push(op);
    if (rootState.deferred.length > MAX_DEFERRED_PER_ROOT) throw new RangeError(`master ${this.env.id}: more than ${MAX_DEFERRED_PER_ROOT} requests deferred on ${op.root}`);
  }

  /**
   * The lock `op` is a new request of, or undefined when there is nothing to do: its session is
   * over or older than the lock's, or it came again (its outcome, if any, goes again).
   */
  private admit(op: OpWire): LockMeta | undefined {
    if (this.env.lostSessions.has(op.sess)) return undefined;
    const meta = this.sessionMeta(op);
    if (meta === undefined) return undefined;
    if (op.reqId <= meta.lastReqId) {
      this.followHome(meta, op);
      this.records.resend(meta, op.reqId);
      return undefined;
    }
    return meta;
  }

  /** The lock's bookkeeping for `op`, after retiring an older session's lock; undefined when `op` is from an older session. */
  private sessionMeta(op: OpWire): LockMeta | undefined {
    const meta = this.records.metaFor(op, op.home);
    if (meta.sess === op.sess) return meta;
    if (!isNewerSession(op.sess, meta.sess)) return undefined;
    // A newer session of the same client: the old one is over, whatever is left of it goes.
    if (meta.lockId !== 0) {
      this.env.lostSessions.add(meta.sess);
      this.sessions.endLock(meta, 'lost');
    }
    meta.sess = op.sess;
    meta.lastReqId = 0;
    return meta;
  }

  /** Recovery replay: like {@link accept}, but ahead of whatever waited meanwhile. */
  replay(op: OpWire): void {
    if (this.env.lostSessions.has(op.sess)) return;
    const meta = this.sessionMeta(op);
    if (meta === undefined || op.reqId <= meta.lastReqId) return;
    this.execute(meta, op);
  }

  /** Put `replays` at the head of `rootState`'s deferred requests (a held root serves them first when the hold ends). */
  deferFirst(rootState: RootState, replays: readonly OpWire[]): void {
    for (const op of replays) this.records.metaFor(op, op.home).queued++;
    rootState.deferred = [...replays, ...rootState.deferred];
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
    const installs = new Map<string, CopyWire[]>();
    this.records.rehome(meta, home, installs, true);
    this.records.sendInstalls(installs);
  }

  /** Requests on `rootState` may be executed now: serving (not rebuilding, not on hold), and a quorum. */
  private mayAct(rootState: RootState): boolean {
    return rootState.phase.kind === 'serving' && this.env.members.hasQuorum;
  }

  /** Serve the deferred requests of every root that may go now. */
  processAllDeferred(): void {
    for (const rootState of this.records.roots.values()) this.processDeferred(rootState);
  }

  /** Serve the deferred requests that may go now, in order; a lock still blocked keeps the rest of its requests waiting. */
  processDeferred(rootState: RootState): void {
    if (!this.mayAct(rootState) || rootState.deferred.length === 0) return;
    const list = rootState.deferred;
    rootState.deferred = [];
    const blocked = new Set<LockMeta>();
    for (const op of list) {
      const meta = this.records.findMeta(op.client, op.resource);
      if (meta === undefined) continue;
      meta.queued--;
      if (blocked.has(meta) || meta.pinned > 0 || !this.mayAct(rootState)) {
        blocked.add(meta);
        meta.queued++;
        rootState.deferred.push(op);
        continue;
      }
      const current = this.admit(op);
      if (current !== undefined) this.execute(current, op);
    }
  }

  private execute(meta: LockMeta, op: OpWire): void {
    meta.sess = op.sess;
    this.records.setHome(meta, this.homeFor(op));
    meta.priority = op.priority;
    meta.lastReqId = op.reqId;
    if (op.op === 'cancel') meta.cancelOp = op;
    else meta.mainOp = op;
    switch (op.op) {
      case 'lock':
        this.executeLock(meta, op);
        return;
      case 'convert':
        this.executeConvert(meta, op);
        return;
      case 'unlock':
        this.executeUnlock(meta, op);
        return;
      case 'cancel':
        this.executeCancel(meta, op);
        return;
    }
  }

  private executeLock(meta: LockMeta, op: OpWire): void {
    if (meta.lockId !== 0 || op.mode === null || op.flags < 0) {
      this.records.refuse(meta, op.reqId, 'INVALID_ARG');
      return;
    }
    let parentLockId: number | undefined;
    if (op.parent !== null) {
      const parentMeta = this.records.findMeta(op.client, op.parent);
      if (parentMeta === undefined || parentMeta.lockId === 0) {
        this.records.refuse(meta, op.reqId, 'INVALID_ARG');
        return;
      }
      parentLockId = parentMeta.lockId;
    }
    meta.mainReqId = op.reqId;
    meta.reqFlags = op.flags;
    const name = op.parent === null ? op.root : op.path[op.path.length - 1]!;
    // The lock space reads an undefined option as absent.
    const result = this.space.lock(op.client, name, op.mode, { flags: op.flags, priority: op.priority, nowUs: this.now(), parentLockId });
    if (result.status === 'INVALID_ARG' || result.status === 'PARNOTGRANT') {
      meta.mainReqId = 0;
      this.records.refuse(meta, op.reqId, result.status);
      return;
    }
    this.records.bind(meta, result.lockId);
    this.effects.drain();
  }

  private executeConvert(meta: LockMeta, op: OpWire): void {
    if (meta.lockId === 0 || op.mode === null || op.flags < 0) {
      this.records.refuse(meta, op.reqId, 'INVALID_ARG');
      return;
    }
    const previousReqId = meta.mainReqId;
    const previousFlags = meta.reqFlags;
    meta.mainReqId = op.reqId;
    meta.reqFlags = op.flags;
    const result = this.space.convert(meta.lockId, op.mode, { flags: op.flags, nowUs: this.now(), value: op.value ?? undefined });
    if (result.status === 'INVALID_ARG' || result.status === 'BUSY') {
      meta.mainReqId = previousReqId;
      meta.reqFlags = previousFlags;
      this.records.refuse(meta, op.reqId, result.status);
      return;
    }
    this.effects.drain(meta.lockId);
  }

  private executeUnlock(meta: LockMeta, op: OpWire): void {
    if (meta.lockId === 0 || op.flags < 0) {
      this.records.refuse(meta, op.reqId, 'INVALID_ARG');
      return;
    }
    const previousReqId = meta.mainReqId;
    meta.mainReqId = op.reqId;
    const result = this.space.unlock(meta.lockId, { flags: op.flags, nowUs: this.now(), value: op.value ?? undefined });
    if (result.status !== 'UNLOCKED') {
      meta.mainReqId = previousReqId;
      this.records.refuse(meta, op.reqId, result.status);
      return;
    }
    this.effects.drain();
  }

  private executeCancel(meta: LockMeta, op: OpWire): void {
    if (meta.lockId === 0) {
      this.records.refuse(meta, op.reqId, 'CANCELGRANT');
      return;
    }
    meta.cancelReqId = op.reqId;
    const result = this.space.cancel(meta.lockId, { nowUs: this.now() });
    if (result.status === 'INVALID_ARG') {
      meta.cancelReqId = 0;
      this.records.refuse(meta, op.reqId, 'INVALID_ARG');
      return;
    }
    this.effects.drain();
  }

  private now(): number {
    return this.env.ctx.now('mono');
  }
}
