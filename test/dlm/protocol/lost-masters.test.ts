/**
 * A rebuild after a root lost its master must count every loss that may have taken a lock of the
 * root with it, and then hold the root as after any double loss. The directory keeps the masters a
 * root lost until a rebuild has finished (a master that was assigned the root and lost in turn,
 * mid-gather, is one more), hands them to the name's new directory node when a view change moves
 * the name (and a copy holder reporting an orphaned root names the master it last knew, in case
 * the directory node that knew it is gone), and tells the rebuilder; a rebuilder counts its own loss of state when an earlier
 * generation of itself was one of them, or when another lost master died before that loss (it may
 * have held that master's copies, and nobody re-made them). Seeds of
 * scenarios/swarm-dlm-3m-long-lease.json and swarm-dlm-5m-long-lease-lock-delay.json (copies in
 * fixtures/) and the shrunk repro of swarm-fenced-dlm seed 74012 broke grant order or mutual
 * exclusion because the rebuilder counted one loss; each pins the trace hash the fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { runTwice, timeline } from './world.js';

function load(url: URL): ScenarioInput {
  return JSON.parse(readFileSync(url, 'utf8')) as ScenarioInput;
}

const threeLongLease = load(new URL('./fixtures/swarm-dlm-3m-long-lease.json', import.meta.url));
const fiveLongLeaseLockDelay = load(new URL('./fixtures/swarm-dlm-5m-long-lease-lock-delay.json', import.meta.url));

/**
 * Replays `seed` of `input`: nothing is violated, `a`'s lock events after `fromMs` are `lines`
 * (the rebuild that holds `a`, and no grant after it), and the trace hash is `hash`.
 */
function expectHeld(input: ScenarioInput, seed: number, fromMs: number, lines: readonly string[], hash: string): void {
  const { result, events } = runTwice(input, seed);
  expect(result.violations).toEqual([]);
  expect(timeline(events, 'a').filter((line) => Number(line.split(' ')[0]) > fromMs)).toEqual(lines);
  expect(result.traceHash).toBe(hash);
}

describe('3m-long-lease seed 3772: a lost master the name\u2019s former directory node knew is counted', () => {
  // m1@0 masters `a` with c3's request queued (11,806.367 ms) and crashes at 11,824 ms; m2, a's
  // directory node among three, still names m1@0 as a's master. m1 restarts; a delayed link
  // m2 → m3 keeps the directory from settling, and m3, c3's home and copy holder, pauses and is
  // declared dead at 20,544 ms. In the view {m1, m2} the name moves to m1, which had no record of
  // it: m1 rebuilt a counting one loss (m3@0) and granted c4 at once ahead of c3's request
  // (grant-order). m2 now hands its record over, so m1 counts its own loss too and holds `a`.
  it('m1 rebuilds a at 21,011.255 ms, holds it, and grants nothing on it before the run ends', () => {
    expectHeld(threeLongLease, 3772, 11_700, [
      '11806.367 m1 enqueue client=c3 mode=EX queue=waiting',
      '11819.12 m1 release client=c1 reason=unlock',
      '11819.12 m1 grant client=c2 mode=EX token=34',
      '16003.473 m1 expire client=c1',
      '21011.255 m1 release client=c2 reason=unlock',
      '21011.255 m1 lvb-invalidate reason=recovery',
      '21011.255 m1 release client=c2 reason=unlock',
    ], '18cef9b2b153dc03');
  });
});

describe('3m-long-lease seed 1072: the same, after a reset and a longer chain of views', () => {
  // m1@0 masters `a` with c3's request queued at 1,293.767 ms; m2 declares it dead at 7,000 ms and
  // m1 resets at 8,627.197 ms. m3, c3's home and copy holder, pauses and is declared dead at 18,000 ms; in
  // the view {m1@1, m2@0} the name moves from m2 to m1, which rebuilt `a` counting one loss and
  // later granted c2 ahead of c3 (grant-order). It now counts its own reset and holds `a`.
  it('m1 rebuilds a at 18,017.942 ms, holds it, and grants nothing on it before the run ends', () => {
    expectHeld(threeLongLease, 1072, 1200, [
      '1293.767 m1 enqueue client=c3 mode=EX queue=waiting',
      '8627.197 m1 dequeue client=c2 reason=reset',
      '8627.197 m1 dequeue client=c3 reason=reset',
      '18017.942 m1 release client=c4 reason=superseded',
      '18017.942 m1 release client=c2 reason=superseded',
      '18017.942 m1 release client=c1 reason=unlock',
      '18017.942 m1 lvb-invalidate reason=recovery',
      '18017.942 m1 release client=c1 reason=unlock',
    ], '8579ad8ce3cc9d0e');
  });
});

describe('3m-long-lease seed 4096: a master assigned the root and lost mid-gather does not hide the one before it', () => {
  // m1@0 grants c4 EX on a (token 14) at 13,288.284 ms and crashes; m2 and m3 declare it dead at
  // 19,000 ms, and m1 restarts at 22,855 ms. After a one-way partition heals, m2 (a's directory
  // node) makes itself a's master and gathers, then resets at 26,009.348 ms before finishing. Its
  // record then named only m2@0 as lost: m1@1000 rebuilt `a` counting one loss and granted c3,
  // then c1, EX beside c4's grant (mutual-exclusion). The record now keeps m1@0 too.
  it('m1 rebuilds a at 26,036.779 ms and grants nothing on it while c4\u2019s grant stands', () => {
    expectHeld(threeLongLease, 4096, 13_000, [
      '13288.284 m1 release client=c2 reason=unlock',
      '13288.284 m1 grant client=c4 mode=EX token=14',
      '26036.779 m1 release client=c3 reason=superseded',
      '26036.779 m1 lvb-invalidate reason=recovery',
      '27008.538 m1 expire client=c4',
    ], 'adadea4239100204');
  });
});

