/**
 * An adoption asked of a manager that has just become master of a root and is still gathering the
 * copies to rebuild it from. Its master role knows no grant of that root yet, and its copy holder
 * used to leave out every copy of a root its own node masters (the master reports those), so the
 * copies that were the only record of a grant were reported by nobody: the adopting home found the
 * client believing in a lock no live manager knew, ended it (`expire`) while the client still held
 * it. A write the client sent while it held the lock, held up on its way, could then land after
 * the end (stale-write). Each seed pins the trace hash the fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, timeline } from './world.js';

function load(url: URL): ScenarioInput {
  return JSON.parse(readFileSync(url, 'utf8')) as ScenarioInput;
}

describe('swarm-fenced-dlm seed 20315 (shrunk repro): the copies of a root being gathered count in an adoption', () => {
  // m1, master of a and c1's home, grants c1 EX on a (token 17) at 4,602.368 ms; c1's write waits
  // on a storage paused from 4,807 ms to 13,046 ms. m1 crashes at 10,893 ms and restarts at
  // 10,999 ms; m2, c1's copy holder, becomes master of a and gathers copies until 11,023.857 ms.
  // c1's KeepAlive reaches m1@1 at 11,005.734 ms, whose adoption asks m2 at 11,008.424 ms, during
  // the gather. m2 used to answer that it knew nothing granted to c1, m1 ended c1's EX at
  // 13,009.121 ms (expired), m2 granted c3 EX (token 1018) and the storage accepted c1's token 17
  // at 13,046 ms. Now m2's copy counts: c1 keeps a until it unlocks, and c3 is granted after.
  const repro = load(new URL('../../../scenarios/regressions/swarm-fenced-dlm-seed-20315.json', import.meta.url));

  it('c1 keeps EX on a through the adoption, its late write lands while it holds it, and c3 follows', () => {
    const { result, events } = runTwice(repro, 20315);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'expire', { client: 'c1', resource: 'a' })).toEqual([]);
    expect(pick(events, 'write', { client: 'c1', resource: 'a', token: 17 }).map((e) => e.t)).toEqual([13046]);
    expect(timeline(events, 'a', ['grant', 'release']).filter((line) => Number(line.split(' ')[0]) > 10_000)).toEqual([
      '11023.857 m2 release client=c3 reason=superseded',
      '13060.295 m2 release client=c1 reason=unlock',
      '13060.295 m2 grant client=c3 mode=EX token=1018',
      '13311.925 m2 release client=c3 reason=unlock',
    ]);
    expect(result.traceHash).toBe('2d9530e832f69351');
  });
});

describe('swarm-dlm-3m-long-lease seed 2366: an adoption after a reset finds the grant in the new master\u2019s gathered copies', () => {
  // m1, master of a and c1's home, grants c1 EX on a (token 45) at 13,191.34 ms; c1's write is
  // held up on its way to the storage until 27,797.988 ms. m1, cut off one way from 18,641 ms,
  // declares m2 and m3 dead and resets at 28,003.15 ms, after the heal; m2, c1's copy holder,
  // becomes master of a and gathers its copies from 28,013.112 to 28,031.438 ms. m1@1's adoption of
  // c1's session (c1's KeepAlive of 28,000 ms) reaches m2 at 28,013.112 ms, as the gather starts.
  // Counting only its master role's grants, m2 would answer that c1 holds nothing there, and m1@1
  // would end c1's EX (expire, at 29,004.378 ms) while c1 still holds it. Now m2's copy counts:
  // c1 keeps a until its unlock, and c2 is granted after.
  const threeLong = load(new URL('./fixtures/swarm-dlm-3m-long-lease.json', import.meta.url));

  it('c1 keeps EX on a until its unlock at 29,010.962 ms, and nothing ends it before', () => {
    const { result, events } = runTwice(threeLong, 2366);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'dlm-reset').filter((e) => e.t < 29_100).map((e) => `${e.t} ${e.node}`)).toEqual(['28003.15 m1']);
    expect(pick(events, 'expire', { client: 'c1', resource: 'a' })).toEqual([]);
    expect(pick(events, 'write', { client: 'c1', resource: 'a', token: 45 }).map((e) => e.t)).toEqual([27797.988]);
    const after = timeline(events, 'a', ['grant', 'release']).filter((line) => {
      const t = Number(line.split(' ')[0]);
      return t >= 13_191.34 && t < 29_100;
    });
    expect(after).toEqual([
      '13191.34 m1 release client=c4 reason=unlock',
      '13191.34 m1 grant client=c1 mode=EX token=45',
      '28031.438 m2 release client=c2 reason=superseded',
      '28031.438 m2 release client=c4 reason=superseded',
      '28031.438 m2 release client=c3 reason=superseded',
      '29010.962 m2 release client=c1 reason=unlock',
      '29010.962 m2 grant client=c2 mode=EX token=1046',
    ]);
    expect(result.traceHash).toBe('00447970c2d9e859');
  });
});
