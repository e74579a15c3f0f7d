/**
 * The home role: a client's sessions and leases, Chubby-style (pitfalls S10), and the routing of
 * its requests.
 *
 * Sessions and leases. A client's driver sends a KeepAlive every keepAliveMs; the home extends the
 * session's lease to now + leaseMs *on its own clock* — `expiryClock` says which: the monotonic
 * clock, or the wall clock, which a jump moves (a forward jump of the home's wall clock expires
 * sessions early: the pitfall). A session whose lease runs out is expired: the home broadcasts a
 * purge and every master ends the session's locks (`expire`, value block invalidated where a PW/EX
 * holder dies, lock-delay). The session id is then lost for good.
 *
 * Opening and reclaiming are one mechanism. A KeepAlive naming a session this manager does not hold
 * (a new session, or one whose home died or is unreachable: the client in jeopardy trying another
 * manager) starts an *adoption*: the manager asks every live manager, and every one that joins
 * while the adoption runs, to hand the session over.
 * Each master re-homes the session's locks here and reports those it holds granted; a former home
 * that is still alive lets the session go; a manager that already purged the session (its grace
 * period ran out, or it expired) says so. The adoption succeeds only if nobody purged it and the
 * locks the service holds agree with what the client believes it holds (except on resources where
 * the client still awaits an answer); otherwise the session is lost everywhere. While it runs the
 * client is told to keep trying (`ka-nack pending`). Adoptions of one session are ordered by the
 * KeepAlive that started them, so two managers a client in jeopardy asked in turn never both keep
 * it. A lock the client believes it holds that no live manager knows any more (its master and copy
 * holder died together) is ended (`expire`) by the deciding home, the only node that learns of it,
 * when the adoption succeeds (the client still awaits an answer on it); when the adoption fails,
 * the client may still hold it as far as it can tell, and the root's hold ends it once its lease
 * has surely run out ({@link leftToTheHold}).
 *
 * Without a quorum a home extends no lease and adopts nothing: a home cut off from the majority
 * lets its clients' leases run out on time, which is what lets the majority's new masters wait
 * them out (./master.ts, "holds"). An adoption that was pending while its home had no quorum asks
 * every manager again once the quorum is back, and is decided on those answers only. Sessions it
 * purges are announced again to managers that join later, since they may master locks of them.
 * Only a session's home purges it: a manager ignores a purge from one that a later adoption took
 * the session from, unless it is that adoption's home and has not decided it (./manager.ts).
 *
 * Routing. A request goes to the lock's copy holder (this node, or this node's buddy when this node
 * masters the resource), which records it and passes it on to the master (./copyholder.ts). The
 * home remembers each request until its outcome comes back, and sends it again by the new route
 * when the copy holder it went through dies.
 */
import type { ModeName } from '../../vocabulary/index.js';
import type { TimerId } from '../../sim/types.js';
import type { HomePort, ManagerEnv } from './env.js';
import { RelMessage } from './links.js';
import type {
  AdoptMsg,
  AdoptResultBody,
  BastWire,
  CopyHolderRequestMsg,
  ClientBastMsg,
  ClientOutcomeMsg,
  HeldWire,
  KeepAliveAckMsg,
  KeepAliveMsg,
  KeepAliveNackMsg,
  OpWire,
  OutWire,
  PurgeMsg,
} from './wire.js';

/** A request the home forwarded and has no outcome for yet, and the copy holder it went to. */
interface Unresolved {
  op: OpWire;
  copyHolder: string;
  /** The copy holder's generation when sent: if it restarts, the request is gone with it. */
  copyHolderGen: number;
}

class Session {
  leaseEnd = 0;
  timer: TimerId = 0;
  readonly unresolved = new Map<number, Unresolved>();

  constructor(
    readonly client: string,
    readonly cinc: number,
    readonly sess: string,
  ) {}
}

class Adoption {
  ok = true;
  stale = false;
  readonly held: HeldWire[] = [];
  /** Resources on which some live manager masters or copies a lock or a request of the session. */
  readonly known = new Set<string>();
  /** Resources on which a newer session of the client has a lock or a request (see {@link AdoptResultBody.renewed}). */
  readonly renewed = new Set<string>();
  /**
   * This home was without a quorum at some moment since the answers began to come: they may be
   * seconds old by the time it has one again, and its client may have gone on meanwhile, so they
   * are asked for again before the adoption is decided (see {@link HomeRole.onQuorumChange}).
   */
  quorumLapsed = false;
  /** The generation of each manager this round asked, when it was asked. */
  readonly asked = new Map<string, number>();

