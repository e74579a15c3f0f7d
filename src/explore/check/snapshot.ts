/**
 * Save and restore of a live world, in place (DESIGN §2, model checking): what lets the search
 * branch from a state without re-running the simulation from its start.
 *
 * A {@link WorldImage} records, for every object reachable from the roots through fields, array
 * elements and Map/Set entries, the values it holds now. {@link restoreImage} writes those values
 * back into the *same* objects, so every reference in the world, closures included, still points
 * at the right object and sees the saved contents; objects created after the capture are simply
 * no longer referenced. Nothing is copied deeply and no prototype or closure is rebuilt.
 *
 * What an image cannot hold is state reachable only through a closure's own variables (a `let`
 * captured by a function): the same limit as the canonical hash (src/sim/world-state.ts), and the
 * reason the world's processes, checkers and kernel keep their state in fields. A class instance
 * is taken to keep the fields its class declares (a field added to one after the capture would
 * survive a restore); a plain object may gain and lose keys freely. The search's
 * soundness test compares every state reached through images against a re-execution from the
 * start, which is what would show such state.
 */

const KIND_OBJECT = 0;
const KIND_ARRAY = 1;
const KIND_MAP = 2;
const KIND_SET = 3;
const KIND_VIEW = 4;
const KIND_FROZEN = 5;

/** Objects the camera may track beyond twice the last walk's before it forgets the unreached ones. */
const TRACKED_SLACK = 4096;

/** The objects an image saves, in walk order, with how each is saved; shared by images whose walks met the same objects. */
interface ObjectList {
  readonly objects: readonly object[];
  readonly kinds: Uint8Array;
  /** The own enumerable keys of each plain object (undefined for the other kinds). */
  readonly keys: readonly (readonly string[] | undefined)[];
}

/**
 * The saved contents of every object reachable from the roots at one instant. An object's saved
 * values are shared with the last values saved of that object by any image of the same camera,
 * when they are the same (most are: a transition changes a few objects), so an image costs about
 * one reference per object plus the values that changed.
 */
export interface WorldImage {
  readonly list: ObjectList;
  /** Object i's saved values (empty for a frozen object). */
  readonly chunks: readonly (readonly unknown[])[];
  /** Bytes this image holds that no earlier image of its camera shares (an estimate: 8 per reference and value, 32 per array). */
  readonly ownBytes: number;
  /**
   * Bytes of everything this image references, shared or not (same estimate): an upper bound of
   * what keeping it costs, which a memory budget can add up without knowing what is shared.
   */
  readonly bytes: number;
}

const NO_VALUES: readonly unknown[] = [];

/** Bytes of one reference or value in an image's estimate. */
const BYTES_PER_SLOT = 8;
/** Bytes of an array's own headers (the array object and its backing store) in an image's estimate. */
const BYTES_PER_ARRAY = 32;

/** Built-ins an image refuses: their contents are not reachable through properties. */
const REFUSED: ReadonlyMap<unknown, string> = new Map<unknown, string>([
  [Promise, 'a Promise'],
  [WeakMap, 'a weak collection'],
  [WeakSet, 'a weak collection'],
  [WeakRef, 'a weak reference'],
  [Date, 'a Date'],
]);

/** A world holds something an image cannot save (see {@link ImageCamera.capture}). */
export class UnsnapshotableError extends Error {
  override name = 'UnsnapshotableError';
}

/**
 * What the camera remembers of one object across captures: the capture that last walked it (so a
 * walk needs no set of its own) and the values last saved of it (the candidate a new image shares).
 */
interface Tracked {
  walk: number;
  chunk: readonly unknown[] | undefined;
}

/** The walk number of an excluded object: never the current walk's, and never entered. */
const EXCLUDED_WALK = -1;

/**
 * Takes images of one world: everything reachable from `roots`, not entering `excluded` objects
 * (the search's own controller and scratch state: they must not be rolled back with the world).
 * Functions are kept by reference and not entered. It remembers the field names of each class,
 * so that an instance whose fields are its class's (as good as all of them) costs no fresh array,
 * and what it last saved of each object, so that an unchanged object costs no fresh values.
 */
export class ImageCamera {
  private readonly classKeys = new Map<unknown, readonly string[]>();
  /** The image the world was last restored from or saved as: the one a new image shares its object list with. */
  private base: WorldImage | undefined;
  private readonly scratch: unknown[] = [];
  /** Every object met by recent walks; rebuilt from the last walk when objects no longer reachable pile up. */
  private tracked = new Map<object, Tracked>();
  private walk = 0;
  /** Reused across captures: a new image copies them only when its object list is new. */
  private readonly walkObjects: object[] = [];
  private readonly walkKinds: number[] = [];
  private readonly walkKeys: (readonly string[] | undefined)[] = [];

  constructor(
    private readonly roots: readonly object[],
    private readonly excluded: ReadonlySet<object>,
  ) {
    this.trackExcluded(this.tracked);
  }

