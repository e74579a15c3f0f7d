/**
 * A home decides an adoption only with a quorum, and not on answers older than the quorum's
 * absence: a pending adoption whose home was without a quorum at some moment since its answers
 * began to come asks every manager again as soon as the quorum is back, and decides on the new
 * answers. Before, it waited for the next KeepAlive of that session or the next view change and
 * then decided on the old answers; meanwhile its client, told by some home that the session was
 * lost, had gone on with a newer session, and the failed adoption traced a lock of the old
 * session ended on a resource where the newer session was queued: in the trace that ended the
 * newer session's request, and its grant read as a new request jumping the queue (grant-order).
 *
 * Seeds of scenarios/swarm-dlm-5m-short-lease.json and swarm-dlm-3m-short-lease-lock-delay.json
 * (copies in fixtures/); each pins the trace hash the fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, sends, timelineBetween } from './world.js';

const fiveShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-5m-short-lease.json', import.meta.url), 'utf8')) as ScenarioInput;
const threeShortLockDelay = JSON.parse(
  readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8'),
) as ScenarioInput;

/** `t from>to` of the messages of type `msg` sent by `from` between `fromMs` and `toMs`. */
function sent(events: Parameters<typeof sends>[0], msg: string, from: string, fromMs: number, toMs: number): string[] {
  return sends(events, msg, from)
    .filter((e) => e.t >= fromMs && e.t <= toMs)
    .map((e) => `${e.t} ${String(e.f.to)}`);
}

describe('5m-short-lease seed 2981: m1 asks again for c3#0.0 when its quorum comes back, and decides on the new answers', () => {
  // m1, reset at 13,003.29 ms, adopted c3#0.0 (c3 believed it held EX on b); the answers came by
  // 13,020.146 ms while m1 had no quorum (its new generation's peers had not echoed it yet). The
  // old adoption waited until m4@0, paused, was declared dead at 23,998.683 ms, and then traced
  // c3's EX on b expired on those answers, while c3#0.1's request on b stood queued at m3 since
  // 22,265.5 ms; m3's grant of it (24,152.3 ms) read as jumping c1's and c2's.
  const { result, events } = runTwice(fiveShort, 2981);

  it('the quorum back at 14,002.823 ms, m1 asks m2..m5 again and decides at 14,020.445 ms: the session is lost', () => {
    expect(pick(events, 'dlm-reset').filter((e) => e.t < 14_000).map((e) => `${e.t} ${e.node}`)).toEqual(['13003.29 m1', '13003.907 m5']);
    expect(sent(events, 'adopt', 'm1', 13_021, 14_010)).toEqual(['14002.823 m2', '14002.823 m3', '14002.823 m4', '14002.823 m5']);
    expect(sent(events, 'purge', 'm1', 14_000, 14_030)).toEqual(['14020.445 m2', '14020.445 m3', '14020.445 m4', '14020.445 m5']);
  });

  it('only b\u2019s master ends c3#0.0\u2019s EX on b, and c3\u2019s later request on b, queued ahead of c1\u2019s and c2\u2019s, is granted first', () => {
    expect(pick(events, 'expire', { client: 'c3', resource: 'b' }).map((e) => `${e.t} ${e.node}`)).toEqual(['13042.911 m3']);
    expect(pick(events, 'dequeue', { client: 'c3', resource: 'b' })).toEqual([]);
    expect(timelineBetween(events, 'b', 22_200, 24_200, ['enqueue', 'grant'])).toEqual([
      '22269.231 m3 enqueue client=c3 mode=EX queue=waiting',
      '22775.624 m3 enqueue client=c1 mode=EX queue=waiting',
      '23031.141 m3 enqueue client=c2 mode=PR queue=waiting',
      '24152.277 m3 grant client=c3 mode=EX token=1010',
    ]);
  });

  it('no invariant is violated; trace pinned', () => {
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('cc644ee47b1adc8a');
  });
});

describe('3m-short-lease-lock-delay seed 3246: m2 asks again for c1#0.0 after its partition, and ends nothing of c1#0.1 on b', () => {
  // m2, cut off with c1 and c2 until 16,183 ms, adopted c1#0.0 for c1 (which believed it held EX
  // on b). With only the wake-up on the quorum's return, m2 decided at 18,001.655 ms on answers of
  // 16,570-16,576 ms and traced c1's EX on b expired; c1 had meanwhile been told `lost` by m3,
  // opened c1#0.1 there, and its request on b was queued at m1 since 17,777.368 ms: m1's grant of
  // it (21,841.6 ms) read as jumping c2's request (grant-order).
  const { result, events } = runTwice(threeShortLockDelay, 3246);

  it('m2 asks m1 and m3 again at 18,001.655 ms and decides at 18,014.44 ms; c1#0.1\u2019s request on b keeps its place', () => {
    expect(sent(events, 'adopt', 'm2', 16_570, 18_010)).toEqual(['18001.655 m1', '18001.655 m3']);
    expect(sent(events, 'purge', 'm2', 18_000, 18_020)).toEqual(['18014.44 m1', '18014.44 m3']);
    expect(pick(events, 'expire', { client: 'c1', resource: 'b' }).filter((e) => e.t > 15_000 && e.t < 22_000).map((e) => `${e.t} ${e.node}`)).toEqual(['15007.882 m1']);
    expect(timelineBetween(events, 'b', 17_700, 21_900, ['enqueue', 'grant'])).toEqual([
      '17777.368 m1 enqueue client=c1 mode=EX queue=waiting',
      '18007.882 m1 grant client=c2 mode=PR',
      '18754.121 m1 enqueue client=c2 mode=PR queue=waiting',
      '21047.624 m1 grant client=c3 mode=EX token=12',
      '21692.018 m1 grant client=c4 mode=PR',
      '21836.801 m1 grant client=c1 mode=EX token=13',
    ]);
  });

  it('only the late write this configuration expects is left; trace pinned', () => {
    expect(result.violations.map((v) => `${v.invariant} ${v.atMs}`)).toEqual(['stale-write 16953.523']);
    expect(result.traceHash).toBe('be50fcd163e9bee8');
  });
});
