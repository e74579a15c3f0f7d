/**
 * A lock-manager node (m1..mN) as a simulated process: it wires the roles of ./env.ts to the
 * kernel — membership (heartbeats), the reliable links, the directory, the master, the copy holder,
 * the home and the deadlock coordinator — and runs the view-change procedure that recovery needs.
 *
 * Every handler ends the same way: messages the roles queued for this very node are delivered (in
 * order, bounded), then the links send the acknowledgements still owed.
 *
 * View change (a member died — a restart counts as the old generation's death —, was declared
 * dead, came back, or joined), traced as `dlm-view` {view, dead, joined}:
 * 1. the coordinator role starts or stops; a master lets go of pins held for a dead coordinator;
 * 2. the master orphans the locks of clients whose home died (grace), moves copies whose holder
 *    changed or died, stops waiting for the dead in its recovery gathers, and — with a quorum
 *    (back) — serves what waited for one;
 * 3. the home stops waiting for the dead in its adoptions, re-sends requests whose copy holder
 *    died, and tells joiners of the sessions it purged;
 * 4. every member gets this node's `dir-sync` for the new view: the roots it masters, and the
 *    roots whose master died and of which it holds copies, whose directory node that member is;
 * 5. every look-up still open is asked again in the new view, and the orphaned roots are looked
 *    up (the first to ask becomes their master and gathers).
 * A (re)started or reset manager announces its view the same way, since directory nodes wait for
 * every member's `dir-sync`. A `dir-sync` that asks for one afresh (its sender declared this node
 * dead and took it back, ./directory.ts) is answered at once when it names this node's view, which
 * may never have changed here.
 *
 * Reset (traced `dlm-reset` {gen}): a manager that was declared dead by a majority while alive (a
 * `dead-to-me`, or a majority view without it), or that resumes from a pause with no quorum in
 * sight, drops every role's state — its durable token, directory, mastery and death-verdict
 * records aside — and rejoins as a new generation, empty, exactly as if it had crashed and
 * restarted: the others have already recovered without it.
 */
import { truncate } from './lists.js';
import type { Message, Process, ProcessContext, TimerId } from '../../sim/types.js';
import { CopyHolderRole } from './copyholder.js';
import { DeadlockCoordinator } from './coordinator.js';
import { DirectoryRole } from './directory.js';
import type { ManagerEnv, MasteredRoot } from './env.js';
import { directoryIndex } from './hash.js';
import { HomeRole } from './home.js';
import { RelMessage, ReliableLinks, type LinkHandler } from './links.js';
import { MasterRole } from './master.js';
import { Membership, generationOf, type Member, type MembershipHost, type PeerState } from './membership.js';
import type { Tuning } from './tuning.js';
import type {
  AdoptResultMsg,
  ClientRequestMsg,
  DeadToMeMsg,
  DirectorySyncMsg,
  DeadlockEdgesMsg,
  DeadlockVoteMsg,
  HeartbeatMsg,
  KeepAliveMsg,
  LookupMsg,
  LookupResultBody,
  LostMasterWire,
  LostNameWire,
  PeerMsg,
  ToClientMsg,
} from './wire.js';

/** Most locally queued messages one handler may deliver; more means a message loop. */
export const MAX_LOCAL_DELIVERIES = 1_000_000;

interface CachedMaster {
  id: string;
  gen: number;
  /** The master's membership state (undefined when it is this node): liveness in one read. */
  peer: Readonly<PeerState> | undefined;
}

/** One manager process (see the module comment). */
export class Manager implements Process, ManagerEnv, LinkHandler, MembershipHost {
  readonly id: string;
  readonly links: ReliableLinks;
  readonly members: Membership;
  lostSessions = new Set<string>();
  dir!: DirectoryRole;
  master!: MasterRole;
  copyHolder!: CopyHolderRole;
  home!: HomeRole;
  coord!: DeadlockCoordinator;