  /** Throws {@link UnsnapshotableError} on a value whose state no property holds. */
  capture(): WorldImage {
    const walk = ++this.walk;
    const tracked = this.tracked;
    const objects = this.walkObjects;
    const kinds = this.walkKinds;
    const keys = this.walkKeys;
    objects.length = 0;
    kinds.length = 0;
    keys.length = 0;
    const chunks: (readonly unknown[])[] = [];
    const stack: object[] = [];
    const entries: Tracked[] = [];
    const base = this.base;
    const values = this.scratch;
    let ownBytes = 0;
    let valueBytes = 0;
    const visit = (value: unknown): void => {
      if (typeof value !== 'object' || value === null) return;
      let entry = tracked.get(value);
      if (entry === undefined) {
        entry = { walk, chunk: undefined };
        tracked.set(value, entry);
      } else if (entry.walk === walk || entry.walk === EXCLUDED_WALK) {
        return;
      }
      entry.walk = walk;
      stack.push(value);
      entries.push(entry);
    };
    for (const root of this.roots) visit(root);
    let sameList = base !== undefined;
    while (stack.length > 0) {
      const object = stack.pop()!;
      const entry = entries.pop()!;
      const index = objects.length;
      objects.push(object);
      values.length = 0;
      const kind = this.read(object, values, keys, visit, entry.chunk);
      kinds.push(kind);
      if (sameList && (base!.list.objects[index] !== object || base!.list.keys[index] !== keys[index] || base!.list.kinds[index] !== kind)) sameList = false;
      if (kind === KIND_FROZEN) {
        chunks.push(NO_VALUES);
        continue;
      }
      valueBytes += BYTES_PER_ARRAY + values.length * BYTES_PER_SLOT;
      const candidate = entry.chunk;
      if (candidate !== undefined && sameValues(candidate, values)) {
        chunks.push(candidate);
        continue;
      }
      const saved = values.slice();
      entry.chunk = saved;
      chunks.push(saved);
      ownBytes += BYTES_PER_ARRAY + saved.length * BYTES_PER_SLOT;
    }
    if (sameList && base!.list.objects.length !== objects.length) sameList = false;
    const list: ObjectList = sameList ? base!.list : { objects: objects.slice(), kinds: Uint8Array.from(kinds), keys: keys.slice() };
    const chunksBytes = BYTES_PER_ARRAY + chunks.length * BYTES_PER_SLOT;
    // The list: its objects and keys (a reference each) and kinds (a byte each).
    const listBytes = 3 * BYTES_PER_ARRAY + objects.length * (2 * BYTES_PER_SLOT + 1);
    ownBytes += chunksBytes + (sameList ? 0 : listBytes);
    const image: WorldImage = { list, chunks, ownBytes, bytes: valueBytes + chunksBytes + listBytes };
    this.base = image;
    if (tracked.size > objects.length * 2 + TRACKED_SLACK) this.forgetUnreached(walk);
    return image;
  }

  /** Put the world back as `image` saved it (see {@link restoreImage}). */
  restore(image: WorldImage): void {
    restoreImage(image);
    this.base = image;
  }

  /** Keep only the objects the last walk met (an object met again later is simply tracked afresh). */
  private forgetUnreached(walk: number): void {
    const kept = new Map<object, Tracked>();
    for (const [object, entry] of this.tracked) if (entry.walk === walk) kept.set(object, entry);
    this.trackExcluded(kept);
    this.tracked = kept;
  }

  private trackExcluded(tracked: Map<object, Tracked>): void {
    for (const object of this.excluded) tracked.set(object, { walk: EXCLUDED_WALK, chunk: undefined });
  }

  /** Push `object`'s values onto `values` and its keys onto `keys`, visit what it references; its kind. */
  private read(object: object, values: unknown[], keys: (readonly string[] | undefined)[], visit: (value: unknown) => void, candidate: readonly unknown[] | undefined): number {
    const constructor: unknown = object.constructor;
    if (constructor === Array || Array.isArray(object)) {
      const array = object as unknown[];
      keys.push(undefined);
      for (let i = 0; i < array.length; i++) {
        const item = array[i];
        values.push(item);
        visit(item);
      }
      return KIND_ARRAY;
    }
    if (constructor === Map || object instanceof Map) {
      keys.push(undefined);
      for (const [key, item] of object as Map<unknown, unknown>) {
        values.push(key, item);
        visit(key);
        visit(item);
      }
      return KIND_MAP;
    }
    if (constructor === Set || object instanceof Set) {
      keys.push(undefined);
      for (const item of object as Set<unknown>) {
        values.push(item);
        visit(item);
      }
      return KIND_SET;
    }
    if (ArrayBuffer.isView(object)) {
      keys.push(undefined);
      const live = new Uint8Array(object.buffer, object.byteOffset, object.byteLength);
      const saved = candidate?.[0];
      values.push(saved instanceof Uint8Array && sameBytes(saved, live) ? saved : live.slice());
      return KIND_VIEW;
    }
    const refused = REFUSED.get(constructor);
    if (refused !== undefined || object instanceof Promise) {
      throw new UnsnapshotableError(`lockstep check: the world holds ${refused ?? 'a Promise'} (${String((constructor as { name?: unknown } | undefined)?.name ?? 'object')}), whose state an image cannot save`);
    }
    const record = object as Record<string, unknown>;
    const own = this.keysOf(record, constructor);
    const frozen = Object.isFrozen(object);
    keys.push(frozen ? undefined : own);
    for (let k = 0; k < own.length; k++) {
      const item = record[own[k]!];
      if (!frozen) values.push(item);
      visit(item);
    }
    return frozen ? KIND_FROZEN : KIND_OBJECT;
  }

