/**
 * The copy-holder role: the "process copy" of each lock (dlm-semantics §8.2 step 4), kept on a
 * node other than the lock's master so that a master's crash loses nothing a client was told.
 *
 * The copy holder of a lock is its client's home, unless the home is also the resource's master;
 * then it is the master's successor in the live view (its buddy). Every operation passes through
 * the copy holder on its way to the master (recorded as pending before the master acts on it), and
 * every outcome on its way back (recorded before the client learns it). So:
 * - whatever a client was told is on a live copy holder if its master dies;
 * - whatever a dead master did that no copy holder heard of (an outcome lost in flight) shows up as
 *   an operation still pending in the copies, which the new master replays (./master.ts).
 *
 * When a master dies, the copy holders that hold copies of its resources report them as orphans in
 * their directory synchronisation and look the resources up again; the first to ask becomes the new
 * master and gathers every live node's copies (`gather-req` / `gather-res`). Each copy holder also
 * remembers the highest fencing token it has seen on each resource, for good (in the node's durable
 * storage), so a new master can start above every token a client may hold.
 *
 * A copy also carries what recovery needs beyond the lock itself: whether the resource's value
 * block was invalid when the copy last heard of it (so an invalid block stays invalid through a
 * rebuild), and, once the session is purged, a `lost` mark: the copy is kept until the master
 * confirms it ended the lock, because if the master died first, only the copy can tell its
 * successor to end whatever the dead master granted that session.
 */
import { truncate } from './lists.js';
import type { ModeName } from '../../vocabulary/index.js';
import { LockFlag, StatusFlag } from '../core/index.js';
import type { CopyHolderPort, ManagerEnv } from './env.js';
import { clientsWithSessionsOver, isNewerSession, latestSessions, lockKey } from './session.js';
import { TOKEN_RECOVERY_GAP } from './tuning.js';
import { RelMessage } from './links.js';
import type {
  BastRelayMsg,
  BastWire,
  CopyInstalledMsg,
  CopyWire,
  HeldWire,
  GatherResultMsg,
  HomeOutcomeMsg,
  InstallWire,
  MasterRequestMsg,
  OpWire,
  OutWire,
} from './wire.js';

/** The copy of one lock. */
class CopyRecord {
  lockId = 0;
  version = 0;
  grantedMode: ModeName | null = null;
  grantFlags = 0;
  token: number | null = null;
  value: string | null = null;
  lvbSeq = 0;
  pending: OpWire[] = [];
  /** The session was purged; kept until the master confirms it ended the lock. */
  lost = false;
  lvbInvalid = false;

  constructor(
    readonly client: string,
    public sess: string,
    public home: string,
    readonly resource: string,
    readonly root: string,
    readonly path: readonly string[],
    readonly parent: string | null,
    public priority: number,
  ) {}

  wire(): CopyWire {
    return {
      client: this.client,
      sess: this.sess,
      home: this.home,
      resource: this.resource,
      root: this.root,
      path: this.path,
      parent: this.parent,
      lockId: this.lockId,
      version: this.version,
      grantedMode: this.grantedMode,
      grantFlags: this.grantFlags,
      token: this.token,
      value: this.value,
      lvbSeq: this.lvbSeq,
      priority: this.priority,
      pending: this.pending.slice(),
      lost: this.lost,
      lvbInvalid: this.lvbInvalid,
    };
  }
}

const VALBLK = LockFlag.VALBLK;
const VALNOTVALID = StatusFlag.VALNOTVALID;

/** Most operations one copy may have pending (a client has at most a request and a cancel in flight). */
export const MAX_PENDING_PER_COPY = 64;

export class CopyHolderRole implements CopyHolderPort {
  /**
   * root → (client \u0001 resource) → copy. A root's map stays when its last copy goes (the next
   * lock on the root needs one again; there are no more of them than roots).
   */
  private readonly byRoot = new Map<string, Map<string, CopyRecord>>();
  /** Operations waiting for `root`'s master to be known. */
  private readonly waiting = new Map<string, OpWire[]>();

  constructor(private readonly env: ManagerEnv) {}

