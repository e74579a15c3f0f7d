/**
 * The scripted client: a naive application that does exactly the steps of its scenario script
 * (DESIGN §5.2), against any lock service, through a protocol-specific {@link LockDriver}.
 *
 * It traces the client-side half of the lock vocabulary (src/check/events.ts): `request` when it
 * asks its driver for something, `complete` exactly once per outcome the driver reports, `bast`
 * per blocking notification, and — for a lease-checking client — `lapse` marks when its local
 * lease deadline passes. It adds two client events of its own: `skip` (a `checkLease` write or
 * read not sent) and `done` (the script is over).
 *
 * Semantics, step by step (DESIGN §5.2; choices the design leaves open are marked *choice*):
 *
 * - Steps run in order; `repeat` runs the whole list that many times. `startMs` delays the first
 *   step, and a step's `atMs` holds it back until that time; both are read on the client's own
 *   monotonic clock, measured from its start (the client cannot see true time; with no drift and
 *   a start at true time 0 the readings coincide).
 * - `lock` / `convert`: trace `request`, call the driver, wait for the outcome unless
 *   `wait: false`. `timeoutMs` arms a monotonic timer; if the request is still pending when it
 *   fires, the client cancels it (`request` op `cancel`) and the outcome is whatever the driver
 *   reports (CANCELLED / ABORTED, or GRANTED when the grant won the race).
 * - A `lock` / `convert` that ends with anything but GRANTED is a failure, except an outcome of
 *   the client's own `cancel` step. *choice*: a cancel made by `timeoutMs` does not exempt the
 *   outcome — a timed-out lock is a lock the application did not get, so it releases everything
 *   (the classic timeout cure for deadlock). A failure is handled as soon as the driver reports
 *   it (once the driver's callback has returned: a callback runs to completion before the
 *   application resumes), even for a `wait: false` request the script is not waiting on: unless
 *   that request's step says `onFail: "continue"`, the client stops the script where it is,
 *   cancels its other pending lock/convert requests, unlocks every lock it holds (once each),
 *   and traces `done` when nothing is pending any more. A failure reported after the script has
 *   ended changes nothing.
 * - `unlock`: trace `request` op `unlock` (this ends the client's belief), call the driver, wait
 *   for the outcome (normally UNLOCKED; any other status is traced and the script goes on).
 * - `cancel`: when a lock/convert is pending on the resource, trace `request` op `cancel`, call
 *   the driver, and wait for the pending request's outcome. *choice*: with nothing pending (the
 *   request already completed) the step does nothing, since there is nothing to cancel.
 * - `await`: wait for the pending operation on the resource, if any.
 * - *choice*: a `lock`, `convert` or `unlock` on a resource that still has an operation pending
 *   (a `wait: false` request not yet awaited) first waits for it — an implicit `await` — since a
 *   driver reports one outcome per resource at a time.
 * - `write` / `read`: sent to the storage with the client's fencing token for the resource when
 *   the driver has one (`write` only), WITHOUT looking at the lease, unless `checkLease: true`:
 *   then the client first compares its own clock with `driver.leaseDeadline(resource)` and skips
 *   the step if the deadline has passed (`skip` {client, resource, reason: 'lease-expired'}).
 *   *choice*: a `checkLease` step on a resource the client holds no lock on is skipped too
 *   (reason `not-held`). The client waits for the storage's ack before its next step (a pause
 *   can strike while it waits); an unanswered request is re-sent with the same `reqId` every
 *   `storageRetryMs` of the client's clock, and the storage answers duplicates without
 *   re-applying them. A write's `value` defaults to the client's id.
 * - `work` / `sleep`: a monotonic timer of `ms`; a pause stretches either. The only difference in
 *   the simulator is the timer's trace tag (`script:work` / `script:sleep`): `work` is the
 *   application busy inside its critical section, `sleep` an application idling.
 * - Outcomes: every `DriverHost.complete` call is traced as one `complete`, and its `mode` becomes
 *   the mode the client holds. It answers the resource's pending operation when its status fits
 *   (GRANTED and refusals a lock/convert, UNLOCKED an unlock, BUSY / INVALID_ARG either); one that
 *   fits nothing pending — CANCELGRANT, the answer of a cancel that came too late — is traced and
 *   changes nothing else. Script progress happens only at the end of each handler, never inside a
 *   driver's call, so a driver may report several outcomes in one go, or synchronously.
 * - Lapse marks: a client with `leaseChecking` keeps, for every lock it holds (and has not asked
 *   to unlock), a `lapse` mark {client, resource} armed at `driver.leaseDeadline(resource)` on
 *   that deadline's clock; after every handler it re-reads the deadlines and cancels / re-arms
 *   marks that moved, and cancels the marks of locks released or being released.
 * - When the script ends the client traces `done` {client} and stays alive, doing nothing else;
 *   its driver keeps its session (KeepAlives, ...) and late outcomes are still traced.
 * - Crash: a restarted client (incarnation > 0) does not resume its script. Its locks belonged to
 *   the dead session, its script position was volatile state, and a naive application that
 *   crashed does not know where it was: it creates no driver, traces nothing and ignores every
 *   message (the kernel traces the `restart`).
 * - Budget: a script whose `steps × repeat` exceeds `maxSteps` (default
 *   {@link MAX_SCRIPT_STEPS}) is refused when the factory is built, and the running client
 *   asserts the same bound, so a bad `repeat` cannot hang a run.
 */
