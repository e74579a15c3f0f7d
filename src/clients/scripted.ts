/**
 * The scripted client: a naive application that does exactly the steps of its scenario script
 * (DESIGN §5.2), against any lock service, through a protocol-specific {@link LockDriver}.
 *
 * It traces the client-side half of the lock vocabulary (src/vocabulary/lock-events.ts): `request` when it
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
import type { BastFields, ModeName, RequestFields } from '../vocabulary/index.js';
import type { StorageReadRequest, StorageWriteRequest } from '../storage/storage.js';
import { STORAGE_NODE_ID } from '../storage/storage.js';
import { msToUs } from '../sim/index.js';
import type { Message, Process, ProcessContext, ProcessFactory, TimerId } from '../sim/types.js';
import { asTraceFields, completeFields, requestFields, storageRequest, type DoneFields, type SkipFields } from './client-events.js';
import { PendingOp, refreshLapseMarks, resourceIn, takeAnswered, type ResourceState } from './client-resources.js';
import {
  CompiledStep,
  DEFAULT_STORAGE_RETRY_MS,
  MAX_SCRIPT_STEPS,
  MAX_STORAGE_RETRIES,
  requireMs,
  ScriptError,
  STEP_AWAIT,
  STEP_CANCEL,
  STEP_LOCK,
  STEP_STORAGE,
  STEP_TIMER,
  STEP_UNLOCK,
  unlockRequest,
  validateScript,
  type CompiledScript,
} from './compiled-script.js';
import type { DriverFactory, DriverHost, LockDriver, LockOutcome, LockRequest } from '../protocols/contract.js';
import type { ClientScript } from './script.js';

export { DEFAULT_STORAGE_RETRY_MS, MAX_SCRIPT_STEPS, MAX_STORAGE_RETRIES, ScriptError, validateScript };
export type { DoneFields, SkipFields, SkipReason } from './client-events.js';

/** Options of a scripted client. */
export interface ScriptedClientOptions {
  /** Node id of the storage service (normally `storage`). */
  storage: string;
  /** Re-send an unanswered storage request after this many ms of the client's clock. Default 1000. */
  storageRetryMs?: number;
  /** Step budget (steps × repeat). Default {@link MAX_SCRIPT_STEPS}. */
  maxSteps?: number;
}

/*
 * What the script is waiting for before its next step, as a small integer on the process (with
 * its details in fields next to it) rather than a fresh object per wait.
 */
/** Not waiting: the next step may run. */
const WAIT_NONE = 0;
/** Before onStart. */
const WAIT_START = 1;
/** For the `startMs` timer. */
const WAIT_START_TIMER = 2;
/** For the `atMs` gate timer of the step at `pc`. */
const WAIT_GATE = 3;
/** For a work/sleep timer. */
const WAIT_WORK = 4;
/** For the outcome of the operation pending on `waitResource`. */
const WAIT_LOCK = 5;
/** For the storage's ack of `storageReqId` (the retry timer is the wait timer). */
const WAIT_STORAGE = 6;

type Phase = 'starting' | 'running' | 'aborting' | 'done';

/** One incarnation-0 scripted client; see the module comment for the semantics. */
class ScriptedClientProcess implements Process, DriverHost {
  readonly ctx: ProcessContext;
  /** The node id, read once (it is the `client` field of every event the client traces). */
  private readonly id: string;
  private readonly driver: LockDriver;
  private readonly retryUs: number;
  private readonly script: ClientScript;
  /** The script's `leaseChecking`, read once: settle() asks on every handler. */
  private readonly leaseChecking: boolean;
  private readonly steps: readonly CompiledStep[];
  /**
   * The resource state of each step by index, resolved on the step's first run: saves a lookup
   * by name per step run. (Entries are created lazily, as before, so the resources map keeps its
   * insertion order, which the release-all follows.)
   */
  private readonly stepRes: Array<ResourceState | undefined>;
  private phase: Phase = 'starting';
  private waitKind = WAIT_START;
  /** The client's one armed script timer (start, gate, work/sleep or storage retry); 0: none. */
  private waitTimer: TimerId = 0;
  /** WAIT_LOCK: the resource whose outcome the script waits for. */
  private waitResource = '';
  /** WAIT_STORAGE: the request in flight, and how often it has been re-sent. */
  private storageReqId = 0;
  private storagePayload: StorageWriteRequest | StorageReadRequest | undefined = undefined;
  private storageRetries = 0;
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
  /** The armed `timeoutMs` timers of pending operations (the driver's timers are not in here). */
  private readonly timeouts = new Map<TimerId, PendingOp>();

