/**
 * The session half that the ZooKeeper recipe's client and etcd's Mutex client share: both hold
 * their locks through one server-side session (a ZooKeeper session, an etcd lease) that the
 * client opens at start, keeps alive every `keepAliveMs`, and learns has ended only when the
 * server says so. Both remember each request they sent with its send time, so that an answer
 * tells them the server heard the session no earlier than that; both trust a lock for a session
 * timeout from the send time of the last answered request (minus `clientMarginMs`); and both
 * react to the end of a session the same way: a held lock's grant ended with it (the server
 * traced its `expire`), and an acquisition in progress is aborted unless the client trusts the
 * end of its wait (`validityCheck: false`, etcd issue 9921).
 *
 * Writing that once keeps the two clients alike where ZooKeeper and etcd are alike, and leaves
 * each driver with its recipe: how it acquires, waits and releases, and which messages open and
 * keep alive its session ({@link SessionDriver.openMessage}, {@link SessionDriver.keepAliveMessage}).
 */
import type { DriverHost, LocalDeadline } from '../contract.js';
import type { Message, TimerId } from '../../sim/types.js';
import { ExclusiveDriver, type ExclusiveLock } from './exclusive-driver.js';
import { MAX_QUEUED_OPS, ProtocolInvariantError, type ClientSettings } from '../shared.js';

/** One session (ZooKeeper) or lease (etcd) of a client, as the client knows it. */
export interface ClientSession {
  readonly id: number;
  alive: boolean;
  /** Send time (client clock) of the last request the server answered in this session. */
  lastAckSentUs: number;
  /** When the client last heard from the server in this session (client clock). */
  lastHeardUs: number;
  /** When the client learned the session ended (client clock). */
  lostAtUs: number;
}

/** What the session half needs of a lock record. */
export interface SessionLock<A extends string> extends ExclusiveLock<A> {
  /** Bumped at every step: replies and timers of older steps are ignored. */
  step: number;
  /** The session the lock's node or key belongs to. */
  session: ClientSession | undefined;
  /**
   * This client traced the lock's `grant` (its recipe decided it holds without the server
   * saying so) and has not yet ended it by its release. False when the server traced the grant:
   * then the server also ends it.
   */
  granted: boolean;
  /** Deletes sent by the current release. */
  deleteTries: number;
}

/** An outstanding request: `open` and `keepalive` are the session's own, `K` the recipe's. */
export interface SessionOp<L, K extends string> {
  readonly kind: K | 'open' | 'keepalive';
  /** The acquisition or release it serves (undefined for session traffic and cleanups). */
  readonly lock: L | undefined;
  readonly step: number;
  readonly sentUs: number;
  readonly session: ClientSession | undefined;
}

/** The settings of a session-holding client. */
export interface SessionSettings extends ClientSettings {
  /** The server (zk) or store (etcd) node. */
  readonly service: string;
  /** Session timeout or lease TTL; 0: no expiry. */
  readonly leaseUs: number;
  /** Keep-alive period; 0: none (only requests keep the session alive). */
  readonly keepAliveUs: number;
  /** The client reports a lock held once its wait ends, without checking its own node or key. */
  readonly trustWait: boolean;
  /** Grants carry the node's or key's creation number as a fencing token. */
  readonly fencing: boolean;
}

/** Keep-alives remembered while unanswered (those lost in a partition never are). */
export const MAX_KEEPALIVES_REMEMBERED = 1000;
/** Deletes one release sends before it reports UNLOCKED anyway (the node or key then ends with its session). */
export const MAX_DELETE_TRIES = 3;

class SessionTimer {
  constructor(
    readonly kind: 'open' | 'keepalive',
    readonly op: number,
  ) {}
}

/**
 * The shared half of the zk and etcd drivers (see the module doc): `L` is the driver's lock
 * record, `S` its settings, `K` the kinds of its recipe's requests.
 */
export abstract class SessionDriver<L extends SessionLock<string>, S extends SessionSettings, K extends string> extends ExclusiveDriver<L, S> {
  protected readonly ops = new Map<number, SessionOp<L, K>>();
  protected session: ClientSession | undefined;
  private opening = false;
  /** Work waiting for a session. */
  private readonly queued: Array<() => void> = [];
  private keepAliveTimer: TimerId | undefined;
  private nextOp = 1;

  /**
   * @param sessionWord what the protocol calls its session ('session', 'lease'), for error messages.
   */
  protected constructor(host: DriverHost, id: string, s: S, maxLocks: number, private readonly sessionWord: string) {
    super(host, id, s, maxLocks);
  }

