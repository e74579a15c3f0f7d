// Property tests of the validator: random and mutated scenarios never make it throw anything but
// ScenarioError; valid scenarios are accepted (and a parsed scenario is valid input again);
// an unknown field is rejected at exactly its path, at every level.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPath, parseScenario, ScenarioError } from '../../src/scenario/index.js';
import { validScenario, type Json } from './arbitraries.js';

const FILE = 'm.json';

/** Parse, and require that any failure is a ScenarioError naming the file. Returns the error, if any. */
function outcome(input: unknown): ScenarioError | undefined {
  try {
    parseScenario(input, FILE);
    return undefined;
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    expect(err.message.startsWith(`${FILE}: `)).toBe(true);
    expect(err.file).toBe(FILE);
    expect(err.problems.length).toBeGreaterThan(0);
    return err;
  }
}

// ----------------------------------------------------------------------------------------------
// Mutations.

/** Every position in a JSON tree: [path, value], the root first. Bounded by the tree's size. */
function positions(root: Json): [PropertyKey[], Json][] {
  const out: [PropertyKey[], Json][] = [];
  const stack: [PropertyKey[], Json][] = [[[], root]];
  while (stack.length > 0) {
    const [path, value] = stack.pop()!;
    out.push([path, value]);
    if (out.length > 100_000) throw new Error('positions: tree larger than 100000 nodes');
    if (Array.isArray(value)) value.forEach((v, i) => stack.push([[...path, i], v]));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) stack.push([[...path, k], v]);
  }
  return out;
}

function parentOf(root: Json, path: readonly PropertyKey[]): Json {
  let node: Json = root;
  for (const key of path.slice(0, -1)) node = (node as Record<PropertyKey, Json>)[key as string]!;
  return node;
}

function setAt(root: Json, path: readonly PropertyKey[], value: Json): Json {
  if (path.length === 0) return value;
  (parentOf(root, path) as Record<PropertyKey, Json>)[path[path.length - 1] as string] = value;
  return root;
}

function deleteAt(root: Json, path: readonly PropertyKey[]): Json {
  if (path.length === 0) return null;
  const parent = parentOf(root, path);
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete (parent as Record<PropertyKey, Json>)[key as string];
  return root;
}

/** A value of another JSON type than `v`. */
function otherType(v: Json): Json {
  if (v === null) return 0;
  if (Array.isArray(v)) return {};
  switch (typeof v) {
    case 'string':
      return 7;
    case 'number':
      return String(v);
    case 'boolean':
      return v ? 'true' : 1;
    default:
      return [];
  }
}

const clone = (v: Json): Json => JSON.parse(JSON.stringify(v)) as Json;

describe('the validator on arbitrary input', () => {
  it('random JSON values: accepted or ScenarioError, never anything else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        outcome(value);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary JavaScript values (what a TypeScript scenario can export)', () => {
    fc.assert(
      fc.property(validScenario, fc.nat(), fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true, withBoxedValues: true }), (scenario, pick, value) => {
        const all = positions(scenario);
        const [path] = all[pick % all.length]!;
        outcome(setAt(clone(scenario), path, value as Json));
      }),
      { numRuns: 300 },
    );
  });

  it('valid scenarios are accepted, and a parsed scenario is valid input giving itself back', () => {
    fc.assert(
      fc.property(validScenario, (scenario) => {
        const parsed = parseScenario(scenario, FILE);
        expect(parsed.name).toBe((scenario as { name: string }).name);
        expect(parsed.clients).toHaveLength((scenario as { clients: unknown[] }).clients.length);
        expect(parseScenario(JSON.parse(JSON.stringify(parsed)), FILE)).toStrictEqual(parsed);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated valid scenarios: delete a field, change a type, replace a value', () => {
    fc.assert(
      fc.property(validScenario, fc.nat(), fc.constantFrom('delete', 'retype', 'replace'), fc.jsonValue(), (scenario, pick, how, replacement) => {
        const all = positions(scenario);
        const [path, value] = all[pick % all.length]!;
        const mutated = clone(scenario);
        const input =
          how === 'delete' ? deleteAt(mutated, path) : setAt(mutated, path, how === 'retype' ? otherType(value) : (replacement as Json));
        const err = outcome(input);
        // Changing a value's JSON type is always an error: no field accepts two JSON types
        // except expect ("pass" | {...}), and retyping turns "pass" into a number, {...} into [].
        if (how === 'retype') expect(err).toBeInstanceOf(ScenarioError);
      }),
      { numRuns: 1000 },
    );
  });

  it('an unknown field is rejected at exactly its path, at every level', () => {
    fc.assert(
      fc.property(validScenario, fc.nat(), (scenario, pick) => {
        const objects = positions(scenario).filter(([, v]) => v !== null && typeof v === 'object' && !Array.isArray(v));
        const [path] = objects[pick % objects.length]!;
        const mutated = clone(scenario);
        const target = path.length === 0 ? mutated : (parentOf(mutated, path) as Record<PropertyKey, Json>)[path[path.length - 1] as string];
        (target as Record<string, Json>).zzUnknown = 1;
        const err = outcome(mutated);
        expect(err).toBeInstanceOf(ScenarioError);
        expect(err?.path).toBe(formatPath([...path, 'zzUnknown']));
        expect(err?.problems).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });
});
