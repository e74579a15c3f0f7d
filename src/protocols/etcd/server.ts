/**
 * An etcd v3 key-value store in the shape etcd's lock (`concurrency.Mutex`) needs: leases with a
 * TTL kept alive by the client, keys attached to a lease, one revision counter for the whole
 * store, a transaction that compares a key's create revision before writing it, a range read of
 * the newest key under a prefix below a create revision, and watches for a key's deletion.
 *
 * **Failure model.** A real etcd cluster is a Raft group; this is one node, m1, standing for the
 * whole group as a single linearizable store. What that keeps: every request is applied atomically
 * in one total order (revisions increase by one per write), a lease ends only when the store's
 * own clock says its TTL passed without a keep-alive, and everything survives a crash of m1
 * (state is on disk, `ctx.durable`, as Raft's log is on a quorum's disks; after a restart every
 * live lease gets a fresh TTL, as etcd's new leader does). What it leaves out: a minority
 * partition of the cluster, leader elections and their timing, and stale reads from a follower —
 * a partition between a client and m1 stands for a client cut off from the whole cluster. The
 * lock lessons on this protocol fail through the client (a pause, a lease that ends while its
 * owner waits), not through the replication, so this model does not hide what they teach.
 *
 * The lock key of a client is `<resource>/<lease id>`, as the Mutex names it (`pfx + lease id`),
 * so a retried acquisition transaction finds the key it already made: there are no ghost keys.
 * The key's create revision orders the waiters and is the fencing token (etcd issue 11456: "the
 * revision of the lock key").
 *
 * The grant is the store's: it traces `grant` {client, resource, mode EX, token when fencing}
 * the first time it tells a key's owner that no key under the resource was created before it (an
 * acquisition answered `owner`, or a read that finds no predecessor of the caller's existing key).
 * That is the moment the lock is the client's, whether or not the client hears it at once: a
 * client paused with the answer in flight learns of its grant later, but the grant is ordered
 * where the store made it, so tokens are judged in the order the store issued them. The grant
 * ends when the store deletes the key: `release` {reason: 'unlock'} when its owner deletes it,
 * `expire` when its lease ends. Watches are independent of leases, as in etcd, and are traced as
 * `notify` {client, path, cause, change}.
 */
import type { ServiceOptions } from '../contract.js';
import type { ExpireFields, GrantFields, ReleaseFields } from '../../vocabulary/index.js';
import type { ClockKind, Message, Process, ProcessContext, ProcessFactory, TimerId } from '../../sim/types.js';
import { ProtocolInvariantError, int, str } from '../shared.js';
import { msToUs } from '../../sim/index.js';
import type { NotifyFields } from '../zk/server.js';

export const ETCD_LEASE_GRANT = 'etcd.lease-grant';
export const ETCD_LEASE_GRANTED = 'etcd.lease-granted';
export const ETCD_KEEPALIVE = 'etcd.keepalive';
export const ETCD_KEEPALIVE_REPLY = 'etcd.keepalive-reply';
export const ETCD_LOCK_TXN = 'etcd.lock-txn';
export const ETCD_RANGE_BEFORE = 'etcd.range-before';
export const ETCD_WATCH_DELETE = 'etcd.watch-delete';
export const ETCD_GET = 'etcd.get';
export const ETCD_DELETE = 'etcd.delete';
export const ETCD_REPLY = 'etcd.reply';
export const ETCD_DELETED = 'etcd.deleted';

export const ETCD_DURABLE_STATE = 'etcd/state';

/** Bounds: leases ever granted, keys alive. */
export const MAX_ETCD_LEASES = 1_000_000;
export const MAX_ETCD_KEYS = 1_000_000;

/** The lock key of the lease `lease` on `resource`, as etcd's Mutex names it. */
export function lockKey(resource: string, lease: number): string {
  return `${resource}/${lease.toString(16)}`;
}

