/**
 * The mutual-exclusion and stale-write rules one at a time, each pinned by an exact outcome: which
 * holders a grant is judged against and in what order they are named, and how the end of a hold
 * (release, expiry, conversion down, demotion) is told in a stale write's message. Each case is one
 * a mutant of src/check would get wrong (`npm run mutants`).
 */
import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

describe('mutual-exclusion: who a grant is judged against', () => {
  it('names conflicting holders in the order their grants became live, not the order they were first held', () => {
    // c1 is demoted to NL (it stays a holder, first in line) and granted PR again after c2.
    const s = new Stream()
      .grant(0, 'c1', 'file', 'PR')
      .grant(1, 'c2', 'file', 'PR')
      .release(2, 'c1', 'file', 'demote')
      .grant(3, 'c1', 'file', 'PR')
      .grant(4, 'c3', 'file', 'EX');
    expect(check(s, ['mutual-exclusion']).violations).toEqual([
      {
        invariant: 'mutual-exclusion',
        atUs: 4_000,
        message: 'm1 granted EX on file to c3 at 4.0 ms while c2 holds PR (granted at 1.0 ms), c1 holds PR (granted at 3.0 ms): incompatible modes',
        resource: 'file',
        nodes: ['c3', 'c2', 'c1'],
        seq: 5,
      },
    ]);
  });

  it('does not judge against a demoted lock (NL, its grant ended)', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX').release(1, 'c1', 'file', 'demote').grant(2, 'c2', 'file', 'EX');
    expect(check(s, ['mutual-exclusion']).violations).toEqual([]);
  });

  it('judges a grant against every other live holder, the first one included', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'CW').grant(1, 'c2', 'file', 'CR').grant(2, 'c3', 'file', 'PR');
    expect(check(s, ['mutual-exclusion']).violations.map((v) => v.nodes)).toEqual([['c3', 'c1']]);
  });
});

describe('stale-write: how the end of a hold is told', () => {
  it('tells the first end of a hold, not a later duplicate end (an expiry, then a purge)', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX')
      .expire(10, 'c1', 'file')
      .release(20, 'c1', 'file', 'purge')
      .write(30, 'c1', 'file', 'late');
    expect(check(s, ['stale-write']).violations).toEqual([
      {
        invariant: 'stale-write',
        atUs: 30_000,
        message: "storage accepted c1's write (no token) at 30.0 ms, but c1's lock on file ended at 10.0 ms (expired)",
        resource: 'file',
        nodes: ['c1'],
        seq: 4,
      },
    ]);
  });

  it('does not count a conversion between two read modes as the end of a write lock', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'PR').grant(5, 'c1', 'file', 'NL').write(10, 'c1', 'file', 'x');
    expect(check(s, ['stale-write']).violations.map((v) => v.message)).toEqual([
      "storage accepted c1's write (no token) at 10.0 ms while c1 held only NL on file (since 5.0 ms), which does not permit writing",
    ]);
  });

  it('does not count the release of a read-only hold as the end of a write lock', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'PR').release(5, 'c1', 'file').grant(10, 'c1', 'file', 'CR').write(15, 'c1', 'file', 'x');
    expect(check(s, ['stale-write']).violations.map((v) => v.message)).toEqual([
      "storage accepted c1's write (no token) at 15.0 ms while c1 held only CR on file (since 10.0 ms), which does not permit writing",
    ]);
  });

  it('remembers the release of a write hold across a later read-only grant', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'PW').release(5, 'c1', 'file', 'cancel').grant(10, 'c1', 'file', 'PR').write(15, 'c1', 'file', 'x', 4);
    expect(check(s, ['stale-write']).violations.map((v) => v.message)).toEqual([
      "storage accepted c1's write (token 4) at 15.0 ms, but c1's PW lock on file ended at 5.0 ms (released: cancel)",
    ]);
  });

  it('tells a demotion as a release, and leaves NL holders out of the list of other holders', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX')
      .release(5, 'c1', 'file', 'demote')
      .grant(6, 'c2', 'file', 'NL')
      .grant(7, 'c3', 'file', 'CR')
      .write(9, 'c1', 'file', 'x');
    expect(check(s, ['stale-write']).violations).toEqual([
      {
        invariant: 'stale-write',
        atUs: 9_000,
        message: "storage accepted c1's write (no token) at 9.0 ms, but c1's lock on file ended at 5.0 ms (released: demote); c3 holds CR since 7.0 ms",
        resource: 'file',
        nodes: ['c1', 'c3'],
        seq: 5,
      },
    ]);
  });

  it('lists every other live holder, in grant order', () => {
    const s = new Stream()
      .grant(0, 'c2', 'file', 'CR')
      .grant(1, 'c3', 'file', 'PR')
      .write(2, 'c1', 'file', 'x');
    expect(check(s, ['stale-write']).violations.map((v) => [v.message, v.nodes])).toEqual([
      ["storage accepted c1's write (no token) at 2.0 ms without c1 ever holding a lock on file; c2 holds CR since 0.0 ms, c3 holds PR since 1.0 ms", ['c1', 'c2', 'c3']],
    ]);
  });
});