  private readonly managerSet: ReadonlySet<string>;
  private readonly cachedMasters = new Map<string, CachedMaster>();
  /** The latest adoption seen of each session (see AdoptBody.epoch). */
  private adoptEpochs = new Map<string, number>();
  sessionHomes = new Map<string, string>();
  readonly tokenWatermarks: Map<string, number>;
  readonly masteredRoots: Map<string, MasteredRoot>;
  /** The directory's records, durable like the token watermarks (see ./directory.ts). */
  readonly dirRecords: Map<string, unknown>;
  private readonly lookups = new Map<string, string>();
  private readonly callbacks = new Map<TimerId, () => void>();
  /** Messages the roles posted to this very node, delivered at the end of the handler. */
  private local: RelMessage[] = [];
  private localHead = 0;
  private resets = 0;
  /** Roots this node finished rebuilding since its last `dir-sync`, told to their directory nodes with each heartbeat. */
  private rebuiltSinceSync = new Set<string>();

  constructor(
    readonly ctx: ProcessContext,
    /** Every configured manager, in order. */
    private readonly all: readonly string[],
    readonly tuning: Tuning,
  ) {
    this.id = ctx.id;
    this.managerSet = new Set(all);
    this.tokenWatermarks = durableMap<number>(ctx, 'dlm:tokens');
    this.dirRecords = durableMap(ctx, 'dlm:directory');
    this.masteredRoots = durableMap<MasteredRoot>(ctx, 'dlm:mastered');
    const gen = generationOf(ctx.incarnation, 0);
    this.links = new ReliableLinks(ctx, gen, this, tuning.link);
    this.members = new Membership(ctx, all, gen, tuning, this.links, this, durableMap<number>(ctx, 'dlm:death-verdicts'));
    // Each manager's link carries its membership state: one look-up per message for both.
    for (const id of all) if (id !== this.id) this.links.handle(id).tag = this.members.peer(id);
    this.makeRoles();
    // A first incarnation starts together with every other manager, in the view they all assume.
    if (ctx.incarnation === 0) this.dir.assumeSynced(this.members.viewKey, this.members.live);
  }

  private makeRoles(): void {
    this.dir = new DirectoryRole(this, this.dirRecords);
    this.master = new MasterRole(this);
    this.copyHolder = new CopyHolderRole(this);
    this.home = new HomeRole(this);
    this.coord = new DeadlockCoordinator(this);
  }

  // ------------------------------------------------------------------ Process

  onStart(): void {
    this.members.start();
    // A restarted manager joins a running cluster: directory nodes wait for its dir-sync.
    if (this.ctx.incarnation > 0) this.viewChanged([], []);
    else this.coord.onViewChange();
    this.settle();
  }

  onMessage(_ctx: ProcessContext, from: string, payload: Message): void {
    this.handle(from, payload);
    this.settle();
  }

  /**
   * After a pause: look at the failure detector before anything held is handled. Silent for longer
   * than the failure timeout towards a majority, this node must assume the others declared it dead
   * and recovered without it: it resets rather than act on stale state. Only the detector's
   * verdict says so; echoes aged by a shorter pause merely withhold the quorum until fresh ones come.
   */
  onResume(): void {
    this.members.checkNow();
    if (!this.members.detectorQuorum) this.resetTo(this.members.generation + 1);
    this.settle();
  }

  onTimer(_ctx: ProcessContext, tag: unknown, id: TimerId): void {
    if (!this.links.onTimer(tag) && !this.members.onTimer(tag)) {
      const fn = this.callbacks.get(id);
      if (fn !== undefined) {
        this.callbacks.delete(id);
        fn();
      }
    }
    this.settle();
  }

  private handle(from: string, payload: Message): void {
    // The links' traffic (most of it) first: one class check instead of the string cases below.
    if (payload instanceof RelMessage) {
      // seq 0 on a `mout`: an unreliable grant (the lostGrantNeverRetried mutation, see ./master.ts).
      if (payload.seq === 0 && payload.type === 'mout') {
        if (this.managerSet.has(from) && this.members.isAlive(from)) this.dispatch(from, payload);
        return;
      }
      this.receive(from, payload);
      return;
    }
    switch (payload.type) {
      case 'hb': {
        const hb = payload as HeartbeatMsg;
        if (!this.managerSet.has(from)) return;
        this.members.onHeartbeat(from, hb.gen, hb.view, hb.beat, hb.echo, hb.quorum);
        if (hb.rebuilt !== undefined && this.members.isAlive(from) && this.members.genOf(from) === hb.gen) this.dir.onRebuilt(from, hb.rebuilt);
        return;
      }
      case 'dead-to-me':
        if (this.managerSet.has(from)) this.members.onDeadToMe((payload as DeadToMeMsg).gen, (payload as DeadToMeMsg).view);
        return;
      case 'ka':
        this.home.onKeepAlive(from, payload as KeepAliveMsg);
        return;
      default:
        this.receive(from, payload);
    }
  }

