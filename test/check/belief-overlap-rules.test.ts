/**
 * The belief-overlap rules one at a time, each pinned by an exact list of observations: what starts,
 * changes and ends a belief, who is named first, and in which order a crash closes overlaps. Each
 * case is one a mutant of src/check/belief-overlap.ts would get wrong (`npm run mutants`).
 */
import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

const overlapsOf = (s: Stream, endMs: number) => check(s, [], { endMs }).observations;

describe('belief-overlap: what changes a belief', () => {
  it('lets an outcome other than GRANTED change a belief that exists (a cancelled conversion back to PR)', () => {
    const s = new Stream()
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'EX' })
      .complete(5, 'c2', 'r', 'GRANTED', { mode: 'PR' })
      .complete(8, 'c1', 'r', 'CANCELLED', { mode: 'PR' });
    expect(overlapsOf(s, 50)).toEqual([{ kind: 'belief-overlap', fromUs: 5_000, toUs: 8_000, resource: 'r', nodes: ['c1', 'c2'] }]);
  });

  it('ends a belief at an unlock request, not at a lock or convert request', () => {
    const s = new Stream()
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'EX' })
      .request(2, 'c1', 'r', 'convert', 'PR')
      .request(3, 'c1', 'r', 'lock', 'EX')
      .complete(5, 'c2', 'r', 'GRANTED', { mode: 'EX' })
      .request(9, 'c1', 'r', 'unlock');
    expect(overlapsOf(s, 50)).toEqual([{ kind: 'belief-overlap', fromUs: 5_000, toUs: 9_000, resource: 'r', nodes: ['c1', 'c2'] }]);
  });

  it('opens nothing between compatible beliefs while another overlap is open on the resource', () => {
    const s = new Stream()
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'EX' })
      .complete(1, 'c2', 'r', 'GRANTED', { mode: 'EX' })
      .complete(2, 'c3', 'r', 'GRANTED', { mode: 'NL' })
      .complete(3, 'c3', 'r', 'GRANTED', { mode: 'CR' })
      .request(5, 'c3', 'r', 'unlock');
    expect(overlapsOf(s, 20)).toEqual([
      { kind: 'belief-overlap', fromUs: 3_000, toUs: 5_000, resource: 'r', nodes: ['c1', 'c3'] },
      { kind: 'belief-overlap', fromUs: 3_000, toUs: 5_000, resource: 'r', nodes: ['c2', 'c3'] },
      { kind: 'belief-overlap', fromUs: 1_000, toUs: 20_000, resource: 'r', nodes: ['c1', 'c2'] },
    ]);
  });

  it('keeps an overlap open, from its first instant, through a conversion that still clashes', () => {
    const s = new Stream()
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'EX' })
      .complete(1, 'c2', 'r', 'GRANTED', { mode: 'EX' })
      .complete(5, 'c1', 'r', 'GRANTED', { mode: 'PW' });
    expect(overlapsOf(s, 20)).toEqual([{ kind: 'belief-overlap', fromUs: 1_000, toUs: 20_000, resource: 'r', nodes: ['c1', 'c2'] }]);
  });

  it('does not report an overlap that opens and closes at the same instant', () => {
    const s = new Stream()
      .complete(5, 'c1', 'r', 'GRANTED', { mode: 'EX' })
      .complete(5, 'c2', 'r', 'GRANTED', { mode: 'EX' })
      .request(5, 'c2', 'r', 'unlock');
    expect(overlapsOf(s, 50)).toEqual([]);
  });
});

