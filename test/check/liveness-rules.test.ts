/**
 * The liveness rules one at a time, each pinned by the exact requests left unanswered: which
 * pending request each completion status answers, where a deadline falls (after the heal, with the
 * deadline instant itself still in time), and the queue's bounds. Each case is one a mutant of
 * src/check/liveness.ts would get wrong (`npm run mutants`).
 */
import { describe, expect, it } from 'vitest';
import { LivenessChecker, type InvariantName } from '../../src/check/index.js';
import type { StatusName } from '../../src/vocabulary/index.js';
import { Stream, check } from './stream.js';

const liveness: InvariantName[] = ['liveness'];

/** The requests reported unanswered, as `op [mode]`, with a 10 ms bound and the run ending at 100 ms. */
function unanswered(s: Stream, opts: { healMs?: number; endMs?: number } = {}): string[] {
  return check(s, liveness, { livenessMs: 10, endMs: 100, ...opts }).violations.map((v) => {
    const match = /^c1's (.+) request on r /.exec(v.message);
    return match?.[1] ?? v.message;
  });
}

/** c1 sends a lock EX, a convert PR, a cancel and an unlock on r, then one completion with `status`. */
function fourPending(status: StatusName): Stream {
  return new Stream()
    .request(0, 'c1', 'r', 'lock', 'EX')
    .request(1, 'c1', 'r', 'convert', 'PR')
    .request(2, 'c1', 'r', 'cancel')
    .request(3, 'c1', 'r', 'unlock')
    .complete(4, 'c1', 'r', status);
}

describe('liveness: which pending request a completion answers', () => {
  it.each(['GRANTED', 'NOTQUEUED', 'DEADLOCK', 'TIMEOUT'] as const)('%s answers the oldest lock or convert', (status) => {
    expect(unanswered(fourPending(status))).toEqual(['convert PR', 'cancel', 'unlock']);
  });

  it.each(['ABORTED', 'CANCELLED'] as const)('%s answers the oldest lock or convert and the oldest cancel', (status) => {
    expect(unanswered(fourPending(status))).toEqual(['convert PR', 'unlock']);
  });

  it('CANCELGRANT answers the oldest cancel, UNLOCKED the oldest unlock', () => {
    expect(unanswered(fourPending('CANCELGRANT'))).toEqual(['lock EX', 'convert PR', 'unlock']);
    expect(unanswered(fourPending('UNLOCKED'))).toEqual(['lock EX', 'convert PR', 'cancel']);
  });

  it.each(['BUSY', 'INVALID_ARG', 'SUBLOCKS', 'PARNOTGRANT'] as const)('%s refuses the newest request, whatever its op', (status) => {
    const s = new Stream().request(0, 'c1', 'r', 'unlock').request(1, 'c1', 'r', 'lock', 'PR').request(2, 'c1', 'r', 'cancel').complete(3, 'c1', 'r', status);
    expect(unanswered(s)).toEqual(['unlock', 'lock PR']);
  });

  it('answers the oldest request of any op when none of the expected op is pending', () => {
    const noUnlock = new Stream().request(0, 'c1', 'r', 'convert', 'NL').request(1, 'c1', 'r', 'cancel').complete(2, 'c1', 'r', 'UNLOCKED');
    expect(unanswered(noUnlock)).toEqual(['cancel']);
    const noLock = new Stream().request(0, 'c1', 'r', 'unlock').request(1, 'c1', 'r', 'cancel').complete(2, 'c1', 'r', 'GRANTED');
    expect(unanswered(noLock)).toEqual(['cancel']);
  });

  it('answers only the cancel when no lock or convert is pending, and only the lock when no cancel is', () => {
    const onlyCancel = new Stream().request(0, 'c1', 'r', 'unlock').request(1, 'c1', 'r', 'cancel').complete(2, 'c1', 'r', 'ABORTED');
    expect(unanswered(onlyCancel)).toEqual(['unlock']);
    const onlyLock = new Stream().request(0, 'c1', 'r', 'unlock').request(1, 'c1', 'r', 'lock', 'CW').complete(2, 'c1', 'r', 'CANCELLED');
    expect(unanswered(onlyLock)).toEqual(['unlock']);
  });

  it('answers a lone pending request whatever the status, and nothing when none is pending', () => {
    const s = new Stream().complete(0, 'c1', 'r', 'GRANTED').request(1, 'c1', 'r', 'unlock').complete(2, 'c1', 'r', 'GRANTED').request(3, 'c1', 'r', 'lock', 'EX');
    expect(unanswered(s)).toEqual(['lock EX']);
  });
});

