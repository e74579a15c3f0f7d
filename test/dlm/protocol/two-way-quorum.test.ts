/**
 * A peer counts towards a manager's quorum only while the two hear each other: its heartbeat
 * counts this node in and echoes one of this node's heartbeats sent within the failure timeout.
 *
 * Before, hearing the peer was enough. Cut off one way (its own messages lost, the majority's
 * arriving), a manager went on counting the majority that had stopped hearing it, declared it dead
 * and rebuilt its roots: 3m-short-lease-lock-delay seed 4333, m1 granted c1 EX on `a` at
 * 23,629.4 ms beside m2's rebuild, which granted c2 at 24,034.6 ms (mutual-exclusion); seed 8517,
 * a grant ahead of a request queued at the majority (grant-order).
 *
 * The unit half drives one Membership (m1 of m1, m2, m3; heartbeat 1 s, failure timeout 5 s) by
 * hand: heartbeat k of m1 leaves at (k − 1) s.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import type { ProcessContext } from '../../../src/sim/types.js';
import type { ReliableLinks } from '../../../src/dlm/protocol/links.js';
import { BEATS_PER_GENERATION, HB_TAG, Membership, type Member, type MembershipHost } from '../../../src/dlm/protocol/membership.js';
import type { Tuning } from '../../../src/dlm/protocol/tuning.js';
import { pick, runTwice } from './world.js';

const S = 1_000_000;

/** m1 among m1, m2 and m3 over a hand-driven clock, recording what it tells its host. */
class Bench {
  nowUs = 0;
  readonly told: string[] = [];
  readonly members: Membership;

