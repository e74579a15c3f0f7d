/**
 * Manager membership: heartbeats, the failure detector and the live view.
 *
 * Every manager sends a heartbeat to every other configured manager each `heartbeatMs` of its
 * monotonic clock and declares a peer dead after `failureTimeoutMs` without hearing from it. That
 * is all a failure detector can do in an asynchronous system, so a peer that is merely paused, or
 * cut off by a partition, is declared dead exactly like a crashed one — the classic pitfall, which
 * the simulator is there to show, not a bug to hide.
 *
 * Identity is (id, generation). A generation is `incarnation × 1000 + resets`: a restarted node
 * comes back with a higher one, and so does a node that learns it was declared dead while it was
 * alive: it drops all its state and rejoins empty, as if it had restarted, because the others have
 * already recovered without it. A heartbeat (or any message) from a newer generation of a live
 * peer is the old generation's death and the new one's join, in one change.
 *
 * Quorum. A manager whose view holds a majority of the configured managers has a quorum; only
 * then does it grant, answer directory look-ups, adopt sessions or extend leases (./master.ts,
 * ./directory.ts, ./home.ts), so the two sides of a partition never both go on granting. A peer
 * counts towards it only while the two hear each other: its last heartbeat counted this node in,
 * and echoed a heartbeat this node sent within the failure timeout. Hearing a peer is not enough:
 * cut off one way (its heartbeats arrive, this node's are lost), this node goes on hearing a
 * majority that stops hearing it, declares it dead after the failure timeout and recovers its
 * roots. The echo ages on this node's own clock from the moment the echoed heartbeat left, so the
 * quorum is gone by the time that peer's detector can declare this node dead (it times out from
 * when it last heard a heartbeat, which is later still). At its own start or reset a node counts
 * every peer for one failure timeout before the echoes must show, as its detector assumes every
 * peer alive for as long. Who
 * resets after a split is decided by the majority: a manager with a quorum answers a heartbeat
 * from a generation it declared dead with `dead-to-me`; a manager without one resets only when
 * it hears from a peer whose view (carried in every heartbeat) is a majority that left it out;
 * a peer it declared dead while it still had a quorum (which it has lost since) is told
 * `dead-to-me` all the same, since its roots may have been rebuilt here in the meantime; and
 * otherwise it takes the peer back (nobody had a quorum, so nobody recovered anything) — but
 * only on a heartbeat that echoes one this node sent after declaring the peer dead. A heartbeat
 * is a snapshot of its sender's view when it left, and may arrive after the sender declared this
 * node dead in turn (the two detectors fire at the same moment; a delay holds the heartbeat
 * back): taken back on it, this node would regain a quorum and grant beside the majority that is
 * recovering its resources. The echo proves the peer heard this node after the split and still
 * counted it in (or it would have answered `dead-to-me`). A node that regains a quorum this way
 * while a member of that quorum still counts alive a peer this node holds dead (on its own
 * verdict, given without a quorum) was the one cut off: it resets rather than hold the majority's
 * member dead under the quorum it regained, which would make it tell that member to reset (see
 * {@link countQuorum}).
 * A manager resuming from a pause longer than the failure timeout finds it has no quorum and
 * resets before handling anything that waited (./manager.ts).
 *
 * Death verdicts outlive the node that gave them. Every peer generation this node has held dead
 * while it had a quorum is kept in the node's durable storage (peer id → that generation), and a
 * restarted or reset node starts with each such generation dead and answers it `dead-to-me`: the
 * quorum that gave the verdict may have rebuilt the peer's roots, and if every node of it then
 * crashed or reset, nobody else is left to stop the peer being taken back with its old queues.
 * A verdict on a peer is dropped once the peer is heard at a newer generation, which the old one
 * can never come back from, so the record holds at most one generation per configured peer.
 *
 * The live view is the set of live members in configured order (m1, m2, …), self included; its
 * key, `m1@0,m3@1000`, names a view exactly, so that directory synchronisation can tell whether two
 * managers agree. At start every configured manager is assumed alive at generation 0, the view
 * all managers share without exchanging anything.
 */
import type { ProcessContext } from '../../sim/types.js';
import type { ReliableLinks } from './links.js';
import { MAX_RESETS_PER_INCARNATION, type Tuning } from './tuning.js';
import type { PeerState } from './peer-state.js';
import type { DeadToMeMsg, HeartbeatMsg } from './wire.js';

