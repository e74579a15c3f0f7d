/**
 * The client half of the ZooKeeper lock recipe (zookeeper.apache.org recipes, "Locks"; pitfalls
 * S11–S13, S15), driven by a scripted client through the {@link LockDriver} contract.
 *
 * Session: the driver connects to the server (m1) at start, pings every `keepAliveMs`, and
 * learns that its session expired only when the server says so (a ping, create or delete
 * answered SESSION_EXPIRED) — after a partition heals, as in ZooKeeper (S13). Its own idea of
 * how long it may trust a lock (`leaseDeadline`) is the session timeout measured from the send
 * time of the last request the server answered — the server heard it no earlier, so this ends
 * before the server's expiry when clocks run at the same rate — minus `clientMarginMs`. With
 * `keepAliveMs: 0` it sends no pings (a lease without keep-alives): only its requests keep the
 * session alive. With `leaseMs: 0` sessions never expire and there is no deadline.
 *
 * Acquisition (predecessor watch, the recipe):
 * 1. create an EPHEMERAL_SEQUENTIAL child of the resource, `lock-` or `<guid>-lock-`;
 * 2. getChildren without a watch; if no child has a lower sequence number, the lock is held;
 * 3. otherwise exists(watch) on the next-lower child; when it is gone (exists says no, or its
 *    deletion is notified) go back to 2.
 * With `watch: 'parent'` (the teaching variant) step 2 sets a watch on the parent's children
 * instead and every change wakes every waiter — the herd effect (S11).
 *
 * Lost create reply (S12): a create that times out may have succeeded. Without GUID names the
 * client creates again, and the first node is a ghost that its own session keeps alive — the
 * client ends up watching its own ghost. With `guidNames` it lists the children and adopts the
 * node carrying its GUID (Curator's protection mode).
 *
 * Connection states (`connectionStates`, Apache Curator's ConnectionState; pitfalls S14): with
 * anything but 'none' the client goes SUSPENDED when it has heard nothing from the server for
 * two thirds of the session timeout (ZooKeeper's client read timeout) and RECONNECTED when it
 * hears again, each traced as `connection` {client, state}. What SUSPENDED means for its locks:
 * - 'lost-after-suspended' (Curator before CURATOR-460): the client keeps trusting its locks and
 *   counts a whole session timeout again from SUSPENDED before declaring the session LOST, so its
 *   deadline is last contact + 2/3 + 1 session timeout — later than the server's expiry;
 * - 'suspended-is-loss' (the fix): SUSPENDED ends its trust, two thirds of a session timeout after
 *   the last contact, before the server can expire the session.
 * With 'none' (the default) the client keeps no such state and trusts a lock for a session
 * timeout from the send time of the last request the server answered (see above).
 *
 * `validityCheck` chooses how much the client trusts the end of its wait:
 * - true (ZooKeeper recipe, default): step 2 requires the client's own node to be in the
 *   listing — a missing node means its session expired — and a SESSION_EXPIRED answer aborts
 *   the acquisition (ABORTED).
 * - false (etcd v3 `concurrency.Mutex` before etcd #11456, pitfalls S15): the client waits only
 *   for the nodes below its own to go and then reports the lock held, without checking its own
 *   node; learning that its session expired does not stop the wait. A waiter whose lease died
 *   while queued is then told it holds the lock.
 *
 * What the checkers see (DESIGN §4): the client that sees itself first traces `grant` {client,
 * resource, mode: 'EX', token}; its unlock traces `release` {reason: 'unlock'} as it sends the
 * delete; if its session expires first, the server traces `expire` for it. With
 * `lockService.fencing` the token is the lock node's czxid: zxids increase with every create,
 * and the recipe grants in creation order, so tokens increase in grant order — the `fencing`
 * invariant judges it (Kleppmann: "use the zxid ... as fencing token").
 */
import type { ClientSpec, DriverHost, LockRequest, ServiceOptions } from '../contract.js';
import type { Message, TimerId } from '../../sim/types.js';
import { SessionDriver, type ClientSession, type SessionLock, type SessionSettings } from '../common/session-driver.js';
import { ProtocolConfigError, ProtocolInvariantError, ProtocolMessageError, clientSettings, int, noQueue, str } from '../shared.js';
import { msToUs } from '../../sim/index.js';
import {
  ZK_CHILDREN,
  ZK_CONNECT,
  ZK_CONNECTED,
  ZK_CREATE,
  ZK_DELETE,
  ZK_EXISTS,
  ZK_EXPIRED,
  ZK_PING,
  ZK_PONG,
  ZK_REPLY,
  ZK_WATCH,
  childPath,
  sequenceOf,
  type ZkChild,
} from './server.js';

