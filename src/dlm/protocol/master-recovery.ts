/**
 * Recovery at the master role (see "Recovery" in ./master.ts): gather every live manager's copies
 * of a root whose master died, merge them (./recovery-merge.ts), restate what the dead master may
 * have traced beyond them, adopt the granted locks into a fresh resource, check the rebuilt root
 * (./recovery-assertions.ts), and replay the operations still pending — or hold the root first
 * when several managers went down at once.
 */
import type { ModeName } from '../../vocabulary/index.js';
import { LockFlag, toMode, type LockCopy, type LockSpace, type Mode } from '../core/index.js';
import type { ManagerEnv } from './env.js';
import type { FencingTokens } from './fencing-tokens.js';
import { RelMessage } from './links.js';
import type { EffectTranslator } from './master-effects.js';
import { pushTo, SERVING, type GatheredReply, type LockMeta, type MasterRecords, type RootPhase, type RootState } from './master-records.js';
import type { MasterRequests } from './master-requests.js';
import type { MasterSessions } from './master-sessions.js';
import { assertRebuiltRoot } from './recovery-assertions.js';
import { decreases, endedBeforeConflictingGrants, mainOp, mergeCopies, newestValueBlocks, replayOrder, withoutSupersededGrants, type MergedCopy, type NewestValueBlock } from './recovery-merge.js';
import { EndedSessions, clientOfSession, clientsWithSessionsOver, lockKey } from './session.js';
import type { CopyWire, GatherRequestMsg, GatherResultBody, LostMasterWire, OpWire } from './wire.js';

/** Names operation `op` as reported pending by copy holder `holder`. */
function pendingKey(holder: string, op: OpWire): string {
  return `${holder}\u0002${op.key}\u0002${op.reqId}`;
}

/** Owner of the ownerless NL lock that carries an invalid value block through a rebuild. */
const STAND_IN = '~lvb';

const VALBLK = LockFlag.VALBLK;

/** The copies to adopt into the lock space, and what they stand for. */
interface AdoptionPlan {
  readonly copies: LockCopy[];
  /** The lock ids of the value blocks' stand-ins (the first copies). */
  readonly standIns: number[];
  /** The survivors' copies behind the remaining copies, in the same order. */
  readonly adopted: CopyWire[];
}

/** The recovery of the roots one master takes over. */
export class MasterRecovery {
  constructor(
    private readonly env: ManagerEnv,
    private readonly space: LockSpace,
    private readonly records: MasterRecords,
    private readonly tokens: FencingTokens,
    private readonly effects: EffectTranslator,
    private readonly sessions: MasterSessions,
    private readonly requests: MasterRequests,
    /** The compatibility matrix the lock space grants by (the rebuilt root is checked against it). */
    private readonly compatibility: readonly (readonly boolean[])[],
  ) {}

  private now(): number {
    return this.env.ctx.now('mono');
  }

  /** Whether modes `a` and `b` may be granted together, by the matrix this space grants by. */
  private compatible(a: ModeName, b: ModeName): boolean {
    return this.compatibility[toMode(a) as Mode]![toMode(b) as Mode]!;
  }

  /** Ask every live manager for its copies of `rootState`'s locks. */
  startGather(rootState: RootState): void {
    const env = this.env;
    const round = ++rootState.gatherRounds;
    rootState.phase = { kind: 'gathering', round, waiting: new Set(env.members.live), collected: [] };
    for (const member of env.members.live) {
      const msg: GatherRequestMsg = new RelMessage('gather-req', { root: rootState.root, round });
      env.post(member, msg);
    }
  }

  onGatherResult(from: string, reply: GatherResultBody): void {
    const rootState = this.records.roots.get(reply.root);
    if (rootState === undefined) return;
    const phase = rootState.phase;
    if (phase.kind !== 'gathering' || reply.round !== phase.round || !phase.waiting.delete(from)) return;
    phase.collected.push({ from, reply });
    this.tryFinish(rootState, phase);
  }

  /** The view changed: a gather stops waiting for managers that died. */
  onViewChange(dead: ReadonlySet<string>): void {
    const members = this.env.members;
    for (const rootState of this.records.roots.values()) {
      const phase = rootState.phase;
      if (phase.kind !== 'gathering') continue;
      for (const member of [...phase.waiting]) if (dead.has(member) || !members.isAlive(member)) phase.waiting.delete(member);
      this.tryFinish(rootState, phase);
    }
  }