export type { PeerState } from './peer-state.js';

/** A member: a manager id at one generation. */
export interface Member {
  readonly id: string;
  readonly gen: number;
}

/** What membership tells its owner. */
export interface MembershipHost {
  /** The live view changed: `dead` left (crashed, paused, cut off, or replaced), `joined` came. */
  viewChanged(dead: readonly Member[], joined: readonly Member[]): void;
  /** The view is the same but the quorum came or went (a live peer counted this node in, or out). */
  quorumChanged(): void;
  /** A peer declared this very generation dead: reset and rejoin as `gen`. */
  resetTo(gen: number): void;
  /** The roots whose finished rebuild rides on the next heartbeat to `peer` (their directory node). */
  rebuiltFor(peer: string): readonly string[];
}

/** A member death as noticed here: when (mono µs), and which generation died (of this node's own loss, the one it rejoined as). */
interface Death {
  readonly us: number;
  readonly id: string;
  readonly gen: number;
}

/** Heartbeat numbers one generation may use (at one a second, half a year). */
export const BEATS_PER_GENERATION = 2 ** 24;

/** What a quorum count found (`Membership.countQuorum`): nothing amiss, or that this node was the minority and must reset. */
const COUNTED = 0;
const OUTVOTED = 1;
type QuorumCount = typeof COUNTED | typeof OUTVOTED;

/** The heartbeat timer's tag. */
export const HB_TAG = 'dlm:hb';

/** The generation of incarnation `incarnation` after `resets` resets. */
export function generationOf(incarnation: number, resets: number): number {
  return incarnation * (MAX_RESETS_PER_INCARNATION + 1) + resets;
}

export class Membership {
  private readonly peers = new Map<string, PeerState>();
  private liveIds: string[] = [];
  private liveSet = new Set<string>();
  /** Each death noticed (when, mono µs, and whose), oldest first; this node's own loss once counted is one too. */
  private readonly deaths: Death[] = [];
  /**
   * When this node lost its own state (its restart, or its last reset; mono µs), while that loss
   * is not yet among {@link deaths}; undefined otherwise.
   */
  private ownLossUs: number | undefined;
  /** No quorum since the last peer death this generation noticed (copies move with a quorum only). */
  private quorumlessSinceDeath = false;
  /** This node's last loss of state ({@link ownLossUs}) came while {@link quorumlessSinceDeath}. */
  private lostWithCopiesUnmade = false;
  private key = '';
  /**
   * Self and the live peers that count this node in and echo it recently hold a majority (see
   * {@link hasQuorum}), as counted at the last heartbeat, view change or detector round.
   */
  private quorum = false;
  /** When that count stops holding as the echoes age (mono µs): the quorum holds while now ≤ this. */
  private quorumUntilUs = 0;
  /** The quorum as the host last learnt it (a view change or {@link MembershipHost.quorumChanged}). */
  private quorumTold = false;
  /**
   * When each of this node's recent heartbeats left (mono µs), by beat number modulo the length:
   * enough beats to reach back a failure timeout, as one beat leaves per heartbeat interval at most.
   */
  private readonly beatSentUs: Float64Array;
  /** Scratch for the quorum count: each counted peer's deadline (mono µs), one slot per peer. */
  private readonly deadlinesUs: Float64Array;
  /**
   * The number of the last heartbeat sent: {@link BEATS_PER_GENERATION} × generation + rounds sent
   * in this generation, so that beat numbers grow across resets and restarts and an echo of one
   * tells which generation of this node the peer has heard.
   */
  private beats: number;

  constructor(
    private readonly ctx: ProcessContext,
    /** Every configured manager, in order. */
    private readonly all: readonly string[],
    private myGen: number,
    private readonly tuning: Tuning,
    private readonly links: ReliableLinks,
    private readonly host: MembershipHost,
    /**
     * Peer id → the generation of it this node held dead while it had a quorum (see the module
     * comment); kept in the node's durable storage, so it outlives crashes and resets.
     */
    private readonly deadUnderQuorumVerdicts: Map<string, number>,
  ) {
    this.beats = myGen * BEATS_PER_GENERATION;
    this.beatSentUs = new Float64Array(Math.floor(tuning.failureTimeoutUs / tuning.heartbeatUs) + 2);
    this.deadlinesUs = new Float64Array(all.length);
    const now = ctx.now('mono');
    for (const id of all) {
      if (id === ctx.id) continue;
      this.peers.set(id, { gen: 0, alive: true, lastHeardUs: now, heardBeat: 0, probe: 0, deadUnderQuorum: false, deadByVerdict: false, confirmed: true, echoedSentUs: now, sawMe: false, lastView: '', viewBeat: 0 });
      links.setPeerGen(id, 0);
    }
    if (myGen > 0) this.ownLossUs = now;
    this.relearnVerdicts();
    this.recompute();
  }