  constructor(
    readonly client: string,
    readonly cinc: number,
    readonly sess: string,
    readonly epoch: number,
    /** The managers whose answer this round still waits for. */
    readonly waiting: Set<string>,
    public kseq: number,
    public driverHeld: readonly HeldWire[] | null,
    public unresolved: readonly string[] | null,
  ) {}
}

/** Most requests one client may have unresolved at its home. */
export const MAX_UNRESOLVED_PER_SESSION = 10_000;

export class HomeRole implements HomePort {
  private readonly sessions = new Map<string, Session>();
  private readonly adoptions = new Map<string, Adoption>();
  /** Requests waiting for their root's master to be known. */
  private readonly waiting = new Map<string, OpWire[]>();
  /** Sessions this home purged, re-announced to managers that join later (they may hold locks of them). */
  private readonly purged = new Map<string, { client: string; reason: 'expire' | 'lost' }>();

  constructor(private readonly env: ManagerEnv) {}

  // ------------------------------------------------------------------ sessions

  onKeepAlive(from: string, ka: KeepAliveMsg): void {
    if (ka.client !== from) return;
    const env = this.env;
    if (env.links.peerGen(from) !== ka.cinc) env.links.setPeerGen(from, ka.cinc);
    const s = this.sessions.get(from);
    // Without a quorum this manager may be cut off from the masters: it extends no lease, so its
    // clients' leases lapse on time, and adopts no session.
    if (!env.members.hasQuorum) return;
    if (s !== undefined && s.sess === ka.sess) {
      this.extend(s);
      this.ack(from, ka.sess, ka.kseq);
      return;
    }
    if (env.lostSessions.has(ka.sess)) {
      this.nack(from, ka.sess, ka.kseq, 'lost');
      return;
    }
    const a = this.adoptions.get(ka.sess);
    if (a !== undefined) {
      a.kseq = ka.kseq;
      if (ka.held !== null) {
        a.driverHeld = ka.held;
        a.unresolved = ka.unresolved;
      }
      if (!this.maybeFinish(a)) this.nack(from, ka.sess, ka.kseq, 'pending');
      return;
    }
    this.startAdoption(ka);
  }

  private extend(s: Session): void {
    const env = this.env;
    const leaseUs = env.tuning.leaseUs;
    if (leaseUs <= 0) return;
    const clock = env.tuning.expiryClock;
    s.leaseEnd = env.ctx.now(clock) + leaseUs;
    if (s.timer === 0) s.timer = env.timerAt(s.leaseEnd, clock, () => this.checkExpiry(s));
  }

  private checkExpiry(s: Session): void {
    s.timer = 0;
    if (this.sessions.get(s.client) !== s) return;
    const env = this.env;
    const clock = env.tuning.expiryClock;
    if (env.ctx.now(clock) < s.leaseEnd) {
      s.timer = env.timerAt(s.leaseEnd, clock, () => this.checkExpiry(s));
      return;
    }
    this.sessions.delete(s.client);
    this.broadcastPurge(s.client, s.sess, 'expire');
  }

  private broadcastPurge(client: string, sess: string, reason: 'expire' | 'lost'): void {
    const env = this.env;
    env.lostSessions.add(sess);
    this.purged.set(sess, { client, reason });
    for (const m of env.members.live) {
      const msg: PurgeMsg = new RelMessage('purge', { client, sess, reason });
      env.post(m, msg);
    }
  }

  private ack(client: string, sess: string, kseq: number): void {
    const msg: KeepAliveAckMsg = { type: 'ka-ack', sess, kseq, gen: this.env.members.generation };
    this.env.ctx.send(client, msg);
  }

  private nack(client: string, sess: string, kseq: number, reason: 'lost' | 'pending'): void {
    const msg: KeepAliveNackMsg = { type: 'ka-nack', sess, kseq, gen: this.env.members.generation, reason };
    this.env.ctx.send(client, msg);
  }

  private startAdoption(ka: KeepAliveMsg): void {
    const env = this.env;
    const live = env.members.live;
    const a = new Adoption(ka.client, ka.cinc, ka.sess, ka.kseq, new Set(live), ka.kseq, ka.held, ka.unresolved);
    this.adoptions.set(ka.sess, a);
    this.askAll(a);
    this.nack(ka.client, ka.sess, ka.kseq, 'pending');
  }

  /** Ask every manager in `a.waiting` to hand the session over. */
  private askAll(a: Adoption): void {
    for (const m of a.waiting) this.ask(a, m);
  }