  /**
   * Offer a message to the links, unless it is a reliable message of a manager generation this
   * node declared dead: that one is left unacknowledged, so the sender keeps it and delivers it
   * should this node take that generation back (a split nobody had a quorum in). Acknowledged and
   * then dropped, it would be lost for good.
   */
  private receive(from: string, payload: Message): void {
    const h = this.links.handle(from);
    const p = h.tag as Readonly<PeerState> | undefined;
    if (p !== undefined && !p.alive && payload instanceof RelMessage && payload.seq > 0 && payload.senderGen === p.gen) return;
    this.rxPeer = p;
    this.links.receiveVia(h, payload);
    this.rxPeer = undefined;
  }

  /** The member the message being received comes from (undefined: a client), for {@link deliver}. */
  private rxPeer: Readonly<PeerState> | undefined = undefined;

  /** Deliver what the roles queued for this node, then owed acks. */
  private settle(): void {
    let n = 0;
    while (this.localHead < this.local.length) {
      const msg = this.local[this.localHead++]!;
      if (++n > MAX_LOCAL_DELIVERIES) throw new RangeError(`manager ${this.id}: more than ${MAX_LOCAL_DELIVERIES} local deliveries in one handler`);
      this.dispatch(this.id, msg);
    }
    truncate(this.local, 0);
    this.localHead = 0;
    this.links.flushAcks();
  }

  // ------------------------------------------------------------------ LinkHandler

  deliver(from: string, msg: RelMessage): void {
    const p = this.rxPeer;
    if (p !== undefined) {
      // A newer generation than the one known (dead, or still believed alive: it reset or
      // restarted before its heartbeat arrived): learn it first, as from a heartbeat, so that the
      // old generation's death is handled and any answer goes to the new one. A dead
      // generation's leftovers are dropped.
      if (msg.senderGen > p.gen) this.members.onHeartbeat(from, msg.senderGen);
      if (!p.alive) return;
    }
    this.dispatch(from, msg);
  }

  peerGeneration(peer: string, gen: number): void {
    if (this.managerSet.has(peer) && gen > this.members.genOf(peer)) this.members.onHeartbeat(peer, gen);
  }

  linkStalled(): void {
    // Managers: the failure detector decides; clients: their sessions expire on their own.
  }

