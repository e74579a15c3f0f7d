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

/** The objects an image saves, in walk order, with how each is saved; shared by images whose walks met the same objects. */
interface ObjectList {
  readonly objects: readonly object[];
  readonly kinds: Uint8Array;
  /** The own enumerable keys of each plain object (undefined for the other kinds). */
  readonly keys: readonly (readonly string[] | undefined)[];
}

/**
 * The saved contents of every object reachable from the roots at one instant. An object's saved
 * values are shared with the image the world was last restored from or saved as, when they are
 * the same there (most are: a transition changes a few objects), so an image costs about one
 * reference per object plus the values that changed.
 */
export interface WorldImage {
  readonly list: ObjectList;
  /** Object i's saved values (empty for a frozen object). */
  readonly chunks: readonly (readonly unknown[])[];
}

const NO_VALUES: readonly unknown[] = [];

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
 * Takes images of one world: everything reachable from `roots`, not entering `excluded` objects
 * (the search's own controller and scratch state: they must not be rolled back with the world).
 * Functions are kept by reference and not entered. It remembers the field names of each class,
 * so that an instance whose fields are its class's (as good as all of them) costs no fresh array.
 */
export class ImageCamera {
  private readonly classKeys = new Map<unknown, readonly string[]>();
  /** The image the world was last restored from or saved as: the one a new image shares values with. */
  private base: WorldImage | undefined;
  private readonly scratch: unknown[] = [];

  constructor(
    private readonly roots: readonly object[],
    private readonly excluded: ReadonlySet<object>,
  ) {}

  /** Throws {@link UnsnapshotableError} on a value whose state no property holds. */
  capture(): WorldImage {
    const seen = new Set<object>();
    const objects: object[] = [];
    const kinds: number[] = [];
    const keys: (readonly string[] | undefined)[] = [];
    const chunks: (readonly unknown[])[] = [];
    const stack: object[] = [];
    const excluded = this.excluded;
    const base = this.base;
    const values = this.scratch;
    const visit = (value: unknown): void => {
      if (typeof value !== 'object' || value === null || seen.has(value) || excluded.has(value)) return;
      seen.add(value);
      stack.push(value);
    };
    for (const root of this.roots) visit(root);
    let sameList = base !== undefined;
    while (stack.length > 0) {
      const object = stack.pop()!;
      const index = objects.length;
      objects.push(object);
      values.length = 0;
      const kind = this.read(object, values, keys, visit);
      kinds.push(kind);
      if (sameList && (base!.list.objects[index] !== object || base!.list.keys[index] !== keys[index])) sameList = false;
      const shared = sameList ? base!.chunks[index]! : undefined;
      chunks.push(kind === KIND_FROZEN ? NO_VALUES : shared !== undefined && sameValues(shared, values) ? shared : values.slice());
    }
    if (sameList && base!.list.objects.length !== objects.length) sameList = false;
    const list: ObjectList = sameList ? base!.list : { objects, kinds: Uint8Array.from(kinds), keys };
    const image = { list, chunks };
    this.base = image;
    return image;
  }

  /** Put the world back as `image` saved it (see {@link restoreImage}). */
  restore(image: WorldImage): void {
    restoreImage(image);
    this.base = image;
  }

  /** Push `object`'s values onto `values` and its keys onto `keys`, visit what it references; its kind. */
  private read(object: object, values: unknown[], keys: (readonly string[] | undefined)[], visit: (value: unknown) => void): number {
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
      values.push(new Uint8Array(object.buffer.slice(object.byteOffset, object.byteOffset + object.byteLength)));
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

/** Whether two value lists are the same, element by element (a typed-array copy never is: it is taken afresh). */
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