describe('liveness: deadlines', () => {
  it('counts the bound from the heal when the request was sent before it, and the deadline instant is still in time', () => {
    const inTime = new Stream().request(0, 'c1', 'r', 'lock', 'EX').complete(60, 'c1', 'r', 'GRANTED');
    expect(unanswered(inTime, { healMs: 50 })).toEqual([]);
    const late = new Stream().request(0, 'c1', 'r', 'lock', 'EX').complete(61, 'c1', 'r', 'GRANTED');
    expect(check(late, liveness, { livenessMs: 10, healMs: 50, endMs: 100 }).violations).toEqual([
      {
        invariant: 'liveness',
        atUs: 60_000,
        message: "c1's lock EX request on r (sent at 0.0 ms) was still unanswered at 60.0 ms, 10.0 ms after the faults healed at 50.0 ms",
        resource: 'r',
        nodes: ['c1'],
      },
    ]);
  });

  it('counts the bound from the request when it was sent after the heal; the end of the run at the deadline is in time', () => {
    const s = new Stream().request(20, 'c1', 'r', 'unlock').request(25, 'c2', 'r', 'lock', 'PR');
    expect(check(s, liveness, { livenessMs: 10, healMs: 5, endMs: 35 }).violations.map((v) => v.message)).toEqual([
      "c1's unlock request on r (sent at 20.0 ms) was still unanswered at 30.0 ms, 10.0 ms after it was sent",
    ]);
  });

  it('reports at the first event past the deadline, once, and drops a crashed client’s requests', () => {
    const s = new Stream()
      .request(0, 'c1', 'r', 'lock', 'EX')
      .request(0, 'c2', 'r', 'lock', 'EX')
      .crash(5, 'c2')
      .request(30, 'c3', 'r', 'unlock')
      .complete(31, 'c3', 'r', 'UNLOCKED');
    const set = check(s, liveness, { livenessMs: 10, endMs: 100 });
    expect(set.violations.map((v) => [v.atUs, v.nodes])).toEqual([[10_000, ['c1']]]);
  });

  it('keeps judging correctly after thousands of answered requests (the queue compacts)', () => {
    const s = new Stream();
    for (let i = 0; i < 3000; i++) s.request(i, 'c2', 'r', 'lock', 'PR').complete(i, 'c2', 'r', 'GRANTED');
    s.request(3000, 'c1', 'r', 'lock', 'EX').request(3001, 'c2', 'r', 'unlock').complete(3005, 'c2', 'r', 'UNLOCKED');
    expect(check(s, liveness, { livenessMs: 10, endMs: 4000 }).violations.map((v) => [v.atUs, v.nodes])).toEqual([[3_010_000, ['c1']]]);
  });
});

describe('liveness: bounds', () => {
  it('refuses a negative or NaN bound or heal time', () => {
    expect(() => new LivenessChecker(-1, 0)).toThrow(new RangeError('liveness: livenessUs and healUs must be ≥ 0, got -1 and 0'));
    expect(() => new LivenessChecker(0, Number.NaN)).toThrow(new RangeError('liveness: livenessUs and healUs must be ≥ 0, got 0 and NaN'));
    expect(() => new LivenessChecker(0, 0)).not.toThrow();
  });

  it('holds one lock to 1000 pending requests', () => {
    const s = new Stream();
    for (let i = 0; i < 1000; i++) s.request(0, 'c1', 'r', 'lock', 'PR');
    expect(() => check(s, liveness)).not.toThrow();
    s.request(0, 'c1', 'r', 'lock', 'PR');
    expect(() => check(s, liveness)).toThrow(new RangeError('liveness: c1 has more than 1000 requests pending on r'));
  });
});
