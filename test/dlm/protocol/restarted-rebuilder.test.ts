/**
 * A manager that lost its own state (a restart, or a reset after being declared dead) and then
 * rebuilds a root whose master died is a second lost manager whenever that master never took the
 * restart into its view: the master never moved its copies to the restarted node, so what it had
 * copied there is known to nobody, and the rebuild must hold the root as after any double loss.
 * Seeds of scenarios/swarm-dlm-3m-long-lease.json (a copy as of the fix,
 * fixtures/swarm-dlm-3m-long-lease.json) and of the issue-12 swarm that broke grant order or mutual
 * exclusion because the rebuilder counted one loss, and a seed of swarm-fenced-dlm (a copy,
 * fixtures/swarm-fenced-dlm.json) where a hold counted from the last loss ran out on a master cut
 * off from the majority; each pins the trace hash the fix produces. A master takes a restart into
 * its view without moving its copies there when it has no quorum, so only a heartbeat sent with a
 * quorum counts as its having seen the restart (scenarios/swarm-dlm-5m-long-lease-lock-delay.json
 * with its silence bound, a copy as of the fix: fixtures/swarm-dlm-5m-long-lease-lock-delay-silence.json).
 * A node also remembers, in its durable storage, which roots its earlier generation mastered, for
 * when the directory node that recorded the loss is gone as well
 * (scenarios/swarm-dlm-3m-short-lease-lock-delay.json, a copy: fixtures/swarm-dlm-3m-short-lease-lock-delay.json),
 * and the masters that generation was still rebuilding the root after, which its loss may have left
 * known to nobody.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, timeline, timelineBetween } from './world.js';

function fixture(name: string): ScenarioInput {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as ScenarioInput;
}

const threeLongLease = fixture('swarm-dlm-3m-long-lease');
const issueSwarm = fixture('swarm-fenced-dlm-issue12');
const swarm = fixture('swarm-fenced-dlm');
const fiveLongLockDelay = fixture('swarm-dlm-5m-long-lease-lock-delay-silence');
const threeShortLockDelay = fixture('swarm-dlm-3m-short-lease-lock-delay');

describe('3m-long-lease seed 789: a restarted copy holder rebuilding its dead master\u2019s root holds it', () => {
  // m1@0 masters `a`: it grants c1 EX (token 25) at 6,067.905 ms with c2's and c3's requests
  // queued. m2 crashes at 6,129 ms and restarts at 15,368 ms; m1, alone since 15,000 ms, takes
  // m2@1000 into its view without a quorum (17,924.573 ms) and resets at 18,001.604 ms, so no
  // heartbeat of m1@0 sent with a quorum counted m2@1000 in. m2 rebuilds `a` at 18,029.718 ms
  // without c1's grant: its own loss counts as the second, so it holds `a` (counted as one loss,
  // it would grant c2 at once beside c1's EX). m1@1 rebuilds `a` again at 26,024.253 ms, after
  // m2@1000 is declared dead, and holds it too.
  it('m2 rebuilds a at 18,029.718 ms and nothing is granted on a after c1\u2019s EX before the run ends', () => {
    const { result, events } = runTwice(threeLongLease, 789);
    expect(result.violations).toEqual([]);
    expect(timeline(events, 'a').filter((line) => Number(line.split(' ')[0]) > 6_000)).toEqual([
      '6053.874 m1 enqueue client=c2 mode=EX queue=waiting',
      '6067.905 m1 release client=c4 reason=unlock',
      '6067.905 m1 grant client=c1 mode=EX token=25',
      '6315.605 m1 enqueue client=c3 mode=EX queue=waiting',
      '18001.604 m1 dequeue client=c2 reason=reset',
      '18001.604 m1 dequeue client=c3 reason=reset',
      '18029.718 m2 release client=c2 reason=superseded',
      '18029.718 m2 release client=c3 reason=superseded',
      '18029.718 m2 lvb-invalidate reason=recovery',
      '19005.65 m1 expire client=c1',
      '26024.253 m1 release client=c3 reason=superseded',
      '26024.253 m1 release client=c2 reason=superseded',
      '26024.253 m1 lvb-invalidate reason=recovery',
    ]);
    expect(result.traceHash).toBe('513d35fe7671e81e');
  });
});

describe('3m-long-lease seed 1568: an EX grant whose master paused and whose copy holder restarted is not granted over', () => {
  // m1 grants c1 EX on b (token 1) and pauses before c1's unlock reaches it; m2, its buddy and the
  // holder of that copy, crashes and restarts at 7,201 ms while m1 is still paused. m1 resets on
  // waking; m2 rebuilds b at 13,201 ms and granted c2 PR beside c1's EX (mutual-exclusion).
  it('m2 holds b from its rebuild on, and nothing overlaps', () => {
    const { result, events } = runTwice(threeLongLease, 1568);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'grant', { resource: 'b' }).filter((e) => e.t > 13_000)).toEqual([]);
    expect(result.traceHash).toBe('2cb50f5177f70664');
  });
});

describe('swarm-fenced-dlm seed 13500: the rebuilt root is held until a lease after the last loss', () => {
  // m1, master of `a` and c4's home, paused and reset; m2, holder of its copies, crashed and
  // restarted before m1 saw it. m2@1000 rebuilt `a` seeing one death and granted new requests at
  // once ahead of c4's request, which nobody held any more (grant-order). It now holds `a` until
  // a lease, a failure timeout and a KeepAlive (26 s) after it saw m1@0 die at 13,543.581 ms.
  it('m2\u2019s first grant on a after the rebuild is the recovery pass at 39,543.581 ms', () => {
    const { result, events } = runTwice(issueSwarm, 13_500);
    expect(result.violations).toEqual([]);
    const after = pick(events, 'grant', { resource: 'a' }).filter((e) => e.t > 13_543.581);
    expect(`${after[0]!.t} ${after[0]!.node} ${String(after[0]!.f.recovery)}`).toBe('39543.581 m2 true');
    expect(result.traceHash).toBe('4432cecf1d802fee');
  });
});

describe('swarm-fenced-dlm seed 1426: a held root whose time is up on a master without a quorum waits for one', () => {
  // m1@1 rebuilds `b` after two losses at 20,063.487 ms and holds it. A partition cuts m1 off with
  // c2 and c4 from 40,055 ms; its last echo from m2 or m3 is of a heartbeat sent more than a
  // failure timeout before the hold's time is up (44,006.671 ms), so it has no quorum then, and the
  // majority may have taken `b` over: the grants it would end, and the queue it would serve, may be
  // the new master's. It ends nothing and waits; declared dead at 46,000 ms, it resets at
  // 46,003.515 ms, and m3 rebuilds `b`.
  it('m1 ends nothing on b while cut off; it resets and m3 rebuilds b at 46,017.376 ms', () => {
    const { result, events } = runTwice(swarm, 1426);
    expect(result.violations).toEqual([]);
    expect(timelineBetween(events, 'b', 20_000, 46_017.376)).toEqual([
      '20063.487 m1 lvb-invalidate reason=recovery',
      '46017.376 m3 release client=c4 reason=superseded',
      '46017.376 m3 release client=c1 reason=superseded',
      '46017.376 m3 release client=c2 reason=superseded',
      '46017.376 m3 release client=c3 reason=superseded',
      '46017.376 m3 lvb-invalidate reason=recovery',
    ]);
    expect(pick(events, 'dlm-reset').filter((e) => e.t > 40_000).map((e) => `${e.t} ${e.node}`)).toEqual(['46003.515 m1']);
    expect(result.traceHash).toBe('6be037d597b5baa6');
  });
});

describe('3m-long-lease seed 2626: a restarted master rebuilding its own earlier root after its copy holder reset holds it', () => {
  // m1@0 grants c4 EX on a (token 49) at 18,136.098 ms; m2, its buddy, keeps the copy. m1 crashes
  // at 18,222 ms and restarts at 18,679 ms; a dropped link m2 → m3 keeps the directory from
  // settling, so nobody rebuilds a. m3 declared m2@0 dead at 17,987 ms and m2 resets on its next
  // heartbeat (18,988.338 ms), dropping the copy, before m1@1000 rebuilds anything; m1@1000 sees
  // m2@0 die, ends c4's EX by expiry at 20,003.639 ms, rebuilds a at 22,022.34 ms and grants
  // nothing on it. (The rebuild does not depend on the directory naming m1@0 as a's lost master.)
  it('m2 resets first; m1 rebuilds a at 22,022.34 ms and grants nothing on it after c4\u2019s EX', () => {
    const { result, events } = runTwice(threeLongLease, 2626);
    expect(result.violations).toEqual([]);
    expect(timeline(events, 'a').filter((line) => Number(line.split(' ')[0]) > 18_000)).toEqual([
      '18136.098 m1 grant client=c4 mode=EX token=49',
      '20003.639 m1 expire client=c4',
      '22022.34 m1 lvb-invalidate reason=recovery',
    ]);
    expect(result.traceHash).toBe('7594972778acbc86');
  });
});

describe('5m-long-lease-lock-delay seed 81: a master that saw the restart without a quorum moved no copies there', () => {
  // m1@0 masters `a`: it grants c4 EX (token 4) at 794.275 ms with c1's, c2's and c3's requests
  // queued. m4 crashes at 598 ms and restarts at 8,747 ms. m1, cut off from the majority
  // (partition 6,646-11,366 ms), takes m4@1000 into its view at 11,748.929 ms with no quorum, so
  // it moves no copies there, declares the others dead at 12,000 ms and resets at 12,007.382 ms.
  // Only a heartbeat sent with a quorum counts as having seen the restart: m4 counts its own loss
  // as the second and holds `a` from its rebuild at 12,043.726 ms to the end of the run (had m1@0's
  // heartbeat counted, it would grant c1 EX at once beside c4's).
  it('m4 rebuilds a at 12,043.726 ms and grants nothing on it after that, and nothing jumps the queue', () => {
    const { result, events } = runTwice(fiveLongLockDelay, 81);
    expect(result.violations).toEqual([]);
    expect(timeline(events, 'a').filter((line) => Number(line.split(' ')[0]) > 700)).toEqual([
      '794.275 m1 release client=c3 reason=unlock',
      '794.275 m1 grant client=c4 mode=EX token=4',
      '814.994 m1 enqueue client=c1 mode=EX queue=waiting',
      '1031.048 m1 enqueue client=c2 mode=EX queue=waiting',
      '1313.932 m1 enqueue client=c3 mode=EX queue=waiting',
      '12007.382 m1 dequeue client=c1 reason=reset',
      '12007.382 m1 dequeue client=c2 reason=reset',
      '12007.382 m1 dequeue client=c3 reason=reset',
      '12043.726 m4 release client=c1 reason=superseded',
      '12043.726 m4 release client=c2 reason=superseded',
      '12043.726 m4 release client=c3 reason=superseded',
      '12043.726 m4 lvb-invalidate reason=recovery',
    ]);
    expect(result.traceHash).toBe('eeb192709c0d267b');
  });
});

describe('3m-short-lease-lock-delay seed 9259: a master rebuilding its own earlier root counts its loss when the directory\u2019s record died', () => {
  // m1@0 masters `a` and grants c3 EX (token 38) at 14,370.666 ms; m2 holds the copy and is a's
  // directory node. m1 resets at 14,516.88 ms (m3 declared it dead: m1 \u2192 m3 was delayed 6.5 s);
  // m2 records that `a` lost m1@0, but the views do not settle before m2 crashes at 18,339 ms, so
  // nobody rebuilds `a` and the record (and the copy) go down with m2. At 24,000 ms m1@1 and m3
  // declare m2 dead; m1@1, a's directory node now, has no record of it and makes itself master with
  // no lost master named, so its rebuild counted one loss (m2), ended nothing and granted c4 EX
  // beside c3's (mutual-exclusion). m1 now knows from its own durable storage that its generation 0
  // mastered `a`: its own loss counts, and the rebuild holds `a` to the end of the run.
  it('m1 rebuilds a at 24,010.708 ms as after a double loss and grants nothing on it after c3\u2019s EX', () => {
    const { result, events } = runTwice(threeShortLockDelay, 9259);
    expect(result.violations.filter((v) => v.invariant !== 'stale-write')).toEqual([]);
    expect(timeline(events, 'a').filter((line) => Number(line.split(' ')[0]) > 14_000)).toEqual([
      '14100.213 m1 enqueue client=c1 mode=EX queue=waiting',
      '14122.323 m1 release client=c4 reason=unlock',
      '14122.323 m1 grant client=c1 mode=EX token=37',
      '14369.454 m1 release client=c1 reason=unlock',
      '14370.666 m1 grant client=c3 mode=EX token=38',
      '24010.708 m1 lvb-invalidate reason=recovery',
    ]);
    expect(result.traceHash).toBe('92fcd3466c52f84b');
  });
});

describe('3m-short-lease-lock-delay seed 80085: a master rebuilding its own unfinished rebuild counts the master that rebuild was for', () => {
  // m1@0 masters `b` and grants c3 EX (token 18) at 8,806.953 ms; m3, c3's home, holds the copy.
  // m1 crashes at 8,836 ms, so c3's unlock (8,935.373 ms) never reaches it; c3 pauses from
  // 13,546 ms to 22,779 ms. m2 and m3 declare m1@0 dead at 14,000 ms and m3, b's directory node,
  // becomes its master and gathers, but m3 → m2 drops everything until 17,107 ms: the gather never
  // ends, and the dir-sync that hands b's record (lost master m1@0) over to m2, its directory node
  // once m1@1000 joins (15,832 ms), lands only after m2 has declared m3@0 dead (17,000 ms), so m2
  // ignores it. m3 resets at 18,004.591 ms, with the copy of c3's EX; c4 asks for PR on b and m3@1
  // becomes b's master again with no lost master named. Counting only its own loss (m1's death, at
  // 14,000 ms, came before it) it rebuilt b as after a single loss and granted c4 PR at
  // 18,094.068 ms beside c3's EX (mutual-exclusion). m3 now counts m1@0 too, from its durable record
  // of the rebuild its generation 0 had not finished: it holds b, and the hold's end ends c3's EX (superseded).
  it('m3 rebuilds b at 18,090.064 ms as after a double loss and grants nothing on it; the hold’s end ends c3’s EX (superseded)', () => {
    const { result, events } = runTwice(threeShortLockDelay, 80085);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'crash').map((e) => `${e.t} ${e.node}`)).toEqual(['8836 m1']);
    expect(pick(events, 'dlm-reset').map((e) => `${e.t} ${e.node} gen=${String(e.f.gen)}`)).toEqual(['18004.591 m3 gen=1']);
    expect(pick(events, 'request', { client: 'c4', resource: 'b', mode: 'PR' }).map((e) => e.t).filter((t) => t > 18_000)).toEqual([18030.25]);
    expect(timelineBetween(events, 'b', 8800, 30_000)).toEqual([
      '8806.953 m1 grant client=c3 mode=EX token=18',
      '18090.064 m3 lvb-invalidate reason=recovery',
      '29261 m3 release client=c4 reason=superseded',
      '29261 m3 release client=c1 reason=superseded',
      '29261 m3 release client=c2 reason=superseded',
      '29261 m3 release client=c3 reason=superseded',
    ]);
    expect(result.traceHash).toBe('dfe8f09bfa89d225');
  });
});