  private dispatch(from: string, msg: RelMessage): void {
    const m = msg as PeerMsg | ClientRequestMsg;
    switch (m.type) {
      case 'req':
        this.home.onReq(from, m.body);
        return;
      case 'chop':
        this.copyHolder.onCopyHolderRequest(m.body, m.next);
        return;
      case 'mreq':
        this.master.onMasterRequest(from, m.body);
        return;
      case 'mout':
        this.copyHolder.onMasterOutcome(m.body, m.next);
        return;
      case 'hout':
        this.home.onHomeOutcome(m.body);
        return;
      case 'mbast':
        this.copyHolder.onMasterBast(m.body);
        return;
      case 'hbast':
        this.home.onHomeBast(m.body);
        return;
      case 'not-master': {
        const root = m.body;
        if (this.cachedMasters.get(root)?.id === from) this.cachedMasters.delete(root);
        this.copyHolder.onNotMaster(root);
        return;
      }
      case 'ch-install':
        this.copyHolder.onCopyInstall(from, m.body);
        return;
      case 'ch-installed':
        this.master.onCopyInstalled(m.body);
        return;
      case 'ch-release': {
        const r = m.body;
        this.copyHolder.onCopyRelease(r.client, r.root, r.resource, r.version);
        return;
      }
      case 'ch-lvb':
        this.copyHolder.onValueBlockInvalid(m.body.root, m.body.resource);
        return;
      case 'ch-drop':
        this.copyHolder.onCopiesDrop(m.body.master, m.body.roots);
        return;
      case 'lookup':
        this.dir.onLookup(from, m.body.root, m.body.view);
        return;
      case 'lookup-res':
        this.onLookupResult(m.body);
        return;
      case 'dir-sync':
        this.dir.onDirSync(from, m.body);
        if (m.body.ask > 0 && m.body.view === this.members.viewKey) this.answerDirSync(from);
        return;
      case 'gather-req':
        this.copyHolder.onGatherRequest(from, m.body.root, m.body.round);
        return;
      case 'gather-res':
        this.master.onGatherResult(from, m.body);
        return;
      case 'purge': {
        const p = m.body;
        // Only the session's home ends it. A purge from a manager that a later adoption (as this
        // node saw it) took the session from comes from a home that did not hear of that adoption
        // (paused, or cut off, while its lease ran out): the session lives on at the adopter,
        // which the other members answered, and ending it here alone would leave this master
        // dropping the requests the adopter still routes to it. The adopter itself takes the
        // purge while its adoption is undecided: the adoption then fails, and its own purge ends
        // the session everywhere.
        const home = this.sessionHomes.get(p.sess);
        if (home !== undefined && home !== from && (home !== this.id || this.home.sessionOf(p.client) === p.sess)) return;
        this.lostSessions.add(p.sess);
        this.master.onPurge(p.client, p.sess, p.reason);
        this.copyHolder.onPurge(p.client, p.sess);
        this.home.onPurgeNotice(p.client, p.sess);
        return;
      }
      case 'adopt': {
        const a = m.body;
        const seen = this.adoptEpochs.get(a.sess);
        if (seen !== undefined && a.epoch < seen) {
          // Superseded: nothing moves, but the adopter still learns where the session has locks
          // and requests here (see AdoptResultBody.known).
          const { known, renewed } = this.master.knownOf(a.client, a.sess);
          for (const resource of this.copyHolder.knownOf(a.client, a.sess)) known.push(resource);
          const res: AdoptResultMsg = new RelMessage('adopt-res', { client: a.client, sess: a.sess, ok: true, stale: true, held: [], known, renewed });
          this.post(from, res);
          return;
        }
        this.adoptEpochs.set(a.sess, a.epoch);
        this.sessionHomes.set(a.sess, a.home);
        this.home.onAdoptNotice(a.client, a.sess, a.home);
        const copies = this.copyHolder.onAdopt(a.client, a.sess, a.home);
        const { ok, held, known, renewed } = this.master.onAdopt(a.client, a.sess, a.home);
        for (const h of copies.held) held.push(h);
        for (const resource of copies.known) known.push(resource);
        const res: AdoptResultMsg = new RelMessage('adopt-res', { client: a.client, sess: a.sess, ok, stale: false, held, known, renewed });
        this.post(from, res);
        return;
      }
      case 'adopt-res':
        this.home.onAdoptResult(from, m.body);
        return;
      case 'dl-gather': {
        const res: DeadlockEdgesMsg = new RelMessage('dl-edges', { round: m.body, edges: this.master.deadlockEdges() });
        this.post(from, res);
        return;
      }
      case 'dl-edges':
        this.coord.onEdges(from, m.body);
        return;
      case 'dl-prepare': {
        const p = m.body;
        const ok = this.master.deadlockPrepare(from, p.round, p.edges);
        const vote: DeadlockVoteMsg = new RelMessage('dl-vote', { round: p.round, ok });
        this.post(from, vote);
        return;
      }
      case 'dl-vote':
        this.coord.onVote(from, m.body);
        return;
      case 'dl-decide': {
        const d = m.body;
        this.master.deadlockDecide(from, d.round, d.commit, d.victimLockId, d.victimVersion);
        return;
      }
      default:
        return;
    }
  }

  // ------------------------------------------------------------------ ManagerEnv

  post(to: string, msg: PeerMsg): void {
    if (to === this.id) {
      this.local.push(msg);
      return;
    }
    const h = this.links.handle(to);
    const p = h.tag as Readonly<PeerState> | undefined;
    if (p === undefined || !p.alive) return;
    this.links.sendVia(h, msg);
  }

  toClient(client: string, msg: ToClientMsg): void {
    this.links.send(client, msg);
  }

  dirOf(root: string): string {
    const live = this.members.live;
    return live[directoryIndex(root, live.length)]!;
  }

  masterOf(root: string): string | undefined {
    const c = this.cachedMasters.get(root);
    if (c === undefined) return undefined;
    const p = c.peer;
    if (p === undefined ? c.gen !== this.members.generation : !p.alive || p.gen !== c.gen) return undefined;
    return c.id;
  }

