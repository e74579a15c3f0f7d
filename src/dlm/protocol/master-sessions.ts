/**
 * Sessions and lock-delay at the master role (see "Expiry and lock-delay" and "Grace" in
 * ./master.ts): the end of a session's locks, the ended locks kept in the lock space for
 * lock-delay or until a quorum is back, the grace period of locks whose home died, and the
 * re-homing of a session's locks when another manager adopts it.
 */
import type { ModeName } from '../../vocabulary/index.js';
import { LockFlag, type LockSpace } from '../core/index.js';
import type { TimerId } from '../../sim/types.js';
import type { ManagerEnv } from './env.js';
import type { EffectTranslator } from './master-effects.js';
import type { EndReason, LockMeta, MasterRecords, Zombie } from './master-records.js';
import type { CopyWire, HeldWire } from './wire.js';
import { isNewerSession } from './session.js';

/** A session whose home died, with the timer that ends its locks when the grace period is over. */
interface Orphan {
  sess: string;
  timer: TimerId;
}

/** A purge that waits for a deadlock round to release the locks it pinned. */
interface DeferredPurge {
  client: string;
  sess: string;
  reason: EndReason;
}

/** The ends of sessions at one master. */
export class MasterSessions {
  private readonly orphans = new Map<string, Orphan>();
  private deferredPurges: DeferredPurge[] = [];

  constructor(
    private readonly env: ManagerEnv,
    private readonly space: LockSpace,
    private readonly records: MasterRecords,
    private readonly effects: EffectTranslator,
  ) {}

  private now(): number {
    return this.env.ctx.now('mono');
  }