  /** The request that opens a session (its answer comes to {@link onSessionOpened}). */
  protected abstract openMessage(): Message;

  /** The keep-alive of `session`. */
  protected abstract keepAliveMessage(session: ClientSession): Message;

  /** Send the delete of `lock`'s node or key, as one step with its request timeout. */
  protected abstract sendDelete(lock: L): void;

  /** Request `op` of `lock`'s current step went unanswered. */
  protected abstract timedOut(lock: L, op: number): void;

  /** `lock`'s retry delay is over. */
  protected abstract resumeAfterBackoff(lock: L): void;

  /** The server answered in the live session (after the session's own bookkeeping). */
  protected onHeard(): void {}

  /** The session ended (after its keep-alives stopped, before its locks are judged). */
  protected onSessionLost(): void {}

  /** Until when (client clock) the client trusts a lock of `session`, before its margin. */
  protected trustedUntilUs(session: ClientSession): number {
    return session.lastAckSentUs + this.s.leaseUs;
  }

  start(): void {
    this.openSession();
  }

  leaseDeadline(resource: string): LocalDeadline | undefined {
    const lock = this.held(resource);
    if (lock === undefined || this.s.leaseUs === 0 || lock.session === undefined) return undefined;
    const session = lock.session;
    let atUs = this.trustedUntilUs(session) - this.s.marginUs;
    if (!session.alive) atUs = Math.min(atUs, session.lostAtUs);
    return { clock: this.s.clock, atUs };
  }

  /** Handles the session's own timers; true when `tag` was one. */
  protected onSessionTimer(tag: unknown): boolean {
    if (!(tag instanceof SessionTimer)) return false;
    if (tag.kind === 'keepalive') {
      this.keepAliveTimer = undefined;
      this.keepAlive();
    } else if (this.ops.delete(tag.op)) {
      this.opening = false;
      this.openSession();
    }
    return true;
  }

  /** A step's request timeout or retry timer fired: acted on only while the step is current. */
  protected stepTimerFired(resource: string, step: number, kind: 'timeout' | 'backoff', op: number): void {
    const lock = this.locks.get(resource);
    if (lock === undefined || lock.step !== step) return;
    lock.timer = undefined;
    if (kind === 'timeout') this.timedOut(lock, op);
    else this.resumeAfterBackoff(lock);
  }

  // --- opening and keeping the session ---------------------------------------------------------

  private openSession(): void {
    if (this.opening || (this.session !== undefined && this.session.alive)) return;
    this.opening = true;
    const op = this.send('open', undefined, undefined, this.openMessage());
    this.host.ctx.setTimer(this.s.requestTimeoutUs, new SessionTimer('open', op));
  }

  /** The server answered open request `op` with session `id`: run the work that waited for it. */
  protected onSessionOpened(op: number, id: number): void {
    const record = this.ops.get(op);
    if (record === undefined || record.kind !== 'open') return; // a late answer to an open given up on
    this.ops.delete(op);
    this.opening = false;
    this.session = { id, alive: true, lastAckSentUs: record.sentUs, lastHeardUs: this.host.ctx.now(this.s.clock), lostAtUs: 0 };
    this.onHeard();
    this.armKeepAlive();
    for (const run of this.queued.splice(0, this.queued.length)) run();
  }

  /** Run `then` once a live session exists, opening one if needed. */
  protected withSession(then: () => void): void {
    if (this.session !== undefined && this.session.alive) {
      then();
      return;
    }
    if (this.queued.length >= MAX_QUEUED_OPS) throw new ProtocolInvariantError(this.id, `more than ${MAX_QUEUED_OPS} operations waiting for a ${this.sessionWord}`);
    this.queued.push(then);
    this.openSession();
  }

  private armKeepAlive(): void {
    if (this.s.keepAliveUs === 0 || this.keepAliveTimer !== undefined) return;
    this.keepAliveTimer = this.host.ctx.setTimer(this.s.keepAliveUs, new SessionTimer('keepalive', 0));
  }

  private keepAlive(): void {
    const session = this.session;
    if (session === undefined || !session.alive) return;
    this.send('keepalive', undefined, session, this.keepAliveMessage(session));
    this.armKeepAlive();
    if (this.ops.size > MAX_KEEPALIVES_REMEMBERED + this.locks.size * 2) this.forgetOldKeepAlives();
  }

