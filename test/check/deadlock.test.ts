import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

/** S18: c1 holds a, c2 holds b; each then waits for the other's resource. */
function abba(): Stream {
  return new Stream()
    .grant(0, 'c1', 'a', 'EX')
    .grant(0, 'c2', 'b', 'EX')
    .enqueue(10, 'c1', 'b', 'EX')
    .enqueue(10, 'c2', 'a', 'EX');
}

describe('deadlock', () => {
  it('fires for a persistent cycle with detection off, at the instant the bound ran out', () => {
    const s = abba().grant(6_000, 'c3', 'other', 'PR');
    const set = check(s, ['deadlock'], { deadlockBoundMs: 5_000, endMs: 60_000 });
    expect(set.violations).toHaveLength(1);
    expect(set.violations[0]).toMatchObject({ invariant: 'deadlock', atUs: 5_010_000, resource: 'a', nodes: ['c2', 'c1'] });
    expect(set.violations[0]!.message).toBe('wait-for cycle c2 -(EX on a)-> c1 -(EX on b)-> c2 formed at 10.0 ms and persisted unresolved for more than 5000.0 ms');
  });

  it('judges the bound at finish when no later event arrives', () => {
    const set = check(abba(), ['deadlock'], { deadlockBoundMs: 5_000, endMs: 60_000 });
    expect(set.violations.map((v) => v.atUs)).toEqual([5_010_000]);
  });

  it('fires for a cycle still standing when the run ends, however young', () => {
    const set = check(abba(), ['deadlock'], { deadlockBoundMs: 5_000, endMs: 1_000 });
    expect(set.violations).toHaveLength(1);
    expect(set.violations[0]!.atUs).toBe(1_000_000);
    expect(set.violations[0]!.message).toContain('formed at 10.0 ms and was still unresolved when the run ended');
  });

  it('is silent when the detector reports the real cycle and breaks it in time, and collects the report', () => {
    const cycle = [
      { node: 'c1', resource: 'b', mode: 'EX' as const, waitsFor: 'c2' },
      { node: 'c2', resource: 'a', mode: 'EX' as const, waitsFor: 'c1' },
    ];
    const s = abba()
      .deadlock(1_010, 'c2', cycle)
      .dequeue(1_010, 'c2', 'a', 'deadlock')
      .complete(1_015, 'c2', 'a', 'DEADLOCK')
      .release(1_020, 'c2', 'b')
      .grant(1_020, 'c1', 'b', 'EX');
    const set = check(s, ['deadlock'], { deadlockBoundMs: 5_000, endMs: 60_000 });
    expect(set.violations).toEqual([]);
    expect(set.deadlocks).toEqual([{ atUs: 1_010_000, victim: 'c2', cycle }]);
  });

  it('fires for a phantom built from stale edges (S21)', () => {
    const s = new Stream()
      .grant(0, 'P', 'R1', 'EX', {}, 'S1')
      .grant(0, 'Q', 'R2', 'EX', {}, 'S2')
      .enqueue(0, 'Q', 'R1', 'EX', 'waiting', undefined)
      .release(100, 'P', 'R1')
      .grant(100, 'Q', 'R1', 'EX', {}, 'S1')
      .enqueue(200, 'P', 'R2', 'EX')
      .deadlock(500, 'P', [
        { node: 'Q', resource: 'R1', mode: 'EX', waitsFor: 'P' },
        { node: 'P', resource: 'R2', mode: 'EX', waitsFor: 'Q' },
      ], 'K');
    const { violations } = check(s, ['deadlock'], { deadlockBoundMs: 5_000, endMs: 600 });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ invariant: 'deadlock', atUs: 500_000, resource: 'R1', nodes: ['P', 'Q'] });
    expect(violations[0]!.message).toBe(
      'K reported a deadlock at 500.0 ms (victim P): Q -(EX on R1)-> P -(EX on R2)-> Q, but at that instant Q was not waiting on R1: a phantom',
    );
  });

  it('finds a single-resource conversion deadlock (S20) when nothing breaks it', () => {
    const s = new Stream()
      .grant(0, 'P1', 'R', 'PR')
      .grant(0, 'P2', 'R', 'PR')
      .enqueue(10, 'P1', 'R', 'EX', 'converting')
      .enqueue(20, 'P2', 'R', 'EX', 'converting');
    const { violations } = check(s, ['deadlock'], { deadlockBoundMs: 2_000, endMs: 10_000 });
    expect(violations.map((v) => [v.atUs, v.nodes])).toEqual([[2_020_000, ['P2', 'P1']]]);
    expect(violations[0]!.message).toContain('P2 -(EX on R)-> P1 -(EX on R)-> P2');
  });

  it('accepts an immediate conversion-deadlock report whose newcomer was never queued', () => {
    const s = new Stream()
      .grant(0, 'P1', 'R', 'PR')
      .grant(0, 'P2', 'R', 'PR')
      .request(5, 'P1', 'R', 'convert', 'EX')
      .enqueue(10, 'P1', 'R', 'EX', 'converting')
      .request(15, 'P2', 'R', 'convert', 'EX')
      .deadlock(20, 'P2', [
        { node: 'P2', resource: 'R', mode: 'EX', waitsFor: 'P1', heldMode: 'PR' },
        { node: 'P1', resource: 'R', mode: 'EX', waitsFor: 'P2', heldMode: 'PR' },
      ])
      .complete(25, 'P2', 'R', 'DEADLOCK', { mode: 'PR' })
      .release(30, 'P2', 'R')
      .grant(30, 'P1', 'R', 'EX');
    expect(check(s, ['deadlock'], { endMs: 20_000 }).violations).toEqual([]);
  });

  it('fires when the victim is not in the reported cycle, or the cycle is not closed', () => {
    const s = abba()
      .deadlock(1_000, 'c9', [
        { node: 'c1', resource: 'b', mode: 'EX', waitsFor: 'c2' },
        { node: 'c2', resource: 'a', mode: 'EX', waitsFor: 'c1' },
      ])
      .deadlock(1_001, 'c1', [
        { node: 'c1', resource: 'b', mode: 'EX', waitsFor: 'c2' },
        { node: 'c2', resource: 'a', mode: 'EX', waitsFor: 'c3' },
      ])
      .dequeue(1_002, 'c1', 'b', 'deadlock');
    const { violations } = check(s, ['deadlock'], { endMs: 2_000 });
    expect(violations.map((v) => v.atUs)).toEqual([1_000_000, 1_001_000]);
    expect(violations[0]!.message).toContain('the victim c9 is not in the cycle');
    expect(violations[1]!.message).toContain('the cycle is not closed (c2 waits for c3, but the next edge starts at c1)');
  });

  it('removes edges when a holder converts down to a compatible mode', () => {
    const s = abba().grant(1_000, 'c1', 'a', 'NL').grant(1_000, 'c2', 'a', 'EX');
    expect(check(s, ['deadlock'], { deadlockBoundMs: 5_000, endMs: 20_000 }).violations).toEqual([]);
  });

  it('sees no wait between compatible modes', () => {
    const s = new Stream()
      .grant(0, 'c1', 'a', 'PR')
      .grant(0, 'c2', 'b', 'PR')
      .enqueue(10, 'c1', 'b', 'PR')
      .enqueue(10, 'c2', 'a', 'CR');
    expect(check(s, ['deadlock'], { endMs: 20_000 }).violations).toEqual([]);
  });

  it('keeps a demoted (CONVDEADLK) converter waiting at NL', () => {
    const s = new Stream()
      .grant(0, 'P1', 'R', 'PR')
      .grant(0, 'P2', 'R', 'PR')
      .grant(0, 'P2', 'S', 'EX')
      .enqueue(10, 'P1', 'R', 'EX', 'converting')
      .enqueue(20, 'P2', 'R', 'EX', 'converting')
      .release(20, 'P2', 'R', 'demote')
      .grant(20, 'P1', 'R', 'EX')
      .enqueue(22, 'P1', 'S', 'EX')
      .deadlock(25, 'P2', [
        { node: 'P2', resource: 'R', mode: 'EX', waitsFor: 'P1' },
        { node: 'P1', resource: 'S', mode: 'EX', waitsFor: 'P2' },
      ])
      .dequeue(25, 'P2', 'R', 'deadlock');
    expect(check(s, ['deadlock'], { endMs: 20_000 }).violations).toEqual([]);
  });

  it('accepts a reported cycle through a FIFO wait (queue edge), and rejects a queue edge that is not there', () => {
    const base = () =>
      new Stream()
        .grant(0, 'C', 'R1', 'EX')
        .grant(0, 'B', 'R2', 'EX')
        .enqueue(10, 'A', 'R1', 'EX')
        .enqueue(11, 'B', 'R1', 'NL')
        .enqueue(12, 'C', 'R2', 'EX');
    const real = base()
      .deadlock(1_012, 'A', [
        { node: 'C', resource: 'R2', mode: 'EX', waitsFor: 'B', heldMode: 'EX' },
        { node: 'B', resource: 'R1', mode: 'NL', waitsFor: 'A', heldMode: 'EX' },
        { node: 'A', resource: 'R1', mode: 'EX', waitsFor: 'C', heldMode: 'EX' },
      ])
      .dequeue(1_012, 'A', 'R1', 'deadlock');
    expect(check(real, ['deadlock'], { endMs: 2_000 }).violations).toEqual([]);
    const wrong = base().deadlock(1_012, 'C', [
      { node: 'C', resource: 'R2', mode: 'EX', waitsFor: 'B' },
      { node: 'B', resource: 'R1', mode: 'NL', waitsFor: 'C' },
    ]);
    const { violations } = check(wrong, ['deadlock'], { endMs: 2_000 });
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toContain("at that instant C's EX on R1 did not block B's NL and had no request queued ahead of B's: a phantom");
  });

  it('accepts an immediate conversion deadlock whose newcomer waits behind a queued conversion (NL→EX, then PR→EX)', () => {
    const s = new Stream()
      .grant(0, 'L1', 'R', 'NL')
      .grant(0, 'L2', 'R', 'PR')
      .enqueue(10, 'L1', 'R', 'EX', 'converting')
      .request(15, 'L2', 'R', 'convert', 'EX')
      .deadlock(20, 'L2', [
        { node: 'L2', resource: 'R', mode: 'EX', waitsFor: 'L1', heldMode: 'EX' },
        { node: 'L1', resource: 'R', mode: 'EX', waitsFor: 'L2', heldMode: 'PR' },
      ])
      .complete(25, 'L2', 'R', 'DEADLOCK', { mode: 'PR' });
    expect(check(s, ['deadlock'], { endMs: 100 }).violations).toEqual([]);
  });
});