  /** Send the first heartbeats and arm the timer. */
  start(): void {
    this.beat();
    this.ctx.setTimer(this.tuning.heartbeatUs, HB_TAG, 'mono');
  }

  /** Live members in configured order, self included. */
  get live(): readonly string[] {
    return this.liveIds;
  }

  /**
   * Whether the live view holds a majority of the configured managers, counting only the peers
   * whose last heartbeat counted this node in as well and echoed one of its heartbeats sent within
   * the failure timeout. Without it a manager grants nothing, answers no look-ups, adopts and
   * extends no sessions: otherwise both sides of a partition would go on granting (split brain).
   * The mutual count matters when a split heals: a node that has taken a peer back while the peer
   * has not yet taken it back (and may be about to tell it it was declared dead) must not act on
   * that peer's account; and under a one-way cut, where the peer never stops being heard (see the
   * module comment). Read at the instant of asking: the echoes age between heartbeats.
   */
  get hasQuorum(): boolean {
    return this.quorum && this.ctx.now('mono') <= this.quorumUntilUs;
  }

  /**
   * Whether the failure detector's view, with the peers whose last heartbeat counted this node in,
   * holds a majority, however old their echoes. False after a pause longer than the failure
   * timeout: this node's detector declared the majority dead, as theirs must have declared it, so
   * it resets (./manager.ts). Aged echoes alone are no such verdict: a pause a little shorter than
   * the failure timeout ages them past it while the peers still count this node alive.
   */
  get detectorQuorum(): boolean {
    let counted = 1;
    for (const p of this.peers.values()) if (p.alive && p.confirmed) counted++;
    return counted * 2 > this.all.length;
  }

  /** How many managers are configured (live or not): the most a client in jeopardy tries in turn. */
  get configured(): number {
    return this.all.length;
  }

  /** How many configured managers are not in the live view. */
  get missing(): number {
    return this.all.length - this.liveIds.length;
  }

  /** The exact name of the current view. */
  get viewKey(): string {
    return this.key;
  }

  get generation(): number {
    return this.myGen;
  }

  /**
   * The state of peer `id` (undefined for this node itself and for non-members): one look-up for
   * the hot paths that need a peer's liveness and generation together. Read-only.
   */
  peer(id: string): Readonly<PeerState> | undefined {
    return this.peers.get(id);
  }

  /** Whether `id` is live (self is). */
  isAlive(id: string): boolean {
    return this.liveSet.has(id);
  }

  /** The generation of `id` as known here (-1 for an unknown id). */
  genOf(id: string): number {
    if (id === this.ctx.id) return this.myGen;
    return this.peers.get(id)?.gen ?? -1;
  }

  /** The live member after `id` in configured order (wrapping), or undefined when `id` is alone. */
  successorOf(id: string): string | undefined {
    const live = this.liveIds;
    if (live.length <= 1) return undefined;
    const i = live.indexOf(id);
    if (i < 0) return undefined;
    return live[(i + 1) % live.length];
  }

  /** Reset to generation `gen` after being declared dead: everyone alive again, as at start. */
  resetSelf(gen: number): void {
    this.myGen = gen;
    this.beats = gen * BEATS_PER_GENERATION;
    const now = this.ctx.now('mono');
    this.ownLossUs = now;
    this.lostWithCopiesUnmade = this.quorumlessSinceDeath;
    this.quorumlessSinceDeath = false;
    for (const [id, p] of this.peers) {
      p.alive = true;
      p.lastHeardUs = now;
      p.probe = 0;
      p.deadUnderQuorum = false;
      p.deadByVerdict = false;
      p.confirmed = true;
      p.echoedSentUs = now;
      p.sawMe = false;
      p.lastView = '';
      p.viewBeat = 0;
      this.links.setPeerGen(id, p.gen);
    }
    this.relearnVerdicts();
    this.recompute();
  }

