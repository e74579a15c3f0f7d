/**
 * The end of a grant (`expire`, or a `release` other than a demotion) ends the lock's queued
 * request in the grant-order, deadlock and value-block mirrors, save when the lock holds no live
 * grant, the node that traces the end made its latest grant, and another node queued the request.
 *
 * A former master cut off by a partition keeps its own lease clock: when the lease of a grant it
 * made runs out it traces `expire`, seconds after a rebuild on the new master ended that grant
 * (`release`, superseded) and queued the client's request again (`enqueue`). That expire ends a
 * grant already over; the request stands in the new master's queue, which grants it in its turn.
 *
 * Any other end of a lock without a live grant still ends its entry: a rebuilding master ends a
 * request its predecessor queued, which the predecessor never granted; and a rebuild's end
 * (`release`, superseded) always does, even by a master restarted under the name that made the
 * lock's last grant.
 *
 * Broken variants: the same expire traced by the master that queued the request ends it, and the
 * grant of it in its turn is then an immediate grant of a new request past the queue (rule N).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/explore/simulate.js';
import { parseScenario, type ScenarioInput } from '../../src/scenario/index.js';
import { Stream, check } from './stream.js';

/**
 * m1 granted c4 `file`; m2's rebuild ends that grant (superseded) and queues c4's request, then
 * c1's behind it; `ender` traces the expiry of c4's lease; m2 grants c4 (in its turn) or c1 (past c4).
 */
function supersededThenExpired(ender: string, granted: 'c4' | 'c1'): Stream {
  return new Stream()
    .grant(0, 'c4', 'file', 'EX', {}, 'm1')
    .add(10, 'release', { client: 'c4', resource: 'file', reason: 'superseded' }, 'm2')
    .add(10, 'enqueue', { client: 'c4', resource: 'file', mode: 'EX', queue: 'waiting' }, 'm2')
    .add(20, 'enqueue', { client: 'c1', resource: 'file', mode: 'EX', queue: 'waiting' }, 'm2')
    .add(30, 'expire', { client: 'c4', resource: 'file' }, ender)
    .grant(40, granted, 'file', 'EX', {}, 'm2');
}

const ruleN = "m2 granted c4's new request for EX, immediately, on file at 40.0 ms ahead of c1's waiting request for EX (queued at 20.0 ms) (rule N: a new request is granted at once only when both queues are empty)";