import type { BastFields, CompleteFields, ModeName, RequestFields, StatusName } from '../check/events.js';
import type { StorageReadRequest, StorageWriteRequest } from '../storage/storage.js';
import { STORAGE_NODE_ID } from '../storage/storage.js';
import type { Message, Process, ProcessContext, ProcessFactory, TimerId } from '../sim/types.js';
import type { DriverFactory, DriverHost, LocalDeadline, LockDriver, LockOutcome, LockRequest } from './contract.js';
import type { ClientScript, ClientStep, ConvertStep, FailPolicy, LockStep, ReadStep, WriteStep } from './script.js';

/** The most steps one client may execute in a run (steps × repeat). */
export const MAX_SCRIPT_STEPS = 100_000;

/** The most times one storage request is re-sent before the client gives up with an error. */
export const MAX_STORAGE_RETRIES = 100_000;

/** Default interval between re-sends of an unanswered storage request, ms of the client's clock. */
export const DEFAULT_STORAGE_RETRY_MS = 1000;

/** Options of a scripted client. */
export interface ScriptedClientOptions {
  /** Node id of the storage service (normally `storage`). */
  storage: string;
  /** Re-send an unanswered storage request after this many ms of the client's clock. Default 1000. */
  storageRetryMs?: number;
  /** Step budget (steps × repeat). Default {@link MAX_SCRIPT_STEPS}. */
  maxSteps?: number;
}

/** Why a `checkLease` step was not sent. */
export type SkipReason = 'lease-expired' | 'not-held';

/** Fields of the client's `skip` event. */
export interface SkipFields {
  client: string;
  resource: string;
  reason: SkipReason;
}

/** Fields of the client's `done` event. */
export interface DoneFields {
  client: string;
}

/** A script the client cannot run (bad numbers, over the step budget). */
export class ScriptError extends Error {
  constructor(client: string, detail: string) {
    super(`client ${client}: ${detail}`);
    this.name = 'ScriptError';
  }
}

/** Milliseconds (scenario unit) to integer microseconds (kernel unit). */
function msToUs(ms: number): number {
  return Math.round(ms * 1000);
}

function requireMs(client: string, where: string, ms: number | undefined, min: number, strict: boolean): void {
  if (ms === undefined) return;
  if (!Number.isFinite(ms) || ms < min || (strict && ms === min)) {
    throw new ScriptError(client, `${where} must be a finite number ${strict ? '>' : '>='} ${min}, got ${ms}`);
  }
}

