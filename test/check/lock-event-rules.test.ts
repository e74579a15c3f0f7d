/**
 * The validation rules of readEvent (src/check/lock-event.ts), type by type: a checker judges the
 * lock service from its events alone, so every field a lock event type requires must be present
 * and of its type, every enum value must come from the vocabulary, and the first problem found is
 * the one reported (fields in a fixed order: client, resource, then the rest; `op` first for a
 * request). A valid event is returned as itself.
 */
import { describe, expect, it } from 'vitest';
import { CheckError, readEvent } from '../../src/check/index.js';
import { readerFor } from '../../src/check/lock-event.js';
import type { TraceEvent, TraceFields } from '../../src/sim/types.js';

const ev = (type: string, fields: TraceFields | undefined, seq = 9): TraceEvent => ({ seq, tUs: 2_000, node: 'm1', type, fields });

/** What a field must be, and so what a wrong value is told. */
type Kind = 'string' | 'number' | 'mode' | 'flags' | 'boolean' | { readonly oneOf: readonly string[] };

interface TypeRule {
  /** A well-formed event of the type, every optional field present. */
  readonly valid: TraceFields;
  /** Required fields, in the order they are checked. */
  readonly required: readonly string[];
  /** Every field's kind (required and optional). */
  readonly kinds: Readonly<Record<string, Kind>>;
}

const statuses = ['GRANTED', 'NOTQUEUED', 'DEADLOCK', 'ABORTED', 'CANCELLED', 'CANCELGRANT', 'UNLOCKED', 'BUSY', 'INVALID_ARG', 'SUBLOCKS', 'PARNOTGRANT', 'TIMEOUT'];
const ops = ['lock', 'convert', 'unlock', 'cancel'];
const queues = ['waiting', 'converting'];
const releaseReasons = ['unlock', 'purge', 'cancel', 'demote', 'superseded'];
const dequeueReasons = ['cancel', 'notqueued', 'deadlock', 'purge', 'reset'];
const edge = { node: 'c1', resource: 'r', mode: 'EX', waitsFor: 'c2', heldMode: 'PR' };

const rules: Readonly<Record<string, TypeRule>> = {
  notify: { valid: { client: 'c1', path: '/l', cause: '/l/a', change: 'deleted' }, required: ['client', 'path', 'cause', 'change'], kinds: { client: 'string', path: 'string', cause: 'string', change: 'string' } },
  request: {
    valid: { op: 'lock', client: 'c1', resource: 'r', mode: 'EX', flags: ['NOQUEUE'] },
    required: ['op', 'client', 'resource', 'mode'],
    kinds: { op: { oneOf: ops }, client: 'string', resource: 'string', mode: 'mode', flags: 'flags' },
  },
  complete: {
    valid: { client: 'c1', resource: 'r', status: 'GRANTED', mode: 'PR', flags: ['VALBLK'], value: 'v', token: 4 },
    required: ['client', 'resource', 'status'],
    kinds: { client: 'string', resource: 'string', status: { oneOf: statuses }, mode: 'mode', flags: 'flags', value: 'string', token: 'number' },
  },
  bast: { valid: { client: 'c1', resource: 'r', mode: 'EX' }, required: ['client', 'resource', 'mode'], kinds: { client: 'string', resource: 'string', mode: 'mode' } },
  lapse: { valid: { client: 'c1', resource: 'r' }, required: ['client', 'resource'], kinds: { client: 'string', resource: 'string' } },
  enqueue: {
    valid: { client: 'c1', resource: 'r', mode: 'CW', queue: 'converting', flags: ['QUECVT'] },
    required: ['client', 'resource', 'mode', 'queue'],
    kinds: { client: 'string', resource: 'string', mode: 'mode', queue: { oneOf: queues }, flags: 'flags' },
  },
  grant: {
    valid: { client: 'c1', resource: 'r', mode: 'PW', token: 2, value: 'v', flags: ['VALBLK'], recovery: true },
    required: ['client', 'resource', 'mode'],
    kinds: { client: 'string', resource: 'string', mode: 'mode', token: 'number', value: 'string', flags: 'flags', recovery: 'boolean' },
  },
  release: { valid: { client: 'c1', resource: 'r', reason: 'unlock' }, required: ['client', 'resource', 'reason'], kinds: { client: 'string', resource: 'string', reason: { oneOf: releaseReasons } } },
  expire: { valid: { client: 'c1', resource: 'r' }, required: ['client', 'resource'], kinds: { client: 'string', resource: 'string' } },
  dequeue: { valid: { client: 'c1', resource: 'r', reason: 'cancel' }, required: ['client', 'resource', 'reason'], kinds: { client: 'string', resource: 'string', reason: { oneOf: dequeueReasons } } },
  'lvb-write': { valid: { client: 'c1', resource: 'r', value: 'v' }, required: ['client', 'resource', 'value'], kinds: { client: 'string', resource: 'string', value: 'string' } },
  'lvb-invalidate': { valid: { resource: 'r', reason: 'holder-died', client: 'c1' }, required: ['resource', 'reason'], kinds: { resource: 'string', reason: 'string', client: 'string' } },
  deadlock: { valid: { victim: 'c1', cycle: [edge] }, required: ['victim', 'cycle'], kinds: { victim: 'string' } },
  write: { valid: { client: 'c1', resource: 'r', value: 'v', token: 1 }, required: ['client', 'resource', 'value'], kinds: { client: 'string', resource: 'string', value: 'string', token: 'number' } },
  reject: {
    valid: { client: 'c1', resource: 'r', value: 'v', token: 1, highest: 3 },
    required: ['client', 'resource', 'value', 'highest'],
    kinds: { client: 'string', resource: 'string', value: 'string', token: 'number', highest: 'number' },
  },
  read: { valid: { client: 'c1', resource: 'r', value: 'v' }, required: ['client', 'resource', 'value'], kinds: { client: 'string', resource: 'string', value: 'string' } },
};