/** What a backoff timer resumes. */
type Resume = 'create' | 'recover' | 'list';

interface ZkNodeRef {
  readonly name: string;
  readonly seq: number;
  readonly czxid: number;
}

/** The client's connection state as Curator reports it (only with `connectionStates`). */
type ConnectionState = 'CONNECTED' | 'SUSPENDED' | 'LOST';

/** One lock of the client; every create and listing counts as an attempt. */
interface ZkLock extends SessionLock<'creating' | 'listing' | 'checking' | 'waiting' | 'backoff'> {
  guid: string | undefined;
  node: ZkNodeRef | undefined;
  /** Waiting: the node (predecessor) or parent whose notification we wait for. */
  watchPath: string | undefined;
  /** Notifications that arrived since the last listing started (a reordered network). */
  readonly notified: Set<string>;
  resume: Resume;
}

/** The recipe's own requests (the session's are `open`, the connect, and `keepalive`, the ping). */
type ZkOpKind = 'create' | 'children' | 'exists' | 'delete';

class ZkTimer {
  constructor(
    readonly kind: 'timeout' | 'backoff' | 'suspend' | 'lost',
    readonly resource: string,
    readonly step: number,
    readonly op: number,
  ) {}
}

interface ZkSettings extends SessionSettings {
  readonly herd: boolean;
  readonly guidNames: boolean;
  readonly connectionStates: ZkConnectionStates;
  /** Silence after which the client goes SUSPENDED: two thirds of the session timeout. */
  readonly suspendAfterUs: number;
}

/** How a zk client treats a silent server (see the module doc). */
export type ZkConnectionStates = NonNullable<ServiceOptions['connectionStates']>;

/** Reads and checks the zk options; throws {@link ProtocolConfigError}. */
export function zkSettings(servers: readonly string[], options: ServiceOptions): ZkSettings {
  const base = clientSettings('zk', options);
  const server = servers[0];
  if (server === undefined) throw new ProtocolConfigError('zk', 'needs its server m1');
  if (!(Number.isFinite(options.keepAliveMs) && options.keepAliveMs >= 0)) {
    throw new ProtocolConfigError('zk', `keepAliveMs must be >= 0, got ${options.keepAliveMs}`);
  }
  return {
    ...base,
    service: server,
    leaseUs: msToUs(options.leaseMs),
    keepAliveUs: options.leaseMs > 0 ? msToUs(options.keepAliveMs) : 0,
    herd: options.watch === 'parent',
    guidNames: options.guidNames,
    trustWait: !options.validityCheck,
    fencing: options.fencing,
    connectionStates: options.connectionStates ?? 'none',
    suspendAfterUs: Math.round((msToUs(options.leaseMs) * 2) / 3),
  };
}

/** Most locks at once. */
export const MAX_ZK_LOCKS = 10_000;

/**
 * The zk recipe client: request checks and dispatch come from ExclusiveDriver, the session
 * (connect, pings, expiry) from {@link SessionDriver}; this class runs the recipe and keeps
 * Curator's connection states.
 */
export class ZkDriver extends SessionDriver<ZkLock, ZkSettings, ZkOpKind> {
  /** Curator's connection state; its timer (SUSPENDED or LOST), when one is armed. */
  private connectionState: ConnectionState = 'CONNECTED';
  private connectionTimer: TimerId | undefined;
  private guids = 0;

  constructor(host: DriverHost, client: ClientSpec, s: ZkSettings) {
    super(host, client.id, s, MAX_ZK_LOCKS, 'session');
  }

  protected openMessage(): Message {
    return { type: ZK_CONNECT };
  }

  protected keepAliveMessage(session: ClientSession): Message {
    return { type: ZK_PING, session: session.id };
  }

  onMessage(from: string, payload: Message): boolean {
    switch (payload.type) {
      case ZK_CONNECTED:
        this.onSessionOpened(int(this.id, from, payload, 'op'), int(this.id, from, payload, 'session'));
        return true;
      case ZK_PONG:
        this.acked(int(this.id, from, payload, 'op'));
        return true;
      case ZK_EXPIRED:
        this.expired(int(this.id, from, payload, 'session'));
        return true;
      case ZK_REPLY:
        this.onReply(from, payload);
        return true;
      case ZK_WATCH:
        this.onWatch(str(this.id, from, payload, 'path'));
        return true;
      default:
        return false;
    }
  }