  /** The master of `root` as last learned here, when that generation is no longer live. */
  private lostMasterOf(root: string): LostMasterWire | undefined {
    const c = this.cachedMasters.get(root);
    if (c === undefined || this.masterOf(root) !== undefined) return undefined;
    return { id: c.id, gen: c.gen };
  }

  setMaster(root: string, master: string): void {
    // Another node masters the root now: what an earlier generation of this one mastered there is no longer its loss.
    if (master !== this.id) this.masteredRoots.delete(root);
    this.cachedMasters.set(root, { id: master, gen: this.members.genOf(master), peer: this.members.peer(master) });
  }

  lookup(root: string): void {
    if (this.lookups.has(root)) return;
    const dir = this.dirOf(root);
    this.lookups.set(root, dir);
    const msg: LookupMsg = new RelMessage('lookup', { root, view: this.members.viewKey });
    this.post(dir, msg);
  }

  private onLookupResult(m: LookupResultBody): void {
    if (this.lookups.get(m.root) === undefined) return;
    this.lookups.delete(m.root);
    if (m.view !== this.members.viewKey || m.master === '') {
      // Asked, or answered, in another view: ask again once the views agree.
      this.retryLookup(m.root);
      return;
    }
    if (!this.members.isAlive(m.master) || this.members.genOf(m.master) !== m.masterGen) {
      this.lookup(m.root);
      return;
    }
    this.setMaster(m.root, m.master);
    if (m.master === this.id) this.master.becomeMaster(m.root, m.recover, m.lost);
    this.master.onMasterKnown(m.root);
    this.copyHolder.onMasterKnown(m.root);
    this.home.onMasterKnown(m.root);
  }

  rebuilt(root: string): void {
    // The losses the rebuild counted are behind the root now: a later loss of this node's state is its own.
    const mastered = this.masteredRoots.get(root);
    if (mastered !== undefined && mastered.gen === this.members.generation && mastered.lost.length > 0) this.masteredRoots.set(root, { gen: mastered.gen, lost: [] });
    if (this.dirOf(root) === this.id) this.dir.onRebuilt(this.id, [root]);
    else this.rebuiltSinceSync.add(root);
  }

  rebuiltFor(peer: string): readonly string[] {
    const roots: string[] = [];
    for (const root of this.rebuiltSinceSync) if (this.dirOf(root) === peer) roots.push(root);
    return roots;
  }

  /** Ask again a little later: the views are still settling. */
  private retryLookup(root: string): void {
    this.lookups.set(root, '');
    this.timer(this.tuning.heartbeatUs, () => {
      if (this.lookups.get(root) !== '') return;
      this.lookups.delete(root);
      this.lookup(root);
    });
  }

  timer(delayUs: number, fn: () => void): TimerId {
    const id = this.ctx.setTimer(delayUs, 'dlm:cb', 'mono');
    this.callbacks.set(id, fn);
    return id;
  }

  timerAt(localUs: number, clock: 'wall' | 'mono', fn: () => void): TimerId {
    const id = this.ctx.setTimerAt(localUs, clock, 'dlm:cb');
    this.callbacks.set(id, fn);
    return id;
  }

  cancelTimer(id: TimerId): void {
    if (this.callbacks.delete(id)) this.ctx.cancelTimer(id);
  }

  trace(type: string, fields: Record<string, unknown>): void {
    this.ctx.trace(type, fields);
  }

  // ------------------------------------------------------------------ MembershipHost

  viewChanged(dead: readonly Member[], joined: readonly Member[]): void {
    this.ctx.trace('dlm-view', {
      view: this.members.viewKey,
      dead: dead.map((d) => `${d.id}@${d.gen}`),
      joined: joined.map((j) => `${j.id}@${j.gen}`),
    });
    for (const d of dead) {
      if (this.coordinatorWas(d.id)) this.master.onCoordinatorGone(d.id);
    }
    const deadIds = new Set(dead.map((d) => d.id));
    this.coord.onViewChange(deadIds);
    this.master.onViewChange(deadIds);
    this.home.onViewChange(deadIds, joined.map((j) => j.id));
    this.sendDirSync();
    // Look-ups asked in the old view are asked again in the new one.
    for (const root of [...this.lookups.keys()]) {
      this.lookups.delete(root);
      this.lookup(root);
    }
    this.copyHolder.lookUpOrphans(this.orphans);
    this.orphans = [];
    this.dir.onViewChange(dead);
  }

