/**
 * The directory role (dlm-semantics §8.1): for the names that hash to this node, who masters them.
 *
 * - A look-up of an unknown name makes the requester the master ("the first requester masters",
 *   Linux `dlm_master_lookup`) and records it.
 * - A record whose master has died (or is a dead generation), or a name that a survivor reported as
 *   orphaned, is re-assigned to the first requester with `recover: true`: the new master rebuilds
 *   the resource from the survivors' copies (./master.ts).
 * - After every view change the directory may own names it did not own before, whose records are
 *   elsewhere or lost. Every manager therefore sends every live member a `dir-sync` for its new
 *   view, carrying the names it masters and the orphaned names it holds copies of, whose directory
 *   node the receiver now is. A directory node answers look-ups only once it holds a `dir-sync`
 *   for its own current view from every live member (itself included): before that, an unknown
 *   name might be one a live master simply has not claimed yet, and assigning it would create a
 *   second master. Look-ups wait meanwhile (locking in the lock space stops during recovery, as in
 *   Linux), and without a quorum none is answered at all.
 * - A `dir-sync` counts for the view it names, also when it arrives before this node enters that
 *   view, but never across a death verdict on its sender: the verdict orphans the sender's names
 *   here and hands their records over, so what its earlier `dir-sync` claimed is gone. A peer
 *   declared dead without a quorum may be taken back at the same generation, into a view of the
 *   very same name, while its own view never changed (it never held this node dead): it sends no
 *   new `dir-sync` of its own accord, and its old one, sent before the verdict, would make this
 *   node answer look-ups for names that peer still masters as if they had none. So a verdict voids
 *   the peer's `dir-sync`; this node's `dir-sync` to the peer taken back asks for a fresh one with a
 *   number, and only one that answers that number counts (./manager.ts answers an ask).
 * - A look-up carries the requester's view and is answered only in that same view; the requester
 *   acts on an answer only while still in it (./manager.ts). A master is therefore always assigned
 *   within one view that all its members agree on, never across a view change.
 * - After the first view change, a name this node has no record of may have been mastered under
 *   an earlier directory node that is gone: it is assigned with `recover: true` too, so its new
 *   master gathers the survivors' copies (if only their fencing tokens).
 * - A record keeps every master its name lost until a rebuild of it has finished: a master
 *   assigned the name and lost in turn before finishing joins the ones before it, since the
 *   copies of their locks may have gone with it. A look-up that assigns a master with `recover`
 *   tells it all of them, and its rebuild counts each as a loss (./master-recovery.ts). A rebuild
 *   has finished when its master claims the name in a `dir-sync` without marking it as still
 *   rebuilding, or names it in a heartbeat. When a view change moves a name to another directory
 *   node, the record of the masters it lost goes with it in the `dir-sync`; and a copy holder that
 *   reports a name orphaned names the master it last knew, in case the node that had the record
 *   is gone.
 *
 * Records are kept even after a resource is destroyed — mastery, and with it the resource's fencing
 * token counter, stays where it is until the master dies — and they live in the node's durable
 * storage, so a crashed and restarted directory node still knows which names need recovery. A
 * record of lost masters leaves with its name when the name moves to another directory node.
 */
import type { ManagerEnv } from './env.js';
import { RelMessage } from './links.js';
import type { Member } from './membership.js';
import type { DirectorySyncBody, LookupResultMsg, LostMasterWire, LostNameWire } from './wire.js';

interface DirRecord {
  /** The master, or '' when only known to need recovery. */
  master: string;
  gen: number;
  /** Reported orphaned: the next master must recover it. */
  orphan: boolean;
  /**
   * The master was assigned with `recover` and has not yet claimed the name in a `dir-sync`: an
   * answer it could not use (it arrived in another view) must not turn into a plain mastery when
   * it asks again, or it would master the name without gathering the copies.
   */
  recover?: boolean;
  /**
   * The masters the name lost before `master` whose rebuild has not finished, oldest first: a
   * rebuild after them counts every one, since the copies of each lost master's locks may have
   * gone with a later loss before anybody gathered them.
   */
  lost?: LostMasterWire[];
}

/** Most lost masters a record keeps (the oldest go first); more than a few is already a loss of several. */
const MAX_LOST_MASTERS = 16;

/** `lost` with `master` added at the end, unless already there. */
function withLost(lost: readonly LostMasterWire[], master: LostMasterWire): LostMasterWire[] {
  const out = lost.filter((m) => m.id !== master.id || m.gen !== master.gen);
  out.push({ id: master.id, gen: master.gen });
  while (out.length > MAX_LOST_MASTERS) out.shift();
  return out;
}