  /** Keep only the most recent unanswered keep-alives. */
  private forgetOldKeepAlives(): void {
    let excess = this.ops.size - MAX_KEEPALIVES_REMEMBERED;
    for (const [op, record] of [...this.ops]) {
      if (excess <= 0) break;
      if (record.kind === 'keepalive') {
        this.ops.delete(op);
        excess -= 1;
      }
    }
  }

  /** An answer to request `op` of a live session: the server heard the request. */
  protected acked(op: number): SessionOp<L, K> | undefined {
    const record = this.ops.get(op);
    if (record === undefined) return undefined;
    this.ops.delete(op);
    const session = record.session;
    if (session !== undefined && session.alive) {
      if (record.sentUs > session.lastAckSentUs) session.lastAckSentUs = record.sentUs;
      session.lastHeardUs = this.host.ctx.now(this.s.clock);
      this.onHeard();
    }
    return record;
  }

  /** The server says `session` ended: its held locks' grants ended with it; acquisitions abort unless the wait is trusted. */
  protected sessionLost(session: ClientSession): void {
    if (!session.alive) return;
    session.alive = false;
    session.lostAtUs = this.host.ctx.now(this.s.clock);
    if (this.keepAliveTimer !== undefined) {
      this.host.ctx.cancelTimer(this.keepAliveTimer);
      this.keepAliveTimer = undefined;
    }
    this.onSessionLost();
    for (const lock of [...this.locks.values()]) {
      if (lock.session !== session) continue;
      if (lock.phase === 'held') lock.granted = false; // the server ended the grant with the session (its `expire`)
      else if (lock.phase !== 'releasing' && !this.s.trustWait) this.fail(lock, 'ABORTED');
    }
    // A new session is opened when the next operation needs one.
  }

  // --- holding and releasing ------------------------------------------------------------------

  /**
   * The client learned it is first: it holds `lock`, with `creation` (czxid, create revision) as
   * its token when fencing. `grantTracedByServer`: the server traced the grant when it told the
   * client it was first (so a grant the client learns late is still ordered where the server made
   * it); otherwise the client's recipe decided alone and the client traces the grant now.
   */
  protected hold(lock: L, creation: number, grantTracedByServer = false): void {
    lock.phase = 'held';
    lock.granted = !grantTracedByServer;
    this.nextStep(lock);
    lock.token = this.s.fencing ? creation : undefined;
    if (lock.granted) this.traceGrant(lock);
    this.completeGranted(lock);
  }

  /**
   * Release: a grant the client traced ends as the delete is sent (one the server traced ends when
   * the server deletes the key); a session already gone took the node or key with it.
   */
  protected unlock(lock: L): void {
    if (lock.granted) {
      lock.granted = false;
      this.traceRelease(lock);
    }
    lock.phase = 'releasing';
    lock.deleteTries = 0;
    if (lock.session === undefined || !lock.session.alive) {
      this.released(lock);
      return;
    }
    this.deleteAgain(lock);
  }

  /** The delete of `lock` went unanswered: send it again, or give up after {@link MAX_DELETE_TRIES}. */
  protected deleteTimedOut(lock: L): void {
    if (lock.deleteTries >= MAX_DELETE_TRIES) this.released(lock);
    else this.deleteAgain(lock);
  }

  private deleteAgain(lock: L): void {
    lock.deleteTries += 1;
    this.sendDelete(lock);
  }

  // --- helpers for the recipes -----------------------------------------------------------------

  /** Send `body` to the server as request `kind`, remembered with its send time; returns its op. */
  protected send(kind: K | 'open' | 'keepalive', lock: L | undefined, session: ClientSession | undefined, body: Message): number {
    const op = this.nextOp++;
    const ctx = this.host.ctx;
    this.ops.set(op, { kind, lock, step: lock?.step ?? 0, sentUs: ctx.now(this.s.clock), session });
    ctx.send(this.s.service, { ...body, op });
    return op;
  }

  protected nextStep(lock: L): number {
    lock.step += 1;
    return lock.step;
  }

  /** End an acquisition with `status`. */
  protected fail(lock: L, status: 'ABORTED' | 'NOTQUEUED'): void {
    this.abandon(lock);
    this.end(lock, { status });
  }

  /** The release is over (answered, or given up on): report UNLOCKED. */
  protected released(lock: L): void {
    this.cancelTimer(lock);
    this.nextStep(lock);
    this.end(lock, { status: 'UNLOCKED' });
  }
}