  /** A quorum is back: gathers that had every reply finish, holds whose time is up end, other roots serve what waited. */
  onQuorum(): void {
    for (const rootState of this.records.roots.values()) {
      const phase = rootState.phase;
      if (phase.kind === 'gathering') this.tryFinish(rootState, phase);
      else if (phase.kind === 'holding' && phase.overWithoutQuorum) this.endHold(rootState, phase);
      else this.requests.processDeferred(rootState);
    }
  }

  private tryFinish(rootState: RootState, phase: Extract<RootPhase, { kind: 'gathering' }>): void {
    if (phase.waiting.size > 0 || !this.env.members.hasQuorum) return;
    const order = this.env.members.live;
    const collected = phase.collected.slice().sort((a: GatheredReply, b: GatheredReply) => order.indexOf(a.from) - order.indexOf(b.from));
    rootState.phase = { kind: 'rebuilding' };
    this.rebuild(rootState, collected);
  }

  private rebuild(rootState: RootState, collected: readonly GatheredReply[]): void {
    const root = rootState.root;
    const replies = collected.map((c) => c.reply);
    const { entries, seenTokens } = mergeCopies(withoutSupersededGrants(replies, (a, b) => this.compatible(a, b)));
    // Fencing: start above every token any survivor saw, plus the gap.
    if (!seenTokens.has(root)) seenTokens.set(root, 0);
    this.tokens.raiseAboveSeen(seenTokens);
    this.effects.duringRecovery(() => {
      // A copy of a session that is over: its lock is ended (below), its requests are not replayed
      // (those of a later session of its client that ride on it are, see `MergedCopy.later`).
      // Over as its copy holder knew, as this node knows (lost), or as any gathered manager or this
      // node knows of a later session of its client. A copy holder that missed the purge (the
      // master that ended the lock was cut off from it, then lost its state) still holds it granted.
      const ended = new EndedSessions(this.env.lostSessions, [...this.heardSessions(), ...replies.flatMap((reply) => reply.latestSessions)]);
      const over = (copy: CopyWire): boolean => copy.lost || ended.has(copy.sess);
      // 1. Restate what the dead master may have traced beyond the copies.
      this.restate(entries, over);
      // 2. Rebuild the granted locks (parents first).
      const lossy = this.lostSeveral(rootState);
      const standIns = this.adoptGranted(root, entries, over, lossy);
      // 3. The unlocks and down-conversions step 1 restated as done happen now, held root or not:
      // the dead master may have granted beyond them (their copies lag its outcomes), so the
      // rebuilt root is the one the restated trace describes only once they have.
      const replays = replayOrder(entries, over, (sess) => ended.has(sess));
      for (const op of replays.lettingGo) this.requests.replay(op);
      assertRebuiltRoot({
        node: this.env.id,
        nowUs: this.now(),
        root,
        space: this.space,
        compatibility: this.compatibility,
        sessionOfLock: (lockId) => this.records.byLockId.get(lockId)?.sess,
        isOwnerless: (lockId) => this.records.zombies.has(lockId),
        lostSessions: this.env.lostSessions,
        seenTokens,
        tokenCounter: (resource) => this.tokens.counterOf(resource),
      });
      rootState.phase = SERVING;
      if (lossy) {
        this.hold(rootState, replays.others, standIns, new Set(replies.flatMap((reply) => reply.sessionsOver)));
      } else {
        // 4. Replay the other operations still pending, in request order.
        for (const op of replays.others) this.requests.replay(op);
        this.env.rebuilt(root);
      }
      this.installPending(rootState, replays.others, collected);
      this.releaseStrayCopies(collected);
    });
    this.requests.processDeferred(rootState);
  }

