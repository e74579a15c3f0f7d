/**
 * A death verdict given under a quorum outlives the nodes that gave it. A quorum that declared a
 * peer generation dead may have rebuilt its roots; if every node of that quorum then crashes or
 * resets, nobody is left who remembers, and the peer would be taken back with its old queues
 * beside the rebuild. The verdict is kept in each node's durable storage and re-learned at a
 * restart or reset; it is dropped once the peer is heard at a newer generation, and when the node
 * resets on the word of a majority view that counts the peer in (that majority outlived the
 * verdict's author, and recovers what the author rebuilt).
 *
 * 3m-long-lease seed 6303: m1@0 and m2@1 declare m3@0 dead at 19,000 ms (a quorum); m1 crashes
 * at 20,204 ms and restarts at 22,387 ms, m2 resets at 23,005.8 ms on m3@0's view m1@1000,m3@0.
 * A restarted m1@1000 that assumed m3@0 alive would give it a quorum back with the state it kept
 * (when m3@0 still mastered `a` here, it granted c4's new EX request ahead of c3's and c2's waiting
 * ones: grant-order; m1 masters `a` from 8 s on in this run, so the seed shows the verdict held,
 * and the bench below drives the count directly). Now m1@1000 starts with m3@0 dead and answers it
 * dead-to-me; m2's reset on m3@0's majority view drops m2's own verdict, so m1's durable one is
 * what stops m3@0.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import type { ProcessContext } from '../../../src/sim/types.js';
import type { ReliableLinks } from '../../../src/dlm/protocol/links.js';
import { HB_TAG, Membership, type Member, type MembershipHost } from '../../../src/dlm/protocol/membership.js';
import type { Tuning } from '../../../src/dlm/protocol/tuning.js';
import { pick, runTwice } from './world.js';

const threeLong = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-3m-long-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-long-lease seed 6303: m3@0, declared dead by a quorum that then crashed and reset, is not taken back', () => {
  const { result, events } = runTwice(threeLong, 6303);
  const views = (node: string, fromMs: number, toMs: number): string[] =>
    pick(events, 'dlm-view').filter((e) => e.node === node && e.t >= fromMs && e.t <= toMs).map((e) => `${e.t} ${e.f.view as string}`);

  it('m1 and m2 declare m3@0 dead together, under a quorum', () => {
    expect(views('m1', 19_000, 19_000)).toEqual(['19000 m1@0,m2@1']);
    expect(views('m2', 19_000, 19_000)).toEqual(['19000 m1@0,m2@1']);
  });

  it('the restarted m1 starts with m3@0 dead (m2, reset by m3@0\u2019s majority view, does not); m1 tells m3 dead-to-me and m3 rejoins empty as m3@1', () => {
    expect(views('m1', 22_387, 22_387)).toEqual(['22387 m1@1000,m2@0']);
    expect(views('m2', 23_005.776, 23_005.776)).toEqual(['23005.776 m1@1000,m2@2,m3@0']);
    const told = pick(events, 'send', { to: 'm3', msg: 'dead-to-me' });
    expect(told.map((e) => `${e.t} ${e.node}`)).toEqual(['23008.088 m1']);
    expect(pick(events, 'dlm-reset').filter((e) => e.node === 'm3').map((e) => `${e.t} ${e.f.gen as number}`)).toEqual(['23010.749 1']);
  });

  it('no grant on a follows the verdict: m3@0 never grants again, and the root the lost masters leave is held to the end of the run; no invariant is violated', () => {
    expect(pick(events, 'grant', { resource: 'a' }).filter((e) => e.t > 19_000)).toEqual([]);
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('f9092ea2793d656e');
  });
});

/** A membership of m1 among m1, m2 and m3 over a hand-driven clock, recording what it sends and what it tells its host. */
class MembershipBench {
  nowUs = 0;
  readonly sent: string[] = [];
  readonly told: string[] = [];
  readonly durable = new Map<string, unknown>();
  readonly verdicts = new Map<string, number>();
  members: Membership;

  constructor() {
    this.members = this.start(0);
  }

  /** A new process on the same durable storage (the node restarted as `gen`). */
  start(gen: number): Membership {
    const ctx = {
      id: 'm1',
      durable: this.durable,
      now: () => this.nowUs,
      send: (to: string, payload: { type: string; gen?: number }) => this.sent.push(`${to} ${payload.type}${payload.type === 'dead-to-me' ? `@${String(payload.gen)}` : ''}`),
      setTimer: () => 0,
    } as unknown as ProcessContext;
    const links = { setPeerGen: () => undefined, suspend: () => undefined } as unknown as ReliableLinks;
    const host: MembershipHost = {
      viewChanged: (dead: readonly Member[], joined: readonly Member[]) => this.told.push(`view -${dead.map((m) => `${m.id}@${m.gen}`).join(',')} +${joined.map((m) => `${m.id}@${m.gen}`).join(',')}`),
      quorumChanged: () => this.told.push('quorum'),
      resetTo: (to: number) => this.told.push(`reset ${to}`),
      rebuiltFor: () => [],
    };
    const tuning = { heartbeatUs: 1_000_000, failureTimeoutUs: 5_000_000 } as Tuning;
    this.members = new Membership(ctx, ['m1', 'm2', 'm3'], gen, tuning, links, host, this.verdicts);
    return this.members;
  }