  onTimer(tag: unknown): boolean {
    if (this.onSessionTimer(tag)) return true;
    if (!(tag instanceof ZkTimer)) return false;
    switch (tag.kind) {
      case 'suspend':
        this.connectionTimer = undefined;
        this.checkSilence();
        return true;
      case 'lost':
        this.connectionTimer = undefined;
        this.declareLost();
        return true;
      case 'timeout':
      case 'backoff':
        this.stepTimerFired(tag.resource, tag.step, tag.kind, tag.op);
        return true;
    }
  }

  /** Until when (client clock) the client trusts a lock of `session`, before its margin. */
  protected override trustedUntilUs(session: ClientSession): number {
    switch (this.s.connectionStates) {
      case 'none':
        return session.lastAckSentUs + this.s.leaseUs;
      case 'lost-after-suspended':
        return session.lastHeardUs + this.s.suspendAfterUs + this.s.leaseUs;
      case 'suspended-is-loss':
        return session.lastHeardUs + this.s.suspendAfterUs;
    }
  }

  // --- connection states (Curator; only with `connectionStates`) --------------------------------

  /** The server answered: a SUSPENDED client is RECONNECTED, and the silence is counted afresh. */
  protected override onHeard(): void {
    if (this.s.connectionStates === 'none' || this.s.leaseUs === 0) return;
    if (this.connectionState !== 'CONNECTED') {
      if (this.connectionTimer !== undefined) this.host.ctx.cancelTimer(this.connectionTimer);
      this.connectionTimer = undefined;
      this.traceConnection(this.connectionState === 'SUSPENDED' ? 'RECONNECTED' : 'CONNECTED');
      this.connectionState = 'CONNECTED';
    }
    if (this.connectionTimer === undefined) this.connectionTimer = this.host.ctx.setTimer(this.s.suspendAfterUs, new ZkTimer('suspend', '', 0, 0));
  }

  /** The SUSPENDED timer fired: suspend if the server has been silent for 2/3 of the session timeout, else wait out the rest. */
  private checkSilence(): void {
    const session = this.session;
    if (session === undefined || !session.alive || this.connectionState !== 'CONNECTED') return;
    const silentUntilUs = session.lastHeardUs + this.s.suspendAfterUs;
    const nowUs = this.host.ctx.now(this.s.clock);
    if (nowUs < silentUntilUs) {
      this.connectionTimer = this.host.ctx.setTimer(silentUntilUs - nowUs, new ZkTimer('suspend', '', 0, 0));
      return;
    }
    this.connectionState = 'SUSPENDED';
    this.traceConnection('SUSPENDED');
    // Before CURATOR-460, LOST came a whole session timeout after SUSPENDED.
    if (this.s.connectionStates === 'lost-after-suspended') this.connectionTimer = this.host.ctx.setTimer(this.s.leaseUs, new ZkTimer('lost', '', 0, 0));
  }

  /** Curator's LOST by its own timer: the client gives the session up and opens a new one when it next needs one. */
  private declareLost(): void {
    const session = this.session;
    if (session === undefined || this.connectionState !== 'SUSPENDED') return;
    this.sessionLost(session); // traces LOST (onSessionLost)
  }

  private traceConnection(state: ConnectionState | 'RECONNECTED'): void {
    this.host.ctx.trace('connection', { client: this.id, state });
  }

  /** The server says session `id` expired. */
  private expired(id: number): void {
    const session = this.session;
    if (session === undefined || session.id !== id || !session.alive) return;
    this.sessionLost(session);
  }

  /** The session ended: nothing left to be silent about; a SUSPENDED client learns it is LOST. */
  protected override onSessionLost(): void {
    if (this.connectionTimer !== undefined && this.connectionState !== 'LOST') {
      this.host.ctx.cancelTimer(this.connectionTimer);
      this.connectionTimer = undefined;
    }
    if (this.connectionState === 'SUSPENDED') {
      this.connectionState = 'LOST';
      this.traceConnection('LOST');
    }
  }

  // --- acquisition -----------------------------------------------------------------------------