  /**
   * The requests and up-conversions the rebuild replayed or holds are pending here now; each must
   * also be pending on its lock's copy holder, or a later rebuild would never hear of it (its
   * client would ask again at the tail of the queue). The copies they were gathered from may be
   * elsewhere: on this node, whose own copies of its clients now go to its buddy, or on the buddy
   * of a home that died. So each copy holder that did not report such an operation is sent the copy
   * with it.
   */
  private installPending(rootState: RootState, replayed: readonly OpWire[], collected: readonly GatheredReply[]): void {
    const reported = new Set<string>();
    for (const { from, reply } of collected) for (const copy of reply.records) for (const op of copy.pending) reported.add(pendingKey(from, op));
    const deferred = new Set(rootState.deferred);
    const byLock = new Map<LockMeta, OpWire[]>();
    for (const op of replayed) {
      const meta = this.records.findMeta(op.client, op.resource);
      if (meta === undefined || meta.sess !== op.sess || meta.copyHolder === this.env.id) continue;
      const stillPending = deferred.has(op) || (op.reqId !== 0 && (op.reqId === meta.mainReqId || op.reqId === meta.cancelReqId));
      if (stillPending) pushTo(byLock, meta, op);
    }
    const installs = new Map<string, CopyWire[]>();
    for (const [meta, ops] of byLock) {
      if (ops.every((op) => reported.has(pendingKey(meta.copyHolder, op)))) continue;
      pushTo(installs, meta.copyHolder, { ...this.records.copyOf(meta), pending: ops });
    }
    this.records.sendInstalls(installs);
  }

  /**
   * Tell every other node that reported a copy it does not hold for the rebuilt records to let it
   * go: a buddy whose master died, or a holder the lock left while the copy was on its way, keeps
   * its copy until told, and nobody else would tell it. Kept, such a copy outlives what it stands
   * for (an unlock, a later grant elsewhere), and a later rebuild that gathers it restates the
   * lock beside the grants made since.
   */
  private releaseStrayCopies(collected: readonly GatheredReply[]): void {
    for (const { from, reply } of collected) {
      for (const copy of reply.records) {
        if (this.records.findMeta(copy.client, copy.resource)?.copyHolder !== from) this.records.releaseAt(from, copy);
      }
    }
  }

  /** Trace what the dead master may have done beyond the copies (step 1 of the module comment of ./master.ts). */
  private restate(entries: readonly MergedCopy[], over: (copy: CopyWire) => boolean): void {
    const env = this.env;
    for (const { copy, pending } of entries) {
      if (copy.grantedMode === null && pending.some((op) => op.op === 'lock')) {
        env.trace('release', { client: copy.client, resource: copy.resource, reason: 'superseded' });
      }
    }
    for (const { copy, pending } of entries) {
      if (copy.grantedMode === null || pending.length === 0 || over(copy)) continue;
      // What the dead master may have done already, never more than it could have granted: an
      // unlock or a down-conversion in flight counts as done (Linux treats remote down-conversions
      // as fire-and-forget too); an up-conversion as not done.
      const main = mainOp(pending);
      if (main?.op === 'unlock') env.trace('release', { client: copy.client, resource: copy.resource, reason: 'unlock' });
      else if (main?.op === 'convert' && decreases(copy.grantedMode, main.mode)) env.trace('grant', { client: copy.client, resource: copy.resource, mode: main.mode!, recovery: true });
      else env.trace('grant', { client: copy.client, resource: copy.resource, mode: copy.grantedMode, recovery: true });
    }
  }

  /**
   * Several managers gone at once (two missing, or two losses within a lease, a grace period and a
   * failure timeout): a lock whose master and copy holder were both among them is unknown here.
   * The losses are the deaths this node noticed, the masters the root lost that it did not notice
   * (its directory node knew of them: the name moved there, or this node restarted since), and
   * this node's own loss of state when it counts ({@link ownLossCounts}).
   */
  private lostSeveral(rootState: RootState): boolean {
    const t = this.env.tuning;
    if (t.leaseUs <= 0) return false;
    const members = this.env.members;
    if (members.missing >= 2) return true;
    const windowUs = t.leaseUs + t.failureTimeoutUs + t.graceUs;
    const sinceUs = this.now() - windowUs;
    const unnoticed = this.unnoticedLostMasters(rootState, sinceUs).length;
    const ownLoss = this.ownLossCounts(rootState, sinceUs) ? 1 : 0;
    return members.recentDeaths(windowUs) + unnoticed + ownLoss >= 2;
  }

