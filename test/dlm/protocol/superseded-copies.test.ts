/**
 * Seeds of the DLM swarm where a rebuild met a copy standing for a lock the service had already
 * ended, replayed against the swarm as it was when they failed (fixtures/), each with the trace
 * hash its fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, timeline } from './world.js';

const fiveShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-5m-short-lease.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('5m-short-lease seed 3632: a copy granted below a conflicting copy\u2019s token is not adopted', () => {
  // m1@0, cut off with m4 by a one-way partition, grants c3 EX on a (token 43); m4, m1's buddy,
  // keeps the copy. m4 and m1 reset; m5 rebuilds a without m4 (not yet in its view), holds it,
  // and grants on from token 1000 on; nobody tells m4 to drop its copy. When m5 resets in turn
  // (26,018.655 ms), m1@1 rebuilds a from c4's copy (EX, token 1047) and m4's (c3, EX, token 43,
  // version 32), which won the merge over c3's current copy (a waiting request, version 0): the
  // rebuild restated c3's EX grant beside c4's (mutual-exclusion, RecoveryAssertionError). m2's
  // lost copy of c2's EX (token 42, its unlock pending) is left to the rebuild, which traces its
  // end again, as before.
  it('m1 keeps c4\u2019s EX, ends c3\u2019s waiting request as a recovery does, and grants nothing to c3', () => {
    const { result, events } = runTwice(fiveShort, 3632);
    expect(result.violations).toEqual([]);
    expect(timeline(events, 'a').filter((line) => Number(line.split(' ')[0]) > 25_960)).toEqual([
      '25962.772 m5 release client=c2 reason=unlock',
      '25962.772 m5 grant client=c4 mode=EX token=1047',
      '25980.36 m5 enqueue client=c3 mode=EX queue=waiting',
      '26048.885 m1 release client=c3 reason=superseded',
      '26048.885 m1 expire client=c2',
      '26048.885 m1 lvb-invalidate reason=recovery',
    ]);
    expect(pick(events, 'grant', { client: 'c3', resource: 'a', token: 43 }).map((e) => `${e.t} ${e.node}`)).toEqual(['10445.523 m1']);
    expect(result.traceHash).toBe('98c4ff058fd23320');
  });
});
