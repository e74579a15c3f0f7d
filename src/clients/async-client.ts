/**
 * The async client: a user-written `async (ctx) => { ... }` function running as a simulated
 * client process, against any lock service, through the same {@link LockDriver} contract and
 * with the same trace events as the scripted client (src/clients/scripted.ts).
 *
 * How a run stays deterministic. The kernel is synchronous: it runs one event handler at a time.
 * A native async function, though, resumes after an `await` only from the microtask queue, which
 * JavaScript drains only once the current synchronous code — the kernel's loop — has returned.
 * So every operation of {@link ClientContext} returns a promise that the process resolves inside
 * the kernel event that answers it (a lock outcome, a storage ack, a timer), and in the same
 * handler asks the kernel to yield ({@link AsyncClientHub.wake}). The kernel finishes that event
 * and returns before the next one; the simulator (src/library/simulate.ts) then drains every
 * microtask (a macrotask boundary), during which the client's code runs on to its next `await`
 * of a ctx operation, at that event's simulated instant and on that node's clocks, and then
 * resumes the kernel. No other kernel event can come in between, so:
 *
 * - the order of everything is fixed by the seed, as for a scripted client;
 * - a process pause freezes the client between awaits: the kernel holds a paused node's
 *   messages and timers, so nothing it awaits can resolve, and its code cannot run, until the
 *   pause ends (`ctx.work(ms)` is a timer that a pause stretches, as a scripted `work` step);
 * - a client that awaits anything the simulator does not control (a real timer, real I/O) is
 *   caught: after a drain, a client still running with no ctx operation in flight is an error.
 *
 * What it traces is exactly what a scripted client doing the same operations traces: `request`
 * when it asks its driver for something, `complete` once per outcome, `bast`, and `done` when the
 * function returns (same fields, same key order, same timer tags `script:start`, `script:work`,
 * `script:sleep`, `script:timeout`, `script:retry`; see client-events.ts). So every checker and
 * every report reads an async client as it reads a script; test/clients/async-client.test.ts
 * shows a catalogue scenario and its async twin with equal trace hashes.
 *
 * Semantics that differ from a script, by design:
 * - a lock or convert that is refused resolves with its status (`granted: false`); the function
 *   decides what to do (a script releases everything, unless `onFail: "continue"`);
 * - a write carries a fencing token only when the function passes one (`{ token }`): attaching
 *   the token is the application's job, which is the point of the fencing lesson;
 * - one operation per resource at a time, and one storage request at a time (the storage's
 *   duplicate detection assumes one request in flight per client): a second one is an error;
 * - async clients do not check leases, so they are never lease-checking clients (no `lapse`);
 * - a restarted client (incarnation > 0) is idle, as a restarted script: its function and its
 *   locks belonged to the process that crashed.
 *
 * Ambient time, randomness and timers (the host clock, its random source, `setTimeout`, ...) inside the function are refused with an
 * {@link AmbientCallError} (see ambient-fence.ts for why refused and not virtualised).
 */
import type { ModeName } from '../vocabulary/index.js';
import type { ClientContext, ClientProgram, LockOptions, LockResult, ReadResult, UnlockOptions, UnlockResult, WriteOptions, WriteResult } from './client-context.js';
import type { Message, Process, ProcessContext, ProcessFactory, Rng, TimerId } from '../sim/types.js';
import type { StorageReadAck, StorageWriteAck } from '../storage/storage.js';
import { STORAGE_NODE_ID } from '../storage/storage.js';
import { AmbientCallError, runAsClient, type ClientScope } from './ambient-fence.js';
import { asTraceFields, completeFields, requestFields, storageRequest, type DoneFields, type StorageRequest } from './client-events.js';
import { PendingOp, resourceIn, takeAnswered, type ResourceState } from './client-resources.js';
import { DEFAULT_STORAGE_RETRY_MS, MAX_STORAGE_RETRIES, requireMs, unlockRequest } from './compiled-script.js';
import { msToUs, US_PER_MS } from '../sim/index.js';
import type { DriverFactory, DriverHost, LockDriver, LockOutcome, LockRequest } from '../protocols/contract.js';
import { AsyncClientError, type AsyncClientHub } from './async-hub.js';
import type { BastFields } from '../vocabulary/index.js';

/** A client of a scenario, as the async client runs it. */
export interface AsyncClientSpec {
  id: string;
  /** Delay before the function is called, in ms of the client's monotonic clock. */
  startMs: number;
  /** Deadlock priority passed with lock/convert requests (the lowest is the victim). */
  deadlockPriority: number;
  run: ClientProgram;
}

