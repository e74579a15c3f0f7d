/**
 * A client's view of its locks, shared by the scripted client and the async client: per resource,
 * the mode it holds, the operation pending at its driver, whether it is releasing, and the lapse
 * mark of its local lease deadline. Both clients answer driver outcomes with the same rules
 * ({@link answers}) and keep lapse marks the same way ({@link refreshLapseMarks}), which is what
 * makes their traces, and so the checkers' view of them, the same.
 */
import type { ModeName, StatusName } from '../vocabulary/index.js';
import type { ProcessContext, TimerId } from '../sim/types.js';
import type { LocalDeadline, LockDriver, LockOutcome } from '../protocols/contract.js';
import type { FailPolicy } from './script.js';

/**
 * An operation the client has asked its driver for and whose outcome has not come back yet.
 * (Fields are `declare`d and set in the constructor, as in src/sim: no class-field definitions
 * that start every field out `undefined`, and no separate initializer call per operation.)
 */
export class PendingOp {
  declare readonly op: 'lock' | 'convert' | 'unlock';
  declare readonly onFail: FailPolicy;
  declare readonly resource: string;
  declare readonly res: ResourceState;
  /** A cancel was sent for it (by a `cancel` step, a timeout, or the release-all). */
  declare cancelRequested: boolean;
  /** The script's own `cancel` step asked for it: a non-GRANTED outcome is not a failure. */
  declare cancelledByStep: boolean;
  /** Its `timeoutMs` timer while armed; 0 (never a timer handle) when none. */
  declare timeoutTimer: TimerId;

  constructor(op: 'lock' | 'convert' | 'unlock', onFail: FailPolicy, resource: string, res: ResourceState) {
    this.op = op;
    this.onFail = onFail;
    this.resource = resource;
    this.res = res;
    this.cancelRequested = false;
    this.cancelledByStep = false;
    this.timeoutTimer = 0;
  }
}

/** A lapse mark armed for a deadline. */
export interface ArmedLapse {
  readonly clock: LocalDeadline['clock'];
  readonly atUs: number;
  readonly id: TimerId;
}

/** The client's view of one resource. */
export interface ResourceState {
  /** The mode the client holds, as the last outcome reported it. */
  held: ModeName | undefined;
  pending: PendingOp | undefined;
  /** An unlock was requested and has not completed: the client no longer believes it holds. */
  releasing: boolean;
  /** The release-all has sent this resource its unlock (at most once). */
  releasedByAbort: boolean;
  lapse: ArmedLapse | undefined;
}


/**
 * Whether an outcome with `status` answers the pending operation `op`: GRANTED and the refusals
 * answer a lock/convert, UNLOCKED answers an unlock, CANCELGRANT answers nothing pending (it is the
 * cancel's own answer), and the generic errors answer either.
 */
export function answers(op: PendingOp, status: StatusName): boolean {
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

/**

/**
 * Applies a driver's outcome to the client's view of `res`: the mode it reports becomes the mode
 * held, and the pending operation it answers (see {@link answers}) is no longer pending and is
 * returned; an outcome that answers nothing (CANCELGRANT) changes only the mode held.
 */
export function takeAnswered(res: ResourceState, outcome: LockOutcome): PendingOp | undefined {
  res.held = outcome.mode;
  const op = res.pending;
  if (op === undefined || !answers(op, outcome.status)) return undefined;
  res.pending = undefined;
  if (op.op === 'unlock') res.releasing = false;
  return op;
}

/**
 * The client's state of resource `name`, created on first use (nothing held, nothing pending);
 * the map keeps first-use order, which a scripted client's release-all follows.
 */
export function resourceIn(resources: Map<string, ResourceState>, name: string): ResourceState {
  let res = resources.get(name);
  if (res === undefined) {
    res = { held: undefined, pending: undefined, releasing: false, releasedByAbort: false, lapse: undefined };
    resources.set(name, res);
  }
  return res;
}

/**
 * Re-arms `lapse` marks to the driver's current deadlines (lease-checking clients only): a mark
 * for every lock held and not being released, at `driver.leaseDeadline(resource)` on that
 * deadline's clock; marks whose deadline moved are cancelled and re-armed, marks of locks
 * released or being released are cancelled.
 */
export function refreshLapseMarks(ctx: ProcessContext, client: string, driver: LockDriver, resources: ReadonlyMap<string, ResourceState>): void {
  for (const [resource, res] of resources) {
    const want = res.held !== undefined && !res.releasing ? driver.leaseDeadline(resource) : undefined;
    const armed = res.lapse;
    if (want === undefined && armed === undefined) continue;
    if (want !== undefined && armed !== undefined && want.clock === armed.clock && want.atUs === armed.atUs) continue;
    if (armed !== undefined) {
      ctx.cancelMark(armed.id);
      res.lapse = undefined;
    }
    if (want !== undefined) {
      const id = ctx.markAt(want.atUs, want.clock, 'lapse', { client, resource });
      res.lapse = { clock: want.clock, atUs: want.atUs, id };
    }
  }
}