const message = (type: string, field: string, problem: string): string => `lockstep check: event #9 (${type}): field '${field}' ${problem}`;

/** Reads `fields` as an event of `type` and returns the CheckError message (undefined: accepted). */
function problemOf(type: string, fields: TraceFields | undefined): string | undefined {
  try {
    readEvent(ev(type, fields));
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(CheckError);
    expect(error).toMatchObject({ seq: 9, eventType: type });
    return (error as Error).message;
  }
}

/** A wrong value for a field of `kind`, and what the reader says about it. */
function wrongValues(kind: Kind): readonly (readonly [unknown, string])[] {
  if (typeof kind === 'object') return [['nope', `must be one of ${kind.oneOf.join('|')}, got 'nope'`], [3, 'must be a string, got 3']];
  switch (kind) {
    case 'string':
      return [[5, 'must be a string, got 5'], [null, 'must be a string, got null']];
    case 'number':
      return [['7', 'must be a finite number, got "7"'], [Number.POSITIVE_INFINITY, 'must be a finite number, got null'], [Number.NaN, 'must be a finite number, got null']];
    case 'mode':
      return [['XX', "must be a lock mode (NL CR CW PR PW EX), got 'XX'"], [1, 'must be a string, got 1']];
    case 'flags':
      return [['VALBLK', 'must be an array of strings'], [['VALBLK', 3], 'must be an array of strings']];
    case 'boolean':
      return [['yes', 'must be a boolean, got "yes"'], [0, 'must be a boolean, got 0']];
  }
}

