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

describe('swarm-fenced-dlm seeds 54578 and 82428: the end of the hold ends the lock nobody knows', () => {
  it('54578: c4 holds a from 5,801.948 ms until m2\u2019s hold on a ends at 44,000 ms', () => {
    const { result, events } = runTwice(fenced, 54578);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'write', { client: 'c4', resource: 'a', token: 24 }).map((e) => e.t)).toEqual([12034.166]);
    expect(endsBetween(events, 'c4', 'a', 5801.948, 60_000).map((e) => `${e.t} ${e.node} ${e.type} ${String(e.f.reason)}`)).toEqual(['44000 m2 release superseded']);
    expect(result.traceHash).toBe('4f4fcb4c5ac9b2d7');
  });

  it('82428: c1 holds a from 2,103.554 ms until m3\u2019s hold on a ends at 35,000 ms, then c2 and c3 follow', () => {
    const { result, events } = runTwice(fenced, 82428);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'write', { client: 'c1', resource: 'a', token: 9 }).map((e) => e.t)).toEqual([12199]);
    expect(endsBetween(events, 'c1', 'a', 2103.554, 36_000).map((e) => `${e.t} ${e.node} ${e.type} ${String(e.f.reason)}`)).toEqual(['35000 m3 release superseded']);
    expect(timeline(events, 'a', ['grant']).filter((line) => Number(line.split(' ')[0]) > 2103.554 && Number(line.split(' ')[0]) < 36_000)).toEqual([
      '35000 m3 grant client=c2 mode=EX token=1010 recovery',
      '35244.32 m3 grant client=c3 mode=EX token=1011',
    ]);
    expect(result.traceHash).toBe('56886d3668e96cd0');
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
  { name: 'swarm-dlm-3m-long-lease', input: threeLong, seed: 3385, client: 'c3', resource: 'a', token: 3, grantedMs: 576.538, endedMs: 10_002.008, writtenMs: 12_582, hash: '27767e41b1928055' },
  { name: 'swarm-dlm-3m-long-lease', input: threeLong, seed: 3560, client: 'c2', resource: 'a', token: 9, grantedMs: 2049.036, endedMs: 10_092.032, writtenMs: 10_283.523, hash: '6b03252d08e959f0' },
  { name: 'swarm-dlm-5m-long-lease-lock-delay', input: fiveLongLockDelay, seed: 7058, client: 'c2', resource: 'a', token: 30, grantedMs: 7246.932, endedMs: 20_011.745, writtenMs: 20_474.777, hash: '148164d0fc975de8' },
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