  /** A session ended (`expire`: lease or grace ran out; `lost`: reclaim failed): its locks here end. */
  onPurge(client: string, sess: string, reason: EndReason): void {
    this.cancelOrphan(client, sess);
    const byResource = this.records.metas.get(client);
    if (byResource === undefined) return;
    const doomed: LockMeta[] = [];
    for (const meta of byResource.values()) {
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

  /** The pins are gone: the purges that waited for them run now. */
  retryDeferredPurges(): void {
    const purges = this.deferredPurges;
    this.deferredPurges = [];
    for (const purge of purges) this.onPurge(purge.client, purge.sess, purge.reason);
  }

  /** Ends one lock of a dead session (see the module comment of ./master.ts, "Expiry and lock-delay"). */
  endLock(meta: LockMeta, reason: EndReason): void {
    const env = this.env;
    const info = this.space.lockInfo(meta.lockId);
    if (info === undefined) {
      this.records.unbind(meta);
      return;
    }
    meta.ending = reason;
    meta.mainReqId = 0;
    meta.cancelReqId = 0;
    const grantedMode = info.grantedMode;
    const invalidate =
      (grantedMode === 'PW' || grantedMode === 'EX') &&
      ((info.flags | meta.grantFlags) & LockFlag.VALBLK) !== 0 &&
      // MUTATION noLvbInvalidateOnHolderDeath: the dead PW/EX holder's value block stays valid.
      env.tuning.mutations.noLvbInvalidateOnHolderDeath !== true;
    if (!env.members.hasQuorum) {
      // No quorum: trace the end, but change nothing in the lock space (no grant pass may run
      // here); the lock leaves the space once a quorum is back. A request that was only queued
      // is traced ended then too: this master may have been superseded, and the request may
      // still stand in the new master's queue, whose own purge ends it there.
      const queuedOnly = info.state !== 'granted' && grantedMode === undefined;
      if (info.state !== 'granted' && !queuedOnly) env.trace('dequeue', { client: meta.client, resource: meta.resource, reason: 'purge' });
      if (grantedMode !== undefined) {
        if (invalidate) env.trace('lvb-invalidate', { resource: meta.resource, reason: 'purge', client: meta.client });
        this.traceEnd(meta, reason);
      }
      // Lock-delay keeps a holder's lock past its end for the writes it may still send; a request
      // never granted sends none, and leaves with the quorum back, as it would leave at once with one.
      const zombie = this.zombify(meta, queuedOnly ? 0 : env.tuning.lockDelayUs, invalidate);
      if (queuedOnly) zombie.dequeue = { client: meta.client, resource: meta.resource };
    } else {
      this.endInSpace(meta, info.state !== 'granted', grantedMode, invalidate, reason);
    }
    meta.ending = null;
    meta.version++;
    meta.grantFlags = 0;
    if (invalidate) this.records.announceInvalid(meta);
    // The copy holder may forget this lock now.
    this.records.releaseCopy(meta);
  }

  /** With a quorum: cancel what is pending, then unlock the grant, or keep it for lock-delay. */
  private endInSpace(meta: LockMeta, pending: boolean, grantedMode: ModeName | undefined, invalidate: boolean, reason: EndReason): void {
    const space = this.space;
    const nowUs = this.now();
    const delayUs = this.env.tuning.lockDelayUs;
    if (pending) {
      space.cancel(meta.lockId, { nowUs });
      this.effects.drain();
    }
    if (meta.lockId === 0) return;
    if (delayUs > 0) {
      if (invalidate) {
        space.convert(meta.lockId, grantedMode!, { flags: LockFlag.IVVALBLK, nowUs });
        this.effects.drain();
      }
      this.traceEnd(meta, reason);
      this.zombify(meta, delayUs, false);
    } else {
      space.unlock(meta.lockId, { flags: invalidate ? LockFlag.IVVALBLK : 0, nowUs });
      this.effects.drain();
    }
  }

  private traceEnd(meta: LockMeta, reason: EndReason): void {
    if (reason === 'expire') this.env.trace('expire', { client: meta.client, resource: meta.resource });
    else this.env.trace('release', { client: meta.client, resource: meta.resource, reason: 'purge' });
  }

  /** Keep an ended lock in the lock space for lock-delay and/or until a quorum is back. */
  private zombify(meta: LockMeta, delayUs: number, invalidate: boolean): Zombie {
    const env = this.env;
    const lockId = meta.lockId;
    const zombie: Zombie = { timer: 0, delayed: delayUs <= 0, invalidate };
    this.records.zombies.set(lockId, zombie);
    this.records.unbind(meta);
    if (delayUs > 0) {
      const clock = env.tuning.expiryClock;
      zombie.timer = env.timerAt(env.ctx.now(clock) + delayUs, clock, () => {
        zombie.timer = 0;
        zombie.delayed = true;
        this.finishZombie(lockId);
      });
    } else {
      this.finishZombie(lockId);
    }
    return zombie;
  }

  /** Lock-delay over and a quorum: the ended lock finally leaves the lock space and the queue moves. */
  finishZombie(lockId: number): void {
    const zombie = this.records.zombies.get(lockId);
    if (zombie === undefined || !zombie.delayed || !this.env.members.hasQuorum) return;
    const space = this.space;
    const nowUs = this.now();
    const info = space.lockInfo(lockId);
    if (zombie.dequeue !== undefined) this.env.trace('dequeue', { client: zombie.dequeue.client, resource: zombie.dequeue.resource, reason: 'purge' });
    if (info !== undefined && info.state !== 'granted') space.cancel(lockId, { nowUs });
    const after = space.lockInfo(lockId);
    if (after !== undefined) {
      const grantedMode = after.grantedMode;
      if (zombie.invalidate && (grantedMode === 'PW' || grantedMode === 'EX')) space.convert(lockId, grantedMode, { flags: LockFlag.IVVALBLK, nowUs });
      // The zombie's own effects are not traced (it is still in the map); the unlock's grant pass
      // is what the others see.
      this.effects.drain();
      this.records.zombies.delete(lockId);
      space.unlock(lockId, { nowUs });
    } else {
      // A request that was only queued, cancelled just now: its end was traced above (`dequeue`
      // purge), so the cancel's own `dequeue` is drained while it is still a zombie (untraced).
      this.effects.drain();
      this.records.zombies.delete(lockId);
    }
    this.effects.drain();
  }

  /**
   * This node resets: its lock space goes, and every request still queued in it leaves this
   * master's queue (`dequeue`, reason `reset`). Nothing else would say so: the majority's rebuild
   * may never have had the request (only this master knew it), and a request ended here without a
   * quorum, whose `dequeue` waited for a quorum back, has none coming. The reason says it leaves
   * this master's queue only: where a rebuild queued the request since (or a later session's
   * request on the same lock), that master's queue holds it (the checkers keep that entry; see
   * `reset` in ../../vocabulary/lock-events.ts). A request of a live session that the rebuild never
   * had is traced queued again if its client's home sends it again.
   */
  traceDroppedRequests(): void {
    for (const [lockId, meta] of this.records.byLockId) {
      const info = this.space.lockInfo(lockId);
      if (info !== undefined && info.state !== 'granted') this.env.trace('dequeue', { client: meta.client, resource: meta.resource, reason: 'reset' });
    }
    for (const zombie of this.records.zombies.values()) {
      if (zombie.dequeue !== undefined) this.env.trace('dequeue', { client: zombie.dequeue.client, resource: zombie.dequeue.resource, reason: 'reset' });
    }
  }

  /** A quorum (back): every ended lock whose lock-delay is over leaves the lock space. */
  finishZombies(): void {
    for (const lockId of [...this.records.zombies.keys()]) this.finishZombie(lockId);
  }

  /** `client`'s home died: keep its session's locks for graceMs, then let them expire. */
  orphan(client: string, sess: string): void {
    const existing = this.orphans.get(client);
    if (existing !== undefined && existing.sess === sess) return;
    const env = this.env;
    const clock = env.tuning.expiryClock;
    const timer = env.timerAt(env.ctx.now(clock) + env.tuning.graceUs, clock, () => {
      const orphan = this.orphans.get(client);
      if (orphan === undefined || orphan.sess !== sess) return;
      this.orphans.delete(client);
      env.lostSessions.add(sess);
      this.onPurge(client, sess, 'expire');
    });
    this.orphans.set(client, { sess, timer });
  }

  /** `sess` is taken care of again (adopted, or purged): its grace timer goes. */
  private cancelOrphan(client: string, sess: string): void {
    const orphan = this.orphans.get(client);
    if (orphan !== undefined && orphan.sess === sess) {
      this.env.cancelTimer(orphan.timer);
      this.orphans.delete(client);
    }
  }

  /** Homes that came back at the same generation (a minority merged back): their sessions are no orphans any more. */
  forgetReturnedOrphans(): void {
    for (const [client, orphan] of [...this.orphans]) {
      const byResource = this.records.metas.get(client);
      let lives = false;
      if (byResource !== undefined) {
        for (const meta of byResource.values()) if (meta.sess === orphan.sess && meta.lockId !== 0) lives = this.records.homeLives(meta);
      }
      if (lives) {
        this.env.cancelTimer(orphan.timer);
        this.orphans.delete(client);
      }
    }
  }

  /**
   * A manager adopted `sess` (reclaim or open): re-home its locks. Returns whether it may, its
   * granted locks here, and the resources where it has a lock or a queued request here.
   */
  onAdopt(client: string, sess: string, home: string): { ok: boolean; held: HeldWire[]; known: string[]; renewed: string[] } {
    const renewed = this.renewedBy(client, sess);
    if (this.env.lostSessions.has(sess)) return { ok: false, held: [], known: [], renewed };
    this.cancelOrphan(client, sess);
    const held: HeldWire[] = [];
    const known: string[] = [];
    const byResource = this.records.metas.get(client);
    if (byResource === undefined) return { ok: true, held, known, renewed };
    const installs = new Map<string, CopyWire[]>();
    for (const meta of byResource.values()) {
      if (meta.sess !== sess) continue;
      this.records.rehome(meta, home, installs, false);
      if (meta.lockId !== 0 && meta.mode !== null) held.push({ resource: meta.resource, mode: meta.mode });
      if (meta.lockId !== 0 || meta.queued > 0) known.push(meta.resource);
    }
    this.records.sendInstalls(installs);
    return { ok: true, held, known, renewed };
  }

  /**
   * The resources where `sess` has a lock or a queued request here, and those where a newer
   * session of its client has one, for an adoption of `sess` that a later one superseded: its
   * home re-homes nothing, but must not take what stands here for known to nobody.
   */
  knownOf(client: string, sess: string): { known: string[]; renewed: string[] } {
    const known: string[] = [];
    for (const meta of this.records.metas.get(client)?.values() ?? []) {
      if (meta.sess === sess && (meta.lockId !== 0 || meta.queued > 0)) known.push(meta.resource);
    }
    return { known, renewed: this.renewedBy(client, sess) };
  }

  /** The resources where a session of `client` newer than `sess` has a lock or a queued request here. */
  private renewedBy(client: string, sess: string): string[] {
    const renewed: string[] = [];
    for (const meta of this.records.metas.get(client)?.values() ?? []) {
      if ((meta.lockId !== 0 || meta.queued > 0) && isNewerSession(meta.sess, sess)) renewed.push(meta.resource);
    }
    return renewed;
  }
}
