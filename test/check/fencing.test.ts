import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

describe('fencing', () => {
  it('fires when storage ignoring tokens accepts 33 after 34 (S02 without the fix)', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { token: 33 })
      .expire(10_000, 'c1', 'file')
      .grant(10_100, 'c2', 'file', 'EX', { token: 34 })
      .write(10_300, 'c2', 'file', 'v1', 34)
      .write(15_300, 'c1', 'file', 'v0+d1', 33);
    const { violations } = check(s, ['fencing']);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ invariant: 'fencing', atUs: 15_300_000, resource: 'file', nodes: ['c1', 'c2'] });
    expect(violations[0]!.message).toBe("storage accepted c1's write to file with token 33 at 15300.0 ms after accepting token 34 from c2 at 10300.0 ms");
  });

  it('is silent for the fixed S02 run (the late write is rejected) and for repeated equal tokens', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { token: 33 })
      .write(100, 'c1', 'file', 'a', 33)
      .write(200, 'c1', 'file', 'b', 33)
      .expire(10_000, 'c1', 'file')
      .grant(10_100, 'c2', 'file', 'EX', { token: 34 })
      .write(10_300, 'c2', 'file', 'v1', 34)
      .add(15_300, 'reject', { client: 'c1', resource: 'file', value: 'v0+d1', token: 33, highest: 34 });
    expect(check(s, ['fencing']).violations).toEqual([]);
  });

  it('fires when the service does not increment the token', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { token: 7 })
      .release(50, 'c1', 'file')
      .grant(60, 'c2', 'file', 'EX', { token: 7 });
    const { violations } = check(s, ['fencing']);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ atUs: 60_000, nodes: ['c2', 'c1'] });
    expect(violations[0]!.message).toBe('m1 issued token 7 to c2 for file at 60.0 ms, not above token 7 issued to c1 at 0.0 ms: tokens must strictly increase in grant order');
  });

  it('fires when a token goes backwards, even to the same client', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX', { token: 9 }).release(1, 'c1', 'file').grant(2, 'c1', 'file', 'EX', { token: 8 });
    const { violations } = check(s, ['fencing']);
    expect(violations.map((v) => v.nodes)).toEqual([['c1']]);
  });

  it("allows a grant to restate the token of the client's own live grant (recovery rebuild)", () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX', { token: 5 }).grant(3_000, 'c1', 'file', 'EX', { token: 5 }, 'm2');
    expect(check(s, ['fencing']).violations).toEqual([]);
  });

  it('keeps tokens per resource and ignores grants and writes without tokens', () => {
    const s = new Stream()
      .grant(0, 'c1', 'a', 'EX', { token: 10 })
      .grant(1, 'c2', 'b', 'EX', { token: 1 })
      .grant(2, 'c3', 'c', 'PR')
      .write(3, 'c1', 'a', 'x', 10)
      .write(4, 'c2', 'b', 'y', 1)
      .write(5, 'c3', 'a', 'z');
    expect(check(s, ['fencing']).violations).toEqual([]);
  });
});