  /** The own enumerable keys of `record`: its class's remembered ones when they match exactly. */
  private keysOf(record: Record<string, unknown>, constructor: unknown): readonly string[] {
    const known = this.classKeys.get(constructor);
    if (known !== undefined && sameKeys(record, known)) return known;
    const own = Object.keys(record);
    if (constructor !== Object && constructor !== undefined) this.classKeys.set(constructor, own);
    return own;
  }
}

/** Whether two byte arrays hold the same bytes. */
function sameBytes(saved: Uint8Array, live: Uint8Array): boolean {
  if (saved.length !== live.length) return false;
  for (let i = 0; i < live.length; i++) if (saved[i] !== live[i]) return false;
  return true;
}

/** Whether two value lists are the same, element by element. */
function sameValues(saved: readonly unknown[], now: readonly unknown[]): boolean {
  if (saved.length !== now.length) return false;
  for (let i = 0; i < now.length; i++) if (saved[i] !== now[i]) return false;
  return true;
}

/** Whether `record`'s own enumerable keys are `keys`, in order. */
function sameKeys(record: Record<string, unknown>, keys: readonly string[]): boolean {
  let i = 0;
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    if (keys[i] !== key) return false;
    i++;
  }
  return i === keys.length;
}

/**
 * Write `image` back into its objects (see the module comment). Most objects are unchanged since
 * the capture (a transition runs a handful of events), so each is compared before it is written:
 * reading is cheaper than writing, and a Map or Set left as it was is not rebuilt.
 */
export function restoreImage(image: WorldImage): void {
  const { list, chunks } = image;
  const { objects, kinds, keys } = list;
  for (let i = 0; i < objects.length; i++) {
    const values = chunks[i]!;
    switch (kinds[i]) {
      case KIND_OBJECT:
        restoreFields(objects[i] as Record<string, unknown>, keys[i]!, values);
        break;
      case KIND_ARRAY:
        restoreArray(objects[i] as unknown[], values);
        break;
      case KIND_MAP:
        restoreMap(objects[i] as Map<unknown, unknown>, values);
        break;
      case KIND_SET:
        restoreSet(objects[i] as Set<unknown>, values);
        break;
      case KIND_VIEW: {
        const view = objects[i] as ArrayBufferView;
        new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(values[0] as Uint8Array);
        break;
      }
      default:
        break;
    }
  }
}

/**
 * Set each saved field that changed. A plain object (a record used as a dictionary) may also have
 * gained keys since, which are deleted; a class instance keeps the fields its class declares.
 */
function restoreFields(object: Record<string, unknown>, own: readonly string[], values: readonly unknown[]): void {
  for (let k = 0; k < own.length; k++) {
    const key = own[k]!;
    const saved = values[k];
    if (object[key] !== saved) object[key] = saved;
  }
  const prototype: unknown = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) return;
  let count = 0;
  for (const key in object) if (Object.prototype.hasOwnProperty.call(object, key)) count++;
  if (count === own.length) return;
  const kept = new Set(own);
  for (const key of Object.keys(object)) if (!kept.has(key)) delete object[key];
}

function restoreArray(array: unknown[], values: readonly unknown[]): void {
  if (array.length !== values.length) array.length = values.length;
  for (let j = 0; j < values.length; j++) if (array[j] !== values[j]) array[j] = values[j];
}

/** Rebuild `map` only when its entries (in order) differ from the saved ones. */
function restoreMap(map: Map<unknown, unknown>, values: readonly unknown[]): void {
  if (map.size * 2 === values.length) {
    let j = 0;
    let same = true;
    for (const [key, item] of map) {
      if (key !== values[j] || item !== values[j + 1]) {
        same = false;
        break;
      }
      j += 2;
    }
    if (same) return;
  }
  map.clear();
  for (let j = 0; j < values.length; j += 2) map.set(values[j], values[j + 1]);
}

/** Rebuild `set` only when its members (in order) differ from the saved ones. */
function restoreSet(set: Set<unknown>, values: readonly unknown[]): void {
  if (set.size === values.length) {
    let j = 0;
    let same = true;
    for (const item of set) {
      if (item !== values[j++]) {
        same = false;
        break;
      }
    }
    if (same) return;
  }
  set.clear();
  for (const value of values) set.add(value);
}
