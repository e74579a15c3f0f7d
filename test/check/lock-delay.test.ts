import { describe, expect, it } from 'vitest';
import { LockDelayChecker, createCheckers, readEvent, type Violation } from '../../src/check/index.js';
import { Stream, ms } from './stream.js';

function lockDelay(s: Stream, lockDelayMs: number): Violation[] {
  const set = createCheckers({ invariants: ['lock-delay'], livenessUs: ms(60_000), healUs: 0, lockDelayUs: ms(lockDelayMs) });
  for (const e of s.events) set.onEvent(e);
  set.finish(s.events.at(-1)!.tUs);
  return set.violations;
}

/** c1's EX on file expires at 10 s; c2 is granted `mode` at `grantMs`. */
function expiredThenGranted(grantMs: number, mode: 'EX' | 'PR' | 'NL' = 'EX', client = 'c2'): Stream {
  return new Stream().grant(0, 'c1', 'file', 'EX').expire(10_000, 'c1', 'file').grant(grantMs, client, 'file', mode);
}

describe('lock-delay', () => {
  it('fires when another client is granted an incompatible mode before the lock-delay has passed (lock-delay never applied)', () => {
    expect(lockDelay(expiredThenGranted(10_000), 5_000)).toEqual([
      {
        invariant: 'lock-delay',
        atUs: 10_000_000,
        message: "m1 granted EX on file to c2 at 10000.0 ms, 0.0 ms after c1's EX lock on it expired (at 10000.0 ms): the lock-delay of 5000.0 ms had not passed",
        resource: 'file',
        nodes: ['c2', 'c1'],
        seq: 3,
      },
    ]);
    expect(lockDelay(expiredThenGranted(14_999), 5_000).map((v) => v.atUs)).toEqual([14_999_000]);
  });

  it('is silent once the lock-delay has passed, for compatible modes, for the expired holder itself, and with no lock-delay', () => {
    expect(lockDelay(expiredThenGranted(15_000), 5_000)).toEqual([]);
    expect(lockDelay(expiredThenGranted(10_001, 'NL'), 5_000)).toEqual([]);
    expect(lockDelay(expiredThenGranted(10_001, 'EX', 'c1'), 5_000)).toEqual([]);
    expect(lockDelay(expiredThenGranted(10_001), 0)).toEqual([]);
  });

  it('does not delay after an unlock, and keeps resources apart', () => {
    const unlocked = new Stream().grant(0, 'c1', 'file', 'EX').release(10_000, 'c1', 'file').grant(10_001, 'c2', 'file', 'EX');
    expect(lockDelay(unlocked, 5_000)).toEqual([]);
    const other = new Stream().grant(0, 'c1', 'file', 'EX').expire(10_000, 'c1', 'file').grant(10_001, 'c2', 'other', 'EX');
    expect(lockDelay(other, 5_000)).toEqual([]);
  });

  it('delays by the mode that expired: a PR expiry delays EX but not PR', () => {
    const s = new Stream().grant(0, 'c1', 'file', 'PR').expire(10_000, 'c1', 'file').grant(10_001, 'c2', 'file', 'PR').grant(10_002, 'c3', 'file', 'EX');
    expect(lockDelay(s, 5_000).map((v) => v.nodes)).toEqual([['c3', 'c1']]);
  });

  it('judges the same on its own table as inside a CheckerSet', () => {
    const s = expiredThenGranted(12_000);
    const alone = new LockDelayChecker(ms(5_000));
    const found: Violation[] = [];
    const sink = { violation: (v: Violation) => found.push(v), observation: () => undefined };
    for (const e of s.events) alone.onEvent(readEvent(e)!, sink);
    alone.finish();
    expect(found).toEqual(lockDelay(s, 5_000));
    expect(() => new LockDelayChecker(-1)).toThrow('lock-delay: lockDelayUs must be >= 0, got -1');
  });
});