interface EtcdLease {
  readonly id: number;
  readonly client: string;
  alive: boolean;
  lastHeardUs: number;
  readonly keys: Set<string>;
}

interface EtcdKey {
  readonly key: string;
  readonly resource: string;
  readonly createRevision: number;
  readonly lease: number;
  readonly client: string;
  /** The owner was told no key under its resource was created before this one: the store granted it the lock. */
  announced: boolean;
}

interface EtcdState {
  revision: number;
  nextLease: number;
  readonly leases: Map<number, EtcdLease>;
  /** resource → its keys in create-revision order. */
  readonly prefixes: Map<string, Map<string, EtcdKey>>;
  /** key → the clients watching for its deletion. */
  readonly watches: Map<string, Set<string>>;
}

class LeaseTimer {
  constructor(readonly lease: number) {}
}

class EtcdStore implements Process {
  private readonly st: EtcdState;
  private readonly timers = new Map<number, TimerId>();
  private keyCount = 0;

  constructor(
    ctx: ProcessContext,
    private readonly clock: ClockKind,
    private readonly ttlUs: number,
    private readonly fencing: boolean,
  ) {
    const existing = ctx.durable.get(ETCD_DURABLE_STATE);
    if (existing !== undefined) {
      this.st = existing as EtcdState;
      for (const keys of this.st.prefixes.values()) this.keyCount += keys.size;
    } else {
      this.st = { revision: 0, nextLease: 1, leases: new Map(), prefixes: new Map(), watches: new Map() };
      ctx.durable.set(ETCD_DURABLE_STATE, this.st);
    }
  }

  onStart(ctx: ProcessContext): void {
    const now = ctx.now(this.clock);
    for (const lease of this.st.leases.values()) {
      if (!lease.alive) continue;
      lease.lastHeardUs = now;
      this.armExpiry(ctx, lease);
    }
  }

  onMessage(ctx: ProcessContext, from: string, payload: Message): void {
    switch (payload.type) {
      case ETCD_LEASE_GRANT:
        this.onLeaseGrant(ctx, from, payload);
        return;
      case ETCD_KEEPALIVE:
        this.onKeepAlive(ctx, from, payload);
        return;
      case ETCD_LOCK_TXN:
        this.onLockTxn(ctx, from, payload);
        return;
      case ETCD_RANGE_BEFORE:
        this.onRangeBefore(ctx, from, payload);
        return;
      case ETCD_WATCH_DELETE:
        this.onWatchDelete(ctx, from, payload);
        return;
      case ETCD_GET:
        this.onGet(ctx, from, payload);
        return;
      case ETCD_DELETE:
        this.onDelete(ctx, from, payload);
        return;
      default:
        return;
    }
  }

  onTimer(ctx: ProcessContext, tag: unknown): void {
    if (!(tag instanceof LeaseTimer)) return;
    this.timers.delete(tag.lease);
    const lease = this.st.leases.get(tag.lease);
    if (lease === undefined || !lease.alive) return;
    if (ctx.now(this.clock) < lease.lastHeardUs + this.ttlUs) {
      this.armExpiry(ctx, lease); // kept alive since the timer was armed
      return;
    }
    this.expire(ctx, lease);
  }

  // --- leases ----------------------------------------------------------------------------------

  private onLeaseGrant(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    if (this.st.leases.size >= MAX_ETCD_LEASES) throw new ProtocolInvariantError(ctx.id, `more than ${MAX_ETCD_LEASES} leases`);
    const lease: EtcdLease = { id: this.st.nextLease++, client: from, alive: true, lastHeardUs: ctx.now(this.clock), keys: new Set() };
    this.st.leases.set(lease.id, lease);
    this.armExpiry(ctx, lease);
    ctx.send(from, { type: ETCD_LEASE_GRANTED, op, lease: lease.id });
  }

  /** A keep-alive answered with `alive: false` is etcd's TTL of 0: the lease is gone. */
  private onKeepAlive(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const id = int(ctx.id, from, payload, 'lease');
    const alive = this.touch(ctx, id) !== undefined;
    ctx.send(from, { type: ETCD_KEEPALIVE_REPLY, op, lease: id, alive });
  }

