/**
 * The client half of the single-instance lease lock (pitfalls S08): `SET resource value NX PX
 * ttl` with a fresh random value; on refusal or a lost reply, retry after a random delay in
 * (0, retryDelayMs] (or NOTQUEUED with NOQUEUE); unlock with the compare-and-delete script
 * (`release: 'compare-and-delete'`, the fix) or a plain DEL (`'del'`, the bug).
 *
 * The instance is the decider and traces grant/expire/release; the client traces nothing of its
 * own. Its belief deadline (`leaseDeadline`) is the TTL measured on its own clock from when it
 * *sent* the SET — the key was set no earlier — minus `clientMarginMs`. The fencing token, when
 * the instance issues one, comes back with the SET reply.
 *
 * A SET whose reply is lost or late counts as failed: the client retries with a new value, and
 * a key the lost SET did set (an orphan, granted to this client by the instance) blocks every
 * retry until its TTL runs out — the documented cost of the timeout. Unlock waits for the DEL's
 * reply at most `requestTimeoutMs`, then reports UNLOCKED anyway (the key, if the DEL was lost,
 * expires by its TTL).
 */
import type { ClientSpec, DriverHost, LocalDeadline, LockRequest, ServiceOptions } from '../contract.js';
import type { Message } from '../../sim/types.js';
import { ExclusiveDriver, type ExclusiveLock } from '../common/exclusive-driver.js';
import { delCommand } from '../common/key-commands.js';
import { ProtocolConfigError, bool, clientSettings, int, noQueue, uniqueValue, type ClientSettings } from '../shared.js';
import { msToUs } from '../../sim/index.js';
import { LL_DEL, LL_DEL_REPLY, LL_SET, LL_SET_REPLY, type LeaseDel, type LeaseSet } from './instance.js';

interface LeaseLock extends ExclusiveLock<'acquiring' | 'backoff'> {
  value: string;
  /** The op of the SET or DEL in flight, or of the retry timer (0: none). */
  op: number;
  /** When the SET of the current attempt was sent, on the client clock. */
  sentUs: number;
}

class LeaseTimer {
  constructor(
    readonly resource: string,
    readonly kind: 'timeout' | 'retry',
    readonly op: number,
  ) {}
}

interface LeaseSettings extends ClientSettings {
  readonly instance: string;
  readonly ttlMs: number;
  readonly ttlUs: number;
  readonly compareAndDelete: boolean;
}

/** Reads and checks the lease-lock options; throws {@link ProtocolConfigError}. */
export function leaseLockSettings(instances: readonly string[], options: ServiceOptions): LeaseSettings {
  const base = clientSettings('lease-lock', options);
  const instance = instances[0];
  if (instance === undefined) throw new ProtocolConfigError('lease-lock', 'needs its instance m1');
  return {
    ...base,
    instance,
    ttlMs: options.leaseMs,
    ttlUs: msToUs(options.leaseMs),
    compareAndDelete: options.release === 'compare-and-delete',
  };
}

/** Most locks one client holds or acquires at once. */
export const MAX_LEASE_LOCKS = 10_000;

/**
 * The lease-lock client: request checks, dispatch and timer bookkeeping come from
 * {@link ExclusiveDriver}; this class sends the SET and the DEL and reads their replies.
 */
export class LeaseLockDriver extends ExclusiveDriver<LeaseLock, LeaseSettings> {
  private nextOp = 1;
  private values = 0;

  constructor(host: DriverHost, client: ClientSpec, s: LeaseSettings) {
    super(host, client.id, s, MAX_LEASE_LOCKS);
  }

  start(): void {
    // No session: the key's TTL is the lease.
  }

  onMessage(from: string, payload: Message): boolean {
    if (payload.type === LL_SET_REPLY) {
      const op = int(this.id, from, payload, 'op');
      const ok = bool(this.id, from, payload, 'ok');
      const token = payload['token'] === undefined ? undefined : int(this.id, from, payload, 'token');
      this.onSetReply(op, ok, token);
      return true;
    }
    if (payload.type === LL_DEL_REPLY) {
      this.onDelReply(int(this.id, from, payload, 'op'));
      return true;
    }
    return false;
  }