/** Checks the numbers of a script and its step budget; throws {@link ScriptError}. */
export function validateScript(script: ClientScript, maxSteps: number = MAX_SCRIPT_STEPS): void {
  const id = script.id;
  if (!Number.isSafeInteger(script.repeat) || script.repeat < 0) {
    throw new ScriptError(id, `repeat must be a non-negative integer, got ${script.repeat}`);
  }
  requireMs(id, 'startMs', script.startMs, 0, false);
  const total = script.steps.length * script.repeat;
  if (total > maxSteps) {
    throw new ScriptError(id, `steps × repeat = ${total} exceeds the step budget ${maxSteps}`);
  }
  script.steps.forEach((step, i) => {
    const where = `steps[${i}] (${step.op})`;
    requireMs(id, `${where}.atMs`, step.atMs, 0, false);
    if (step.op === 'work' || step.op === 'sleep') requireMs(id, `${where}.ms`, step.ms, 0, false);
    if (step.op === 'lock' || step.op === 'convert') requireMs(id, `${where}.timeoutMs`, step.timeoutMs, 0, true);
  });
}

/** An operation the client has asked its driver for and whose outcome has not come back yet. */
interface PendingOp {
  readonly op: 'lock' | 'convert' | 'unlock';
  readonly onFail: FailPolicy;
  /** A cancel was sent for it (by a `cancel` step, a timeout, or the release-all). */
  cancelRequested: boolean;
  /** The script's own `cancel` step asked for it: a non-GRANTED outcome is not a failure. */
  cancelledByStep: boolean;
  timeoutTimer: TimerId | undefined;
}

/** A lapse mark armed for a deadline. */
interface ArmedLapse {
  readonly clock: LocalDeadline['clock'];
  readonly atUs: number;
  readonly id: TimerId;
}

/** The client's view of one resource. */
interface ResourceState {
  /** The mode the client holds, as the last outcome reported it. */
  held: ModeName | undefined;
  pending: PendingOp | undefined;
  /** An unlock was requested and has not completed: the client no longer believes it holds. */
  releasing: boolean;
  /** The release-all has sent this resource its unlock (at most once). */
  releasedByAbort: boolean;
  lapse: ArmedLapse | undefined;
}

/** What the script is waiting for before its next step. */
type Wait =
  | { kind: 'none' }
  | { kind: 'start' }
  | { kind: 'timer'; id: TimerId }
  | { kind: 'lock'; resource: string }
  | { kind: 'storage'; reqId: number; payload: StorageWriteRequest | StorageReadRequest; retryTimer: TimerId; retries: number };

const NO_WAIT: Wait = { kind: 'none' };

type Phase = 'starting' | 'running' | 'aborting' | 'done';

/**
 * Whether an outcome with `status` answers the pending operation `op`: GRANTED and the refusals
 * answer a lock/convert, UNLOCKED answers an unlock, CANCELGRANT answers nothing pending (it is the
 * cancel's own answer), and the generic errors answer either.
 */
function answers(op: PendingOp, status: StatusName): boolean {
  switch (status) {
    case 'CANCELGRANT':
      return false;
    case 'UNLOCKED':
    case 'SUBLOCKS':
      return op.op === 'unlock';
    case 'BUSY':
    case 'INVALID_ARG':
      return true;
    default:
      return op.op !== 'unlock';
  }
}

/** One incarnation-0 scripted client; see the module comment for the semantics. */
class ScriptedClientProcess implements Process, DriverHost {
  readonly ctx: ProcessContext;
  private readonly driver: LockDriver;
  private readonly retryUs: number;
  private phase: Phase = 'starting';
  private wait: Wait = { kind: 'start' };
  private iteration = 0;
  private pc = 0;
  /** The `atMs` gate of the step at `pc` has been passed. */
  private gatePassed = false;
  private stepsRun = 0;
  private startMonoUs = 0;
  private nextReqId = 1;
  private advancing = false;
  private settling = false;
  /** A lock/convert failed (onFail release) while running: settle() starts the release-all. */
  private abortRequested = false;
  private readonly resources = new Map<string, ResourceState>();
  /** The client's own timers (the driver's timers are not in here). */
  private readonly timers = new Map<TimerId, () => void>();

  constructor(
    ctx: ProcessContext,
    private readonly script: ClientScript,
    driverFactory: DriverFactory,
    private readonly storage: string,
    storageRetryMs: number,
    private readonly maxSteps: number,
  ) {
    this.ctx = ctx;
    this.retryUs = msToUs(storageRetryMs);
    this.driver = driverFactory(this);
  }

