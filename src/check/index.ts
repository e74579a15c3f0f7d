/**
 * The online checkers: one TraceListener that validates each event once and hands it to the
 * checkers of the selected invariants (DESIGN §4) and to the belief-overlap observation.
 *
 * What each judgement needs to see (the producer's side of the contract, events.ts):
 *
 * | name | reads | fires when |
 * |---|---|---|
 * | `mutual-exclusion` | `grant`, `release`, `expire` | a grant is incompatible with another client's live grant on the resource |
 * | `stale-write` | `grant`, `release`, `expire`, storage `write` | storage accepts a write from a client not holding CW/PW/EX on the resource at that instant |
 * | `fencing` | `grant` (token), `release`, `expire`, storage `write` (token) | a granted token does not exceed every earlier one; storage accepts a token below the highest accepted |
 * | `value-block` | `request`, `enqueue`, `grant` (value, flags), `complete` (value, flags), `lvb-write`, `lvb-invalidate`, `release`, `expire`, `dequeue` | a value block read is not the last written and not flagged VALNOTVALID |
 * | `grant-order` | `request` (flags), `enqueue`, `grant`, `dequeue`, `release`, `expire`, `crash` | a grant overtakes a request the queue rules put first |
 * | `deadlock` | `request`, `complete`, `enqueue`, `grant`, `dequeue`, `release`, `expire`, `deadlock`, `crash` | a wait-for cycle outlives the bound or the run; a reported cycle did not exist |
 * | `liveness` | `request`, `complete`, `crash` | a request is unanswered past max(sent, healed) + bound |
 * | `early-expiry` (opt-in) | `complete`, `request` (unlock), `lapse`, `expire`, `crash` | the service expires a lock a lease-checking holder still trusts (its lapse comes later, or never) |
 * | `lock-delay` (opt-in) | `expire`, `grant` | an incompatible grant to another client comes less than lockDelayMs after an expiry |
 * | `herd` (opt-in) | `notify` | one change notifies more than one waiter |
 * | `belief-overlap` (observation) | `complete`, `request` (unlock), `lapse`, `crash` | two clients believe incompatible modes at once |
 *
 * Service `deadlock` events are also collected as DeadlockReports for the result JSON. A DLM
 * master's `hold-end` reaches every checker that reads `expire` as the `expire` of each grant on
 * its resource whose client is not `kept` (the master cannot name those clients).
 *
 * The checkers of one set share a LockTable (./lock-table.ts): the set finds the lock each event
 * names once, hands the event to the checkers, then applies it to the table's grants.
 */
import type { Checker, CheckSink } from './checker.js';
import { BeliefOverlapChecker } from './belief-overlap.js';
import { DEFAULT_DEADLOCK_BOUND_US, DeadlockChecker } from './deadlock.js';
import { EarlyExpiryChecker } from './early-expiry.js';
import { HerdChecker } from './herd.js';
import { LockDelayChecker } from './lock-delay.js';
import { FencingChecker } from './fencing.js';
import { GrantOrderChecker } from './grant-order.js';
import { checkedTypes, readerFor, type CheckedEvent } from './lock-event.js';
import type { CycleEdge } from '../vocabulary/index.js';
import { LivenessChecker } from './liveness.js';
import { LockTable } from './lock-table.js';
import { MutualExclusionChecker } from './mutual-exclusion.js';
import { StaleWriteChecker } from './stale-write.js';
import { ValueBlockChecker } from './value-block.js';
import {
  CheckError,
  isInvariantName,
  invariantNames,
  type BeliefOverlap,
  type DeadlockReport,
  type InvariantName,
  type Violation,
} from './violation.js';
import type { NodeEventSink } from '../sim/index.js';
import type { TraceEvent, TraceFields } from '../sim/types.js';

export type { Checker, CheckSink } from './checker.js';
export type { CheckedEvent, CheckedType, CrashEvent, EventHead, LockEvent, NotifyEvent } from './lock-event.js';
export { checkedTypes, readEvent } from './lock-event.js';
export { compatible, compatibilityMatrix, isModeName, lvbOperation, modeNames, permitsWrite } from './modes.js';
export { defaultDeadlockBoundUs, DEFAULT_DEADLOCK_BOUND_US } from './deadlock.js';
export { CheckError, invariantNames, isInvariantName, optInInvariantNames } from './violation.js';
export type { BeliefOverlap, DeadlockReport, InvariantName, Violation } from './violation.js';
export {
  BeliefOverlapChecker,
  DeadlockChecker,
  EarlyExpiryChecker,
  FencingChecker,
  GrantOrderChecker,
  HerdChecker,
  LivenessChecker,
  LockDelayChecker,
  MutualExclusionChecker,
  StaleWriteChecker,
  ValueBlockChecker,
};

