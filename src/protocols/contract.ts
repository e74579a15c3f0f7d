/**
 * The seam between a scripted client and the lock service it talks to.
 *
 * A scripted client (src/clients/scripted.ts) is protocol-neutral: it interprets the steps of a
 * scenario file and traces `request` / `complete` / `bast`. Everything protocol-specific on the
 * client side — a DLM session with KeepAlives, the Redlock acquisition algorithm, the ZooKeeper
 * recipe, a single-instance SET NX PX — lives in a {@link LockDriver} that the protocol module
 * supplies. The same client script therefore runs unchanged against every protocol, which is what
 * lets a user compare them.
 *
 * A {@link ProtocolModule} is what src/explore needs from a protocol to build a simulated world:
 * the service nodes, and a driver for each client.
 *
 * The contract sits beside the protocols because every protocol (src/dlm/protocol included)
 * implements it; the scripted client only consumes it.
 */
import type { ModeName, StatusName } from '../vocabulary/index.js';
import type { Message, ProcessContext, ProcessFactory } from '../sim/types.js';

/** One lock-level operation a client asks its driver to perform. */
export interface LockRequest {
  op: 'lock' | 'convert' | 'unlock' | 'cancel';
  resource: string;
  /** Requested mode for lock/convert. */
  mode?: ModeName;
  /** Request flags (dlm-semantics §3.5 names). */
  flags?: readonly string[];
  /** The caller's value-block buffer (VALBLK), as a string. */
  value?: string;
  /** Deadlock priority of the owner (lowest is the victim). */
  priority?: number;
  /** Parent resource (a lock the same client holds) for sub-resources. */
  parent?: string;
}

/** What a driver reports when an operation completes (exactly once per accepted request). */
export interface LockOutcome {
  status: StatusName;
  /** The mode now held on the resource (absent when none). */
  mode?: ModeName;
  /** Status flags: VALNOTVALID, DEMOTED, ALTMODE. */
  flags?: readonly string[];
  /** The value block returned (VALBLK), trailing zero bytes stripped. */
  value?: string;
  /** Fencing token of the grant, when the service issues them. */
  token?: number;
}

/** What the scripted client gives its driver. */
export interface DriverHost {
  readonly ctx: ProcessContext;
  /** Report the outcome of the client's pending operation on `resource`; the client traces `complete`. */
  complete(resource: string, outcome: LockOutcome): void;
  /** Report a blocking notification; the client traces `bast`. */
  bast(resource: string, blockedMode: ModeName): void;
}

/** A lease deadline as the client itself knows it: a reading of one of its own clocks. */
export interface LocalDeadline {
  clock: 'wall' | 'mono';
  atUs: number;
}

/** The protocol-specific half of a client. One per client process incarnation. */
export interface LockDriver {
  /** Called from the client's onStart: open a session, arm KeepAlives, ... */
  start(): void;
  /** Perform an operation; its outcome comes back through DriverHost.complete. */
  request(req: LockRequest): void;
  /** Offer a message to the driver; returns true when it was the driver's. */
  onMessage(from: string, payload: Message): boolean;
  /** Offer a timer tag to the driver; returns true when it was the driver's. */
  onTimer(tag: unknown): boolean;
  /**
   * The client's own conservative idea of when its hold on `resource` ends (session lease,
   * Redlock validity, ...), on its own clock; undefined when it has no deadline (no leases).
   * `checkLease` steps and the belief-overlap observation use it.
   */
  leaseDeadline(resource: string): LocalDeadline | undefined;
  /** The fencing token of the client's current grant on `resource`, if any. */
  token(resource: string): number | undefined;
}

/** Builds a driver for a client process incarnation. */
export type DriverFactory = (host: DriverHost) => LockDriver;

/**
 * The lock-service settings every protocol reads (DESIGN §5.2 `lockService`, defaults filled,
 * milliseconds as in scenario files). Protocols ignore what does not apply to them.
 */
