/**
 * A manager that declared its peers dead without a quorum, and regains one by taking some of them
 * back while a member of the regained quorum still counts alive a peer it holds dead, resets: it
 * was the one cut off, and the majority it rejoins went on with that peer. Only when its quorum
 * holds the peer dead too is the peer dead under that quorum (and told to reset).
 *
 * Before, every peer still dead to it was recorded dead under the quorum it regained, told
 * `dead-to-me` on its next heartbeat, and reset: 5m-short-lease seed 5928, m5 (cut off one way
 * until 13,930 ms, alone declaring m1 to m4 dead) took m3 and m4 back and told m1@0 and m2@0 to
 * reset, the master of `a` and the home of c1, the only two managers that knew of m1's grant to c1
 * (token 25, 13,960.9 ms, which c1 had not yet heard of); m1@1 rebuilt `a` without it, and its
 * grants to c3 (23,020.3 ms) and c2 (26,559.5 ms) read as overlapping it (mutual-exclusion).
 * Now m5 resets as m4 gives it the quorum (14,004.2 ms), m1 and m2 keep their state, and c1 learns
 * of token 25 and unlocks it.
 *
 * The unit half drives one Membership (m1 of m1, m2, m3; heartbeat 1 s, failure timeout 5 s) by
 * hand: heartbeat k of m1 leaves at (k − 1) s.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import type { ProcessContext } from '../../../src/sim/types.js';
import type { ReliableLinks } from '../../../src/dlm/protocol/links.js';
import { BEATS_PER_GENERATION, HB_TAG, Membership, type Member, type MembershipHost } from '../../../src/dlm/protocol/membership.js';
import type { Tuning } from '../../../src/dlm/protocol/tuning.js';
import { pick, runTwice, timelineBetween } from './world.js';

const S = 1_000_000;
const ALL = 'm1@0,m2@0,m3@0';

/** m1 among m1, m2 and m3 over a hand-driven clock, recording what it tells its host and the `dead-to-me` it sends. */
class Bench {
  nowUs = 0;
  readonly told: string[] = [];
  readonly deadToMe: string[] = [];
  readonly verdicts = new Map<string, number>();
  readonly members: Membership;

  constructor() {
    const ctx = {
      id: 'm1',
      durable: new Map<string, unknown>(),
      now: () => this.nowUs,
      send: (to: string, msg: { type: string }) => {
        if (msg.type === 'dead-to-me') this.deadToMe.push(`${this.nowUs / 1000} ${to}`);
      },
      setTimer: () => 0,
    } as unknown as ProcessContext;
    const links = { setPeerGen: () => undefined, suspend: () => undefined } as unknown as ReliableLinks;
    const host: MembershipHost = {
      viewChanged: (dead: readonly Member[], joined: readonly Member[]) => this.told.push(`${this.nowUs / 1000} view -${dead.map((m) => `${m.id}@${m.gen}`).join(',')} +${joined.map((m) => `${m.id}@${m.gen}`).join(',')}`),
      quorumChanged: () => this.told.push(`${this.nowUs / 1000} quorum ${String(this.members.hasQuorum)}`),
      resetTo: (to: number) => this.told.push(`${this.nowUs / 1000} reset ${to}`),
      rebuiltFor: () => [],
    };
    const tuning = { heartbeatUs: 1 * S, failureTimeoutUs: 5 * S } as Tuning;
    this.members = new Membership(ctx, ['m1', 'm2', 'm3'], 0, tuning, links, host, this.verdicts);
    this.members.start();
  }

  /** m1's heartbeat timer at `tUs` (detector round, then heartbeat number tUs / 1 s + 1). */
  tick(tUs: number): void {
    this.nowUs = tUs;
    this.members.onTimer(HB_TAG);
  }

  /** A heartbeat from `from` arrives at `tUs`, echoing m1's heartbeat `echo`. */
  hb(tUs: number, from: string, echo: number, view = ALL): void {
    this.nowUs = tUs;
    this.members.onHeartbeat(from, 0, view, Math.floor(tUs / S) + 1, echo, true);
  }

  /**
   * Both peers heard until 5 s, then m1 hears nothing (cut off): its quorum goes at 10 s (the host
   * hears of it with the view change) and its detector declares both dead at 11 s, without a
   * quorum. Its clock runs on to 13 s.
   */
  cutOffUntil13s(): void {
    for (let s = 1; s <= 5; s++) {
      this.tick(s * S);
      this.hb(s * S + 5000, 'm2', s + 1);
      this.hb(s * S + 5000, 'm3', s + 1);
    }
    for (let s = 6; s <= 13; s++) this.tick(s * S);
  }
}

