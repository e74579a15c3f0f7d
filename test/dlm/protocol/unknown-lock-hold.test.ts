/**
 * A lock that only its client still knows: its master and its only copy holder both lost their
 * state (a crash, a long pause, a minority reset) before anyone gathered the copy. The home that
 * takes over the client's session finds the client believing in a lock no live manager knows, and
 * the adoption fails. It used to end that lock at once (`expire`), although the client had not
 * heard yet that its session was lost and a write it had sent under the lock was still on its way:
 * the write then landed after that end with nobody newer having written, and no fencing token
 * could refuse it (stale-write). Nobody else could be granted the lock meanwhile: the root's new
 * master, having lost both, holds the root until such a lock's lease has surely run out. The
 * failed adoption now leaves the lock to that hold, whose end ends it. Each seed is replayed
 * against its configuration as it failed, asserts that nothing ends the lock before the late
 * write lands, and pins the trace hash the fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, timeline, type Ev } from './world.js';

function load(url: URL): ScenarioInput {
  return JSON.parse(readFileSync(url, 'utf8')) as ScenarioInput;
}

const fenced = load(new URL('./fixtures/swarm-fenced-dlm.json', import.meta.url));
const threeLong = load(new URL('./fixtures/swarm-dlm-3m-long-lease.json', import.meta.url));
const fiveLongLockDelay = load(new URL('./fixtures/swarm-dlm-5m-long-lease-lock-delay.json', import.meta.url));

/** The ends (`release`, `expire`) of `client`'s lock on `resource` traced from `fromMs` to `toMs`. */
function endsBetween(events: readonly Ev[], client: string, resource: string, fromMs: number, toMs: number): Ev[] {
  return events.filter((e) => (e.type === 'release' || e.type === 'expire') && e.f.client === client && e.f.resource === resource && e.t > fromMs && e.t < toMs);
}

describe('swarm-fenced-dlm seed 54578 (shrunk repro): a failed adoption leaves the lock nobody knows to the hold', () => {
  // m1, master of a and c4's home, grants c4 EX on a (token 24) at 5,801.948 ms; a partition cuts
  // c4's write off from the storage at 5,893 ms; m1 crashes at 6,792 ms and restarts empty; m2,
  // which held the copy, resets at 12,004.7 ms. m1@1's adoption of c4's session fails at
  // 12,014.314 ms (c4 learns it at 12,015.423 ms) and used to end c4's EX then; the write landed at
  // 12,034.166 ms. m1 rebuilds a, holding it, at 12,067.8 ms.
  const repro = load(new URL('../../../scenarios/regressions/swarm-fenced-dlm-seed-54578.json', import.meta.url));

  it('c4 still holds EX on a when its token-24 write lands, and nobody else is granted a', () => {
    const { result, events } = runTwice(repro, 54578);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'grant', { client: 'c4', resource: 'a', token: 24 }).map((e) => e.t)).toEqual([5801.948]);
    expect(pick(events, 'complete', { client: 'c4', resource: 'a', status: 'ABORTED' }).map((e) => e.t)).toEqual([12015.423]);
    expect(pick(events, 'expire', { client: 'c4', resource: 'a' })).toEqual([]);
    expect(pick(events, 'write', { client: 'c4', resource: 'a', token: 24 }).map((e) => e.t)).toEqual([12034.166]);
    expect(timeline(events, 'a', ['grant']).filter((line) => Number(line.split(' ')[0]) > 5801.948)).toEqual([]);
    expect(result.traceHash).toBe('e40fd33f246549cd');
  });
});

describe('swarm-fenced-dlm seed 54578: the end of the hold ends the lock nobody knows', () => {
  it('54578: c4 holds a from 5,801.948 ms until m2\u2019s hold on a ends at 44,000 ms', () => {
    const { result, events } = runTwice(fenced, 54578);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'write', { client: 'c4', resource: 'a', token: 24 }).map((e) => e.t)).toEqual([12034.166]);
    expect(endsBetween(events, 'c4', 'a', 5801.948, 60_000).map((e) => `${e.t} ${e.node} ${e.type} ${String(e.f.reason)}`)).toEqual(['44000 m2 release superseded']);
    expect(result.traceHash).toBe('59542ea71df7ad49');
  });
});

