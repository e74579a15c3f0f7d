/**
 * The lock-level event vocabulary (DESIGN §5.5): what the lock services, clients and storage
 * trace, and what the checkers and reports read. Every protocol (dlm, redlock, zk, lease-lock)
 * emits these same types with these same fields, which is what makes the checkers
 * protocol-neutral. Producers import these types only; nothing here has behaviour.
 *
 * Kernel events (`send`, `deliver`, `drop`, `timer`, `pause`, `resume`, `crash`, `restart`,
 * `clock-jump`, `clock-drift`, `partition`, `heal`) come from src/sim and carry their own fields.
 *
 * Who emits what, and where (`node` of the event):
 *
 * | type        | node            | meaning |
 * |-------------|-----------------|---------|
 * | `request`   | client          | the client sent a lock/convert/unlock/cancel request. An `unlock` request ends the client's belief. |
 * | `complete`  | client          | the client learned an outcome (exactly once per outcome). `complete` GRANTED starts (or changes the mode of) its belief. |
 * | `bast`      | client          | the client received a blocking notification; `mode` = the blocked mode. |
 * | `lapse`     | client          | (a mark) the client's own lease deadline passed on its clock; ends the belief of a lease-checking client. |
 * | `enqueue`   | service         | a request was queued at the deciding node (`queue`: waiting or converting). |
 * | `grant`     | service/decider | the lock service now considers `client` to hold `mode` on `resource`. For the DLM: the master; for Redlock and the zk recipe: the client itself when it decides it holds the lock. |
 * | `release`   | service/decider | that grant ended for a reason other than expiry (`reason`). `demote`: CONVDEADLK demoted the granted mode to NL; the lock lives on at NL and its conversion stays queued. |
 * | `expire`    | service/decider | that grant ended because its lease / TTL / validity ran out. |
 * | `hold-end`  | service         | (DLM) the hold on a rebuilt root is over: every grant on `resource` other than those of the `kept` clients ended, its lease having run out (an `expire` of each; the master cannot name their clients, having lost every record of them). |
 * | `dequeue`   | service         | a queued request left the queue without a grant (cancel, refusal, victim, purge; a master's reset). |
 * | `lvb-write` | service         | the resource's value block was written (`value`). |
 * | `lvb-invalidate` | service    | the resource's value block was marked invalid. |
 * | `deadlock`  | service         | a deadlock was found; `cycle` and `victim`. |
 * | `write`     | storage         | the storage accepted a write. |
 * | `reject`    | storage         | the storage rejected a write (token check). |
 * | `read`      | storage         | the storage served a read. |
 * | `violation` | checker         | an invariant was violated (emitted by the check layer, not by processes). |
 *
 * Ordering contract (the checkers judge each event against the state the events before it
 * built, in true time; see src/check/index.ts for what each checker reads):
 * - trace the `release`/`expire`/`hold-end` of a grant before the `grant` it makes room for (the same
 *   instant is fine, the earlier seq counts);
 * - trace `lvb-write`/`lvb-invalidate` before the `grant` or `release` that performs it;
 * - trace a `deadlock` before the victim's `dequeue` (the cycle must still stand when reported);
 * - a kernel `crash` event's `node` is the node that crashed;
 * - `request` with op lock/convert carries `mode`. A required field that is missing or of the
 *   wrong type makes the checkers throw a CheckError naming the event: a producer bug is loud.
 */

/** The six lock modes, by name. */
export type ModeName = 'NL' | 'CR' | 'CW' | 'PR' | 'PW' | 'EX';

/** Outcome statuses of dlm-semantics §9, as traced in `complete`. */
export type StatusName =
  | 'GRANTED'
  | 'NOTQUEUED'
  | 'DEADLOCK'
  | 'ABORTED'
  | 'CANCELLED'
  | 'CANCELGRANT'
  | 'UNLOCKED'
  | 'BUSY'
  | 'INVALID_ARG'
  | 'SUBLOCKS'
  | 'PARNOTGRANT'
  | 'TIMEOUT';