/** Options of an async client. */
export interface AsyncClientOptions {
  /** Node id of the storage service (normally `storage`). */
  storage?: string;
  /** Re-send an unanswered storage request after this many ms of the client's clock. Default 1000. */
  storageRetryMs?: number;
}

/** A storage request in flight. */
interface StorageCall {
  readonly payload: StorageRequest;
  readonly resolve: (reply: Message) => void;
  timer: TimerId;
  retries: number;
}

/** The timer tags, the scripted client's (client-events equality of traces). */
const TAG_START = 'script:start';
const TAG_TIMEOUT = 'script:timeout';
const TAG_RETRY = 'script:retry';

/** One incarnation-0 async client; see the module comment. */
class AsyncClientProcess implements Process, DriverHost, ClientScope {
  readonly ctx: ProcessContext;
  readonly client: string;
  private readonly driver: LockDriver;
  private readonly resources = new Map<string, ResourceState>();
  /** The resolver of each pending lock/convert/unlock. */
  private readonly waiting = new Map<PendingOp, (outcome: LockOutcome) => void>();
  /** Timers the function awaits (start, sleep, work) and request timeouts, by id. */
  private readonly timers = new Map<TimerId, () => void>();
  private storageCall: StorageCall | undefined = undefined;
  private nextReqId = 1;
  private random: Rng | undefined = undefined;
  /** Operations whose promise has not been resolved yet. */
  private inFlight = 0;
  private phase: 'starting' | 'running' | 'done' = 'starting';

  constructor(
    ctx: ProcessContext,
    private readonly spec: AsyncClientSpec,
    driverFactory: DriverFactory,
    private readonly hub: AsyncClientHub,
    private readonly storage: string,
    private readonly retryUs: number,
  ) {
    this.ctx = ctx;
    this.client = ctx.id;
    this.driver = driverFactory(this);
    hub.register(this);
  }

  // --- Process ---------------------------------------------------------------------------------

  onStart(): void {
    this.driver.start();
    const startUs = msToUs(this.spec.startMs);
    if (startUs > 0) this.armTimer(startUs, TAG_START, () => this.begin());
    else this.begin();
  }

  onMessage(_ctx: ProcessContext, from: string, payload: Message): void {
    if (from === this.storage && (payload.type === 'write-ack' || payload.type === 'read-ack')) this.onStorageReply(payload);
    else this.driver.onMessage(from, payload);
  }

  onTimer(_ctx: ProcessContext, tag: unknown, id: TimerId): void {
    const fire = this.timers.get(id);
    if (fire === undefined) {
      this.driver.onTimer(tag);
      return;
    }
    this.timers.delete(id);
    fire();
  }

  // --- DriverHost ------------------------------------------------------------------------------

  complete(resource: string, outcome: LockOutcome): void {
    this.ctx.trace('complete', asTraceFields(completeFields(this.client, resource, outcome)));
    const op = takeAnswered(this.resource(resource), outcome);
    if (op === undefined) return;
    if (op.timeoutTimer !== 0) this.disarm(op.timeoutTimer);
    const resolve = this.waiting.get(op);
    this.waiting.delete(op);
    resolve?.(outcome);
  }

  bast(resource: string, blockedMode: ModeName): void {
    const fields: BastFields = { client: this.client, resource, mode: blockedMode };
    this.ctx.trace('bast', asTraceFields(fields));
  }

  // --- ClientScope -----------------------------------------------------------------------------

  refused(error: AmbientCallError): void {
    this.hub.fail(error);
  }

  /** Running, with no ctx operation in flight: it awaits something the simulator does not control. */
  stuck(): boolean {
    return this.phase === 'running' && this.inFlight === 0;
  }

  // --- the function ----------------------------------------------------------------------------

  private begin(): void {
    this.phase = 'running';
    const context = this.context();
    let finished: Promise<void>;
    try {
      finished = runAsClient(this, () => this.spec.run(context));
    } catch (error) {
      finished = Promise.reject(error);
    }
    this.hub.wake();
    Promise.resolve(finished).then(
      () => this.finish(),
      (error: unknown) => this.hub.fail(error instanceof AmbientCallError || error instanceof AsyncClientError ? error : new AsyncClientError(this.client, error)),
    );
  }

  private finish(): void {
    this.phase = 'done';
    const fields: DoneFields = { client: this.client };
    this.ctx.trace('done', asTraceFields(fields));
  }