/** How to build a CheckerSet. */
export interface CheckerOptions {
  /** The invariants to judge; the belief-overlap observation always runs. */
  invariants: readonly InvariantName[];
  /** Liveness bound: how long after max(request, heal) a request may stay unanswered. */
  livenessUs: number;
  /** True time after which all faults have healed. */
  healUs: number;
  /** Clients whose belief ends at their `lapse` mark (they check their lease). */
  leaseChecking?: ReadonlySet<string>;
  /** How long a wait-for cycle may stand; default 5 s (see defaultDeadlockBoundUs). */
  deadlockBoundUs?: number;
  /** The service's lock-delay, µs, for the `lock-delay` invariant (default 0: nothing is delayed). */
  lockDelayUs?: number;
  /** Most violations, observations and deadlock reports kept, each; beyond, they are counted in `dropped`. */
  maxRecords?: number;
}

/** Default of CheckerOptions.maxRecords. */
export const DEFAULT_MAX_RECORDS = 10_000;

/** The set was used after `finish` (a harness bug). */
export class CheckerSetFinished extends Error {
  constructor(what: string) {
    super(`lockstep check: ${what} after finish()`);
    this.name = 'CheckerSetFinished';
  }
}

/** What the set does with events of one type: validate them, then hand them to these checkers. */
interface Route {
  readonly read: (e: TraceEvent) => CheckedEvent;
  /** The checkers that read this type or judge deadlines (Checker.dueUs), in the set's order. */
  readonly checkers: readonly Checker[];
  /**
   * Per checker: its onEvent, bound to it once here. Called through this list, a lock event costs
   * no look-up of `onEvent` on the checkers' many classes (a megamorphic load per checker).
   */
  readonly judges: readonly ((e: CheckedEvent, sink: CheckSink) => void)[];
  /** Per checker: whether it has only deadlines to judge in events of this type. */
  readonly timedOnly: readonly boolean[];
}

/**
 * The online checkers of one run, listening to its event stream.
 *
 * Most events of a run are kernel events (`send`, `deliver`, `timer`, ...) that no checker reads,
 * so the set routes by type, from a table built once: an event of a type outside the lock
 * vocabulary costs one look-up, and a lock event is validated once and reaches only the
 * checkers that read its type (Checker.reads) or have a deadline before it (Checker.dueUs), in
 * the set's order, which is what fixes the order of findings at one event.
 */
export class CheckerSet implements NodeEventSink {
  /**
   * No checker reads the kernel's `send` and `deliver` events (they are not in `checkedTypes`,
   * which the constructor asserts), so the kernel need not hand them over at all.
   */
  readonly messageEvents = false;
  /** Violations in detection order (append-only: a listener may read it by index as it grows). */
  readonly violations: Violation[] = [];
  readonly observations: BeliefOverlap[] = [];
  readonly deadlocks: DeadlockReport[] = [];
  /** Records not kept because a list reached maxRecords. */
  dropped = 0;
  private readonly checkers: Checker[];
  /**
   * Routes by event type, in a prototype-less dictionary: every event is looked up here, and a
   * keyed load of a constant type string costs less than a Map look-up.
   */
  private readonly routes: Record<string, Route | undefined> = Object.create(null) as Record<string, Route | undefined>;
  private readonly sink: CheckSink;
  /**
   * The table the set resolves and commits for every checked event: the checkers' shared one, or,
   * when each checker keeps its own, one of the set's, which only `hold-end` reads (whose grants
   * it ends).
   */
  private readonly table: LockTable;
  private lastUs = -Infinity;
  private finished = false;

  /**
   * @param checkers the checkers, in the order their findings at one event are kept
   * @param table the table the checkers were built on, which the set resolves and commits for
   *   every checked event; omit when each checker keeps its own
   */
  constructor(
    checkers: Checker[],
    private readonly maxRecords: number = DEFAULT_MAX_RECORDS,
    table?: LockTable,
  ) {
    this.table = table ?? new LockTable();
    this.checkers = checkers;
    for (const type of checkedTypes) {
      if ((type as string) === 'send' || (type as string) === 'deliver') throw new RangeError(`lockstep check: '${type}' must not be checked (the set declares messageEvents: false)`);
      const read = readerFor(type);
      if (read === undefined) throw new RangeError(`lockstep check: no validator for '${type}'`);
      const routed = checkers.filter((c) => c.reads.includes(type) || c.dueUs !== undefined);
      this.routes[type] = { read, checkers: routed, judges: routed.map((c) => c.onEvent.bind(c)), timedOnly: routed.map((c) => !c.reads.includes(type)) };
    }
    this.sink = {
      violation: (v) => this.keep(this.violations, v),
      observation: (o) => this.keep(this.observations, o),
    };
  }

  /** The violation earliest in true time (ties: the first detected), if any. */
  get firstViolation(): Violation | undefined {
    let first: Violation | undefined;
    for (const v of this.violations) if (first === undefined || v.atUs < first.atUs) first = v;
    return first;
  }

  /**
   * A simulated node's event taken as arguments (NodeEventSink). The checkers read no `local`,
   * so it is not needed, and an event object is built only for a type some checker reads: most
   * node events (timers, faults) are routed nowhere.
   */
  onNodeEvent(seq: number, tUs: number, node: string, type: string, fields: TraceFields | undefined): void {
    if (this.finished) throw new CheckerSetFinished(`event #${seq} (${type})`);
    const route = this.routes[type];
    if (route !== undefined) this.judge(route, { seq, tUs, node, type, fields });
  }