  /**
   * A (re)started or reset node holds dead, as it did before it lost its state, every peer
   * generation it declared dead while it had a quorum and has not heard replaced since: such a
   * peer is told `dead-to-me`, never taken back.
   */
  private relearnVerdicts(): void {
    for (const [id, gen] of this.deadUnderQuorumVerdicts) {
      const p = this.peers.get(id);
      if (p === undefined || gen < p.gen) continue;
      p.gen = gen;
      p.alive = false;
      p.probe = this.beats + 1;
      p.deadUnderQuorum = true;
      p.deadByVerdict = true;
      this.links.setPeerGen(id, gen);
      this.links.suspend(id);
    }
  }

  /**
   * A heartbeat from `from` at generation `gen`, whose view is `view` ('' when unknown), sent
   * while its sender held a quorum when `quorum`.
   *
   * - A peer we declared dead at this very generation: if we hold a quorum we recovered without
   *   it, so it must reset (`dead-to-me`). If we do not, we may be the ones cut off: if its view is
   *   a majority that left us out, we reset. Otherwise, if we held a quorum at any moment while it
   *   was dead to us, we may have rebuilt its roots then, so it must reset all the same; if we
   *   never did, nobody recovered anything on our account and we simply take it back.
   * - A live peer whose view is a majority without us, while we have no quorum: the others went
   *   on without us: reset.
   */
  onHeartbeat(from: string, gen: number, view = '', beat = 0, echo = 0, quorum = false): void {
    const p = this.peers.get(from);
    if (p === undefined) return;
    const now = this.ctx.now('mono');
    if (gen < p.gen) return;
    if (gen > p.gen) p.heardBeat = 0;
    if (beat > p.heardBeat) p.heardBeat = beat;
    if (gen === p.gen) {
      if (p.alive) {
        p.lastHeardUs = now;
        if (!this.hasQuorum && this.excludedBy(view, echo)) {
          this.resetOnVerdictOf(view);
          return;
        }
        const changed = this.confirm(p, view, beat, quorum);
        if ((this.noteEcho(p, echo) || changed) && this.countQuorum(now) === OUTVOTED) {
          this.host.resetTo(this.myGen + 1);
          return;
        }
        // Told at once, also when the echoes aged since the last count: the host hears of it here
        // rather than at its next detector round.
        this.tellQuorum();
        return;
      }
      if (this.hasQuorum) {
        this.tellDeadToMe(from, gen);
        return;
      }
      if (this.excludedBy(view, echo)) {
        this.resetOnVerdictOf(view);
        return;
      }
      if (p.deadUnderQuorum) {
        this.tellDeadToMe(from, gen);
        return;
      }
      // Sent before the peer heard from this node after the split: it may be stale (see above).
      if (echo < p.probe) return;
      p.alive = true;
      p.lastHeardUs = now;
      this.confirm(p, view, beat, quorum);
      this.noteEcho(p, echo);
      this.links.setPeerGen(from, gen);
      if (this.recompute() === OUTVOTED) {
        this.host.resetTo(this.myGen + 1);
        return;
      }
      this.host.viewChanged([], [{ id: from, gen }]);
      return;
    }
    const dead: Member[] = p.alive ? [{ id: from, gen: p.gen }] : [];
    if (p.alive || p.deadByVerdict) this.noteDeath(now, from, p);
    // The generation held dead is gone for good: its verdict has nothing left to stop.
    this.deadUnderQuorumVerdicts.delete(from);
    p.gen = gen;
    p.alive = true;
    p.lastHeardUs = now;
    p.deadUnderQuorum = false;
    p.deadByVerdict = false;
    p.confirmed = true;
    // A new generation has heard nothing of this node until it echoes it.
    p.echoedSentUs = Number.NEGATIVE_INFINITY;
    p.sawMe = false;
    p.lastView = '';
    p.viewBeat = 0;
    this.confirm(p, view, beat, quorum);
    this.noteEcho(p, echo);
    this.links.setPeerGen(from, gen);
    if (this.recompute() === OUTVOTED) {
      this.host.resetTo(this.myGen + 1);
      return;
    }
    this.host.viewChanged(dead, [{ id: from, gen }]);
  }