/**
 * The same losses minus the copy holder: the master loses its state, but the lock's copy holder
 * keeps it, so some live manager still knows the lock and no adoption has anything to fail. The
 * root is still rebuilt with other locks lost, and held; the copy keeps the lock in the rebuilt
 * root, the late write lands under it, and the client's unlock, which reaches the root during the
 * hold, waits there like every other request and ends the lock when the hold is over (82428), or
 * not within the run when the hold outlasts it (3385).
 */
describe('a lock whose copy holder survives stays in the held rebuild, and its client\u2019s unlock waits for the hold\u2019s end', () => {
  // m1, master of a and c1's home (so m2, its buddy, holds the copy), grants c1 EX on a (token 9)
  // at 2,103.554 ms; a partition (2,282 ms) cuts c1's write off from the storage, and m1 pauses
  // from 3,364 ms. m3 declares m2 dead at 8,000 ms without a quorum (m1, paused, has echoed
  // nothing within the failure timeout), and m2, alone, declares m1 and m3 dead;
  // at the heal m2 and m3 take each other back and neither resets: m2 keeps the copy. m2
  // rebuilds a at 11,020.087 ms without m1's state and holds it; m1 resumes, finds itself declared
  // dead and resets (11,451 ms). c1's write lands at 12,199 ms; its unlock reaches m2 at
  // 12,225.273 ms and ends the lock at the hold's end, 34,000 ms, before m2 grants c2 and c3.
  it('fenced 82428: m2 keeps c1\u2019s EX on a (token 9), the write lands at 12,199 ms, c1\u2019s unlock ends it at 34,000 ms, then c2 and c3 follow', () => {
    const { result, events } = runTwice(fenced, 82428);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'dlm-reset').filter((e) => e.t < 36_000).map((e) => `${e.t} ${e.node}`)).toEqual(['11451 m1']);
    expect(pick(events, 'lvb-invalidate', { resource: 'a', reason: 'recovery' }).map((e) => `${e.t} ${e.node}`)).toEqual(['11013.732 m2']);
    expect(pick(events, 'complete', { client: 'c1', resource: 'a' }).filter((e) => e.t > 2103.554 && e.t < 34_500).map((e) => `${e.t} ${String(e.f.status)}`)).toEqual(['2123.892 GRANTED', '34013.894 UNLOCKED']);
    expect(pick(events, 'write', { client: 'c1', resource: 'a', token: 9 }).map((e) => e.t)).toEqual([12199]);
    expect(endsBetween(events, 'c1', 'a', 2103.554, 34_500).map((e) => `${e.t} ${e.node} ${e.type} ${String(e.f.reason)}`)).toEqual(['34000 m2 release unlock']);
    expect(timeline(events, 'a', ['grant']).filter((line) => Number(line.split(' ')[0]) > 2103.554 && Number(line.split(' ')[0]) < 34_400)).toEqual([
      '34000 m2 grant client=c2 mode=EX token=1010 recovery',
      '34247.774 m2 grant client=c3 mode=EX token=1011',
    ]);
    expect(result.traceHash).toBe('c7e248f186cdf0ed');
  });

  // m1, master of a, grants c3 EX on a (token 3) at 576.538 ms and crashes at 1,531 ms; c3's home
  // m3 holds the copy. A partition (767-7,141 ms) leaves m2 alone: it declares m1@0 and m3 dead
  // without a quorum at 6,000 ms, while m3, with m1@1000 (restarted at 4,507 ms), holds one and
  // declares m2 dead. Back in a quorum that counts m3 alive, m2 resets itself (8,002.27 ms) and
  // m3 keeps its state, c3's session and the copy. m3 rebuilds a at 8,040.472 ms with m1's state
  // lost and holds it. c3's write lands at 12,582 ms; its unlock reaches m3 as an mreq at
  // 12,607.13 ms and waits for the hold's end, after the run's end: nothing ends c3's lock in the run.
  it('3m-long-lease 3385: m3 keeps c3\u2019s EX on a (token 3), c3 is never told its session is lost, and its unlock waits at the held root', () => {
    const { result, events } = runTwice(threeLong, 3385);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'grant', { client: 'c3', resource: 'a', token: 3 }).map((e) => `${e.t} ${e.node}`)).toEqual(['576.538 m1']);
    expect(pick(events, 'dlm-reset').map((e) => `${e.t} ${e.node}`)).toEqual(['8002.27 m2', '25005.746 m1']);
    expect(pick(events, 'lvb-invalidate', { resource: 'a', reason: 'recovery' }).map((e) => `${e.t} ${e.node}`)).toEqual(['8040.472 m3']);
    expect(pick(events, 'complete', { client: 'c3', resource: 'a' }).filter((e) => e.t > 576.538).map((e) => `${e.t} ${String(e.f.status)}`)).toEqual(['590.014 GRANTED']);
    expect(pick(events, 'write', { client: 'c3', resource: 'a', token: 3 }).map((e) => e.t)).toEqual([12_582]);
    expect(pick(events, 'request', { client: 'c3', resource: 'a', op: 'unlock' }).map((e) => e.t)).toEqual([12_587.778]);
    expect(pick(events, 'deliver', { from: 'm1', to: 'm3', msg: 'mreq' }).filter((e) => e.t > 12_587.778 && e.t < 16_490).map((e) => e.t)).toEqual([12_607.13]);
    expect(endsBetween(events, 'c3', 'a', 576.538, 30_001)).toEqual([]);
    expect(result.traceHash).toBe('8145956069406dd3');
  });
});

