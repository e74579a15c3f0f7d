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
 * What the checkers see (DESIGN §4): the client that learns it is first traces `grant`; its
 * unlock traces `release` {reason: 'unlock'} as it sends the delete; when its lease ends first,
 * the store traces `expire`.
 */
import type { ClientSpec, DriverHost, LocalDeadline, LockRequest, ServiceOptions } from '../contract.js';
import type { Message, TimerId } from '../../sim/types.js';
import { ExclusiveDriver, type ExclusiveLock } from '../common/exclusive-driver.js';
import { MAX_QUEUED_OPS, ProtocolConfigError, ProtocolInvariantError, clientSettings, int, noQueue, str, type ClientSettings } from '../shared.js';
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

/** One lease of this client, as the client knows it. */
interface LeaseRecord {
  readonly id: number;
  alive: boolean;
  /** Send time (client clock) of the last request the store answered under this lease. */
  lastAckSentUs: number;
  /** When the client learned the lease ended (client clock). */
  lostAtUs: number;
}

type AcquirePhase = 'transacting' | 'reading' | 'watching' | 'waiting' | 'verifying' | 'backoff';

/** One lock of the client. */
interface EtcdLock extends ExclusiveLock<AcquirePhase> {
  /** Bumped at every step: replies and timers of older steps are ignored. */
  step: number;
  lease: LeaseRecord | undefined;
  /** The lock key and its create revision, once the transaction answered. */
  key: string | undefined;
  createRevision: number;
  /** The predecessor key being watched. */
  watchKey: string | undefined;
  /** Deletions reported while a read or watch request was in flight (a reordered network). */
  readonly deleted: Set<string>;
  deleteTries: number;
  /** The grant has not ended by this client's release. */
  granted: boolean;
}

type OpKind = 'lease' | 'keepalive' | 'txn' | 'range' | 'watch' | 'get' | 'delete';

interface OpRecord {
  readonly kind: OpKind;
  readonly lock: EtcdLock | undefined;
  readonly step: number;
  readonly sentUs: number;
  readonly lease: LeaseRecord | undefined;
}

class EtcdTimer {
  constructor(
    readonly kind: 'timeout' | 'backoff' | 'keepalive' | 'lease',
    readonly resource: string,
    readonly step: number,
    readonly op: number,
  ) {}
}

interface EtcdSettings extends ClientSettings {
  readonly store: string;
  readonly leaseUs: number;
  readonly keepAliveUs: number;
  readonly trustWait: boolean;
  readonly fencing: boolean;
}

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
    store,
    leaseUs: msToUs(options.leaseMs),
    keepAliveUs: options.leaseMs > 0 ? msToUs(options.keepAliveMs) : 0,
    trustWait: !options.validityCheck,
    fencing: options.fencing,
  };
}

/** Most locks at once, outstanding keep-alives remembered, and delete re-sends on unlock. */
export const MAX_ETCD_LOCKS = 10_000;
export const MAX_KEEPALIVES_REMEMBERED = 1000;
export const MAX_ETCD_DELETE_TRIES = 3;

/** The etcd Mutex client; request checks and dispatch come from {@link ExclusiveDriver}. */
export class EtcdDriver extends ExclusiveDriver<EtcdLock, EtcdSettings> {
  private readonly ops = new Map<number, OpRecord>();
  private lease: LeaseRecord | undefined;
  private granting = false;
  private readonly queued: Array<() => void> = [];
  private keepAliveTimer: TimerId | undefined;
  private nextOp = 1;

  constructor(host: DriverHost, client: ClientSpec, s: EtcdSettings) {
    super(host, client.id, s, MAX_ETCD_LOCKS);
  }

  start(): void {
    this.grantLease();
  }