  protected newLock(req: LockRequest): ZkLock {
    const lock: ZkLock = {
      resource: req.resource,
      noQueue: noQueue(req),
      phase: 'creating',
      step: 0,
      attempts: 0,
      guid: undefined,
      node: undefined,
      session: undefined,
      watchPath: undefined,
      notified: new Set(),
      resume: 'create',
      timer: undefined,
      deleteTries: 0,
      token: undefined,
      granted: false,
    };
    if (this.s.guidNames) {
      this.guids += 1;
      const bits = this.host.ctx.rng('guid').int(0, 0xffffffff).toString(16).padStart(8, '0');
      lock.guid = `${this.id}.${this.guids}.${bits}`;
    }
    return lock;
  }

  protected acquire(lock: ZkLock): void {
    this.withSession(() => this.create(lock));
  }

  private prefix(lock: ZkLock): string {
    return lock.guid === undefined ? 'lock-' : `${lock.guid}-lock-`;
  }

  private create(lock: ZkLock): void {
    if (this.locks.get(lock.resource) !== lock) return; // cancelled while waiting for a session
    const session = this.session;
    if (session === undefined || !session.alive) {
      this.withSession(() => this.create(lock));
      return;
    }
    this.countAttempt(lock, 'steps');
    lock.phase = 'creating';
    lock.session = session;
    this.nextStep(lock);
    const op = this.send('create', lock, session, {
      type: ZK_CREATE,
      session: session.id,
      parent: lock.resource,
      prefix: this.prefix(lock),
    });
    this.armTimeout(lock, op);
  }

  /** Step 2 (and the GUID search after a lost create, which lists without a watch). */
  private list(lock: ZkLock): void {
    const session = lock.session;
    if (session === undefined) throw new ProtocolInvariantError(this.id, `listing ${lock.resource} without a session`);
    this.countAttempt(lock, 'steps');
    lock.phase = 'listing';
    lock.notified.clear();
    const watch = this.s.herd && lock.node !== undefined;
    this.nextStep(lock);
    const op = this.send('children', lock, session, {
      type: ZK_CHILDREN,
      session: session.id,
      parent: lock.resource,
      watch,
    });
    this.armTimeout(lock, op);
  }

  private onReply(from: string, payload: Message): void {
    const op = int(this.id, from, payload, 'op');
    const expired = payload['err'] === 'SESSION_EXPIRED';
    const rec = expired ? this.ops.get(op) : this.acked(op);
    if (rec === undefined) return; // timed out already
    this.ops.delete(op);
    if (expired && rec.session !== undefined) this.sessionLost(rec.session);
    const lock = rec.lock;
    if (lock === undefined) return;
    if (this.locks.get(lock.resource) !== lock) {
      // The acquisition was cancelled while its create was in flight: remove the node it made.
      if (rec.kind === 'create' && !expired && rec.session !== undefined && rec.session.alive) {
        const name = str(this.id, from, payload, 'name');
        this.send('delete', undefined, rec.session, { type: ZK_DELETE, session: rec.session.id, path: childPath(lock.resource, name) });
      }
      return;
    }
    if (lock.step !== rec.step) return; // a late reply to a step already given up (S12: a ghost)
    this.cancelTimer(lock);
    switch (rec.kind) {
      case 'create':
        if (expired) {
          this.fail(lock, 'ABORTED');
          return;
        }
        lock.node = this.nodeRef(from, payload, str(this.id, from, payload, 'name'));
        this.list(lock);
        return;
      case 'children':
        this.onChildren(lock, this.children(from, payload));
        return;
      case 'exists':
        if (payload['exists'] === true) this.wait(lock, lock.watchPath);
        else this.list(lock);
        return;
      case 'delete':
        this.released(lock);
        return;
      default:
        return;
    }
  }

  private onChildren(lock: ZkLock, children: ZkChild[]): void {
    if (lock.node === undefined) {
      // Recovering a lost create: adopt the node that carries our GUID, or create one.
      const guid = lock.guid;
      const mine = guid === undefined ? undefined : children.find((c) => c.name.startsWith(`${guid}-`));
      if (mine === undefined) {
        this.create(lock);
        return;
      }
      lock.node = { name: mine.name, seq: sequenceOf(mine.name), czxid: mine.czxid };
      this.list(lock);
      return;
    }
    const node = lock.node;
    if (!this.s.trustWait && !children.some((c) => c.name === node.name)) {
      this.fail(lock, 'ABORTED'); // our node is gone: the session expired
      return;
    }
    let predecessor: ZkChild | undefined;
    for (const c of children) if (sequenceOf(c.name) < node.seq) predecessor = c;
    if (predecessor === undefined) {
      this.holdNode(lock);
      return;
    }
    if (lock.noQueue) {
      this.fail(lock, 'NOTQUEUED');
      return;
    }
    if (this.s.herd) {
      this.wait(lock, lock.resource);
      return;
    }
    const session = lock.session;
    if (session === undefined) throw new ProtocolInvariantError(this.id, `watching on ${lock.resource} without a session`);
    const path = childPath(lock.resource, predecessor.name);
    lock.phase = 'checking';
    lock.watchPath = path;
    this.nextStep(lock);
    const op = this.send('exists', lock, session, {
      type: ZK_EXISTS,
      session: session.id,
      path,
      watch: true,
    });
    this.armTimeout(lock, op);
  }