describe('belief-overlap: who is named first', () => {
  it('names the belief that started first, by start order when both started at the same instant (the converter second)', () => {
    const s = new Stream()
      .complete(0, 'c2', 'r', 'GRANTED', { mode: 'PR' })
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'PR' })
      .complete(5, 'c1', 'r', 'GRANTED', { mode: 'EX' });
    expect(overlapsOf(s, 20)).toEqual([{ kind: 'belief-overlap', fromUs: 5_000, toUs: 20_000, resource: 'r', nodes: ['c2', 'c1'] }]);
  });

  it('names the belief that started first, by start order when both started at the same instant (the converter first)', () => {
    const s = new Stream()
      .complete(0, 'c2', 'r', 'GRANTED', { mode: 'PR' })
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'PR' })
      .complete(5, 'c2', 'r', 'GRANTED', { mode: 'EX' });
    expect(overlapsOf(s, 20)).toEqual([{ kind: 'belief-overlap', fromUs: 5_000, toUs: 20_000, resource: 'r', nodes: ['c2', 'c1'] }]);
  });

  it('keeps a belief’s start through a conversion: the earlier believer stays first', () => {
    const s = new Stream()
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'CR' })
      .complete(3, 'c2', 'r', 'GRANTED', { mode: 'PR' })
      .complete(6, 'c2', 'r', 'GRANTED', { mode: 'EX' });
    expect(overlapsOf(s, 20)).toEqual([{ kind: 'belief-overlap', fromUs: 6_000, toUs: 20_000, resource: 'r', nodes: ['c1', 'c2'] }]);
  });
});

describe('belief-overlap: a crash', () => {
  it('closes the crashed client’s overlaps resource by resource in the order the beliefs on them began', () => {
    // Resource a is named first (c1's lock request) but believed on second.
    const s = new Stream()
      .request(0, 'c1', 'a', 'lock', 'EX')
      .complete(1, 'c1', 'b', 'GRANTED', { mode: 'EX' })
      .complete(2, 'c3', 'b', 'GRANTED', { mode: 'EX' })
      .complete(3, 'c1', 'a', 'GRANTED', { mode: 'EX' })
      .complete(4, 'c2', 'a', 'GRANTED', { mode: 'EX' })
      .crash(10, 'c1');
    expect(overlapsOf(s, 20)).toEqual([
      { kind: 'belief-overlap', fromUs: 2_000, toUs: 10_000, resource: 'b', nodes: ['c1', 'c3'] },
      { kind: 'belief-overlap', fromUs: 4_000, toUs: 10_000, resource: 'a', nodes: ['c1', 'c2'] },
    ]);
  });

  it('orders resources by when their first belief began, not by their latest believer', () => {
    // b's first belief is older than a's, though b's latest believer (c3) came after a's (c2).
    const s = new Stream()
      .complete(1, 'c1', 'b', 'GRANTED', { mode: 'EX' })
      .complete(2, 'c1', 'a', 'GRANTED', { mode: 'EX' })
      .complete(3, 'c2', 'a', 'GRANTED', { mode: 'EX' })
      .complete(4, 'c3', 'b', 'GRANTED', { mode: 'EX' })
      .crash(10, 'c1');
    expect(overlapsOf(s, 20).map((o) => [o.resource, o.fromUs, o.toUs])).toEqual([
      ['b', 4_000, 10_000],
      ['a', 3_000, 10_000],
    ]);
  });

  it('leaves the other clients’ overlaps open until the end of the run', () => {
    const s = new Stream()
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'EX' })
      .complete(1, 'c2', 'r', 'GRANTED', { mode: 'EX' })
      .complete(2, 'c3', 'r', 'GRANTED', { mode: 'EX' })
      .crash(5, 'c1');
    expect(overlapsOf(s, 20)).toEqual([
      { kind: 'belief-overlap', fromUs: 1_000, toUs: 5_000, resource: 'r', nodes: ['c1', 'c2'] },
      { kind: 'belief-overlap', fromUs: 2_000, toUs: 5_000, resource: 'r', nodes: ['c1', 'c3'] },
      { kind: 'belief-overlap', fromUs: 2_000, toUs: 20_000, resource: 'r', nodes: ['c2', 'c3'] },
    ]);
  });
});