describe('readEvent validates every lock event type (rule: no field a checker reads may be missing or mistyped)', () => {
  for (const [type, rule] of Object.entries(rules)) {
    describe(type, () => {
      it('returns a well-formed event as itself, and accepts it without its optional fields', () => {
        const event = ev(type, rule.valid);
        expect(readEvent(event)).toBe(event);
        expect(readerFor(type)!(event)).toBe(event);
        const requiredOnly = Object.fromEntries(rule.required.map((name) => [name, rule.valid[name]]));
        expect(problemOf(type, requiredOnly)).toBeUndefined();
      });

      it('names each missing required field, and the first in check order when all are missing', () => {
        for (const name of rule.required) {
          const fields: TraceFields = { ...rule.valid };
          delete fields[name];
          expect(problemOf(type, fields)).toBe(message(type, name, 'is missing'));
        }
        expect(problemOf(type, undefined)).toBe(message(type, rule.required[0]!, 'is missing'));
        expect(problemOf(type, {})).toBe(message(type, rule.required[0]!, 'is missing'));
      });

      it('says what each field must be when it has the wrong type or value', () => {
        for (const [name, kind] of Object.entries(rule.kinds)) {
          for (const [value, problem] of wrongValues(kind)) {
            expect(problemOf(type, { ...rule.valid, [name]: value })).toBe(message(type, name, problem));
          }
        }
      });

      it('accepts every value of its vocabularies', () => {
        for (const [name, kind] of Object.entries(rule.kinds)) {
          const values = typeof kind === 'object' ? kind.oneOf : kind === 'mode' ? ['NL', 'CR', 'CW', 'PR', 'PW', 'EX'] : [];
          for (const value of values) expect(problemOf(type, { ...rule.valid, [name]: value })).toBeUndefined();
        }
      });
    });
  }

  it('requires a mode only for lock and convert requests, and still checks one given with unlock or cancel', () => {
    for (const op of ['lock', 'convert']) expect(problemOf('request', { op, client: 'c1', resource: 'r' })).toBe(message('request', 'mode', 'is missing'));
    for (const op of ['unlock', 'cancel']) {
      expect(problemOf('request', { op, client: 'c1', resource: 'r' })).toBeUndefined();
      expect(problemOf('request', { op, client: 'c1', resource: 'r', mode: 'ZZ' })).toBe(message('request', 'mode', "must be a lock mode (NL CR CW PR PW EX), got 'ZZ'"));
    }
  });

  it('accepts an empty flags list and a list of strings', () => {
    expect(problemOf('grant', { client: 'c1', resource: 'r', mode: 'EX', flags: [] })).toBeUndefined();
    expect(problemOf('grant', { client: 'c1', resource: 'r', mode: 'EX', flags: ['VALBLK', 'NOORDER'] })).toBeUndefined();
    expect(problemOf('grant', { client: 'c1', resource: 'r', mode: 'EX', recovery: false })).toBeUndefined();
  });

  it('checks a deadlock cycle edge by edge, naming the edge and its field', () => {
    const cycleProblem = (cycle: unknown): string | undefined => problemOf('deadlock', { victim: 'c1', cycle } as TraceFields);
    expect(cycleProblem(undefined)).toBe(message('deadlock', 'cycle', 'is missing'));
    expect(cycleProblem([])).toBe(message('deadlock', 'cycle', 'must be a non-empty array of edges'));
    expect(cycleProblem('c1->c2')).toBe(message('deadlock', 'cycle', 'must be a non-empty array of edges'));
    expect(cycleProblem([edge, null])).toBe(message('deadlock', 'cycle[1]', 'must be an object'));
    expect(cycleProblem([edge, 'c2'])).toBe(message('deadlock', 'cycle[1]', 'must be an object'));
    for (const key of ['node', 'resource', 'waitsFor']) {
      expect(cycleProblem([edge, { ...edge, [key]: 4 }])).toBe(message('deadlock', `cycle[1].${key}`, 'must be a string'));
    }
    expect(cycleProblem([{ ...edge, mode: 'QQ' }])).toBe(message('deadlock', 'cycle[0].mode', 'must be a lock mode'));
    expect(cycleProblem([{ ...edge, heldMode: 'QQ' }])).toBe(message('deadlock', 'cycle[0].heldMode', 'must be a lock mode'));
    const { heldMode: _held, ...withoutHeld } = edge;
    expect(cycleProblem([edge, withoutHeld])).toBeUndefined();
  });

  it('reads a crash as the crashed node (fields.node when a string, else the emitting node), a new object', () => {
    const own = ev('crash', {});
    expect(readEvent(own)).toEqual({ seq: 9, tUs: 2_000, node: 'm1', type: 'crash', crashed: 'm1' });
    expect(readEvent(ev('crash', { node: 'c4' }))).toEqual({ seq: 9, tUs: 2_000, node: 'm1', type: 'crash', crashed: 'c4' });
    expect(readEvent(ev('crash', { node: 4 }))).toEqual({ seq: 9, tUs: 2_000, node: 'm1', type: 'crash', crashed: 'm1' });
  });

  it('has no reader for kernel events other than crash, nor for violations', () => {
    for (const type of ['deliver', 'send', 'drop', 'timer', 'violation']) {
      expect(readerFor(type)).toBeUndefined();
      expect(readEvent(ev(type, { client: 5 }))).toBeNull();
    }
  });
});
