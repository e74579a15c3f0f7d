/**
 * Belief-overlap at the end of the run: the overlaps still open are closed resource by resource in
 * the order each resource's current overlaps began. A resource whose overlaps all closed is
 * forgotten, so one that overlaps again later is closed after the resources that opened meanwhile.
 */
import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

describe('belief-overlap: the order open overlaps close at the end', () => {
  it('closes a resource whose overlap reopened after another resource opened one after that other resource', () => {
    const s = new Stream()
      .complete(0, 'c1', 'a', 'GRANTED', { mode: 'EX' })
      .complete(1, 'c2', 'a', 'GRANTED', { mode: 'EX' })
      .request(2, 'c1', 'a', 'unlock')
      .complete(3, 'c1', 'b', 'GRANTED', { mode: 'EX' })
      .complete(3, 'c2', 'b', 'GRANTED', { mode: 'EX' })
      .complete(4, 'c1', 'a', 'GRANTED', { mode: 'EX' });
    expect(check(s, [], { endMs: 10 }).observations).toEqual([
      { kind: 'belief-overlap', fromUs: 1_000, toUs: 2_000, resource: 'a', nodes: ['c1', 'c2'] },
      { kind: 'belief-overlap', fromUs: 3_000, toUs: 10_000, resource: 'b', nodes: ['c1', 'c2'] },
      { kind: 'belief-overlap', fromUs: 4_000, toUs: 10_000, resource: 'a', nodes: ['c2', 'c1'] },
    ]);
  });
});
