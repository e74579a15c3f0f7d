import { describe, expect, it } from 'vitest';
import { EarlyExpiryChecker, readEvent, type Violation } from '../../src/check/index.js';
import { Stream, check } from './stream.js';

/** c1 (lease-checking) is granted EX on file at 10 ms, learns it at 12 ms, and is expired at `expireMs`, lapsing at `lapseMs`. */
function expiredThenLapsed(expireMs: number, lapseMs: number): Stream {
  const s = new Stream().request(0, 'c1', 'file', 'lock', 'EX').grant(10, 'c1', 'file', 'EX').complete(12, 'c1', 'file', 'GRANTED', { mode: 'EX' });
  return expireMs <= lapseMs ? s.expire(expireMs, 'c1', 'file').lapse(lapseMs, 'c1', 'file') : s.lapse(lapseMs, 'c1', 'file').expire(expireMs, 'c1', 'file');
}

function earlyExpiry(s: Stream, endMs?: number): Violation[] {
  return check(s, ['early-expiry'], { leaseChecking: ['c1'], ...(endMs !== undefined ? { endMs } : {}) }).violations;
}

describe('early-expiry', () => {
  it('fires when the service expires a lock before its lease-checking holder lapses (a service lease at half length)', () => {
    const violations = earlyExpiry(expiredThenLapsed(5_010, 10_000));
    expect(violations).toEqual([
      {
        invariant: 'early-expiry',
        atUs: 5_010_000,
        message: "m1 expired c1's lock on file at 5010.0 ms while c1's own lease on it still ran: its own lease lapsed only at 10000.0 ms",
        resource: 'file',
        nodes: ['c1'],
      },
    ]);
  });

  it('fires on a lapse only 3 ms after the expiry (a client lease counted from the ack)', () => {
    expect(earlyExpiry(expiredThenLapsed(10_010, 10_013)).map((v) => v.atUs)).toEqual([10_010_000]);
  });

  it('is silent when the holder lapses first, or at the same instant as the expiry', () => {
    expect(earlyExpiry(expiredThenLapsed(10_010, 10_006))).toEqual([]);
    expect(earlyExpiry(expiredThenLapsed(10_010, 10_010))).toEqual([]);
  });

  it('fires when the belief ends without a lapse after the expiry: by unlock, by a crash, or at the end of the run', () => {
    const granted = (): Stream => new Stream().grant(10, 'c1', 'file', 'EX').complete(12, 'c1', 'file', 'GRANTED', { mode: 'EX' }).expire(5_000, 'c1', 'file');
    const unlocked = earlyExpiry(granted().request(6_000, 'c1', 'file', 'unlock'));
    expect(unlocked.map((v) => v.message)).toEqual([
      "m1 expired c1's lock on file at 5000.0 ms while c1's own lease on it still ran: it still trusted its lease until 6000.0 ms (no lapse)",
    ]);
    expect(earlyExpiry(granted().crash(7_000, 'c1')).map((v) => v.message)).toEqual([
      "m1 expired c1's lock on file at 5000.0 ms while c1's own lease on it still ran: it still trusted its lease until 7000.0 ms (no lapse)",
    ]);
    expect(earlyExpiry(granted(), 9_000).map((v) => [v.atUs, v.message.endsWith('until 9000.0 ms (no lapse)')])).toEqual([[5_000_000, true]]);
  });

  it('judges only lease-checking clients, and only locks their client believes it holds', () => {
    const s = expiredThenLapsed(5_010, 10_000);
    expect(check(s, ['early-expiry'], { leaseChecking: [] }).violations).toEqual([]);
    // Expired before c1 learned of the grant, or after it unlocked: no lease of c1's ran.
    const unlearned = new Stream().grant(10, 'c1', 'file', 'EX').expire(5_000, 'c1', 'file').complete(5_003, 'c1', 'file', 'GRANTED', { mode: 'EX' }).lapse(15_000, 'c1', 'file');
    expect(earlyExpiry(unlearned)).toEqual([]);
    const released = new Stream().grant(10, 'c1', 'file', 'EX').complete(12, 'c1', 'file', 'GRANTED', { mode: 'EX' }).request(100, 'c1', 'file', 'unlock').expire(5_000, 'c1', 'file');
    expect(earlyExpiry(released, 20_000)).toEqual([]);
  });

  it('judges each grant on its own: a later grant starts a new lease-backed belief', () => {
    const s = expiredThenLapsed(10_010, 10_006)
      .grant(11_000, 'c1', 'file', 'EX')
      .complete(11_002, 'c1', 'file', 'GRANTED', { mode: 'EX' })
      .expire(13_000, 'c1', 'file')
      .lapse(21_000, 'c1', 'file');
    expect(earlyExpiry(s).map((v) => v.atUs)).toEqual([13_000_000]);
  });

  it('judges the same on its own table as inside a CheckerSet', () => {
    const s = expiredThenLapsed(5_010, 10_000);
    const alone = new EarlyExpiryChecker(new Set(['c1']));
    const found: Violation[] = [];
    const sink = { violation: (v: Violation) => found.push(v), observation: () => undefined };
    for (const e of s.events) alone.onEvent(readEvent(e)!, sink);
    alone.finish(10_000_000, sink);
    expect(found).toEqual(earlyExpiry(s));
  });
});
