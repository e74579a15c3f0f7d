/**
 * Turns zod's issues into the short, human problems a CLI user reads
 * (`clients[1].steps[0].mode: expected one of NL, CR, CW, PR, PW, EX, got "XX"`).
 *
 * Why our own wording: zod's defaults ("Invalid input: expected number, received string") name
 * neither the value nor the fix, and say nothing for unknown fields beyond "Unrecognized key".
 * Two pieces: {@link scenarioErrorMap} words each issue as zod raises it (it sees the offending
 * value and, for unknown fields, the schema, so it can suggest the field meant), and
 * {@link issueToProblem} turns a finished issue into a {@link ScenarioProblem}: the unknown
 * field's name joins the path, and a union that failed deep inside one branch reports that
 * branch's problem rather than "no branch matched".
 */
import type { z } from 'zod';
import { describeValue, formatPath, type ScenarioProblem } from './errors.js';

type RawIssue = z.core.$ZodRawIssue;
type Issue = z.core.$ZodIssue;

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'an object',
  record: 'an object',
  null: 'null',
};

/** `, got <value>`: appended to messages about a value the user wrote. */
export function got(input: unknown): string {
  return `, got ${describeValue(input)}`;
}

/** A schema-level message that also shows the offending value (for `error:` options in the schema). */
export function withGot(message: string): (issue: { input: unknown }) => string {
  return (issue) => message + got(issue.input);
}

function listOf(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : describeValue(v))).join(', ');
}

function sizeMessage(issue: RawIssue & { code: 'too_small' | 'too_big' }): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case 'array':
      if (issue.exact === true) return `needs exactly ${limit} entries`;
      return small ? `needs at least ${limit} ${limit === 1 ? 'entry' : 'entries'}` : `allows at most ${limit} entries`;
    case 'string':
      if (small && limit === 1) return 'must not be empty';
      return small ? `must have at least ${limit} characters` : `must have at most ${limit} characters`;
    default: {
      let bound: string;
      if (small && limit === 0) bound = inclusive ? 'must not be negative' : 'must be positive';
      else if (small) bound = inclusive ? `must be at least ${limit}` : `must be more than ${limit}`;
      else bound = inclusive ? `must be at most ${limit}` : `must be less than ${limit}`;
      return bound + got(issue.input);
    }
  }
}

/** Edit distance, for "did you mean". Bounded: inputs are field names of at most 64 characters. */
function distance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, sub));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The known field closest to `key` (case-insensitive match first), or undefined if none is close. */
export function closestField(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  // Accept at most one edit per three characters (at least one): "clock-jmp" → "clock-jump", but not "ms" → "op".
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function knownFields(issue: RawIssue): string[] {
  const def = (issue.inst as { _zod?: { def?: { shape?: unknown } } } | undefined)?._zod?.def;
  const shape = def?.shape;
  return shape !== null && typeof shape === 'object' ? Object.keys(shape) : [];
}

function unknownFieldMessage(key: string, known: readonly string[]): string {
  const near = closestField(key, known);
  if (near !== undefined) return `unknown field; did you mean "${near}"?`;
  return known.length > 0 && known.length <= 12 ? `unknown field (expected one of ${known.join(', ')})` : 'unknown field';
}

/**
 * Per-parse error map: words each issue zod raises. Messages set in the schema itself take
 * precedence over this (zod's rule), which is how field-specific wording is given.
 */
export function scenarioErrorMap(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `missing (expected ${expected})`;
      return `expected ${expected}${got(issue.input)}`;
    }
    case 'invalid_value':
      if (issue.input === undefined) return `missing (expected ${issue.values.length === 1 ? describeValue(issue.values[0]) : `one of ${listOf(issue.values)}`})`;
      if (issue.values.length === 1) return `expected ${describeValue(issue.values[0])}${got(issue.input)}`;
      return `expected one of ${listOf(issue.values)}${got(issue.input)}`;
    case 'too_small':
    case 'too_big':
      return sizeMessage(issue);
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}${got(issue.input)}`;
    case 'unrecognized_keys':
      return unknownFieldMessage(issue.keys[0] ?? '', knownFields(issue));
    case 'invalid_union': {
      if (issue.discriminator === undefined) return undefined;
      const input = issue.input;
      const options = (issue as { options?: readonly unknown[] }).options ?? [];
      const value =
        input !== null && typeof input === 'object' && !Array.isArray(input)
          ? (input as Record<string, unknown>)[issue.discriminator]
          : undefined;
      if (value === undefined) return `missing (expected one of ${listOf(options)})`;
      return `expected one of ${listOf(options)}${got(value)}`;
    }
    case 'invalid_format':
      return `has the wrong format${got(issue.input)}`;
    case 'custom':
      return `is invalid${got(issue.input)}`;
    default:
      return undefined;
  }
}

/** Bound on union nesting followed when choosing the branch to report. */
const MAX_UNION_DEPTH = 16;

/** Turn one finished zod issue into a problem with a user-facing path. */
export function issueToProblem(issue: Issue, prefix: readonly PropertyKey[] = [], depth = 0): ScenarioProblem {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const [first, ...rest] = issue.keys;
    const also = rest.length > 0 ? ` (also unknown: ${rest.map((k) => JSON.stringify(k)).join(', ')})` : '';
    return { path: formatPath([...path, first ?? '']), message: issue.message + also };
  }
  if (issue.code === 'invalid_union' && issue.discriminator === undefined && depth < MAX_UNION_DEPTH) {
    // Report the branch that got furthest: the one whose first problem lies deepest.
    let best: Issue | undefined;
    let bestDepth = 0;
    for (const branch of issue.errors) {
      const head = branch[0];
      if (head !== undefined && head.path.length > bestDepth) {
        best = head;
        bestDepth = head.path.length;
      }
    }
    if (best !== undefined) return issueToProblem(best, path, depth + 1);
    return { path: formatPath(path), message: issue.message + got(issue.input) };
  }
  return { path: formatPath(path), message: issue.message };
}
