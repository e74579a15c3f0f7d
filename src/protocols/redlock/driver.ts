/**
 * The client half of Redlock: the acquisition algorithm of the redis distlock page, step by step
 * (pitfalls §3 "Redlock spec"), driven by a scripted client through the {@link LockDriver}
 * contract.
 *
 * 1. Read T1 on the client clock (`clientClock`, default mono; S04 outcome D uses wall).
 * 2. `SET resource value NX PX ttl` on every instance with a fresh random value, each with the
 *    per-instance timeout `requestTimeoutMs`: one after another (`fanout: 'sequential'`, the
 *    spec's wording, S03) or all at once (`'parallel'`, multiplexed, S04).
 * 3–4. After every instance answered or timed out, read T2; with `validityCheck`, the lock is
 *    acquired iff a majority (⌊N/2⌋+1) said OK and validity = TTL − (T2−T1) − drift > 0, where
 *    drift = round(driftFactor·TTL) + driftExtraMs (1 % + 2 ms by default, S05). The client
 *    then believes it holds the lock until T2 + validity − clientMargin = T1 + TTL − drift −
 *    clientMargin on its own clock. Without `validityCheck` (the naive client of S04 outcome
 *    A) a majority is enough and the client believes it has TTL − drift from T2.
 * 5. Otherwise it unlocks every instance (even those that refused) and retries after a random
 *    delay in (0, retryDelayMs] from its `retry` stream — or, with NOQUEUE, reports NOTQUEUED.
 *
 * Unlock sends the compare-and-delete script (`release: 'compare-and-delete'`) or a plain DEL
 * (`'del'`) to every instance, and completes when all answered or the timeout passed.
 *
 * What the checkers see (DESIGN §4): the client is the decider. It traces `grant` {client,
 * resource, mode: 'EX'} at the moment it decides it holds the lock, and arms a mark `expire`
 * {client, resource} at its validity deadline on its own clock — a mark, so the grant ends when
 * the clock passes the deadline even if the client is paused then. An unlock before the
 * deadline cancels the mark and traces `release` {reason: 'unlock'}; an unlock after it traces
 * nothing (the grant already expired). Redlock issues no fencing tokens: its random values have
 * no order (pitfalls S02 (c)), so `token()` is always undefined.
 */
import type { ClientSpec, DriverHost, LocalDeadline, LockRequest, ServiceOptions } from '../contract.js';
import type { ExpireFields } from '../../vocabulary/index.js';
import type { Message, TimerId } from '../../sim/types.js';
import { ExclusiveDriver, type ExclusiveLock } from '../common/exclusive-driver.js';
import { delCommand } from '../common/key-commands.js';
import { ProtocolConfigError, bool, clientSettings, int, noQueue, uniqueValue, type ClientSettings } from '../shared.js';
import { msToUs } from '../../sim/index.js';
import { RL_DEL, RL_DEL_REPLY, RL_SET, RL_SET_REPLY, type RedlockDel, type RedlockSet } from './instance.js';

/** One lock of the client; `attempts` also numbers its release rounds. */
interface RedlockLock extends ExclusiveLock<'acquiring' | 'backoff'> {
  /** The random value of the current attempt (of the grant, once held). */
  value: string;
  /** T1 of the current attempt, on the client clock. */
  t1Us: number;
  /** Sequential fan-out: index of the instance being asked. */
  next: number;
  successes: number;
  /** Instances that answered or timed out in this round (acquire or release). */
  answered: number;
  /** Validity deadline on the client clock, once held. */
  deadlineUs: number;
  /** The `expire` mark of the grant, once held. */
  mark: TimerId | undefined;
  /** The grant has not yet ended (no release traced, mark not passed). */
  granted: boolean;
  /** Redlock issues no fencing tokens. */
  readonly token: undefined;
}

/** An outstanding request to one instance. */
interface PendingOp {
  readonly resource: string;
  /** The attempt (or, for a release round, the negative attempt) it belongs to. */
  readonly round: number;
}

/** Timer tags of this driver (the scripted client hands back tags it did not arm itself). */
class RedlockTimer {
  constructor(
    readonly resource: string,
    readonly kind: 'timeout' | 'retry' | 'release',
    readonly round: number,
    /** Sequential fan-out: the op that timed out. */
    readonly op: number,
  ) {}
}

/** Static settings of one Redlock client. */
interface RedlockSettings extends ClientSettings {
  readonly instances: readonly string[];
  readonly quorum: number;
  readonly ttlMs: number;
  readonly ttlUs: number;
  readonly driftUs: number;
  readonly sequential: boolean;
  readonly validityCheck: boolean;
  readonly compareAndDelete: boolean;
}