/** A seed whose late write used to land after the failed adoption's `expire`. */
interface LateWrite {
  readonly name: string;
  readonly input: ScenarioInput;
  readonly seed: number;
  readonly client: string;
  readonly resource: string;
  readonly token: number;
  readonly grantedMs: number;
  /** When the failed adoption used to end the lock. */
  readonly endedMs: number;
  readonly writtenMs: number;
  readonly hash: string;
}

const lateWrites: readonly LateWrite[] = [
  { name: 'swarm-dlm-3m-long-lease', input: threeLong, seed: 552, client: 'c3', resource: 'b', token: 20, grantedMs: 9912.679, endedMs: 20_008, writtenMs: 20_047.957, hash: 'c752d4c44c5375f0' },
  { name: 'swarm-dlm-3m-long-lease', input: threeLong, seed: 1731, client: 'c3', resource: 'b', token: 1030, grantedMs: 19_537.437, endedMs: 28_496, writtenMs: 29_676.231, hash: '1aa4546f2d20d889' },
  { name: 'swarm-dlm-3m-long-lease', input: threeLong, seed: 3560, client: 'c2', resource: 'a', token: 9, grantedMs: 2049.036, endedMs: 10_092.032, writtenMs: 10_283.523, hash: '0f7cbabc82b3046e' },
  { name: 'swarm-dlm-5m-long-lease-lock-delay', input: fiveLongLockDelay, seed: 7058, client: 'c2', resource: 'a', token: 30, grantedMs: 7246.932, endedMs: 20_011.745, writtenMs: 20_474.777, hash: 'af8eec2991d5fb7c' },
  // One partition cut m1 (master of a, c1's home) and m2 (its copy holder) off together, 2 of 5.
  { name: 'swarm-dlm-5m-long-lease-lock-delay', input: fiveLongLockDelay, seed: 7208, client: 'c1', resource: 'a', token: 1, grantedMs: 47.124, endedMs: 12_000, writtenMs: 12_265.852, hash: '6a78c5f1cccd1737' },
  { name: 'swarm-dlm-5m-long-lease-lock-delay', input: fiveLongLockDelay, seed: 8306, client: 'c4', resource: 'a', token: 52, grantedMs: 12_704.201, endedMs: 22_448.854, writtenMs: 22_929.667, hash: '0263548274567f69' },
];

describe('long-lease configurations: a late write under a lock nobody knows lands before the lock ends', () => {
  for (const w of lateWrites) {
    it(`${w.name} seed ${w.seed}: nothing ends ${w.client}'s EX on ${w.resource} (token ${w.token}) at ${w.endedMs} ms any more, and its write lands at ${w.writtenMs} ms`, () => {
      const { result, events } = runTwice(w.input, w.seed);
      expect(result.violations).toEqual([]);
      expect(pick(events, 'grant', { client: w.client, resource: w.resource, token: w.token }).map((e) => e.t)).toEqual([w.grantedMs]);
      expect(pick(events, 'write', { client: w.client, resource: w.resource, token: w.token }).map((e) => e.t)).toEqual([w.writtenMs]);
      expect(endsBetween(events, w.client, w.resource, w.grantedMs, w.writtenMs)).toEqual([]);
      expect(result.traceHash).toBe(w.hash);
    });
  }
});
