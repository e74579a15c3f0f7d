/**
 * A hold ends only with a quorum, judged by a failure detector brought up to the moment the hold
 * ends. 3m-short-lease-lock-delay seed 8521: m2, cut off with the storage, c1 and c4 from 23,176
 * ms, last heard m1 and m3 at about 24,000 ms, so both were past the 5 s failure timeout at m2's
 * local 29,000 ms; the hold on `a` it had kept since its rebuild ended on a timer at that same
 * instant, before the detector's own tick, so m2 still counted them and found a quorum. It ended
 * the locks on `a` and granted c3 EX with token 1059, while the majority's rebuild (m1) had
 * already granted c3 EX with token 2059 at 28,013.3 ms: a fencing token that went backwards.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice } from './world.js';

const threeShort = JSON.parse(readFileSync(new URL('./fixtures/swarm-dlm-3m-short-lease-lock-delay.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('3m-short-lease-lock-delay seed 8521: a hold that ends as its peers go silent waits for a quorum', () => {
  const { result, events } = runTwice(threeShort, 8521);

  it('m2 declares m1 and m3 dead when its hold ends, and grants nothing on a in its minority', () => {
    expect(pick(events, 'dlm-view').filter((e) => e.node === 'm2' && e.t > 28_000).map((e) => `${e.t} ${e.f.view as string}`)).toEqual(['28981.704 m2@0']);
    expect(pick(events, 'grant', { resource: 'a' }).filter((e) => e.t > 28_000).map((e) => `${e.t} ${e.node} ${e.f.client as string} ${e.f.token as number}`)).toEqual(['28013.317 m1 c3 2059']);
  });

  it('no fencing violation is left; the late write this configuration expects is', () => {
    expect(result.violations.map((v) => `${v.invariant} ${v.atMs}`)).toEqual(['stale-write 20583.499']);
    expect(result.traceHash).toBe('2ef48d6f1ba083b3');
  });
});