  // --- Process ---------------------------------------------------------------------------------

  onStart(): void {
    this.startMonoUs = this.ctx.now('mono');
    this.driver.start();
    const startUs = msToUs(this.script.startMs);
    if (startUs > 0) {
      const id = this.arm(startUs, 'script:start', () => this.begin());
      this.wait = { kind: 'timer', id };
    } else {
      this.begin();
    }
    this.settle();
  }

  onMessage(_ctx: ProcessContext, from: string, payload: Message): void {
    if (from === this.storage && (payload.type === 'write-ack' || payload.type === 'read-ack')) {
      this.onStorageReply(payload);
    } else {
      this.driver.onMessage(from, payload);
    }
    this.settle();
  }

  onTimer(_ctx: ProcessContext, tag: unknown, id: TimerId): void {
    const mine = this.timers.get(id);
    if (mine !== undefined) {
      this.timers.delete(id);
      mine();
    } else {
      this.driver.onTimer(tag);
    }
    this.settle();
  }

  // --- DriverHost ------------------------------------------------------------------------------

  complete(resource: string, outcome: LockOutcome): void {
    const fields: CompleteFields = { client: this.ctx.id, resource, status: outcome.status };
    if (outcome.mode !== undefined) fields.mode = outcome.mode;
    if (outcome.flags !== undefined && outcome.flags.length > 0) fields.flags = [...outcome.flags];
    if (outcome.value !== undefined) fields.value = outcome.value;
    if (outcome.token !== undefined) fields.token = outcome.token;
    this.ctx.trace('complete', { ...fields });

    const res = this.resource(resource);
    res.held = outcome.mode;
    const op = res.pending;
    // An outcome that answers no pending operation of ours — CANCELGRANT is the answer to a
    // cancel that found the request already granted, never the request's own outcome — is
    // traced and otherwise only updates the mode held.
    if (op === undefined || !answers(op, outcome.status)) return;
    res.pending = undefined;
    if (op.timeoutTimer !== undefined) this.disarm(op.timeoutTimer);
    if (op.op === 'unlock') res.releasing = false;
    if (this.wait.kind === 'lock' && this.wait.resource === resource) this.wait = NO_WAIT;

    const failed = op.op !== 'unlock' && outcome.status !== 'GRANTED' && !op.cancelledByStep;
    if (this.phase === 'running' && failed && op.onFail !== 'continue') this.abortRequested = true;
    // The script moves on in settle(), once the driver has returned: a driver's callback runs
    // to completion before the application resumes (and may report more outcomes meanwhile).
  }

  bast(resource: string, blockedMode: ModeName): void {
    const fields: BastFields = { client: this.ctx.id, resource, mode: blockedMode };
    this.ctx.trace('bast', { ...fields });
  }

  // --- the script ------------------------------------------------------------------------------

  private begin(): void {
    this.phase = 'running';
    this.wait = NO_WAIT;
  }

  /**
   * The tail of every handler: move the script on (or drive the release-all) as far as it can
   * go without waiting, then bring the lapse marks up to date.
   */
  private settle(): void {
    if (this.settling) return;
    this.settling = true;
    try {
      // Each turn either ends (break) or starts the release-all, which happens once.
      for (;;) {
        if (this.abortRequested && this.phase === 'running') {
          this.phase = 'aborting';
          this.dropWait();
        }
        this.abortRequested = false;
        if (this.phase === 'running') {
          this.advance();
          if (this.abortRequested) continue;
        } else if (this.phase === 'aborting') {
          this.releaseAll();
        }
        break;
      }
    } finally {
      this.settling = false;
    }
    this.refreshLapseMarks();
  }

