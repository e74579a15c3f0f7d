/**
 * The client half of etcd's lock (`go.etcd.io/etcd/client/v3/concurrency`, `Session` and
 * `Mutex`), driven by a scripted client through the {@link LockDriver} contract.
 *
 * Session: the driver asks the store (m1) for a lease with the TTL `leaseMs` at start and keeps it
 * alive every `keepAliveMs` (etcd's client renews at a third of the TTL, the scenario default).
 * It learns that its lease ended only when the store says so (a keep-alive answered with TTL 0,
 * or a transaction refused for an unknown lease). Its own idea of how long it may trust a lock
 * (`leaseDeadline`) is the TTL from the send time of the last request the store answered, minus
 * `clientMarginMs`.
 *
 * Acquisition (`Mutex.Lock`):
 * 1. the transaction `If(CreateRevision(key) == 0) Then(Put(key, lease)) Else(Get(key))` on the
 *    key `<resource>/<lease>`; if that key is the first created under the resource, the lock is
 *    held;
 * 2. otherwise `waitDeletes`: read the newest key created before the client's own; if there is
 *    one, watch it until it is deleted and read again;
 * 3. when no key before the client's own is left, `validityCheck` decides:
 *    - true (etcd since issue 11456, the default): read the client's own key; if it is gone —
 *      its lease ended while it waited — the acquisition fails (ABORTED), as
 *      `ErrSessionExpired`; learning that the lease ended also stops a waiting acquisition;
 *    - false (etcd before 11456, issue 9921): report the lock held without that check; the
 *      lease's end does not stop the wait.
 *
 * Fencing (`lockService.fencing`): the token is the create revision of the lock key. Revisions
 * grow with every write to the store and the lock is granted in create-revision order, so tokens
 * increase in grant order; a storage that refuses a lower token than one it accepted (its
 * `checkTokens`) is the compare-the-revision-on-write guard of etcd issue 11456.
 *
 * What the checkers see (DESIGN §4): the store traces `grant` when it tells the client it is
 * first, and ends it (`release` when the key is deleted, `expire` when the lease ends); the client
 * traces a grant only when it holds on its own say, trusting a wait whose key the store no longer
 * has (`validityCheck: false`, etcd issue 9921), and ends that one as it sends its delete.
 */
import type { ClientSpec, DriverHost, LockRequest, ServiceOptions } from '../contract.js';
import type { Message } from '../../sim/types.js';
import { SessionDriver, type ClientSession, type SessionLock, type SessionSettings } from '../common/session-driver.js';
import { ProtocolConfigError, ProtocolInvariantError, clientSettings, int, noQueue, str } from '../shared.js';
import { msToUs } from '../../sim/index.js';
import {
  ETCD_DELETE,
  ETCD_DELETED,
  ETCD_GET,
  ETCD_KEEPALIVE,
  ETCD_KEEPALIVE_REPLY,
  ETCD_LEASE_GRANT,
  ETCD_LEASE_GRANTED,
  ETCD_LOCK_TXN,
  ETCD_RANGE_BEFORE,
  ETCD_REPLY,
  ETCD_WATCH_DELETE,
} from './server.js';

type AcquirePhase = 'transacting' | 'reading' | 'watching' | 'waiting' | 'verifying' | 'backoff';

/** One lock of the client; its `session` is the lease its key is attached to. */
interface EtcdLock extends SessionLock<AcquirePhase> {
  /** The lock key and its create revision, once the transaction answered. */
  key: string | undefined;
  createRevision: number;
  /** The predecessor key being watched. */
  watchKey: string | undefined;
  /** Deletions reported while a read or watch request was in flight (a reordered network). */
  readonly deleted: Set<string>;
}

/** The Mutex's own requests (the lease's are `open`, the grant, and `keepalive`). */
type OpKind = 'txn' | 'range' | 'watch' | 'get' | 'delete';

class EtcdTimer {
  constructor(
    readonly kind: 'timeout' | 'backoff',
    readonly resource: string,
    readonly step: number,
    readonly op: number,
  ) {}
}

type EtcdSettings = SessionSettings;

/** Reads and checks the etcd options; throws {@link ProtocolConfigError}. */
export function etcdSettings(stores: readonly string[], options: ServiceOptions): EtcdSettings {
  const base = clientSettings('etcd', options);
  const store = stores[0];
  if (store === undefined) throw new ProtocolConfigError('etcd', 'needs its store m1');
  if (!(Number.isFinite(options.keepAliveMs) && options.keepAliveMs >= 0)) {
    throw new ProtocolConfigError('etcd', `keepAliveMs must be >= 0, got ${options.keepAliveMs}`);
  }
  return {
    ...base,
    service: store,
    leaseUs: msToUs(options.leaseMs),
    keepAliveUs: options.leaseMs > 0 ? msToUs(options.keepAliveMs) : 0,
    trustWait: !options.validityCheck,
    fencing: options.fencing,
  };
}