describe('Membership: a node that regains a quorum whose members count alive a peer it holds dead resets', () => {
  it('m1, cut off, declares m2 and m3 dead without a quorum; taking m2 back, which counts both in, it resets, recording no verdict and telling m3 nothing', () => {
    const b = new Bench();
    b.cutOffUntil13s();
    expect(b.told).toEqual(['11000 view -m2@0,m3@0 +']);
    // m2's heartbeat of 13.5 s echoes m1's heartbeat 14 (13 s): taken back, m2 gives m1 a quorum.
    b.hb(13.5 * S, 'm2', 14);
    expect(b.told.slice(1)).toEqual(['13500 reset 1']);
    expect(b.members.peer('m3')?.deadUnderQuorum).toBe(false);
    expect([...b.verdicts]).toEqual([]);
    expect(b.deadToMe).toEqual([]);
  });

  it('the same when the quorum comes back with the next heartbeat of a peer already taken back', () => {
    const b = new Bench();
    b.cutOffUntil13s();
    // m2, alone in its view, is taken back but counts m1 out: no quorum yet.
    b.hb(13.5 * S, 'm2', 14, 'm2@0');
    expect(b.told.slice(1)).toEqual(['13500 view - +m2@0']);
    expect(b.members.hasQuorum).toBe(false);
    // Its next heartbeat counts m1 and m3 in.
    b.hb(13.6 * S, 'm2', 14);
    expect(b.told.slice(2)).toEqual(['13600 reset 1']);
    expect([...b.verdicts]).toEqual([]);
  });

  it('a peer the regained quorum holds dead too stays dead under it and is told to reset', () => {
    const b = new Bench();
    b.cutOffUntil13s();
    b.hb(13.5 * S, 'm2', 14, 'm1@0,m2@0');
    expect(b.told.slice(1)).toEqual(['13500 view - +m2@0']);
    expect(b.members.hasQuorum).toBe(true);
    expect(b.members.peer('m3')?.deadUnderQuorum).toBe(true);
    expect([...b.verdicts]).toEqual([['m3', 0]]);
    b.hb(13.6 * S, 'm3', 14);
    expect(b.deadToMe).toEqual(['13600 m3']);
  });

  it('a peer declared dead while the quorum held stays dead under it, whatever a member of the quorum counts (the detector goes on declaring peers dead)', () => {
    const b = new Bench();
    for (let s = 1; s <= 11; s++) {
      b.tick(s * S);
      // m2 keeps hearing m1 and m3; m1 hears m3 only until 5 s.
      b.hb(s * S + 5000, 'm2', s + 1);
      if (s <= 5) b.hb(s * S + 5000, 'm3', s + 1);
    }
    expect(b.told).toEqual(['11000 view -m3@0 +']);
    expect(b.members.hasQuorum).toBe(true);
    expect(b.members.peer('m3')?.deadUnderQuorum).toBe(true);
    expect(b.members.live).toEqual(['m1', 'm2']);
    b.hb(11.5 * S, 'm3', 12);
    expect(b.deadToMe).toEqual(['11500 m3']);
  });
});

describe('Membership: a restarted peer\u2019s first views are no verdict on the peers it has not yet judged', () => {
  // m1 declares m2@0 and m3@0 dead at 11 s (both gone, no quorum). m2 restarts as m2@1000 and
  // starts, as every node does, counting every manager alive at generation 0 for one failure
  // timeout (5 s), m3@0 included: a heartbeat it sends in that time says nothing about m3.
  const restarted = 1000;
  const hbOfRestarted = (b: Bench, tUs: number, round: number): void => {
    b.nowUs = tUs;
    b.members.onHeartbeat('m2', restarted, `m1@0,m2@${restarted},m3@0`, restarted * BEATS_PER_GENERATION + round + 1, Math.floor(tUs / S), false);
  };

  it('m2@1000\u2019s first heartbeat gives m1 a quorum: m1 keeps its state and holds m3@0 dead under it', () => {
    const b = new Bench();
    b.cutOffUntil13s();
    for (let s = 14; s <= 20; s++) b.tick(s * S);
    hbOfRestarted(b, 20.5 * S, 0);
    expect(b.told.slice(1)).toEqual(['20500 view - +m2@1000']);
    expect(b.members.hasQuorum).toBe(true);
    expect([...b.verdicts]).toEqual([['m3', 0]]);
  });

  it('a heartbeat of m2@1000 sent once its detector ran a failure timeout, still counting m3@0 alive, is a verdict: m1 resets', () => {
    const b = new Bench();
    b.cutOffUntil13s();
    for (let s = 14; s <= 20; s++) b.tick(s * S);
    // Round 6 leaves 6 s after m2's restart, its detector having run past the 5 s failure timeout.
    hbOfRestarted(b, 20.5 * S, 6);
    expect(b.told.slice(1)).toEqual(['20500 reset 1']);
    expect([...b.verdicts]).toEqual([]);
  });
});

const fiveShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-5m-short-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('5m-short-lease seed 5928: m5, cut off one way until 13,930 ms, resets on regaining a quorum instead of resetting the majority\u2019s members', () => {
  const { result, events } = runTwice(fiveShort, 5928);

  it('m5 takes m3 back, then resets as m4 gives it a quorum; m1 and m2 do not reset', () => {
    expect(pick(events, 'dlm-view').filter((e) => e.node === 'm5' && e.t > 13_930 && e.t < 14_004).map((e) => `${e.t} ${String(e.f.view)} +${(e.f.joined as string[]).join(',')}`)).toEqual(['14003.917 m3@0,m5@0 +m3@0']);
    expect(pick(events, 'dlm-reset').filter((e) => e.t < 21_000).map((e) => `${e.t} ${e.node} ${e.f.gen as number}`)).toEqual(['14004.175 m5 1']);
    expect(pick(events, 'send', { msg: 'dead-to-me' }).filter((e) => e.t < 21_000).map((e) => `${e.t} ${e.node} ${String(e.f.to)}`)).toEqual([]);
  });

  it('m1@0\u2019s grant to c1 (token 25) reaches c1 and ends by its unlock; the grants after it are in order', () => {
    expect(timelineBetween(events, 'a', 13_960, 14_300, ['grant', 'release'])).toEqual([
      '13960.891 m1 release client=c4 reason=unlock',
      '13960.891 m1 grant client=c1 mode=EX token=25',
      '14272.307 m1 release client=c1 reason=unlock',
      '14272.307 m1 grant client=c2 mode=EX token=26',
    ]);
  });

  it('no invariant is violated; trace pinned', () => {
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('13b9a5c21249d634');
  });
});