  /** The masters of the root lost by other nodes whose death this node did not notice since `sinceUs`. */
  private unnoticedLostMasters(rootState: RootState, sinceUs: number): LostMasterWire[] {
    const env = this.env;
    return rootState.lostMasters.filter((master) => {
      if (master.id === env.id) return false;
      const noticedUs = env.members.deathOf(master.id, master.gen);
      return noticedUs === undefined || noticedUs < sinceUs;
    });
  }

  /**
   * Whether this node's own loss of state (its restart or last reset, while no death has counted
   * it yet) is one of the root's losses. It is when an earlier generation of this node mastered
   * the root and a peer died after the loss, even one that had seen the restart: that peer may
   * have held the copies of the lost master's locks until this rebuild gathered them (a peer that
   * died before had its copies re-made by the earlier generation, still alive, if that one had a
   * quorum again before the loss; if not, the peer's death counts too: 3m-long-lease seed 60764).
   * And it is when another node's generation mastered the root and died before the loss, or at a
   * time this node never noticed: this node may have held the copies of that master's locks, and
   * nobody re-made them once their master was gone. (A master that died after the loss without
   * taking this node's new generation into its view, with a quorum, has counted the loss among the
   * deaths already; one that had taken it in with a quorum re-made its copies here.)
   */
  private ownLossCounts(rootState: RootState, sinceUs: number): boolean {
    const env = this.env;
    const members = env.members;
    const ownLossUs = members.uncountedOwnLossUs();
    if (ownLossUs === undefined || ownLossUs < sinceUs) return false;
    const lastDeathUs = members.lastDeathUs();
    return rootState.lostMasters.some((master) => {
      if (master.id === env.id) {
        if (master.gen === members.generation || lastDeathUs === undefined) return false;
        return lastDeathUs >= ownLossUs || (members.ownLossLeftCopiesUnmade() && lastDeathUs >= sinceUs);
      }
      const noticedUs = members.deathOf(master.id, master.gen);
      return noticedUs === undefined || noticedUs <= ownLossUs;
    });
  }

  /** Adopt the granted copies into the lock space and take them into the records; returns the stand-ins' lock ids. */
  private adoptGranted(root: string, entries: readonly MergedCopy[], over: (copy: CopyWire) => boolean, lossy: boolean): number[] {
    const env = this.env;
    const granted = entries.filter((entry) => entry.copy.grantedMode !== null).sort((a, b) => a.copy.path.length - b.copy.path.length);
    const plan = this.planAdoption(root, granted, over, lossy);
    const installs = new Map<string, CopyWire[]>();
    const ended: LockMeta[] = [];
    if (plan.copies.length > 0) {
      // A held root's stand-ins stay until the hold is over (`delayed` false until then).
      for (const lockId of plan.standIns) this.records.zombies.set(lockId, { timer: 0, delayed: !lossy, invalidate: false });
      const lockIds = this.space.adopt(plan.copies, { nowUs: this.now() }).slice(plan.standIns.length);
      plan.adopted.forEach((copy, i) => {
        const meta = this.takeIntoRecords(copy, lockIds[i]!);
        // A lock that ends here at once gets no copy: its end tells the copy holder to let go, and
        // an install sent after that release would leave a granted copy of an ended lock behind.
        if (over(copy)) {
          ended.push(meta);
          return;
        }
        if (!this.records.homeLives(meta)) this.sessions.orphan(copy.client, copy.sess);
        if (meta.copyHolder !== env.id) pushTo(installs, meta.copyHolder, this.records.copyOf(meta));
      });
      this.effects.drain();
      if (!lossy) for (const lockId of plan.standIns) this.sessions.finishZombie(lockId);
    }
    // Locks of sessions that ended while their master was down end now (expire: value block
    // invalidated where a PW/EX holder dies), so the trace never keeps them standing.
    for (const meta of ended) {
      env.lostSessions.add(meta.sess);
      this.sessions.endLock(meta, 'expire');
    }
    // Copies this node held as a home now belong with its buddy.
    if (env.members.successorOf(env.id) !== undefined) env.copyHolder.onCopiesDrop(env.id, this.records.rootsKnown());
    this.records.sendInstalls(installs);
    return plan.standIns;
  }