  /** An operation from a home (possibly this node): record it, then pass it to the master. */
  onCopyHolderRequest(op: OpWire, masterHint: string | null): void {
    if (masterHint !== null && this.env.masterOf(op.root) === undefined && this.env.members.isAlive(masterHint)) {
      this.env.setMaster(op.root, masterHint);
    }
    const rec = this.record(op);
    if (!(isNewerSession(op.sess, rec.sess) && standsForLock(rec))) {
      rec.sess = op.sess;
      rec.home = op.home;
      rec.priority = op.priority;
    }
    rec.pending.push(op);
    if (rec.pending.length > MAX_PENDING_PER_COPY) throw new RangeError(`copy ${op.client}/${op.resource}: more than ${MAX_PENDING_PER_COPY} operations pending`);
    this.route(op);
  }

  private route(op: OpWire): void {
    const master = this.env.masterOf(op.root);
    if (master === undefined) {
      let list = this.waiting.get(op.root);
      if (list === undefined) {
        list = [];
        this.waiting.set(op.root, list);
      }
      list.push(op);
      this.env.lookup(op.root);
      return;
    }
    const msg: MasterRequestMsg = new RelMessage('mreq', op);
    this.env.post(master, msg);
  }

  /** `root`'s master became known: send what waited for it. */
  onMasterKnown(root: string): void {
    const list = this.waiting.get(root);
    if (list === undefined) return;
    this.waiting.delete(root);
    for (const op of list) this.route(op);
  }

  /** The master says it does not master `root`: look it up again and re-send what is pending. */
  onNotMaster(root: string): void {
    const recs = this.byRoot.get(root);
    if (recs === undefined) return;
    const resend: OpWire[] = [];
    for (const rec of recs.values()) for (const op of rec.pending) resend.push(op);
    for (const op of resend) this.route(op);
  }

  /** An outcome from a master: record it, then pass it to the home. */
  onMasterOutcome(out: OutWire, home: string): void {
    let recs = this.byRoot.get(out.root);
    const key = out.key;
    let rec = recs?.get(key);
    if (out.token !== null) this.seeToken(out.resource, out.token);
    if (rec === undefined && out.lockId !== 0) {
      // A lock this node has no copy of yet: its request reached the master by another holder
      // (the one before a view change, or the master itself while it had no buddy) and the
      // master's rebuild replayed it. The outcome is recorded here all the same, before the client
      // learns it, or a grant would live on its master alone.
      if (recs === undefined) {
        recs = new Map();
        this.byRoot.set(out.root, recs);
      }
      rec = new CopyRecord(out.client, out.sess, home, out.resource, out.root, out.path, out.parent, out.priority);
      recs.set(key, rec);
    }
    if (rec !== undefined && isNewerSession(out.sess, rec.sess)) renew(rec, out.sess, home, out.priority);
    if (rec !== undefined && rec.sess === out.sess && out.version >= rec.version) {
      rec.version = out.version;
      rec.lockId = out.lockId;
      rec.grantedMode = out.mode;
      rec.grantFlags = out.grantFlags;
      rec.token = out.token;
      if (out.value !== null) {
        rec.value = out.value;
        rec.lvbSeq = out.lvbSeq;
      }
      if (out.status === 'GRANTED' && (out.grantFlags & VALBLK) !== 0) rec.lvbInvalid = (out.flags & VALNOTVALID) !== 0;
      removePending(rec, out.reqId);
      if (out.also !== 0) removePending(rec, out.also);
      if (rec.lockId === 0 && rec.pending.length === 0) recs!.delete(key);
    }
    if (home === this.env.id) this.env.home.onHomeOutcome(out);
    else {
      const msg: HomeOutcomeMsg = new RelMessage('hout', out);
      this.env.post(home, msg);
    }
  }

  /** A blocking notification from a master: pass it to the home. */
  onMasterBast(b: BastWire): void {
    if (b.home === this.env.id) {
      this.env.home.onHomeBast(b);
      return;
    }
    const msg: BastRelayMsg = new RelMessage('hbast', b);
    this.env.post(b.home, msg);
  }