  /**
   * Note that the peer echoed this node's heartbeat `echo`, when that is one of this generation's
   * still in {@link beatSentUs} and later than any it echoed before. Returns whether it was.
   */
  private noteEcho(p: PeerState, echo: number): boolean {
    const ring = this.beatSentUs;
    if (echo <= this.myGen * BEATS_PER_GENERATION || echo > this.beats || this.beats - echo >= ring.length) return false;
    const sentUs = ring[echo % ring.length]!;
    if (sentUs <= p.echoedSentUs) return false;
    p.echoedSentUs = sentUs;
    return true;
  }

  /** Tell the host when the quorum came or went since it last learnt it. */
  private tellQuorum(): void {
    const quorum = this.hasQuorum;
    if (quorum === this.quorumTold) return;
    this.quorumTold = quorum;
    this.host.quorumChanged();
  }

  private tellDeadToMe(to: string, gen: number): void {
    const msg: DeadToMeMsg = { type: 'dead-to-me', gen, view: this.key };
    this.ctx.send(to, msg);
  }

  /**
   * Note whether the peer's heartbeat `beat` has a view that counts this node in ('' — not a
   * heartbeat — changes nothing), and whether it did so while the peer held a quorum (`quorum`),
   * which it may gain with its view unchanged. Returns whether the counting in changed.
   */
  private confirm(p: PeerState, view: string, beat: number, quorum: boolean): boolean {
    if (view === '') return false;
    if (beat > p.viewBeat) p.viewBeat = beat;
    if (view === p.lastView) {
      if (quorum && p.confirmed) p.sawMe = true;
      return false;
    }
    p.lastView = view;
    p.viewBeat = beat;
    const confirmed = this.countsMeIn(view);
    if (confirmed && quorum) p.sawMe = true;
    if (confirmed === p.confirmed) return false;
    p.confirmed = confirmed;
    return true;
  }

  /** A peer declared this generation dead; `view` is the peer's live view when it said so. */
  onDeadToMe(gen: number, view: string): void {
    if (gen !== this.myGen) return;
    this.resetOnVerdictOf(view);
  }

  /**
   * This generation is dead by the verdict of a peer whose live view is `view`, and resets. When
   * that view is a majority, the members it counts alive went on without this node: whatever this
   * node rebuilt on its own verdicts on them is the majority's to recover now, as this node's own
   * roots are, so those verdicts are dropped rather than carried into the next generation (where
   * they would reset a member of the majority that outlived this one).
   */
  private resetOnVerdictOf(view: string): void {
    if (this.isMajority(view)) {
      for (const member of view.split(',')) {
        const at = member.lastIndexOf('@');
        const id = member.slice(0, at);
        if (this.deadUnderQuorumVerdicts.get(id) === Number(member.slice(at + 1))) this.deadUnderQuorumVerdicts.delete(id);
      }
    }
    this.host.resetTo(this.myGen + 1);
  }

  /** Whether a view (`m1@0,m3@1000`) names a majority of the configured managers. */
  private isMajority(view: string): boolean {
    if (view === '') return false;
    let members = 1;
    for (let i = 0; i < view.length; i++) if (view.charCodeAt(i) === 44) members++;
    return members * 2 > this.all.length;
  }

  /** Offer a timer tag; true when it was the heartbeat timer. */
  onTimer(tag: unknown): boolean {
    if (tag !== HB_TAG) return false;
    // Detect first: the heartbeat then carries the view as it stands after this round.
    this.detect();
    this.beat();
    this.ctx.setTimer(this.tuning.heartbeatUs, HB_TAG, 'mono');
    return true;
  }

  /**
   * `view` is a majority view in which this node (at its generation) is not, sent by a peer that
   * had heard this generation (`echo`): a peer that has not is merely yet to learn of it (this
   * node just reset or restarted), and its view is no verdict on it.
   */
  private excludedBy(view: string, echo: number): boolean {
    if (echo <= this.myGen * BEATS_PER_GENERATION || !this.isMajority(view)) return false;
    return !this.countsMeIn(view);
  }

  /** Whether a view (`m1@0,m3@1000`) counts this node in at its current generation. */
  private countsMeIn(view: string): boolean {
    return `,${view},`.includes(`,${this.ctx.id}@${this.myGen},`);
  }

