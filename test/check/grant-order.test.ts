import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

describe('grant-order', () => {
  it('fires when a waiting request is granted past FIFO', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX')
      .enqueue(10, 'c2', 'file', 'EX')
      .enqueue(20, 'c3', 'file', 'PR')
      .release(30, 'c1', 'file')
      .grant(30, 'c3', 'file', 'PR');
    const { violations } = check(s, ['grant-order']);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ invariant: 'grant-order', atUs: 30_000, resource: 'file', nodes: ['c3', 'c2'] });
    expect(violations[0]!.message).toBe(
      "m1 granted c3's waiting request for PR on file at 30.0 ms ahead of c2's waiting request for EX (queued at 10.0 ms) (rules P/NW: queued conversions first, then waiting requests in FIFO order)",
    );
  });

  it('is silent for FIFO grants, conversions first, and cancelled heads', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'PR')
      .grant(1, 'c2', 'file', 'PR')
      .enqueue(10, 'c3', 'file', 'EX')
      .enqueue(11, 'c4', 'file', 'PR')
      .enqueue(12, 'c1', 'file', 'EX', 'converting')
      .release(20, 'c2', 'file')
      .grant(20, 'c1', 'file', 'EX')
      .dequeue(25, 'c3', 'file', 'cancel')
      .release(30, 'c1', 'file')
      .grant(30, 'c4', 'file', 'PR');
    expect(check(s, ['grant-order']).violations).toEqual([]);
  });

  it('fires when a waiting request is granted while a conversion is queued (rule P)', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'PR')
      .grant(1, 'c2', 'file', 'PR')
      .enqueue(10, 'c1', 'file', 'EX', 'converting')
      .enqueue(11, 'c3', 'file', 'CR')
      .grant(12, 'c3', 'file', 'CR');
    const { violations } = check(s, ['grant-order']);
    expect(violations.map((v) => v.nodes)).toEqual([['c3', 'c1']]);
    expect(violations[0]!.message).toContain("ahead of c1's queued conversion to EX (queued at 10.0 ms)");
  });

  it('fires when a queued conversion overtakes an earlier one (rule CQ), unless NOORDER', () => {
    const base = () =>
      new Stream()
        .grant(0, 'c1', 'file', 'NL')
        .grant(1, 'c2', 'file', 'CR')
        .grant(2, 'c3', 'file', 'PR')
        .enqueue(10, 'c1', 'file', 'EX', 'converting');
    const bad = base().enqueue(11, 'c2', 'file', 'PW', 'converting').release(20, 'c3', 'file').grant(20, 'c2', 'file', 'PW');
    const { violations } = check(bad, ['grant-order']);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toBe(
      "m1 granted c2's queued conversion to PW on file at 20.0 ms ahead of c1's queued conversion to EX (queued at 10.0 ms) (rule CQ: conversions are granted in queue order)",
    );
    const noorder = base().enqueue(11, 'c2', 'file', 'PW', 'converting', ['NOORDER']).release(20, 'c3', 'file').grant(20, 'c2', 'file', 'PW');
    expect(check(noorder, ['grant-order']).violations).toEqual([]);
  });

  it('fires on an immediate grant of a new request while anything is queued (rule N), except EXPEDITE NL and NOORDER', () => {
    const base = () => new Stream().grant(0, 'c1', 'file', 'EX').enqueue(10, 'c2', 'file', 'PR');
    const bad = base().request(15, 'c3', 'file', 'lock', 'NL').grant(16, 'c3', 'file', 'NL');
    const { violations } = check(bad, ['grant-order']);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toBe(
      "m1 granted c3's new request for NL, immediately, on file at 16.0 ms ahead of c2's waiting request for PR (queued at 10.0 ms) (rule N: a new request is granted at once only when both queues are empty)",
    );
    const expedite = base().request(15, 'c3', 'file', 'lock', 'NL', ['EXPEDITE']).grant(16, 'c3', 'file', 'NL');
    expect(check(expedite, ['grant-order']).violations).toEqual([]);
    const noorder = base().request(15, 'c3', 'file', 'lock', 'CR', ['NOORDER']).grant(16, 'c3', 'file', 'CR');
    expect(check(noorder, ['grant-order']).violations).toEqual([]);
  });

  it('lets an immediate conversion overtake the queues (rule C), but not with QUECVT behind a queued conversion', () => {
    const base = () =>
      new Stream()
        .grant(0, 'c1', 'file', 'NL')
        .grant(1, 'c2', 'file', 'CR')
        .grant(2, 'c3', 'file', 'PW')
        .enqueue(10, 'c1', 'file', 'PR', 'converting')
        .enqueue(11, 'c4', 'file', 'EX');
    const plain = base().request(20, 'c2', 'file', 'convert', 'NL').grant(21, 'c2', 'file', 'NL');
    expect(check(plain, ['grant-order']).violations).toEqual([]);
    const quecvt = base().request(20, 'c2', 'file', 'convert', 'CW', ['QUECVT']).grant(21, 'c2', 'file', 'CW');
    const { violations } = check(quecvt, ['grant-order']);
    expect(violations.map((v) => v.nodes)).toEqual([['c2', 'c1']]);
    expect(violations[0]!.message).toContain('(QUECVT: a conversion waits behind queued conversions)');
  });

  it('honours HEADQUE and re-enqueues', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX')
      .enqueue(10, 'c2', 'file', 'EX')
      .enqueue(11, 'c3', 'file', 'EX', 'waiting', ['HEADQUE'])
      .release(20, 'c1', 'file')
      .grant(20, 'c3', 'file', 'EX');
    expect(check(s, ['grant-order']).violations).toEqual([]);
  });

  it('does not judge recovery grants, nor protocols that never enqueue', () => {
    const recovery = new Stream()
      .grant(0, 'c1', 'file', 'PR')
      .grant(1, 'c2', 'file', 'PR')
      .enqueue(10, 'c1', 'file', 'EX', 'converting')
      .enqueue(11, 'c2', 'file', 'EX', 'converting')
      .release(50, 'c1', 'file', 'purge')
      .grant(60, 'c2', 'file', 'EX', { recovery: true });
    expect(check(recovery, ['grant-order']).violations).toEqual([]);
    const redlock = new Stream().grant(0, 'c1', 'file', 'EX', {}, 'c1').expire(10, 'c1', 'file').grant(20, 'c2', 'file', 'EX', {}, 'c2');
    expect(check(redlock, ['grant-order']).violations).toEqual([]);
  });

  it('keeps a demoted (CONVDEADLK) conversion queued at NL, still ahead of waiting requests', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'PR')
      .grant(0, 'c2', 'file', 'PR')
      .enqueue(10, 'c1', 'file', 'EX', 'converting')
      .enqueue(20, 'c2', 'file', 'EX', 'converting', ['CONVDEADLK'])
      .enqueue(21, 'c3', 'file', 'PR')
      .release(22, 'c2', 'file', 'demote')
      .grant(22, 'c1', 'file', 'EX')
      .release(30, 'c1', 'file')
      .grant(30, 'c2', 'file', 'EX');
    expect(check(s, ['grant-order']).violations).toEqual([]);
  });
});
