/**
 * A master whose buddy changes tells the former buddy to drop the copies it kept for it only on
 * the roots whose grants its records know. 3m-short-lease-lock-delay seed 19780: m1 grants c2 EX
 * on `a` (token 42) at 10,178.658 ms; c2's home m2 holds the copy. m1 is cut off from 13,514 ms
 * and m2 paused from 18,439 ms, so c2 asks m3 to adopt its session while m2 is paused. m3 becomes
 * the master of `a` when m1 rejoins reset (22,005.936 ms); m2 resumes at 22,163 ms, takes m3's
 * adoption (its copy of c2's EX now names m3 as its home) and learns m3 masters `a`. m3's buddy
 * changes from m2 to m1@1, and its `ch-drop` reached m2 before m3's gather of `a`: m2 dropped
 * every copy naming m3 as home on a root m3 masters, the only record of c2's grant among them, so
 * m3 rebuilt `a` without it and granted c4 EX (token 1043) at 22,190.163 ms beside it (it had no
 * roots at all when it sent the `ch-drop`). The `ch-drop` now names the roots the master knows
 * the grants of (none here); m2 keeps the copy and reports it, with c2's unlock pending, and the
 * rebuild ends c2's lock (unlock) before it grants c4.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { runTwice, timelineBetween } from './world.js';

const threeShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-short-lease-lock-delay seed 19780: a copy the master has not gathered survives its buddy change', () => {
  const { result, events } = runTwice(threeShort, 19780);

  it("m3's rebuild of a ends c2's EX (unlock) before it grants c4", () => {
    expect(timelineBetween(events, 'a', 22_000, 22_200)).toEqual([
      '22005.936 m1 dequeue client=c3 reason=reset',
      '22005.936 m1 dequeue client=c4 reason=reset',
      '22190.163 m3 release client=c4 reason=superseded',
      '22190.163 m3 release client=c3 reason=superseded',
      '22190.163 m3 release client=c2 reason=unlock',
      '22190.163 m3 release client=c2 reason=unlock',
      '22190.163 m3 grant client=c4 mode=EX token=1043 recovery',
    ]);
  });

  it('no mutual-exclusion violation is left, only the late write the configuration expects', () => {
    expect(result.violations.map((v) => v.invariant)).toEqual(['stale-write']);
    expect(result.violations.some((v) => v.invariant === 'mutual-exclusion')).toBe(false);
    expect(result.traceHash).toBe('ce59ae6b016f5898');
  });
});
