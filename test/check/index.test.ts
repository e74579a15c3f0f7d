import { describe, expect, it } from 'vitest';
import { CheckError, CheckerSetFinished, createCheckers, defaultDeadlockBoundUs, type InvariantName } from '../../src/check/index.js';
import { Stream, check, ms } from './stream.js';

describe('createCheckers', () => {
  it('rejects an unknown invariant name', () => {
    expect(() => createCheckers({ invariants: ['mutex' as InvariantName], livenessUs: 0, healUs: 0 })).toThrow(
      "lockstep check: unknown invariant 'mutex' (known: mutual-exclusion, stale-write, fencing, value-block, grant-order, deadlock, liveness, early-expiry, lock-delay, herd)",
    );
  });

  it('judges only the selected invariants, but always observes belief-overlap', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX')
      .complete(1, 'c1', 'file', 'GRANTED', { mode: 'EX' })
      .grant(2, 'c2', 'file', 'EX')
      .complete(3, 'c2', 'file', 'GRANTED', { mode: 'EX' });
    const off = check(s, ['fencing'], { endMs: 10 });
    expect(off.violations).toEqual([]);
    expect(off.observations).toHaveLength(1);
    const on = check(s, ['fencing', 'mutual-exclusion'], { endMs: 10 });
    expect(on.violations.map((v) => v.invariant)).toEqual(['mutual-exclusion']);
  });

  it('collects service deadlock reports whether or not deadlock is judged', () => {
    const cycle = [
      { node: 'c1', resource: 'a', mode: 'EX' as const, waitsFor: 'c2' },
      { node: 'c2', resource: 'b', mode: 'EX' as const, waitsFor: 'c1' },
    ];
    const s = new Stream().deadlock(1_000, 'c2', cycle);
    expect(check(s, []).deadlocks).toEqual([{ atUs: 1_000_000, victim: 'c2', cycle }]);
  });

  it('gives the violation earliest in true time as firstViolation, not the first detected', () => {
    const s = new Stream()
      .request(0, 'c9', 'q', 'lock', 'EX')
      .grant(500, 'c1', 'file', 'EX')
      .grant(1_500, 'c2', 'file', 'EX');
    const set = check(s, ['mutual-exclusion', 'liveness'], { livenessMs: 1_000, endMs: 2_000 });
    expect(set.violations.map((v) => [v.invariant, v.atUs])).toEqual([
      ['mutual-exclusion', 1_500_000],
      ['liveness', 1_000_000],
    ]);
    expect(set.firstViolation).toMatchObject({ invariant: 'liveness', atUs: 1_000_000 });
    expect(check(new Stream(), ['liveness']).firstViolation).toBeUndefined();
  });

  it('passes kernel events and its own violation events over', () => {
    const s = new Stream()
      .raw(0, 'c1', 'send', { from: 'c1', to: 'm1', msg: 'lock' })
      .raw(1, 'checker', 'violation', { invariant: 'fencing', message: 'x', nodes: [] })
      .raw(2, 'c1', 'pause', { forMs: 100 });
    expect(check(s, ['mutual-exclusion', 'liveness']).violations).toEqual([]);
  });

  it('is loud when time goes backwards, and when used after finish', () => {
    const s = new Stream().grant(10, 'c1', 'f', 'EX').grant(5, 'c2', 'g', 'EX');
    const set = createCheckers({ invariants: ['mutual-exclusion'], livenessUs: 0, healUs: 0 });
    set.onEvent(s.events[0]!);
    expect(() => set.onEvent(s.events[1]!)).toThrow(CheckError);
    expect(() => set.onEvent(s.events[1]!)).toThrow('event #2 (grant): field \'tUs\' goes back in time (5000 µs after 10000 µs)');
    set.finish(ms(20));
    expect(() => set.finish(ms(30))).toThrow(CheckerSetFinished);
    expect(() => set.onEvent(s.events[0]!)).toThrow('lockstep check: event #1 (grant) after finish()');
  });

  it('takes node events as arguments with the same findings as event objects, and refuses them after finish', () => {
    const s = new Stream().grant(1, 'c1', 'f', 'EX').grant(2, 'c2', 'f', 'EX');
    const byObject = createCheckers({ invariants: ['mutual-exclusion'], livenessUs: 0, healUs: 0 });
    const byArgs = createCheckers({ invariants: ['mutual-exclusion'], livenessUs: 0, healUs: 0 });
    for (const e of s.events) {
      byObject.onEvent(e);
      byArgs.onNodeEvent(e.seq, e.tUs, e.node, e.type, e.fields);
      byArgs.onNodeEvent(e.seq, e.tUs, e.node, 'timer', { tag: 'x' }); // a type no checker reads
    }
    byObject.finish(ms(3));
    byArgs.finish(ms(3));
    expect(byArgs.violations).toEqual(byObject.violations);
    expect(byArgs.violations.map((v) => v.invariant)).toEqual(['mutual-exclusion']);
    expect(() => byArgs.onNodeEvent(9, ms(4), 'c1', 'timer', undefined)).toThrow('lockstep check: event #9 (timer) after finish()');
  });

  it('keeps at most maxRecords of each list and counts the rest', () => {
    const set = createCheckers({ invariants: ['stale-write'], livenessUs: 0, healUs: 0, maxRecords: 2 });
    const s = new Stream().write(1, 'c1', 'f', 'a').write(2, 'c1', 'f', 'b').write(3, 'c1', 'f', 'c');
    for (const e of s.events) set.onEvent(e);
    set.finish(ms(3));
    expect(set.violations.map((v) => v.atUs)).toEqual([1_000, 2_000]);
    expect(set.dropped).toBe(1);
  });

  it('computes the default deadlock bound as max(2 × waitMs, 5000 ms)', () => {
    expect(defaultDeadlockBoundUs()).toBe(5_000_000);
    expect(defaultDeadlockBoundUs(1_000)).toBe(5_000_000);
    expect(defaultDeadlockBoundUs(4_000)).toBe(8_000_000);
  });
});