  /**
   * Judge one event. Events must arrive in trace order (true time never decreasing).
   * @throws CheckError on a malformed lock event or an event earlier than the one before.
   */
  onEvent(event: TraceEvent): void {
    if (this.finished) throw new CheckerSetFinished(`event #${event.seq} (${event.type})`);
    const route = this.routes[event.type];
    if (route !== undefined) this.judge(route, event);
  }

  /** Judge `event` by `route`, the route of its type (looked up once per event, by the caller). */
  private judge(route: Route, event: TraceEvent): void {
    const e = route.read(event);
    if (e.tUs < this.lastUs) throw new CheckError(e.seq, e.type, 'tUs', `goes back in time (${e.tUs} µs after ${this.lastUs} µs)`);
    this.lastUs = e.tUs;
    if (e.type === 'deadlock') this.keep(this.deadlocks, { atUs: e.tUs, victim: e.fields.victim, cycle: e.fields.cycle.map(copyEdge) });
    if (e.type === 'hold-end') {
      this.endHold(e);
      return;
    }
    const table = this.table;
    table.resolve(e);
    const { checkers, judges, timedOnly } = route;
    for (let i = 0; i < checkers.length; i++) {
      // A checker with nothing due yet would do nothing with an event of a type it does not read.
      if (timedOnly[i] && !(e.tUs > checkers[i]!.dueUs!)) continue;
      judges[i]!(e, this.sink);
    }
    table.commit(e);
  }

  /**
   * A `hold-end` is the `expire` of every grant on its resource whose client is not `kept`: each
   * is judged as that `expire` (the same seq, time and node), in the order the grants were made,
   * so that every checker ends them as it ends any expired lock (stale-write then calls a later
   * write under one of them a write after expiry), and none needs to learn the event itself.
   */
  private endHold(e: Extract<CheckedEvent, { type: 'hold-end' }>): void {
    const { resource, kept } = e.fields;
    const ending = this.table.resource(resource).holders.filter((lock) => !kept.includes(lock.client));
    const route = this.routes.expire!;
    for (const lock of ending) {
      const fields: TraceFields = { client: lock.client, resource };
      this.judge(route, { seq: e.seq, tUs: e.tUs, node: e.node, type: 'expire', fields });
    }
  }

  /** End-of-run judgement at true time `endUs`. Call once, after the last event. */
  finish(endUs: number): void {
    if (this.finished) throw new CheckerSetFinished('finish()');
    this.finished = true;
    const end = Math.max(endUs, this.lastUs);
    for (const checker of this.checkers) checker.finish(end, this.sink);
  }

  private keep<T>(list: T[], item: T): void {
    if (list.length < this.maxRecords) list.push(item);
    else this.dropped++;
  }
}

/** A reported edge with exactly the fields of CycleEdge (the producer's object may carry more). */
function copyEdge(edge: CycleEdge): CycleEdge {
  const out: CycleEdge = { node: edge.node, resource: edge.resource, mode: edge.mode, waitsFor: edge.waitsFor };
  if (edge.heldMode !== undefined) out.heldMode = edge.heldMode;
  return out;
}

/** Build the online checkers for a run: one per selected invariant, plus belief-overlap. */
export function createCheckers(opts: CheckerOptions): CheckerSet {
  for (const name of opts.invariants) {
    if (!isInvariantName(name)) throw new RangeError(`lockstep check: unknown invariant '${String(name)}' (known: ${invariantNames.join(', ')})`);
  }
  const selected = new Set(opts.invariants);
  const table = new LockTable();
  const checkers: Checker[] = [];
  for (const name of invariantNames) {
    if (!selected.has(name)) continue;
    checkers.push(makeChecker(name, opts, table));
  }
  checkers.push(new BeliefOverlapChecker(opts.leaseChecking ?? new Set(), table));
  return new CheckerSet(checkers, opts.maxRecords ?? DEFAULT_MAX_RECORDS, table);
}

function makeChecker(name: InvariantName, opts: CheckerOptions, table: LockTable): Checker {
  switch (name) {
    case 'mutual-exclusion':
      return new MutualExclusionChecker(table);
    case 'stale-write':
      return new StaleWriteChecker(table);
    case 'fencing':
      return new FencingChecker(table);
    case 'value-block':
      return new ValueBlockChecker(table);
    case 'grant-order':
      return new GrantOrderChecker(table);
    case 'deadlock':
      return new DeadlockChecker(opts.deadlockBoundUs ?? DEFAULT_DEADLOCK_BOUND_US, table);
    case 'liveness':
      return new LivenessChecker(opts.livenessUs, opts.healUs, table);
    case 'early-expiry':
      return new EarlyExpiryChecker(opts.leaseChecking ?? new Set(), table);
    case 'lock-delay':
      return new LockDelayChecker(opts.lockDelayUs ?? 0, table);
    case 'herd':
      return new HerdChecker();
  }
}