  /** Ask manager `m` to hand the session over. */
  private ask(a: Adoption, m: string): void {
    const env = this.env;
    a.asked.set(m, env.members.genOf(m));
    const msg: AdoptMsg = new RelMessage('adopt', { client: a.client, sess: a.sess, home: env.id, cinc: a.cinc, epoch: a.epoch });
    env.post(m, msg);
  }

  /**
   * A new round of the same adoption (same epoch): the answers gathered before are dropped, and
   * every live manager is asked again. A manager answers a repeated `adopt` as it did the first
   * (its locks of the session are re-homed here already); what changed since is what the new
   * answers are for: a purge that reached it, or a newer session of the client with a request
   * there (`renewed`).
   */
  private askAgain(a: Adoption): void {
    a.quorumLapsed = false;
    a.ok = true;
    a.held.length = 0;
    a.known.clear();
    a.renewed.clear();
    a.waiting.clear();
    a.asked.clear();
    for (const m of this.env.members.live) a.waiting.add(m);
    this.askAll(a);
  }

  onAdoptResult(from: string, msg: AdoptResultBody): void {
    const a = this.adoptions.get(msg.sess);
    if (a === undefined || !a.waiting.delete(from)) return;
    if (!msg.ok) a.ok = false;
    if (msg.stale) a.stale = true;
    for (const h of msg.held) a.held.push(h);
    for (const resource of msg.known) a.known.add(resource);
    for (const resource of msg.renewed) a.renewed.add(resource);
    this.maybeFinish(a);
  }

  /**
   * Decide an adoption once every manager answered and the client said what it believes it holds
   * (a KeepAlive that was not a reclaim — the client still took this node for its home, which
   * lost the session in a restart or reset — carries nothing: the client's next one will, since
   * the `pending` answer makes it reclaim). Without the client's beliefs, a lock whose master and
   * copy holder died together would be adopted as if it did not exist, and the client would go
   * on holding it. Returns whether the adoption is over.
   */
  private maybeFinish(a: Adoption): boolean {
    if (!this.env.members.hasQuorum) {
      a.quorumLapsed = true;
      return false;
    }
    if (a.quorumLapsed) {
      this.askAgain(a);
      return false;
    }
    if (a.waiting.size > 0 || a.driverHeld === null) return false;
    this.adoptions.delete(a.sess);
    const env = this.env;
    // Superseded by a later adoption elsewhere: the client went on to another manager.
    if (a.stale && !env.lostSessions.has(a.sess)) return true;
    if (!a.ok || env.lostSessions.has(a.sess) || !agrees(a)) {
      this.broadcastPurge(a.client, a.sess, 'lost');
      // The session is over, and so is every lock its client still believed it held that a
      // master knows: the master ends it too. Where a newer session of the client has a lock or a
      // request, the client had moved on (this adoption answers a KeepAlive that waited out a
      // pause): the lock there is the newer session's and does not end. A superseded adoption
      // ends no granted lock: a master that heard of the later adoption ignores this home's purge
      // (./manager.ts) and ends the lock on the later home's, which knows what the client believes
      // now; one that did not ends it on this purge itself. The answers may be seconds old.
      const granted = grantedResources(a);
      for (const h of a.driverHeld ?? []) {
        if (a.renewed.has(h.resource)) continue;
        if (granted.has(h.resource) ? !a.stale : !leftToTheHold(env)) env.trace('expire', { client: a.client, resource: h.resource });
      }
      this.endUnknownRequests(a);
      this.nack(a.client, a.sess, a.kseq, 'lost');
      return true;
    }
    const s = new Session(a.client, a.cinc, a.sess);
    this.sessions.set(a.client, s);
    this.extend(s);
    // A lock the client believes it holds (with a request on it still open) that no live manager
    // knows any more went down with its master and copy holder together: it ends here. The client
    // keeps its session and asks about the lock already (an unlock, or a conversion whose answer
    // is the end of the lock); what it wrote under it was written before it asked.
    const known = grantedResources(a);
    for (const h of a.driverHeld) if (!known.has(h.resource)) env.trace('expire', { client: a.client, resource: h.resource });
    this.ack(a.client, a.sess, a.kseq);
    return true;
  }