  /**
   * The copies to adopt. Value blocks: one whose newest copies saw it invalid (a PW/EX holder
   * died, nobody wrote since) must stay invalid. The lock space recovers a block as valid from any
   * copy held above CR, so for such a resource the copies are adopted without VALBLK and one
   * ownerless NL copy carries the block: the lock space then rebuilds it from that copy and marks
   * it invalid (§4.3), and the stand-in leaves at once. After losing several managers whatever an
   * unknown lock wrote is unknown too: every rebuilt value block is marked invalid, and kept (by
   * its stand-in) until the hold is over. A copy whose parent lock is not adopted is superseded.
   * A copy of a session that is over whose lock had ended before a conflicting grant
   * ({@link endedBeforeConflictingGrants}) is not adopted: its end is traced again (`expire`).
   */
  private planAdoption(root: string, granted: readonly MergedCopy[], over: (copy: CopyWire) => boolean, lossy: boolean): AdoptionPlan {
    const newest = newestValueBlocks(granted, VALBLK);
    const invalid = new Set<string>();
    for (const [resource, block] of newest) if (block.invalid && block.path.length === 1) invalid.add(resource);
    if (lossy) {
      invalid.add(root);
      for (const { copy } of granted) if (copy.path.length === 1) invalid.add(copy.resource);
    }
    const plan: AdoptionPlan = { copies: [], standIns: [], adopted: [] };
    for (const resource of invalid) {
      const standIn = this.standInCopy(resource, newest.get(resource));
      plan.copies.push(standIn);
      plan.standIns.push(standIn.lockId!);
    }
    const endedBefore = endedBeforeConflictingGrants(granted, over, (a, b) => this.compatible(a, b));
    const lockIds = new Map<string, number>();
    for (const { copy } of granted) {
      if (endedBefore.has(copy)) {
        this.env.trace('expire', { client: copy.client, resource: copy.resource });
        continue;
      }
      let parentLockId: number | undefined;
      if (copy.parent !== null) {
        parentLockId = lockIds.get(lockKey(copy.client, copy.parent));
        if (parentLockId === undefined) {
          this.env.trace('release', { client: copy.client, resource: copy.resource, reason: 'superseded' });
          continue;
        }
      }
      const lockId = this.records.nextLockId();
      lockIds.set(lockKey(copy.client, copy.resource), lockId);
      const flags = invalid.has(copy.resource) ? copy.grantFlags & ~VALBLK : copy.grantFlags;
      const lockCopy: LockCopy = { lockId, owner: copy.client, path: copy.path, state: 'granted', grantedMode: copy.grantedMode!, flags, priority: copy.priority };
      if (parentLockId !== undefined) lockCopy.parentLockId = parentLockId;
      if (copy.value !== null) {
        lockCopy.value = copy.value;
        lockCopy.lvbSeq = copy.lvbSeq;
      }
      plan.copies.push(lockCopy);
      plan.adopted.push(copy);
    }
    return plan;
  }

  /** The ownerless NL copy that carries `resource`'s invalid value block through the rebuild. */
  private standInCopy(resource: string, newest: NewestValueBlock | undefined): LockCopy {
    const lockId = this.records.nextLockId();
    const copy: LockCopy = { lockId, owner: STAND_IN, path: newest?.path ?? [resource], state: 'granted', grantedMode: 'NL', flags: VALBLK, lvbSeq: newest?.seq ?? 0 };
    if (newest !== undefined && newest.value !== null) copy.value = newest.value;
    return copy;
  }

  /** The record of an adopted copy, bound to its new lock id. */
  private takeIntoRecords(copy: CopyWire, lockId: number): LockMeta {
    // A reclaim may have moved the session while its copies were being gathered.
    const home = this.env.sessionHomes.get(copy.sess) ?? copy.home;
    const meta = this.records.metaFor(copy, home);
    meta.sess = copy.sess;
    this.records.setHome(meta, home);
    meta.version = Math.max(meta.version, copy.version) + 1;
    meta.mode = copy.grantedMode;
    meta.grantFlags = copy.grantFlags;
    meta.token = copy.token;
    meta.value = copy.value;
    meta.lvbSeq = copy.lvbSeq;
    this.records.bind(meta, lockId);
    return meta;
  }

