/**
 * A manager that declared a peer dead while it held a quorum may have rebuilt the peer's roots;
 * losing that quorum later does not undo the rebuild, so the peer must reset when it is heard
 * again, not be taken back with the lock state it kept. Swarm-fenced-dlm seeds 55588 and 63195
 * (shrunk repros in scenarios/regressions/) both draw two overlapping partitions: the first cuts
 * m1 off, the second m2, so m2 and m3 declare m1 dead together (a quorum: m2's view m2,m3) and
 * then, cut from each other, declare each other dead and are left with no quorum anywhere. They
 * used to take m1 back at the heal (nobody had a quorum, the rule went, so nobody recovered
 * anything), and m1 went on mastering `a` beside the master m2 had rebuilt: two EX grants at once
 * (55588) and a token below one already issued (63195).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, type Ev } from './world.js';

function repro(seed: number): ScenarioInput {
  return JSON.parse(readFileSync(`scenarios/regressions/swarm-fenced-dlm-seed-${seed}.json`, 'utf8')) as ScenarioInput;
}

/** The view `node` traced last before `t` ms. */
function viewAt(events: readonly Ev[], node: string, t: number): string {
  const views = events.filter((e) => e.type === 'dlm-view' && e.node === node && e.t < t);
  return String(views[views.length - 1]!.f.view);
}

describe('a peer declared dead under a quorum since lost is told dead-to-me, not taken back', () => {
  it.each([
    // seed, when m2/m3 lost their quorum, who tells m1 first and when, m1's reset, trace hash
    [55588, 13_000, 'm2', 13005.488, 13011.714, '0fae6106c7963f38'],
  ])('seed %i: m2 and m3 alone since %i ms; %s tells m1 dead-to-me at %f ms, m1 resets at %f ms, nothing overlaps', (seed, aloneMs, teller, toldMs, resetMs, hash) => {
    const { result, events } = runTwice(repro(seed), seed);
    expect(result.violations).toEqual([]);
    expect(viewAt(events, 'm2', aloneMs + 1)).toBe('m2@0');
    expect(viewAt(events, 'm3', aloneMs + 1)).toBe('m3@0');
    const told = pick(events, 'send', { to: 'm1', msg: 'dead-to-me' });
    expect(`${told[0]!.t} ${told[0]!.node}`).toBe(`${toldMs} ${teller}`);
    // Without a quorum when it tells: only the quorum it held when m1 died makes it refuse m1.
    expect(viewAt(events, teller, toldMs)).toBe(`${teller}@0`);
    expect(pick(events, 'dlm-reset', { gen: 1 }).filter((e) => e.node === 'm1').map((e) => e.t)).toEqual([resetMs]);
    // m1@0 grants nothing after the heal: it rejoins empty as m1@1.
    expect(pick(events, 'grant').filter((e) => e.node === 'm1' && e.t > aloneMs && e.t < resetMs)).toEqual([]);
    expect(result.traceHash).toBe(hash);
  });
});

describe('seed 63195: two managers cut from each other for a failure timeout hold no quorum to declare the third dead by', () => {
  // The second partition (6,370 ms) cuts m2 from m3 before the first (5,465 ms, m1 cut off) is a
  // failure timeout old. When m2 and m3 declare m1@0 dead at 11,000 ms, each last heard the other
  // just before 6,370 ms, so its detector still counts the other (the view m2@0,m3@0), but that
  // heartbeat echoed one of its own beats sent about a second earlier, more than the failure
  // timeout before 11,000 ms: under the echo quorum neither counts the other, and the verdict is
  // given without a quorum. Nobody rebuilds m1's roots, so
  // nobody has anything to refuse m1 for: at the heals they take m1 back, m1 keeps mastering `a`,
  // and no manager resets. (When the two still held a quorum, they told m1 dead-to-me at 12,001.2
  // ms and m1 reset at 12,006.8 ms.)
  it('m2 and m3 declare m1 dead alone at 11,000 ms, rebuild nothing, take m1 back; m1 grants on, nobody resets', () => {
    const { result, events } = runTwice(repro(63195), 63195);
    expect(result.violations).toEqual([]);
    expect(viewAt(events, 'm2', 11_001)).toBe('m2@0,m3@0');
    expect(viewAt(events, 'm2', 12_001)).toBe('m2@0');
    expect(viewAt(events, 'm3', 12_001)).toBe('m3@0');
    expect(pick(events, 'send', { msg: 'dead-to-me' })).toEqual([]);
    expect(pick(events, 'dlm-reset')).toEqual([]);
    expect(pick(events, 'lvb-invalidate', { reason: 'recovery' })).toEqual([]);
    expect(pick(events, 'dlm-view').filter((e) => e.node !== 'm1' && e.t > 13_000 && e.t < 13_010).map((e) => `${e.t} ${e.node} ${String(e.f.view)}`)).toEqual([
      '13001.31 m3 m1@0,m3@0',
      '13001.402 m2 m1@0,m2@0',
      '13004.07 m3 m1@0,m2@0,m3@0',
      '13009.379 m2 m1@0,m2@0,m3@0',
    ]);
    expect(pick(events, 'grant', { resource: 'a' }).filter((e) => e.t > 11_000 && e.t < 14_300).map((e) => `${e.t} ${e.node} ${String(e.f.client)}`)).toEqual(['14001.495 m1 c3', '14251.937 m1 c4']);
    expect(result.traceHash).toBe('ef8bcd06a20c8aa5');
  });
});

describe('3m-short-lease-lock-delay seed 1274: a grant every manager forgot ends at the hold\u2019s end, its client known only by a later session', () => {
  // Overlapping partitions again: m1 (master of a) grants c3 EX (token 3); c3's unlock, re-sent
  // through m1 once c3's home m3 is cut off, waits there for a quorum. m1 is told dead-to-me and
  // resets (8,012.596 ms), dropping the grant untraced. m2 and m3, each cut from the other, declare
  // each other dead alone (8,000 ms); m2 is back in a quorum with m1@1, whose view counts m3 alive
  // but is no verdict while m1@1's detector has not run a failure timeout, so m2 keeps its state and
  // holds m3 dead under that quorum: m3 resets (9,007.804 ms). c3's old session is lost with m3 and
  // c3 opens a later one (its request on b from 10,019.68 ms). m2 rebuilds a with c3's copy lost (m3
  // held it) and holds it; c3's earlier session is over, so whatever grant it had on a ends
  // (superseded) when the hold is over, before m2 grants c4.
  it('m2 ends c3\u2019s grant on a at 17,000 ms, before its first grant there, and nothing overlaps', () => {
    const input = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8')) as ScenarioInput;
    const { result, events } = runTwice(input, 1274);
    expect(result.violations.filter((v) => v.invariant !== 'stale-write')).toEqual([]);
    expect(pick(events, 'dlm-reset', { gen: 1 }).map((e) => `${e.t} ${e.node}`)).toEqual(['8012.596 m1', '9007.804 m3']);
    const ends = pick(events, 'release', { client: 'c3', resource: 'a', reason: 'superseded' });
    expect(ends.map((e) => `${e.t} ${e.node}`)).toEqual(['17000 m2']);
    const firstGrant = pick(events, 'grant', { resource: 'a' }).find((e) => e.t > 9000)!;
    expect(`${firstGrant.t} ${firstGrant.node} ${String(firstGrant.f.client)}`).toBe('17000 m2 c4');
    expect(events.indexOf(ends[0]!)).toBeLessThan(events.indexOf(firstGrant));
    expect(result.traceHash).toBe('ecf405c99ecb11f8');
  });
});