/** Most locks at once. */
export const MAX_ETCD_LOCKS = 10_000;

/**
 * The etcd Mutex client: request checks and dispatch come from ExclusiveDriver, the lease
 * (grant, keep-alives, end) from {@link SessionDriver}; this class runs the Mutex.
 */
export class EtcdDriver extends SessionDriver<EtcdLock, EtcdSettings, OpKind> {
  constructor(host: DriverHost, client: ClientSpec, s: EtcdSettings) {
    super(host, client.id, s, MAX_ETCD_LOCKS, 'lease');
  }

  protected openMessage(): Message {
    return { type: ETCD_LEASE_GRANT };
  }

  protected keepAliveMessage(lease: ClientSession): Message {
    return { type: ETCD_KEEPALIVE, lease: lease.id };
  }

  onMessage(from: string, payload: Message): boolean {
    switch (payload.type) {
      case ETCD_LEASE_GRANTED:
        this.onSessionOpened(int(this.id, from, payload, 'op'), int(this.id, from, payload, 'lease'));
        return true;
      case ETCD_KEEPALIVE_REPLY:
        this.onKeepAliveReply(int(this.id, from, payload, 'op'), payload['alive'] === true);
        return true;
      case ETCD_REPLY:
        this.onReply(from, payload);
        return true;
      case ETCD_DELETED:
        this.onDeleted(str(this.id, from, payload, 'key'));
        return true;
      default:
        return false;
    }
  }

  onTimer(tag: unknown): boolean {
    if (this.onSessionTimer(tag)) return true;
    if (!(tag instanceof EtcdTimer)) return false;
    this.stepTimerFired(tag.resource, tag.step, tag.kind, tag.op);
    return true;
  }

  // --- the lease -------------------------------------------------------------------------------

  private onKeepAliveReply(op: number, alive: boolean): void {
    const record = alive ? this.acked(op) : this.ops.get(op);
    this.ops.delete(op);
    if (!alive && record?.session !== undefined) this.sessionLost(record.session);
  }

  // --- acquisition -----------------------------------------------------------------------------

  protected newLock(req: LockRequest): EtcdLock {
    return {
      resource: req.resource,
      noQueue: noQueue(req),
      phase: 'transacting',
      step: 0,
      attempts: 0,
      timer: undefined,
      token: undefined,
      session: undefined,
      key: undefined,
      createRevision: 0,
      watchKey: undefined,
      deleted: new Set(),
      deleteTries: 0,
      granted: false,
    };
  }

  protected acquire(lock: EtcdLock): void {
    this.withSession(() => this.transact(lock));
  }

  /** Step 1; safe to repeat, since the key is named after the lease. */
  private transact(lock: EtcdLock): void {
    if (this.locks.get(lock.resource) !== lock) return; // cancelled while waiting for a lease
    const lease = this.session;
    if (lease === undefined || !lease.alive) {
      this.withSession(() => this.transact(lock));
      return;
    }
    this.countAttempt(lock, 'steps');
    lock.phase = 'transacting';
    lock.session = lease;
    this.sendStep(lock, 'txn', { type: ETCD_LOCK_TXN, lease: lease.id, resource: lock.resource });
  }

  /** Step 2: the newest key created before the client's own. */
  private readPredecessor(lock: EtcdLock): void {
    this.countAttempt(lock, 'steps');
    lock.phase = 'reading';
    lock.deleted.clear();
    this.sendStep(lock, 'range', { type: ETCD_RANGE_BEFORE, resource: lock.resource, below: lock.createRevision, self: this.keyOf(lock) });
  }

  private watch(lock: EtcdLock, key: string, revision: number): void {
    lock.phase = 'watching';
    lock.watchKey = key;
    this.sendStep(lock, 'watch', { type: ETCD_WATCH_DELETE, key, after: revision });
  }

  /** Step 3 with `validityCheck`: the client's own key must still exist. */
  private verify(lock: EtcdLock): void {
    lock.phase = 'verifying';
    this.sendStep(lock, 'get', { type: ETCD_GET, key: this.keyOf(lock) });
  }