/** A record with `lost` set only when there is something in it. */
function record(master: string, gen: number, orphan: boolean, recover: boolean, lost: readonly LostMasterWire[]): DirRecord {
  const rec: DirRecord = { master, gen, orphan, recover };
  if (lost.length > 0) rec.lost = [...lost];
  return rec;
}

/** Most look-ups that may wait for a view to settle; more is a runaway producer. */
export const MAX_PENDING_LOOKUPS = 100_000;

export class DirectoryRole {
  /**
   * Kept in the node's durable storage: a record outlives a crash or reset of its directory node,
   * so a name whose master died is still known to need recovery. A record is never trusted blindly:
   * one naming a dead master (or a dead generation) means "recover", and live masters re-claim
   * their names at every view change.
   */
  private readonly records: Map<string, DirRecord>;
  private readonly synced = new Map<string, string>();
  /**
   * The members whose `dir-sync` a death verdict voided: the generation held dead, and the ask a
   * `dir-sync` from that generation must answer to count again.
   */
  private readonly voided = new Map<string, { gen: number; ask: number }>();
  /** The last ask number this node gave out. */
  private asks = 0;
  /** Per peer, the latest ask it sent this node, and at which of its generations. */
  private readonly asked = new Map<string, { gen: number; ask: number }>();
  private pending: { from: string; root: string; view: string }[] = [];
  /**
   * This node has directed its names since the cluster started, in the view everybody started
   * with. After any view change a name unknown here may have been mastered before, by a node
   * whose record went with a directory node now gone: its new master must gather, if only to learn
   * the survivors' fencing tokens.
   */
  private pristine = false;

  constructor(
    private readonly env: ManagerEnv,
    durable: Map<string, unknown>,
  ) {
    this.records = durable as Map<string, DirRecord>;
  }

  /** At a fresh start every member is assumed to share the initial view: nothing to wait for. */
  assumeSynced(view: string, members: readonly string[]): void {
    for (const m of members) this.synced.set(m, view);
    this.pristine = true;
  }

  onLookup(from: string, root: string, view: string): void {
    if (!this.isSynced()) {
      this.pending.push({ from, root, view });
      if (this.pending.length > MAX_PENDING_LOOKUPS) throw new RangeError(`directory ${this.env.id}: more than ${MAX_PENDING_LOOKUPS} look-ups waiting`);
      return;
    }
    this.answer(from, root, view);
  }

  private answer(from: string, root: string, view: string): void {
    const env = this.env;
    const members = env.members;
    if (!members.isAlive(from)) return;
    if (view !== members.viewKey) {
      const retry: LookupResultMsg = new RelMessage('lookup-res', { root, master: '', masterGen: -1, recover: false, lost: [], view: members.viewKey });
      env.post(from, retry);
      return;
    }
    const rec = this.records.get(root);
    let master: string;
    let recover = false;
    let lost: readonly LostMasterWire[] = [];
    if (rec !== undefined && this.masterLives(rec)) {
      master = rec.master;
      recover = master === from && rec.recover === true;
      if (recover) lost = rec.lost ?? [];
    } else {
      master = from;
      recover = rec !== undefined || !this.pristine;
      if (rec !== undefined) lost = this.lostMasters(rec);
      this.records.set(root, record(from, members.genOf(from), false, recover, lost));
    }
    const msg: LookupResultMsg = new RelMessage('lookup-res', { root, master, masterGen: members.genOf(master), recover, lost, view });
    env.post(from, msg);
  }

  /** `rec` names a live master at the generation it was assigned. */
  private masterLives(rec: DirRecord): boolean {
    const members = this.env.members;
    return rec.master !== '' && !rec.orphan && members.isAlive(rec.master) && members.genOf(rec.master) === rec.gen;
  }

  /** Every master `rec`'s name lost whose rebuild has not finished: the earlier ones, then its own master unless that lives. */
  private lostMasters(rec: DirRecord): LostMasterWire[] {
    const lost = rec.lost ?? [];
    if (rec.master === '' || this.masterLives(rec)) return [...lost];
    return withLost(lost, { id: rec.master, gen: rec.gen });
  }