  /** Runs steps until one has to wait, the script ends, or a failure stops it. Not re-entrant. */
  private advance(): void {
    if (this.advancing) return;
    this.advancing = true;
    try {
      const steps = this.script.steps;
      while (this.phase === 'running' && this.wait.kind === 'none' && !this.abortRequested) {
        if (this.pc >= steps.length) {
          this.iteration += 1;
          this.pc = 0;
        }
        if (steps.length === 0 || this.iteration >= this.script.repeat) {
          this.finish();
          break;
        }
        const step = steps[this.pc];
        if (step === undefined) throw new ScriptError(this.ctx.id, `no step at ${this.pc}`);
        if (!this.gatePassed && step.atMs !== undefined) {
          const targetUs = this.startMonoUs + msToUs(step.atMs);
          if (this.ctx.now('mono') < targetUs) {
            const id = this.armAt(targetUs, 'script:at', () => {
              if (this.wait.kind === 'timer' && this.wait.id === id) {
                this.gatePassed = true;
                this.wait = NO_WAIT;
              }
            });
            this.wait = { kind: 'timer', id };
            break;
          }
        }
        this.gatePassed = true;
        this.runStep(step);
      }
    } finally {
      this.advancing = false;
    }
  }

  /** Moves `pc` past the current step (the step has been started). */
  private nextStep(): void {
    this.stepsRun += 1;
    if (this.stepsRun > this.maxSteps) {
      throw new ScriptError(this.ctx.id, `ran more than the step budget of ${this.maxSteps} steps`);
    }
    this.pc += 1;
    this.gatePassed = false;
  }

  private runStep(step: ClientStep): void {
    switch (step.op) {
      case 'lock':
      case 'convert': {
        if (this.waitForPending(step.resource)) return;
        this.nextStep();
        const op = this.requestLock(step);
        if (step.wait !== false) this.waitFor(step.resource, op);
        return;
      }
      case 'unlock': {
        if (this.waitForPending(step.resource)) return;
        this.nextStep();
        const op = this.requestUnlock(step.resource, step.flags, step.value);
        this.waitFor(step.resource, op);
        return;
      }
      case 'cancel': {
        this.nextStep();
        const op = this.resource(step.resource).pending;
        if (op === undefined || op.op === 'unlock') return;
        op.cancelledByStep = true;
        this.requestCancel(step.resource, op);
        this.waitFor(step.resource, op);
        return;
      }
      case 'await': {
        this.nextStep();
        const op = this.resource(step.resource).pending;
        if (op !== undefined) this.waitFor(step.resource, op);
        return;
      }
      case 'write':
      case 'read': {
        this.nextStep();
        this.storageStep(step);
        return;
      }
      case 'work':
      case 'sleep': {
        this.nextStep();
        const id = this.arm(msToUs(step.ms), `script:${step.op}`, () => {
          if (this.wait.kind === 'timer' && this.wait.id === id) this.wait = NO_WAIT;
        });
        this.wait = { kind: 'timer', id };
        return;
      }
    }
  }

  /** The implicit await: true when `resource` has an operation pending and the script now waits. */
  private waitForPending(resource: string): boolean {
    if (this.resource(resource).pending === undefined) return false;
    this.wait = { kind: 'lock', resource };
    return true;
  }

  /** Wait for `op` unless it already completed (a driver may complete synchronously). */
  private waitFor(resource: string, op: PendingOp): void {
    if (this.phase === 'running' && this.resource(resource).pending === op) this.wait = { kind: 'lock', resource };
  }

  private traceRequest(resource: string, op: RequestFields['op'], mode?: ModeName, flags?: readonly string[]): void {
    const fields: RequestFields = { client: this.ctx.id, resource, op };
    if (mode !== undefined) fields.mode = mode;
    if (flags !== undefined && flags.length > 0) fields.flags = [...flags];
    this.ctx.trace('request', { ...fields });
  }

  private requestLock(step: LockStep | ConvertStep): PendingOp {
    const resource = step.resource;
    const op: PendingOp = {
      op: step.op,
      onFail: step.onFail ?? 'release',
      cancelRequested: false,
      cancelledByStep: false,
      timeoutTimer: undefined,
    };
    this.resource(resource).pending = op;
    this.traceRequest(resource, step.op, step.mode, step.flags);
    if (step.timeoutMs !== undefined) {
      op.timeoutTimer = this.arm(msToUs(step.timeoutMs), 'script:timeout', () => {
        op.timeoutTimer = undefined;
        if (this.resource(resource).pending === op && !op.cancelRequested) this.requestCancel(resource, op);
      });
    }
    const req: LockRequest = { op: step.op, resource, mode: step.mode, priority: this.script.deadlockPriority };
    if (step.flags !== undefined && step.flags.length > 0) req.flags = [...step.flags];
    if (step.value !== undefined) req.value = step.value;
    if (step.op === 'lock' && step.parent !== undefined) req.parent = step.parent;
    this.driver.request(req);
    return op;
  }

