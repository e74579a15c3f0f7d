/**
 * The checkers' shared record of the run: one ResourceState per resource and one LockState per
 * (client, resource) lock, each holding what every checker needs about it.
 *
 * Almost every judgement is about the lock an event names, so the CheckerSet finds that lock once
 * per event (`resolve`) and every checker reads `table.lock` instead of looking the pair up in
 * tables of its own (one lookup per event, not one per checker). Records are made once per lock
 * and kept for the run (the same few locks are taken and released all run long), each with every
 * checker's slot state, so judging an event allocates nothing; memory is bounded by the distinct
 * locks named.
 *
 * Two kinds of state live here:
 * - the grants as the service states them, kept by the table itself (`commit`, after every
 *   checker has judged the event, so that each judges it against the state the events before it
 *   built) in the two views the invariants need: the *lock* view (value-block, grant-order,
 *   deadlock), where a CONVDEADLK demotion leaves the lock at NL, and the *strict* view
 *   (mutual-exclusion, stale-write, fencing), where any `release` ends the grant;
 * - each checker's own per-lock and per-resource state, in a {@link LockSlot} or {@link ResourceSlot} the checker takes from
 *   the table when it is built: its type is declared in the checker's file, the table only makes
 *   one value per record, and only the checker holding the slot reads or writes it, so enabling one
 *   invariant never changes what another sees.
 *
 * A checker built on its own (no table given) makes a private table and resolves and commits it
 * itself, so it judges exactly as it does inside a CheckerSet.
 */
import type { ModeName } from '../vocabulary/index.js';
import type { CheckedEvent, CheckedType } from './lock-event.js';

/** The empty flag list (shared: flag lists are never mutated). */
export const noFlags: readonly string[] = Object.freeze([]);

/** One client's lock on one resource. */
export class LockState {
  // -- The grant (kept by the table) --------------------------------------------------------
  /** The mode held in the lock view (a demotion leaves NL); undefined when no grant is live. */
  mode: ModeName | undefined = undefined;
  /** Whether the grant is live in the strict view (where `mode` is then the granted mode). */
  granted = false;
  /** Strict view: true time of the grant event that set `mode`. */
  grantedUs = 0;
  /** Strict view: the fencing token of that grant. */
  token: number | undefined = undefined;
  /** Strict view: when the grant became live (table-wide order), for the order of holders in messages. */
  grantOrder = 0;
  /** The node that traced the latest grant (kept once the grant ends: see queues.ts, grantEndEnds). */
  grantedBy = '';

  /** Each checker's own state for this lock, by slot (see {@link LockSlot}). */
  readonly slots: unknown[];

  constructor(
    readonly client: string,
    readonly res: ResourceState,
    makers: readonly (() => unknown)[],
  ) {
    this.slots = makeSlots(makers);
  }
}

/** One resource. */
export class ResourceState {
  /** Every lock named on this resource, by client (a dictionary: see LockTable.byName). */
  readonly locks: Record<string, LockState | undefined> = Object.create(null) as Record<string, LockState | undefined>;
  /** The locks with a grant in the lock view, in the order they were granted (a conversion keeps its place). */
  readonly holders: LockState[] = [];

  /** Each checker's own state for this resource, by slot (see {@link ResourceSlot}). */
  readonly slots: unknown[];

  constructor(
    readonly name: string,
    makers: readonly (() => unknown)[],
  ) {
    this.slots = makeSlots(makers);
  }
}

/**
 * One value per maker, in a packed array. Not `makers.map(...)`: once TurboFan inlines `map` into
 * an optimized constructor, it allocates the result holey, so the records made after that point
 * carry arrays of another map than the earlier ones, and every optimized checker that read a slot
 * is thrown back to the interpreter mid-sweep. A push loop makes the same kind of array in the
 * interpreter and in optimized code.
 */
function makeSlots(makers: readonly (() => unknown)[]): unknown[] {
  const slots: unknown[] = [];
  for (const make of makers) slots.push(make());
  return slots;
}

