import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

/** S01/S02: c1 holds EX (token 33) and pauses past its lease; c2 takes over with token 34. */
function s01(): Stream {
  return new Stream()
    .grant(0, 'c1', 'file', 'EX', { token: 33 })
    .expire(10_000, 'c1', 'file')
    .grant(10_100, 'c2', 'file', 'EX', { token: 34 })
    .write(10_300, 'c2', 'file', 'v1', 34);
}

describe('stale-write', () => {
  it('fires when storage ignoring tokens accepts the paused holder’s late write (S01)', () => {
    const s = s01().write(15_300, 'c1', 'file', 'v0+d1', 33);
    const { violations } = check(s, ['stale-write']);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ invariant: 'stale-write', atUs: 15_300_000, resource: 'file', nodes: ['c1', 'c2'] });
    expect(violations[0]!.message).toBe(
      "storage accepted c1's write (token 33) at 15300.0 ms, but c1's lock on file ended at 10000.0 ms (expired); c2 holds EX since 10100.0 ms",
    );
  });

  it('stays silent when the fenced storage rejects the late write (S02)', () => {
    const s = s01().add(15_300, 'reject', { client: 'c1', resource: 'file', value: 'v0+d1', token: 33, highest: 34 });
    expect(check(s, ['stale-write']).violations).toEqual([]);
  });

  it('names how the lock ended: released by unlock', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'PW').write(5, 'c1', 'file', 'a').release(10, 'c1', 'file', 'unlock').write(20, 'c1', 'file', 'b');
    const { violations } = check(s, ['stale-write']);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toBe("storage accepted c1's write (no token) at 20.0 ms, but c1's lock on file ended at 10.0 ms (released: unlock)");
    expect(violations[0]!.nodes).toEqual(['c1']);
  });

  it('fires for a write without ever holding the resource', () => {
    const s = new Stream().grant(0, 'c1', 'other', 'EX').write(500, 'c3', 'file', 'x');
    const { violations } = check(s, ['stale-write']);
    expect(violations[0]!.message).toBe("storage accepted c3's write (no token) at 500.0 ms without c3 ever holding a lock on file");
  });

  it('treats a conversion down to a read mode as the end of the write lock', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX').grant(50, 'c1', 'file', 'PR').write(60, 'c1', 'file', 'x');
    const { violations } = check(s, ['stale-write']);
    expect(violations[0]!.message).toBe("storage accepted c1's write (no token) at 60.0 ms, but c1's EX lock on file ended at 50.0 ms (converted to PR)");
  });

  it('fires for a write under a read-only mode that never permitted writing', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'PR').write(60, 'c1', 'file', 'x');
    const { violations } = check(s, ['stale-write']);
    expect(violations[0]!.message).toBe("storage accepted c1's write (no token) at 60.0 ms while c1 held only PR on file (since 0.0 ms), which does not permit writing");
  });

  it('accepts writes under CW, PW and EX, and after a re-grant', () => {
    const s = new Stream()
      .grant(0, 'c1', 'a', 'CW').write(1, 'c1', 'a', 'x')
      .grant(2, 'c2', 'b', 'PW').write(3, 'c2', 'b', 'y')
      .grant(4, 'c3', 'c', 'EX').write(5, 'c3', 'c', 'z')
      .expire(6, 'c3', 'c').grant(7, 'c3', 'c', 'EX').write(8, 'c3', 'c', 'w');
    expect(check(s, ['stale-write']).violations).toEqual([]);
  });

  it('judges in true time: a write delayed past a purge is stale (S01 variant C)', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX').release(9_500, 'c1', 'file', 'purge').write(99_000, 'c1', 'file', 'late');
    expect(check(s, ['stale-write']).violations[0]!.message).toContain("c1's lock on file ended at 9500.0 ms (released: purge)");
  });
});