  /**
   * The end of the hold is the end of every lock the lost managers may have granted beyond the
   * copies: its lease has run out. A client still asking for a lock here does not know of such a
   * grant (one that did would have reclaimed it), so any grant made for that request ends now:
   * traced `release` (superseded) before the waiting requests are served, as step 1 of the
   * rebuild does for the requests found in copies, so that the trace and the checkers never keep
   * an unknown grant standing beside the ones the rebuilt master makes. So does a grant whose
   * client is unlocking a lock nobody here knows (its master and copy holder were lost), and one
   * whose client had a session end and who asks for nothing here: its driver gave up whatever it
   * awaited, and a grant the lost master made for it, which it never heard of, ended with the
   * session, but nobody alive knew of it to trace that end. This node may know that session is
   * over only by the client's later session (its requests on another root), every manager that
   * knew the old one having reset; or not at all, when every manager it heard of the client from
   * reset too, and only the managers it gathered the root's copies from had heard of the later
   * session (`holding.sessionsOver`). So does a waiting request that nobody knows any more: its
   * session is over too, the client having given it up with it.
   *
   * Every other client this node heard of that has no known lock here and asks for nothing here
   * has its unknown grant, if it has one, ended too, as an expiry: its lease has run out. The grant
   * was made by a lost master, and recorded only there and on its lost copy holder, one of which
   * was its client's home; no home has extended that lease since, and a reclaim that succeeded
   * would have ended the grant already (./home.ts). Its session is not known to be over, though:
   * its client was paused or cut off through the whole hold, so it never reclaimed, or the home it
   * asked still awaits what it believes it holds, and nobody purged the session.
   */
  private endUnknownGrants(rootState: RootState, holding: Extract<RootPhase, { kind: 'holding' }>): void {
    const ended = new Set<string>();
    const asking = new Set<string>();
    for (const op of rootState.deferred) {
      asking.add(op.client);
      if ((op.op !== 'lock' && op.op !== 'unlock') || ended.has(op.key) || this.records.findMeta(op.client, op.resource)?.mode != null) continue;
      ended.add(op.key);
      this.env.trace('release', { client: op.client, resource: op.resource, reason: 'superseded' });
    }
    const root = rootState.root;
    const over = new Set(this.clientsWithSessionsOverHereOrReported(holding.sessionsOver));
    for (const client of [...new Set([...over, ...this.clientsHeardOf()])].sort()) {
      if (asking.has(client) || this.records.findMeta(client, root)?.mode != null) continue;
      if (over.has(client)) this.env.trace('release', { client, resource: root, reason: 'superseded' });
      else this.env.trace('expire', { client, resource: root });
    }
    this.env.trace('hold-end', { resource: root, kept: this.keptClients(root) });
  }

  /**
   * The clients whose locks on `root` this node holds as the hold ends (rebuilt from the copies):
   * every other grant on it is over, the lease it was held under having run out, including one
   * whose client nobody alive has heard of (its master, copy holder and home all lost their state,
   * and it has not asked anyone since), which no `expire` above could name. `hold-end` says so for
   * the root as a whole.
   */
  private keptClients(root: string): string[] {
    const kept: string[] = [];
    for (const [client, byResource] of this.records.metas) if (byResource.get(root)?.mode != null) kept.push(client);
    return kept.sort();
  }

  /** The clients of the sessions this node has heard of ({@link heardSessions}). */
  private clientsHeardOf(): string[] {
    return [...new Set(this.heardSessions().map(clientOfSession))];
  }

  /**
   * The clients known to have had a session end, in a fixed order: those this node knows of (a
   * session known to be over, or a later session than the client's first, heard of or in the
   * records), and `reported`, those the managers the rebuild gathered from knew of. Every manager
   * that knew the client's unknown grant, or heard its session end, may have lost its state since
   * (all of them resetting within moments), while another heard of the client's later session.
   */
  private clientsWithSessionsOverHereOrReported(reported: ReadonlySet<string>): string[] {
    return [...new Set([...clientsWithSessionsOver(this.env.lostSessions, this.heardSessions()), ...reported])].sort();
  }

  /** The sessions this node has heard of: adopted somewhere, or named in its records. */
  private heardSessions(): string[] {
    const heard = [...this.env.sessionHomes.keys()];
    for (const byResource of this.records.metas.values()) for (const meta of byResource.values()) heard.push(meta.sess);
    return heard;
  }

