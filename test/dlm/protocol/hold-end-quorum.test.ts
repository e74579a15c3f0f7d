/**
 * A hold ends only with a quorum, judged by a failure detector brought up to the moment the hold
 * ends. 3m-short-lease-lock-delay seed 205: m2 rebuilds `a` at 16,832.764 ms and holds it; a
 * partition cuts it off with the storage from 20,136 ms. Its hold's time is up at 25,811.492 ms,
 * before its detector's own tick (26,000 ms): m1 and m3 are past the failure timeout by then, so
 * the detector, run first, declares them dead at that instant and m2 keeps `a` held in its
 * minority. The majority declares m2 dead at 26,000 ms; after the heal (27,377 ms) m2 resets at
 * 28,009.2 ms and m3 rebuilds `a` at 28,043.672 ms. Under the echo quorum m2 holds no quorum at
 * the hold's end even on its detector's state of the last tick (no echo of a heartbeat sent within
 * the failure timeout came back across the partition); the detector run first makes its verdict on
 * m1 and m3 the hold's end too, so the view the hold ends in is the one the quorum is judged by.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice, timelineBetween } from './world.js';

const threeShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-short-lease-lock-delay seed 205: a hold that ends as its peers go silent waits for a quorum', () => {
  const { result, events } = runTwice(threeShort, 205);

  it('m2 declares m1 and m3 dead when its hold ends, and grants nothing on a in its minority', () => {
    expect(pick(events, 'dlm-view').filter((e) => e.node === 'm2' && e.t > 20_000 && e.t < 27_377).map((e) => `${e.t} ${e.f.view as string}`)).toEqual(['25811.492 m2@0']);
    expect(timelineBetween(events, 'a', 16_700, 28_043.672)).toEqual([
      '16832.764 m2 release client=c2 reason=superseded',
      '16832.764 m2 lvb-invalidate reason=recovery',
      '28022.295 m1 dequeue client=c3 reason=purge',
      '28043.672 m3 release client=c2 reason=superseded',
      '28043.672 m3 lvb-invalidate reason=recovery',
    ]);
  });

  it('nothing is violated, not even a late write, and m2 resets once the partition heals', () => {
    expect(result.violations).toEqual([]);
    expect(pick(events, 'dlm-reset').filter((e) => e.t > 20_000).map((e) => `${e.t} ${e.node}`)).toEqual(['27543.612 m1', '28009.2 m2']);
    expect(result.traceHash).toBe('6b317993faaac998');
  });
});