  /**
   * The session is lost, and its client abandons the requests it still awaits. A master that queued
   * one ends it on the purge (`dequeue`); one that no live manager masters or copies any more went
   * down with its master and copy holder together, and this home, the only node that learns of
   * it, ends it here, so that no queue keeps it ahead of the requests that follow.
   */
  private endUnknownRequests(a: Adoption): void {
    const believed = new Set((a.driverHeld ?? []).map((h) => h.resource));
    for (const resource of a.unresolved ?? []) {
      if (a.known.has(resource) || believed.has(resource) || a.renewed.has(resource)) continue;
      this.env.trace('dequeue', { client: a.client, resource, reason: 'purge' });
    }
  }

  /** Another manager adopted `sess` (a later adoption than any seen here): if it was ours, it moved (no purge). */
  onAdoptNotice(client: string, sess: string, home: string): void {
    if (home === this.env.id) return;
    const a = this.adoptions.get(sess);
    if (a !== undefined) a.stale = true;
    const s = this.sessions.get(client);
    if (s === undefined || s.sess !== sess) return;
    this.dropSession(s);
  }

  /** `sess` was purged somewhere: it is over here too. */
  onPurgeNotice(client: string, sess: string): void {
    const s = this.sessions.get(client);
    if (s !== undefined && s.sess === sess) this.dropSession(s);
    const a = this.adoptions.get(sess);
    if (a !== undefined) a.ok = false;
  }

  private dropSession(s: Session): void {
    this.sessions.delete(s.client);
    if (s.timer !== 0) this.env.cancelTimer(s.timer);
    s.timer = 0;
  }

  // ------------------------------------------------------------------ requests

  onReq(from: string, op: OpWire): void {
    const s = this.sessions.get(from);
    if (s === undefined || s.sess !== op.sess || op.client !== from || op.home !== this.env.id) return;
    const u: Unresolved = { op, copyHolder: '', copyHolderGen: -1 };
    s.unresolved.set(op.reqId, u);
    if (s.unresolved.size > MAX_UNRESOLVED_PER_SESSION) throw new RangeError(`home ${this.env.id}: ${from} has more than ${MAX_UNRESOLVED_PER_SESSION} requests unresolved`);
    this.route(u);
  }

  private route(u: Unresolved): void {
    const env = this.env;
    const op = u.op;
    const master = env.masterOf(op.root);
    if (master === undefined) {
      u.copyHolder = '';
      let list = this.waiting.get(op.root);
      if (list === undefined) {
        list = [];
        this.waiting.set(op.root, list);
      }
      list.push(op);
      env.lookup(op.root);
      return;
    }
    const me = env.id;
    const copyHolder = master === me ? (env.members.successorOf(me) ?? me) : me;
    u.copyHolder = copyHolder;
    u.copyHolderGen = env.members.genOf(copyHolder);
    if (copyHolder === me) {
      env.copyHolder.onCopyHolderRequest(op, master);
      return;
    }
    const msg: CopyHolderRequestMsg = new RelMessage('chop', op, master);
    env.post(copyHolder, msg);
  }

  /** `root`'s master became known: route what waited for it. */
  onMasterKnown(root: string): void {
    const list = this.waiting.get(root);
    if (list === undefined) return;
    this.waiting.delete(root);
    for (const op of list) {
      const s = this.sessions.get(op.client);
      const u = s?.sess === op.sess ? s.unresolved.get(op.reqId) : undefined;
      if (u !== undefined) this.route(u);
    }
  }

  /** An outcome on its way to a client. */
  onHomeOutcome(out: OutWire): void {
    const s = this.sessions.get(out.client);
    if (s === undefined || s.sess !== out.sess) return;
    s.unresolved.delete(out.reqId);
    if (out.also !== 0) s.unresolved.delete(out.also);
    const msg: ClientOutcomeMsg = new RelMessage('out', out);
    if (this.env.tuning.mutations.lostGrantNeverRetried === true && out.status === 'GRANTED') {
      // MUTATION lostGrantNeverRetried: the grant goes to the client once, unreliably (seq 0).
      this.env.ctx.send(out.client, msg);
      return;
    }
    this.env.toClient(out.client, msg);
  }

  onHomeBast(b: BastWire): void {
    const s = this.sessions.get(b.client);
    if (s === undefined || s.sess !== b.sess) return;
    const msg: ClientBastMsg = new RelMessage('bast', b);
    this.env.toClient(b.client, msg);
  }

  /**
   * The quorum came or went in the same view. An adoption decides only with a quorum, and not on
   * answers older than the quorum's absence: once it is back, each pending adoption asks every
   * manager again (rather than waiting for the next KeepAlive or view change, and then deciding on
   * what the managers said before). Meanwhile its client may have been told the session is lost
   * and gone on with a newer session, at this home or another; the old answers know nothing of the
   * newer session's requests, and a failed adoption decided on them would trace those requests'
   * locks ended as the old session's.
   */
  onQuorumChange(): void {
    for (const a of [...this.adoptions.values()]) this.maybeFinish(a);
  }

