/**
 * Seeds of the fenced-DLM swarm (issue 12) that once broke an invariant, replayed against the
 * swarm as it was when they failed (fixtures/swarm-fenced-dlm-issue12.json), so that each stays
 * a regression whatever the shipped scenario becomes. Each pins the trace hash its fix produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/scenario/index.js';
import { pick, runTwice } from './world.js';

const swarm = JSON.parse(readFileSync(new URL('./fixtures/swarm-fenced-dlm-issue12.json', import.meta.url), 'utf8')) as ScenarioInput;

describe('swarm-fenced-dlm seed 8763: a lone manager\u2019s verdict makes nobody reset', () => {
  // m3 restarts inside a one-way partition that keeps m1 and m2 from reaching it and, alone,
  // declares them dead (view m3@1000). After the heal m2 joins it, so m3 has a quorum again when
  // m1's heartbeat arrives: it once answered `dead-to-me`, m1 reset and dropped c3's grant
  // (token 23) with no event ending it, and m2 later granted c4 EX beside it.
  it('m1 keeps its state, and no two EX grants on a overlap', () => {
    const { result, events } = runTwice(swarm, 8763);
    expect(result.violations).toEqual([]);
    expect(pick(events, 'dlm-reset', {}).filter((e) => e.node === 'm1')).toEqual([]);
    expect(events.filter((e) => e.type === 'send' && e.f.msg === 'dead-to-me')).toEqual([]);
    expect(result.traceHash).toBe('d502a21a60316ce9');
  });
});