  private beat(): void {
    const beat = ++this.beats;
    this.beatSentUs[beat % this.beatSentUs.length] = this.ctx.now('mono');
    const quorum = this.hasQuorum;
    for (const [id, p] of this.peers) {
      const rebuilt = this.host.rebuiltFor(id);
      const hb: HeartbeatMsg = rebuilt.length === 0 ? { type: 'hb', gen: this.myGen, view: this.key, beat, echo: p.heardBeat, quorum } : { type: 'hb', gen: this.myGen, view: this.key, beat, echo: p.heardBeat, quorum, rebuilt };
      this.ctx.send(id, hb);
    }
  }

  /**
   * Peer generation `p` died (noticed `now`). When it never took this node's own restart or reset
   * into its view while it held a quorum, it never moved its copies here, so whatever it mastered
   * with copies kept here is known to nobody: this node's own loss of state then counts among the
   * deaths too (once, at the time it happened), and a rebuild of what `p` mastered is lossy.
   */
  private noteDeath(now: number, id: string, p: PeerState): void {
    if (this.ownLossUs !== undefined && !p.sawMe) {
      const lostUs = this.ownLossUs;
      this.ownLossUs = undefined;
      let i = this.deaths.length;
      while (i > 0 && this.deaths[i - 1]!.us > lostUs) i--;
      this.deaths.splice(i, 0, { us: lostUs, id: this.ctx.id, gen: this.myGen });
    }
    this.deaths.push({ us: now, id, gen: p.gen });
    this.quorumlessSinceDeath = true;
    while (this.deaths.length > 64) this.deaths.shift();
  }

  /** When the latest member death was noticed (mono µs; this node's own loss included once counted), or undefined before any. */
  lastDeathUs(): number | undefined {
    return this.deaths[this.deaths.length - 1]?.us;
  }

  /**
   * When this node (at any of its generations since it last started) noticed the death of `id` at
   * generation `gen` (mono µs; the latest time if more than once), or undefined if it never did.
   */
  deathOf(id: string, gen: number): number | undefined {
    for (let i = this.deaths.length - 1; i >= 0; i--) {
      const death = this.deaths[i]!;
      if (death.id === id && death.gen === gen) return death.us;
    }
    return undefined;
  }

  /**
   * This node's own loss of state (its restart or last reset, mono µs) while no peer's death has
   * counted it among the deaths; undefined otherwise. A root an earlier generation of this node
   * mastered lost its master then, whoever saw the restart since.
   */
  uncountedOwnLossUs(): number | undefined {
    return this.ownLossUs;
  }

  /** This node's uncounted loss came with no quorum since the last peer death: that peer's copies were never re-made. */
  ownLossLeftCopiesUnmade(): boolean {
    return this.ownLossUs !== undefined && this.lostWithCopiesUnmade;
  }

  /** How many member deaths were noticed in the last `windowUs`. */
  recentDeaths(windowUs: number): number {
    const since = this.ctx.now('mono') - windowUs;
    let n = 0;
    for (let i = this.deaths.length - 1; i >= 0 && this.deaths[i]!.us >= since; i--) n++;
    return n;
  }

  /**
   * Run the failure detector now (after a pause, before anything held is handled), and tell the
   * host if the quorum went with echoes aged past the failure timeout.
   */
  checkNow(): void {
    this.detect();
  }

  private detect(): void {
    const now = this.ctx.now('mono');
    let dead: Member[] | null = null;
    for (const [id, p] of this.peers) {
      if (p.alive && now - p.lastHeardUs > this.tuning.failureTimeoutUs) {
        p.alive = false;
        p.probe = this.beats + 1;
        this.noteDeath(now, id, p);
        this.links.suspend(id);
        (dead ??= []).push({ id, gen: p.gen });
      }
    }
    if (dead === null) {
      this.tellQuorum();
      return;
    }
    // Losing peers never regains a quorum, so the count cannot find this node outvoted here.
    this.recompute();
    this.host.viewChanged(dead, []);
  }

  /**
   * Count the quorum afresh and rebuild the live view from the peers' states. Returns what the
   * count found ({@link countQuorum}): {@link OUTVOTED} tells the caller to reset.
   */
  private recompute(): QuorumCount {
    const count = this.countQuorum(this.ctx.now('mono'));
    this.rebuildView();
    return count;
  }

  /** The live view (ids, set and key) from the peers' states, as the host reads it next. */
  private rebuildView(): void {
    const ids: string[] = [];
    const parts: string[] = [];
    for (const id of this.all) {
      if (id !== this.ctx.id && !(this.peers.get(id)?.alive ?? false)) continue;
      ids.push(id);
      parts.push(`${id}@${this.genOf(id)}`);
    }
    this.liveIds = ids;
    this.liveSet = new Set(ids);
    this.key = parts.join(',');
    // The host reads the quorum afresh on the view change that follows.
    this.quorumTold = this.hasQuorum;
  }