  constructor() {
    const ctx = {
      id: 'm1',
      durable: new Map<string, unknown>(),
      now: () => this.nowUs,
      send: () => undefined,
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
    this.members = new Membership(ctx, ['m1', 'm2', 'm3'], 0, tuning, links, host, new Map());
    this.members.start();
  }

  /** m1's heartbeat timer at `tUs` (detector round, then heartbeat number tUs / 1 s + 1). */
  tick(tUs: number): void {
    this.nowUs = tUs;
    this.members.onTimer(HB_TAG);
  }

  /** A heartbeat from `from` arrives at `tUs`, echoing m1's heartbeat `echo`. */
  hb(tUs: number, from: string, echo: number, view = 'm1@0,m2@0,m3@0', gen = 0): void {
    this.nowUs = tUs;
    this.members.onHeartbeat(from, gen, view, Math.floor(tUs / S) + 1, echo, true);
  }

  /** Both peers' heartbeats of second `s` arrive 5 ms later, echoing `echo`. */
  both(s: number, echo: number): void {
    this.hb(s * S + 5000, 'm2', echo);
    this.hb(s * S + 5000, 'm3', echo);
  }
}

describe('Membership counts a peer only while its heartbeats echo a recent one of this node', () => {
  it('one-way cut: m1 keeps hearing both peers, which stop hearing it after its heartbeat 6 (5 s); m1 loses its quorum at 10 s, before either can declare it dead (11 s at the earliest)', () => {
    const b = new Bench();
    for (let s = 1; s <= 5; s++) {
      b.tick(s * S);
      b.both(s, s + 1);
    }
    for (let s = 6; s <= 11; s++) {
      b.tick(s * S);
      b.both(s, 6);
    }
    const at = (tUs: number): boolean => {
      b.nowUs = tUs;
      return b.members.hasQuorum;
    };
    expect(at(10 * S)).toBe(true);
    expect(at(10 * S + 1)).toBe(false);
    // The host hears of it with the next heartbeat; the view still holds all three.
    expect(b.told).toEqual(['10005 quorum false']);
    expect(b.members.live).toEqual(['m1', 'm2', 'm3']);
    // The detector heard both all along: no verdict of its own (a resume would not reset on it).
    expect(b.members.detectorQuorum).toBe(true);
  });

  it('symmetric cut: no heartbeat after 5 s; the quorum goes at 10 s, the detector declares both dead at 11 s', () => {
    const b = new Bench();
    for (let s = 1; s <= 5; s++) {
      b.tick(s * S);
      b.both(s, s + 1);
    }
    for (let s = 6; s <= 10; s++) b.tick(s * S);
    expect(b.members.hasQuorum).toBe(true);
    b.nowUs = 10 * S + 1;
    expect(b.members.hasQuorum).toBe(false);
    b.tick(11 * S);
    expect(b.told).toEqual(['11000 view -m2@0,m3@0 +']);
    expect(b.members.detectorQuorum).toBe(false);
  });

  it('an echo of a heartbeat older than the failure timeout does not count, and a fresh one brings the quorum back at once', () => {
    const b = new Bench();
    for (let s = 1; s <= 8; s++) {
      b.tick(s * S);
      // m2 echoes m1's heartbeat 2 (1 s) every time; m3 is silent after its first heartbeat.
      b.hb(s * S + 5000, 'm2', 2);
      if (s === 1) b.hb(s * S + 5000, 'm3', 2);
    }
    // Heartbeat 2 left at 1 s: its echo counted until 6 s.
    b.nowUs = 6 * S + 5000;
    expect(b.members.hasQuorum).toBe(false);
    expect(b.told).toEqual(['6005 quorum false', '7000 view -m3@0 +']);
    // m2 has lost m3 too (a peer m2 still counted alive would come back with the quorum).
    b.hb(8 * S + 500_000, 'm2', 9, 'm1@0,m2@0');
    expect(b.members.hasQuorum).toBe(true);
    expect(b.told.slice(2)).toEqual(['8500 quorum true']);
  });

  it('at its start a node counts every peer for one failure timeout before their echoes must show', () => {
    const b = new Bench();
    for (let s = 1; s <= 6; s++) {
      b.tick(s * S);
      b.both(s, 0);
    }
    b.nowUs = 5 * S;
    expect(b.members.hasQuorum).toBe(true);
    b.nowUs = 5 * S + 1;
    expect(b.members.hasQuorum).toBe(false);
    expect(b.told).toEqual(['5005 quorum false']);
  });

  it('a peer heard at a new generation counts once it echoes this node: its restart is no echo (seed 4333: m2@1000 came back knowing nothing of m1)', () => {
    const b = new Bench();
    for (let s = 1; s <= 3; s++) {
      b.tick(s * S);
      b.both(s, s + 1);
    }
    // m3 falls silent; m2 restarts as m2@1000 at 3.5 s, assuming m1 alive as every new node does.
    b.hb(3.5 * S, 'm2', 0, 'm1@0,m2@1000,m3@0', 1000);
    expect(b.members.live).toEqual(['m1', 'm2', 'm3']);
    expect(b.members.hasQuorum).toBe(true);
    for (let s = 4; s <= 8; s++) {
      b.tick(s * S);
      b.hb(s * S + 5000, 'm2', 0, 'm1@0,m2@1000,m3@0', 1000);
    }
    // m3's last echo (heartbeat 4, sent 3 s) aged out at 8 s; m2@1000 never echoed m1.
    b.nowUs = 8 * S + 5000;
    expect(b.members.hasQuorum).toBe(false);
    b.hb(8 * S + 600_000, 'm2', 9, 'm1@0,m2@1000', 1000);
    expect(b.members.hasQuorum).toBe(true);
  });

  it('an echo of this node\u2019s previous generation, or of a heartbeat never sent, does not count', () => {
    const b = new Bench();
    for (let s = 1; s <= 6; s++) b.tick(s * S);
    b.hb(6 * S + 5000, 'm2', 99);
    b.hb(6 * S + 5000, 'm3', 99);
    expect(b.members.hasQuorum).toBe(false);
    // Reset at 6.005 s: the peers count for one failure timeout (to 11.005 s), then by echo only.
    b.members.resetSelf(1);
    b.tick(12 * S);
    // Heartbeat 7 of generation 0 (6 s) is not one of generation 1's.
    b.hb(12 * S + 5000, 'm2', 7, 'm1@1,m2@0,m3@0');
    b.hb(12 * S + 5000, 'm3', 7, 'm1@1,m2@0,m3@0');
    expect(b.members.hasQuorum).toBe(false);
    // Generation 1's first heartbeat left at 12 s.
    b.hb(12 * S + 6000, 'm2', BEATS_PER_GENERATION + 1, 'm1@1,m2@0,m3@0');
    expect(b.members.hasQuorum).toBe(true);
  });

  it('model: the quorum holds exactly while a peer echoed a heartbeat of m1 sent within the failure timeout', () => {
    // Each second m1 beats and both peers' heartbeats arrive (so the detector keeps both alive),
    // each echoing m1's heartbeat sent `lag` seconds before (none yet when m1 had not sent it).
    const lag = fc.integer({ min: 0, max: 8 });
    fc.assert(
      fc.property(fc.array(fc.tuple(lag, lag), { minLength: 6, maxLength: 20 }), (rounds) => {
        const b = new Bench();
        // The start counts as an echo (see above).
        const echoedAtUs = { m2: 0, m3: 0 };
        for (let i = 0; i < rounds.length; i++) {
          const s = i + 1;
          b.tick(s * S);
          for (const [peer, l] of [['m2', rounds[i]![0]], ['m3', rounds[i]![1]]] as const) {
            const echo = l > s ? 0 : s - l + 1;
            b.hb(s * S + 5000, peer, echo);
            if (echo > 0) echoedAtUs[peer] = Math.max(echoedAtUs[peer], (s - l) * S);
          }
          const probeUs = s * S + 500_000;
          b.nowUs = probeUs;
          expect(b.members.live).toEqual(['m1', 'm2', 'm3']);
          expect(b.members.hasQuorum).toBe(Math.max(echoedAtUs.m2, echoedAtUs.m3) + 5 * S >= probeUs);
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});

const threeShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-short-lease-lock-delay seed 4333: m1, cut off one way, stops granting when its echoes age, not when the majority has rebuilt `a`', () => {
  // One-way cut from 17,265 ms: m1's messages are lost, m2's and m3's arrive. m3 last hears m1's
  // heartbeat of 17,000 ms, m2 restarts at 22,814 ms (m2@1000) and never hears m1. m3 declares m1
  // dead at 23,000 ms; m2, then m3's rebuild of `a`, grant c2 EX at 24,034.6 ms.
  const { result, events } = runTwice(threeShort, 4333);

  it('m1@0 grants nothing once cut off and resets on m3\u2019s verdict, dropping the requests queued there (c1\u2019s, whose session ended while it had no quorum, last)', () => {
    expect(pick(events, 'grant').filter((e) => e.node === 'm1' && e.t > 17_265 && e.t < 30_000)).toEqual([]);
    expect(pick(events, 'dlm-reset').filter((e) => e.node === 'm1').map((e) => `${e.t} ${e.f.gen as number}`)).toEqual(['23008.582 1']);
    expect(pick(events, 'dequeue', { reason: 'reset' }).map((e) => `${e.t} ${e.node} ${String(e.f.client)} ${String(e.f.resource)}`)).toEqual(['23008.582 m1 c2 a', '23008.582 m1 c3 a', '23008.582 m1 c1 a']);
  });

  it('no invariant is violated; trace pinned', () => {
    expect(result.violations).toEqual([]);
    expect(result.traceHash).toBe('1b5f9926baa8e275');
  });
});

describe('3m-short-lease-lock-delay seed 8517: the grant-order finding is gone, the expected stale write stays', () => {
  const { result } = runTwice(threeShort, 8517);

  it('only the stale write of c3 on b (token 14) is left; trace pinned', () => {
    expect(result.violations.map((v) => `${v.invariant} ${v.message}`)).toEqual([
      "stale-write storage accepted c3's write (token 14) at 16951.213 ms, but c3's lock on b ended at 9010.8 ms (expired)",
    ]);
    expect(result.traceHash).toBe('6943f8ed35d67741');
  });
});
