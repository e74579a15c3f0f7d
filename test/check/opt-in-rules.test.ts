/**
 * Rules of the opt-in `herd` and `lock-delay` invariants beyond herd.test.ts and
 * lock-delay.test.ts: a client notified twice of one change counts once, an instant is judged only
 * once it is over and then forgotten; an expired lock delays each incompatible grant once, and
 * only an expiry of a live grant delays anything.
 */
import { describe, expect, it } from 'vitest';
import { createCheckers, type InvariantName, type Violation } from '../../src/check/index.js';
import { Stream, ms } from './stream.js';

function run(s: Stream, invariant: InvariantName, lockDelayMs = 0): Violation[] {
  const set = createCheckers({ invariants: [invariant], livenessUs: ms(60_000), healUs: 0, lockDelayUs: ms(lockDelayMs) });
  for (const e of s.events) set.onEvent(e);
  set.finish(s.events.at(-1)!.tUs);
  return set.violations;
}

const notify = (s: Stream, tMs: number, client: string, server = 'zk1'): Stream => s.raw(tMs, server, 'notify', { client, path: 'locks', cause: 'n1', change: 'deleted' });

describe('herd rules', () => {
  it('counts a client notified twice of one change once', () => {
    expect(run(notify(notify(new Stream(), 5, 'c2'), 5, 'c2'), 'herd')).toEqual([]);
  });

  it('judges an instant once it is over, then starts afresh', () => {
    const s = notify(notify(new Stream(), 5, 'c2'), 5, 'c3').grant(5, 'c9', 'x', 'EX');
    notify(s, 6, 'c4');
    notify(s, 7, 'c5');
    const found = run(s, 'herd');
    expect(found.map((v) => [v.atUs, v.nodes])).toEqual([[5_000, ['c2', 'c3']]]);
  });

  it('keeps the changes of different servers apart', () => {
    const s = notify(notify(new Stream(), 5, 'c2', 'zk1'), 5, 'c3', 'zk2');
    expect(run(s, 'herd')).toEqual([]);
  });
});

describe('lock-delay rules', () => {
  it('reports each delayed lock once, at the first incompatible grant, and forgets it when its delay has passed', () => {
    const s = new Stream().grant(0, 'c1', 'f', 'EX').expire(10, 'c1', 'f').grant(11, 'c2', 'f', 'EX').release(12, 'c2', 'f').grant(13, 'c3', 'f', 'EX');
    expect(run(s, 'lock-delay', 100).map((v) => v.nodes)).toEqual([['c2', 'c1']]);
    const later = new Stream().grant(0, 'c1', 'f', 'EX').expire(10, 'c1', 'f').grant(11, 'c2', 'f', 'NL').grant(200, 'c3', 'f', 'EX');
    expect(run(later, 'lock-delay', 100)).toEqual([]);
  });

  it('judges every delayed lock of the resource at a grant, keeping those still compatible', () => {
    const s = new Stream()
      .grant(0, 'c1', 'f', 'PR')
      .grant(0, 'c2', 'f', 'PR')
      .expire(10, 'c1', 'f')
      .expire(20, 'c2', 'f')
      .grant(30, 'c3', 'f', 'CR')
      .grant(40, 'c4', 'f', 'EX');
    expect(run(s, 'lock-delay', 100).map((v) => [v.atUs, v.nodes])).toEqual([
      [40_000, ['c4', 'c1']],
      [40_000, ['c4', 'c2']],
    ]);
  });

  it('delays nothing after the expiry of a lock with no live grant', () => {
    const demoted = new Stream().grant(0, 'c1', 'f', 'PR').release(5, 'c1', 'f', 'demote').expire(10, 'c1', 'f').grant(11, 'c2', 'f', 'EX');
    expect(run(demoted, 'lock-delay', 100)).toEqual([]);
    const never = new Stream().expire(10, 'c1', 'f').grant(11, 'c2', 'f', 'EX');
    expect(run(never, 'lock-delay', 100)).toEqual([]);
  });
});