describe('grant-order: a cut-off former master\u2019s end of a superseded grant leaves the request the new master queued', () => {
  it('is silent when m2 grants c4, at the head of its queue, after m1 expired c4\u2019s superseded grant', () => {
    expect(check(supersededThenExpired('m1', 'c4'), ['grant-order']).violations).toEqual([]);
  });

  it('fires when m2 grants c1 past c4, whose request m1\u2019s expiry did not end', () => {
    expect(check(supersededThenExpired('m1', 'c1'), ['grant-order']).violations.map((v) => v.message)).toEqual([
      "m2 granted c1's waiting request for EX on file at 40.0 ms ahead of c4's waiting request for EX (queued at 10.0 ms) (rules P/NW: queued conversions first, then waiting requests in FIFO order)",
    ]);
  });

  it('broken variant: the expiry traced by m2, which queued c4\u2019s request, ends it, and granting c4 then jumps c1', () => {
    expect(check(supersededThenExpired('m2', 'c4'), ['grant-order']).violations.map((v) => v.message)).toEqual([ruleN]);
    expect(check(supersededThenExpired('m2', 'c1'), ['grant-order']).violations).toEqual([]);
  });

  it('a release (purge) by the former master is read the same way', () => {
    const s = new Stream()
      .grant(0, 'c4', 'file', 'EX', {}, 'm1')
      .add(10, 'release', { client: 'c4', resource: 'file', reason: 'superseded' }, 'm2')
      .add(10, 'enqueue', { client: 'c4', resource: 'file', mode: 'EX', queue: 'waiting' }, 'm2')
      .add(20, 'enqueue', { client: 'c1', resource: 'file', mode: 'EX', queue: 'waiting' }, 'm2')
      .add(30, 'release', { client: 'c4', resource: 'file', reason: 'purge' }, 'm1')
      .grant(40, 'c4', 'file', 'EX', {}, 'm2');
    expect(check(s, ['grant-order']).violations).toEqual([]);
  });

  it('a rebuilding master\u2019s end of a request its predecessor queued ends it (the end is not of its own grant)', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', {}, 'm1')
      .add(10, 'enqueue', { client: 'c2', resource: 'file', mode: 'EX', queue: 'waiting' }, 'm1')
      .add(20, 'release', { client: 'c1', resource: 'file', reason: 'superseded' }, 'm2')
      .add(20, 'release', { client: 'c2', resource: 'file', reason: 'superseded' }, 'm2')
      .grant(30, 'c3', 'file', 'EX', {}, 'm2');
    expect(check(s, ['grant-order']).violations).toEqual([]);
  });

  // 3m-short-lease-lock-delay seed 36815: m1 granted c3 (then c3 unlocked) and crashed; m2 queued
  // c3's request again; m1, restarted under the same name, rebuilds the root and ends c3's request
  // (superseded) beside c1's and c2's, then grants c2 first in its own queue. A rebuild's end is
  // never a cut-off former master's lease expiry, whoever made the lock's last grant.
  it('a rebuild’s superseded end by the node that made the lock’s last grant ends the request another node queued', () => {
    const s = (reason: 'superseded' | 'purge') =>
      new Stream()
        .grant(0, 'c3', 'file', 'EX', {}, 'm1')
        .add(10, 'release', { client: 'c3', resource: 'file', reason: 'unlock' }, 'm1')
        .add(20, 'enqueue', { client: 'c2', resource: 'file', mode: 'EX', queue: 'waiting' }, 'm2')
        .add(30, 'enqueue', { client: 'c3', resource: 'file', mode: 'EX', queue: 'waiting' }, 'm2')
        .add(40, 'release', { client: 'c2', resource: 'file', reason: 'superseded' }, 'm1')
        .add(40, 'release', { client: 'c3', resource: 'file', reason }, 'm1')
        .add(40, 'enqueue', { client: 'c2', resource: 'file', mode: 'EX', queue: 'waiting' }, 'm1')
        .grant(40, 'c2', 'file', 'EX', {}, 'm1');
    expect(check(s('superseded'), ['grant-order']).violations).toEqual([]);
    // Broken variant: read as a former master's purge, the end leaves c3's entry, and c2's grant jumps it.
    expect(check(s('purge'), ['grant-order']).violations.map((v) => v.message)).toEqual([
      "m1 granted c2's waiting request for EX on file at 40.0 ms ahead of c3's waiting request for EX (queued at 30.0 ms) (rules P/NW: queued conversions first, then waiting requests in FIFO order)",
    ]);
  });

  it('the end of a live grant ends its queued conversion, whoever traces it', () => {
    const s = new Stream()
      .grant(0, 'c1', 'file', 'EX', {}, 'm2')
      .grant(0, 'c4', 'file', 'NL', {}, 'm2')
      .add(10, 'enqueue', { client: 'c4', resource: 'file', mode: 'EX', queue: 'converting' }, 'm2')
      .add(20, 'expire', { client: 'c4', resource: 'file' }, 'm3')
      .release(30, 'c1', 'file')
      .grant(40, 'c2', 'file', 'EX', {}, 'm2');
    expect(check(s, ['grant-order']).violations).toEqual([]);
  });
});

describe('value-block: c4\u2019s request, still queued at m2 after m1 expired its superseded grant, keeps the resource alive', () => {
  it('keeps the value written under c1 through m1\u2019s expiry, and loses it when m2 itself ends the request', () => {
    const run = (ender: string) =>
      new Stream()
        .grant(0, 'c4', 'file', 'PR', { value: '' }, 'm1')
        .add(5, 'release', { client: 'c4', resource: 'file', reason: 'superseded' }, 'm2')
        .grant(5, 'c1', 'file', 'EX', { value: '' }, 'm2')
        .add(6, 'enqueue', { client: 'c4', resource: 'file', mode: 'PR', queue: 'waiting' }, 'm2')
        .lvbWrite(10, 'c1', 'file', 'v1')
        .add(11, 'expire', { client: 'c4', resource: 'file' }, ender)
        .release(12, 'c1', 'file')
        .grant(20, 'c3', 'file', 'PR', { value: '' }, 'm2');
    // Kept alive by c4's entry at m2, the resource still holds "v1": handing out "" is wrong.
    expect(check(run('m1'), ['value-block']).violations.map((v) => v.invariant)).toEqual(['value-block']);
    // Ended by m2 itself, nothing kept the resource: it was destroyed, and "" is right.
    expect(check(run('m2'), ['value-block']).violations).toEqual([]);
  });
});