/** Reads and checks the Redlock options; throws {@link ProtocolConfigError}. */
export function redlockSettings(instances: readonly string[], options: ServiceOptions): RedlockSettings {
  const base = clientSettings('redlock', options);
  if (instances.length < 1) throw new ProtocolConfigError('redlock', 'needs at least one instance');
  if (!(options.leaseMs > 0)) {
    throw new ProtocolConfigError('redlock', `needs lockService.leaseMs > 0 (the key TTL), got ${options.leaseMs}`);
  }
  if (!(Number.isFinite(options.driftFactor) && options.driftFactor >= 0)) {
    throw new ProtocolConfigError('redlock', `driftFactor must be >= 0, got ${options.driftFactor}`);
  }
  if (!(Number.isFinite(options.driftExtraMs) && options.driftExtraMs >= 0)) {
    throw new ProtocolConfigError('redlock', `driftExtraMs must be >= 0, got ${options.driftExtraMs}`);
  }
  const ttlUs = msToUs(options.leaseMs);
  return {
    ...base,
    instances: [...instances],
    quorum: Math.floor(instances.length / 2) + 1,
    ttlMs: options.leaseMs,
    ttlUs,
    driftUs: Math.round(options.driftFactor * ttlUs) + msToUs(options.driftExtraMs),
    sequential: (options.fanout ?? 'parallel') === 'sequential',
    validityCheck: options.validityCheck,
    compareAndDelete: options.release === 'compare-and-delete',
  };
}

/** Most locks (resources) one client holds or acquires at once. */
export const MAX_REDLOCK_LOCKS = 10_000;

/**
 * The Redlock client: request checks, dispatch and timer bookkeeping come from
 * {@link ExclusiveDriver}; this class runs the distlock algorithm and judges validity.
 */
export class RedlockDriver extends ExclusiveDriver<RedlockLock, RedlockSettings> {
  private readonly pending = new Map<number, PendingOp>();
  private nextOp = 1;
  private values = 0;

  constructor(host: DriverHost, client: ClientSpec, s: RedlockSettings) {
    super(host, client.id, s, MAX_REDLOCK_LOCKS);
  }

  start(): void {
    // Redlock keeps no session: nothing to open.
  }

  onMessage(from: string, payload: Message): boolean {
    if (payload.type === RL_SET_REPLY) {
      this.onSetReply(int(this.id, from, payload, 'op'), bool(this.id, from, payload, 'ok'));
      return true;
    }
    if (payload.type === RL_DEL_REPLY) {
      this.onDelReply(int(this.id, from, payload, 'op'));
      return true;
    }
    return false;
  }

  onTimer(tag: unknown): boolean {
    if (!(tag instanceof RedlockTimer)) return false;
    const lock = this.locks.get(tag.resource);
    if (lock === undefined) return true;
    lock.timer = undefined;
    switch (tag.kind) {
      case 'timeout':
        if (lock.phase !== 'acquiring' || tag.round !== lock.attempts) return true;
        if (this.s.sequential) {
          this.pending.delete(tag.op);
          lock.answered += 1;
          lock.next += 1;
          this.askNext(lock);
        } else {
          this.dropPending(lock.resource);
          this.decide(lock);
        }
        return true;
      case 'retry':
        if (lock.phase === 'backoff') this.attempt(lock);
        return true;
      case 'release':
        if (lock.phase === 'releasing') this.released(lock);
        return true;
    }
  }

  leaseDeadline(resource: string): LocalDeadline | undefined {
    const lock = this.held(resource);
    if (lock === undefined) return undefined;
    return { clock: this.s.clock, atUs: lock.deadlineUs };
  }

  // --- acquisition -----------------------------------------------------------------------------

  protected newLock(req: LockRequest): RedlockLock {
    return {
      resource: req.resource,
      noQueue: noQueue(req),
      phase: 'acquiring',
      attempts: 0,
      value: '',
      t1Us: 0,
      next: 0,
      successes: 0,
      answered: 0,
      timer: undefined,
      deadlineUs: 0,
      mark: undefined,
      granted: false,
      token: undefined,
    };
  }

  protected acquire(lock: RedlockLock): void {
    this.attempt(lock);
  }

  /** Steps 1–2: a fresh value, T1, and the SETs. */
  private attempt(lock: RedlockLock): void {
    const ctx = this.host.ctx;
    this.countAttempt(lock, 'retries');
    lock.phase = 'acquiring';
    this.values += 1;
    lock.value = uniqueValue(this.id, this.values, ctx.rng('value'));
    lock.t1Us = ctx.now(this.s.clock);
    lock.next = 0;
    lock.successes = 0;
    lock.answered = 0;
    if (this.s.sequential) {
      this.askNext(lock);
      return;
    }
    for (const instance of this.s.instances) this.sendSet(lock, instance);
    this.armRequestTimer(lock, new RedlockTimer(lock.resource, 'timeout', lock.attempts, 0));
  }

  private sendSet(lock: RedlockLock, instance: string): number {
    const op = this.nextOp++;
    this.pending.set(op, { resource: lock.resource, round: lock.attempts });
    const msg: RedlockSet = { type: RL_SET, op, key: lock.resource, value: lock.value, pxMs: this.s.ttlMs };
    this.host.ctx.send(instance, msg);
    return op;
  }

  /** Sequential fan-out: ask instance `lock.next`, or decide when all were asked. */
  private askNext(lock: RedlockLock): void {
    const instance = this.s.instances[lock.next];
    if (instance === undefined) {
      this.decide(lock);
      return;
    }
    const op = this.sendSet(lock, instance);
    this.armRequestTimer(lock, new RedlockTimer(lock.resource, 'timeout', lock.attempts, op));
  }

