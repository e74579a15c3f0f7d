/**
 * Rules of the CheckerSet (src/check/index.ts) beyond those of index.test.ts: which violation is
 * the first, what a collected deadlock report holds, and that a checker with deadlines judges
 * them at events of types it does not read.
 */
import { describe, expect, it } from 'vitest';
import { CheckerSet, CheckerSetFinished, createCheckers } from '../../src/check/index.js';
import type { Checker } from '../../src/check/checker.js';
import type { CheckedEvent, CheckedType } from '../../src/check/lock-event.js';
import { Stream, check, ms } from './stream.js';

describe('CheckerSet rules', () => {
  it('keeps the first detected violation as firstViolation among those at the same instant', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX').grant(5, 'c2', 'file', 'EX').write(5, 'c3', 'file', 'v');
    const set = check(s, ['mutual-exclusion', 'stale-write']);
    expect(set.violations.map((v) => [v.invariant, v.atUs])).toEqual([
      ['mutual-exclusion', 5_000],
      ['stale-write', 5_000],
    ]);
    expect(set.firstViolation).toBe(set.violations[0]);
  });

  it('reports a service deadlock with exactly the fields of a cycle edge: heldMode only when given, nothing the producer added', () => {
    const cycle = [
      { node: 'c1', resource: 'a', mode: 'EX' as const, waitsFor: 'c2', heldMode: 'PR' as const, note: 'extra' },
      { node: 'c2', resource: 'b', mode: 'PW' as const, waitsFor: 'c1' },
    ];
    const s = new Stream().deadlock(3, 'c1', cycle);
    const [report] = check(s, []).deadlocks;
    expect(report).toStrictEqual({
      atUs: 3_000,
      victim: 'c1',
      cycle: [
        { node: 'c1', resource: 'a', mode: 'EX', waitsFor: 'c2', heldMode: 'PR' },
        { node: 'c2', resource: 'b', mode: 'PW', waitsFor: 'c1' },
      ],
    });
    expect(Object.keys(report!.cycle[1]!)).toEqual(['node', 'resource', 'mode', 'waitsFor']);
  });

  it('judges a liveness deadline at the first event past it, even of a type liveness does not read', () => {
    const set = createCheckers({ invariants: ['liveness'], livenessUs: ms(100), healUs: 0 });
    const s = new Stream().request(0, 'c1', 'r', 'lock', 'EX').write(100, 'c2', 'other', 'v').write(101, 'c2', 'other', 'w');
    set.onEvent(s.events[0]!);
    set.onEvent(s.events[1]!);
    expect(set.violations).toEqual([]);
    set.onEvent(s.events[2]!);
    expect(set.violations.map((v) => [v.invariant, v.atUs])).toEqual([['liveness', 100_000]]);
  });
});

/** A checker that records the sequence numbers of the events the set hands it. */
class RecordingChecker implements Checker {
  readonly name = 'liveness' as const;
  readonly seen: number[] = [];
  constructor(
    readonly reads: readonly CheckedType[],
    readonly dueUs?: number,
  ) {}
  onEvent(e: CheckedEvent): void {
    this.seen.push(e.seq);
  }
  finish(): void {}
}

describe('CheckerSet routing and lifecycle rules', () => {
  it('declares that it takes no kernel message events (messageEvents is false)', () => {
    expect(new CheckerSet([]).messageEvents).toBe(false);
  });

  it('routes an event of a read type to its checker even when the set was built without a lock table', () => {
    const checker = new RecordingChecker(['grant']);
    const set = new CheckerSet([checker]);
    const s = new Stream().grant(1, 'c1', 'r', 'EX').write(2, 'c1', 'r', 'v');
    for (const e of s.events) set.onEvent(e);
    expect(checker.seen).toEqual([1]);
  });

  it('hands an unread type to a checker with a deadline only strictly after the deadline', () => {
    const checker = new RecordingChecker(['grant'], ms(10));
    const set = new CheckerSet([checker]);
    const s = new Stream().grant(5, 'c1', 'r', 'EX').write(10, 'c1', 'r', 'v').write(11, 'c1', 'r', 'w');
    for (const e of s.events) set.onEvent(e);
    expect(checker.seen).toEqual([1, 3]);
  });

  it('names a use after finish CheckerSetFinished, and a second finish says so', () => {
    const set = new CheckerSet([]);
    set.finish(0);
    let thrown: unknown;
    try {
      set.finish(1);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CheckerSetFinished);
    expect((thrown as Error).name).toBe('CheckerSetFinished');
    expect((thrown as Error).message).toBe('lockstep check: finish() after finish()');
  });

  it('refuses a node event of an unrouted type after finish', () => {
    const set = new CheckerSet([]);
    set.finish(0);
    expect(() => set.onNodeEvent(4, 1, 'c1', 'timer', undefined)).toThrow('lockstep check: event #4 (timer) after finish()');
  });
});
