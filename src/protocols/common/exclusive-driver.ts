/**
 * The part of a client driver that Redlock, the zk recipe and the lease lock have in common.
 *
 * All three services know one mode (EX), no conversions and one flag (NOQUEUE), and a client
 * holds at most one lock per resource. So the answer to every request that is not a fresh
 * acquisition, an unlock of a held lock or a cancel of an acquisition in progress is the same for
 * all three — INVALID_ARG, BUSY or CANCELGRANT, reporting the mode still held so the scripted
 * client keeps its belief — and so is the bookkeeping around it: a bounded table of locks, one
 * timer in force per lock, the attempt bound, and how an outcome ends a lock. Writing that once
 * keeps the three drivers answering alike (a user compares them on the same scripts) and leaves
 * each driver with only what makes its protocol differ: how it acquires, releases and judges its
 * validity.
 *
 * {@link ExclusiveDriver} is a template: it owns {@link LockDriver.request} and
 * {@link LockDriver.token}, and calls back into the driver through four hooks — `newLock`,
 * `acquire`, `unlock` and `abandon`.
 */
import type { DriverHost, LocalDeadline, LockDriver, LockOutcome, LockRequest } from '../contract.js';
import type { GrantFields, ReleaseFields } from '../../vocabulary/index.js';
import type { Message, TimerId } from '../../sim/types.js';
import { MAX_ATTEMPTS_PER_REQUEST, ProtocolInvariantError, retryDelayUs, unsupported, type ClientSettings } from '../shared.js';

/**
 * Where one lock of a client is: `held`, `releasing`, or one of the driver's own acquisition
 * phases `A`. The shared dispatch needs no more than that: a lock in an acquisition phase may be
 * cancelled, a held one unlocked, a releasing one neither.
 */
export type ExclusivePhase<A extends string> = A | 'held' | 'releasing';

/** What every driver records about one lock request, from `lock` until its last outcome. */
export interface ExclusiveLock<A extends string = string> {
  readonly resource: string;
  /** The request carried NOQUEUE: report NOTQUEUED instead of waiting or retrying. */
  readonly noQueue: boolean;
  phase: ExclusivePhase<A>;
  /** Attempts (or, for the zk recipe, steps) counted against {@link MAX_ATTEMPTS_PER_REQUEST}. */
  attempts: number;
  /** The one request-timeout or retry timer in force for this lock, if any. */
  timer: TimerId | undefined;
  /** The fencing token of the grant, once held (undefined: the service issues none). */
  token: number | undefined;
}

/** Which bound a runaway acquisition broke, for the error message. */
export type AttemptUnit = 'retries' | 'steps';

/**
 * The shared half of the Redlock, zk and lease-lock drivers (see the module doc). `L` is the
 * driver's lock record, `S` its settings.
 */
export abstract class ExclusiveDriver<L extends ExclusiveLock, S extends ClientSettings> implements LockDriver {
  /** The client's locks by resource, in creation order; at most `maxLocks`. */
  protected readonly locks = new Map<string, L>();

  /**
   * @param host the scripted client this driver serves.
   * @param id the client's node id (traced as `client`, and named in errors).
   * @param s the driver's settings.
   * @param maxLocks most locks held or being acquired at once; one more is a runaway workload.
   */
  protected constructor(
    protected readonly host: DriverHost,
    protected readonly id: string,
    protected readonly s: S,
    private readonly maxLocks: number,
  ) {}

  abstract start(): void;
  abstract onMessage(from: string, payload: Message): boolean;
  abstract onTimer(tag: unknown): boolean;
  abstract leaseDeadline(resource: string): LocalDeadline | undefined;

  /**
   * Validate and dispatch one request. A refused request changes nothing, so its outcome reports
   * the mode still held (EX when the lock is held): the client keeps its belief.
   */
  request(req: LockRequest): void {
    const lock = this.locks.get(req.resource);
    const refusal = unsupported(req);
    if (refusal !== undefined) {
      this.host.complete(req.resource, keepingHeld(lock, refusal));
      return;
    }
    switch (req.op) {
      case 'lock':
        if (lock !== undefined) {
          this.host.complete(req.resource, keepingHeld(lock, { status: 'INVALID_ARG' }));
          return;
        }
        this.admit(req);
        return;
      case 'unlock':
        if (lock === undefined || lock.phase !== 'held') {
          this.host.complete(req.resource, { status: 'BUSY' });
          return;
        }
        this.unlock(lock);
        return;
      case 'cancel':
        if (lock === undefined || lock.phase === 'held' || lock.phase === 'releasing') {
          this.host.complete(req.resource, keepingHeld(lock, { status: 'CANCELGRANT' }));
          return;
        }
        this.abandon(lock);
        this.end(lock, { status: 'ABORTED' });
        return;
      case 'convert':
        throw new ProtocolInvariantError(this.id, 'convert passed the unsupported() check');
    }
  }

