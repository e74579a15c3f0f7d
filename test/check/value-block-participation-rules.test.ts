/**
 * More value-block rules, each pinned by an exact outcome: which request flags make a holder take
 * part in value-block transfer (and which take it out), when a queued or ungranted lock keeps the
 * resource and its block alive, how trailing zero bytes are compared, and that a completion with no
 * value is not a read. Each case is one a mutant of src/check/value-block.ts would get wrong.
 */
import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

const messages = (s: Stream): string[] => check(s, ['value-block']).violations.map((v) => v.message);

/** c9 holds NL on file from 2 ms, so the resource and its block outlive c1's lock. */
const keepAlive = (s: Stream): Stream => s.grant(2, 'c9', 'file', 'NL', { value: '' });

/** c1's EX (granted at 1 ms with no value) expires at 10 ms; c2 then reads "" at 20 ms. */
const expireThenRead = (s: Stream): Stream => keepAlive(s.grant(1, 'c1', 'file', 'EX')).expire(10, 'c1', 'file').grant(20, 'c2', 'file', 'PR', { value: '' });

const invalidatedByExpiry = 'm1 granted PR on file to c2 at 20.0 ms with value block "", not flagged VALNOTVALID, but the value block was invalidated at 10.0 ms (c1\'s EX lock expired)';

describe('value-block: which requests make a holder take part', () => {
  it('counts VALBLK on the lock request alone (no enqueue, no value on the grant)', () => {
    expect(messages(expireThenRead(new Stream().request(0, 'c1', 'file', 'lock', 'EX', ['VALBLK'])))).toEqual([invalidatedByExpiry]);
  });

  it('counts VALBLK on a conversion request', () => {
    const s = keepAlive(new Stream().grant(0, 'c1', 'file', 'NL').request(1, 'c1', 'file', 'convert', 'EX', ['VALBLK']).grant(1, 'c1', 'file', 'EX'))
      .expire(10, 'c1', 'file')
      .grant(20, 'c2', 'file', 'PR', { value: '' });
    expect(messages(s)).toEqual([invalidatedByExpiry]);
  });

  it('does not count a holder that never asked for the block: no request seen, a request without VALBLK, or an enqueue without it', () => {
    expect(messages(expireThenRead(new Stream()))).toEqual([]);
    expect(messages(expireThenRead(new Stream().request(0, 'c1', 'file', 'lock', 'EX')))).toEqual([]);
    expect(messages(expireThenRead(new Stream().request(0, 'c1', 'file', 'lock', 'EX').enqueue(0, 'c1', 'file', 'EX')))).toEqual([]);
  });

  it('takes a holder out when its conversion request carries no VALBLK', () => {
    const s = keepAlive(
      new Stream().request(0, 'c1', 'file', 'lock', 'PR', ['VALBLK']).grant(0, 'c1', 'file', 'PR').request(1, 'c1', 'file', 'convert', 'EX').grant(1, 'c1', 'file', 'EX'),
    )
      .expire(10, 'c1', 'file')
      .grant(20, 'c2', 'file', 'PR', { value: '' });
    expect(messages(s)).toEqual([]);
  });

  it('keeps VALBLK through the end of a lock that held no grant (a copy superseded in recovery)', () => {
    const s = new Stream().request(0, 'c1', 'file', 'lock', 'EX', ['VALBLK']).release(0, 'c1', 'file', 'superseded');
    expect(messages(expireThenRead(s))).toEqual([invalidatedByExpiry]);
  });
});

describe('value-block: what keeps the resource and its block alive', () => {
  it('drops the block when a lock granted off the queue is released: a granted request no longer counts as queued', () => {
    const s = new Stream()
      .enqueue(0, 'c1', 'file', 'EX')
      .grant(1, 'c1', 'file', 'EX', { value: '' })
      .lvbWrite(5, 'c1', 'file', 'v1')
      .release(5, 'c1', 'file')
      .grant(20, 'c2', 'file', 'PR', { value: '' });
    expect(messages(s)).toEqual([]);
  });

  it('keeps the block when a lock that held no grant ends while another lock holds it', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { value: '' })
      .lvbWrite(5, 'c1', 'file', 'v1')
      .release(6, 'c2', 'file', 'superseded')
      .grant(20, 'c3', 'file', 'NL', { value: '' });
    expect(messages(s)).toEqual(['m1 granted NL on file to c3 at 20.0 ms with value block "", but the last value written is "v1" (by c1 at 5.0 ms)']);
  });
});

describe('value-block: how values compare', () => {
  it('strips only trailing zero bytes: a zero byte inside the value is part of it', () => {
    const written = () => new Stream().grant(0, 'c1', 'file', 'EX', { value: '' }).lvbWrite(5, 'c1', 'file', 'a\u0000b\u0000\u0000').release(5, 'c1', 'file', 'demote');
    expect(messages(written().grant(20, 'c2', 'file', 'PR', { value: 'a\u0000b' }))).toEqual([]);
    expect(messages(written().grant(20, 'c2', 'file', 'PR', { value: 'ab' }))).toEqual([
      'm1 granted PR on file to c2 at 20.0 ms with value block "ab", but the last value written is "a\\u0000b" (by c1 at 5.0 ms)',
    ]);
  });

  it('does not judge a GRANTED completion that carries no value, even while the block is invalid', () => {
    const s = new Stream()
      .grant(0, 'c0', 'file', 'EX', { value: '' })
      .lvbInvalidate(1, 'file', 'purge')
      .grant(2, 'c1', 'file', 'NL')
      .complete(3, 'c1', 'file', 'GRANTED', { mode: 'NL' });
    expect(messages(s)).toEqual([]);
  });
});