  /** The object the function receives; its methods check their arguments before touching anything. */
  private context(): ClientContext {
    return {
      id: this.client,
      lock: (resource, mode = 'EX', options = {}) => this.lockOrConvert('lock', resource, mode, options),
      convert: (resource, mode, options = {}) => this.lockOrConvert('convert', resource, mode, options),
      unlock: (resource, options = {}) => this.unlock(resource, options),
      cancel: (resource) => this.cancel(resource),
      read: (resource) => this.storageCallFor(storageRequest('read', resource, '', undefined, this.nextReqId)).then((reply) => ({ value: String((reply as StorageReadAck).value) })),
      write: (resource, value, options = {}) => this.write(resource, value, options),
      sleep: (ms) => this.wait(ms, 'script:sleep', 'sleep'),
      work: (ms) => this.wait(ms, 'script:work', 'work'),
      now: () => ({ wallMs: this.ctx.now('wall') / 1000, monoMs: this.ctx.now('mono') / 1000 }),
      random: () => {
        this.random ??= this.ctx.rng('random');
        return this.random.next();
      },
    };
  }

  /** A promise the simulator resolves: counted in flight until `settle` is called. */
  private operation<T>(start: (settle: (value: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve) => {
      this.inFlight += 1;
      try {
        start((value) => {
          this.inFlight -= 1;
          resolve(value);
          this.hub.wake();
        });
      } catch (error) {
        this.inFlight -= 1; // never started: the promise rejects with the error
        throw error;
      }
    });
  }

  private lockOrConvert(kind: 'lock' | 'convert', resource: string, mode: ModeName, options: LockOptions): Promise<LockResult> {
    if (options.timeoutMs !== undefined) requireMs(this.client, `${kind}(${resource}).timeoutMs`, options.timeoutMs, 0, true);
    const res = this.idleResource(kind, resource);
    const flags = options.flags !== undefined && options.flags.length > 0 ? options.flags : undefined;
    const request: LockRequest = { op: kind, resource, mode, priority: this.spec.deadlockPriority };
    if (flags !== undefined) request.flags = [...flags];
    if (options.value !== undefined) request.value = options.value;
    if (kind === 'lock' && options.parent !== undefined) request.parent = options.parent;
    return this.operation<LockOutcome>((settle) => {
      const op = new PendingOp(kind, 'continue', resource, res);
      res.pending = op;
      this.waiting.set(op, settle);
      this.ctx.trace('request', asTraceFields(requestFields(this.client, resource, kind, mode, flags)));
      if (options.timeoutMs !== undefined) {
        op.timeoutTimer = this.armTimer(durationUs(options.timeoutMs), TAG_TIMEOUT, () => {
          op.timeoutTimer = 0;
          if (res.pending === op && !op.cancelRequested) this.requestCancel(op);
        });
      }
      this.driver.request(request);
    }).then((outcome) => lockResult(resource, outcome));
  }

  private unlock(resource: string, options: UnlockOptions): Promise<UnlockResult> {
    const res = this.idleResource('unlock', resource);
    const flags = options.flags !== undefined && options.flags.length > 0 ? options.flags : undefined;
    return this.operation<LockOutcome>((settle) => {
      const op = new PendingOp('unlock', 'continue', resource, res);
      res.pending = op;
      res.releasing = true;
      this.waiting.set(op, settle);
      this.ctx.trace('request', asTraceFields(requestFields(this.client, resource, 'unlock', undefined, flags)));
      this.driver.request(unlockRequest(resource, flags, options.value));
    }).then((outcome) => ({ resource, status: outcome.status }));
  }

  private cancel(resource: string): void {
    const op = this.resources.get(resource)?.pending;
    if (op === undefined || op.op === 'unlock') return;
    this.requestCancel(op);
  }

  private requestCancel(op: PendingOp): void {
    if (op.cancelRequested) return;
    op.cancelRequested = true;
    this.ctx.trace('request', asTraceFields(requestFields(this.client, op.resource, 'cancel', undefined, undefined)));
    this.driver.request({ op: 'cancel', resource: op.resource });
  }

  private write(resource: string, value: string, options: WriteOptions): Promise<WriteResult> {
    if (typeof value !== 'string') throw new AsyncClientError(this.client, new TypeError(`write(${resource}) needs a string value, got ${typeof value}`));
    const payload = storageRequest('write', resource, value, options.token, this.nextReqId);
    return this.storageCallFor(payload).then((reply) => {
      const ack = reply as StorageWriteAck;
      return { accepted: ack.accepted, highestToken: ack.highest };
    });
  }

