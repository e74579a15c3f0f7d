/**
 * The value-block rules one at a time, each pinned by an exact outcome: who takes part in
 * value-block transfer, which deaths invalidate the block (and which reason is kept), when the
 * block dies with its resource, and what a completion is judged against. Each case is one a mutant
 * of src/check/value-block.ts would get wrong (`npm run mutants`).
 */
import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

const findings = (s: Stream) => check(s, ['value-block']).violations.map((v) => ({ atUs: v.atUs, message: v.message, nodes: v.nodes }));

/** c1 holds `mode` on file from 1 ms; c9 holds NL from 2 ms, keeping the resource alive. */
function held(mode: 'PW' | 'EX', requestFlags: string[] | undefined, grantValue: string | undefined): Stream {
  const s = new Stream();
  if (requestFlags !== undefined) s.request(0, 'c1', 'file', 'lock', mode, requestFlags);
  return s.grant(1, 'c1', 'file', mode, grantValue !== undefined ? { value: grantValue } : {}).grant(2, 'c9', 'file', 'NL', { value: '' });
}

const readAt20 = (s: Stream) => s.grant(20, 'c2', 'file', 'PR', { value: '' });

describe('value-block: who takes part in value-block transfer', () => {
  it('keeps a VALBLK holder taking part when it sends an unlock request (the lease ends before the unlock lands)', () => {
    const s = readAt20(held('EX', ['VALBLK'], '').request(10, 'c1', 'file', 'unlock').expire(15, 'c1', 'file'));
    expect(findings(s)).toEqual([
      {
        atUs: 20_000,
        message: 'm1 granted PR on file to c2 at 20.0 ms with value block "", not flagged VALNOTVALID, but the value block was invalidated at 15.0 ms (c1\'s EX lock expired)',
        nodes: ['c2', 'c1'],
      },
    ]);
  });

  it('counts VALBLK on the enqueue of a request that carried no flags', () => {
    const s = new Stream()
      .request(0, 'c1', 'file', 'lock', 'EX')
      .enqueue(1, 'c1', 'file', 'EX', 'waiting', ['VALBLK'])
      .grant(2, 'c1', 'file', 'EX')
      .grant(3, 'c9', 'file', 'NL', { value: '' })
      .release(10, 'c1', 'file', 'purge');
    expect(findings(readAt20(s)).map((f) => f.message)).toEqual([
      'm1 granted PR on file to c2 at 20.0 ms with value block "", not flagged VALNOTVALID, but the value block was invalidated at 10.0 ms (c1\'s EX lock was purged)',
    ]);
  });

  it('counts a holder whose grant carried a value, even without VALBLK on its request', () => {
    const s = readAt20(held('PW', [], '').expire(10, 'c1', 'file'));
    expect(findings(s).map((f) => f.message)).toEqual([
      'm1 granted PR on file to c2 at 20.0 ms with value block "", not flagged VALNOTVALID, but the value block was invalidated at 10.0 ms (c1\'s PW lock expired)',
    ]);
  });

  it('forgets the participation when the lock ends: a later grant without value or VALBLK that dies invalidates nothing', () => {
    const s = readAt20(held('EX', ['VALBLK'], '').release(5, 'c1', 'file').grant(6, 'c1', 'file', 'EX').expire(10, 'c1', 'file'));
    expect(findings(s)).toEqual([]);
  });
});

describe('value-block: which ends invalidate the block', () => {
  it('does not invalidate when a VALBLK PW holder unlocks (it did not die)', () => {
    expect(findings(readAt20(held('PW', ['VALBLK'], '').release(10, 'c1', 'file', 'unlock')))).toEqual([]);
  });

  it('keeps the first reason: a death after an invalidation does not replace it', () => {
    const s = readAt20(held('EX', ['VALBLK'], '').lvbInvalidate(5, 'file', 'ivvalblk').expire(10, 'c1', 'file'));
    expect(findings(s)).toEqual([
      {
        atUs: 20_000,
        message: 'm1 granted PR on file to c2 at 20.0 ms with value block "", not flagged VALNOTVALID, but the value block was invalidated at 5.0 ms (ivvalblk)',
        nodes: ['c2'],
      },
    ]);
  });

  it('names the client of a traced invalidation, and the reader only once when it is that client', () => {
    const other = readAt20(held('EX', ['VALBLK'], '').lvbInvalidate(5, 'file', 'purge', 'c3'));
    expect(findings(other).map((f) => [f.message, f.nodes])).toEqual([
      ['m1 granted PR on file to c2 at 20.0 ms with value block "", not flagged VALNOTVALID, but the value block was invalidated at 5.0 ms (purge, c3)', ['c2', 'c3']],
    ]);
    const itself = readAt20(held('EX', ['VALBLK'], '').lvbInvalidate(5, 'file', 'purge', 'c2'));
    expect(findings(itself).map((f) => f.nodes)).toEqual([['c2']]);
  });
});

describe('value-block: the life of the block', () => {
  it('keeps the block while another lock (even NL) is held', () => {
    const s = readAt20(held('EX', ['VALBLK'], '').lvbWrite(5, 'c1', 'file', 'v1').release(5, 'c1', 'file'));
    expect(findings(s).map((f) => f.message)).toEqual(['m1 granted PR on file to c2 at 20.0 ms with value block "", but the last value written is "v1" (by c1 at 5.0 ms)']);
  });

  it('drops the block when the last queued request leaves by dequeue', () => {
    const s = new Stream()
      .grant(0, 'c0', 'file', 'EX', { value: '' })
      .enqueue(1, 'c1', 'file', 'PR')
      .lvbWrite(5, 'c0', 'file', 'v1')
      .release(5, 'c0', 'file')
      .dequeue(8, 'c1', 'file', 'cancel');
    expect(findings(readAt20(s))).toEqual([]);
  });
});

describe('value-block: what a completion is judged against', () => {
  it('judges a completion with no grant seen against the block as it is', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX', { value: '' }).lvbWrite(5, 'c1', 'file', 'v1').complete(10, 'c2', 'file', 'GRANTED', { value: 'v0' });
    expect(findings(s)).toEqual([
      { atUs: 10_000, message: 'c2 learned it was GRANTED on file at 10.0 ms with value block "v0", but the last value written is "v1" (by c1 at 5.0 ms)', nodes: ['c2', 'c1'] },
    ]);
  });

  it('does not judge a completion other than GRANTED', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX', { value: '' }).lvbWrite(5, 'c1', 'file', 'v1').complete(10, 'c2', 'file', 'CANCELLED', { mode: 'PR', value: 'v0' });
    expect(findings(s)).toEqual([]);
  });

  it('judges a second completion against the block as it is, not the first grant’s', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { value: '' })
      .grant(1, 'c2', 'file', 'NL', { value: '' })
      .complete(2, 'c2', 'file', 'GRANTED', { mode: 'NL', value: '' })
      .lvbWrite(5, 'c1', 'file', 'v1')
      .complete(10, 'c2', 'file', 'GRANTED', { mode: 'NL', value: '' });
    expect(findings(s).map((f) => f.message)).toEqual([
      'c2 learned it was GRANTED NL on file at 10.0 ms with value block "", but the last value written is "v1" (by c1 at 5.0 ms)',
    ]);
  });
});