  private requestUnlock(resource: string, flags: readonly string[] | undefined, value: string | undefined): PendingOp {
    const res = this.resource(resource);
    const op: PendingOp = {
      op: 'unlock',
      onFail: 'continue',
      cancelRequested: false,
      cancelledByStep: false,
      timeoutTimer: undefined,
    };
    res.pending = op;
    res.releasing = true;
    this.traceRequest(resource, 'unlock', undefined, flags);
    const req: LockRequest = { op: 'unlock', resource };
    if (flags !== undefined && flags.length > 0) req.flags = [...flags];
    if (value !== undefined) req.value = value;
    this.driver.request(req);
    return op;
  }

  private requestCancel(resource: string, op: PendingOp): void {
    if (op.cancelRequested) return;
    op.cancelRequested = true;
    this.traceRequest(resource, 'cancel');
    this.driver.request({ op: 'cancel', resource });
  }

  // --- storage ---------------------------------------------------------------------------------

  private storageStep(step: WriteStep | ReadStep): void {
    const resource = step.resource;
    if (step.checkLease === true) {
      const reason = this.leaseProblem(resource);
      if (reason !== undefined) {
        const fields: SkipFields = { client: this.ctx.id, resource, reason };
        this.ctx.trace('skip', { ...fields });
        return;
      }
    }
    const reqId = this.nextReqId;
    this.nextReqId += 1;
    let payload: StorageWriteRequest | StorageReadRequest;
    if (step.op === 'write') {
      const token = this.driver.token(resource);
      const value = step.value ?? this.ctx.id;
      payload = token === undefined
        ? { type: 'write', resource, value, reqId }
        : { type: 'write', resource, value, token, reqId };
    } else {
      payload = { type: 'read', resource, reqId };
    }
    this.ctx.send(this.storage, payload);
    const retryTimer = this.arm(this.retryUs, 'script:retry', () => this.retryStorage(reqId));
    this.wait = { kind: 'storage', reqId, payload, retryTimer, retries: 0 };
  }

  private retryStorage(reqId: number): void {
    const w = this.wait;
    if (w.kind !== 'storage' || w.reqId !== reqId) return;
    if (w.retries >= MAX_STORAGE_RETRIES) {
      throw new ScriptError(this.ctx.id, `storage request ${reqId} unanswered after ${MAX_STORAGE_RETRIES} re-sends`);
    }
    this.ctx.send(this.storage, w.payload);
    const retryTimer = this.arm(this.retryUs, 'script:retry', () => this.retryStorage(reqId));
    this.wait = { ...w, retryTimer, retries: w.retries + 1 };
  }

  private onStorageReply(payload: Message): void {
    const w = this.wait;
    if (w.kind !== 'storage' || payload['reqId'] !== w.reqId) return; // a duplicate or a late reply
    this.disarm(w.retryTimer);
    this.wait = NO_WAIT;
  }

  /** Why a `checkLease` step must not be sent now, or undefined when the lease is still good. */
  private leaseProblem(resource: string): 'lease-expired' | 'not-held' | undefined {
    const res = this.resources.get(resource);
    if (res === undefined || res.held === undefined || res.releasing) return 'not-held';
    const deadline = this.driver.leaseDeadline(resource);
    if (deadline !== undefined && this.ctx.now(deadline.clock) >= deadline.atUs) return 'lease-expired';
    return undefined;
  }

  // --- failure: release everything --------------------------------------------------------------