  private onSetReply(op: number, ok: boolean): void {
    const p = this.pending.get(op);
    if (p === undefined) return; // late: its instance already timed out
    this.pending.delete(op);
    const lock = this.locks.get(p.resource);
    if (lock === undefined || lock.phase !== 'acquiring' || p.round !== lock.attempts) return;
    if (ok) lock.successes += 1;
    lock.answered += 1;
    if (this.s.sequential) {
      this.cancelTimer(lock);
      lock.next += 1;
      this.askNext(lock);
    } else if (lock.answered === this.s.instances.length) {
      this.cancelTimer(lock);
      this.decide(lock);
    }
  }

  /** Steps 3–5: majority and validity, then grant, or unlock all and back off. */
  private decide(lock: RedlockLock): void {
    const ctx = this.host.ctx;
    const t2Us = ctx.now(this.s.clock);
    const elapsedUs = t2Us - lock.t1Us;
    const validityUs = this.s.validityCheck ? this.s.ttlUs - elapsedUs - this.s.driftUs : this.s.ttlUs - this.s.driftUs;
    const deadlineUs = t2Us + validityUs - this.s.marginUs;
    if (lock.successes >= this.s.quorum && validityUs > 0 && deadlineUs > t2Us) {
      lock.phase = 'held';
      lock.deadlineUs = deadlineUs;
      lock.granted = true;
      this.traceGrant(lock);
      const expire: ExpireFields = { client: this.id, resource: lock.resource };
      // The lock ends at its validity deadline whether or not this client lives to see it: a
      // crash must not leave the grant open forever in the trace (a false mutual-exclusion).
      lock.mark = ctx.markAt(deadlineUs, this.s.clock, 'expire', { ...expire }, { outlivesCrash: true });
      this.completeGranted(lock);
      return;
    }
    this.deleteEverywhere(lock.resource, lock.value);
    if (lock.noQueue) {
      this.end(lock, { status: 'NOTQUEUED' });
      return;
    }
    lock.phase = 'backoff';
    this.armRetryTimer(lock, new RedlockTimer(lock.resource, 'retry', lock.attempts, 0));
  }

  /** Cancel: stop the acquisition and remove whatever keys this attempt set. */
  protected abandon(lock: RedlockLock): void {
    this.cancelTimer(lock);
    this.dropPending(lock.resource);
    if (lock.phase === 'acquiring') this.deleteEverywhere(lock.resource, lock.value);
  }

  // --- release ---------------------------------------------------------------------------------

  protected unlock(lock: RedlockLock): void {
    const ctx = this.host.ctx;
    this.endGrant(lock);
    lock.phase = 'releasing';
    lock.answered = 0;
    lock.attempts += 1;
    for (const instance of this.s.instances) {
      const op = this.nextOp++;
      this.pending.set(op, { resource: lock.resource, round: -lock.attempts });
      ctx.send(instance, this.delMessage(op, lock.resource, lock.value));
    }
    this.armRequestTimer(lock, new RedlockTimer(lock.resource, 'release', -lock.attempts, 0));
  }

  /** End the grant at the unlock: before the deadline the mark is cancelled and `release` traced. */
  private endGrant(lock: RedlockLock): void {
    if (!lock.granted) return;
    lock.granted = false;
    const ctx = this.host.ctx;
    // The mark fires at the first instant the clock reads the deadline: while the clock is still
    // below it, the mark is pending and this unlock ends the grant; otherwise the mark did (or
    // does, at this very instant) and the unlock must leave it alone.
    if (ctx.now(this.s.clock) < lock.deadlineUs) {
      if (lock.mark !== undefined) ctx.cancelMark(lock.mark);
      this.traceRelease(lock);
    }
    lock.mark = undefined;
  }

  private onDelReply(op: number): void {
    const p = this.pending.get(op);
    if (p === undefined) return;
    this.pending.delete(op);
    const lock = this.locks.get(p.resource);
    if (lock === undefined || lock.phase !== 'releasing' || p.round !== -lock.attempts) return;
    lock.answered += 1;
    if (lock.answered === this.s.instances.length) this.released(lock);
  }

  private released(lock: RedlockLock): void {
    this.cancelTimer(lock);
    this.dropPending(lock.resource);
    this.end(lock, { status: 'UNLOCKED' });
  }

  /** Spec step 5: unlock every instance, unanswered (op 0: replies are ignored). */
  private deleteEverywhere(resource: string, value: string): void {
    for (const instance of this.s.instances) this.host.ctx.send(instance, this.delMessage(0, resource, value));
  }

  private delMessage(op: number, key: string, value: string): RedlockDel {
    return delCommand(RL_DEL, op, key, value, this.s.compareAndDelete);
  }

  /** Forget the outstanding requests of `resource` (their late replies are then ignored). */
  private dropPending(resource: string): void {
    for (const [op, p] of [...this.pending]) if (p.resource === resource) this.pending.delete(op);
  }
}