  /**
   * The model checker's view of this client (src/sim/world-state.ts): every field but the script,
   * which never changes, so that the fingerprint of every state does not hash it again.
   */
  canonicalState(): unknown {
    const { script: _script, steps: _steps, ...state } = this;
    return state;
  }

  constructor(
    ctx: ProcessContext,
    compiled: CompiledScript,
    driverFactory: DriverFactory,
    private readonly storage: string,
    storageRetryMs: number,
    private readonly maxSteps: number,
  ) {
    this.ctx = ctx;
    this.id = ctx.id;
    this.script = compiled.script;
    this.leaseChecking = compiled.script.leaseChecking;
    this.steps = compiled.steps;
    this.stepRes = new Array<ResourceState | undefined>(compiled.steps.length).fill(undefined);
    this.retryUs = msToUs(storageRetryMs);
    this.driver = driverFactory(this);
  }

  // --- Process ---------------------------------------------------------------------------------

  onStart(): void {
    this.startMonoUs = this.ctx.now('mono');
    this.driver.start();
    const startUs = msToUs(this.script.startMs);
    if (startUs > 0) {
      this.waitTimer = this.ctx.setTimer(startUs, 'script:start', 'mono');
      this.waitKind = WAIT_START_TIMER;
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
    if (id === this.waitTimer) {
      this.waitTimer = 0;
      this.onWaitTimer();
    } else {
      const op = this.timeouts.get(id);
      if (op !== undefined) {
        this.timeouts.delete(id);
        this.onTimeout(op);
      } else {
        this.driver.onTimer(tag);
      }
    }
    this.settle();
  }

  // --- DriverHost ------------------------------------------------------------------------------

  complete(resource: string, outcome: LockOutcome): void {
    this.ctx.trace('complete', asTraceFields(completeFields(this.id, resource, outcome)));

    // An outcome that answers no pending operation of ours — CANCELGRANT is the answer to a
    // cancel that found the request already granted, never the request's own outcome — is
    // traced and otherwise only updates the mode held.
    const op = takeAnswered(this.resource(resource), outcome);
    if (op === undefined) return;
    if (op.timeoutTimer !== 0) this.disarmTimeout(op.timeoutTimer);
    if (this.waitKind === WAIT_LOCK && this.waitResource === resource) this.waitKind = WAIT_NONE;

    const failed = op.op !== 'unlock' && outcome.status !== 'GRANTED' && !op.cancelledByStep;
    if (this.phase === 'running' && failed && op.onFail !== 'continue') this.abortRequested = true;
    // The script moves on in settle(), once the driver has returned: a driver's callback runs
    // to completion before the application resumes (and may report more outcomes meanwhile).
  }

  bast(resource: string, blockedMode: ModeName): void {
    const fields: BastFields = { client: this.id, resource, mode: blockedMode };
    this.ctx.trace('bast', asTraceFields(fields));
  }

  // --- the script ------------------------------------------------------------------------------

  private begin(): void {
    this.phase = 'running';
    this.waitKind = WAIT_NONE;
  }

  /** The script's wait timer fired (it was `waitTimer`, now cleared). */
  private onWaitTimer(): void {
    switch (this.waitKind) {
      case WAIT_START_TIMER:
        this.begin();
        return;
      case WAIT_GATE:
        this.gatePassed = true;
        this.waitKind = WAIT_NONE;
        return;
      case WAIT_WORK:
        this.waitKind = WAIT_NONE;
        return;
      case WAIT_STORAGE:
        this.retryStorage();
        return;
    }
  }

  /**
   * The tail of every handler: move the script on (or drive the release-all) as far as it can
   * go without waiting, then bring the lapse marks up to date.
   */
  private settle(): void {
    if (this.settling) return;
    // Most handlers run while the script waits (a message for the driver): then nothing can move.
    if (this.abortRequested || this.phase === 'aborting' || (this.phase === 'running' && this.waitKind === WAIT_NONE)) {
      this.drive();
    }
    if (this.leaseChecking) this.refreshLapseMarks();
  }

  /** settle()'s work: run the script, or start and drive the release-all. */
  private drive(): void {
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
  }

  /** Runs steps until one has to wait, the script ends, or a failure stops it. Not re-entrant. */
  private advance(): void {
    if (this.advancing) return;
    this.advancing = true;
    try {
      const steps = this.steps;
      while (this.phase === 'running' && this.waitKind === WAIT_NONE && !this.abortRequested) {
        if (this.pc >= steps.length) {
          this.iteration += 1;
          this.pc = 0;
        }
        if (steps.length === 0 || this.iteration >= this.script.repeat) {
          this.finish();
          break;
        }
        const index = this.pc;
        const step = steps[index];
        if (step === undefined) throw new ScriptError(this.id, `no step at ${index}`);
        if (!this.gatePassed && step.atUs >= 0) {
          const targetUs = this.startMonoUs + step.atUs;
          if (this.ctx.now('mono') < targetUs) {
            this.waitTimer = this.ctx.setTimerAt(targetUs, 'mono', 'script:at');
            this.waitKind = WAIT_GATE;
            break;
          }
        }
        this.gatePassed = true;
        this.runStep(step, index);
      }
    } finally {
      this.advancing = false;
    }
  }

  /** Moves `pc` past the current step (the step has been started). */
  private nextStep(): void {
    this.stepsRun += 1;
    if (this.stepsRun > this.maxSteps) {
      throw new ScriptError(this.id, `ran more than the step budget of ${this.maxSteps} steps`);
    }
    this.pc += 1;
    this.gatePassed = false;
  }

  /** The state of the resource of the step at `index` (created on first use, like resource()). */
  private stepResource(step: CompiledStep, index: number): ResourceState {
    let res = this.stepRes[index];
    if (res === undefined) {
      res = this.resource(step.resource);
      this.stepRes[index] = res;
    }
    return res;
  }

  private runStep(step: CompiledStep, index: number): void {
    switch (step.kind) {
      case STEP_LOCK: {
        const res = this.stepResource(step, index);
        if (this.waitForPending(res, step.resource)) return;
        this.nextStep();
        const op = this.requestLock(step, res);
        if (step.waits) this.waitFor(res, step.resource, op);
        return;
      }
      case STEP_UNLOCK: {
        const res = this.stepResource(step, index);
        if (this.waitForPending(res, step.resource)) return;
        this.nextStep();
        const op = this.requestUnlock(res, step.resource, step.flags, step.request ?? unlockRequest(step.resource, undefined, undefined));
        this.waitFor(res, step.resource, op);
        return;
      }
      case STEP_CANCEL: {
        this.nextStep();
        const res = this.stepResource(step, index);
        const op = res.pending;
        if (op === undefined || op.op === 'unlock') return;
        op.cancelledByStep = true;
        this.requestCancel(op);
        this.waitFor(res, step.resource, op);
        return;
      }
      case STEP_AWAIT: {
        this.nextStep();
        const res = this.stepResource(step, index);
        const op = res.pending;
        if (op !== undefined) this.waitFor(res, step.resource, op);
        return;
      }
      case STEP_STORAGE: {
        this.nextStep();
        this.storageStep(step);
        return;
      }
      case STEP_TIMER: {
        this.nextStep();
        this.waitTimer = this.ctx.setTimer(step.delayUs, step.timerTag, 'mono');
        this.waitKind = WAIT_WORK;
        return;
      }
    }
  }

  /** The implicit await: true when `res` has an operation pending and the script now waits. */
  private waitForPending(res: ResourceState, resource: string): boolean {
    if (res.pending === undefined) return false;
    this.waitKind = WAIT_LOCK;
    this.waitResource = resource;
    return true;
  }

  /** Wait for `op` unless it already completed (a driver may complete synchronously). */
  private waitFor(res: ResourceState, resource: string, op: PendingOp): void {
    if (this.phase === 'running' && res.pending === op) {
      this.waitKind = WAIT_LOCK;
      this.waitResource = resource;
    }
  }

  /** Traces `request`; its fields' keys always in the order client, resource, op, mode, flags. */
  private traceRequest(resource: string, op: RequestFields['op'], mode: ModeName | undefined, flags: readonly string[] | undefined): void {
    this.ctx.trace('request', asTraceFields(requestFields(this.id, resource, op, mode, flags)));
  }

  private requestLock(step: CompiledStep, res: ResourceState): PendingOp {
    const resource = step.resource;
    const request = step.request;
    if (request === undefined || (step.op !== 'lock' && step.op !== 'convert')) {
      throw new ScriptError(this.id, `step ${step.op} is not a lock request`);
    }
    const op = new PendingOp(step.op, step.onFail, resource, res);
    res.pending = op;
    this.traceRequest(resource, step.op, step.mode, step.flags);
    if (step.timeoutUs >= 0) {
      op.timeoutTimer = this.ctx.setTimer(step.timeoutUs, 'script:timeout', 'mono');
      this.timeouts.set(op.timeoutTimer, op);
    }
    this.driver.request(request);
    return op;
  }

  private requestUnlock(res: ResourceState, resource: string, flags: readonly string[] | undefined, request: LockRequest): PendingOp {
    const op = new PendingOp('unlock', 'continue', resource, res);
    res.pending = op;
    res.releasing = true;
    this.traceRequest(resource, 'unlock', undefined, flags);
    this.driver.request(request);
    return op;
  }

  private requestCancel(op: PendingOp): void {
    if (op.cancelRequested) return;
    op.cancelRequested = true;
    this.traceRequest(op.resource, 'cancel', undefined, undefined);
    this.driver.request({ op: 'cancel', resource: op.resource });
  }

  /** The `timeoutMs` timer of `op` fired: cancel it if it is still pending. */
  private onTimeout(op: PendingOp): void {
    op.timeoutTimer = 0;
    if (op.res.pending === op && !op.cancelRequested) this.requestCancel(op);
  }

  // --- storage ---------------------------------------------------------------------------------

  private storageStep(step: CompiledStep): void {
    const resource = step.resource;
    if (step.checkLease) {
      const reason = this.leaseProblem(resource);
      if (reason !== undefined) {
        const fields: SkipFields = { client: this.id, resource, reason };
        this.ctx.trace('skip', asTraceFields(fields));
        return;
      }
    }
    const reqId = this.nextReqId;
    this.nextReqId += 1;
    const payload = step.op === 'write'
      ? storageRequest('write', resource, step.value ?? this.id, this.driver.token(resource), reqId)
      : storageRequest('read', resource, '', undefined, reqId);
    this.ctx.send(this.storage, payload);
    this.waitTimer = this.ctx.setTimer(this.retryUs, 'script:retry', 'mono');
    this.waitKind = WAIT_STORAGE;
    this.storageReqId = reqId;
    this.storagePayload = payload;
    this.storageRetries = 0;
  }

  /** The retry timer of the storage request in flight fired: send it again. */
  private retryStorage(): void {
    const payload = this.storagePayload;
    if (payload === undefined) return;
    if (this.storageRetries >= MAX_STORAGE_RETRIES) {
      throw new ScriptError(this.id, `storage request ${this.storageReqId} unanswered after ${MAX_STORAGE_RETRIES} re-sends`);
    }
    this.ctx.send(this.storage, payload);
    this.waitTimer = this.ctx.setTimer(this.retryUs, 'script:retry', 'mono');
    this.storageRetries += 1;
  }

  private onStorageReply(payload: Message): void {
    if (this.waitKind !== WAIT_STORAGE || payload['reqId'] !== this.storageReqId) return; // a duplicate or a late reply
    this.dropWait();
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
            this.requestCancel(op);
            acted = true;
          }
        } else if (res.held !== undefined && !res.releasedByAbort) {
          res.releasedByAbort = true;
          this.requestUnlock(res, resource, undefined, unlockRequest(resource, undefined, undefined));
          acted = true;
        }
      }
    }
    if (this.phase === 'aborting' && [...this.resources.values()].every((r) => r.pending === undefined)) {
      this.finish();
    }
  }

  /** Stops waiting: disarms the wait timer, if any, and forgets the storage request in flight. */
  private dropWait(): void {
    if (this.waitTimer !== 0) {
      this.ctx.cancelTimer(this.waitTimer);
      this.waitTimer = 0;
    }
    this.waitKind = WAIT_NONE;
    this.storagePayload = undefined;
  }

  private finish(): void {
    this.dropWait();
    this.phase = 'done';
    const fields: DoneFields = { client: this.id };
    this.ctx.trace('done', asTraceFields(fields));
  }

  // --- lapse marks -------------------------------------------------------------------------------

  /** Re-arms `lapse` marks to the driver's current deadlines (lease-checking clients only). */
  private refreshLapseMarks(): void {
    refreshLapseMarks(this.ctx, this.id, this.driver, this.resources);
  }

  // --- helpers -----------------------------------------------------------------------------------

  private resource(name: string): ResourceState {
    return resourceIn(this.resources, name);
  }

  private disarmTimeout(id: TimerId): void {
    if (this.timeouts.delete(id)) this.ctx.cancelTimer(id);
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
  const compiled: CompiledScript = { script: frozen, steps: frozen.steps.map((step) => new CompiledStep(step, frozen)) };
  return (ctx: ProcessContext): Process =>
    ctx.incarnation === 0
      ? new ScriptedClientProcess(ctx, compiled, driver, opts.storage, retryMs, maxSteps)
      : restartedClient();
}
