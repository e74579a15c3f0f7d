import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

describe('value-block', () => {
  it('fires when the value block is not invalidated on holder death', () => {
    const s = new Stream()
      .request(0, 'c1', 'file', 'lock', 'EX', ['VALBLK'])
      .grant(1, 'c1', 'file', 'EX', { value: '' })
      .grant(2, 'c3', 'file', 'NL', { value: '' })
      .grant(50, 'c1', 'file', 'NL')
      .lvbWrite(50, 'c1', 'file', 'v1')
      .grant(60, 'c1', 'file', 'EX', { value: 'v1' })
      .release(5_000, 'c1', 'file', 'purge')
      .grant(5_100, 'c2', 'file', 'PR', { value: 'v1' });
    const { violations } = check(s, ['value-block']);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ invariant: 'value-block', atUs: 5_100_000, resource: 'file', nodes: ['c2', 'c1'] });
    expect(violations[0]!.message).toBe(
      'm1 granted PR on file to c2 at 5100.0 ms with value block "v1", not flagged VALNOTVALID, but the value block was invalidated at 5000.0 ms (c1\'s EX lock was purged)',
    );
  });

  it('is silent when the grant after the holder death carries VALNOTVALID, and after the next write', () => {
    const s = new Stream()
      .request(0, 'c1', 'file', 'lock', 'EX', ['VALBLK'])
      .grant(1, 'c1', 'file', 'EX', { value: '' })
      .grant(2, 'c3', 'file', 'NL', { value: '' })
      .expire(5_000, 'c1', 'file')
      .lvbInvalidate(5_000, 'file', 'holder died', 'c1')
      .grant(5_100, 'c2', 'file', 'EX', { value: '', flags: ['VALNOTVALID'] })
      .complete(5_105, 'c2', 'file', 'GRANTED', { mode: 'EX', value: '', flags: ['VALNOTVALID'] })
      .grant(5_200, 'c2', 'file', 'NL')
      .lvbWrite(5_200, 'c2', 'file', 'v2')
      .grant(5_300, 'c4', 'file', 'PR', { value: 'v2\u0000\u0000' })
      .complete(5_305, 'c4', 'file', 'GRANTED', { mode: 'PR', value: 'v2' });
    expect(check(s, ['value-block']).violations).toEqual([]);
  });

  it('fires when a grant hands out a value other than the last written', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { value: '' })
      .grant(10, 'c1', 'file', 'NL')
      .lvbWrite(10, 'c1', 'file', '7')
      .grant(20, 'c2', 'file', 'PR', { value: '6' });
    const { violations } = check(s, ['value-block']);
    expect(violations[0]!.message).toBe('m1 granted PR on file to c2 at 20.0 ms with value block "6", but the last value written is "7" (by c1 at 10.0 ms)');
    expect(violations[0]!.nodes).toEqual(['c2', 'c1']);
  });

  it('reads a fresh resource as "" and fires on anything else', () => {
    const ok = new Stream().grant(0, 'c1', 'file', 'PR', { value: '\u0000\u0000' });
    expect(check(ok, ['value-block']).violations).toEqual([]);
    const bad = new Stream().grant(0, 'c1', 'file', 'PR', { value: 'junk' });
    expect(check(bad, ['value-block']).violations[0]!.message).toContain('but nothing was written to it yet (a fresh resource reads as "")');
  });

  it('destroys the value block with the resource when its last lock goes', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { value: '' })
      .lvbWrite(10, 'c1', 'file', 'v1')
      .release(10, 'c1', 'file')
      .grant(20, 'c2', 'file', 'PR', { value: '' });
    expect(check(s, ['value-block']).violations).toEqual([]);
  });

  it('keeps the value while a queued request keeps the resource alive', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { value: '' })
      .enqueue(5, 'c2', 'file', 'PR')
      .lvbWrite(10, 'c1', 'file', 'v1')
      .release(10, 'c1', 'file')
      .grant(10, 'c2', 'file', 'PR', { value: '' });
    const { violations } = check(s, ['value-block']);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toContain('but the last value written is "v1"');
  });

  it('judges the completion against what the grant handed out', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { value: '' })
      .lvbWrite(10, 'c1', 'file', 'v1')
      .grant(10, 'c1', 'file', 'NL')
      .grant(20, 'c2', 'file', 'PR', { value: 'v1' })
      .complete(25, 'c2', 'file', 'GRANTED', { mode: 'PR', value: 'v0' });
    const { violations } = check(s, ['value-block']);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toBe('c2 learned it was GRANTED PR on file at 25.0 ms with value block "v0", but the last value written is "v1" (by c1 at 10.0 ms)');
    expect(violations[0]!.atUs).toBe(25_000);
  });

  it('does not judge conversions that write the value block or leave it alone', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { value: '' })
      .grant(10, 'c1', 'file', 'PR', { value: 'mine' })
      .complete(11, 'c1', 'file', 'GRANTED', { mode: 'PR', value: 'mine' })
      .grant(20, 'c1', 'file', 'NL', { value: 'mine' });
    expect(check(s, ['value-block']).violations).toEqual([]);
  });

  it('does not invalidate for a dying holder that never used VALBLK, nor for a PR holder', () => {
    const s = new Stream()
      .request(0, 'c1', 'file', 'lock', 'EX')
      .grant(1, 'c1', 'file', 'EX')
      .grant(2, 'c9', 'file', 'NL', { value: '' })
      .release(100, 'c1', 'file', 'purge')
      .grant(200, 'c3', 'file', 'PR', { value: '' })
      .expire(300, 'c3', 'file')
      .grant(400, 'c2', 'file', 'PR', { value: '' });
    expect(check(s, ['value-block']).violations).toEqual([]);
  });

  it('keeps the resource and its value block alive through a demotion to NL', () => {
    const s = new Stream()
      .grant(0, 'c0', 'file', 'EX', { value: '' })
      .lvbWrite(5, 'c0', 'file', 'v1')
      .grant(5, 'c0', 'file', 'NL')
      .grant(6, 'c1', 'file', 'PR', { value: 'v1' })
      .release(7, 'c0', 'file')
      .release(10, 'c1', 'file', 'demote')
      .grant(20, 'c2', 'file', 'PR', { value: 'v1' });
    expect(check(s, ['value-block']).violations).toEqual([]);
  });
});