  /**
   * m3 falls silent while m2 keeps beating with a view that counts m1 in, echoing m1's heartbeat 2
   * (sent at 3 s, so m2 counts towards the quorum until 8 s); the detector runs at 6 s.
   */
  loseM3(): void {
    this.members.start();
    this.nowUs = 3_000_000;
    this.members.onTimer(HB_TAG);
    this.members.onHeartbeat('m2', 0, 'm1@0,m2@0', 3, 2);
    this.nowUs = 6_000_000;
    this.members.checkNow();
  }
}

describe('Membership keeps its death verdicts in durable storage, one generation per peer', () => {
  it('a verdict given under a quorum is recorded as the peer generation it names', () => {
    const bench = new MembershipBench();
    bench.loseM3();
    expect(bench.members.live).toEqual(['m1', 'm2']);
    expect(bench.members.hasQuorum).toBe(true);
    expect([...bench.verdicts]).toEqual([['m3', 0]]);
  });

  it('a verdict given without a quorum is not recorded', () => {
    const bench = new MembershipBench();
    bench.nowUs = 6_000_000;
    bench.members.checkNow();
    expect(bench.members.live).toEqual(['m1']);
    expect(bench.members.hasQuorum).toBe(false);
    expect([...bench.verdicts]).toEqual([]);
  });

  it('after a restart the peer generation is still dead and its heartbeat is answered dead-to-me', () => {
    const bench = new MembershipBench();
    bench.loseM3();
    const restarted = bench.start(1000);
    expect(restarted.live).toEqual(['m1', 'm2']);
    expect(restarted.genOf('m3')).toBe(0);
    restarted.onHeartbeat('m3', 0, 'm1@0,m2@0,m3@0', 9, 1);
    expect(restarted.live).toEqual(['m1', 'm2']);
    expect(bench.sent.filter((s) => s.startsWith('m3 dead-to-me'))).toEqual(['m3 dead-to-me@0']);
  });

  it('after a reset the peer generation is still dead, even with no quorum left, and is told dead-to-me', () => {
    const bench = new MembershipBench();
    bench.loseM3();
    bench.members.resetSelf(1);
    expect(bench.members.live).toEqual(['m1', 'm2']);
    bench.nowUs = 12_000_000;
    bench.members.checkNow();
    expect(bench.members.hasQuorum).toBe(false);
    bench.members.onHeartbeat('m3', 0, 'm3@0', 9, 1);
    expect(bench.members.live).toEqual(['m1']);
    expect(bench.sent.filter((s) => s.startsWith('m3 dead-to-me'))).toEqual(['m3 dead-to-me@0']);
    expect(bench.told).not.toContain('reset 2');
  });

  it('a reset on the word of a majority view that counts the peer in drops the verdict on it', () => {
    const bench = new MembershipBench();
    bench.loseM3();
    bench.members.onDeadToMe(0, 'm2@0,m3@0');
    expect(bench.told).toContain('reset 1');
    expect([...bench.verdicts]).toEqual([]);
  });

  it('a reset on the word of a view that is no majority, or leaves the peer out, keeps the verdict', () => {
    const bench = new MembershipBench();
    bench.loseM3();
    bench.members.onDeadToMe(0, 'm2@0');
    expect([...bench.verdicts]).toEqual([['m3', 0]]);
    bench.members.resetSelf(1);
    bench.members.onDeadToMe(1, 'm1@2,m2@0');
    expect(bench.told).toEqual(expect.arrayContaining(['reset 1', 'reset 2']));
    expect([...bench.verdicts]).toEqual([['m3', 0]]);
  });

  it('the verdict is dropped once the peer is heard at a newer generation, and does not come back at a restart', () => {
    const bench = new MembershipBench();
    bench.loseM3();
    bench.members.onHeartbeat('m3', 1, 'm1@0,m2@0,m3@1', 1_000 * 2 ** 24 + 1, 4);
    expect(bench.members.live).toEqual(['m1', 'm2', 'm3']);
    expect([...bench.verdicts]).toEqual([]);
    const restarted = bench.start(1000);
    expect(restarted.live).toEqual(['m1', 'm2', 'm3']);
  });

  it('a peer declared dead at two generations in turn leaves one verdict, on the later one', () => {
    const bench = new MembershipBench();
    bench.loseM3();
    bench.members.onHeartbeat('m3', 1, 'm1@0,m2@0,m3@1', 1_000 * 2 ** 24 + 1, 4);
    // m1's heartbeat 3 leaves at 7.5 s; m2's echo of it counts until 12.5 s.
    bench.nowUs = 7_500_000;
    bench.members.onTimer(HB_TAG);
    bench.nowUs = 9_000_000;
    bench.members.onHeartbeat('m2', 0, 'm1@0,m2@0,m3@1', 9, 3);
    bench.nowUs = 12_000_000;
    bench.members.checkNow();
    expect(bench.members.live).toEqual(['m1', 'm2']);
    expect([...bench.verdicts]).toEqual([['m3', 1]]);
  });
});
