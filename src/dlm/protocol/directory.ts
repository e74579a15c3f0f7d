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
 * - A look-up carries the requester's view and is answered only in that same view; the requester
 *   acts on an answer only while still in it (./manager.ts). A master is therefore always assigned
 *   within one view that all its members agree on, never across a view change.
 * - After the first view change, a name this node has no record of may have been mastered under
 *   an earlier directory node that is gone: it is assigned with `recover: true` too, so its new
 *   master gathers the survivors' copies (if only their fencing tokens).
 *
 * Records are kept even after a resource is destroyed — mastery, and with it the resource's fencing
 * token counter, stays where it is until the master dies — and they live in the node's durable
 * storage, so a crashed and restarted directory node still knows which names need recovery.
 */
import type { ManagerEnv } from './env.js';
import { RelMessage } from './links.js';
import type { DirectorySyncBody, LookupResultMsg } from './wire.js';

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
  /** The master was assigned in place of an earlier generation of itself (see `LookupResultBody.lostByRequester`). */
  lostByRequester?: boolean;
  /** Of an orphaned name: the master (and its generation) the record named when it was reported orphaned. */
  lostMaster?: { id: string; gen: number };
}

/** The master `rec` stands to lose or has lost: the one it names, else the one it named when orphaned. */
function lostMasterOf(rec: DirRecord): { id: string; gen: number } | undefined {
  return rec.master !== '' ? { id: rec.master, gen: rec.gen } : rec.lostMaster;
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
      const retry: LookupResultMsg = new RelMessage('lookup-res', { root, master: '', masterGen: -1, recover: false, lostByRequester: false, view: members.viewKey });
      env.post(from, retry);
      return;
    }
    const rec = this.records.get(root);
    let master: string;
    let recover = false;
    let lostByRequester = false;
    if (rec !== undefined && rec.master !== '' && !rec.orphan && members.isAlive(rec.master) && members.genOf(rec.master) === rec.gen) {
      master = rec.master;
      recover = master === from && rec.recover === true;
      lostByRequester = recover && rec.lostByRequester === true;
    } else {
      master = from;
      recover = rec !== undefined || !this.pristine;
      lostByRequester = rec !== undefined && this.lostBy(rec, from, members.genOf(from));
      this.records.set(root, { master: from, gen: members.genOf(from), orphan: false, recover, lostByRequester });
    }
    const msg: LookupResultMsg = new RelMessage('lookup-res', { root, master, masterGen: members.genOf(master), recover, lostByRequester, view });
    env.post(from, msg);
  }

  /** `rec` names an earlier generation of `from` (now at `gen`) as the master it lost. */
  private lostBy(rec: DirRecord, from: string, gen: number): boolean {
    const lost = lostMasterOf(rec);
    return lost !== undefined && lost.id === from && lost.gen !== gen;
  }

  onDirSync(from: string, msg: DirectorySyncBody): void {
    const members = this.env.members;
    this.synced.set(from, msg.view);
    const gen = members.genOf(from);
    for (const root of msg.claims) this.records.set(root, { master: from, gen, orphan: false, recover: false });
    for (const root of msg.orphans) {
      const rec = this.records.get(root);
      if (rec !== undefined && rec.master !== '' && members.isAlive(rec.master) && members.genOf(rec.master) === rec.gen && !rec.orphan) continue;
      const lostMaster = rec === undefined ? undefined : lostMasterOf(rec);
      this.records.set(root, lostMaster === undefined ? { master: '', gen: -1, orphan: true } : { master: '', gen: -1, orphan: true, lostMaster });
    }
    this.drain();
  }

  /** The view changed: look-ups may now be answerable (or must wait longer). */
  onViewChange(): void {
    this.pristine = false;
    this.drain();
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