describe('swarm-fenced-dlm repro 74012: a rebuilder that reset after the root\u2019s master died counts its own loss', () => {
  // m1@0 grants c3 EX on a (token 5) at 1,727.059 ms across a one-way partition; m2 keeps the only
  // copy. m1 crashes and restarts; the directory waits for m3's dir-sync across the partition, so
  // nobody rebuilds a. m2, declared dead by m3, resets at 11,007.387 ms and drops the copy, then
  // rebuilt a counting one loss (m1@0) and granted c4 EX beside c3's (mutual-exclusion). Its own
  // reset, after m1@0 died, now counts as the second loss.
  it('m2 rebuilds a at 12,026.861 ms and grants nothing on it before the run ends', () => {
    const repro = load(new URL('../../../scenarios/regressions/swarm-fenced-dlm-seed-74012.json', import.meta.url));
    expectHeld(repro, 74_012, 1600, [
      '1727.059 m1 grant client=c3 mode=EX token=5',
      '1918.776 m1 enqueue client=c4 mode=EX queue=waiting',
      '12026.861 m2 lvb-invalidate reason=recovery',
    ], 'a2d549c39ad3c7fc');
  });
});

describe('a master that claimed the root and reset before its rebuild finished is a loss too', () => {
  // 6505: m1@0 grants c4 EX on a (token 12) and crashes at 10,466 ms; m2@0, c4's copy holder,
  // claims a and resets at 16,569.803 ms before its rebuild finished; m1@1000's rebuild counted
  // one loss and granted c1 EX beside c4's (mutual-exclusion). 5145: the same with c1's request
  // queued on m1@0 (copy on its buddy m2, which claimed a while its gather waited for m3 and reset
  // at 25,007.01 ms): c1's request was on no copy any more (grant-order). Both now hold `a`.
  it.each([
    [6505, 10_300, ['10308.307 m1 release client=c3 reason=unlock', '10308.307 m1 grant client=c4 mode=EX token=12', '10323.887 m1 enqueue client=c1 mode=EX queue=waiting', '16611.194 m1 lvb-invalidate reason=recovery', '18005.213 m1 expire client=c4'], '67c97814268d2c63'],
    // (5145: m1@1000's adoption of c4's session at 24,756.975 ms finds c4's EX in the copies m2 is
    // gathering, so it no longer ends it there; the hold of m1@1000's rebuild keeps a all the same.)
    [5145, 13_700, ['13729.958 m1 release client=c3 reason=unlock', '13729.958 m1 grant client=c4 mode=EX token=56', '13751.294 m1 enqueue client=c1 mode=EX queue=waiting', '25039.148 m1 lvb-invalidate reason=recovery'], '495a74e988fba7eb'],
  ])('3m-long-lease seed %i: m1@1000 rebuilds a and grants nothing on it before the run ends', (seed, fromMs, lines, hash) => {
    expectHeld(threeLongLease, seed, fromMs, lines, hash);
  });

  // 5m-long-lease-lock-delay 2254: m1@0 grants c3 EX on a (token 7) and crashes at 1,661 ms; m3
  // claims a while its gather waits for m5 and resets at 17,012.761 ms; m1@1000's rebuild counted
  // one loss and granted beside c3's EX (mutual-exclusion). It now holds `a`.
  it('5m-long-lease-lock-delay seed 2254: m1@1000 rebuilds a at 17,043.657 ms and grants nothing on it before the run ends', () => {
    expectHeld(fiveLongLeaseLockDelay, 2254, 1540, [
      '1548.127 m1 release client=c2 reason=unlock',
      '1548.127 m1 grant client=c3 mode=EX token=7',
      '1551.594 m1 enqueue client=c4 mode=EX queue=waiting',
      '17043.657 m1 release client=c1 reason=superseded',
      '17043.657 m1 release client=c2 reason=superseded',
      '17043.657 m1 release client=c4 reason=superseded',
      '17043.657 m1 lvb-invalidate reason=recovery',
      '19009.404 m3 expire client=c3',
    ], '6505e37b264c6f51');
  });
});

describe('3m-long-lease seed 9259: a copy holder reporting an orphan names the master it lost', () => {
  // m1@0 grants c2 EX on a (token 50) at 14,455.421 ms, with the copy on c2's home m2, and resets
  // at 14,504.697 ms. m2, also a's directory node among three, crashes at 18,339 ms before anyone
  // rebuilt a, taking its record of m1@0 with it. In the view {m1@1, m3} the name moves to m1,
  // whose record said only "orphaned": m1@1 rebuilt a counting one loss (m2@0) and granted c4,
  // c1 and c3 EX beside c2's (mutual-exclusion). m3's orphan report now names m1@0, the master it
  // last knew, so m1@1 counts its own reset and holds `a`.
  it('m1 rebuilds a and grants nothing on it after c2’s EX', () => {
    expectHeld(threeLongLease, 9259, 14_455.421, [
      '24020.366 m1 release client=c3 reason=unlock',
      '24020.366 m1 lvb-invalidate reason=recovery',
      '24020.366 m1 release client=c3 reason=unlock',
      '28006.27 m2 expire client=c2',
    ], '928875691faf0386');
  });
});