/**
 * A checker's handle on its own state for every lock of a table: the table makes the state with
 * `make` when it makes the lock's record, and `of` reads it back. The state's type is the checker's
 * own; no other checker holds the handle. (Lock and resource slots are classes apart so that each
 * `of` reads one record class: a look-up the checkers make on nearly every event stays monomorphic.)
 */
export class LockSlot<T> {
  constructor(private readonly index: number) {}

  /** This slot's state on `lock`. */
  of(lock: LockState): T {
    return lock.slots[this.index] as T;
  }
}

/** A checker's handle on its own state for every resource of a table (see {@link LockSlot}). */
export class ResourceSlot<T> {
  constructor(private readonly index: number) {}

  /** This slot's state on `res`. */
  of(res: ResourceState): T {
    return res.slots[this.index] as T;
  }
}

/** Most locks a resource's list may hold (holders, queues, believers); more means a runaway producer. */
export const MAX_LOCKS_PER_RESOURCE = 100_000;

/** Append `lock` to `list`, asserting the bound. */
export function pushLock(list: LockState[], lock: LockState, what: string): void {
  list.push(lock);
  if (list.length > MAX_LOCKS_PER_RESOURCE) throw new RangeError(`check: ${what} of ${lock.res.name} exceed ${MAX_LOCKS_PER_RESOURCE} locks`);
}

/** Remove `lock` (which is there) from `list`, keeping the order of the rest. */
export function removeLock(list: LockState[], lock: LockState): void {
  const i = list.indexOf(lock);
  if (i < 0) throw new RangeError(`check: ${lock.client}'s lock on ${lock.res.name} is not in the list it is filed under`);
  for (let j = i; j < list.length - 1; j++) list[j] = list[j + 1]!;
  list.pop(); // (not `length--`: setting an array's length is a runtime call)
}

export class LockTable {
  /**
   * Resources by name. A prototype-less object rather than a Map: every event is looked up here
   * and in its resource's `locks`, and a keyed load of a name seen before costs less than a Map
   * look-up. Names are only ever looked up, never
   * iterated (`all` keeps the order), so integer-like names are harmless.
   */
  private readonly byName: Record<string, ResourceState | undefined> = Object.create(null) as Record<string, ResourceState | undefined>;
  /** Every resource, in the order first named. */
  private readonly all: ResourceState[] = [];
  /** The resource the current event names (after `resolve`); undefined when it names none. */
  res: ResourceState | undefined = undefined;
  /** The lock the current event names (client and resource); undefined when it names none. */
  lock: LockState | undefined = undefined;
  private grants = 0;
  private readonly lockMakers: (() => unknown)[] = [];
  private readonly resourceMakers: (() => unknown)[] = [];

  /** A slot of per-lock state for a checker, made with `make` for every lock; taken before any event. */
  lockSlot<T>(make: () => T): LockSlot<T> {
    this.assertEmpty();
    this.lockMakers.push(make);
    return new LockSlot<T>(this.lockMakers.length - 1);
  }

  /** A slot of per-resource state for a checker, made with `make` for every resource; taken before any event. */
  resourceSlot<T>(make: () => T): ResourceSlot<T> {
    this.assertEmpty();
    this.resourceMakers.push(make);
    return new ResourceSlot<T>(this.resourceMakers.length - 1);
  }

  /** Slots are taken while the table is empty, so every record carries every slot. */
  private assertEmpty(): void {
    if (this.all.length > 0) throw new RangeError('check: a checker took a slot after the lock table recorded its first resource');
  }

  /** Find (making them on first mention) the resource and lock that `e` names. */
  resolve(e: CheckedEvent): void {
    switch (e.type) {
      case 'crash':
      case 'deadlock':
      case 'notify':
        this.res = undefined;
        this.lock = undefined;
        return;
      case 'lvb-invalidate':
      case 'hold-end':
        this.res = this.resource(e.fields.resource);
        this.lock = undefined;
        return;
      default: {
        const res = this.resource(e.fields.resource);
        this.res = res;
        this.lock = this.lockOn(res, e.fields.client);
      }
    }
  }