export interface RequestFields {
  client: string;
  resource: string;
  op: 'lock' | 'convert' | 'unlock' | 'cancel';
  mode?: ModeName;
  flags?: string[];
}

export interface CompleteFields {
  client: string;
  resource: string;
  status: StatusName;
  /** The mode now held (absent when none). */
  mode?: ModeName;
  /** Status flags: VALNOTVALID, DEMOTED, ALTMODE. */
  flags?: string[];
  value?: string;
  token?: number;
}

export interface BastFields { client: string; resource: string; mode: ModeName }
export interface LapseFields { client: string; resource: string }

export interface EnqueueFields {
  client: string;
  resource: string;
  mode: ModeName;
  queue: 'waiting' | 'converting';
  flags?: string[];
}

export interface GrantFields {
  client: string;
  resource: string;
  mode: ModeName;
  /** Fencing token (PW/EX grants when fencing is on). */
  token?: number;
  /** The value block handed out with the grant (VALBLK). */
  value?: string;
  /** Status flags of the grant (VALNOTVALID, DEMOTED, ALTMODE). */
  flags?: string[];
  /**
   * Set on grants made by the first grant pass after recovery, where queue order is not binding
   * (dlm-semantics §8.2 step 6): the grant-order checker does not judge them.
   */
  recovery?: boolean;
}

export interface ReleaseFields {
  client: string;
  resource: string;
  reason: 'unlock' | 'purge' | 'cancel' | 'demote' | 'superseded';
}

export interface ExpireFields { client: string; resource: string }

/**
 * The end of a DLM master's hold on a root it rebuilt after losing several managers at once
 * (src/dlm/protocol/master-recovery.ts): a grant the lost managers made beyond the copies is over,
 * its lease having run out, but nobody alive may have heard of its client, so the master cannot
 * name it in an `expire`. The checkers read this as an `expire` of every grant on `resource`
 * whose client is not in `kept`, the clients whose locks on it the master holds (rebuilt from the
 * copies) and which go on.
 */
export interface HoldEndFields {
  resource: string;
  kept: string[];
}

/**
 * A queued request leaves its queue without a grant. `reset`: the master dropped its whole lock
 * state (a DLM manager declared dead while alive) with the request still queued there; it ends
 * the queue entry only that master placed: when another master has queued the request since (a
 * rebuild), that master's queue holds it still.
 */
export interface DequeueFields {
  client: string;
  resource: string;
  reason: 'cancel' | 'notqueued' | 'deadlock' | 'purge' | 'reset';
}

export interface LvbWriteFields { client: string; resource: string; value: string }
export interface LvbInvalidateFields { resource: string; reason: string; client?: string }

/** One edge of a wait-for cycle: `node` waits in `mode` on `resource` for `waitsFor`. */
export interface CycleEdge { node: string; resource: string; mode: ModeName; waitsFor: string; heldMode?: ModeName }

export interface DeadlockFields { victim: string; cycle: CycleEdge[] }

export interface StorageWriteFields { client: string; resource: string; value: string; token?: number }
export interface StorageRejectFields extends StorageWriteFields { highest: number }
export interface StorageReadFields { client: string; resource: string; value: string }

/** The lock-level event types and their fields. */
export interface LockEventFields {
  request: RequestFields;
  complete: CompleteFields;
  bast: BastFields;
  lapse: LapseFields;
  enqueue: EnqueueFields;
  grant: GrantFields;
  release: ReleaseFields;
  expire: ExpireFields;
  'hold-end': HoldEndFields;
  dequeue: DequeueFields;
  'lvb-write': LvbWriteFields;
  'lvb-invalidate': LvbInvalidateFields;
  deadlock: DeadlockFields;
  write: StorageWriteFields;
  reject: StorageRejectFields;
  read: StorageReadFields;
}

export type LockEventType = keyof LockEventFields;