  /**
   * Count the quorum at `now`: self and every live peer that counts this node in and echoed a
   * heartbeat sent within the failure timeout. It holds until the echo of the peer it needs whose
   * echo ages first (the (majority − 1)-th freshest) passes the failure timeout. A peer held dead
   * while the quorum holds is recorded as dead under a quorum, with one exception: when this count
   * regains the quorum while a peer counted towards it still counts alive, at the same generation,
   * a peer this node declared dead without a quorum, this node is {@link OUTVOTED} and records
   * nothing. It was the one cut off: the majority went on with that peer, which, recorded dead
   * under the quorum, would be told `dead-to-me` and reset, dropping grants only it and its copy
   * holder may know of; and the directory records, adoptions and orphaned names this node settled
   * without the peer disagree with the majority's. So its caller resets this node: it rejoins empty,
   * taken in like a restart, and the majority recovers from the copies whatever it mastered.
   */
  private countQuorum(now: number): QuorumCount {
    const had = this.quorum && now <= this.quorumUntilUs;
    const timeoutUs = this.tuning.failureTimeoutUs;
    const deadlines = this.deadlinesUs;
    let n = 0;
    for (const p of this.peers.values()) {
      if (!p.alive || !p.confirmed) continue;
      const deadline = p.echoedSentUs + timeoutUs;
      if (deadline < now) continue;
      // Insertion into descending order: at most one slot per configured peer.
      let i = n++;
      while (i > 0 && deadlines[i - 1]! < deadline) {
        deadlines[i] = deadlines[i - 1]!;
        i--;
      }
      deadlines[i] = deadline;
    }
    const peersNeeded = Math.floor(this.all.length / 2);
    this.quorum = n >= peersNeeded;
    if (this.quorum) this.quorumlessSinceDeath = false;
    this.quorumUntilUs = !this.quorum ? 0 : peersNeeded === 0 ? Number.POSITIVE_INFINITY : deadlines[peersNeeded - 1]!;
    if (!this.quorum) return COUNTED;
    // Regained after its echoes aged past the failure timeout between two counts: the host, never
    // told it went, may have read it gone and put off what needs one (a purge's end, a hold); tell it.
    if (!had) {
      this.quorumTold = false;
      for (const [id, p] of this.peers) if (!p.alive && !p.deadUnderQuorum && this.countedAliveByQuorum(id, p.gen, now)) return OUTVOTED;
    }
    for (const [id, p] of this.peers) {
      if (p.alive || p.deadUnderQuorum) continue;
      p.deadUnderQuorum = true;
      this.deadUnderQuorumVerdicts.set(id, p.gen);
    }
    return COUNTED;
  }

  /**
   * Whether a peer that counts towards the quorum at `now` (live, counting this node in, echoing
   * it within the failure timeout) counted `id` at generation `gen` alive in its last heartbeat,
   * sent once its detector had judged every peer. A node starts (or resets) assuming every peer
   * alive and keeps that assumption for one failure timeout: a view sent earlier is no verdict.
   * A restarted peer's first views count every manager alive at generation 0, and a sole
   * survivor taking it in must not read them as a majority that went on with a peer it buried.
   */
  private countedAliveByQuorum(id: string, gen: number, now: number): boolean {
    const member = `,${id}@${gen},`;
    for (const p of this.peers.values()) {
      if (!p.alive || !p.confirmed || p.echoedSentUs + this.tuning.failureTimeoutUs < now) continue;
      if (!this.judgedAll(p)) continue;
      if (`,${p.lastView},`.includes(member)) return true;
    }
    return false;
  }

  /**
   * Whether the view of the peer's latest heartbeat was sent after its detector had run for a
   * whole failure timeout at its generation. Beat k of a generation leaves k − 1 heartbeat
   * intervals after its start, the detector running just before it; the beat count lags the
   * peer's clock when it pauses, which only makes this answer no for longer.
   */
  private judgedAll(p: PeerState): boolean {
    const rounds = p.viewBeat - p.gen * BEATS_PER_GENERATION - 1;
    return rounds * this.tuning.heartbeatUs > this.tuning.failureTimeoutUs;
  }
}
