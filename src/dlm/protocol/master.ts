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
 * Copies of sessions already over (lost, or followed by a later session of their client that this
 * node or any manager it gathered from heard of) are ended, not replayed; a value block whose
 * newest copies saw it invalid stays invalid. When several managers went down at once (two missing, or two losses
 * within a lease, a grace period and a failure timeout: the deaths this node noticed, the masters
 * the root lost as its directory node knew them, and this node's own loss of state when it may
 * have held the lost master's copies), a lock whose master and copy holder were
 * both among them is unknown: the root is then held — nothing granted — for a lease, a failure
 * timeout and a KeepAlive after the latest loss (by then any such lock's lease has run out, its
 * home lacking a quorum to extend it), and at least until its client, in jeopardy within its grace
 * period, has had every manager to ask in turn since the quorum is back (a reclaim that fails
 * leaves the lock nobody knows to the hold's end, which ends it); its value blocks are marked
 * invalid, since what such a lock wrote is unknown.
 *
 * Cluster-wide deadlock detection (with ./coordinator.ts): this role reports its local wait-for
 * edges, validates and pins a proposed cycle's edges, and completes the chosen victim with
 * DEADLOCK.
 *
 * This module composes the role and follows membership; each concern lives in its own module:
 * ./master-records.ts (the per-lock records and the copy holders' messages), ./master-requests.ts,
 * ./master-effects.ts, ./master-sessions.ts (expiry, lock-delay, grace, adoption),
 * ./master-recovery.ts (with ./recovery-merge.ts and ./recovery-assertions.ts),
 * ./master-deadlock.ts and ./fencing-tokens.ts.
 */
import { COMPATIBILITY, LockSpace } from '../core/index.js';
import type { ManagerEnv, MasterPort } from './env.js';
import { FencingTokens } from './fencing-tokens.js';
import { RelMessage } from './links.js';
import { DeadlockParticipant } from './master-deadlock.js';
import { EffectTranslator } from './master-effects.js';
import { MasterRecords, RootState, type EndReason, type LockMeta } from './master-records.js';
import { MasterRecovery } from './master-recovery.js';
import { MasterRequests } from './master-requests.js';
import { MasterSessions } from './master-sessions.js';
import type { CopiesDropMsg, CopyInstalledBody, EdgeWire, GatherResultBody, HeldWire, InstallWire, LostMasterWire, OpWire } from './wire.js';

/** The master role of one manager (see the module comment). */
export class MasterRole implements MasterPort {
  readonly space: LockSpace;
  private readonly records: MasterRecords;
  private readonly tokens: FencingTokens;
  private readonly effects: EffectTranslator;
  private readonly sessions: MasterSessions;
  private readonly requests: MasterRequests;
  private readonly recovery: MasterRecovery;
  private readonly deadlock: DeadlockParticipant;
  /** The node this one's copies go to when it is their home (its successor in the view), as last told. */
  private buddy: string | undefined;

  constructor(private readonly env: ManagerEnv) {
    const compatibility = compatibilityOf(env);
    const mutations = env.tuning.mutations;
    this.space = new LockSpace({
      valueBlockBytes: env.tuning.valueBlockBytes,
      profile: env.tuning.profile,
      deadlockWaitMs: 0,
      ...(compatibility !== COMPATIBILITY ? { compatibility: compatibility as boolean[][] } : {}),
      // MUTATION grantSkipsFifo: the lock space's test-only wait pass that ignores FIFO.
      ...(mutations.grantSkipsFifo === true ? { unsafeGrantSkipsFifo: true } : {}),
    });
    this.records = new MasterRecords(env, this.space);
    this.tokens = new FencingTokens(env);
    this.effects = new EffectTranslator(env, this.space, this.records, this.tokens);
    this.sessions = new MasterSessions(env, this.space, this.records, this.effects);
    this.requests = new MasterRequests(env, this.space, this.records, this.effects, this.sessions);
    this.recovery = new MasterRecovery(env, this.space, this.records, this.tokens, this.effects, this.sessions, this.requests, compatibility);
    this.deadlock = new DeadlockParticipant({ env, space: this.space, records: this.records, effects: this.effects, sessions: this.sessions, requests: this.requests });
    this.buddy = env.members.successorOf(env.id);
  }

  /** The roots this node masters. */
  masteredRoots(): IterableIterator<string> {
    return this.records.roots.keys();
  }

  knowsGrantsOf(root: string): boolean {
    const phase = this.records.roots.get(root)?.phase;
    return phase !== undefined && phase.kind !== 'gathering';
  }

  /**
   * The directory made this node master of `root` (`recover`: rebuild it from the survivors' copies;
   * `lost`: the masters the root lost whose rebuild has not finished, each a loss the rebuild counts).
   */
  becomeMaster(root: string, recover: boolean, lost: readonly LostMasterWire[]): void {
    if (this.records.roots.has(root)) return;
    const rootState = new RootState(root, recover ? this.withOwnEarlierMastery(root, lost) : lost);
    this.records.roots.set(root, rootState);
    this.env.masteredRoots.set(root, { gen: this.env.members.generation, lost: recover ? rootState.lostMasters : [] });
    if (recover) this.recovery.startGather(rootState);
  }

  /**
   * The masters a root to rebuild lost. When the directory names none, the directory node that
   * recorded the loss may be gone too (crashed, or out of the view), and the name came here with
   * no record: if an earlier generation of this node mastered the root and no other master of it
   * has been learned here since, nobody rebuilt it after this node lost its state, and that
   * generation is the master it lost (its rebuild counts this node's loss of state), and so are
   * the masters that generation was still rebuilding the root after (it may have held the copies
   * of their locks, and its loss took them).
   */
  private withOwnEarlierMastery(root: string, lost: readonly LostMasterWire[]): readonly LostMasterWire[] {
    if (lost.length > 0) return lost;
    const earlier = this.env.masteredRoots.get(root);
    if (earlier === undefined || earlier.gen === this.env.members.generation) return lost;
    return [...earlier.lost, { id: this.env.id, gen: earlier.gen }];
  }

  // ------------------------------------------------------------------ requests

  onMasterRequest(from: string, op: OpWire): void {
    this.requests.onMasterRequest(from, op);
  }

  /** `root`'s master became known: serve or bounce the requests that waited for it. */
  onMasterKnown(root: string): void {
    this.requests.onMasterKnown(root);
  }

  // ------------------------------------------------------------------ sessions

  /** A session ended (`expire`: lease or grace ran out; `lost`: reclaim failed): its locks here end. */
  onPurge(client: string, sess: string, reason: EndReason): void {
    this.sessions.onPurge(client, sess, reason);
  }

  /** A manager adopted `sess` (reclaim or open): re-home its locks. Returns whether it may, and its granted locks here. */
  onAdopt(client: string, sess: string, home: string): { ok: boolean; held: HeldWire[]; known: string[]; renewed: string[] } {
    return this.sessions.onAdopt(client, sess, home);
  }

  /** Where `sess` has a lock or a queued request here, and where a newer session of its client has one; nothing moves (./master-sessions.ts). */
  knownOf(client: string, sess: string): { known: string[]; renewed: string[] } {
    return this.sessions.knownOf(client, sess);
  }

  // ------------------------------------------------------------------ recovery

  /** A moved copy reached its new holder: the holder it left lets its own go, unless the copy has moved back to it since. */
  onCopyInstalled(installed: CopyInstalledBody): void {
    if (this.records.findMeta(installed.client, installed.resource)?.copyHolder === installed.formerHolder) return;
    this.records.releaseAt(installed.formerHolder, installed);
  }

  onGatherResult(from: string, reply: GatherResultBody): void {
    this.recovery.onGatherResult(from, reply);
  }

  // ------------------------------------------------------------------ deadlock participant

  /** This master's wait-for edges (conflict edges between live locks). */
  deadlockEdges(): EdgeWire[] {
    return this.deadlock.edges();
  }

  /** Validate and pin a proposed cycle's edges; returns the vote (see ./master-deadlock.ts). */
  deadlockPrepare(coordinator: string, round: number, edges: readonly EdgeWire[]): boolean {
    return this.deadlock.prepare(coordinator, round, edges);
  }

  /** The coordinator decided: unpin, and complete the victim with DEADLOCK when it is here. */
  deadlockDecide(coordinator: string, round: number, commit: boolean, victimLockId: number, victimVersion: number): void {
    this.deadlock.decide(coordinator, round, commit, victimLockId, victimVersion);
  }

  /** A coordinator died or lost its role: its pins go. */
  onCoordinatorGone(coordinator: string): void {
    this.deadlock.onCoordinatorGone(coordinator);
  }

  // ------------------------------------------------------------------ membership

  /**
   * The view changed (`dead`: the ids whose generation died, a restart included): orphan the locks
   * of dead homes, move copies whose holder changed or died (with a quorum only: see
   * {@link moveCopies}), stop waiting for the dead.
   */
  onViewChange(dead: ReadonlySet<string>): void {
    const members = this.env.members;
    this.orphanLocksOfDeadHomes();
    if (members.hasQuorum) this.moveCopies();
    this.recovery.onViewChange(dead);
    this.sessions.forgetReturnedOrphans();
    if (members.hasQuorum) {
      // A quorum (back): what waited for one goes on.
      this.sessions.finishZombies();
      this.requests.processAllDeferred();
    }
  }

  /** This node resets: the requests queued here leave with its lock space (./master-sessions.ts). */
  onReset(): void {
    this.sessions.traceDroppedRequests();
  }

  /** The quorum came or went in the same view: copies move and what waited for one goes on (recovery included). */
  onQuorumChange(): void {
    if (!this.env.members.hasQuorum) return;
    this.moveCopies();
    this.sessions.finishZombies();
    this.recovery.onQuorum();
  }

  /** The locks whose home is dead wait for their client to reclaim them elsewhere (./master-sessions.ts, orphans). */
  private orphanLocksOfDeadHomes(): void {
    const records = this.records;
    for (const byResource of records.metas.values()) {
      for (const meta of byResource.values()) {
        if (meta.lockId !== 0 && !records.homeLives(meta)) this.sessions.orphan(meta.client, meta.sess);
      }
    }
  }

  /**
   * Send each copy whose holder changed or restarted to its new holder, and let the former buddy
   * drop what it kept for this node. Only with a quorum: a master cut off from the majority may
   * have been superseded (the majority rebuilt its roots), and its copies, versioned by records
   * the rebuild never saw, would outrank the new master's in a later rebuild that gathers both
   * (5m-short-lease seed 1063: m1@0, alone with m3@1 a moment before its reset, installed its copy
   * of c2's request on a, version 7, where m4's grant of it was version 2). The copies move once a
   * quorum is back, in the same view or the next.
   */
  private moveCopies(): void {
    const env = this.env;
    const members = env.members;
    const records = this.records;
    const installs = new Map<string, InstallWire[]>();
    const lostWithHolder: LockMeta[] = [];
    for (const byResource of records.metas.values()) {
      for (const meta of byResource.values()) {
        const copyHolder = records.copyHolderFor(meta.home);
        if (meta.lockId === 0) {
          // No lock, no copy to hand over; but a request that comes again is answered by
          // re-sending its outcome to the lock's copy holder, and the home sends its unanswered
          // requests again by the new route (./home.ts, onViewChange): the answer must take that
          // route too, or the new holder keeps the request pending for ever (its client waits on
          // it), and a later rebuild that gathers the copy restates it: an unlock long since done,
          // restated as the end of the client's later grant.
          meta.copyHolder = copyHolder;
          meta.copyHolderGen = members.genOf(copyHolder);
          continue;
        }
        if (copyHolder !== meta.copyHolder || members.genOf(copyHolder) !== meta.copyHolderGen) {
          // The holder the copy leaves (if it is still alive: the home came back, and the copy
          // returns from the buddy) lets its copy go once the new holder has it; kept, it would
          // outrank the new holder's fresher but lower-versioned records in a later recovery.
          records.handOver(meta, copyHolder, installs, copyHolder !== env.id);
          if (meta.home === env.id && meta.copyHolder !== env.id && !records.copyHolderLives(meta)) lostWithHolder.push(meta);
          meta.copyHolder = copyHolder;
          meta.copyHolderGen = members.genOf(copyHolder);
        }
      }
    }
    this.dropCopiesAtFormerBuddy();
    records.sendInstalls(installs);
    for (const meta of lostWithHolder) records.resendAwaited(meta);
  }

  /** This node's buddy changed: the former one, if alive, drops the copies it kept for this node. */
  private dropCopiesAtFormerBuddy(): void {
    const env = this.env;
    const buddy = env.members.successorOf(env.id);
    if (this.buddy !== undefined && this.buddy !== buddy && env.members.isAlive(this.buddy)) {
      const msg: CopiesDropMsg = new RelMessage('ch-drop', { master: env.id, roots: this.records.rootsKnown() });
      env.post(this.buddy, msg);
    }
    this.buddy = buddy;
  }

  // ------------------------------------------------------------------ tests

  /** The token counter of `resource` (tests). */
  tokenOf(resource: string): number {
    return this.tokens.counterOf(resource);
  }

  /** Whether this node masters `root` and has not finished rebuilding it (gathering, or holding after a loss of several). */
  rebuildUnfinished(root: string): boolean {
    const kind = this.records.roots.get(root)?.phase.kind;
    return kind !== undefined && kind !== 'serving';
  }

  /** Whether `root` is being rebuilt (tests). */
  recovering(root: string): boolean {
    const kind = this.records.roots.get(root)?.phase.kind;
    return kind === 'gathering' || kind === 'rebuilding';
  }
}

/** The compatibility matrix the lock space grants by: the standard one, unless a test mutation changes it. */
function compatibilityOf(env: ManagerEnv): readonly (readonly boolean[])[] {
  if (env.tuning.mutations.wrongMatrixEntry !== true) return COMPATIBILITY;
  // MUTATION wrongMatrixEntry: PR is compatible with EX (and EX with PR).
  const compatibility = COMPATIBILITY.map((row) => [...row]);
  compatibility[3]![5] = true;
  compatibility[5]![3] = true;
  return compatibility;
}