  /** Apply what `e` does to the grants, once every checker has judged it. */
  commit(e: CheckedEvent): void {
    switch (e.type) {
      case 'grant':
        this.grant(this.lock!, e.fields.mode, e.tUs, e.fields.token, e.node);
        return;
      case 'release':
        if (e.fields.reason === 'demote') this.demote(this.lock!);
        else end(this.lock!);
        return;
      case 'expire':
        end(this.lock!);
        return;
      default:
        return;
    }
  }

  /** The resource named `name`, made on first mention. */
  resource(name: string): ResourceState {
    return this.byName[name] ?? this.addResource(name);
  }

  /** Make the record of resource `name`, named for the first time (apart from the look-up, which runs for every event). */
  private addResource(name: string): ResourceState {
    const res = new ResourceState(name, this.resourceMakers);
    this.byName[name] = res;
    this.all.push(res);
    return res;
  }

  /** `client`'s lock on `resource` if either was ever named (a pure look-up: nothing is made). */
  find(client: string, resource: string): LockState | undefined {
    return this.byName[resource]?.locks[client];
  }

  /** Every lock of `client`, resources in the order first named (for crashes: rare, so a scan). */
  locksOf(client: string): LockState[] {
    const out: LockState[] = [];
    for (const res of this.all) {
      const lock = res.locks[client];
      if (lock !== undefined) out.push(lock);
    }
    return out;
  }

  private lockOn(res: ResourceState, client: string): LockState {
    return res.locks[client] ?? this.addLock(res, client);
  }

  /** Make the record of `client`'s lock on `res`, named for the first time (apart from the look-up, as in `resource`). */
  private addLock(res: ResourceState, client: string): LockState {
    const lock = new LockState(client, res, this.lockMakers);
    res.locks[client] = lock;
    return lock;
  }

  private grant(lock: LockState, mode: ModeName, atUs: number, token: number | undefined, node: string): void {
    if (lock.mode === undefined) pushLock(lock.res.holders, lock, 'the holders');
    lock.mode = mode;
    if (!lock.granted) {
      lock.granted = true;
      lock.grantOrder = ++this.grants;
    }
    lock.grantedUs = atUs;
    lock.token = token;
    lock.grantedBy = node;
  }

  /** CONVDEADLK: the lock lives on at NL (lock view); its grant has ended (strict view). */
  private demote(lock: LockState): void {
    if (lock.mode === undefined) pushLock(lock.res.holders, lock, 'the holders');
    lock.mode = 'NL';
    lock.granted = false;
  }
}


function end(lock: LockState): void {
  if (lock.mode !== undefined) {
    removeLock(lock.res.holders, lock);
    lock.mode = undefined;
  }
  lock.granted = false;
}

/**
 * The locks on `res` live in the strict view other than `except`, in the order their grants
 * became live (the order the pre-table checkers listed holders in). For messages only.
 */
export function strictHolders(res: ResourceState, except: LockState): LockState[] {
  const out: LockState[] = [];
  for (const h of res.holders) if (h !== except && h.granted) out.push(h);
  return out.sort((a, b) => a.grantOrder - b.grantOrder);
}

/** The event types whose `commit` changes the table. */
const committedTypes: readonly CheckedType[] = ['grant', 'release', 'expire'];

/**
 * What every checker that reads the lock table holds: the run's table, which the CheckerSet
 * commits each event to after every checker has judged it, or, for a checker built on its own (a
 * test, a single invariant), a private table that the checker resolves and commits itself (`own`).
 */
export abstract class TableChecker {
  protected readonly table: LockTable;
  /** The private table, or null inside a CheckerSet. */
  protected readonly own: LockTable | null;

  protected constructor(shared: LockTable | undefined) {
    this.own = shared === undefined ? new LockTable() : null;
    this.table = shared ?? this.own!;
  }
}

/**
 * What a checker reads: `types`, plus, when it keeps a private table (`shared` undefined), the
 * types that change the table, which it must then see to commit them. In a CheckerSet the set
 * commits the shared table for every event, so a checker is handed only the types it judges.
 */
export function readsFor(types: readonly CheckedType[], shared: LockTable | undefined): readonly CheckedType[] {
  if (shared !== undefined) return types;
  return [...types, ...committedTypes.filter((t) => !types.includes(t))];
}