  onTimer(tag: unknown): boolean {
    if (!(tag instanceof LeaseTimer)) return false;
    const lock = this.locks.get(tag.resource);
    if (lock === undefined || lock.op !== tag.op) return true;
    lock.timer = undefined;
    if (tag.kind === 'retry') {
      if (lock.phase === 'backoff') this.attempt(lock);
    } else if (lock.phase === 'acquiring') {
      this.failed(lock); // the SET's reply is lost or late
    } else if (lock.phase === 'releasing') {
      this.released(lock); // the DEL's reply is lost or late
    }
    return true;
  }

  leaseDeadline(resource: string): LocalDeadline | undefined {
    const lock = this.held(resource);
    if (lock === undefined || this.s.ttlUs === 0) return undefined;
    return { clock: this.s.clock, atUs: lock.sentUs + this.s.ttlUs - this.s.marginUs };
  }

  protected newLock(req: LockRequest): LeaseLock {
    return {
      resource: req.resource,
      noQueue: noQueue(req),
      phase: 'acquiring',
      attempts: 0,
      value: '',
      op: 0,
      sentUs: 0,
      timer: undefined,
      token: undefined,
    };
  }

  protected acquire(lock: LeaseLock): void {
    this.attempt(lock);
  }

  protected abandon(lock: LeaseLock): void {
    this.cancelTimer(lock);
    // A SET in flight may still set the key: remove it if it does (compare-and-delete on our value).
    if (lock.phase === 'acquiring') this.sendDel(lock.resource, 0, lock.value, true);
  }

  private attempt(lock: LeaseLock): void {
    const ctx = this.host.ctx;
    this.countAttempt(lock, 'retries');
    lock.phase = 'acquiring';
    this.values += 1;
    lock.value = uniqueValue(this.id, this.values, ctx.rng('value'));
    lock.op = this.nextOp++;
    lock.sentUs = ctx.now(this.s.clock);
    const msg: LeaseSet = { type: LL_SET, op: lock.op, key: lock.resource, value: lock.value, pxMs: this.s.ttlMs };
    ctx.send(this.s.instance, msg);
    this.armRequestTimer(lock, new LeaseTimer(lock.resource, 'timeout', lock.op));
  }

  private onSetReply(op: number, ok: boolean, token: number | undefined): void {
    const lock = this.findOp(op);
    if (lock === undefined || lock.phase !== 'acquiring') return;
    this.cancelTimer(lock);
    if (!ok) {
      this.failed(lock);
      return;
    }
    lock.phase = 'held';
    lock.op = 0;
    lock.token = token;
    this.completeGranted(lock);
  }

  private failed(lock: LeaseLock): void {
    if (lock.noQueue) {
      this.end(lock, { status: 'NOTQUEUED' });
      return;
    }
    lock.phase = 'backoff';
    lock.op = this.nextOp++;
    this.armRetryTimer(lock, new LeaseTimer(lock.resource, 'retry', lock.op));
  }

  protected unlock(lock: LeaseLock): void {
    lock.phase = 'releasing';
    lock.op = this.nextOp++;
    this.sendDel(lock.resource, lock.op, lock.value, this.s.compareAndDelete);
    this.armRequestTimer(lock, new LeaseTimer(lock.resource, 'timeout', lock.op));
  }

  private onDelReply(op: number): void {
    const lock = this.findOp(op);
    if (lock === undefined || lock.phase !== 'releasing') return;
    this.released(lock);
  }

  private released(lock: LeaseLock): void {
    this.cancelTimer(lock);
    this.end(lock, { status: 'UNLOCKED' });
  }

  private sendDel(key: string, op: number, value: string, compare: boolean): void {
    const msg: LeaseDel = delCommand(LL_DEL, op, key, value, compare);
    this.host.ctx.send(this.s.instance, msg);
  }

  private findOp(op: number): LeaseLock | undefined {
    if (op === 0) return undefined;
    for (const lock of this.locks.values()) if (lock.op === op) return lock;
    return undefined;
  }
}
