import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

describe('mutual-exclusion', () => {
  it('fires when a wrong matrix entry grants PR beside EX, naming both clients and modes', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX').grant(100, 'c2', 'file', 'PR');
    const { violations } = check(s, ['mutual-exclusion']);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ invariant: 'mutual-exclusion', atUs: 100_000, resource: 'file', nodes: ['c2', 'c1'], seq: 2 });
    expect(violations[0]!.message).toBe('m1 granted PR on file to c2 at 100.0 ms while c1 holds EX (granted at 0.0 ms): incompatible modes');
  });

  it('stays silent for pairwise compatible grants (PR, PR, CR, NL) and after releases', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'PR')
      .grant(1, 'c2', 'file', 'PR')
      .grant(2, 'c3', 'file', 'CR')
      .grant(3, 'c4', 'file', 'NL')
      .release(4, 'c1', 'file')
      .release(5, 'c2', 'file')
      .grant(6, 'c5', 'file', 'PW')
      .grant(7, 'c4', 'other', 'EX');
    expect(check(s, ['mutual-exclusion']).violations).toEqual([]);
  });

  it('treats an expired grant as ended (S01 at the service: INV-ME-grant holds)', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX').expire(10_000, 'c1', 'file').grant(10_100, 'c2', 'file', 'EX');
    expect(check(s, ['mutual-exclusion']).violations).toEqual([]);
  });

  it('fires when the service grants before the old lease has expired', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX').grant(9_000, 'c2', 'file', 'EX').expire(10_000, 'c1', 'file');
    const { violations } = check(s, ['mutual-exclusion']);
    expect(violations.map((v) => [v.atUs, v.nodes])).toEqual([[9_000_000, ['c2', 'c1']]]);
  });

  it("replaces a client's own mode on conversion, but judges the new mode against others", () => {
    const own = new Stream().grant(0, 'c1', 'file', 'PR').grant(10, 'c1', 'file', 'EX');
    expect(check(own, ['mutual-exclusion']).violations).toEqual([]);
    const other = new Stream().grant(0, 'c1', 'file', 'PR').grant(5, 'c2', 'file', 'PR').grant(10, 'c1', 'file', 'EX');
    const { violations } = check(other, ['mutual-exclusion']);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toContain('granted EX on file to c1 at 10.0 ms while c2 holds PR (granted at 5.0 ms)');
  });

  it('names every conflicting holder in one violation', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'PR').grant(1, 'c2', 'file', 'CR').grant(2, 'c3', 'file', 'PR').grant(3, 'c4', 'file', 'CW');
    const { violations } = check(s, ['mutual-exclusion']);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.nodes).toEqual(['c4', 'c1', 'c3']);
    expect(violations[0]!.message).toContain('while c1 holds PR (granted at 0.0 ms), c3 holds PR (granted at 2.0 ms)');
  });

  it('keeps resources apart', () => {
    const s = new Stream().grant(0, 'c1', 'a', 'EX').grant(1, 'c2', 'b', 'EX');
    expect(check(s, ['mutual-exclusion']).violations).toEqual([]);
  });
});