describe('deadlock: c4\u2019s request, still queued at m2 after m1 expired its superseded grant, waits in a cycle', () => {
  it('keeps the cycle m1\u2019s expiry leaves, and drops it when m2 itself ends the request', () => {
    const cycle = (ender: string) =>
      new Stream()
        .grant(0, 'c4', 'a', 'EX', {}, 'm1')
        .add(10, 'release', { client: 'c4', resource: 'a', reason: 'superseded' }, 'm2')
        .grant(10, 'c1', 'a', 'EX', {}, 'm2')
        .grant(10, 'c4', 'b', 'EX', {}, 'm2')
        .add(20, 'enqueue', { client: 'c4', resource: 'a', mode: 'EX', queue: 'waiting' }, 'm2')
        .add(20, 'enqueue', { client: 'c1', resource: 'b', mode: 'EX', queue: 'waiting' }, 'm2')
        .add(30, 'expire', { client: 'c4', resource: 'a' }, ender);
    expect(check(cycle('m1'), ['deadlock'], { deadlockBoundMs: 5_000, endMs: 60_000 }).violations.map((v) => v.atUs)).toEqual([5_020_000]);
    expect(check(cycle('m2'), ['deadlock'], { deadlockBoundMs: 5_000, endMs: 60_000 }).violations).toEqual([]);
  });
});

const threeShortLockDelay = parseScenario(
  JSON.parse(readFileSync(new URL('../../scenarios/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8')) as ScenarioInput,
  'swarm-dlm-3m-short-lease-lock-delay.json',
);

describe('3m-short-lease-lock-delay seeds where m1, cut off, expired c4\u2019s grant that m2\u2019s rebuild had superseded', () => {
  // Each: m1 granted c4 `a` before a partition cut it off; m2's rebuild ends that grant
  // (superseded) and queues c4's request, c1's or c2's behind it; m1 expires c4's lease by its own
  // clock; m2 grants c4 at its lock-delay's end, at the head of its queue. Reported as rule N.
  it.each([
    [119951, 10014.924, 'c1', 11248.738, 11919, 13014.924, '3d0e70671de9490a'],
    [121830, 10020.291, 'c2', 10020.291, 11539, 13020.291, '37bfac23d1a526fb'],
    [122317, 14014.106, 'c2', 14355.291, 15376, 17014.106, '5b58089bdbe50c98'],
  ])('seed %i: c4 requeued at m2 at %f ms ahead of %s (%f ms), m1 expires at %f ms, m2 grants c4 at %f ms', (seed, requeuedMs, behind, behindMs, expiredMs, grantMs, hash) => {
    const { result, events } = simulate(threeShortLockDelay, seed, { record: true });
    expect(result.violations).toEqual([]);
    const all = events ?? [];
    const on = (type: string, client: string) => all.filter((e) => e.type === type && e.fields?.client === client && e.fields.resource === 'a');
    const at = (tMs: number) => Math.round(tMs * 1000);
    expect(on('release', 'c4').filter((e) => e.tUs === at(requeuedMs)).map((e) => [e.node, e.fields?.reason])).toEqual([['m2', 'superseded']]);
    expect(on('enqueue', 'c4').filter((e) => e.tUs === at(requeuedMs)).map((e) => e.node)).toEqual(['m2']);
    expect(on('enqueue', behind).filter((e) => e.tUs === at(behindMs)).map((e) => e.node)).toEqual(['m2']);
    const expiry = on('expire', 'c4').filter((e) => e.tUs > at(requeuedMs) && e.tUs < at(grantMs));
    expect(expiry.map((e) => [e.node, e.tUs])).toEqual([['m1', at(expiredMs)]]);
    // Nothing else ends c4's request at m2 before m2 grants it.
    const ended = all.filter((e) => (e.type === 'dequeue' || e.type === 'release' || e.type === 'crash') && e.tUs > at(requeuedMs) && e.tUs < at(grantMs) && (e.type === 'crash' ? e.node === 'm2' : e.fields?.client === 'c4' && e.fields.resource === 'a'));
    expect(ended).toEqual([]);
    expect(on('grant', 'c4').filter((e) => e.tUs === at(grantMs)).map((e) => e.node)).toEqual(['m2']);
    // Broken variant: the same trace with m1's expiry traced by m2 ends c4's entry, and the grant
    // in its turn is reported as an immediate grant past the request behind it.
    const moved = { events: all.map((e) => (e === expiry[0] ? { ...e, node: 'm2' } : e)) } as Stream;
    expect(check(moved, ['grant-order']).violations.map((v) => [v.atUs, v.nodes])).toEqual([[at(grantMs), ['c4', behind]]]);
    expect(result.traceHash).toBe(hash);
  });
});