  /**
   * A new master of `root` gathers the copies, the fencing marks, the clients known here to have had
   * a session end, and the newest session heard of each. The requests this node's home holds for
   * the root while it looks up its master are routed first, so that they are copies here, pending,
   * when the reply is made: such a request may be one the client sent before its home moved, which
   * the lost master granted with only its lost copy holder to hear of it, and the rebuild ends that
   * grant (`release` superseded) only for requests it finds pending in the copies. Routed after the
   * reply, the request would reach the rebuilt master as a new one, beside the grant nobody ended.
   */
  onGatherRequest(from: string, root: string, round: number): void {
    this.env.setMaster(root, from);
    this.env.home.onMasterKnown(root);
    const recs = this.byRoot.get(root);
    const records: CopyWire[] = [];
    const tokens: [string, number][] = [];
    if (recs !== undefined) for (const rec of recs.values()) records.push(rec.wire());
    const prefix = `${root}/`;
    const marks = this.env.tokenWatermarks;
    for (const [resource, token] of marks) {
      if (resource === root || resource.startsWith(prefix)) tokens.push([resource, token]);
    }
    const heard = [...this.heardSessions()];
    const sessionsOver = clientsWithSessionsOver(this.env.lostSessions, heard);
    const msg: GatherResultMsg = new RelMessage('gather-res', { root, round, records, tokens, sessionsOver, latestSessions: latestSessions(heard) });
    this.env.post(from, msg);
    // The new master will start a gap above the highest mark it gathers. Should it die with
    // tokens nobody recorded (its grants cut off from their copy holders), the next one must
    // start above those too: every mark reported here is raised by the gap for good.
    if (!marks.has(root)) marks.set(root, TOKEN_RECOVERY_GAP);
    for (const [resource, token] of tokens) marks.set(resource, token + TOKEN_RECOVERY_GAP);
    this.onMasterKnown(root);
  }

  /** Every session this node has heard of: adopted somewhere, or named by a copy held here or by a request pending on one. */
  private *heardSessions(): Generator<string> {
    yield* this.env.sessionHomes.keys();
    for (const recs of this.byRoot.values()) {
      for (const rec of recs.values()) {
        yield rec.sess;
        for (const op of rec.pending) if (isNewerSession(op.sess, rec.sess)) yield op.sess;
      }
    }
  }

  /**
   * Master `from` hands this node copies (a client moved home, or this node became its buddy). The
   * holder a copy leaves kept its own until now (see {@link InstallWire}): the master is told it may
   * let go.
   */
  onCopyInstall(from: string, records: readonly InstallWire[]): void {
    for (const w of records) {
      if (w.formerHolder !== undefined) this.confirmInstall(from, w, w.formerHolder);
      let recs = this.byRoot.get(w.root);
      if (recs === undefined) {
        recs = new Map();
        this.byRoot.set(w.root, recs);
      }
      const key = lockKey(w.client, w.resource);
      let rec = recs.get(key);
      if (rec === undefined) {
        rec = new CopyRecord(w.client, w.sess, w.home, w.resource, w.root, w.path, w.parent, w.priority);
        recs.set(key, rec);
      } else if (rec.version > w.version) {
        continue;
      }
      rec.sess = w.sess;
      rec.home = w.home;
      rec.lockId = w.lockId;
      rec.version = w.version;
      rec.grantedMode = w.grantedMode;
      rec.grantFlags = w.grantFlags;
      rec.token = w.token;
      rec.value = w.value;
      rec.lvbSeq = w.lvbSeq;
      rec.lost = w.lost;
      rec.lvbInvalid = w.lvbInvalid;
      // What the master still has pending stays pending here: recorded, not routed (the master has it).
      for (const op of w.pending) if (!rec.pending.some((p) => p.reqId === op.reqId)) insertPending(rec, op);
      if (w.token !== null) this.seeToken(w.resource, w.token);
      if (rec.lockId === 0 && rec.pending.length === 0 && rec.grantedMode === null) recs.delete(key);
    }
  }