  /**
   * The view changed: adoptions stop waiting for the dead and ask the joiners; requests whose copy
   * holder died go again; joiners hear of our purges.
   *
   * An adoption asks every manager, and a manager that joins while it is under way is one of them:
   * it may be running an adoption of the same session itself (the client in jeopardy asked it
   * before this node), which only this adoption's `adopt` tells it is superseded, and it may hold
   * the session's locks or copies, which only its answer re-homes here. Unasked, both adoptions
   * would succeed, and the session would have two homes, each routing its requests as its own.
   * A joiner that is a later generation of a manager this round asked already is not asked again:
   * its restart dropped every lock, copy and adoption it had.
   */
  onViewChange(dead: ReadonlySet<string>, joined: readonly string[]): void {
    const members = this.env.members;
    for (const m of joined) {
      for (const [sess, { client, reason }] of this.purged) {
        const msg: PurgeMsg = new RelMessage('purge', { client, sess, reason });
        this.env.post(m, msg);
      }
    }
    for (const a of [...this.adoptions.values()]) {
      for (const m of [...a.waiting]) if (dead.has(m) || !members.isAlive(m)) a.waiting.delete(m);
      for (const m of joined) {
        if (!members.isAlive(m) || a.waiting.has(m)) continue;
        const asked = a.asked.get(m);
        // Restarted since it was asked: it dropped every lock, copy and adoption it had.
        if (asked !== undefined && asked < members.genOf(m)) continue;
        a.waiting.add(m);
        this.ask(a, m);
      }
      this.maybeFinish(a);
    }
    for (const s of this.sessions.values()) {
      for (const u of s.unresolved.values()) {
        if (u.copyHolder === '' || u.copyHolder === this.env.id) continue;
        if (!members.isAlive(u.copyHolder) || members.genOf(u.copyHolder) !== u.copyHolderGen || u.copyHolder !== this.expectedCopyHolder(u.op)) this.route(u);
      }
    }
  }

  private expectedCopyHolder(op: OpWire): string {
    const env = this.env;
    const master = env.masterOf(op.root);
    if (master === undefined) return '';
    return master === env.id ? (env.members.successorOf(env.id) ?? env.id) : env.id;
  }

  awaitsOutcome(client: string, sess: string, reqId: number): boolean {
    const s = this.sessions.get(client);
    return s !== undefined && s.sess === sess && s.unresolved.has(reqId);
  }

  /** The session `client` has here, if any (tests). */
  sessionOf(client: string): string | undefined {
    return this.sessions.get(client)?.sess;
  }
}

/**
 * Whether a lock that its client believes it holds when its session is lost, and that no live
 * manager knows any more (its master and copy holder both lost it), is left for the root's hold
 * to end rather than ended by the home that finds it. The client has not
 * heard yet that its session is lost, so as far as it can tell it still holds the lock, and a
 * write it sent under it may still be on its way: ended at once, that write would land after the
 * end with nobody newer having written, and no fencing token could refuse it. The root's new
 * master, having lost both, holds the root (grants nothing on it) until the lease such a lock was
 * held under has surely run out and its client has had every manager to ask, and the end of the
 * hold ends it (./master-recovery.ts, `endUnknownGrants`: the client's session is over). Without
 * leases there is no hold, and the lock ends with the session.
 */
function leftToTheHold(env: ManagerEnv): boolean {
  return env.tuning.leaseUs > 0;
}

/** The resources on which the service holds the adopted session's locks granted. */
function grantedResources(a: Adoption): Set<string> {
  return new Set(a.held.map((h) => h.resource));
}

/** The service's granted locks agree with the client's beliefs, except where the client awaits an answer. */
function agrees(a: Adoption): boolean {
  const service = new Map<string, ModeName>();
  for (const h of a.held) service.set(h.resource, h.mode);
  const driver = new Map<string, ModeName>();
  for (const h of a.driverHeld ?? []) driver.set(h.resource, h.mode);
  const open = new Set(a.unresolved ?? []);
  for (const [resource, mode] of service) if (driver.get(resource) !== mode && !open.has(resource)) return false;
  for (const [resource, mode] of driver) if (service.get(resource) !== mode && !open.has(resource)) return false;
  return true;
}
