import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

/**
 * S01/S02 as the clients see it: c1 learns its grant at 5 ms, pauses 200 → 15,200 ms, writes at
 * 15,300 and unlocks; its lease expired at 10,000 at the service, and c2 learned its grant at
 * 10,100. The lapse mark of c1's own lease deadline falls at 9,900 ms (while it is paused).
 */
function s01(): Stream {
  return new Stream()
    .request(0, 'c1', 'file', 'lock', 'EX')
    .grant(2, 'c1', 'file', 'EX', { token: 33 })
    .complete(5, 'c1', 'file', 'GRANTED', { mode: 'EX', token: 33 })
    .lapse(9_900, 'c1', 'file')
    .expire(10_000, 'c1', 'file')
    .request(10_000, 'c2', 'file', 'lock', 'EX')
    .grant(10_050, 'c2', 'file', 'EX', { token: 34 })
    .complete(10_100, 'c2', 'file', 'GRANTED', { mode: 'EX', token: 34 })
    .write(10_300, 'c2', 'file', 'v1', 34)
    .add(15_300, 'reject', { client: 'c1', resource: 'file', value: 'v0+d1', token: 33, highest: 34 })
    .request(15_300, 'c1', 'file', 'unlock')
    .request(16_000, 'c2', 'file', 'unlock');
}

describe('belief-overlap', () => {
  it('observes the paused naive client believing from 10,100 to 15,300 ms (S01/S02), fencing or not', () => {
    const set = check(s01(), ['mutual-exclusion', 'stale-write', 'fencing'], { endMs: 20_000 });
    expect(set.violations).toEqual([]);
    expect(set.observations).toEqual([{ kind: 'belief-overlap', fromUs: 10_100_000, toUs: 15_300_000, resource: 'file', nodes: ['c1', 'c2'] }]);
  });

  it('sees no overlap when the client checks its lease (its belief ends at its lapse)', () => {
    const set = check(s01(), [], { leaseChecking: ['c1'], endMs: 20_000 });
    expect(set.observations).toEqual([]);
  });

  it('opens on a conversion to an incompatible mode and closes on the other unlock', () => {
    const s = new Stream()
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'PR' })
      .complete(1, 'c2', 'r', 'GRANTED', { mode: 'PR' })
      .complete(10, 'c2', 'r', 'GRANTED', { mode: 'EX' })
      .request(30, 'c1', 'r', 'unlock')
      .complete(40, 'c2', 'r', 'GRANTED', { mode: 'NL' });
    expect(check(s, []).observations).toEqual([{ kind: 'belief-overlap', fromUs: 10_000, toUs: 30_000, resource: 'r', nodes: ['c1', 'c2'] }]);
  });

  it('closes when a belief becomes compatible, and at the end of the run', () => {
    const s = new Stream()
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'EX' })
      .complete(5, 'c2', 'r', 'GRANTED', { mode: 'PR' })
      .complete(8, 'c1', 'r', 'GRANTED', { mode: 'CR' })
      .complete(9, 'c3', 'r', 'GRANTED', { mode: 'EX' });
    expect(check(s, [], { endMs: 100 }).observations).toEqual([
      { kind: 'belief-overlap', fromUs: 5_000, toUs: 8_000, resource: 'r', nodes: ['c1', 'c2'] },
      { kind: 'belief-overlap', fromUs: 9_000, toUs: 100_000, resource: 'r', nodes: ['c1', 'c3'] },
      { kind: 'belief-overlap', fromUs: 9_000, toUs: 100_000, resource: 'r', nodes: ['c2', 'c3'] },
    ]);
  });

  it('ends beliefs on UNLOCKED, on crash, and ignores lapse marks of naive clients', () => {
    const s = new Stream()
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'EX' })
      .lapse(3, 'c1', 'r')
      .complete(5, 'c2', 'r', 'GRANTED', { mode: 'EX' })
      .complete(7, 'c2', 'r', 'UNLOCKED')
      .crash(9, 'c1')
      .complete(10, 'c3', 'r', 'GRANTED', { mode: 'EX' });
    expect(check(s, [], { endMs: 50 }).observations).toEqual([{ kind: 'belief-overlap', fromUs: 5_000, toUs: 7_000, resource: 'r', nodes: ['c1', 'c2'] }]);
  });

  it('sees nothing between compatible beliefs or different resources', () => {
    const s = new Stream()
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'PR' })
      .complete(1, 'c2', 'r', 'GRANTED', { mode: 'CR' })
      .complete(2, 'c3', 's', 'GRANTED', { mode: 'EX' });
    expect(check(s, [], { endMs: 50 }).observations).toEqual([]);
  });

  it('starts a belief only on GRANTED', () => {
    const s = new Stream()
      .complete(0, 'c1', 'r', 'GRANTED', { mode: 'EX' })
      .request(5, 'c2', 'r', 'unlock')
      .complete(6, 'c2', 'r', 'BUSY', { mode: 'EX' })
      .complete(7, 'c3', 'r', 'CANCELLED', { mode: 'PR' });
    expect(check(s, [], { endMs: 50 }).observations).toEqual([]);
  });
});