  /**
   * Hold a root rebuilt after losing several managers: nothing is granted until every lock the
   * lost managers may have granted beyond the copies is over or known. Such a lock's master and
   * copy holder were lost, and so was its home (one of the two), which extends no lease once lost
   * or cut off: its lease has run out a lease, a failure timeout and a KeepAlive after the latest
   * loss. Its client may still believe it holds it, though: in jeopardy, within its grace period,
   * it asks the managers in turn, one per KeepAlive, passing over the silent ones, to reclaim the
   * session. An adoption that fails leaves the lock nobody knows standing, since its client may
   * still hold it as far as it can tell (./home.ts), and the end of the hold ends it: until then
   * nobody else is granted it. An adoption can only
   * be answered once a quorum is back, which may be long after the loss (a survivor alone waits
   * for a restarted peer): so the hold also lasts until every manager could have been asked once
   * more, one KeepAlive apart, since both the lease ran out and this rebuild found a quorum. The
   * replays wait at the head of its queue.
   */
  private hold(rootState: RootState, replays: readonly OpWire[], standIns: readonly number[], sessionsOver: ReadonlySet<string>): void {
    const env = this.env;
    const nowUs = this.now();
    const holdUs = Math.max(0, this.holdEndUs(rootState, nowUs) - nowUs);
    const holding: Extract<RootPhase, { kind: 'holding' }> = { kind: 'holding', untilUs: nowUs + holdUs, timer: 0, standIns, overWithoutQuorum: false, sessionsOver };
    rootState.phase = holding;
    this.requests.deferFirst(rootState, replays);
    holding.timer = env.timer(holdUs, () => {
      holding.timer = 0;
      // A master cut off from the majority may have been superseded, and the grants it would end
      // may be the new master's: the hold ends once a quorum is back (a reset drops it instead).
      // The quorum is judged by a failure detector brought up to now: peers silent past the
      // failure timeout whose detector tick has not yet come would otherwise still count.
      this.env.members.checkNow();
      if (rootState.phase !== holding) return;
      if (this.env.members.hasQuorum) this.endHold(rootState, holding);
      else holding.overWithoutQuorum = true;
    });
  }

  /**
   * When the hold of a root rebuilt at `nowUs` ends (see {@link hold}): once an unknown lock's
   * lease has run out, and its client, in jeopardy since then, has had every manager to ask in
   * turn while a quorum could answer.
   */
  private holdEndUs(rootState: RootState, nowUs: number): number {
    const t = this.env.tuning;
    const members = this.env.members;
    const sinceUs = nowUs - (t.leaseUs + t.failureTimeoutUs + t.graceUs);
    // A lost master whose death this node never noticed may have died as late as now.
    const unnoticedUs = this.unnoticedLostMasters(rootState, sinceUs).length > 0 ? nowUs : 0;
    const ownEarlierMaster = rootState.lostMasters.some((master) => master.id === this.env.id);
    const ownLossUs = ownEarlierMaster || this.ownLossCounts(rootState, sinceUs) ? (members.uncountedOwnLossUs() ?? 0) : 0;
    const lostUs = Math.max(members.lastDeathUs() ?? nowUs, ownLossUs, unnoticedUs);
    const leaseOverUs = lostUs + t.leaseUs + t.failureTimeoutUs + t.keepAliveUs;
    const reclaimUs = Math.max(lostUs + t.leaseUs, nowUs) + (members.configured + 1) * t.keepAliveUs;
    return Math.max(leaseOverUs, reclaimUs);
  }

  /** The hold is over, with a quorum: end the unknown grants, then serve what waited (a recovery pass). */
  private endHold(rootState: RootState, holding: Extract<RootPhase, { kind: 'holding' }>): void {
    rootState.phase = SERVING;
    this.env.rebuilt(rootState.root);
    this.endUnknownGrants(rootState, holding);
    // The first pass after the hold is still recovery: queue order was rebuilt, not kept.
    this.effects.duringRecovery(() => {
      this.requests.processDeferred(rootState);
      for (const lockId of holding.standIns) {
        const zombie = this.records.zombies.get(lockId);
        if (zombie !== undefined) zombie.delayed = true;
        this.sessions.finishZombie(lockId);
      }
    });
  }
}
