/**
 * Rules of the `deadlock` invariant (src/check/deadlock.ts) beyond deadlock.test.ts: the bound is
 * exceeded only strictly after it runs out, a reported cycle is judged once, and a service report
 * is a phantom for each reason the edge does not hold (named in the message), where a request not
 * yet queued waits behind what its kind would queue behind (a lock: every queued request; a
 * conversion: the queued conversions) until its answer comes or its client crashes.
 */
import { describe, expect, it } from 'vitest';
import { DeadlockChecker, readEvent } from '../../src/check/index.js';
import type { CycleEdge } from '../../src/vocabulary/index.js';
import { Stream, check } from './stream.js';

/** c1 holds a, c2 holds b; each then waits for the other's resource from 10 ms. */
const abba = (): Stream => new Stream().grant(0, 'c1', 'a', 'EX').grant(0, 'c2', 'b', 'EX').enqueue(10, 'c1', 'b', 'EX').enqueue(10, 'c2', 'a', 'EX');

const edge = (node: string, resource: string, waitsFor: string, mode: CycleEdge['mode'] = 'EX'): CycleEdge => ({ node, resource, mode, waitsFor });

describe('deadlock rules', () => {
  it('refuses a negative or unknown bound', () => {
    expect(() => new DeadlockChecker(-1)).toThrow('deadlock: the bound must be ≥ 0 µs, got -1');
    expect(() => new DeadlockChecker(Number.NaN)).toThrow('deadlock: the bound must be ≥ 0 µs, got NaN');
    expect(new DeadlockChecker(0).name).toBe('deadlock');
  });

  it('reports a cycle only at an event strictly after its bound ran out, once', () => {
    const atBound = abba().grant(1_010, 'c3', 'x', 'PR');
    const set = check(atBound, ['deadlock'], { deadlockBoundMs: 1_000, endMs: 1_010 });
    expect(set.violations.map((v) => [v.atUs, v.message.endsWith('was still unresolved when the run ended')])).toEqual([[1_010_000, true]]);
    const past = abba().grant(1_010.001, 'c3', 'x', 'PR').grant(1_020, 'c3', 'y', 'PR');
    const late = check(past, ['deadlock'], { deadlockBoundMs: 1_000, endMs: 2_000 });
    expect(late.violations.map((v) => [v.atUs, v.message.endsWith('persisted unresolved for more than 1000.0 ms')])).toEqual([[1_010_000, true]]);
    expect(late.violations[0]).toMatchObject({ formedUs: 10_000, cycle: [edge('c2', 'a', 'c1'), edge('c1', 'b', 'c2')].map((e) => ({ ...e, heldMode: 'EX' })) });
  });

  it('has a deadline only while an unreported cycle stands', () => {
    const checker = new DeadlockChecker(1_000);
    expect(checker.dueUs).toBe(Number.POSITIVE_INFINITY);
    const sink = { violation: () => {}, observation: () => {} };
    for (const raw of abba().events) checker.onEvent(readEvent(raw)!, sink);
    expect(checker.dueUs).toBe(11_000);
    checker.finish(12_000, sink);
    expect(checker.dueUs).toBe(Number.POSITIVE_INFINITY);
  });

  it('names each reason a reported edge does not hold', () => {
    const phantom = (s: Stream): string[] => check(s, ['deadlock'], { endMs: 600 }).violations.map((v) => v.message.replace(/^.*but at that instant /, ''));
    const base = () => new Stream().grant(0, 'c1', 'a', 'EX').grant(0, 'c2', 'b', 'PR').enqueue(10, 'c2', 'a', 'EX');
    expect(phantom(base().deadlock(20, 'c2', [edge('c2', 'a', 'c2')]))).toEqual(["c2 cannot wait for itself: a phantom"]);
    expect(phantom(base().deadlock(20, 'c2', [edge('c2', 'a', 'c3'), edge('c3', 'a', 'c2')]))).toEqual([
      "c3 held no lock on a and had no request queued ahead of c2's; c3 was not waiting on a: a phantom",
    ]);
    expect(phantom(base().grant(15, 'c3', 'a', 'NL').deadlock(20, 'c2', [edge('c2', 'a', 'c3')]))).toEqual([
      "the cycle is not closed (c2 waits for c3, but the next edge starts at c2); c3's NL on a did not block c2's EX and had no request queued ahead of c2's: a phantom",
    ]);
  });

  it('gives a phantom the victim first, each node once, the first edge’s resource and a copy of the cycle', () => {
    const cycle = [edge('c2', 'a', 'c3'), edge('c3', 'b', 'c2')];
    const s = abba().deadlock(20, 'c3', cycle);
    const [violation] = check(s, ['deadlock'], { deadlockBoundMs: 5_000, endMs: 30 }).violations;
    expect(violation).toMatchObject({ invariant: 'deadlock', atUs: 20_000, resource: 'a', nodes: ['c3', 'c2'], seq: 5, cycle });
    expect(violation!.cycle![0]).not.toBe(cycle[0]);
  });

  it('takes an outstanding lock request, not yet queued, as waiting behind every queued request, until answered', () => {
    const base = () => new Stream().grant(0, 'c1', 'r', 'PR').grant(0, 'c2', 'r', 'PR').enqueue(5, 'c3', 'r', 'EX').request(10, 'c4', 'r', 'lock', 'CR');
    const report = (s: Stream) => s.deadlock(20, 'c4', [edge('c4', 'r', 'c3', 'CR'), edge('c3', 'r', 'c4')]);
    // c4's CR waits behind c3's queued EX: that edge holds (c3 → c4 does not: c4 holds nothing).
    expect(check(report(base()), ['deadlock'], { endMs: 30 }).violations[0]!.message).toContain(
      "c4 held no lock on r and had no request queued ahead of c3's: a phantom",
    );
    expect(check(report(base()), ['deadlock'], { endMs: 30 }).violations[0]!.message).not.toContain('c4 was not waiting');
    // Answered, or its client crashed: no longer waiting.
    expect(check(report(base().complete(15, 'c4', 'r', 'NOTQUEUED')), ['deadlock'], { endMs: 30 }).violations[0]!.message).toContain('c4 was not waiting on r');
    expect(check(report(base().crash(15, 'c4')), ['deadlock'], { endMs: 30 }).violations[0]!.message).toContain('c4 was not waiting on r');
  });

  it('takes an outstanding conversion, not yet queued, as waiting behind queued conversions only', () => {
    const base = () =>
      new Stream()
        .grant(0, 'c1', 'r', 'PR')
        .grant(0, 'c2', 'r', 'PR')
        .grant(0, 'c3', 'r', 'NL')
        .enqueue(5, 'c3', 'r', 'EX', 'converting')
        .enqueue(6, 'c5', 'r', 'EX')
        .request(10, 'c2', 'r', 'convert', 'CW');
    const judged = (s: Stream, holder: string): string[] =>
      check(s.deadlock(20, 'c2', [edge('c2', 'r', holder, 'CW'), edge(holder, 'r', 'c2')]), ['deadlock'], { endMs: 30 }).violations.map((v) => v.message.replace(/^.*but at that instant /, ''));
    // c3's conversion is queued ahead of where c2's would go, and c3's EX waits for c2's PR: a real cycle.
    expect(judged(base(), 'c3')).toEqual([]);
    // c5's new request is not: a conversion never waits behind waiting requests.
    expect(judged(base(), 'c5')).toEqual(["c5 held no lock on r and had no request queued ahead of c2's: a phantom"]);
  });
});