  quorumChanged(): void {
    this.coord.onViewChange();
    this.master.onQuorumChange();
    this.dir.onQuorumChange();
    this.home.onQuorumChange();
  }

  private orphans: string[] = [];

  private coordinatorWas(id: string): boolean {
    return this.tuning.deadlockDetect && id !== this.id;
  }

  private sendDirSync(): void {
    const live = this.members.live;
    const claims = new Map<string, string[]>();
    const rebuilding = new Map<string, string[]>();
    const orphaned = new Map<string, string[]>();
    for (const root of this.master.masteredRoots()) {
      push(claims, this.dirOf(root), root);
      if (this.master.rebuildUnfinished(root)) push(rebuilding, this.dirOf(root), root);
    }
    this.orphans = this.copyHolder.orphanedRoots();
    const lost = this.dir.handOver((root) => this.dirOf(root));
    for (const root of this.orphans) {
      const dir = this.dirOf(root);
      push(orphaned, dir, root);
      // The master the orphan lost, as this node last knew it: the name's directory node may have
      // no record of it (the node that had one is gone).
      const master = this.lostMasterOf(root);
      if (master === undefined) continue;
      let names = lost.get(dir);
      if (names === undefined) lost.set(dir, (names = []));
      names.push({ root, masters: [master] });
    }
    // The claims say which roots are rebuilt from now on.
    this.rebuiltSinceSync.clear();
    const view = this.members.viewKey;
    for (const m of live) {
      const body = { view, claims: claims.get(m) ?? [], rebuilding: rebuilding.get(m) ?? [], orphans: orphaned.get(m) ?? [], lost: lost.get(m) ?? [], ask: this.dir.askOf(m), answers: this.dir.answersTo(m) };
      const msg: DirectorySyncMsg = new RelMessage('dir-sync', body);
      this.post(m, msg);
    }
  }

  /**
   * `to` asked for this node's `dir-sync` afresh in this very view (./directory.ts): this node's
   * claims and orphans whose directory node `to` is, as they stand. The view did not change here,
   * so nothing is handed over and no look-up is asked again.
   */
  private answerDirSync(to: string): void {
    const claims: string[] = [];
    const rebuilding: string[] = [];
    const orphans: string[] = [];
    const lost: LostNameWire[] = [];
    for (const root of this.master.masteredRoots()) {
      if (this.dirOf(root) !== to) continue;
      claims.push(root);
      if (this.master.rebuildUnfinished(root)) rebuilding.push(root);
    }
    for (const root of this.copyHolder.orphanedRoots()) {
      if (this.dirOf(root) !== to) continue;
      orphans.push(root);
      const master = this.lostMasterOf(root);
      if (master !== undefined) lost.push({ root, masters: [master] });
    }
    const body = { view: this.members.viewKey, claims, rebuilding, orphans, lost, ask: this.dir.askOf(to), answers: this.dir.answersTo(to) };
    const msg: DirectorySyncMsg = new RelMessage('dir-sync', body);
    this.post(to, msg);
  }

  resetTo(gen: number): void {
    this.resets++;
    this.master.onReset();
    for (const id of this.callbacks.keys()) this.ctx.cancelTimer(id);
    this.callbacks.clear();
    this.cachedMasters.clear();
    this.lookups.clear();
    this.local = [];
    this.localHead = 0;
    this.lostSessions = new Set();
    this.adoptEpochs = new Map();
    this.sessionHomes = new Map();
    this.links.resetSelf(gen);
    this.members.resetSelf(gen);
    this.makeRoles();
    this.ctx.trace('dlm-reset', { gen });
    // Announce the (new) view: directory nodes wait for every member's dir-sync.
    this.viewChanged([], []);
  }
}

/** A map kept in the node's durable storage under `key` (created on first use). */
function durableMap<T>(ctx: ProcessContext, key: string): Map<string, T> {
  let m = ctx.durable.get(key);
  if (!(m instanceof Map)) {
    m = new Map<string, T>();
    ctx.durable.set(key, m);
  }
  return m as Map<string, T>;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  let list = map.get(key);
  if (list === undefined) {
    list = [];
    map.set(key, list);
  }
  list.push(value);
}