  private touch(ctx: ProcessContext, id: number): EtcdLease | undefined {
    const lease = this.st.leases.get(id);
    if (lease === undefined || !lease.alive) return undefined;
    lease.lastHeardUs = ctx.now(this.clock);
    return lease;
  }

  private armExpiry(ctx: ProcessContext, lease: EtcdLease): void {
    if (this.ttlUs === 0 || this.timers.has(lease.id)) return;
    this.timers.set(lease.id, ctx.setTimerAt(lease.lastHeardUs + this.ttlUs, this.clock, new LeaseTimer(lease.id)));
  }

  private expire(ctx: ProcessContext, lease: EtcdLease): void {
    lease.alive = false;
    for (const key of [...lease.keys]) {
      const entry = this.keyAt(key);
      if (entry === undefined) throw new ProtocolInvariantError(ctx.id, `lease ${lease.id} owns missing key ${key}`);
      if (entry.announced) {
        const expire: ExpireFields = { client: entry.client, resource: entry.resource };
        ctx.trace('expire', { ...expire });
      }
      this.deleteKey(ctx, entry);
    }
  }

  // --- keys ------------------------------------------------------------------------------------

  private keyAt(key: string): EtcdKey | undefined {
    const slash = key.lastIndexOf('/');
    if (slash < 0) return undefined;
    return this.st.prefixes.get(key.slice(0, slash))?.get(key);
  }

  /**
   * The Mutex's acquisition transaction: `If(CreateRevision(key) == 0) Then(Put(key, lease))
   * Else(Get(key))`, then `Get(prefix, WithFirstCreate)`. It answers the key's create revision
   * and whether that key is the first under the prefix (then the caller holds the lock).
   */
  private onLockTxn(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const lease = this.touch(ctx, int(ctx.id, from, payload, 'lease'));
    const resource = str(ctx.id, from, payload, 'resource');
    if (lease === undefined) {
      ctx.send(from, { type: ETCD_REPLY, op, err: 'LEASE_NOT_FOUND' });
      return;
    }
    const key = lockKey(resource, lease.id);
    const entry = this.keyAt(key) ?? this.put(ctx, resource, key, lease);
    const owner = this.firstUnder(resource) === entry;
    if (owner) this.announce(ctx, entry);
    ctx.send(from, { type: ETCD_REPLY, op, key, createRevision: entry.createRevision, owner, revision: this.st.revision });
  }

  private put(ctx: ProcessContext, resource: string, key: string, lease: EtcdLease): EtcdKey {
    if (this.keyCount >= MAX_ETCD_KEYS) throw new ProtocolInvariantError(ctx.id, `more than ${MAX_ETCD_KEYS} keys`);
    let keys = this.st.prefixes.get(resource);
    if (keys === undefined) {
      keys = new Map();
      this.st.prefixes.set(resource, keys);
    }
    this.st.revision += 1;
    const entry: EtcdKey = { key, resource, createRevision: this.st.revision, lease: lease.id, client: lease.client, announced: false };
    keys.set(key, entry);
    lease.keys.add(key);
    this.keyCount += 1;
    return entry;
  }

  private firstUnder(resource: string): EtcdKey | undefined {
    return this.st.prefixes.get(resource)?.values().next().value;
  }