  private wait(lock: ZkLock, path: string | undefined): void {
    if (path === undefined) throw new ProtocolInvariantError(this.id, `waiting on ${lock.resource} for nothing`);
    if (lock.notified.has(path)) {
      this.list(lock); // the notification overtook the reply
      return;
    }
    lock.phase = 'waiting';
    lock.watchPath = path;
    this.nextStep(lock);
  }

  private onWatch(path: string): void {
    for (const lock of this.locks.values()) {
      if (lock.phase === 'waiting' && lock.watchPath === path) this.list(lock);
      else if (lock.phase === 'listing' || lock.phase === 'checking') lock.notified.add(path);
    }
  }

  private holdNode(lock: ZkLock): void {
    const node = lock.node;
    if (node === undefined) throw new ProtocolInvariantError(this.id, `holding ${lock.resource} without a node`);
    this.hold(lock, node.czxid);
  }


  /** Stop an acquisition: its replies and timers go stale, and its node is deleted (fire and forget) when it has one. */
  protected abandon(lock: ZkLock): void {
    this.cancelTimer(lock);
    this.nextStep(lock);
    if (lock.node !== undefined && lock.session !== undefined && lock.session.alive) {
      this.send('delete', undefined, lock.session, { type: ZK_DELETE, session: lock.session.id, path: childPath(lock.resource, lock.node.name) });
    }
  }

  protected timedOut(lock: ZkLock, op: number): void {
    const rec = this.ops.get(op);
    this.ops.delete(op);
    if (rec === undefined) return;
    switch (rec.kind) {
      case 'create':
        // The create may have succeeded: a GUID lets us find out; without one we create again.
        this.backoff(lock, lock.guid === undefined ? 'create' : 'recover');
        return;
      case 'children':
      case 'exists':
        this.backoff(lock, lock.node === undefined ? 'recover' : 'list');
        return;
      case 'delete':
        this.deleteTimedOut(lock);
        return;
      default:
        return;
    }
  }

  private backoff(lock: ZkLock, resume: Resume): void {
    lock.phase = 'backoff';
    lock.resume = resume;
    this.armRetryTimer(lock, new ZkTimer('backoff', lock.resource, this.nextStep(lock), 0));
  }

  protected resumeAfterBackoff(lock: ZkLock): void {
    if (lock.phase !== 'backoff') return;
    switch (lock.resume) {
      case 'create':
        this.create(lock);
        return;
      case 'recover':
        this.list(lock);
        return;
      case 'list':
        this.list(lock);
        return;
    }
  }

  // --- release ---------------------------------------------------------------------------------

  protected sendDelete(lock: ZkLock): void {
    const node = lock.node;
    const session = lock.session;
    if (node === undefined || session === undefined) throw new ProtocolInvariantError(this.id, `deleting ${lock.resource} without a node`);
    this.nextStep(lock);
    const op = this.send('delete', lock, session, {
      type: ZK_DELETE,
      session: session.id,
      path: childPath(lock.resource, node.name),
    });
    this.armTimeout(lock, op);
  }


  // --- helpers ---------------------------------------------------------------------------------

  private armTimeout(lock: ZkLock, op: number): void {
    this.armRequestTimer(lock, new ZkTimer('timeout', lock.resource, lock.step, op));
  }

  private nodeRef(from: string, payload: Message, name: string): ZkNodeRef {
    return { name, seq: sequenceOf(name), czxid: int(this.id, from, payload, 'czxid') };
  }

  private children(from: string, payload: Message): ZkChild[] {
    const list = payload['children'];
    if (!Array.isArray(list)) throw new ProtocolMessageError(this.id, from, payload, 'children must be an array');
    return list as ZkChild[];
  }
}
