import { describe, expect, it } from 'vitest';
import { CheckError, readEvent } from '../../src/check/index.js';
import type { TraceEvent, TraceFields } from '../../src/sim/types.js';

const ev = (type: string, fields: TraceFields | undefined, node = 'm1', seq = 7): TraceEvent => ({ seq, tUs: 1_000, node, type, fields });

describe('readEvent', () => {
  it('types a well-formed grant in place: the event itself, its fields read, not copied', () => {
    const event = ev('grant', { client: 'c1', resource: 'f', mode: 'EX', token: 3, value: undefined });
    const typed = readEvent(event);
    expect(typed).toBe(event);
    expect(typed).toMatchObject({ seq: 7, tUs: 1_000, node: 'm1', type: 'grant', fields: { client: 'c1', resource: 'f', mode: 'EX', token: 3 } });
  });

  it('passes kernel events over, except crash', () => {
    expect(readEvent(ev('deliver', { from: 'c1', to: 'm1' }))).toBeNull();
    expect(readEvent(ev('violation', { invariant: 'fencing' }))).toBeNull();
    expect(readEvent(ev('crash', undefined, 'c2'))).toMatchObject({ type: 'crash', crashed: 'c2' });
    expect(readEvent(ev('crash', { node: 'm3' }, 'kernel'))).toMatchObject({ type: 'crash', crashed: 'm3' });
  });

  it('throws a CheckError naming seq, type and field for a missing field', () => {
    const bad = () => readEvent(ev('grant', { client: 'c1', resource: 'f' }));
    expect(bad).toThrow(CheckError);
    expect(bad).toThrow("lockstep check: event #7 (grant): field 'mode' is missing");
  });

  it('rejects values outside the vocabulary', () => {
    expect(() => readEvent(ev('grant', { client: 'c1', resource: 'f', mode: 'XX' }))).toThrow("field 'mode' must be a lock mode (NL CR CW PR PW EX), got 'XX'");
    expect(() => readEvent(ev('complete', { client: 'c1', resource: 'f', status: 'OK' }, 'c1'))).toThrow("field 'status' must be one of");
    expect(() => readEvent(ev('release', { client: 'c1', resource: 'f', reason: 'gone' }))).toThrow("field 'reason' must be one of unlock|purge|cancel|demote|superseded, got 'gone'");
    expect(() => readEvent(ev('write', { client: 'c1', resource: 'f', value: 'v', token: '33' }, 'storage'))).toThrow("field 'token' must be a finite number, got \"33\"");
    expect(() => readEvent(ev('enqueue', { client: 'c1', resource: 'f', mode: 'EX', queue: 'granted' }))).toThrow("field 'queue'");
    expect(() => readEvent(ev('grant', { client: 'c1', resource: 'f', mode: 'EX', flags: 'VALBLK' }))).toThrow("field 'flags' must be an array of strings");
  });

  it('requires a mode on lock and convert requests only', () => {
    expect(() => readEvent(ev('request', { client: 'c1', resource: 'f', op: 'lock' }, 'c1'))).toThrow("field 'mode' is missing");
    expect(readEvent(ev('request', { client: 'c1', resource: 'f', op: 'unlock' }, 'c1'))).toMatchObject({ fields: { op: 'unlock' } });
  });

  it('validates deadlock cycles edge by edge', () => {
    expect(() => readEvent(ev('deadlock', { victim: 'c1', cycle: [] }))).toThrow("field 'cycle' must be a non-empty array of edges");
    expect(() => readEvent(ev('deadlock', { victim: 'c1', cycle: [{ node: 'c1', resource: 'a', mode: 'EX' }] }))).toThrow("field 'cycle[0].waitsFor' must be a string");
    expect(() => readEvent(ev('deadlock', { victim: 'c1', cycle: [{ node: 'c1', resource: 'a', mode: 'EX', waitsFor: 'c2', heldMode: 'ZZ' }] }))).toThrow(
      "field 'cycle[0].heldMode' must be a lock mode",
    );
  });

  it('makes the CheckerSet throw on a malformed event', async () => {
    const { createCheckers } = await import('../../src/check/index.js');
    const set = createCheckers({ invariants: [], livenessUs: 0, healUs: 0 });
    expect(() => set.onEvent(ev('expire', { client: 'c1' }))).toThrow("event #7 (expire): field 'resource' is missing");
  });
});