  onMessage(from: string, payload: Message): boolean {
    switch (payload.type) {
      case ETCD_LEASE_GRANTED:
        this.onLeaseGranted(int(this.id, from, payload, 'op'), int(this.id, from, payload, 'lease'));
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
    if (!(tag instanceof EtcdTimer)) return false;
    switch (tag.kind) {
      case 'keepalive':
        this.keepAliveTimer = undefined;
        this.keepAlive();
        return true;
      case 'lease':
        if (this.ops.delete(tag.op)) {
          this.granting = false;
          this.grantLease();
        }
        return true;
      case 'timeout':
      case 'backoff': {
        const lock = this.locks.get(tag.resource);
        if (lock === undefined || lock.step !== tag.step) return true;
        lock.timer = undefined;
        if (tag.kind === 'timeout') this.timedOut(lock, tag.op);
        else this.resumeAfterBackoff(lock);
        return true;
      }
    }
  }

  leaseDeadline(resource: string): LocalDeadline | undefined {
    const lock = this.held(resource);
    if (lock === undefined || this.s.leaseUs === 0 || lock.lease === undefined) return undefined;
    const lease = lock.lease;
    let atUs = lease.lastAckSentUs + this.s.leaseUs - this.s.marginUs;
    if (!lease.alive) atUs = Math.min(atUs, lease.lostAtUs);
    return { clock: this.s.clock, atUs };
  }

  // --- the lease -------------------------------------------------------------------------------

  private grantLease(): void {
    if (this.granting || (this.lease !== undefined && this.lease.alive)) return;
    this.granting = true;
    const op = this.send('lease', undefined, undefined, { type: ETCD_LEASE_GRANT });
    this.host.ctx.setTimer(this.s.requestTimeoutUs, new EtcdTimer('lease', '', 0, op));
  }

  private onLeaseGranted(op: number, id: number): void {
    const record = this.ops.get(op);
    if (record === undefined || record.kind !== 'lease') return; // a late answer to a grant given up on
    this.ops.delete(op);
    this.granting = false;
    this.lease = { id, alive: true, lastAckSentUs: record.sentUs, lostAtUs: 0 };
    this.armKeepAlive();
    for (const run of this.queued.splice(0, this.queued.length)) run();
  }

  /** Run `then` once a live lease exists, asking for one if needed. */
  private withLease(then: () => void): void {
    if (this.lease !== undefined && this.lease.alive) {
      then();
      return;
    }
    if (this.queued.length >= MAX_QUEUED_OPS) throw new ProtocolInvariantError(this.id, `more than ${MAX_QUEUED_OPS} operations waiting for a lease`);
    this.queued.push(then);
    this.grantLease();
  }

  private armKeepAlive(): void {
    if (this.s.keepAliveUs === 0 || this.keepAliveTimer !== undefined) return;
    this.keepAliveTimer = this.host.ctx.setTimer(this.s.keepAliveUs, new EtcdTimer('keepalive', '', 0, 0));
  }

  private keepAlive(): void {
    const lease = this.lease;
    if (lease === undefined || !lease.alive) return;
    this.send('keepalive', undefined, lease, { type: ETCD_KEEPALIVE, lease: lease.id });
    this.armKeepAlive();
    if (this.ops.size > MAX_KEEPALIVES_REMEMBERED + this.locks.size * 2) this.forgetOldKeepAlives();
  }

  /** Keep-alives lost in a partition are never answered: keep only the most recent ones. */
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

  private onKeepAliveReply(op: number, alive: boolean): void {
    const record = alive ? this.acked(op) : this.ops.get(op);
    this.ops.delete(op);
    if (!alive && record?.lease !== undefined) this.leaseLost(record.lease);
  }

  /** An answer to request `op` under a live lease: the store heard the request. */
  private acked(op: number): OpRecord | undefined {
    const record = this.ops.get(op);
    if (record === undefined) return undefined;
    this.ops.delete(op);
    const lease = record.lease;
    if (lease !== undefined && lease.alive && record.sentUs > lease.lastAckSentUs) lease.lastAckSentUs = record.sentUs;
    return record;
  }

  private leaseLost(lease: LeaseRecord): void {
    if (!lease.alive) return;
    lease.alive = false;
    lease.lostAtUs = this.host.ctx.now(this.s.clock);
    if (this.keepAliveTimer !== undefined) {
      this.host.ctx.cancelTimer(this.keepAliveTimer);
      this.keepAliveTimer = undefined;
    }
    for (const lock of [...this.locks.values()]) {
      if (lock.lease !== lease) continue;
      if (lock.phase === 'held') lock.granted = false; // the store ended the grant with the lease (its `expire`)
      else if (lock.phase !== 'releasing' && !this.s.trustWait) this.fail(lock, 'ABORTED');
    }
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
      lease: undefined,
      key: undefined,
      createRevision: 0,
      watchKey: undefined,
      deleted: new Set(),
      deleteTries: 0,
      granted: false,
    };
  }

  protected acquire(lock: EtcdLock): void {
    this.withLease(() => this.transact(lock));
  }

  /** Step 1; safe to repeat, since the key is named after the lease. */
  private transact(lock: EtcdLock): void {
    if (this.locks.get(lock.resource) !== lock) return; // cancelled while waiting for a lease
    const lease = this.lease;
    if (lease === undefined || !lease.alive) {
      this.withLease(() => this.transact(lock));
      return;
    }
    this.countAttempt(lock, 'steps');
    lock.phase = 'transacting';
    lock.lease = lease;
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
    if (leaseGone && record.lease !== undefined) this.leaseLost(record.lease);
    const lock = record.lock;
    if (lock === undefined) return;
    if (this.locks.get(lock.resource) !== lock) {
      // Cancelled while its transaction was in flight: remove the key it made.
      if (record.kind === 'txn' && !leaseGone) this.send('delete', undefined, record.lease, { type: ETCD_DELETE, key: str(this.id, from, payload, 'key') });
      return;
    }
    if (lock.step !== record.step) return;
    this.cancelTimer(lock);
    this.advance(lock, record.kind, from, payload, leaseGone);
  }