  /**
   * `master` is no longer served by this node as its buddy: drop the copies whose home is that
   * master on `roots`, the roots whose grants its records know. A copy of another root stays: the
   * master may not know that root's grants yet (it still gathers its copies, or has not heard it
   * is its master), and the copy may be all that is left of a lock; such as one that named another
   * home until an adoption by the master re-homed it here (3m-short-lease-lock-delay seed 19780).
   * The root's rebuild lets it go once the records know the lock (a stray copy).
   */
  onCopiesDrop(master: string, roots: readonly string[]): void {
    for (const root of roots) {
      const recs = this.byRoot.get(root);
      if (recs === undefined || this.env.masterOf(root) !== master) continue;
      for (const [key, rec] of [...recs]) if (rec.home === master) recs.delete(key);
    }
  }

  /**
   * A session moved to `home`: the copies stay (they may be all that is left of a lock whose
   * master died) but now name the new home; the master moves them where they belong. Returns the
   * granted copies of the session on roots whose grants this node's master role does not report
   * itself, which the adoption counts as held, and the resources of every copy of the session
   * here. That includes a root this node has just become master of and is still gathering copies
   * for: its records are empty until the rebuild, so the copies here are what knows the grants.
   */
  onAdopt(client: string, sess: string, home: string): { held: HeldWire[]; known: string[] } {
    const held: HeldWire[] = [];
    const known: string[] = [];
    for (const [root, recs] of this.byRoot) {
      const mastered = this.env.master.knowsGrantsOf(root);
      for (const rec of recs.values()) {
        if (rec.client !== client || rec.sess !== sess) continue;
        rec.home = home;
        if (!mastered && rec.grantedMode !== null) held.push({ resource: rec.resource, mode: rec.grantedMode });
        known.push(rec.resource);
      }
    }
    return { held, known };
  }

  /** The resources of every copy of `client`'s session `sess` here; nothing moves (an adoption a later one superseded). */
  knownOf(client: string, sess: string): string[] {
    const known: string[] = [];
    for (const recs of this.byRoot.values()) {
      for (const rec of recs.values()) if (rec.client === client && rec.sess === sess) known.push(rec.resource);
    }
    return known;
  }

  /** The master marked `resource`'s value block invalid: remember it on every copy of it. */
  onValueBlockInvalid(root: string, resource: string): void {
    const recs = this.byRoot.get(root);
    if (recs === undefined) return;
    for (const rec of recs.values()) if (rec.resource === resource) rec.lvbInvalid = true;
  }

  /** Tell `master` that the copy `w`, which left `formerHolder`, is here now. */
  private confirmInstall(master: string, w: CopyWire, formerHolder: string): void {
    const msg: CopyInstalledMsg = new RelMessage('ch-installed', { client: w.client, root: w.root, resource: w.resource, version: w.version, formerHolder });
    this.env.post(master, msg);
  }

  /**
   * A copy moved to another holder, or the master ended its lock: drop ours unless it is newer.
   * What a later session of the client has pending on it stays, as that session's copy: the
   * master has those requests, and they are all a rebuild would learn of them from.
   */
  onCopyRelease(client: string, root: string, resource: string, version: number): void {
    const recs = this.byRoot.get(root);
    const key = lockKey(client, resource);
    const rec = recs?.get(key);
    if (recs === undefined || rec === undefined || rec.version > version) return;
    const lost = this.env.lostSessions;
    const later = rec.pending.filter((op) => isNewerSession(op.sess, rec.sess) && !lost.has(op.sess));
    if (later.length === 0) {
      recs.delete(key);
      return;
    }
    const latest = later[later.length - 1]!;
    renew(rec, latest.sess, latest.home, latest.priority);
  }

  /**
   * A session ended. Its copies are kept, marked lost, until the master confirms it ended each
   * lock (`ch-release`): if the master died first, whatever it granted the session may still be
   * standing in its trace, and only a copy tells the next master to end it.
   */
  onPurge(client: string, sess: string): void {
    for (const recs of this.byRoot.values()) {
      for (const rec of recs.values()) {
        if (rec.client !== client || rec.sess !== sess) continue;
        // Pending operations stay: a new master ends what they may have started (never replays them).
        rec.lost = true;
      }
    }
  }

