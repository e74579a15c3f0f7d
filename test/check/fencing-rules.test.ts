/**
 * The fencing rules one at a time, each pinned by an exact outcome: which grant or write is judged,
 * against which earlier token, and who the message names. Each case is one a mutant of
 * src/check/fencing.ts would get wrong (`npm run mutants`).
 */
import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

const fencingOf = (s: Stream) => check(s, ['fencing']).violations;

describe('fencing: the highest issued token', () => {
  it('accepts token 0 on the first grant of a resource (nothing was issued before it)', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX', { token: 0 });
    expect(fencingOf(s)).toEqual([]);
  });

  it('does not let a grant without a token set the bar: a later drop from 5 to 3 is still caught', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'PR')
      .release(1, 'c1', 'file')
      .grant(2, 'c2', 'file', 'EX', { token: 5 })
      .release(3, 'c2', 'file')
      .grant(4, 'c3', 'file', 'EX', { token: 3 });
    expect(fencingOf(s)).toEqual([
      {
        invariant: 'fencing',
        atUs: 4_000,
        message: 'm1 issued token 3 to c3 for file at 4.0 ms, not above token 5 issued to c2 at 2.0 ms: tokens must strictly increase in grant order',
        resource: 'file',
        nodes: ['c3', 'c2'],
        seq: 5,
      },
    ]);
  });

  it('keeps the highest token after a violation: a lower token does not lower the bar', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { token: 5 })
      .release(1, 'c1', 'file')
      .grant(2, 'c2', 'file', 'EX', { token: 3 })
      .release(3, 'c2', 'file')
      .grant(4, 'c3', 'file', 'EX', { token: 4 });
    expect(fencingOf(s).map((v) => v.message)).toEqual([
      'm1 issued token 3 to c2 for file at 2.0 ms, not above token 5 issued to c1 at 0.0 ms: tokens must strictly increase in grant order',
      'm1 issued token 4 to c3 for file at 4.0 ms, not above token 5 issued to c1 at 0.0 ms: tokens must strictly increase in grant order',
    ]);
  });

  it('raises the bar on every higher token, not only the first', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { token: 5 })
      .release(1, 'c1', 'file')
      .grant(2, 'c2', 'file', 'EX', { token: 7 })
      .release(3, 'c2', 'file')
      .grant(4, 'c3', 'file', 'EX', { token: 6 });
    expect(fencingOf(s).map((v) => v.message)).toEqual([
      'm1 issued token 6 to c3 for file at 4.0 ms, not above token 7 issued to c2 at 2.0 ms: tokens must strictly increase in grant order',
    ]);
  });

  it('keeps the first issuer of a token when the same token is restated: messages name the original grant', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { token: 5 })
      .grant(10, 'c1', 'file', 'EX', { token: 5 }, 'm2')
      .release(20, 'c1', 'file')
      .grant(30, 'c2', 'file', 'EX', { token: 4 });
    expect(fencingOf(s).map((v) => v.message)).toEqual([
      'm1 issued token 4 to c2 for file at 30.0 ms, not above token 5 issued to c1 at 0.0 ms: tokens must strictly increase in grant order',
    ]);
  });
});

describe('fencing: restating the token of a live grant', () => {
  it("rejects a grant equal to the highest token when it is not the client's own live token", () => {
    // c1 holds PR with token 3 and c2 PR with token 5; c1 then gets 5, c2's token: equal is not a restatement.
    const s = new Stream()
      .grant(0, 'c1', 'file', 'PR', { token: 3 })
      .grant(1, 'c2', 'file', 'PR', { token: 5 })
      .grant(2, 'c1', 'file', 'PR', { token: 5 });
    expect(fencingOf(s)).toEqual([
      {
        invariant: 'fencing',
        atUs: 2_000,
        message: 'm1 issued token 5 to c1 for file at 2.0 ms, not above token 5 issued to c2 at 1.0 ms: tokens must strictly increase in grant order',
        resource: 'file',
        nodes: ['c1', 'c2'],
        seq: 3,
      },
    ]);
  });

  it("rejects a client's own live token restated once a higher one was issued (lower never)", () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'PR', { token: 3 })
      .grant(1, 'c2', 'file', 'PR', { token: 5 })
      .grant(2, 'c1', 'file', 'PR', { token: 3 }, 'm2');
    expect(fencingOf(s).map((v) => [v.atUs, v.nodes])).toEqual([[2_000, ['c1', 'c2']]]);
  });

  it('rejects restating a token whose grant was released (only a live grant may be restated)', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', { token: 5 })
      .release(1, 'c1', 'file')
      .grant(2, 'c1', 'file', 'EX', { token: 5 });
    expect(fencingOf(s).map((v) => [v.atUs, v.nodes])).toEqual([[2_000, ['c1']]]);
  });
});

describe('fencing: the highest accepted write', () => {
  it('does not let a write without a token set the bar: 5 then 3 is still caught', () => {
    const s = new Stream().write(0, 'c1', 'file', 'a').write(1, 'c2', 'file', 'b', 5).write(2, 'c3', 'file', 'c', 3);
    expect(fencingOf(s)).toEqual([
      {
        invariant: 'fencing',
        atUs: 2_000,
        message: "storage accepted c3's write to file with token 3 at 2.0 ms after accepting token 5 from c2 at 1.0 ms",
        resource: 'file',
        nodes: ['c3', 'c2'],
        seq: 3,
      },
    ]);
  });

  it('names the offender once when it is also the one whose higher write was accepted', () => {
    const s = new Stream().write(0, 'c1', 'file', 'a', 5).write(1, 'c1', 'file', 'b', 3);
    expect(fencingOf(s).map((v) => v.nodes)).toEqual([['c1']]);
  });

  it('keeps the first acceptance of a token: an equal later write does not replace it in the message', () => {
    const s = new Stream().write(0, 'c1', 'file', 'a', 5).write(1, 'c2', 'file', 'b', 5).write(2, 'c3', 'file', 'c', 3);
    expect(fencingOf(s).map((v) => v.message)).toEqual([
      "storage accepted c3's write to file with token 3 at 2.0 ms after accepting token 5 from c1 at 0.0 ms",
    ]);
  });

  it('takes the first accepted token as the bar whatever its value: nothing was accepted before it', () => {
    const s = new Stream().write(0, 'c1', 'file', 'a', -5).write(1, 'c2', 'file', 'b', -6);
    expect(fencingOf(s).map((v) => v.message)).toEqual([
      "storage accepted c2's write to file with token -6 at 1.0 ms after accepting token -5 from c1 at 0.0 ms",
    ]);
  });

  it('raises the accepted bar on every higher token', () => {
    const s = new Stream().write(0, 'c1', 'file', 'a', 5).write(1, 'c2', 'file', 'b', 7).write(2, 'c3', 'file', 'c', 6);
    expect(fencingOf(s).map((v) => v.message)).toEqual([
      "storage accepted c3's write to file with token 6 at 2.0 ms after accepting token 7 from c2 at 1.0 ms",
    ]);
  });
});
