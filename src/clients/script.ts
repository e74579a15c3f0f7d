/**
 * The data a scripted client runs: a client's steps as the scenario layer parses them from a
 * scenario file (DESIGN §5.2 `clients`). Field names are exactly the scenario file's, so the
 * scenario layer's parsed objects are assignable to these types without conversion. Times are
 * milliseconds, as in scenario files; the client converts to microseconds.
 */
import type { ModeName } from '../vocabulary/index.js';

/** What a failed `lock`/`convert` does to the rest of the script (DESIGN §5.2 `onFail`). */
export type FailPolicy = 'release' | 'continue';

/** Fields every step may carry. */
interface StepBase {
  /**
   * Do not start this step before this simulated time (ms). The client cannot see true time, so
   * it reads this against its own monotonic clock, measured from its start; with no drift the two
   * coincide (clients start at true time 0).
   */
  atMs?: number | undefined;
}

/** Request a new lock on `resource` in `mode`. */
export interface LockStep extends StepBase {
  op: 'lock';
  resource: string;
  mode: ModeName;
  flags?: readonly string[] | undefined;
  /** The caller's value-block buffer (VALBLK). */
  value?: string | undefined;
  /** false: send the request and go on; a later `await` waits for it. Default true. */
  wait?: boolean | undefined;
  /** Cancel the request if still pending after this many ms of the client's monotonic clock. */
  timeoutMs?: number | undefined;
  /** Default `release`: a non-GRANTED outcome releases every lock and ends the script. */
  onFail?: FailPolicy | undefined;
  /** Parent resource (a lock this client holds) for a sub-resource. */
  parent?: string | undefined;
}

/** Convert the lock held on `resource` to `mode`. */
export interface ConvertStep extends StepBase {
  op: 'convert';
  resource: string;
  mode: ModeName;
  flags?: readonly string[] | undefined;
  value?: string | undefined;
  wait?: boolean | undefined;
  timeoutMs?: number | undefined;
  onFail?: FailPolicy | undefined;
}

/** Release the lock on `resource`; the client waits for the completion. */
export interface UnlockStep extends StepBase {
  op: 'unlock';
  resource: string;
  flags?: readonly string[] | undefined;
  value?: string | undefined;
}

/** Cancel the client's pending lock/convert on `resource`, and wait for its outcome. */
export interface CancelStep extends StepBase {
  op: 'cancel';
  resource: string;
}

/** Wait for the client's pending operation on `resource` (after a `wait: false` step). */
export interface AwaitStep extends StepBase {
  op: 'await';
  resource: string;
}

/** Write `value` to the storage register `resource`, with the client's fencing token if any. */
export interface WriteStep extends StepBase {
  op: 'write';
  resource: string;
  /** The value written; default: the client's id. */
  value?: string | undefined;
  /** Check the local lease deadline first and skip the write if it has passed. */
  checkLease?: boolean | undefined;
}

/** Read the storage register `resource`. */
export interface ReadStep extends StepBase {
  op: 'read';
  resource: string;
  checkLease?: boolean | undefined;
}

/** Be busy for `ms` (a pause can strike inside and stretches it). */
export interface WorkStep extends StepBase {
  op: 'work';
  ms: number;
}

/** Be idle for `ms`. */
export interface SleepStep extends StepBase {
  op: 'sleep';
  ms: number;
}

/** One step of a client's script, discriminated on `op` (DESIGN §5.2 step ops). */
export type ClientStep =
  | LockStep
  | ConvertStep
  | UnlockStep
  | CancelStep
  | AwaitStep
  | WriteStep
  | ReadStep
  | WorkStep
  | SleepStep;

/** The step ops, in DESIGN §5.2 order. */
export type ClientStepOp = ClientStep['op'];

/** A client of a scenario, as the scripted client runs it. */
export interface ClientScript {
  /** The client's node id (`c1`, ...). */
  id: string;
  /** Delay before the first step, in ms of the client's monotonic clock from its start. */
  startMs: number;
  /** How many times the whole step list runs (0: none). */
  repeat: number;
  steps: readonly ClientStep[];
  /** Deadlock priority passed with lock/convert requests (the lowest is the victim). */
  deadlockPriority: number;
  /**
   * Whether the client checks its lease (some step has `checkLease`): its belief in a lock then
   * ends at its local lease deadline, which it marks with `lapse` events (DESIGN §4).
   */
  leaseChecking: boolean;
}
