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

/** The saved contents of every object reachable from the roots at one instant. */
export interface WorldImage {
  readonly objects: readonly object[];
  readonly kinds: Uint8Array;
  /** The own enumerable keys of each plain object (undefined for the other kinds). */
  readonly keys: readonly (readonly string[] | undefined)[];
  /** values[ends[i - 1] .. ends[i]) are object i's saved values. */
  readonly ends: Uint32Array;
  readonly values: readonly unknown[];
}

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
    const ends: number[] = [];
    const values: unknown[] = [];
    const stack: object[] = [];
    const excluded = this.excluded;
    const visit = (value: unknown): void => {
      if (typeof value !== 'object' || value === null || seen.has(value) || excluded.has(value)) return;
      seen.add(value);
      stack.push(value);
    };
    for (const root of this.roots) visit(root);
    while (stack.length > 0) {
      const object = stack.pop()!;
      objects.push(object);
      const constructor: unknown = object.constructor;
      if (constructor === Array || Array.isArray(object)) {
        const array = object as unknown[];
        kinds.push(KIND_ARRAY);
        keys.push(undefined);
        for (let i = 0; i < array.length; i++) {
          const item = array[i];
          values.push(item);
          visit(item);
        }
      } else if (constructor === Map || object instanceof Map) {
        kinds.push(KIND_MAP);
        keys.push(undefined);
        for (const [key, item] of object as Map<unknown, unknown>) {
          values.push(key, item);
          visit(key);
          visit(item);
        }
      } else if (constructor === Set || object instanceof Set) {
        kinds.push(KIND_SET);
        keys.push(undefined);
        for (const item of object as Set<unknown>) {
          values.push(item);
          visit(item);
        }
      } else if (ArrayBuffer.isView(object)) {
        kinds.push(KIND_VIEW);
        keys.push(undefined);
        values.push(new Uint8Array(object.buffer.slice(object.byteOffset, object.byteOffset + object.byteLength)));
      } else {
        const refused = REFUSED.get(constructor);
        if (refused !== undefined || object instanceof Promise) {
          throw new UnsnapshotableError(`lockstep check: the world holds ${refused ?? 'a Promise'} (${String((constructor as { name?: unknown } | undefined)?.name ?? 'object')}), whose state an image cannot save`);
        }
        const record = object as Record<string, unknown>;
        const own = this.keysOf(record, constructor);
        const frozen = Object.isFrozen(object);
        kinds.push(frozen ? KIND_FROZEN : KIND_OBJECT);
        keys.push(frozen ? undefined : own);
        for (let k = 0; k < own.length; k++) {
          const item = record[own[k]!];
          if (!frozen) values.push(item);
          visit(item);
        }
      }
      ends.push(values.length);
    }
    return { objects, kinds: Uint8Array.from(kinds), keys, ends: Uint32Array.from(ends), values };
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
  const { objects, kinds, keys, ends, values } = image;
  let start = 0;
  for (let i = 0; i < objects.length; i++) {
    const end = ends[i]!;
    switch (kinds[i]) {
      case KIND_OBJECT:
        restoreFields(objects[i] as Record<string, unknown>, keys[i]!, values, start);
        break;
      case KIND_ARRAY:
        restoreArray(objects[i] as unknown[], values, start, end);
        break;
      case KIND_MAP:
        restoreMap(objects[i] as Map<unknown, unknown>, values, start, end);
        break;
      case KIND_SET:
        restoreSet(objects[i] as Set<unknown>, values, start, end);
        break;
      case KIND_VIEW: {
        const view = objects[i] as ArrayBufferView;
        new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(values[start] as Uint8Array);
        break;
      }
      default:
        break;
    }
    start = end;
  }
}

/**
 * Set each saved field that changed. A plain object (a record used as a dictionary) may also have
 * gained keys since, which are deleted; a class instance keeps the fields its class declares.
 */
function restoreFields(object: Record<string, unknown>, own: readonly string[], values: readonly unknown[], start: number): void {
  for (let k = 0; k < own.length; k++) {
    const key = own[k]!;
    const saved = values[start + k];
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

function restoreArray(array: unknown[], values: readonly unknown[], start: number, end: number): void {
  if (array.length !== end - start) array.length = end - start;
  for (let j = start; j < end; j++) if (array[j - start] !== values[j]) array[j - start] = values[j];
}

/** Rebuild `map` only when its entries (in order) differ from the saved ones. */
function restoreMap(map: Map<unknown, unknown>, values: readonly unknown[], start: number, end: number): void {
  if (map.size * 2 === end - start) {
    let j = start;
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
  for (let j = start; j < end; j += 2) map.set(values[j], values[j + 1]);
}

/** Rebuild `set` only when its members (in order) differ from the saved ones. */
function restoreSet(set: Set<unknown>, values: readonly unknown[], start: number, end: number): void {
  if (set.size === end - start) {
    let j = start;
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
  for (let j = start; j < end; j++) set.add(values[j]);
}
