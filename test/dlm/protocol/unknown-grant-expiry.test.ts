/**
 * A grant that a root's lost managers made, and that its client heard of, ends by its lease, not as
 * superseded, when the root is rebuilt after losing several managers and held. The hold exists to
 * wait such grants out: nobody else is granted the root until their lease has run out. Two ways the
 * trace used to end them as `release` (superseded), which the stale-write invariant reads as "the
 * service took the lock away by recovery" and which no write may ever follow:
 *
 * - at the rebuild, restating a request found pending in a copy (the lost master granted it, its
 *   outcome reached the client, the copy holder never heard): the client still held the lock within
 *   its lease, and wrote under it while the root was held (5m-short-lease seed 62045);
 * - at the hold's end, for a client with a session known to be over: its grant ended with the
 *   session, by its lease, and a write it had sent while holding landed late, after the hold's end
 *   (3m-short-lease-lock-delay seed 27827, the storage paused until then).
 *
 * Now the rebuild of a held root leaves the request to the hold's end, which ends it among the
 * requests that waited; and the hold's end expires the unknown grant of every client heard of that
 * asks for nothing there. What remains is the late write these short-lease configurations expect.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, timelineBetween } from './world.js';

function load(name: string): ScenarioInput {
  return JSON.parse(readFileSync(new URL(`../../../scenarios/${name}.json`, import.meta.url), 'utf8')) as ScenarioInput;
}

const fiveShort = load('swarm-dlm-5m-short-lease');
const threeShortDelay = load('swarm-dlm-3m-short-lease-lock-delay');

const ENDS = ['grant', 'release', 'expire'];

describe('a grant a held root waits out ends by its lease, not as superseded', () => {
  it(
    '5m-short-lease seed 62045: m1 grants c1 EX on a (token 25) and is declared dead before its copy reaches m2; m2 rebuilds a after losing ' +
      'several managers and holds it; c1 writes under its grant during the hold, which ends it later',
    () => {
      const { result, events } = runTwice(fiveShort, 62045);
      expect(result.violations.map((v) => `${v.invariant}: ${v.message}`)).toEqual([
        "stale-write: storage accepted c4's write (token 24) at 13016.392 ms, but c4's lock on a ended at 10186.0 ms (expired); c1 holds EX since 10186.0 ms",
        "stale-write: storage accepted c3's write (token 1027) at 28410.955 ms, but c3's lock on a ended at 25013.109 ms (expired)",
      ]);
      expect(pick(events, 'grant', { client: 'c1', resource: 'a', token: 25 }).map((e) => `${e.t} ${e.node}`)).toEqual(['10186 m1']);
      // The rebuild (16,187.826 ms) ends only c2's request, whose session is over; c1's grant stands
      // through its write until its home, reclaiming its session, finds no live manager knows it.
      expect(timelineBetween(events, 'a', 16000, 22000, ENDS)).toEqual(['16187.826 m2 release client=c2 reason=superseded', '17002.769 m3 expire client=c1']);
      expect(pick(events, 'write', { client: 'c1', resource: 'a' }).map((e) => `${e.t} ${String(e.f.token)}`)).toContain('16236.688 25');
      // The hold's end ends the requests that waited, then serves them.
      expect(timelineBetween(events, 'a', 22187.826, 22187.826, ENDS)).toEqual([
        '22187.826 m2 release client=c1 reason=superseded',
        '22187.826 m2 release client=c3 reason=superseded',
        '22187.826 m2 expire client=c2',
        '22187.826 m2 expire client=c4',
        '22187.826 m2 grant client=c1 mode=EX token=1026 recovery',
        '22187.826 m2 release client=c1 reason=unlock',
        '22187.826 m2 grant client=c3 mode=EX token=1027 recovery',
      ]);
      expect(result.traceHash).toBe('1b7fff60bdac93c2');
    },
  );

  it(
    '3m-short-lease-lock-delay seed 27827: c4 sends a write under its EX on a (token 8), loses its session while every manager resets; ' +
      'the write lands at the storage, paused till then, after the hold of a ends',
    () => {
      const { result, events } = runTwice(threeShortDelay, 27827);
      expect(result.violations.map((v) => `${v.invariant}: ${v.message}`)).toEqual([
        "stale-write: storage accepted c4's write (token 8) at 22521.0 ms, but c4's lock on a ended at 22012.576 ms (expired); c1 holds EX since 22012.576 ms",
      ]);
      expect(pick(events, 'grant', { client: 'c4', resource: 'a', token: 8 }).map((e) => `${e.t} ${e.node}`)).toEqual(['1806.443 m1']);
      expect(pick(events, 'complete', { client: 'c4', resource: 'a', status: 'ABORTED' }).map((e) => e.t)).toEqual([14025.36]);
      // Sessions over (c2, c3, c4) end by their lease at the hold's end; only c1, still asking, is superseded.
      expect(timelineBetween(events, 'a', 14025.36, 22100, ENDS)).toEqual([
        '22012.576 m2 release client=c1 reason=superseded',
        '22012.576 m2 expire client=c2',
        '22012.576 m2 expire client=c3',
        '22012.576 m2 expire client=c4',
        '22012.576 m2 grant client=c1 mode=EX token=1009 recovery',
      ]);
      expect(result.traceHash).toBe('c9d1c1e7bc81f886');
    },
  );
});