  /**
   * The view changed. Returns the roots whose master died and of which this node holds copies
   * (orphans, reported in the directory synchronisation); their masters are forgotten and looked
   * up again once the directory has settled.
   */
  orphanedRoots(): string[] {
    const out: string[] = [];
    for (const [root, recs] of this.byRoot) {
      if (recs.size === 0) continue;
      if (this.env.masterOf(root) === undefined) out.push(root);
    }
    return out;
  }

  /** Look up every orphaned root (after the directory synchronisation was sent). */
  lookUpOrphans(roots: readonly string[]): void {
    for (const root of roots) this.env.lookup(root);
  }

  private record(op: OpWire): CopyRecord {
    let recs = this.byRoot.get(op.root);
    if (recs === undefined) {
      recs = new Map();
      this.byRoot.set(op.root, recs);
    }
    const key = op.key;
    let rec = recs.get(key);
    if (rec === undefined) {
      rec = new CopyRecord(op.client, op.sess, op.home, op.resource, op.root, op.path, op.parent, op.priority);
      recs.set(key, rec);
    }
    return rec;
  }

  private seeToken(resource: string, token: number): void {
    const marks = this.env.tokenWatermarks;
    const seen = marks.get(resource);
    if (seen === undefined || token > seen) marks.set(resource, token);
  }

  /** The copy of (client, resource), for tests: granted mode and pending request ids. */
  copyOf(client: string, resource: string, root = resource): { grantedMode: ModeName | null; pending: number[]; token: number | null } | undefined {
    const rec = this.byRoot.get(root)?.get(lockKey(client, resource));
    return rec === undefined ? undefined : { grantedMode: rec.grantedMode, pending: rec.pending.map((o) => o.reqId), token: rec.token };
  }

  /** Number of copies held (tests). */
  get size(): number {
    let n = 0;
    for (const recs of this.byRoot.values()) n += recs.size;
    return n;
  }
}

/**
 * Whether a copy still stands for a lock of its session: granted, or known to the master, or kept
 * because the session was purged and the master has not confirmed the lock's end. A request of a
 * later session of the client does not make it that session's copy: the master ends the earlier
 * lock before it acts on the request, and should the master die first, the copy is what tells
 * the next one to end it. The request rides on it, pending, until the master's answer to it or
 * the end of the earlier lock ({@link renew}).
 */
function standsForLock(rec: CopyRecord): boolean {
  return rec.lockId !== 0 || rec.grantedMode !== null || rec.lost;
}

/**
 * The copy is `sess`'s now, a later session of its client, with nothing of the earlier lock: the
 * master has ended that lock (it answered the later session, or released the copy).
 */
function renew(rec: CopyRecord, sess: string, home: string, priority: number): void {
  rec.sess = sess;
  rec.home = home;
  rec.priority = priority;
  rec.lockId = 0;
  rec.version = 0;
  rec.grantedMode = null;
  rec.grantFlags = 0;
  rec.token = null;
  rec.value = null;
  rec.lvbSeq = 0;
  rec.lost = false;
  rec.pending = rec.pending.filter((op) => op.sess === sess);
}

/** Add `op` to the copy's pending list, kept oldest first. */
function insertPending(rec: CopyRecord, op: OpWire): void {
  const p = rec.pending;
  let i = p.length;
  while (i > 0 && p[i - 1]!.reqId > op.reqId) i--;
  p.splice(i, 0, op);
  if (p.length > MAX_PENDING_PER_COPY) throw new RangeError(`copy ${op.client}/${op.resource}: more than ${MAX_PENDING_PER_COPY} operations pending`);
}

/** Drop every operation of `reqId` from the copy's pending list, in place. */
function removePending(rec: CopyRecord, reqId: number): void {
  const p = rec.pending;
  let kept = 0;
  for (let i = 0; i < p.length; i++) {
    const op = p[i]!;
    if (op.reqId !== reqId) p[kept++] = op;
  }
  truncate(p, kept);
}
