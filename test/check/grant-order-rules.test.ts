/**
 * Rules of the `grant-order` invariant (src/check/grant-order.ts) beyond grant-order.test.ts: a
 * recovery grant is exempt even ahead of the queue, a released lock leaves its queue unless the
 * release is a CONVDEADLK demotion, only lock/convert requests set the flags a grant is judged by,
 * EXPEDITE exempts only NL, NOORDER and EXPEDITE exempt a waiting request, and a checker built
 * without a shared table keeps its own.
 */
import { describe, expect, it } from 'vitest';
import { GrantOrderChecker, readEvent, type Violation } from '../../src/check/index.js';
import { Stream, check } from './stream.js';

const offenders = (s: Stream): string[][] => check(s, ['grant-order']).violations.map((v) => v.nodes);

describe('grant-order rules', () => {
  it('does not judge a recovery grant even when it overtakes a queued conversion', () => {
    const base = () => new Stream().grant(0, 'c1', 'file', 'PR').grant(1, 'c2', 'file', 'PR')
      .enqueue(10, 'c1', 'file', 'EX', 'converting').enqueue(11, 'c2', 'file', 'EX', 'converting');
    expect(offenders(base().grant(60, 'c2', 'file', 'EX', { recovery: true }))).toEqual([]);
    expect(offenders(base().grant(60, 'c2', 'file', 'EX'))).toEqual([['c2', 'c1']]);
  });

  it('takes a released or expired lock off the conversion queue, but keeps a demoted (CONVDEADLK) one queued', () => {
    const base = () => new Stream().grant(0, 'c1', 'file', 'PR').grant(1, 'c2', 'file', 'PR').grant(2, 'c3', 'file', 'PR')
      .enqueue(10, 'c1', 'file', 'EX', 'converting').enqueue(11, 'c2', 'file', 'EX', 'converting');
    expect(offenders(base().release(20, 'c1', 'file').release(21, 'c3', 'file').grant(21, 'c2', 'file', 'EX'))).toEqual([]);
    expect(offenders(base().expire(20, 'c1', 'file').release(21, 'c3', 'file').grant(21, 'c2', 'file', 'EX'))).toEqual([]);
    expect(offenders(base().release(20, 'c1', 'file', 'demote').release(21, 'c3', 'file').grant(21, 'c2', 'file', 'EX'))).toEqual([['c2', 'c1']]);
  });

  it('judges an immediate grant by the flags of the lock request, not of a later cancel or unlock request', () => {
    const base = () => new Stream().grant(0, 'c1', 'file', 'EX').enqueue(10, 'c2', 'file', 'PR')
      .request(15, 'c3', 'file', 'lock', 'CR', ['NOORDER']);
    expect(offenders(base().request(15.5, 'c3', 'file', 'cancel').grant(16, 'c3', 'file', 'CR'))).toEqual([]);
    expect(offenders(base().request(15.5, 'c3', 'file', 'unlock').grant(16, 'c3', 'file', 'CR'))).toEqual([]);
  });

  it('exempts an immediate EXPEDITE grant from rule N only for NL', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'EX').enqueue(10, 'c2', 'file', 'PR')
      .request(15, 'c3', 'file', 'lock', 'CR', ['EXPEDITE']).grant(16, 'c3', 'file', 'CR');
    expect(offenders(s)).toEqual([['c3', 'c2']]);
  });

  it('lets a waiting request queued with NOORDER or EXPEDITE be granted ahead of earlier waiting requests (rule NW exemption)', () => {
    const overtaking = (flags: string[]) => new Stream().grant(0, 'c1', 'file', 'EX').enqueue(10, 'c2', 'file', 'EX')
      .enqueue(11, 'c3', 'file', 'PR', 'waiting', flags).release(20, 'c1', 'file').grant(20, 'c3', 'file', 'PR');
    expect(offenders(overtaking(['NOORDER']))).toEqual([]);
    expect(offenders(overtaking(['EXPEDITE']))).toEqual([]);
    expect(offenders(overtaking([]))).toEqual([['c3', 'c2']]);
  });

  it('keeps its own table when built without one: it knows the mode a QUECVT conversion held', () => {
    const checker = new GrantOrderChecker();
    const found: Violation[] = [];
    const sink = { violation: (v: Violation) => found.push(v), observation: () => {} };
    const s = new Stream().grant(0, 'c1', 'file', 'NL').grant(1, 'c2', 'file', 'CR').grant(2, 'c3', 'file', 'PW')
      .enqueue(10, 'c1', 'file', 'PR', 'converting').request(20, 'c2', 'file', 'convert', 'CW', ['QUECVT']).grant(21, 'c2', 'file', 'CW');
    for (const raw of s.events) checker.onEvent(readEvent(raw)!, sink);
    expect(found.map((v) => v.message)).toEqual([
      "m1 granted c2's conversion from CR to CW with QUECVT, immediately, on file at 21.0 ms ahead of c1's queued conversion to PR (queued at 10.0 ms) (QUECVT: a conversion waits behind queued conversions)",
    ]);
  });
});