  private advance(lock: EtcdLock, kind: OpKind, from: string, payload: Message, leaseGone: boolean): void {
    switch (kind) {
      case 'txn':
        if (leaseGone) {
          if (this.locks.get(lock.resource) === lock) this.fail(lock, 'ABORTED');
          return;
        }
        this.onTransacted(lock, from, payload);
        return;
      case 'range':
        this.onPredecessor(lock, str(this.id, from, payload, 'predecessor'), int(this.id, from, payload, 'revision'));
        return;
      case 'watch':
        this.onWatching(lock);
        return;
      case 'get':
        if (int(this.id, from, payload, 'createRevision') === lock.createRevision) this.hold(lock);
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
      this.hold(lock);
      return;
    }
    if (lock.noQueue) {
      this.fail(lock, 'NOTQUEUED');
      return;
    }
    this.readPredecessor(lock);
  }

  private onPredecessor(lock: EtcdLock, predecessor: string, revision: number): void {
    if (predecessor !== '') {
      this.watch(lock, predecessor, revision);
      return;
    }
    if (this.s.trustWait) this.hold(lock);
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

  private hold(lock: EtcdLock): void {
    lock.phase = 'held';
    lock.granted = true;
    this.nextStep(lock);
    lock.token = this.s.fencing ? lock.createRevision : undefined;
    this.traceGrant(lock);
    this.completeGranted(lock);
  }

  private fail(lock: EtcdLock, status: 'ABORTED' | 'NOTQUEUED'): void {
    this.abandon(lock);
    this.end(lock, { status });
  }

  /** Stop an acquisition: its replies and timers go stale, and its key is deleted (fire and forget). */
  protected abandon(lock: EtcdLock): void {
    this.cancelTimer(lock);
    this.nextStep(lock);
    if (lock.key !== undefined && lock.lease !== undefined && lock.lease.alive) {
      this.send('delete', undefined, lock.lease, { type: ETCD_DELETE, key: lock.key });
    }
  }

  private timedOut(lock: EtcdLock, op: number): void {
    const record = this.ops.get(op);
    this.ops.delete(op);
    if (record === undefined) return;
    if (record.kind === 'delete') {
      if (lock.deleteTries >= MAX_ETCD_DELETE_TRIES) this.released(lock);
      else this.sendDelete(lock);
      return;
    }
    lock.phase = 'backoff';
    this.armRetryTimer(lock, new EtcdTimer('backoff', lock.resource, this.nextStep(lock), 0));
  }

  /** After a lost reply: the transaction again if it never answered, else the read again. */
  private resumeAfterBackoff(lock: EtcdLock): void {
    if (lock.phase !== 'backoff') return;
    if (lock.key === undefined) this.transact(lock);
    else this.readPredecessor(lock);
  }

  // --- release ---------------------------------------------------------------------------------

  protected unlock(lock: EtcdLock): void {
    if (lock.granted) {
      lock.granted = false;
      this.traceRelease(lock);
    }
    lock.phase = 'releasing';
    lock.deleteTries = 0;
    if (lock.lease === undefined || !lock.lease.alive) {
      this.released(lock); // the lease is gone, and its key with it
      return;
    }
    this.sendDelete(lock);
  }

  private sendDelete(lock: EtcdLock): void {
    lock.deleteTries += 1;
    this.sendStep(lock, 'delete', { type: ETCD_DELETE, key: this.keyOf(lock) });
  }

  private released(lock: EtcdLock): void {
    this.cancelTimer(lock);
    this.nextStep(lock);
    this.end(lock, { status: 'UNLOCKED' });
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** Send one step of `lock` and arm its request timeout. */
  private sendStep(lock: EtcdLock, kind: OpKind, body: Message): void {
    this.nextStep(lock);
    const op = this.send(kind, lock, lock.lease, body);
    this.armRequestTimer(lock, new EtcdTimer('timeout', lock.resource, lock.step, op));
  }

  private send(kind: OpKind, lock: EtcdLock | undefined, lease: LeaseRecord | undefined, body: Message): number {
    const op = this.nextOp++;
    const ctx = this.host.ctx;
    this.ops.set(op, { kind, lock, step: lock?.step ?? 0, sentUs: ctx.now(this.s.clock), lease });
    ctx.send(this.s.store, { ...body, op });
    return op;
  }

  private nextStep(lock: EtcdLock): number {
    lock.step += 1;
    return lock.step;
  }

  private keyOf(lock: EtcdLock): string {
    if (lock.key === undefined) throw new ProtocolInvariantError(this.id, `lock on ${lock.resource} has no key yet`);
    return lock.key;
  }
}