  /** Sends a storage request and resolves with the storage's reply (re-sent until answered). */
  private storageCallFor(payload: StorageRequest): Promise<Message> {
    if (this.storageCall !== undefined) {
      throw new AsyncClientError(this.client, new Error(`${payload.type}(${payload.resource}) while storage request ${this.storageCall.payload.reqId} is still in flight; await it first`));
    }
    this.nextReqId += 1;
    return this.operation<Message>((settle) => {
      this.ctx.send(this.storage, payload);
      const call: StorageCall = { payload, resolve: settle, timer: 0, retries: 0 };
      this.storageCall = call;
      call.timer = this.armTimer(this.retryUs, TAG_RETRY, () => this.retryStorage(call));
    });
  }

  private retryStorage(call: StorageCall): void {
    if (call.retries >= MAX_STORAGE_RETRIES) {
      throw new AsyncClientError(this.client, new Error(`storage request ${call.payload.reqId} unanswered after ${MAX_STORAGE_RETRIES} re-sends`));
    }
    this.ctx.send(this.storage, call.payload);
    call.timer = this.armTimer(this.retryUs, TAG_RETRY, () => this.retryStorage(call));
    call.retries += 1;
  }

  private onStorageReply(reply: Message): void {
    const call = this.storageCall;
    if (call === undefined || reply['reqId'] !== call.payload.reqId) return; // a duplicate or a late reply
    this.storageCall = undefined;
    this.disarm(call.timer);
    call.resolve(reply);
  }

  private wait(ms: number, tag: string, what: string): Promise<void> {
    requireMs(this.client, `${what}(ms)`, ms, 0, false);
    return this.operation<void>((settle) => {
      this.armTimer(durationUs(ms), tag, () => settle());
    });
  }

  // --- helpers -----------------------------------------------------------------------------------

  /** The state of `resource`, which must have no operation pending (one outcome per resource at a time). */
  private idleResource(what: string, resource: string): ResourceState {
    if (typeof resource !== 'string' || resource === '') {
      throw new AsyncClientError(this.client, new TypeError(`${what} needs a resource name, got ${String(resource)}`));
    }
    const res = this.resource(resource);
    if (res.pending !== undefined) {
      throw new AsyncClientError(this.client, new Error(`${what}(${resource}) while its ${res.pending.op} is still pending; await it first`));
    }
    return res;
  }

  private resource(name: string): ResourceState {
    return resourceIn(this.resources, name);
  }

  private armTimer(delayUs: number, tag: string, fire: () => void): TimerId {
    const id = this.ctx.setTimer(delayUs, tag, 'mono');
    this.timers.set(id, fire);
    return id;
  }

  private disarm(id: TimerId): void {
    if (this.timers.delete(id)) this.ctx.cancelTimer(id);
  }
}

/**
 * A duration the client's code asks for, in the kernel's µs: rounded to the microsecond, since
 * code computes durations freely (`ctx.sleep(ctx.random() * 100)`), unlike scenario files, whose
 * times the schema requires to be whole microseconds.
 */
function durationUs(ms: number): number {
  return Math.round(ms * US_PER_MS);
}

function lockResult(resource: string, outcome: LockOutcome): LockResult {
  return {
    resource,
    status: outcome.status,
    granted: outcome.status === 'GRANTED',
    mode: outcome.mode,
    token: outcome.token,
    value: outcome.value,
    flags: outcome.flags ?? [],
  };
}

/**
 * Builds the process factory of an async client. `driver` makes the protocol-specific half;
 * `hub` is the run's (it yields the kernel and collects failures). A restarted incarnation is idle.
 */
export function asyncClient(spec: AsyncClientSpec, driver: DriverFactory, hub: AsyncClientHub, opts: AsyncClientOptions = {}): ProcessFactory {
  const retryMs = opts.storageRetryMs ?? DEFAULT_STORAGE_RETRY_MS;
  requireMs(spec.id, 'storageRetryMs', retryMs, 0, true);
  requireMs(spec.id, 'startMs', spec.startMs, 0, false);
  const storage = opts.storage ?? STORAGE_NODE_ID;
  return (ctx: ProcessContext): Process =>
    ctx.incarnation === 0 ? new AsyncClientProcess(ctx, spec, driver, hub, storage, msToUs(retryMs)) : { onMessage(): void {} };
}