export interface ServiceOptions {
  /** Session lease (dlm), key TTL (redlock, lease-lock), session timeout (zk); 0 = no expiry. */
  leaseMs: number;
  keepAliveMs: number;
  lockDelayMs: number;
  fencing: boolean;
  expiryClock: 'mono' | 'wall';
  /**
   * `confirm` (default true): the deadlock coordinator asks each master to confirm a cycle's edges
   * before acting on it; false is the central detector that trusts the edges it gathered, stale
   * ones included (pitfalls S21, phantom deadlocks).
   */
  deadlock: { detect: boolean; waitMs: number; confirm?: boolean };
  valueBlockBytes: number;
  /** Chubby grace period after a manager fail-over. */
  graceMs: number;
  /** Manager heartbeat period and the silence after which a manager is declared dead. */
  heartbeatMs: number;
  failureTimeoutMs: number;
  /** Redlock: whether an instance persists keys across a crash. */
  persistence: 'none' | 'fsync';
  /** Redlock drift allowance: driftFactor × TTL + driftExtraMs. */
  driftFactor: number;
  driftExtraMs: number;
  /** Redlock: whether the client checks elapsed time after acquiring (the validity check). */
  validityCheck: boolean;
  /** Redlock / zk / lease-lock retry delay (a random delay up to this). */
  retryDelayMs: number;
  /**
   * Redlock / zk / lease-lock: how long a client waits for one instance's (or the zk server's)
   * reply before treating it as lost — the Redlock spec's per-instance timeout, "~5–50 ms for a
   * 10 s TTL" (pitfalls S03). Scenario field `lockService.requestTimeoutMs`; default 50.
   */
  requestTimeoutMs?: number;
  /** Redlock: SET to the instances one after another (spec step 2) or all at once. Default 'parallel'. */
  fanout?: 'parallel' | 'sequential';
  /**
   * The clock a client measures elapsed time, Redlock validity and its local lease deadline on
   * (pitfalls §0, S04 outcome D). Default 'mono'.
   */
  clientClock?: 'mono' | 'wall';
  /** Safety margin a client subtracts from its local lease deadline. Default 0. */
  clientMarginMs?: number;
  /** zk recipe: watch the predecessor (correct) or the parent (herd effect). */
  watch: 'predecessor' | 'parent';
  /** zk recipe: GUID in node names, so a client can find its own ghost node after a lost create reply. */
  guidNames: boolean;
  /**
   * zk client: Curator's connection states (pitfalls S14). 'none' (default): no client-side
   * states; 'lost-after-suspended': SUSPENDED after 2/3 of the session timeout without contact,
   * LOST a whole session timeout later, locks trusted until LOST (before CURATOR-460);
   * 'suspended-is-loss': SUSPENDED ends the client's trust in its locks.
   */
  connectionStates?: 'none' | 'lost-after-suspended' | 'suspended-is-loss';
  /** lease-lock release: compare-and-delete (correct) or plain DEL (the bug). */
  release: 'compare-and-delete' | 'del';
  /** Lock-space behaviour profile. */
  profile: 'linux' | 'vms';
  /** Deliberately broken variants, for proving that each checker fires. Never set by scenario files. */
  mutations?: ServiceMutations;
}

/**
 * Planted bugs. Each makes one invariant's checker fire on a scenario where the correct service
 * passes (DESIGN §6: "a checker is only trusted once a deliberately broken variant makes it fire").
 */
export interface ServiceMutations {
  /** Fencing tokens are not incremented on a new PW/EX grant (fencing). */
  tokenNotIncremented?: boolean;
  /** The master's wait pass grants the first compatible waiter, skipping FIFO (grant-order). */
  grantSkipsFifo?: boolean;
  /** The compatibility matrix says PR is compatible with EX (mutual-exclusion). */
  wrongMatrixEntry?: boolean;
  /** The value block is not invalidated when a PW/EX holder dies (value-block). */
  noLvbInvalidateOnHolderDeath?: boolean;
  /** A grant message lost on the network is never re-sent (liveness). */
  lostGrantNeverRetried?: boolean;
}

/** A client as the world builder describes it to a protocol. */
export interface ClientSpec {
  id: string;
  /** The manager/instance this client talks to first (dlm: its home manager). */
  home: string;
  deadlockPriority: number;
}

/** What src/explore needs from a protocol to build a world. */
export interface ProtocolModule {
  readonly name: 'dlm' | 'redlock' | 'zk' | 'lease-lock' | 'etcd' | 'grid';
  /** The service node ids and their process factories (e.g. m1..mN). */
  serviceNodes(managers: number, options: ServiceOptions): Array<{ id: string; factory: ProcessFactory }>;
  /** The driver factory for one client. */
  driver(client: ClientSpec, managerIds: readonly string[], options: ServiceOptions): DriverFactory;
}