  onDirSync(from: string, msg: DirectorySyncBody): void {
    const members = this.env.members;
    const gen = members.genOf(from);
    if (msg.ask > 0) this.asked.set(from, { gen, ask: msg.ask });
    if (msg.answers >= this.askOf(from)) {
      this.voided.delete(from);
      this.synced.set(from, msg.view);
    }
    const rebuilding = new Set(msg.rebuilding);
    for (const root of msg.claims) {
      // A master still rebuilding keeps the losses its rebuild must count; one that has rebuilt clears them.
      const rec = this.records.get(root);
      const lost = rec !== undefined && rebuilding.has(root) ? this.lostMasters(rec).filter((m) => m.id !== from || m.gen !== gen) : [];
      this.records.set(root, record(from, gen, false, false, lost));
    }
    for (const root of msg.orphans) {
      const rec = this.records.get(root);
      if (rec !== undefined && this.masterLives(rec)) continue;
      this.records.set(root, record('', -1, true, false, rec === undefined ? [] : this.lostMasters(rec)));
    }
    for (const name of msg.lost) this.takeOver(name);
    this.drain();
  }

  /** `from` finished rebuilding `roots`: the masters they lost before it are no longer losses of a rebuild to come. */
  onRebuilt(from: string, roots: readonly string[]): void {
    const gen = this.env.members.genOf(from);
    for (const root of roots) {
      const rec = this.records.get(root);
      if (rec !== undefined && rec.master === from && rec.gen === gen && !rec.orphan) delete rec.lost;
    }
  }

  /**
   * A name whose directory node this node has become, with the masters it lost as its former
   * directory node recorded them: they join what this node knows, unless the name has a live
   * master that has rebuilt it (a later claim), whose record the handed one predates.
   */
  private takeOver(name: LostNameWire): void {
    const rec = this.records.get(name.root);
    if (rec === undefined) {
      this.records.set(name.root, record('', -1, true, false, name.masters));
      return;
    }
    const live = this.masterLives(rec);
    if (live && rec.recover !== true && rec.lost === undefined) return;
    let lost = rec.lost ?? [];
    for (const master of name.masters) if (!live || master.id !== rec.master || master.gen !== rec.gen) lost = withLost(lost, master);
    rec.lost = lost;
  }

  /**
   * The view moved some names to other directory nodes: the records of those that lost masters go
   * with them (returned by new directory node), and leave this node, which no longer directs them.
   */
  handOver(directoryOf: (root: string) => string): Map<string, LostNameWire[]> {
    const handed = new Map<string, LostNameWire[]>();
    for (const [root, rec] of this.records) {
      const to = directoryOf(root);
      if (to === this.env.id) continue;
      const masters = this.lostMasters(rec);
      if (masters.length === 0) continue;
      let list = handed.get(to);
      if (list === undefined) handed.set(to, (list = []));
      list.push({ root, masters });
      this.records.delete(root);
    }
    return handed;
  }

  /**
   * The view changed: look-ups may now be answerable (or must wait longer). The `dir-sync` of each
   * member in `dead` is void from now on (see the class notes).
   */
  onViewChange(dead: readonly Member[]): void {
    this.pristine = false;
    for (const d of dead) {
      this.synced.delete(d.id);
      this.voided.set(d.id, { gen: d.gen, ask: ++this.asks });
    }
    this.drain();
  }

  /**
   * The ask this node's `dir-sync` to `to` carries: nonzero while a verdict voided the `dir-sync`
   * of `to`'s current generation and no answer has come. A newer generation owes nothing: it
   * started after the verdict, and announces its view itself.
   */
  askOf(to: string): number {
    const v = this.voided.get(to);
    if (v === undefined) return 0;
    if (v.gen === this.env.members.genOf(to)) return v.ask;
    this.voided.delete(to);
    return 0;
  }

  /** The ask of `to`'s current generation that this node's `dir-sync` to it answers (0 if none). */
  answersTo(to: string): number {
    const a = this.asked.get(to);
    return a !== undefined && a.gen === this.env.members.genOf(to) ? a.ask : 0;
  }

  /** The quorum came back in the same view: look-ups that waited for it may be answered. */
  onQuorumChange(): void {
    this.drain();
  }

  private isSynced(): boolean {
    const members = this.env.members;
    if (!members.hasQuorum) return false;
    const view = members.viewKey;
    for (const m of members.live) if (this.synced.get(m) !== view) return false;
    return true;
  }

  private drain(): void {
    if (this.pending.length === 0 || !this.isSynced()) return;
    const waiting = this.pending;
    this.pending = [];
    for (const { from, root, view } of waiting) this.answer(from, root, view);
  }

  /** The master recorded for `root` (tests and diagnostics). */
  recordOf(root: string): string | undefined {
    const rec = this.records.get(root);
    return rec === undefined || rec.master === '' ? undefined : rec.master;
  }
}
