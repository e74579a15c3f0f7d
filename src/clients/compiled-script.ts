/**
 * A client script checked and compiled once, when the factory is built: the step budget and the
 * numbers of every step validated (a bad `repeat` cannot hang a run), times converted to µs, and
 * each step resolved into a {@link CompiledStep} that running it reads without building anything.
 * Shared by every incarnation-0 process built from one script.
 */
import type { ModeName } from '../vocabulary/index.js';
import type { LockRequest } from '../protocols/contract.js';
import { msToUs } from '../sim/index.js';
import type { ClientScript, ClientStep, ClientStepOp, FailPolicy } from './script.js';

/** The most steps one client may execute in a run (steps × repeat). */
export const MAX_SCRIPT_STEPS = 100_000;

/** The most times one storage request is re-sent before the client gives up with an error. */
export const MAX_STORAGE_RETRIES = 100_000;

/** Default interval between re-sends of an unanswered storage request, ms of the client's clock. */
export const DEFAULT_STORAGE_RETRY_MS = 1000;

/** A script the client cannot run (bad numbers, over the step budget). */
export class ScriptError extends Error {
  constructor(client: string, detail: string) {
    super(`client ${client}: ${detail}`);
    this.name = 'ScriptError';
  }
}


export function requireMs(client: string, where: string, ms: number | undefined, min: number, strict: boolean): void {
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
/** Kinds of a {@link CompiledStep}: a small-integer switch instead of string compares per step. */
export const STEP_LOCK = 0; // lock and convert
export const STEP_UNLOCK = 1;
export const STEP_CANCEL = 2;
export const STEP_AWAIT = 3;
export const STEP_STORAGE = 4; // write and read
export const STEP_TIMER = 5; // work and sleep

const STEP_KINDS: Readonly<Record<ClientStepOp, number>> = {
  lock: STEP_LOCK,
  convert: STEP_LOCK,
  unlock: STEP_UNLOCK,
  cancel: STEP_CANCEL,
  await: STEP_AWAIT,
  write: STEP_STORAGE,
  read: STEP_STORAGE,
  work: STEP_TIMER,
  sleep: STEP_TIMER,
};

/**
 * One script step, resolved once when the factory is built rather than re-read on every run of
 * it: every field is set in the constructor (one hidden class for every step, so the step loop's
 * reads stay monomorphic), times are in µs, optional fields have their defaults filled, and the
 * timer tag and driver request are built here, so running a step builds no string or request.
 * (Fields are `declare`d for the reason given at {@link PendingOp}.)
 */
export class CompiledStep {
  declare readonly kind: number;
  declare readonly op: ClientStepOp;
  /** The step's resource; `''` for work/sleep. */
  declare readonly resource: string;
  /** The `atMs` gate in µs from the client's start; -1 when the step has none. */
  declare readonly atUs: number;
  /** work/sleep: the timer's delay. */
  declare readonly delayUs: number;
  /** work/sleep: the timer's trace tag (`script:work` / `script:sleep`); `''` otherwise. */
  declare readonly timerTag: string;
  /** lock/convert: the mode asked for. */
  declare readonly mode: ModeName | undefined;
  /** lock/convert/unlock: the request flags, undefined when there are none. */
  declare readonly flags: readonly string[] | undefined;
  /** write: the value written; undefined: the client's id. */
  declare readonly value: string | undefined;
  /** lock/convert: the script waits for the outcome (`wait` is not false). */
  declare readonly waits: boolean;
  /** lock/convert: the `timeoutMs` in µs; -1 when the step has none. */
  declare readonly timeoutUs: number;
  declare readonly onFail: FailPolicy;
  /** write/read: compare the lease deadline first. */
  declare readonly checkLease: boolean;
  /**
   * lock/convert/unlock: the driver request, built once and handed to the driver on every run of
   * the step (frozen: a driver reads a request, and may keep it, but never changes it).
   */
  declare readonly request: LockRequest | undefined;

  constructor(step: ClientStep, script: ClientScript) {
    const kind = STEP_KINDS[step.op] as number | undefined;
    if (kind === undefined) throw new ScriptError(script.id, `unknown step op ${String(step.op)}`);
    this.kind = kind;
    this.op = step.op;
    this.resource = 'resource' in step ? step.resource : '';
    this.atUs = step.atMs === undefined ? -1 : msToUs(step.atMs);
    this.delayUs = 0;
    this.timerTag = '';
    this.mode = undefined;
    this.flags = undefined;
    this.value = undefined;
    this.waits = true;
    this.timeoutUs = -1;
    this.onFail = 'release';
    this.checkLease = false;
    this.request = undefined;
    switch (step.op) {
      case 'lock':
      case 'convert': {
        this.mode = step.mode;
        this.flags = nonEmpty(step.flags);
        this.waits = step.wait !== false;
        if (step.timeoutMs !== undefined) this.timeoutUs = msToUs(step.timeoutMs);
        this.onFail = step.onFail ?? 'release';
        const req: LockRequest = { op: step.op, resource: step.resource, mode: step.mode, priority: script.deadlockPriority };
        if (this.flags !== undefined) req.flags = [...this.flags];
        if (step.value !== undefined) req.value = step.value;
        if (step.op === 'lock' && step.parent !== undefined) req.parent = step.parent;
        this.request = Object.freeze(req);
        return;
      }
      case 'unlock': {
        this.flags = nonEmpty(step.flags);
        this.request = Object.freeze(unlockRequest(step.resource, this.flags, step.value));
        return;
      }
      case 'cancel':
      case 'await':
        return;
      case 'write':
      case 'read':
        if (step.op === 'write') this.value = step.value;
        this.checkLease = step.checkLease === true;
        return;
      case 'work':
      case 'sleep':
        this.delayUs = msToUs(step.ms);
        this.timerTag = step.op === 'work' ? 'script:work' : 'script:sleep';
        return;
    }
  }
}

/** `flags` when it has any, else undefined (an empty list means no flags everywhere). */
function nonEmpty(flags: readonly string[] | undefined): readonly string[] | undefined {
  return flags !== undefined && flags.length > 0 ? flags : undefined;
}

/** An unlock request as the driver receives it (its own copy of the flags). */
export function unlockRequest(resource: string, flags: readonly string[] | undefined, value: string | undefined): LockRequest {
  const req: LockRequest = { op: 'unlock', resource };
  if (flags !== undefined) req.flags = [...flags];
  if (value !== undefined) req.value = value;
  return req;
}

/** A validated script with its steps compiled: shared by every incarnation-0 process built from it. */
export interface CompiledScript {
  readonly script: ClientScript;
  readonly steps: readonly CompiledStep[];
}
