/**
 * An adoption asked of a manager that has just become master of a root and is still gathering the
 * copies to rebuild it from. Its master role knows no grant of that root yet, and its copy holder
 * used to leave out every copy of a root its own node masters (the master reports those), so the
 * copies that were the only record of a grant were reported by nobody: the adopting home found the
 * client believing in a lock no live manager knew, ended it (`expire`) and lost the session. The
 * client's write, sent while it held the lock and held up on its way, then landed after the end
 * (stale-write). Each seed is replayed against its configuration as it failed and pins the trace
 * hash the fix produces.
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

describe('swarm-dlm-3m-long-lease seed 9712: an adoption after a reset finds the grant in the new master\u2019s gathered copies', () => {
  // m1 grants c1 EX on a (token 61) at 20,621.412 ms, just after a partition heals; c1's write waits
  // on a storage paused from 20,834 ms for 8,969 ms. m1 and the others declare each other dead at
  // 21,000 ms and m1 resets; m2, c1's copy holder, rebuilds a. m1@1's adoption of c1's session used
  // to find the grant nowhere and end it (22,007.554 ms), and the storage accepted c1's token 61 at
  // 29,803 ms beside c2's EX. Now c1 keeps a until its unlock, and c2 is granted after.
  const threeLong = load(new URL('./fixtures/swarm-dlm-3m-long-lease.json', import.meta.url));

  it('c1 keeps EX on a until its unlock at 29,824.534 ms, and nothing ends it before', () => {
    const { result, events } = runTwice(threeLong, 9712);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'expire', { client: 'c1', resource: 'a' })).toEqual([]);
    expect(pick(events, 'write', { client: 'c1', resource: 'a', token: 61 }).map((e) => e.t)).toEqual([29803]);
    const after = timeline(events, 'a', ['grant', 'release']).filter((line) => {
      const t = Number(line.split(' ')[0]);
      return t > 20_621.412 && t < 29_900;
    });
    expect(after).toEqual([
      '21018.202 m2 release client=c2 reason=superseded',
      '21018.202 m2 release client=c3 reason=superseded',
      '29824.534 m2 release client=c1 reason=unlock',
      '29824.534 m2 grant client=c2 mode=EX token=1062',
    ]);
    expect(result.traceHash).toBe('a7cb7630a921e0e7');
  });
});