  /**
   * Stops the script (first call) and drives the release-all: cancel every pending lock/convert,
   * unlock every held lock once, and finish when nothing is pending. Called again on each later
   * outcome; re-entrant calls (a driver completing synchronously) are folded into the running one.
   */
  private releaseAll(): void {
    // Each pass issues at most one cancel and one unlock per resource, so this ends. Outcomes a
    // driver reports synchronously only update state; the next pass sees them.
    for (let acted = true; acted; ) {
      acted = false;
      for (const [resource, res] of [...this.resources]) {
        const op = res.pending;
        if (op !== undefined) {
          if (op.op !== 'unlock' && !op.cancelRequested) {
            this.requestCancel(resource, op);
            acted = true;
          }
        } else if (res.held !== undefined && !res.releasedByAbort) {
          res.releasedByAbort = true;
          this.requestUnlock(resource, undefined, undefined);
          acted = true;
        }
      }
    }
    if (this.phase === 'aborting' && [...this.resources.values()].every((r) => r.pending === undefined)) {
      this.finish();
    }
  }

  private dropWait(): void {
    const w = this.wait;
    if (w.kind === 'timer') this.disarm(w.id);
    if (w.kind === 'storage') this.disarm(w.retryTimer);
    this.wait = NO_WAIT;
  }

  private finish(): void {
    this.dropWait();
    this.phase = 'done';
    const fields: DoneFields = { client: this.ctx.id };
    this.ctx.trace('done', { ...fields });
  }

  // --- lapse marks -------------------------------------------------------------------------------

  /** Re-arms `lapse` marks to the driver's current deadlines (lease-checking clients only). */
  private refreshLapseMarks(): void {
    if (!this.script.leaseChecking) return;
    for (const [resource, res] of this.resources) {
      const want = res.held !== undefined && !res.releasing ? this.driver.leaseDeadline(resource) : undefined;
      const armed = res.lapse;
      if (want === undefined && armed === undefined) continue;
      if (want !== undefined && armed !== undefined && want.clock === armed.clock && want.atUs === armed.atUs) continue;
      if (armed !== undefined) {
        this.ctx.cancelMark(armed.id);
        res.lapse = undefined;
      }
      if (want !== undefined) {
        const id = this.ctx.markAt(want.atUs, want.clock, 'lapse', { client: this.ctx.id, resource });
        res.lapse = { clock: want.clock, atUs: want.atUs, id };
      }
    }
  }

  // --- helpers -----------------------------------------------------------------------------------

  private resource(name: string): ResourceState {
    let res = this.resources.get(name);
    if (res === undefined) {
      res = { held: undefined, pending: undefined, releasing: false, releasedByAbort: false, lapse: undefined };
      this.resources.set(name, res);
    }
    return res;
  }

  /** Arms one of the client's own monotonic timers; `then` runs when it fires, before settle(). */
  private arm(delayUs: number, tag: string, then: () => void): TimerId {
    const id = this.ctx.setTimer(delayUs, tag, 'mono');
    this.timers.set(id, then);
    return id;
  }

  private armAt(localUs: number, tag: string, then: () => void): TimerId {
    const id = this.ctx.setTimerAt(localUs, 'mono', tag);
    this.timers.set(id, then);
    return id;
  }

  private disarm(id: TimerId): void {
    if (this.timers.delete(id)) this.ctx.cancelTimer(id);
  }
}

/**
 * A restarted scripted client (incarnation > 0): idle for good. See the module comment.
 */
function restartedClient(): Process {
  return { onMessage(): void {} };
}

/**
 * Builds the process factory of a scripted client. `driver` makes the protocol-specific half
 * for each incarnation; `opts.storage` names the storage node. Throws {@link ScriptError} when
 * the script's numbers are invalid or it exceeds the step budget.
 */
export function scriptedClient(
  script: ClientScript,
  driver: DriverFactory,
  opts: ScriptedClientOptions = { storage: STORAGE_NODE_ID },
): ProcessFactory {
  const maxSteps = opts.maxSteps ?? MAX_SCRIPT_STEPS;
  validateScript(script, maxSteps);
  const retryMs = opts.storageRetryMs ?? DEFAULT_STORAGE_RETRY_MS;
  requireMs(script.id, 'storageRetryMs', retryMs, 0, true);
  const frozen: ClientScript = { ...script, steps: [...script.steps] };
  return (ctx: ProcessContext): Process =>
    ctx.incarnation === 0
      ? new ScriptedClientProcess(ctx, frozen, driver, opts.storage, retryMs, maxSteps)
      : restartedClient();
}
