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
 * (scenarios/swarm-dlm-3m-short-lease-lock-delay.json, a copy: fixtures/swarm-dlm-3m-short-lease-lock-delay.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, timeline } from './world.js';

function fixture(name: string): ScenarioInput {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as ScenarioInput;
}

const threeLongLease = fixture('swarm-dlm-3m-long-lease');
const issueSwarm = fixture('swarm-fenced-dlm-issue12');
const swarm = fixture('swarm-fenced-dlm');
const fiveLongLockDelay = fixture('swarm-dlm-5m-long-lease-lock-delay-silence');
const threeShortLockDelay = fixture('swarm-dlm-3m-short-lease-lock-delay');

describe('3m-long-lease seed 129: a restarted copy holder rebuilding its dead master\u2019s root holds it', () => {
  // m1 masters `a` with c3's request queued (c3's home and copy holder m3 crashed at 7,759 ms) and
  // c1's behind it. m3 restarts at 16,216 ms; m1, declared dead in a partition, resets at
  // 16,265 ms before any heartbeat of it counted m3@1000 in. m3 rebuilds `a` without c3's request
  // and, counting one loss, granted c1 ahead of it (grant-order). It now counts its own loss too.
  it('m3 grants nothing on a after its rebuild before the run ends, and nothing jumps the queue', () => {
    const { result, events } = runTwice(threeLongLease, 129);
    expect(result.violations).toEqual([]);
    const rebuilt = pick(events, 'release', { client: 'c2', resource: 'a', reason: 'superseded' }).map((e) => `${e.t} ${e.node}`);
    expect(rebuilt).toEqual(['17274.387 m3']);
    expect(pick(events, 'grant', { resource: 'a' }).filter((e) => e.t >= 17_272.222 && e.f.recovery !== true)).toEqual([]);
    expect(result.traceHash).toBe('c01747c8d86b7c21');
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
    expect(result.traceHash).toBe('5c49413aee915798');
  });
});

describe('swarm-fenced-dlm seed 525: a held root whose time is up on a master without a quorum waits for one', () => {
  // m2 holds `a` (rebuilt after two losses) and is cut off alone; the majority declares it dead
  // and m1 rebuilds `a`, granting c1 EX (token 2005). m2's hold, counted from its last loss, ran
  // out at 32,000 ms while it was still cut off, and it ended c1's grant (superseded) in the trace
  // as the end of an unknown grant, so c1's write with token 2005 read as a stale write. The hold
  // of a master without a quorum now ends only when one is back; m2 resets first. (m1@1 also
  // rebuilds b at 29,055.599 ms, which m1@0 mastered before its reset at 11,015.417 ms and nobody
  // rebuilt since: m1's own loss counts there, so b is held.)
  it('only m1 ends c1’s grant on a, after c1 unlocks it, and nothing is stale', () => {
    const { result, events } = runTwice(swarm, 525);
    expect(result.violations).toEqual([]);
    const ends = pick(events, 'release', { client: 'c1', resource: 'a' }).filter((e) => e.t > 29_019.931 && e.t < 34_000).map((e) => `${e.t} ${e.node} ${String(e.f.reason)}`);
    expect(ends).toEqual(['33281.275 m1 unlock']);
    expect(result.traceHash).toBe('8b36a3afc3558a60');
  });
});

describe('3m-long-lease seed 2626: a restarted master rebuilding its own earlier root after its copy holder reset holds it', () => {
  // m1@0 grants c4 EX on a (token 49) at 18,136.098 ms; m2, its buddy, keeps the copy. m1 crashes
  // at 18,222 ms and restarts at 18,679 ms; m2 takes m1@1000 into its view, but a dropped link
  // m2 → m3 keeps the directory from settling, so nobody rebuilds a. m2, declared dead by m3,
  // resets at 22,018.56 ms and drops the copy. m1 rebuilds a at 22,052.671 ms seeing one death
  // (m2@0): its own loss did not count, since m2 had seen the restart, and it granted c1 EX
  // beside c4's (mutual-exclusion). The directory now tells m1 that a's lost master was an
  // earlier generation of itself, so its own loss counts and the rebuild holds a.
  it('m1 rebuilds a at 22,052.671 ms and grants nothing on it after c4\u2019s EX', () => {
    const { result, events } = runTwice(threeLongLease, 2626);
    expect(result.violations).toEqual([]);
    expect(timeline(events, 'a').filter((line) => Number(line.split(' ')[0]) > 18_000)).toEqual([
      '18136.098 m1 grant client=c4 mode=EX token=49',
      '22052.671 m1 lvb-invalidate reason=recovery',
    ]);
    expect(result.traceHash).toBe('8b583a88535344a4');
  });
});

describe('5m-long-lease-lock-delay seed 9955: a master that saw the restart without a quorum moved no copies there', () => {
  // m1@0 masters `a` with c2's EX request queued at 19,352.806 ms; c2's home and the request's
  // copy holder is m2. m1 is cut off one way from 19,513 ms and the majority declares it dead;
  // m2 crashes at 25,546 ms and restarts as m2@1000. m1@0, without a quorum, takes m2@1000 into
  // its view but moves no copies (copies move with a quorum only); after the heal its heartbeat
  // counting m2@1000 in reached m2 before m1 reset, so m2 took m1@0 for a master that had seen its
  // restart, counted one loss, rebuilt `a` without c2's request and granted c1 EX ahead of it at
  // 26,951.403 ms (grant-order). A heartbeat now says whether its sender holds a quorum, and only
  // one sent with a quorum counts: m2 counts its own loss as the second and holds `a`.
  it('m2 rebuilds a at 26,039.712 ms and grants nothing on it after that, and nothing jumps the queue', () => {
    const { result, events } = runTwice(fiveLongLockDelay, 9955);
    expect(result.violations).toEqual([]);
    expect(timeline(events, 'a').filter((line) => Number(line.split(' ')[0]) > 19_000)).toEqual([
      '19352.806 m1 enqueue client=c2 mode=EX queue=waiting',
      '26002.571 m1 dequeue client=c1 reason=reset',
      '26002.571 m1 dequeue client=c2 reason=reset',
      '26039.712 m2 release client=c1 reason=superseded',
      '26039.712 m2 lvb-invalidate reason=recovery',
    ]);
    expect(result.traceHash).toBe('8caba6450492c9eb');
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