  /** The fencing token of the held lock on `resource`, if the service issued one. */
  token(resource: string): number | undefined {
    return this.held(resource)?.token;
  }

  // --- hooks -----------------------------------------------------------------------------------

  /** A fresh record for an admitted `lock` request (not yet in the table, no messages sent). */
  protected abstract newLock(req: LockRequest): L;

  /** Start acquiring `lock`, just entered in the table. */
  protected abstract acquire(lock: L): void;

  /** Release the held `lock`; the driver reports UNLOCKED (through {@link end}) when done. */
  protected abstract unlock(lock: L): void;

  /**
   * Stop acquiring `lock` (cancel): disarm its timer and undo whatever the acquisition may have
   * left at the service. The caller then ends the lock with ABORTED.
   */
  protected abstract abandon(lock: L): void;

  // --- helpers for the drivers -----------------------------------------------------------------

  /** The lock on `resource` when it is held. */
  protected held(resource: string): L | undefined {
    const lock = this.locks.get(resource);
    return lock !== undefined && lock.phase === 'held' ? lock : undefined;
  }

  /**
   * The last outcome of `lock`: it leaves the table first, so that the client, which may issue
   * its next request from inside `complete`, finds the resource free.
   */
  protected end(lock: L, outcome: LockOutcome): void {
    this.locks.delete(lock.resource);
    this.host.complete(lock.resource, outcome);
  }

  /** Report `lock` GRANTED in EX, with its fencing token when it has one. */
  protected completeGranted(lock: L): void {
    const token = lock.token;
    this.host.complete(lock.resource, token === undefined ? { status: 'GRANTED', mode: 'EX' } : { status: 'GRANTED', mode: 'EX', token });
  }

  /**
   * Trace the `grant` of `lock` (with its token, if any). For the protocols whose client is the
   * decider (DESIGN §4): Redlock's majority within validity, the zk client that sees itself first.
   */
  protected traceGrant(lock: L): void {
    const grant: GrantFields = { client: this.id, resource: lock.resource, mode: 'EX' };
    if (lock.token !== undefined) grant.token = lock.token;
    this.host.ctx.trace('grant', { ...grant });
  }

  /** Trace the `release` {reason: 'unlock'} of `lock`, for the same client-decided protocols. */
  protected traceRelease(lock: L): void {
    const release: ReleaseFields = { client: this.id, resource: lock.resource, reason: 'unlock' };
    this.host.ctx.trace('release', { ...release });
  }

  /** Count one more attempt of `lock`; past {@link MAX_ATTEMPTS_PER_REQUEST} the driver is looping. */
  protected countAttempt(lock: L, unit: AttemptUnit): void {
    lock.attempts += 1;
    if (lock.attempts > MAX_ATTEMPTS_PER_REQUEST) {
      const what = unit === 'steps' ? `took more than ${MAX_ATTEMPTS_PER_REQUEST} steps` : `retried more than ${MAX_ATTEMPTS_PER_REQUEST} times`;
      throw new ProtocolInvariantError(this.id, `lock on ${lock.resource} ${what}`);
    }
  }

  /** Arm the request timeout (`requestTimeoutMs`) of `lock` with the driver's `tag`. */
  protected armRequestTimer(lock: L, tag: object): void {
    lock.timer = this.host.ctx.setTimer(this.s.requestTimeoutUs, tag);
  }

  /** Arm the retry timer of `lock`: a delay in (0, retryDelayMs] from the client's `retry` stream. */
  protected armRetryTimer(lock: L, tag: object): void {
    const ctx = this.host.ctx;
    lock.timer = ctx.setTimer(retryDelayUs(ctx.rng('retry'), this.s.retryDelayUs), tag);
  }

  /** Disarm the timer of `lock`, if one is in force. */
  protected cancelTimer(lock: L): void {
    if (lock.timer !== undefined) {
      this.host.ctx.cancelTimer(lock.timer);
      lock.timer = undefined;
    }
  }

  /** Enter a fresh lock for `req` in the bounded table and start acquiring it. */
  private admit(req: LockRequest): void {
    if (this.locks.size >= this.maxLocks) throw new ProtocolInvariantError(this.id, `more than ${this.maxLocks} locks at once`);
    const lock = this.newLock(req);
    this.locks.set(req.resource, lock);
    this.acquire(lock);
  }
}

/** `outcome`, plus mode EX when `lock` is held: a refusal leaves the held mode as it was. */
function keepingHeld(lock: ExclusiveLock | undefined, outcome: LockOutcome): LockOutcome {
  return lock?.phase === 'held' ? { ...outcome, mode: 'EX' } : outcome;
}