  private onReply(from: string, payload: Message): void {
    const op = int(this.id, from, payload, 'op');
    const leaseGone = payload['err'] === 'LEASE_NOT_FOUND';
    const record = leaseGone ? this.ops.get(op) : this.acked(op);
    if (record === undefined) return; // timed out already
    this.ops.delete(op);
    if (leaseGone && record.session !== undefined) this.sessionLost(record.session);
    const lock = record.lock;
    if (lock === undefined) return;
    if (this.locks.get(lock.resource) !== lock) {
      // Cancelled while its transaction was in flight: remove the key it made.
      if (record.kind === 'txn' && !leaseGone) this.send('delete', undefined, record.session, { type: ETCD_DELETE, key: str(this.id, from, payload, 'key') });
      return;
    }
    if (lock.step !== record.step) return;
    this.cancelTimer(lock);
    this.advance(lock, record.kind, from, payload, leaseGone);
  }

  private advance(lock: EtcdLock, kind: OpKind | 'open' | 'keepalive', from: string, payload: Message, leaseGone: boolean): void {
    switch (kind) {
      case 'txn':
        if (leaseGone) {
          if (this.locks.get(lock.resource) === lock) this.fail(lock, 'ABORTED');
          return;
        }
        this.onTransacted(lock, from, payload);
        return;
      case 'range':
        this.onPredecessor(lock, str(this.id, from, payload, 'predecessor'), int(this.id, from, payload, 'revision'), payload['owner'] === true);
        return;
      case 'watch':
        this.onWatching(lock);
        return;
      case 'get':
        if (int(this.id, from, payload, 'createRevision') === lock.createRevision) this.hold(lock, lock.createRevision, true);
        else this.fail(lock, 'ABORTED'); // our key went with our lease: ErrSessionExpired
        return;
      case 'delete':
        this.released(lock);
        return;
      default:
        return;
    }
  }

  private onTransacted(lock: EtcdLock, from: string, payload: Message): void {
    lock.key = str(this.id, from, payload, 'key');
    lock.createRevision = int(this.id, from, payload, 'createRevision');
    if (payload['owner'] === true) {
      this.hold(lock, lock.createRevision, true);
      return;
    }
    if (lock.noQueue) {
      this.fail(lock, 'NOTQUEUED');
      return;
    }
    this.readPredecessor(lock);
  }

  /** `grantedByStore`: the store found the client's key first and traced its grant. */
  private onPredecessor(lock: EtcdLock, predecessor: string, revision: number, grantedByStore: boolean): void {
    if (predecessor !== '') {
      this.watch(lock, predecessor, revision);
      return;
    }
    if (this.s.trustWait) this.hold(lock, lock.createRevision, grantedByStore);
    else this.verify(lock);
  }

  private onWatching(lock: EtcdLock): void {
    const key = lock.watchKey;
    if (key !== undefined && lock.deleted.has(key)) {
      this.readPredecessor(lock); // the deletion overtook the watch's answer
      return;
    }
    lock.phase = 'waiting';
  }

  private onDeleted(key: string): void {
    for (const lock of this.locks.values()) {
      if (lock.watchKey !== key) continue;
      if (lock.phase === 'waiting') this.readPredecessor(lock);
      else if (lock.phase === 'watching') lock.deleted.add(key);
    }
  }

  /** Stop an acquisition: its replies and timers go stale, and its key is deleted (fire and forget). */
  protected abandon(lock: EtcdLock): void {
    this.cancelTimer(lock);
    this.nextStep(lock);
    if (lock.key !== undefined && lock.session !== undefined && lock.session.alive) {
      this.send('delete', undefined, lock.session, { type: ETCD_DELETE, key: lock.key });
    }
  }

  protected timedOut(lock: EtcdLock, op: number): void {
    const record = this.ops.get(op);
    this.ops.delete(op);
    if (record === undefined) return;
    if (record.kind === 'delete') {
      this.deleteTimedOut(lock);
      return;
    }
    lock.phase = 'backoff';
    this.armRetryTimer(lock, new EtcdTimer('backoff', lock.resource, this.nextStep(lock), 0));
  }

  /** After a lost reply: the transaction again if it never answered, else the read again. */
  protected resumeAfterBackoff(lock: EtcdLock): void {
    if (lock.phase !== 'backoff') return;
    if (lock.key === undefined) this.transact(lock);
    else this.readPredecessor(lock);
  }

  // --- release ---------------------------------------------------------------------------------

  protected sendDelete(lock: EtcdLock): void {
    this.sendStep(lock, 'delete', { type: ETCD_DELETE, key: this.keyOf(lock) });
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** Send one step of `lock` and arm its request timeout. */
  private sendStep(lock: EtcdLock, kind: OpKind, body: Message): void {
    this.nextStep(lock);
    const op = this.send(kind, lock, lock.session, body);
    this.armRequestTimer(lock, new EtcdTimer('timeout', lock.resource, lock.step, op));
  }

  private keyOf(lock: EtcdLock): string {
    if (lock.key === undefined) throw new ProtocolInvariantError(this.id, `lock on ${lock.resource} has no key yet`);
    return lock.key;
  }
}
