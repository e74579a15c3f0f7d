/**
 * An adoption asks every manager, including one that joins the home's view while it is under way
 * (issue 12, liveness). A client in jeopardy asks one manager after another to take its session;
 * each starts an adoption, and a later one (a later KeepAlive) supersedes an earlier one at every
 * manager it asks. An adoption asked only the managers live when it began: a manager that joined
 * afterwards was never asked, so a rival adoption of the same session that it was running itself
 * never heard it was superseded, and both succeeded. The session then had two homes; the client
 * took the last to answer for its own and sent its open request there again, and the request never
 * reached a queue at the resource's master, for which the other was the session's home
 * (5m-short-lease seed 63453). A home now asks the managers that join while an adoption is under
 * way, and waits for their answers too (not a later generation of one it asked already: the
 * restart dropped everything the adoption asks about).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { outcomes, pick, runTwice, sends } from './world.js';

const fiveShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-5m-short-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

/** `t from>to` of the messages of type `msg` sent by `from` (to `to`) between `fromMs` and `toMs`. */
function sent(events: Parameters<typeof sends>[0], msg: string, from: string, to: string | undefined, fromMs: number, toMs: number): string[] {
  return sends(events, msg, from, to)
    .filter((e) => e.t >= fromMs && e.t <= toMs)
    .map((e) => `${e.t} ${String(e.f.from)}>${String(e.f.to)}`);
}

describe('5m-short-lease seed 63453: m3\u2019s adoption of c2#0.0 asks m2, which joins its view after it began, and c2 keeps one home', () => {
  // c2 (home m2) asks for EX on a at 3,987.339 ms; partitions cut it off, and in jeopardy it asks
  // m4, m5, m2 and m3 in turn to take its session. m2 starts an adoption at 12,005.605 ms (epoch
  // 13) and m3 a later one at 13,007.405 ms (epoch 14) with the view it had then, m1, m3, m4 and
  // m5: m2 joined m3's view at 13,008.753 ms, and m3@0, which m2's adoption asked, was replaced by
  // m3@1. Neither asked the other; both succeeded (ka-ack m3 at 15,567.815 ms, m2 at 15,606.11
  // ms), c2 settled on m2, and its request on a, sent again through m2, was never queued at a's
  // master m3 (whose adoption made m3 the session's home): it stayed unanswered past the
  // liveness bound (29,498 ms).
  const { result, events } = runTwice(fiveShort, 63453);

  it('m3 asks m2 when m2 joins its view, and m2\u2019s earlier adoption ends superseded: only m3 acknowledges c2#0.0', () => {
    expect(sent(events, 'adopt', 'm3', undefined, 13_000, 13_010)).toEqual([
      '13007.405 m3>m1',
      '13007.405 m3>m4',
      '13007.405 m3>m5',
      '13008.753 m3>m2',
    ]);
    // m1@1, joining m3's view at 15,567.815 ms, restarted since m3 asked m1@0: it is not asked, and m3 decides.
    expect(sent(events, 'adopt', 'm3', 'm1', 15_567, 15_600)).toEqual([]);
    expect(sent(events, 'ka-ack', 'm3', 'c2', 15_000, 16_100)).toEqual(['15567.815 m3>c2', '16006.043 m3>c2']);
    expect(sent(events, 'ka-ack', 'm2', 'c2', 12_000, 30_000)).toEqual([]);
  });

  it('c2\u2019s request on a of 3,987.339 ms is answered: granted at 24,832.062 ms (token 1020), then unlocked', () => {
    expect(pick(events, 'request', { client: 'c2', resource: 'a', op: 'lock' }).filter((e) => e.t > 3_900 && e.t < 25_000).map((e) => e.t)).toEqual([3987.339]);
    expect(outcomes(events, 'c2', 'a').filter((o) => Number(o.split(' ')[0]) > 3_987.339 && Number(o.split(' ')[0]) < 25_100)).toEqual([
      '24832.062 a GRANTED EX token=1020',
      '25082.52 a UNLOCKED',
    ]);
  });

  it('no invariant is violated; trace pinned', () => {
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('0e92e22cd27ca590');
  });
});