  /**
   * `Get(prefix, WithLastCreate, WithMaxCreateRev(below - 1))`: the newest key created before
   * revision `below`, which the waiter must see deleted. When there is none, and the caller's own
   * key `self` still exists, the caller is first: the store grants it the lock. The reply's
   * `owner` says so; it is for the trace only (a real etcd does not send it), so that a client
   * whose key is gone and that trusts its wait (etcd issue 9921) traces the grant it decided alone.
   */
  private onRangeBefore(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const resource = str(ctx.id, from, payload, 'resource');
    const below = int(ctx.id, from, payload, 'below');
    const self = str(ctx.id, from, payload, 'self');
    let predecessor: EtcdKey | undefined;
    for (const entry of this.st.prefixes.get(resource)?.values() ?? []) {
      if (entry.createRevision < below) predecessor = entry;
    }
    const own = predecessor === undefined ? this.keyAt(self) : undefined;
    if (own !== undefined) this.announce(ctx, own);
    ctx.send(from, { type: ETCD_REPLY, op, predecessor: predecessor?.key ?? '', owner: own !== undefined, revision: this.st.revision });
  }

  /**
   * Watch `key` for deletion from revision `after` (the revision of the read that found it): if
   * it is already gone, or replaced by a key created later, the deletion is reported at once, as
   * an etcd watch starting at an older revision replays it.
   */
  private onWatchDelete(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const key = str(ctx.id, from, payload, 'key');
    const after = int(ctx.id, from, payload, 'after');
    const entry = this.keyAt(key);
    ctx.send(from, { type: ETCD_REPLY, op, watching: true });
    if (entry === undefined || entry.createRevision > after) {
      this.notify(ctx, from, key);
      return;
    }
    let watchers = this.st.watches.get(key);
    if (watchers === undefined) {
      watchers = new Set();
      this.st.watches.set(key, watchers);
    }
    watchers.add(from);
  }

  /** `Get(key)`: the key's create revision, 0 when it does not exist (the check etcd #11456 added). */
  private onGet(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const key = str(ctx.id, from, payload, 'key');
    ctx.send(from, { type: ETCD_REPLY, op, createRevision: this.keyAt(key)?.createRevision ?? 0 });
  }

  /** The first time the owner of `entry` is told it is first, the store grants it the lock. */
  private announce(ctx: ProcessContext, entry: EtcdKey): void {
    if (entry.announced) return;
    entry.announced = true;
    const grant: GrantFields = { client: entry.client, resource: entry.resource, mode: 'EX' };
    if (this.fencing) grant.token = entry.createRevision;
    ctx.trace('grant', { ...grant });
  }

  private onDelete(ctx: ProcessContext, from: string, payload: Message): void {
    const op = int(ctx.id, from, payload, 'op');
    const entry = this.keyAt(str(ctx.id, from, payload, 'key'));
    if (entry?.announced === true) {
      const release: ReleaseFields = { client: entry.client, resource: entry.resource, reason: 'unlock' };
      ctx.trace('release', { ...release });
    }
    if (entry !== undefined) this.deleteKey(ctx, entry);
    ctx.send(from, { type: ETCD_REPLY, op, deleted: entry !== undefined });
  }

  private deleteKey(ctx: ProcessContext, entry: EtcdKey): void {
    const keys = this.st.prefixes.get(entry.resource);
    if (keys === undefined || !keys.delete(entry.key)) throw new ProtocolInvariantError(ctx.id, `deleting missing key ${entry.key}`);
    this.st.leases.get(entry.lease)?.keys.delete(entry.key);
    this.keyCount -= 1;
    this.st.revision += 1;
    const watchers = this.st.watches.get(entry.key);
    if (watchers === undefined) return;
    this.st.watches.delete(entry.key);
    for (const client of watchers) this.notify(ctx, client, entry.key);
  }

  private notify(ctx: ProcessContext, client: string, key: string): void {
    const notify: NotifyFields = { client, path: key, cause: key, change: 'deleted' };
    ctx.trace('notify', { ...notify });
    ctx.send(client, { type: ETCD_DELETED, key });
  }
}

/** The process factory of the etcd store under `options` (leaseMs = lease TTL, expiryClock). */
export function etcdStore(options: ServiceOptions): ProcessFactory {
  const clock = options.expiryClock;
  const ttlUs = msToUs(options.leaseMs);
  return (ctx: ProcessContext): Process => new EtcdStore(ctx, clock, ttlUs, options.fencing);
}
